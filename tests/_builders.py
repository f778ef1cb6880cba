"""Builders of valid test values shared by the test suites (imported by the test modules)."""

from __future__ import annotations

from allocations.payments import rib_key


def iban_with_check_digits(country: str, bban: str) -> str:
    """The IBAN of ``bban`` in ``country``, with its ISO 7064 mod 97-10 check digits.

    ISO 13616: the check digits are 98 minus the remainder by 97 of the BBAN followed by the
    country code and ``00``, letters read as numbers (A = 10 … Z = 35).
    """
    digits = "".join(str(int(char, 36)) for char in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def french_iban(account: int, bank: str = "30006", branch: str = "00001") -> str:
    """A valid French IBAN for account number ``account``: the *clé RIB* (SEPA_RULES.md §7
    [FR-RIB]) after the 11-digit account number, then the check digits."""
    number = f"{account:011d}"
    key = rib_key(bank, branch, number)
    return iban_with_check_digits("FR", f"{bank}{branch}{number}{key:02d}")
