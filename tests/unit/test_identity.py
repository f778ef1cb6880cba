"""Payment keys and the identifiers derived from them (DESIGN.md principle 3; SEPA_RULES.md
§2 [LEN], §1 [CHARSET], §3 [ID-SLASH] [ENDTOENDID-DUP])."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocations import InvalidInputError, InvalidMonthError, Month, PaymentKey, PaymentKind
from allocations.payments import MAX_ATTEMPT

# Pinned identifiers: the derivation is version 1 of the scheme documented in
# allocations.payments._identity. A change here changes every payment's identity and must be
# a deliberate, versioned decision — never an accident.
PINNED = [
    (
        ("F-1", "AF", "2024-05", "regular", 1),
        "AF-202405-R01-TP746YC5WZLQ2WYF",
        "AF-202405-R01-NECQH7JEPDRY4STL",
    ),
    (
        ("F-1", "AF", "2024-05", "regular", 2),
        "AF-202405-R02-M3N6B3K5L3MMKYQL",
        "AF-202405-R02-DS66GTNZSNUNDGM5",
    ),
    (
        ("F-1", "AF", "2024-06", "regular", 1),
        "AF-202406-R01-MKGYFIQU3QQRZXXW",
        "AF-202406-R01-KQS5MMYOV2HPTB3B",
    ),
    (
        ("0123456", "AF", "2025-01", "catch_up", 1),
        "AF-202501-C01-SD4UBVJOXMEMKOXX",
        "AF-202501-C01-4JZRPZNVJHDKXP6B",
    ),
    (
        ("Élodie/42", "CF", "2024-12", "fee_refund", 99),
        "CF-202412-F99-WQOUSRJPFVERNQS7",
        "CF-202412-F99-RDTDN44IXBWTOW6O",
    ),
    (
        ("7", "ARS", "2024-08", "advance", 3),
        "ARS-202408-A03-ILOYYHXPENDCGITX",
        "ARS-202408-A03-GWSW6A7MG35HMEZC",
    ),
    (
        ("X" * 100, "ABCDEF", "9999-12", "recovery_refund", 99),
        "ABCDEF-999912-V99-RXAUNUNZS6NPND42",
        "ABCDEF-999912-V99-THNFDBIXFBAC46AC",
    ),
]

_SEPA_IDENTIFIER = re.compile(r"[A-Z0-9-]{1,35}")


@pytest.mark.parametrize(("fields", "end_to_end_id", "instruction_id"), PINNED)
def test_known_keys_keep_their_identifiers(
    fields: tuple, end_to_end_id: str, instruction_id: str
) -> None:
    key = PaymentKey(*fields)
    assert key.end_to_end_id == end_to_end_id
    assert key.instruction_id == instruction_id


def test_the_canonical_encoding_is_the_documented_one() -> None:
    key = PaymentKey("Élodie/42", "CF", "2024-12", "fee_refund", 99)
    assert key.canonical_bytes() == "Élodie/42\x1fCF\x1f2024-12\x1ffee_refund\x1f99".encode()


def test_identifiers_are_the_same_in_another_process() -> None:
    # Python's hash() is salted per process (PYTHONHASHSEED); the identifiers must not be.
    code = "from allocations import PaymentKey; print(PaymentKey('F-1', 'AF', '2024-05', 'regular').end_to_end_id)"
    environment = dict(os.environ, PYTHONHASHSEED="12345")
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    assert output.stdout.strip() == PINNED[0][1]


keys = st.builds(
    PaymentKey,
    beneficiary_id=st.text(
        st.characters(codec="utf-8", categories=("L", "N", "P", "S")), min_size=1, max_size=100
    ),
    benefit=st.from_regex(r"[A-Z0-9]{1,6}", fullmatch=True),
    period=st.builds(Month, st.integers(1, 9999), st.integers(1, 12)),
    kind=st.sampled_from(PaymentKind),
    attempt=st.integers(1, MAX_ATTEMPT),
)


@given(keys)
def test_identifiers_fit_the_sepa_rules(key: PaymentKey) -> None:
    for identifier in (key.end_to_end_id, key.instruction_id):
        assert _SEPA_IDENTIFIER.fullmatch(identifier), identifier  # no "/" at all
        assert identifier != "NOTPROVIDED"
    assert key.end_to_end_id != key.instruction_id


@given(keys, keys)
def test_different_keys_have_different_identifiers(a: PaymentKey, b: PaymentKey) -> None:
    assert (a == b) == (a.end_to_end_id == b.end_to_end_id)
    assert a.end_to_end_id != b.instruction_id


def test_the_beneficiary_id_is_not_readable_in_the_identifier() -> None:
    # The EndToEndId reaches the beneficiary's bank: the numéro d'allocataire stays hashed.
    assert "0123456" not in PaymentKey("0123456", "AF", "2025-01", "regular").end_to_end_id


def test_next_attempt_and_limits() -> None:
    key = PaymentKey("F-1", "AF", Month(2024, 5), PaymentKind.REGULAR)
    assert key.attempt == 1
    assert key.next_attempt().attempt == 2
    with pytest.raises(InvalidInputError, match="attempt"):
        PaymentKey("F-1", "AF", "2024-05", "regular", MAX_ATTEMPT).next_attempt()
    assert str(key) == "F-1/AF/2024-05/regular#1"


@pytest.mark.parametrize(
    ("fields", "error", "pattern"),
    [
        (("", "AF", "2024-05", "regular", 1), InvalidInputError, "beneficiary_id"),
        ((" F-1", "AF", "2024-05", "regular", 1), InvalidInputError, "surrounding spaces"),
        (("F\n1", "AF", "2024-05", "regular", 1), InvalidInputError, "printable"),
        (("F-1", "af", "2024-05", "regular", 1), InvalidInputError, "benefit"),
        (("F-1", "ALLOCFAM", "2024-05", "regular", 1), InvalidInputError, "benefit"),
        (("F-1", "AF", "2024-13", "regular", 1), InvalidMonthError, "2024-13"),
        (("F-1", "AF", "2024-05", "bonus", 1), InvalidInputError, "bonus"),
        (("F-1", "AF", "2024-05", "regular", 0), InvalidInputError, "attempt"),
        (("F-1", "AF", "2024-05", "regular", True), TypeError, "attempt"),
        ((1, "AF", "2024-05", "regular", 1), TypeError, "beneficiary_id"),
        (("F-1", "AF", 202405, "regular", 1), TypeError, "period"),
    ],
)
def test_invalid_keys_are_refused_naming_the_rule(
    fields: tuple, error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        PaymentKey(*fields)


def test_unicode_is_normalised_so_equal_names_are_one_key() -> None:
    composed, decomposed = "\u00c9lodie", "E\u0301lodie"
    assert PaymentKey(composed, "AF", "2024-05", "regular") == PaymentKey(
        decomposed, "AF", "2024-05", "regular"
    )
