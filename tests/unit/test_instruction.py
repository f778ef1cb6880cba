"""Payment instructions and creditors: validation and content comparison (DESIGN.md
"Money": Decimal, whole cents, float refused; SEPA_RULES.md §4 [AMOUNT], §9 [RMTINF])."""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from decimal import Decimal

import attrs
import pytest

from allocations import (
    Creditor,
    InvalidAmountError,
    InvalidBicError,
    InvalidDepartmentError,
    InvalidIbanError,
    InvalidInputError,
    PaymentInstruction,
    PaymentKey,
)
from allocations.payments import MAX_AMOUNT
from allocations.payments._instruction import PLAIN_FIELDS, plain_values

IBAN = "FR7630006000011234567890189"  # SEPA_RULES.md §7


def make(**changes: object) -> PaymentInstruction:
    fields: dict[str, object] = {
        "key": PaymentKey("F-1", "AF", "2024-05", "regular"),
        "amount": Decimal("148.52"),
        "creditor": Creditor("Marie Curie", IBAN),
        "requested_execution_date": dt.date(2024, 6, 5),
        "remittance_information": "CAF ALLOCATIONS FAMILIALES 2024-05",
        "department": "67",
    }
    fields.update(changes)
    return PaymentInstruction(**fields)  # type: ignore[arg-type]


def test_amounts_are_kept_with_two_decimals_and_in_cents() -> None:
    assert make(amount=Decimal("148.5")).amount == Decimal("148.50")
    assert make(amount="148.52").amount_cents == 14852
    assert make(amount=7).amount == Decimal("7.00")
    assert make(amount=MAX_AMOUNT).amount_cents == 99999999999


def test_a_float_amount_is_a_type_error_naming_the_field() -> None:
    with pytest.raises(TypeError, match="amount"):
        make(amount=148.52)


@pytest.mark.parametrize(
    ("amount", "pattern"),
    [
        (Decimal("0"), "positive"),
        (Decimal("-1.00"), "positive"),
        (Decimal("0.001"), "whole number of cents"),
        (MAX_AMOUNT + Decimal("0.01"), "largest SEPA"),
        ("abc", "not a decimal"),
    ],
)
def test_invalid_amounts_are_refused(amount: object, pattern: str) -> None:
    with pytest.raises(InvalidAmountError, match=pattern):
        make(amount=amount)


def test_other_fields_are_validated() -> None:
    with pytest.raises(TypeError, match="requested_execution_date"):
        make(requested_execution_date=dt.datetime(2024, 6, 5, 9))
    with pytest.raises(InvalidInputError, match="remittance_information"):
        make(remittance_information="x" * 141)
    with pytest.raises(InvalidInputError, match="remittance_information"):
        make(remittance_information="   ")
    with pytest.raises(InvalidDepartmentError):
        make(department="20")
    with pytest.raises(TypeError, match="PaymentKey"):
        make(key="AF-202405-R01")


def test_creditors_are_validated_and_normalised() -> None:
    creditor = Creditor("  Marie   Curie ", "fr76 3000 6000 0112 3456 7890 189", "bnpafrpp")
    assert (creditor.name, creditor.iban, creditor.bic) == ("Marie Curie", IBAN, "BNPAFRPP")
    assert IBAN not in repr(creditor)
    assert "FR76 **** **** 0189" in repr(creditor)
    with pytest.raises(InvalidIbanError):
        Creditor("Marie Curie", IBAN[:-1] + "8")
    with pytest.raises(InvalidBicError):
        Creditor("Marie Curie", IBAN, "BNP")
    with pytest.raises(InvalidInputError, match="creditor name"):
        Creditor("", IBAN)


def test_identifiers_come_from_the_key() -> None:
    instruction = make()
    assert instruction.end_to_end_id == instruction.key.end_to_end_id
    assert instruction.instruction_id == instruction.key.instruction_id
    assert make(amount="1.00").end_to_end_id == instruction.end_to_end_id


def test_differing_fields_name_what_changed() -> None:
    base = make()
    assert base.differing_fields(make()) == ()
    other = make(
        amount="150.00",
        creditor=Creditor("Marie Curie", IBAN, "BNPAFRPP"),
        department=None,
    )
    assert base.differing_fields(other) == ("amount", "creditor.bic", "department")
    text = base.describe_differences(other)
    assert "amount (recorded 148.52, given 150.00)" in text
    assert "creditor.bic (recorded None, given 'BNPAFRPP')" in text
    assert "department (recorded 67, given None)" in text


def test_the_content_digest_follows_equality() -> None:
    base = make()
    assert base.content_digest() == make(amount=Decimal("148.520")).content_digest()
    assert len(base.content_digest()) == 16
    variants = [
        make(amount="148.53"),
        make(creditor=Creditor("Marie Curie", IBAN, "BNPAFRPP")),
        make(requested_execution_date=dt.date(2024, 6, 6)),
        make(remittance_information="CAF"),
        make(department=None),
        make(key=PaymentKey("F-1", "AF", "2024-05", "regular", 2)),
        attrs.evolve(base, creditor=Creditor("Marie Curi", IBAN)),
    ]
    digests = {variant.content_digest() for variant in variants}
    assert base.content_digest() not in digests
    assert len(digests) == len(variants)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"department": None, "creditor": Creditor("Élodie  Ñ", IBAN, "bnpafrppxxx")},
        {"amount": 7, "key": PaymentKey("Élodie/42", "CF", "2024-12", "fee_refund", 99)},
    ],
)
def test_a_pickled_instruction_comes_back_equal_with_its_identity(changes: dict) -> None:
    # Pipelined runs and the run's sort spool move instructions between processes as plain
    # values with their identifiers and digest (PaymentInstruction.__reduce__).
    original = make(**changes)
    copy = pickle.loads(pickle.dumps(original, pickle.HIGHEST_PROTOCOL))
    assert copy == original
    assert hash(copy) == hash(original)
    assert (copy.end_to_end_id, copy.instruction_id) == (
        original.end_to_end_id,
        original.instruction_id,
    )
    assert copy.content_digest() == make(**changes).content_digest()
    assert str(copy.amount) == str(original.amount)  # two decimals kept
    assert plain_values(copy) == plain_values(make(**changes))
    assert dict(zip(PLAIN_FIELDS, plain_values(copy), strict=True))["amount_cents"] == (
        original.amount_cents
    )
    assert attrs.evolve(copy, amount="1.00").amount_cents == 100


def test_plain_values_are_what_a_ledger_stores() -> None:
    instruction = make(department="1")  # the département's canonical code is 01
    assert dict(zip(PLAIN_FIELDS, plain_values(instruction), strict=True)) == {
        "end_to_end_id": "AF-202405-R01-TP746YC5WZLQ2WYF",  # pinned in test_identity.py
        "beneficiary_id": "F-1",
        "benefit": "AF",
        "period": "2024-05",
        "kind": "regular",
        "attempt": 1,
        "amount_cents": 14852,
        "creditor_name": "Marie Curie",
        "creditor_iban": IBAN,
        "creditor_bic": None,
        "requested_execution_date": "2024-06-05",
        "remittance_information": "CAF ALLOCATIONS FAMILIALES 2024-05",
        "department": "01",
        "content_digest": instruction.content_digest(),
    }


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")])
def test_non_finite_amounts_are_refused(amount: Decimal) -> None:
    with pytest.raises(InvalidAmountError, match="finite"):
        make(amount=amount)


def test_the_content_digest_is_the_documented_one() -> None:
    # PaymentInstruction.content_digest: SHA-256 of the domain, the key's canonical bytes,
    # then each content field preceded by U+001F (absent values empty), first 16 bytes.
    # Ledgers store it: a change here would make every recorded instruction a conflict.
    key = PaymentKey("Élodie/42", "CF", "2024-12", "fee_refund", 99)
    for bic, department in ((None, "67"), ("BNPAFRPPXXX", None)):
        instruction = make(
            key=key, creditor=Creditor("Marie Curie", IBAN, bic), department=department
        )
        fields = (
            "14852",
            "Marie Curie",
            IBAN,
            bic or "",
            "2024-06-05",
            "CAF ALLOCATIONS FAMILIALES 2024-05",
            department or "",
        )
        expected = hashlib.sha256(
            b"allocations/instruction-content/v1\n"
            + key.canonical_bytes()
            + "".join("\x1f" + field for field in fields).encode()
        ).digest()[:16]
        assert instruction.content_digest() == expected
