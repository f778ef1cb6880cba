"""validate_pain001: the SEPA rules (SEPA_RULES.md short names) and the optional XSD part."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pytest
import xmlschema
from xmlschema.exceptions import XMLResourceExceeded

from allocations.iso20022 import (
    MAX_FINDINGS_PER_RULE,
    CreditTransfer,
    FileHeader,
    MessageDefinition,
    PaymentOrganisation,
    Severity,
    detect_message,
    render_pain001,
    validate_against_xsd,
    validate_pain001,
)

V03, V09 = MessageDefinition.PAIN_001_001_03, MessageDefinition.PAIN_001_001_09
IBAN_A = "FR7630006000011234567890189"
SCHEMAS = Path(__file__).resolve().parents[2] / "src" / "allocations" / "iso20022" / "schemas"
DATA = Path(__file__).resolve().parents[1] / "data" / "iso20022"


def pain001(
    version: MessageDefinition = V09,
    count: int = 3,
    execution: dt.date = dt.date(2027, 2, 5),
) -> bytes:
    transfers = [
        CreditTransfer(
            f"AF-{n}", f"AF-{n}-1", 10_000 + n, f"Allocataire {n}", IBAN_A, None, f"AF {n}"
        )
        for n in range(1, count + 1)
    ]
    header = FileHeader(
        "RUN-1",
        dt.datetime(2027, 2, 1, 6, 0, tzinfo=dt.UTC),
        "RUN-1-P1",
        execution,
        number_of_transactions=count,
        control_sum_cents=sum(t.amount_cents for t in transfers),
    )
    debtor = PaymentOrganisation("CAF de Paris", "FR1420041010050500013M02606", "PSSTFRPPPAR")
    return render_pain001(header, debtor, transfers, version=version)


@pytest.mark.parametrize("version", [V09, V03])
def test_a_written_file_has_no_finding_at_all(version: MessageDefinition) -> None:
    report = validate_pain001(pain001(version))
    assert report.findings == ()
    assert report.is_valid
    assert report.xsd_checked
    assert report.message is version
    # 10_001 + 10_002 + 10_003 cents.
    assert (report.number_of_transactions, report.control_sum_cents) == (3, 30_006)


TX1 = b"<EndToEndId>AF-1</EndToEndId>"
NAME1 = b"<Nm>Allocataire 1</Nm>"
AMOUNT1 = b'<InstdAmt Ccy="EUR">100.01</InstdAmt>'


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        (NAME1, b"<Nm>Allocataire &amp; 1</Nm>", "CHARSET"),
        (NAME1, b"<Nm>Allocataire \xc3\xa9</Nm>", "CHARSET"),
        (NAME1, b"<Nm>" + b"x" * 71 + b"</Nm>", "LEN"),  # ISO allows 140, SEPA 70
        (TX1, b"<EndToEndId>AF//1</EndToEndId>", "ID-SLASH"),
        (TX1, b"<EndToEndId>/AF-1</EndToEndId>", "ID-SLASH"),
        (TX1, b"<EndToEndId>AF-2</EndToEndId>", "ENDTOENDID-DUP"),
        (TX1, b"<EndToEndId>NOTPROVIDED</EndToEndId>", "E2E-NOTPROVIDED"),
        (b"<InstrId>AF-1-1<", b"<InstrId>AF-2-1<", "INSTRID-DUP"),
        (b"<NbOfTxs>3</NbOfTxs>", b"<NbOfTxs>4</NbOfTxs>", "NBOFTXS"),
        (b"<CtrlSum>300.06</CtrlSum>", b"<CtrlSum>300.07</CtrlSum>", "CTRLSUM"),
        (b"<CtrlSum>300.06</CtrlSum>", b"<CtrlSum>300.060</CtrlSum>", "CTRLSUM"),
        (AMOUNT1, b'<InstdAmt Ccy="EUR">0100.01</InstdAmt>', "AMOUNT"),
        (AMOUNT1, b'<InstdAmt Ccy="EUR">100.011</InstdAmt>', "AMOUNT"),
        (AMOUNT1, b'<InstdAmt Ccy="EUR">0.00</InstdAmt>', "AMOUNT"),
        (AMOUNT1, b'<InstdAmt Ccy="EUR">1000000000.00</InstdAmt>', "AMOUNT"),
        (AMOUNT1, b'<InstdAmt Ccy="USD">100.01</InstdAmt>', "CURRENCY"),
        (b"<ChrgBr>SLEV</ChrgBr>", b"<ChrgBr>SHAR</ChrgBr>", "CHRGBR"),
        (b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>CHK</PmtMtd>", "PMTMTD"),
        (b"<Cd>SEPA</Cd>", b"<Cd>NURG</Cd>", "SVCLVL"),
        (IBAN_A.encode(), b"FR7630006000011234567890188", "IBAN"),
        (b"<BICFI>PSSTFRPPPAR</BICFI>", b"<BICFI>PSSTFRPP1</BICFI>", "BIC"),
        (b"<Ustrd>AF 1</Ustrd>", b"<Ustrd>AF 1</Ustrd><Ustrd>AF 1 bis</Ustrd>", "RMTINF"),
        (b"<Cdtr>\n          <Nm>Allocataire 1</Nm>\n        </Cdtr>", b"<Cdtr/>", "NAME"),
        (
            b"<IBAN>" + IBAN_A.encode() + b"</IBAN>",
            b"<Othr><Id>123</Id></Othr>",
            "IBAN",  # accounts are identified by IBAN only
        ),
    ],
)
def test_each_sepa_rule_is_reported_by_its_name(old: bytes, new: bytes, rule: str) -> None:
    data = pain001()
    assert old in data
    report = validate_pain001(data.replace(old, new, 1), xsd=False)
    assert rule in report.rules_broken, report.format()
    assert not report.is_valid
    finding = next(f for f in report.errors if f.rule == rule)
    assert finding.location.startswith(("PmtInf[1]", "GrpHdr")) or rule == "CHARSET"


@pytest.mark.parametrize(
    ("iban", "reason"),
    [
        # ISO 13616 MOD 97-10: the valid IBAN ends in 189 (remainder 1); one less lowers the
        # rearranged number by 10**6 (six digits follow: FR = 1527, 76), and 10**6 mod 97 is
        # 27, so the remainder is 1 - 27 mod 97 = 71.
        ("FR7630006000011234567890188", "0188 fails the ISO 7064 mod 97-10 check (remainder 71"),
        # Check digits right, clé RIB wrong (the iban_refusal doctest): SEPA_RULES.md [FR-RIB].
        ("FR8420041010050500013M02607", "2607: the clé RIB does not match"),
        # SWIFT IBAN registry: French IBANs have 27 characters.
        ("FR763000600001123456789018", "9018 has 26 characters; FR IBANs have 27"),
        # A valid Brazilian IBAN (SWIFT registry example), outside the EPC list of SEPA countries.
        ("BR1800360305000010009795493C1", "93C1: country 'BR' is not in the SEPA scheme's scope"),
        # FR BBAN is 5!n5!n11!c2!n: the clé RIB is two digits.
        ("FR76300060000112345678901X9", "01X9: the account part does not follow the FR format"),
        # The electronic form is capitals only (SEPA_RULES.md [IBAN]), though the XSD allows
        # lower case.
        ("fr7630006000011234567890189", "0189 is not in the electronic form of ISO 13616"),
    ],
)
def test_an_iban_finding_states_the_reason_with_the_iban_masked(iban: str, reason: str) -> None:
    report = validate_pain001(pain001(count=1).replace(IBAN_A.encode(), iban.encode()), xsd=False)
    (finding,) = (f for f in report.errors if f.rule == "IBAN")
    assert reason in finding.message
    assert iban not in finding.message
    assert iban[4:-4].upper() not in finding.message
    assert finding.location.startswith("PmtInf[1]/CdtTrfTxInf[1]/")


def test_missing_service_level_and_both_level_charge_bearer() -> None:
    data = pain001().replace(
        b"<PmtTpInf>\n        <SvcLvl>\n          <Cd>SEPA</Cd>\n        </SvcLvl>\n      </PmtTpInf>\n",
        b"",
    )
    assert validate_pain001(data, xsd=False).rules_broken == {"SVCLVL"}
    both = pain001().replace(
        b"        </Amt>\n", b"        </Amt>\n        <ChrgBr>SLEV</ChrgBr>\n", 1
    )
    assert validate_pain001(both).rules_broken == {"CHRGBR"}


def test_equivalent_amount_is_refused() -> None:
    data = pain001().replace(
        AMOUNT1,
        b'<EqvtAmt><Amt Ccy="EUR">100.01</Amt><CcyOfTrf>EUR</CcyOfTrf></EqvtAmt>',
        1,
    )
    assert "AMOUNT" in validate_pain001(data, xsd=False).rules_broken


def warnings_of(data: bytes) -> set[str]:
    return {f.rule for f in validate_pain001(data).warnings}


def test_warnings_do_not_make_a_file_invalid() -> None:
    # 2027-02-06 is a Saturday: never a TARGET business day (SEPA_RULES.md [TARGET2]).
    saturday = pain001(execution=dt.date(2027, 2, 6))
    report = validate_pain001(saturday)
    assert report.is_valid
    assert {(f.rule, f.severity) for f in report.findings} == {("TARGET2", Severity.WARNING)}
    # A BOM, a date-time execution date, an empty debtor agent, no ChrgBr.
    assert "CHARSET" in warnings_of(b"\xef\xbb\xbf" + pain001())
    date_time = pain001().replace(b"<Dt>2027-02-05</Dt>", b"<DtTm>2027-02-05T09:00:00</DtTm>")
    assert "REQDEXCTNDT" in warnings_of(date_time)
    no_agent = pain001().replace(b"<BICFI>PSSTFRPPPAR</BICFI>\n", b"")
    assert "AGENT" in warnings_of(no_agent)
    assert "CHRGBR" in warnings_of(pain001().replace(b"      <ChrgBr>SLEV</ChrgBr>\n", b""))


def with_address(data: bytes, address: bytes) -> bytes:
    return data.replace(NAME1, NAME1 + b"<PstlAdr>" + address + b"</PstlAdr>", 1)


def test_unstructured_addresses_are_refused_from_15_november_2026() -> None:
    # SEPA_RULES.md [ADDRESS-UNSTRUCTURED]: address lines only are refused from 2026-11-15.
    lines = b"<AdrLine>1 rue de la Paix</AdrLine><AdrLine>75002 Paris</AdrLine>"
    before = validate_pain001(with_address(pain001(execution=dt.date(2026, 11, 13)), lines))
    assert before.is_valid
    assert "ADDRESS-UNSTRUCTURED" in {f.rule for f in before.warnings}
    after = validate_pain001(with_address(pain001(execution=dt.date(2026, 11, 16)), lines))
    assert after.rules_broken == {"ADDRESS-UNSTRUCTURED"}
    hybrid = b"<TwnNm>Paris</TwnNm><Ctry>FR</Ctry>" + lines
    assert validate_pain001(with_address(pain001(), hybrid)).findings == ()
    three = b"<AdrLine>a</AdrLine>" * 3
    assert "ADDRESS" in validate_pain001(with_address(pain001(), three), xsd=False).rules_broken


def test_encoding_other_than_utf8_is_an_error() -> None:
    data = pain001().replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"', 1)
    assert "ENCODING" in validate_pain001(data).rules_broken


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"<Document", "XML"),
        (b'<!DOCTYPE d [<!ENTITY a "b">]><Document>&a;</Document>', "XML"),
        (b'<Document xmlns="urn:example"/>', "MESSAGE"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/>', "MESSAGE"),
    ],
)
def test_unreadable_documents_give_a_report_not_an_exception(data: bytes, rule: str) -> None:
    report = validate_pain001(data)
    assert rule in report.rules_broken
    assert not report.xsd_checked


def test_findings_are_limited_per_rule() -> None:
    data = pain001(count=MAX_FINDINGS_PER_RULE + 10).replace(b"<Nm>Allocataire", b"<Nm>Al_loc")
    report = validate_pain001(data, xsd=False)
    assert len([f for f in report.findings if f.rule == "CHARSET"]) == MAX_FINDINGS_PER_RULE
    assert report.omitted_findings == 10
    assert "... and 10 more findings not shown" in report.format()


def test_xsd_errors_are_reported_with_their_path() -> None:
    data = pain001().replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>")
    report = validate_pain001(data)
    xsd = [f for f in report.errors if f.rule == "XSD"]
    assert xsd
    assert xsd[0].location == "CstmrCdtTrfInitn/PmtInf/PmtMtd"
    assert "{urn:" not in xsd[0].message  # namespaces stripped for reading


def test_xsd_part_is_skipped_when_xmlschema_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xmlschema", None)  # import xmlschema → ImportError
    report = validate_pain001(pain001())
    assert not report.xsd_checked
    assert "xmlschema is not installed" in report.xsd_note
    assert report.is_valid  # the SEPA part still ran
    assert "XSD: skipped: the optional dependency xmlschema" in report.format()
    assert not validate_against_xsd(pain001()).xsd_checked


def test_files_beyond_the_xmlschema_element_limit_are_validated_lazily(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real limit is 10**6 elements (about 50,000 transfers); lowering it to 500 shows
    # the behaviour with 100 transfers (about 2,000 elements).
    data = pain001(count=100)
    # Schemas are built (and cached) before the limit is lowered: an XSD has > 500 elements.
    assert validate_pain001(pain001()).xsd_checked
    schema = xmlschema.XMLSchema(str(SCHEMAS / "pain.001.001.09.xsd"))
    monkeypatch.setattr(xmlschema.limits, "MAX_XML_ELEMENTS", 500)
    with pytest.raises(XMLResourceExceeded):
        schema.validate(xmlschema.XMLResource(io.BytesIO(data)))
    report = validate_pain001(data)
    assert report.xsd_checked
    assert "lazily" in report.xsd_note
    assert report.is_valid, report.format()
    # Lazy validation still sees an error deep in the file.
    broken = validate_pain001(data.replace(b"<EndToEndId>AF-77</EndToEndId>", b""))
    assert "XSD" in broken.rules_broken


def test_format_is_a_readable_report() -> None:
    data = pain001().replace(TX1, b"<EndToEndId>AF-2</EndToEndId>")
    text = validate_pain001(data).format()
    assert text.splitlines()[0] == "message: pain.001.001.09"
    assert "transactions: 3, control sum: 300.06 EUR" in text
    assert (
        "error [ENDTOENDID-DUP] PmtInf[1]/CdtTrfTxInf[2]/PmtId/EndToEndId: "
        "EndToEndId 'AF-2' appears more than once in the file"
    ) in text
    assert text.endswith("result: INVALID")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pain002_v03_partial.xml", MessageDefinition.PAIN_002_001_03),
        ("pain002_v03_group_rejected.xml", MessageDefinition.PAIN_002_001_03),
        ("pain002_v10_accepted.xml", MessageDefinition.PAIN_002_001_10),
        ("pain002_v10_rejected.xml", MessageDefinition.PAIN_002_001_10),
        ("camt054_v02_batch_and_return.xml", MessageDefinition.CAMT_054_001_02),
        ("camt054_v08_returns.xml", MessageDefinition.CAMT_054_001_08),
    ],
)
def test_hand_written_bank_reports_are_valid_against_their_xsd(
    name: str, message: MessageDefinition
) -> None:
    data = (DATA / name).read_bytes()
    assert detect_message(data) is message
    report = validate_against_xsd(data)
    assert (report.message, report.xsd_checked) == (message, True)
    assert report.is_valid, report.format()


def test_xsd_check_of_a_document_broken_after_its_root() -> None:
    data = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>'
    report = validate_against_xsd(data)
    assert report.rules_broken == {"XML"}
    assert not report.xsd_checked


def test_data_must_be_bytes() -> None:
    with pytest.raises(TypeError, match="binary mode"):
        validate_pain001(pain001().decode())  # type: ignore[arg-type]
