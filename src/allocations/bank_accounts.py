"""Bank accounts: IBAN and BIC checks for SEPA credit transfers, in one place.

Theory of operation: an account number is checked in the order a human would explain a
refusal — form, country, length and national format, ISO 7064 mod 97-10, and for
French-format accounts the *clé RIB*. Every error message shows the IBAN **masked** (first
and last four characters), because error messages end up in logs and an IBAN is personal
data.

Two callers, one rule: the payments (:func:`validate_iban` normalises what a person typed,
spaces and case) and the ISO 20022 writer (which checks, never changes, the electronic form
it is given, through :func:`iban_refusal`). A file therefore never carries an account that
the ledger would have refused, nor the reverse.

The mod-97 check is computed here rather than through a library: it runs once per payment
on the hot path of a national run, and a test cross-checks it against ``schwifty`` on
generated and corrupted IBANs.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import re
from typing import Final

from allocations.errors import InvalidBicError, InvalidIbanError

__all__ = [
    "BIC_2009",
    "BIC_2014",
    "FRENCH_FORMAT_COUNTRIES",
    "SEPA_IBAN_FORMATS",
    "iban_from_rib",
    "iban_refusal",
    "mask_iban",
    "rib_key",
    "validate_bic",
    "validate_iban",
]

#: IBAN length and BBAN format of each country of the SEPA scheme's geographical scope, in
#: the SWIFT IBAN registry notation (``n`` digits, ``a`` upper-case letters, ``c`` letters or
#: digits, ``!`` fixed length). Source: the SWIFT IBAN registry and the EPC list of SEPA
#: countries, as shipped in schwifty 2026.10.1 (``iban_registry``, ``in_sepa_zone``).
#: Countries that joined the scheme after that list (e.g. Albania, Montenegro) are refused
#: until this table is updated.
SEPA_IBAN_FORMATS: dict[str, tuple[int, str]] = {
    "AD": (24, "4!n4!n12!c"), "AT": (20, "5!n11!n"), "AX": (18, "3!n11!n"),
    "BE": (16, "3!n7!n2!n"), "BG": (22, "4!a4!n2!n8!c"), "BL": (27, "5!n5!n11!c2!n"),
    "CH": (21, "5!n12!c"), "CY": (28, "3!n5!n16!c"), "CZ": (24, "4!n6!n10!n"),
    "DE": (22, "8!n10!n"), "DK": (18, "4!n9!n1!n"), "EE": (20, "2!n2!n11!n1!n"),
    "ES": (24, "4!n4!n1!n1!n10!n"), "FI": (18, "3!n11!n"), "FR": (27, "5!n5!n11!c2!n"),
    "GB": (22, "4!a6!n8!n"), "GF": (27, "5!n5!n11!c2!n"), "GG": (22, "4!a6!n8!n"),
    "GI": (23, "4!a15!c"), "GP": (27, "5!n5!n11!c2!n"), "GR": (27, "3!n4!n16!c"),
    "HR": (21, "7!n10!n"), "HU": (28, "3!n4!n1!n15!n1!n"), "IE": (22, "4!a6!n8!n"),
    "IM": (22, "4!a6!n8!n"), "IS": (26, "4!n2!n6!n10!n"), "IT": (27, "1!a5!n5!n12!c"),
    "JE": (22, "4!a6!n8!n"), "LI": (21, "5!n12!c"), "LT": (20, "5!n11!n"),
    "LU": (20, "3!n13!c"), "LV": (21, "4!a13!c"), "MC": (27, "5!n5!n11!c2!n"),
    "MF": (27, "5!n5!n11!c2!n"), "MQ": (27, "5!n5!n11!c2!n"), "MT": (31, "4!a5!n18!c"),
    "NC": (27, "5!n5!n11!c2!n"), "NL": (18, "4!a10!n"), "NO": (15, "4!n6!n1!n"),
    "PF": (27, "5!n5!n11!c2!n"), "PL": (28, "8!n16!n"), "PM": (27, "5!n5!n11!c2!n"),
    "PT": (25, "4!n4!n11!n2!n"), "RE": (27, "5!n5!n11!c2!n"), "RO": (24, "4!a16!c"),
    "SE": (24, "3!n16!n1!n"), "SI": (19, "5!n8!n2!n"), "SK": (24, "4!n6!n10!n"),
    "SM": (27, "1!a5!n5!n12!c"), "TF": (27, "5!n5!n11!c2!n"), "VA": (22, "3!n15!n"),
    "WF": (27, "5!n5!n11!c2!n"), "YT": (27, "5!n5!n11!c2!n"),
}  # fmt: skip

#: Countries whose IBAN carries a French BBAN (*code banque*, *code guichet*, account
#: number, *clé RIB*): France, Monaco and the French overseas territories that have their
#: own ISO 3166 code. Their clé RIB is checked as well as the mod 97 [FR-RIB].
FRENCH_FORMAT_COUNTRIES: frozenset[str] = frozenset(
    {"FR", "MC", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "TF"}
)

#: A BIC as pain.001.001.03 ``BICIdentifier`` has it (ISO 9362:2009): 4 letters for the
#: institution, 2 for the country, a location that does not start with 0 or 1 nor end with
#: O, an optional 3-character branch (SEPA_RULES.md [BIC]).
BIC_2009: Final = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?")
#: A BIC as pain.001.001.09 ``BICFIDec2014Identifier`` has it (ISO 9362:2014): the
#: institution part may hold digits (SEPA_RULES.md [BIC]).
BIC_2014: Final = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")

_SPEC_PART = re.compile(r"(\d+)(!?)([nac])")
_SPEC_CLASSES = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}


def _bban_pattern(spec: str) -> str:
    return "".join(
        f"{_SPEC_CLASSES[kind]}{{{'' if fixed else '1,'}{count}}}"
        for count, fixed, kind in _SPEC_PART.findall(spec)
    )


_IBAN_FORM = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
# ISO 13616: letters count as two-digit numbers, A = 10 … Z = 35.
_LETTER_VALUES = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})
# Clé RIB: letters of the account number become digits A,J→1 … I,R,Z→9 (the old
# telegraphic transcription, see SEPA_RULES.md §7 [FR-RIB]).
_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
_WHITESPACE = re.compile(r"\s+")
_BBAN_PATTERNS: dict[str, re.Pattern[str]] = {
    country: re.compile(_bban_pattern(spec)) for country, (_, spec) in SEPA_IBAN_FORMATS.items()
}
# What the accepting path needs per country, computed once: the length, the pattern of
# everything after the country code (check digits, then the BBAN), whether a string of
# digits fits that pattern, the country code as ISO 13616 digits, and whether a clé RIB
# follows the account number.
_ACCEPT: dict[str, tuple[int, re.Pattern[str], bool, str, bool]] = {
    country: (
        length,
        re.compile("[0-9]{2}" + _bban_pattern(spec)),
        "a" not in spec,
        country.translate(_LETTER_VALUES),
        country in FRENCH_FORMAT_COUNTRIES,
    )
    for country, (length, spec) in SEPA_IBAN_FORMATS.items()
}
_RIB_KEYS_NEVER_COMPUTED = ("00", "98", "99")


def mask_iban(value: str) -> str:
    """The IBAN as error messages and logs may show it: first and last four characters.

    Args:
        value: an IBAN, valid or not, with or without spaces.

    Returns:
        ``"FR76 **** **** 0189"`` for a French IBAN ending in ``0189``; short or empty
        values are fully masked.

    >>> from allocations.bank_accounts import mask_iban
    >>> mask_iban("FR76 3000 6000 0112 3456 7890 189")
    'FR76 **** **** 0189'

    .. versionadded:: 0.1.0
    """
    compact = _WHITESPACE.sub("", value).upper()
    if len(compact) < 12:
        return "****"
    return f"{compact[:4]} **** **** {compact[-4:]}"


def rib_key(bank_code: str, branch_code: str, account_number: str) -> int:
    """The *clé RIB* of a French account: 97 − ((89 × bank + 15 × branch + 3 × account) mod 97).

    Args:
        bank_code: the 5-digit *code banque*.
        branch_code: the 5-digit *code guichet*.
        account_number: the 11-character account number (letters allowed).

    Returns:
        The key, 1 to 97.

    >>> from allocations.bank_accounts import rib_key
    >>> rib_key("30006", "00001", "12345678901")
    89

    .. versionadded:: 0.1.0
    """
    account = int(account_number.upper().translate(_RIB_LETTERS))
    return 97 - (89 * int(bank_code) + 15 * int(branch_code) + 3 * account) % 97


def iban_from_rib(
    bank_code: str, branch_code: str, account_number: str, country: str = "FR"
) -> str:
    """The IBAN of a French-format account given as its *RIB* (bank, branch, account).

    French systems often keep the RIB; a payment needs the IBAN. The *clé RIB* is computed
    (:func:`rib_key`), then the ISO 13616 check digits; the result is checked like any IBAN.

    Args:
        bank_code: the 5-digit *code banque*.
        branch_code: the 5-digit *code guichet*.
        account_number: the 11-character account number (digits or capital letters).
        country: ``FR``, Monaco ``MC`` or an overseas code of :data:`FRENCH_FORMAT_COUNTRIES`.

    Returns:
        The IBAN in electronic form (no spaces).

    Raises:
        InvalidIbanError: a part has the wrong form or length, or the country does not use
            the French format.

    >>> from allocations.bank_accounts import iban_from_rib
    >>> iban_from_rib("30006", "00001", "12345678901")
    'FR7630006000011234567890189'

    .. versionadded:: 0.1.0
    """
    if country not in FRENCH_FORMAT_COUNTRIES:
        raise InvalidIbanError(
            f"country {country!r} does not use the French RIB format "
            f"({', '.join(sorted(FRENCH_FORMAT_COUNTRIES))})"
        )
    parts = (("bank code", bank_code, 5, "0-9"), ("branch code", branch_code, 5, "0-9"))
    for name, value, length, allowed in (*parts, ("account number", account_number, 11, "0-9A-Z")):
        if not isinstance(value, str) or not re.fullmatch(f"[{allowed}]{{{length}}}", value):
            raise InvalidIbanError(
                f"the {name} of a RIB is {length} characters [{allowed}], got {value!r}"
            )
    bban = f"{bank_code}{branch_code}{account_number}{rib_key(bank_code, branch_code, account_number):02d}"
    check = 98 - _mod97(f"{country}00{bban}")
    return validate_iban(f"{country}{check:02d}{bban}")


def _mod97(iban: str) -> int:
    # ISO 7064 MOD 97-10 as ISO 13616 uses it: rotate the first four characters to the end,
    # turn letters into numbers; a valid IBAN leaves remainder 1. Python integers make the
    # ~40-digit number a single exact operation (the chunked form is for 32-bit languages).
    return int((iban[4:] + iban[:4]).translate(_LETTER_VALUES)) % 97


def _explain(iban: str) -> str | None:
    # Every check, in the order of the explanation; the accepting path of iban_refusal is
    # a shortcut that must agree with it.
    if _IBAN_FORM.fullmatch(iban) is None:
        return (
            f"IBAN {mask_iban(iban)} is not in the electronic form of ISO 13616: 2 capital "
            "letters, 2 digits, then 1 to 30 capital letters or digits, no spaces"
        )
    country = iban[:2]
    known = SEPA_IBAN_FORMATS.get(country)
    if known is None:
        return f"IBAN {mask_iban(iban)}: country {country!r} is not in the SEPA scheme's scope"
    length, spec = known
    if len(iban) != length:
        return f"IBAN {mask_iban(iban)} has {len(iban)} characters; {country} IBANs have {length}"
    if _BBAN_PATTERNS[country].fullmatch(iban, 4) is None:
        return (
            f"IBAN {mask_iban(iban)}: the account part does not follow the {country} "
            f"format {spec} (SWIFT IBAN registry)"
        )
    remainder = _mod97(iban)
    if remainder != 1:
        return (
            f"IBAN {mask_iban(iban)} fails the ISO 7064 mod 97-10 check "
            f"(remainder {remainder}, expected 1)"
        )
    if country in FRENCH_FORMAT_COUNTRIES and int(iban[25:27]) != rib_key(
        iban[4:9], iban[9:14], iban[14:25]
    ):
        return (
            f"IBAN {mask_iban(iban)}: the clé RIB does not match the bank, branch and "
            "account numbers (97 - (89 x bank + 15 x branch + 3 x account) mod 97)"
        )
    return None


def iban_refusal(iban: str) -> str | None:
    """Why an IBAN in electronic form cannot receive a SEPA credit transfer, or ``None``.

    The checks of :func:`validate_iban`, without normalising: lower case or spaces are
    refused (as the form check). For callers that must not change what they are given,
    such as the pain.001 writer.

    Args:
        iban: the IBAN, upper case, no spaces.

    Returns:
        ``None`` for a valid IBAN, else the sentence that explains the refusal, the IBAN
        masked.

    >>> from allocations.bank_accounts import iban_refusal
    >>> iban_refusal("FR7630006000011234567890189") is None
    True
    >>> iban_refusal("FR8420041010050500013M02607")
    'IBAN FR84 **** **** 2607: the clé RIB does not match the bank, branch and account numbers (97 - (89 x bank + 15 x branch + 3 x account) mod 97)'

    .. versionadded:: 0.1.0
    """
    # Accepting is the hot path (once per payment of a national run): one table look-up,
    # one pattern, one or two integer remainders. The RIB check uses the equivalent form
    # "bank, branch, account and key, as one number, are a multiple of 97" [FR-RIB].
    accept = _ACCEPT.get(iban[:2])
    if accept is not None:
        length, pattern, digits_fit, country_digits, french = accept
        rest = iban[2:]
        if len(iban) == length:
            if rest.isdigit() and rest.isascii():
                if not digits_fit and pattern.fullmatch(rest) is None:
                    return _explain(iban)
                bban = digits = rib_digits = rest[2:]
            elif pattern.fullmatch(rest) is not None:
                bban = rest[2:]
                digits = bban.translate(_LETTER_VALUES)
                rib_digits = bban.translate(_RIB_LETTERS)
            else:
                return _explain(iban)
            if int(digits + country_digits + rest[:2]) % 97 == 1 and (
                not french
                or (int(rib_digits) % 97 == 0 and bban[21:] not in _RIB_KEYS_NEVER_COMPUTED)
            ):
                return None
    return _explain(iban)


def validate_iban(value: str) -> str:
    """Check an IBAN for a SEPA credit transfer and return it in electronic form.

    Checks, in order: form (two letters, two digits, up to 30 letters or digits), the
    country is in the SEPA scheme, the length and BBAN format of that country (SWIFT IBAN
    registry), the ISO 7064 mod 97-10 check digits, and for French-format accounts
    (:data:`FRENCH_FORMAT_COUNTRIES`) the *clé RIB*. Other countries' national check digits
    are not verified.

    Args:
        value: the IBAN; spaces are removed and letters upper-cased.

    Returns:
        The IBAN without spaces, in upper case.

    Raises:
        TypeError: ``value`` is not a string.
        InvalidIbanError: a check fails; the message shows the IBAN masked.

    >>> from allocations import validate_iban
    >>> validate_iban("fr76 3000 6000 0112 3456 7890 189")
    'FR7630006000011234567890189'
    >>> validate_iban("FR76 3000 6000 0112 3456 7890 188")
    Traceback (most recent call last):
    ...
    allocations.errors.InvalidIbanError: IBAN FR76 **** **** 0188 fails the ISO 7064 mod 97-10 check (remainder 71, expected 1)

    .. versionadded:: 0.1.0
    """
    if not isinstance(value, str):
        raise TypeError(f"an IBAN must be a string, got {type(value).__name__}")
    # Typed as stored (ASCII letters and digits only): no whitespace to remove.
    iban = value.upper() if value.isascii() and value.isalnum() else _compact(value)
    refusal = iban_refusal(iban)
    if refusal is not None:
        raise InvalidIbanError(refusal)
    return iban


def _compact(value: str) -> str:
    return _WHITESPACE.sub("", value).upper()


def validate_bic(value: str) -> str:
    """Check a BIC (ISO 9362) and return it without spaces, in upper case.

    A BIC is 4 letters for the institution, 2 letters for the country, 2 letters or digits
    for the location and optionally 3 for the branch. The location may not start with 0 or 1
    nor end with O: that is the ``BICIdentifier`` pattern of pain.001.001.03
    (:data:`BIC_2009`), which is stricter than the 2014 pattern of .09, so an accepted BIC
    fits both schema versions.

    Args:
        value: the BIC.

    Returns:
        The BIC, 8 or 11 characters.

    Raises:
        TypeError: ``value`` is not a string.
        InvalidBicError: the BIC does not have the ISO 9362 form.

    >>> from allocations import validate_bic
    >>> validate_bic("bnpa frpp xxx")
    'BNPAFRPPXXX'

    .. versionadded:: 0.1.0
    """
    if not isinstance(value, str):
        raise TypeError(f"a BIC must be a string, got {type(value).__name__}")
    bic = _compact(value)
    if BIC_2009.fullmatch(bic) is None:
        raise InvalidBicError(
            f"BIC {value!r} is not of the ISO 9362 form: 4 letters (institution), 2 letters "
            "(country), 2 letters or digits (location, not starting with 0 or 1, not ending "
            "with O), optionally 3 letters or digits (branch)"
        )
    return bic
