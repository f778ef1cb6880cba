"""The camt.054 reader, V02 and V08, on hand-written notifications (tests/data/iso20022/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from allocations.errors import Iso20022Error
from allocations.iso20022 import (
    CreditDebit,
    EntryStatus,
    MessageDefinition,
    Reason,
    read_camt054,
)
from allocations.money import to_cents

DATA = Path(__file__).resolve().parents[1] / "data" / "iso20022"
ACCOUNT = "FR1420041010050500013M02606"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_v02_batch_debit_is_one_transaction_per_detail() -> None:
    notification = read_camt054(read("camt054_v02_batch_and_return.xml"))
    assert notification.message is MessageDefinition.CAMT_054_001_02
    assert notification.message_id == "BQ-NTF-20270209-0001"
    batch = notification.transactions[:3]
    assert [(t.end_to_end_id, t.amount_cents) for t in batch] == [
        ("AF-2027-02-000001", to_cents(Decimal("148.53"))),  # AmtDtls/TxAmt
        ("AF-2027-02-000002", to_cents(Decimal("148.54"))),  # AmtDtls/InstdAmt
        ("AF-2027-02-000003", to_cents(Decimal("148.55"))),
    ]
    # The entry total is the batch's: 148.53 + 148.54 + 148.55.
    assert {t.entry_amount_cents for t in batch} == {to_cents(Decimal("445.62"))}
    first = batch[0]
    assert (first.credit_debit, first.status, first.reversal, first.is_return) == (
        CreditDebit.DEBIT,
        EntryStatus.BOOKED,
        False,
        False,
    )
    assert (first.booking_date, first.value_date) == (dt.date(2027, 2, 5), dt.date(2027, 2, 5))
    assert (first.original_message_id, first.payment_information_id, first.instruction_id) == (
        "CAF75-2027-02-RUN1",
        "CAF75-2027-02-RUN1-P1",
        "AF-2027-02-000001-1",
    )
    assert (first.account_iban, first.entry_reference, first.account_servicer_reference) == (
        ACCOUNT,
        "E-0001",
        "BQ-REF-000001",
    )
    assert first.bank_transaction_code == "PMNT/ICDT/ESCT"


def test_v02_return_with_reason() -> None:
    notification = read_camt054(read("camt054_v02_batch_and_return.xml"))
    (returned,) = notification.returns
    assert (returned.end_to_end_id, returned.credit_debit, returned.amount_cents) == (
        "AF-2027-02-000002",
        CreditDebit.CREDIT,
        14854,  # a single TxDtls without its own amount: the entry's 148.54
    )
    assert returned.return_reasons == (
        Reason(code="AC04", additional_information=("Compte clos",)),
    )
    assert returned.return_reason_code == "AC04"
    assert returned.bank_transaction_code == "PMNT/ICDT/RRTN"
    assert returned.booking_date == dt.date(2027, 2, 9)
    assert len(notification.booked) == 4


def test_v08_returns_reversal_and_pending_entry() -> None:
    notification = read_camt054(read("camt054_v08_returns.xml"))
    debit, returned, reversal, pending = notification.transactions
    assert (debit.end_to_end_id, debit.amount_cents, debit.credit_debit, debit.is_return) == (
        "AF13-2027-03-000010",
        46644,
        CreditDebit.DEBIT,
        False,
    )
    assert (returned.return_reason_code, returned.amount_cents) == ("MD07", 14852)
    # BookgDt given as DtTm: its date.
    assert returned.booking_date == dt.date(2027, 3, 10)
    assert returned.account_servicer_reference == "BQ-REF-000102"
    assert (reversal.reversal, reversal.is_return, reversal.return_reason_code) == (
        True,
        True,
        None,
    )
    assert notification.returns == (returned, reversal)
    # An entry without details is one transaction without references.
    assert (pending.status, pending.end_to_end_id, pending.amount_cents) == (
        EntryStatus.PENDING,
        None,
        1230,
    )
    assert pending.bank_transaction_code == "FRAIS"  # proprietary code
    assert pending.booking_date is None
    assert notification.booked == (debit, returned, reversal)


NOTIFICATION = """<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N</MsgId><CreDtTm>2027-03-10T19:00:00Z</CreDtTm></GrpHdr>
<Ntfctn><Id>1</Id><Acct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></Acct>
<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>
<Sts><Cd>{status}</Cd></Sts><BkTxCd/>{details}</Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


def notification(
    currency: str = "EUR",
    amount: str = "10.00",
    direction: str = "DBIT",
    status: str = "BOOK",
    details: str = "",
) -> bytes:
    return NOTIFICATION.format(
        currency=currency, amount=amount, direction=direction, status=status, details=details
    ).encode()


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"currency": "CHF"}, "currency 'CHF'"),
        ({"amount": "10.001"}, "fraction of a cent"),
        ({"amount": "-1"}, "not a non-negative decimal"),
        ({"amount": "1e3"}, "not a non-negative decimal"),
        ({"direction": "BOTH"}, "CdtDbtInd is 'BOTH'"),
        ({"status": "DONE"}, "entry status .* is 'DONE'"),
        (
            {
                "details": "<NtryDtls><TxDtls><Refs><EndToEndId>A</EndToEndId></Refs></TxDtls>"
                "<TxDtls><Refs><EndToEndId>B</EndToEndId></Refs></TxDtls></NtryDtls>"
            },
            "2 transactions, one of them without an amount",
        ),
    ],
)
def test_bad_values_are_refused_naming_them(changes: dict[str, str], match: str) -> None:
    with pytest.raises(Iso20022Error, match=match):
        read_camt054(notification(**changes))


def test_other_messages_and_hostile_xml_are_refused() -> None:
    with pytest.raises(Iso20022Error, match=r"pain\.002\.001\.10 message; expected camt\.054"):
        read_camt054(read("pain002_v10_accepted.xml"))
    hostile = b'<!DOCTYPE d [<!ENTITY x SYSTEM "http://example.com/x">]><Document>&x;</Document>'
    with pytest.raises(Iso20022Error, match="DTD"):
        read_camt054(hostile)
