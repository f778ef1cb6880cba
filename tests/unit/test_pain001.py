"""The pain.001 writer: XSD-valid, SEPA-restricted, deterministic, streaming (issue 4 §4).

Rules cited as [NAME] are the short names of /work/shared/reference/iso20022/SEPA_RULES.md.
Golden files: ``tests/snapshots/pain001_v09_small.xml`` and ``pain001_v03_small.xml``;
after a deliberate change, regenerate them with
``ALLOCATIONS_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/unit/test_pain001.py -k snapshot``
and review ``git diff tests/snapshots``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import itertools
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
import xmlschema

from allocations.errors import InvalidBicError, InvalidIbanError, SepaValidationError
from allocations.iso20022 import (
    CreditTransfer,
    FileHeader,
    MessageDefinition,
    PaymentOrganisation,
    render_pain001,
    write_pain001,
)
from allocations.money import to_cents

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "src" / "allocations" / "iso20022" / "schemas"
DATA = ROOT / "tests" / "data" / "iso20022"
SNAPSHOTS = ROOT / "tests" / "snapshots"
V03, V09 = MessageDefinition.PAIN_001_001_03, MessageDefinition.PAIN_001_001_09
PARIS = dt.timezone(dt.timedelta(hours=1))

# Well-known valid IBANs: the two French ones quoted in SEPA_RULES.md [FR-IBAN], and the
# classic German, Belgian and Spanish examples (their check digits pass mod 97-10).
IBAN_DEBTOR = "FR1420041010050500013M02606"
IBAN_A = "FR7630006000011234567890189"
IBAN_B = "DE89370400440532013000"
IBAN_C = "BE68539007547034"


@functools.cache
def schema(name: str) -> xmlschema.XMLSchema:
    """The shipped XSD (or the DK variant of tests/data), built once per session."""
    path = DATA / name if "DK" in name else SCHEMAS / name
    return xmlschema.XMLSchema(str(path))


def small_transfers() -> list[CreditTransfer]:
    return [
        CreditTransfer(
            end_to_end_id="AF-2027-02-000001",
            instruction_id="AF-2027-02-000001-1",
            amount_cents=to_cents(Decimal("148.52")),
            creditor_name="Hélène Lefèvre-Dœuf",
            creditor_iban=IBAN_A,
            creditor_bic="BNPAFRPPXXX",
            remittance="CAF allocations familiales février 2027 dossier 0001",
        ),
        CreditTransfer(
            end_to_end_id="AF-2027-02-000002",
            instruction_id="AF-2027-02-000002-1",
            amount_cents=to_cents(Decimal("297.04")),
            creditor_name="Jean-François O’Brien & Fils",
            creditor_iban=IBAN_B,
            creditor_bic=None,
            remittance="CAF allocations familiales « février » 2027 dossier 0002",
        ),
        CreditTransfer(
            end_to_end_id="AF-2027-02-000003",
            instruction_id="AF-2027-02-000003-1",
            amount_cents=1,
            creditor_name="Zoë Ñúñez",
            creditor_iban=IBAN_C,
            creditor_bic="GEBABEBB",
            remittance="CAF complément 2027-02",
        ),
    ]


def header_for(transfers: list[CreditTransfer], **changes: Any) -> FileHeader:
    values: dict[str, Any] = {
        "message_id": "CAF75-2027-02-RUN1",
        "creation_datetime": dt.datetime(2027, 2, 1, 6, 0, 0, 123456, tzinfo=PARIS),
        "payment_information_id": "CAF75-2027-02-RUN1-P1",
        "requested_execution_date": dt.date(2027, 2, 5),  # a Friday, a TARGET day
        "number_of_transactions": len(transfers),
        "control_sum_cents": sum(t.amount_cents for t in transfers),
    }
    values.update(changes)
    return FileHeader(**values)


DEBTOR = PaymentOrganisation(
    name="Caisse d’allocations familiales de Paris",
    iban=IBAN_DEBTOR,
    bic="PSSTFRPPPAR",
    initiating_party_id="SIRET78012345600017",
)
DEBTOR_WITHOUT_BIC = PaymentOrganisation(name="CAF de Paris", iban=IBAN_DEBTOR)


def small_file(version: MessageDefinition, debtor: PaymentOrganisation = DEBTOR) -> bytes:
    transfers = small_transfers()
    return render_pain001(header_for(transfers), debtor, transfers, version=version)


def text_of(data: bytes, tag: str) -> list[str]:
    return re.findall(rf"<{tag}(?: [^>]*)?>([^<]*)</{tag}>", data.decode("utf-8"))


@pytest.mark.parametrize(("version", "name"), [(V09, "v09"), (V03, "v03")])
def test_small_file_matches_the_reviewed_snapshot(version: MessageDefinition, name: str) -> None:
    path = SNAPSHOTS / f"pain001_{name}_small.xml"
    data = small_file(version)
    if os.environ.get("ALLOCATIONS_UPDATE_SNAPSHOTS") == "1":
        path.write_bytes(data)
    assert data == path.read_bytes(), f"regenerate {path.name} and review the diff"


def test_shipped_schemas_are_the_reference_copies() -> None:
    # SHA-256 from the reference folder's README.md (and schemas/ORIGIN.md).
    expected = {
        "pain.001.001.03.xsd": "ed4be42522e3e35b108b3ad2ebbcc65da987cddbf6cfdc20828cd4fd0d69c51a",
        "pain.001.001.09.xsd": "de038b373e47b0077b1832ddd81f4b2f1eb25d35721f62da1e38b7f5a09fda24",
        "pain.002.001.03.xsd": "c0c2b98f51638147598678bbec3d5aedfa270a819c2fda8014ba3c34a5972195",
        "pain.002.001.10.xsd": "2f9f8d0e9891fa9f31ccf0576397afe501614384d688ae6e43ba694b3d24b0cf",
        "camt.054.001.02.xsd": "8bb91f1d645277487b4262538c9064161e8feb48ceb8b0c680716fd07c32da01",
        "camt.054.001.08.xsd": "2b392a1f7e70e70902fd0d803ff85989613bd1cae351663240b0bb9243be2c28",
    }
    actual = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in SCHEMAS.glob("*.xsd")
    }
    assert actual == expected
    dk = DATA / "pain.001.001.03.DK-SEPA.xsd"
    assert (
        hashlib.sha256(dk.read_bytes()).hexdigest()
        == "aa7b54efdf1e3a24b02fc2094ba678e9834d2fc6b6f9670550f220ecb490c294"
    )


@pytest.mark.parametrize("version", [V09, V03])
@pytest.mark.parametrize("debtor", [DEBTOR, DEBTOR_WITHOUT_BIC], ids=["bic", "no-bic"])
def test_output_is_valid_against_the_official_xsd(
    version: MessageDefinition, debtor: PaymentOrganisation
) -> None:
    schema(version.schema_file).validate(io.BytesIO(small_file(version, debtor)))


@pytest.mark.parametrize("debtor", [DEBTOR, DEBTOR_WITHOUT_BIC], ids=["bic", "no-bic"])
def test_v03_output_is_valid_against_the_stricter_dk_sepa_variant(
    debtor: PaymentOrganisation,
) -> None:
    # An extra check (tests/data/iso20022/ORIGIN.md): EUR only, SLEV, TRF, 2 decimals, one
    # Ustrd, BIC or Othr/Id NOTPROVIDED for the debtor agent, the identifier character set.
    schema("pain.001.001.03.DK-SEPA.xsd").validate(io.BytesIO(small_file(V03, debtor)))


@pytest.mark.parametrize("version", [V09, V03])
def test_same_input_gives_byte_identical_output(version: MessageDefinition) -> None:
    first = small_file(version)
    assert small_file(version) == first
    # A generator gives the same bytes as a list.
    transfers = small_transfers()
    streamed = io.BytesIO()
    write_pain001(streamed, header_for(transfers), DEBTOR, (t for t in transfers), version=version)
    assert streamed.getvalue() == first


@pytest.mark.parametrize("version", [V09, V03])
def test_prologue_encoding_and_newlines(version: MessageDefinition) -> None:
    data = small_file(version)
    assert data.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="'
        + version.namespace.encode()
        + b'">\n'
    )
    assert not data.startswith(b"\xef\xbb\xbf")  # no BOM (DK guide, SEPA_RULES.md [CHARSET])
    assert b"\r" not in data
    assert data.endswith(b"</Document>\n")
    assert data.isascii()  # everything was transliterated to the SEPA set


def test_header_and_transaction_elements_follow_the_sepa_rules() -> None:
    data = small_file(V09)
    # CreDtTm is the caller's, to the second, with its offset (no clock is read).
    assert text_of(data, "CreDtTm") == ["2027-02-01T06:00:00+01:00"]
    # NbOfTxs and CtrlSum at both levels [NBOFTXS] [CTRLSUM]: 148.52 + 297.04 + 0.01.
    assert text_of(data, "NbOfTxs") == ["3", "3"]
    assert (
        text_of(data, "CtrlSum")
        == [str(Decimal("148.52") + Decimal("297.04") + Decimal("0.01"))] * 2
    )
    assert text_of(data, "InstdAmt") == ["148.52", "297.04", "0.01"]
    assert data.count(b'<InstdAmt Ccy="EUR">') == 3  # [CURRENCY]
    assert text_of(data, "PmtMtd") == ["TRF"]  # [PMTMTD]
    assert text_of(data, "ChrgBr") == ["SLEV"]  # once, at PmtInf level [CHRGBR]
    assert text_of(data, "Cd") == ["SEPA"]  # [SVCLVL]
    assert text_of(data, "BtchBookg") == ["true"]
    assert text_of(data, "Dt") == ["2027-02-05"]  # .09 ReqdExctnDt/Dt [REQDEXCTNDT]
    assert b"PstlAdr" not in data  # no address at all [ADDRESS]
    # Creditor agent only with a BIC (2 of 3 transfers); debtor agent BIC in BICFI.
    assert text_of(data, "BICFI") == ["PSSTFRPPPAR", "BNPAFRPPXXX", "GEBABEBB"]
    assert data.count(b"<CdtrAgt>") == 2
    assert text_of(data, "Nm") == [
        "Caisse d'allocations familiales de Paris",
        "Caisse d'allocations familiales de Paris",
        "Helene Lefevre-Doeuf",
        "Jean-Francois O'Brien + Fils",
        "Zoe Nunez",
    ]
    assert text_of(data, "Ustrd")[1] == "CAF allocations familiales fevrier 2027 dossier 0002"


def test_v03_differences() -> None:
    data = small_file(V03)
    assert text_of(data, "ReqdExctnDt") == ["2027-02-05"]
    assert text_of(data, "BIC") == ["PSSTFRPPPAR", "BNPAFRPPXXX", "GEBABEBB"]
    assert b"BICFI" not in data


@pytest.mark.parametrize("version", [V09, V03])
def test_debtor_agent_without_bic_is_notprovided(version: MessageDefinition) -> None:
    # SEPA_RULES.md [AGENT]: the DK schema requires a BIC or FinInstnId/Othr/Id NOTPROVIDED.
    data = small_file(version, DEBTOR_WITHOUT_BIC)
    assert b"<Othr>\n            <Id>NOTPROVIDED</Id>\n          </Othr>" in data
    assert b"<InitgPty>\n        <Nm>CAF de Paris</Nm>\n      </InitgPty>" in data


def test_amounts_and_control_sum_come_from_integer_cents() -> None:
    # Amounts that a float would not hold exactly: 0.10 + 0.20 and the SEPA maximum.
    transfers = [
        CreditTransfer(f"E2E-{n}", f"I-{n}", cents, "A B", IBAN_A, None, "R")
        for n, cents in enumerate([10, 20, 99_999_999_999, 100])
    ]
    data = render_pain001(header_for(transfers), DEBTOR, transfers)
    assert text_of(data, "InstdAmt") == ["0.10", "0.20", "999999999.99", "1.00"]
    expected = Decimal("0.10") + Decimal("0.20") + Decimal("999999999.99") + Decimal("1.00")
    assert text_of(data, "CtrlSum") == [str(expected)] * 2


class CountingSink:
    """Keeps no data: counts transactions and sums amounts chunk by chunk."""

    def __init__(self, produced: Iterator[int]) -> None:
        self.head = b""
        self.transactions = 0
        self.cents = 0
        self.produced_at_writes: list[int] = []
        self.largest_write = 0
        self._produced = produced

    def write(self, data: bytes) -> int:
        self.produced_at_writes.append(next(self._produced))
        self.largest_write = max(self.largest_write, len(data))
        if not self.head:
            self.head = data
        self.transactions += data.count(b"<CdtTrfTxInf>")
        for amount in re.findall(rb'<InstdAmt Ccy="EUR">([0-9.]+)<', data):
            self.cents += to_cents(Decimal(amount.decode()))
        return len(data)


def test_streams_50000_transfers_from_a_generator_in_bounded_chunks() -> None:
    count = 50_000
    produced = 0

    def transfers() -> Iterator[CreditTransfer]:
        nonlocal produced
        for n in range(count):
            produced += 1
            yield CreditTransfer(
                f"AF-2027-02-{n:06d}",
                f"AF-2027-02-{n:06d}-1",
                10_000 + n % 997,
                f"Allocataire numéro {n}",
                IBAN_A,
                "BNPAFRPPXXX" if n % 2 else None,
                f"CAF allocations familiales 2027-02 dossier {n}",
            )

    # The sum of 10_000 + n % 997 for n < 50_000, computed independently of the writer.
    total = 10_000 * count + sum(n % 997 for n in range(count))
    header = header_for([], number_of_transactions=count, control_sum_cents=total)

    def now_produced() -> Iterator[int]:
        while True:
            yield produced

    sink = CountingSink(now_produced())
    write_pain001(sink, header, DEBTOR, transfers())
    assert text_of(sink.head, "NbOfTxs") == [str(count)] * 2
    assert text_of(sink.head, "CtrlSum") == [f"{total // 100}.{total % 100:02d}"] * 2
    assert (sink.transactions, sink.cents) == (count, total)
    # Flat memory, shown by structure rather than timing (benchmarks/pain001.py measures the
    # peak): the first transactions are written long before the generator is drained, so the
    # input is never held whole, and every write is one bounded chunk (the whole output is
    # about 32 MB), so the output is never held whole either.
    assert sink.produced_at_writes[1] < count // 10
    assert sink.largest_write < 2**20
    assert len(sink.produced_at_writes) > count // 2000


def test_more_transfers_than_declared_stop_the_writing_early() -> None:
    endless = (
        CreditTransfer(f"E-{n}", f"I-{n}", 100, "A", IBAN_A, None, "R") for n in itertools.count()
    )
    sink = io.BytesIO()
    header = header_for([], number_of_transactions=3, control_sum_cents=300)
    with pytest.raises(SepaValidationError, match=r"more than the 3 declared.*NBOFTXS"):
        write_pain001(sink, header, DEBTOR, endless)
    assert not sink.getvalue().endswith(b"</Document>\n")


@pytest.mark.parametrize(
    ("declared_count", "declared_cents", "match"),
    [
        (4, 14852 + 29704 + 1, r"3 transactions but .* declares 4 \(\[NBOFTXS\]\)"),
        (3, 14852 + 29704 + 2, r"sum to 445.57 EUR but .* declares 445.58 EUR"),
    ],
)
def test_totals_differing_from_the_header_leave_an_unterminated_file(
    declared_count: int, declared_cents: int, match: str
) -> None:
    transfers = small_transfers()
    header = header_for(
        transfers, number_of_transactions=declared_count, control_sum_cents=declared_cents
    )
    sink = io.BytesIO()
    with pytest.raises(SepaValidationError, match=match):
        write_pain001(sink, header, DEBTOR, transfers)
    assert sink.getvalue().count(b"<CdtTrfTxInf>") == 3
    assert b"</Document>" not in sink.getvalue()


def test_only_credit_transfers_are_written() -> None:
    transfers: list[Any] = [*small_transfers()[:2], {"end_to_end_id": "X"}]
    with pytest.raises(TypeError, match="CreditTransfer values, got dict at position 3"):
        render_pain001(header_for(small_transfers()), DEBTOR, transfers)
    with pytest.raises(TypeError, match="header must be a FileHeader"):
        render_pain001(object(), DEBTOR, [])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="debtor must be a PaymentOrganisation"):
        render_pain001(header_for(small_transfers()), object(), [])  # type: ignore[arg-type]


def test_unknown_version_is_refused() -> None:
    with pytest.raises(SepaValidationError, match=r"'pain.001.001.10' is not a pain.001 version"):
        small_file("pain.001.001.10")  # type: ignore[arg-type]
    with pytest.raises(SepaValidationError, match=r"pain\.002\.001\.10"):
        small_file(MessageDefinition.PAIN_002_001_10)


def test_a_2014_bic_is_refused_in_the_2009_version() -> None:
    # SEPA_RULES.md [BIC]: .09 BICFIDec2014Identifier allows digits in the first 4 characters,
    # .03 BICIdentifier does not.
    transfer = CreditTransfer("E-1", "I-1", 100, "A", IBAN_A, "1234FRPP", "R")
    header = header_for([transfer])
    assert b"<BICFI>1234FRPP</BICFI>" in render_pain001(header, DEBTOR, [transfer])
    with pytest.raises(InvalidBicError, match=r"'1234FRPP' is valid in pain\.001\.001\.09 but not"):
        render_pain001(header, DEBTOR, [transfer], version=V03)
    debtor = PaymentOrganisation("CAF", IBAN_DEBTOR, bic="1234FRPPXXX")
    with pytest.raises(InvalidBicError, match=r"PaymentOrganisation\.bic"):
        render_pain001(header, debtor, [], version=V03)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("creditor_name", "A</Nm><Nm>B"),
        ("creditor_name", "Zoë"),
        ("instruction_id", "AF-1<"),
        ("end_to_end_id", "AF>1"),
        ("creditor_iban", "FR76&amp;"),
        ("remittance", "AF 2027-02 </Ustrd>"),
        ("creditor_bic", "BNPA<FRPP"),
        ("creditor_bic", "BNPAFRPPÉ"),
    ],
)
def test_tampered_values_are_caught_by_the_escaping_guard(field: str, value: str) -> None:
    # Each value written into a transaction, changed behind the validators' back: the
    # writer refuses instead of writing broken or non-SEPA XML.
    transfers = small_transfers()
    header = header_for(transfers)
    object.__setattr__(transfers[1], field, value)
    with pytest.raises(SepaValidationError, match="XML special"):
        render_pain001(header, DEBTOR, transfers)


def test_a_tampered_debtor_is_caught_by_the_escaping_guard() -> None:
    header = header_for(small_transfers())
    debtor = PaymentOrganisation("CAF", IBAN_DEBTOR)
    object.__setattr__(debtor, "name", "CAF & co")
    with pytest.raises(SepaValidationError, match="XML special"):
        render_pain001(header, debtor, small_transfers())


class TestCreditTransfer:
    def make(self, **changes: Any) -> CreditTransfer:
        return attrs.evolve(small_transfers()[0], **changes)

    def test_names_and_remittance_are_stored_transliterated_and_cut(self) -> None:
        transfer = self.make(creditor_name="Œ" * 50, remittance="é" * 200)
        assert transfer.creditor_name == "OE" * 35  # 100 characters cut to 70 [LEN]
        assert transfer.remittance == "e" * 140

    def test_a_name_with_nothing_left_names_the_value(self) -> None:
        with pytest.raises(
            SepaValidationError, match=r"creditor_name '😀 🎉' has no character left"
        ):
            self.make(creditor_name="😀 🎉")

    @pytest.mark.parametrize("field", ["end_to_end_id", "instruction_id"])
    def test_identifiers_are_checked_naming_the_field(self, field: str) -> None:
        with pytest.raises(SepaValidationError, match=rf"CreditTransfer.{field} 'A//B'"):
            self.make(**{field: "A//B"})

    def test_notprovided_is_refused_as_end_to_end_id(self) -> None:
        with pytest.raises(SepaValidationError, match="E2E-NOTPROVIDED"):
            self.make(end_to_end_id="NOTPROVIDED")

    @pytest.mark.parametrize("amount", [0.5, Decimal("1.00"), "100", True])
    def test_amount_must_be_integer_cents(self, amount: object) -> None:
        with pytest.raises(TypeError, match=r"CreditTransfer\.amount_cents must be an int"):
            self.make(amount_cents=amount)

    @pytest.mark.parametrize("cents", [0, -1, 99_999_999_999 + 1])
    def test_amount_range_is_the_sepa_range(self, cents: int) -> None:
        # SEPA_RULES.md [AMOUNT]: 0.01 to 999999999.99.
        with pytest.raises(SepaValidationError, match=rf"amount_cents {cents} is outside"):
            self.make(amount_cents=cents)

    @pytest.mark.parametrize(
        ("iban", "match"),
        [
            ("FR7630006000011234567890188", "mod 97-10 check"),
            ("FR76 3000 6000 0112 3456 7890 189", "electronic form"),
            ("fr7630006000011234567890189", "electronic form"),
            ("FR76", "electronic form"),
        ],
    )
    def test_iban_is_checked_and_masked(self, iban: str, match: str) -> None:
        with pytest.raises(InvalidIbanError, match=match) as info:
            self.make(creditor_iban=iban)
        assert "CreditTransfer.creditor_iban" in str(info.value)
        assert iban not in str(info.value)  # errors.InvalidIbanError: the message masks it

    @pytest.mark.parametrize("bic", ["BNPAFRPP X", "bnpafrpp", "BNPAFR", "BNPAFRPPXX"])
    def test_bic_is_checked(self, bic: str) -> None:
        with pytest.raises(InvalidBicError, match=rf"CreditTransfer.creditor_bic {bic!r}"):
            self.make(creditor_bic=bic)


class TestFileHeader:
    def test_creation_datetime_must_be_aware(self) -> None:
        with pytest.raises(SepaValidationError, match="must be timezone-aware"):
            header_for(small_transfers(), creation_datetime=dt.datetime(2027, 2, 1, 6, 0))
        with pytest.raises(TypeError, match="creation_datetime must be a datetime"):
            header_for(small_transfers(), creation_datetime=dt.date(2027, 2, 1))

    def test_execution_date_must_be_a_date(self) -> None:
        with pytest.raises(TypeError, match=r"requested_execution_date must be a datetime\.date"):
            header_for(
                small_transfers(), requested_execution_date=dt.datetime(2027, 2, 5, tzinfo=PARIS)
            )

    def test_totals_are_checked(self) -> None:
        with pytest.raises(SepaValidationError, match="number_of_transactions 0 must be 1"):
            header_for([], number_of_transactions=0, control_sum_cents=1)
        with pytest.raises(TypeError, match="control_sum_cents must be an int"):
            header_for([], number_of_transactions=1, control_sum_cents=1.0)
        with pytest.raises(SepaValidationError, match="control_sum_cents 2 is less than"):
            header_for([], number_of_transactions=3, control_sum_cents=2)

    def test_identifiers_are_checked(self) -> None:
        with pytest.raises(SepaValidationError, match=r"FileHeader\.message_id '/RUN'"):
            header_for(small_transfers(), message_id="/RUN")
