"""IBAN and BIC validation (SEPA_RULES.md §7 [IBAN] [FR-IBAN] [FR-RIB] [IBAN-SEPA], §8 [BIC]).

The hot-path mod-97 is cross-checked against schwifty on generated valid IBANs of every SEPA
country and on corrupted ones; the accepting shortcut of allocations.bank_accounts against
its ordered checks; and the ISO 20022 values against the payments' rules (one
implementation).
"""

from __future__ import annotations

import re

import pytest
import schwifty
from hypothesis import given
from hypothesis import strategies as st

from allocations import (
    InvalidBicError,
    InvalidIbanError,
    bank_accounts,
    payments,
    validate_bic,
    validate_iban,
)
from allocations.bank_accounts import _explain, iban_refusal
from allocations.iso20022 import CreditTransfer
from allocations.payments import FRENCH_FORMAT_COUNTRIES, SEPA_IBAN_FORMATS, mask_iban, rib_key
from tests._builders import iban_with_check_digits

# Worked examples quoted in SEPA_RULES.md §7 (leorasolutions.com; the project's own check).
VALID = ["FR1420041010050500013M02606", "FR7630006000011234567890189"]


@pytest.mark.parametrize("iban", VALID)
def test_known_french_ibans_are_valid(iban: str) -> None:
    assert validate_iban(iban) == iban


def test_spaces_and_case_are_normalised() -> None:
    assert validate_iban(" fr76 3000 6000 0112 3456 7890 189 ") == VALID[1]


def test_a_wrong_check_digit_is_refused_with_the_iban_masked() -> None:
    with pytest.raises(InvalidIbanError) as caught:
        validate_iban("FR7630006000011234567890188")
    message = str(caught.value)
    assert "mod 97" in message
    assert "FR76 **** **** 0188" in message
    assert "30006000011234567890188" not in message


def test_a_wrong_rib_key_is_refused_even_when_mod_97_passes() -> None:
    # SEPA_RULES.md §7: right mod 97, wrong clé RIB; python-stdnum accepted it.
    with pytest.raises(InvalidIbanError, match="clé RIB"):
        validate_iban("FR8420041010050500013M02607")


def test_the_rib_key_formula() -> None:
    # key = 97 - ((89 x bank + 15 x branch + 3 x account) mod 97), letters: M -> 4 (SEPA_RULES §7)
    assert rib_key("20041", "01005", "0500013M026") == 97 - (
        (89 * 20041 + 15 * 1005 + 3 * 5000134026) % 97
    )
    assert rib_key("20041", "01005", "0500013M026") == 6


@pytest.mark.parametrize(
    ("iban", "rule"),
    [
        ("BR1800360305000010009795493C1", "not in the SEPA"),  # a valid Brazilian IBAN
        ("FR76300060000112345678901", "has 25 characters; FR IBANs have 27"),
        ("DE89370400440532013A00", "DE format"),  # a letter where the BBAN has digits
        ("FR76-3000", "form"),
        ("", "form"),
    ],
)
def test_each_rule_has_its_message(iban: str, rule: str) -> None:
    with pytest.raises(InvalidIbanError, match=re.escape(rule)):
        validate_iban(iban)


def test_an_iban_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="string"):
        validate_iban(7630006000011234567890189)  # type: ignore[arg-type]


def test_masking_keeps_four_characters_at_each_end() -> None:
    assert mask_iban("FR76 3000 6000 0112 3456 7890 189") == "FR76 **** **** 0189"
    assert mask_iban("FR76") == "****"


@pytest.mark.parametrize(
    ("bic", "expected"), [("BNPAFRPP", "BNPAFRPP"), ("bnpa fr pp xxx", "BNPAFRPPXXX")]
)
def test_valid_bics(bic: str, expected: str) -> None:
    assert validate_bic(bic) == expected


@pytest.mark.parametrize(
    "bic", ["BNPAFRP", "BNPAFRPPX", "BNP1FRPP", "BNPA1RPP", "BNPAFR1P", "BNPAFRPO", ""]
)
def test_invalid_bics_are_refused_naming_the_value(bic: str) -> None:
    with pytest.raises(InvalidBicError, match=re.escape(repr(bic))):
        validate_bic(bic)


# -- cross-check against schwifty --------------------------------------------------------

_ALPHABETS = {
    "n": "0123456789",
    "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "c": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
}


@st.composite
def valid_ibans(draw: st.DrawFn) -> str:
    """A valid IBAN of any SEPA country: BBAN drawn from the registry format, check digits
    computed (ISO 13616), clé RIB computed for French-format countries."""
    country = draw(st.sampled_from(sorted(SEPA_IBAN_FORMATS)))
    spec = SEPA_IBAN_FORMATS[country][1]
    bban = "".join(
        draw(st.text(_ALPHABETS[kind], min_size=int(count), max_size=int(count)))
        for count, kind in re.findall(r"(\d+)!([nac])", spec)
    )
    if country in FRENCH_FORMAT_COUNTRIES:
        bban = bban[:21] + f"{rib_key(bban[:5], bban[5:10], bban[10:21]):02d}"
    return iban_with_check_digits(country, bban)


def _schwifty_accepts(iban: str) -> bool:
    try:
        parsed = schwifty.IBAN(iban, validate_bban=iban[:2] in ("FR", "MC"))
    except schwifty.exceptions.SchwiftyException:
        return False
    return parsed.in_sepa_zone


@given(valid_ibans())
def test_generated_valid_ibans_pass_both_checks(iban: str) -> None:
    assert validate_iban(iban) == iban
    assert _schwifty_accepts(iban)


@given(valid_ibans(), st.data())
def test_corrupted_ibans_fail_both_checks(iban: str, data: st.DataObject) -> None:
    digits = [index for index in range(2, len(iban)) if iban[index].isdigit()]
    position = data.draw(st.sampled_from(digits), label="position")
    replacement = data.draw(st.sampled_from("0123456789").filter(lambda c: c != iban[position]))
    corrupted = iban[:position] + replacement + iban[position + 1 :]
    # ISO 7064 mod 97-10 detects every single-digit substitution, so both must refuse.
    with pytest.raises(InvalidIbanError):
        validate_iban(corrupted)
    assert not _schwifty_accepts(corrupted)


# -- one implementation for the payments and the ISO 20022 writer -------------------------


def _account_with_rib_key(key: int) -> str:
    """The first account number of bank 30006, branch 00001 whose clé RIB is ``key``."""
    return next(
        number
        for number in (f"{n:011d}" for n in range(10_000))
        if rib_key("30006", "00001", number) == key
    )


@pytest.mark.parametrize(("key", "other_key"), [(97, "00"), (1, "98"), (2, "99")])
def test_a_rib_key_off_by_97_is_refused(key: int, other_key: str) -> None:
    # bank, branch, account and key as one number are a multiple of 97 for the right key and
    # for key ± 97 alike; only the right one is the clé RIB (97 - (...) mod 97 is 1 to 97).
    bban = f"3000600001{_account_with_rib_key(key)}"
    assert validate_iban(iban_with_check_digits("FR", f"{bban}{key:02d}"))
    with pytest.raises(InvalidIbanError, match="clé RIB"):
        validate_iban(iban_with_check_digits("FR", f"{bban}{other_key}"))


@given(valid_ibans(), st.data())
def test_the_accepting_shortcut_agrees_with_the_ordered_checks(
    iban: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(iban) - 1), label="position")
    replacement = data.draw(st.sampled_from("0123456789AZaz٣ "), label="replacement")
    for candidate in (iban, iban[:position] + replacement + iban[position + 1 :]):
        assert (iban_refusal(candidate) is None) == (_explain(candidate) is None), candidate


def test_the_iso20022_values_check_ibans_with_the_same_rules() -> None:
    assert payments.validate_iban is bank_accounts.validate_iban
    right_mod_97_wrong_rib = "FR8420041010050500013M02607"  # SEPA_RULES.md §7
    for iban, rule in [
        (right_mod_97_wrong_rib, "clé RIB"),
        ("BR1800360305000010009795493C1", "not in the SEPA"),
        ("FR7630006000011234567890188", "mod 97-10"),
    ]:
        with pytest.raises(InvalidIbanError, match=rule):
            validate_iban(iban)
        with pytest.raises(InvalidIbanError, match=rf"CreditTransfer\.creditor_iban: .*{rule}"):
            CreditTransfer("E-1", "I-1", 100, "A", iban, None, "R")
    assert CreditTransfer("E-1", "I-1", 100, "A", VALID[0], None, "R").creditor_iban == VALID[0]


# -- building an IBAN from a RIB ----------------------------------------------------------


@given(
    bank=st.text("0123456789", min_size=5, max_size=5),
    branch=st.text("0123456789", min_size=5, max_size=5),
    account=st.text(_ALPHABETS["c"], min_size=11, max_size=11),
    country=st.sampled_from(["FR", "MC"]),
)
def test_an_iban_built_from_a_rib_is_valid_and_holds_the_rib(
    bank: str, branch: str, account: str, country: str
) -> None:
    iban = bank_accounts.iban_from_rib(bank, branch, account, country)
    assert iban[:2] == country
    assert iban[4:25] == bank + branch + account
    assert int(iban[25:]) == rib_key(bank, branch, account)
    assert _schwifty_accepts(iban)  # check digits and clé RIB, by another implementation


def test_the_published_example_rib_gives_its_iban() -> None:
    # SEPA_RULES.md §7 worked example: RIB 30006 00001 12345678901 key 89.
    assert bank_accounts.iban_from_rib("30006", "00001", "12345678901") == VALID[1]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("3000", "00001", "12345678901", "FR"), "bank code"),
        (("30006", "0000A", "12345678901", "FR"), "branch code"),
        (("30006", "00001", "1234567890a", "FR"), "account number"),
        (("30006", "00001", "12345678901", "DE"), "'DE' does not use the French RIB format"),
    ],
)
def test_a_malformed_rib_is_refused_naming_the_part(
    parts: tuple[str, str, str, str], message: str
) -> None:
    with pytest.raises(InvalidIbanError, match=re.escape(message)):
        bank_accounts.iban_from_rib(*parts)
