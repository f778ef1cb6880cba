"""The pain.002 reader, V03 and V10, on hand-written bank reports (tests/data/iso20022/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from allocations.errors import Iso20022Error
from allocations.iso20022 import (
    PaymentStatus,
    Reason,
    StatusLevel,
    detect_message,
    read_payment_status_report,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "iso20022"
UTC = dt.UTC


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_v03_rejections_with_reason_per_transaction() -> None:
    report = read_payment_status_report(read("pain002_v03_partial.xml"))
    assert report.message_id == "BQ-STS-20270202-0001"
    assert report.creation_datetime == dt.datetime(
        2027, 2, 2, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=1))
    )
    assert (report.original_message_id, report.original_message_name) == (
        "CAF75-2027-02-RUN1",
        "pain.001.001.03",
    )
    assert report.group_status is PaymentStatus.PARTIALLY_ACCEPTED
    assert [
        (t.end_to_end_id, t.instruction_id, t.status, t.reason_code, t.amount_cents, t.level)
        for t in report.transactions
    ] == [
        ("AF-2027-02-000002", "AF-2027-02-000002-1", PaymentStatus.REJECTED, "AC01", 14854,
         StatusLevel.TRANSACTION),
        ("AF-2027-02-000003", "AF-2027-02-000003-1", PaymentStatus.REJECTED, "MS03", 14855,
         StatusLevel.TRANSACTION),
    ]  # fmt: skip
    assert report.transactions[0].additional_information == "Numero de compte incorrect"
    assert report.transactions[0].payment_information_id == "CAF75-2027-02-RUN1-P1"
    assert report.payment_informations[0].original_number_of_transactions == 3
    # PART: an unlisted transaction is not determined by this report.
    assert report.status_of("AF-2027-02-000001", "CAF75-2027-02-RUN1-P1") is None
    assert report.status_of("AF-2027-02-000002") is report.transactions[0]


def test_group_rejection_applies_to_every_transaction() -> None:
    report = read_payment_status_report(read("pain002_v03_group_rejected.xml"))
    assert report.transactions == ()
    assert report.creation_datetime == dt.datetime(2027, 2, 2, 7, 1, 12)  # no offset given
    assert report.group_status is PaymentStatus.REJECTED
    assert report.group_reasons == (
        Reason(code="DUPL", additional_information=("Fichier deja recu (MsgId en double)",)),
    )
    status = report.status_of("AF-2027-02-000001")
    assert status is not None
    assert (status.end_to_end_id, status.status, status.status_code) == (
        "AF-2027-02-000001",
        PaymentStatus.REJECTED,
        "RJCT",
    )
    assert (status.level, status.reason_code) == (StatusLevel.GROUP, "DUPL")


def test_v10_accepted_and_inherited_statuses() -> None:
    report = read_payment_status_report(read("pain002_v10_accepted.xml"))
    assert report.creation_datetime == dt.datetime(2027, 2, 3, 8, 0, tzinfo=UTC)
    settled, inherited = report.transactions
    assert (settled.status, settled.status_code, settled.level) == (
        PaymentStatus.ACCEPTED,
        "ACSC",
        StatusLevel.TRANSACTION,
    )
    # Listed without TxSts: the block's ACSP applies.
    assert (inherited.end_to_end_id, inherited.status_code, inherited.level) == (
        "AF-2027-02-000002",
        "ACSP",
        StatusLevel.PAYMENT_INFORMATION,
    )
    # Unlisted: the block's status when the block is named, else the group's.
    in_block = report.status_of("AF-2027-02-000003", "CAF75-2027-02-RUN1-P1")
    assert in_block is not None
    assert (in_block.status_code, in_block.level) == ("ACSP", StatusLevel.PAYMENT_INFORMATION)
    anywhere = report.status_of("AF-2027-02-000003")
    assert anywhere is not None
    assert (anywhere.status_code, anywhere.level) == ("ACCP", StatusLevel.GROUP)
    assert settled.reason_code is None
    assert settled.additional_information == ""


def test_v10_block_rejection_and_proprietary_reason() -> None:
    report = read_payment_status_report(read("pain002_v10_rejected.xml"))
    rejected_block, partial_block = report.payment_informations
    assert (rejected_block.status, rejected_block.reasons[0].code) == (
        PaymentStatus.REJECTED,
        "AM04",
    )
    assert partial_block.status is PaymentStatus.PARTIALLY_ACCEPTED
    # Every transfer of the rejected block is rejected with the block's reason.
    status = report.status_of("AF13-2027-02-000001", "CAF13-2027-02-RUN1-P1")
    assert status is not None
    assert (status.status, status.reason_code, status.level) == (
        PaymentStatus.REJECTED,
        "AM04",
        StatusLevel.PAYMENT_INFORMATION,
    )
    closed, embargo = report.transactions
    assert (closed.reason_code, closed.amount_cents, closed.additional_information) == (
        "AC04",
        46644,
        "Compte clos",
    )
    assert embargo.reasons[0].proprietary == "BQ-0042"
    assert embargo.reason_code == "BQ-0042"
    assert embargo.additional_information == "Beneficiaire sous embargo"
    # An unlisted transfer of the partial block: not determined.
    assert report.status_of("AF13-2027-02-000012", "CAF13-2027-02-RUN1-P2") is None


REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>S</MsgId><CreDtTm>2027-02-03T08:00:00Z</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>R</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
{group}</OrgnlGrpInfAndSts>{blocks}</CstmrPmtStsRpt></Document>"""


def report_bytes(group: str = "", blocks: str = "") -> bytes:
    return REPORT.format(group=group, blocks=blocks).encode()


def test_unknown_status_code_is_an_error_naming_it() -> None:
    with pytest.raises(Iso20022Error, match="unknown status code 'XXXX'"):
        read_payment_status_report(report_bytes("<GrpSts>XXXX</GrpSts>"))


def test_a_transaction_without_any_status_is_an_error() -> None:
    block = (
        "<OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId><TxInfAndSts>"
        "<OrgnlEndToEndId>E</OrgnlEndToEndId></TxInfAndSts></OrgnlPmtInfAndSts>"
    )
    with pytest.raises(Iso20022Error, match="'E' has no status at any level"):
        read_payment_status_report(report_bytes(blocks=block))


def test_no_status_at_all_determines_nothing() -> None:
    report = read_payment_status_report(report_bytes())
    assert report.group_status is None
    assert report.status_of("E") is None


def test_non_euro_amount_is_refused() -> None:
    block = (
        "<OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId><TxInfAndSts>"
        "<OrgnlEndToEndId>E</OrgnlEndToEndId><TxSts>RJCT</TxSts><OrgnlTxRef><Amt>"
        '<InstdAmt Ccy="USD">1.00</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts></OrgnlPmtInfAndSts>'
    )
    with pytest.raises(Iso20022Error, match="currency 'USD'"):
        read_payment_status_report(report_bytes(blocks=block))


def test_missing_required_element_is_named() -> None:
    data = report_bytes().replace(b"<MsgId>S</MsgId>", b"")
    with pytest.raises(Iso20022Error, match="'MsgId' is missing"):
        read_payment_status_report(data)


def test_other_messages_are_refused() -> None:
    camt = (DATA / "camt054_v08_returns.xml").read_bytes()
    with pytest.raises(Iso20022Error, match=r"camt.054.001.08 message; expected pain.002"):
        read_payment_status_report(camt)
    with pytest.raises(Iso20022Error, match="unknown or unsupported namespace 'urn:x'"):
        read_payment_status_report(b'<Document xmlns="urn:x"/>')
    with pytest.raises(TypeError, match="bytes"):
        read_payment_status_report(REPORT)  # type: ignore[arg-type]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">&lol9;</Document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">&xxe;</Document>"""


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (BILLION_LAUGHS, "DTD"),
        (EXTERNAL_ENTITY, "DTD"),
        (b"<Document", "not well-formed"),
        (b"", "not well-formed"),
        (b"\xff\xfe<", "not well-formed"),
    ],
    ids=["billion-laughs", "external-entity", "truncated", "empty", "bad-encoding"],
)
def test_hostile_or_malformed_xml_is_refused(data: bytes, problem: str) -> None:
    with pytest.raises(Iso20022Error, match=problem):
        read_payment_status_report(data)
    with pytest.raises(Iso20022Error, match=problem):
        detect_message(data)
