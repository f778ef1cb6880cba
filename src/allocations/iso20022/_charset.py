"""The SEPA basic character set, transliteration into it, and SEPA identifiers.

Theory of operation. Unless banks agree otherwise, SEPA messages carry only the Latin
characters ``a-z A-Z 0-9``, the specials ``/ - ? : ( ) . , ' +`` and the space (EPC217-08,
"SEPA requirements for an extended character set"; SEPA_RULES.md [CHARSET]). Banks do not
reliably repair other characters: they may reject the order or the whole file. So free text
(names, remittance information) goes through :func:`to_sepa_text`:

1. a fixed table maps what Unicode decomposition cannot (ligatures ``œ→oe``, ``æ→ae``,
   ``ß→ss``, ``ø→o``; typographic quotes ``’→'``; ``« » “ ”`` removed; ``&→+``;
   ``_→-``; dashes ``–—→-``; ``;→,``; ``€→EUR``…);
2. NFKD decomposition, then the combining marks are dropped (``é→e``, ``ç→c``: the EPC
   conversion-table approach, "José Álvarez" → "Jose Alvarez");
3. invisible format characters (RTL marks, zero-width joiners, soft hyphens) are dropped;
   anything else outside the set (emoji, ``<>@#*%=$|~^``, control characters, non-Latin
   scripts) becomes a space;
4. runs of spaces collapse to one, the ends are trimmed, and only then is the text cut to
   the maximum length ([CHARSET]: transliterate *before* truncating, since ``œ→oe`` makes
   the text longer).

The result never contains an XML special character (``& < > " '`` — the apostrophe is
allowed but harmless in element content), so the writer has nothing to escape.

Identifiers (MsgId, PmtInfId, InstrId, EndToEndId) are *not* transliterated or cut: a
changed identifier would break idempotency. :func:`check_sepa_identifier` refuses a bad one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

from allocations.errors import SepaValidationError

__all__ = [
    "SEPA_CHARACTERS",
    "check_sepa_identifier",
    "is_sepa_text",
    "to_sepa_text",
]

#: Every character the SEPA basic set allows (EPC217-08; SEPA_RULES.md [CHARSET]).
SEPA_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
)

# Fast path: text already in the set, without double or edge spaces, is returned unchanged.
_SEPA_RUN = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_SPACES = re.compile(r" {2,}")
_IDENTIFIER = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")
# All identifier rules in one pattern, for the fast path: no space or "/" at either end, no
# "//" ([ID-SLASH]), 1 to 35 SEPA characters ([LEN], [CHARSET]).
VALID_IDENTIFIER = re.compile(r"(?![ /])(?!.*//)[A-Za-z0-9/\-?:().,'+ ]{1,35}(?<![ /])")

#: Characters that Unicode decomposition does not map, frozen here (SEPA_RULES.md [CHARSET]:
#: "pick one and freeze it in tests"). Empty string means "removed".
_TABLE: dict[int, str] = {
    ord(k): v
    for k, v in {
        # Ligatures and letters without a decomposition (EPC conversion table; DK ß→ss).
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ẞ": "SS",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
        "ħ": "h",
        "Ħ": "H",
        # Apostrophes and primes → the allowed apostrophe.
        "’": "'",
        "‘": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
        # Double quotes and guillemets are removed (« Dupont » → Dupont).
        '"': "",
        "“": "",
        "”": "",
        "„": "",
        "‟": "",
        "″": "",
        "«": "",
        "»": "",
        "‹": "",
        "›": "",
        # Specials outside the set with a close allowed neighbour.
        "&": "+",
        "_": "-",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "―": "-",
        "−": "-",
        ";": ",",
        "[": "(",
        "]": ")",
        "{": "(",
        "}": ")",
        "\\": "/",
        "!": ".",
        "€": "EUR",
    }.items()
}


def is_sepa_text(text: str) -> bool:
    """Whether every character of ``text`` is in the SEPA basic character set.

    Args:
        text: any string.

    Returns:
        ``True`` when ``text`` uses only ``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and space.

    Raises:
        TypeError: ``text`` is not a ``str``.

    >>> from allocations.iso20022 import is_sepa_text
    >>> is_sepa_text("CAF DE PARIS"), is_sepa_text("Hélène")
    (True, False)

    .. versionadded:: 0.1.0
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {text!r}")
    return _SEPA_RUN.fullmatch(text) is not None


@functools.lru_cache(maxsize=1024)
def _transliterate_char(char: str) -> str:
    """One character through steps 1-3 of the module docstring (the reference algorithm)."""
    mapped = unicodedata.normalize("NFKD", char.translate(_TABLE))
    kept = "".join(
        c for c in mapped if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )
    # A second pass of the table: NFKD can produce characters it maps (e.g. "＆" → "&").
    return _NOT_SEPA.sub(" ", kept.translate(_TABLE))


# The reference algorithm precomputed for the Latin, combining marks, punctuation and
# full-width blocks: a French name then costs one regex scan and a dict lookup per accented
# letter (the budget is about 3 µs per transfer). Other characters (emoji, other scripts)
# take the reference algorithm, cached.
_BLOCKS: Final = (
    (0x0000, 0x0250),  # ASCII controls and specials, Latin-1, Latin Extended-A and -B
    (0x0300, 0x0370),  # combining diacritical marks (a decomposed "é" is "e" + U+0301)
    (0x1E00, 0x1F00),  # Latin Extended Additional
    (0x2000, 0x20D0),  # General Punctuation, super/subscripts, currency symbols (€)
    (0xFB00, 0xFB07),  # Latin ligatures (ﬁ, ﬂ)
    (0xFF01, 0xFF5F),  # full-width ASCII
)
_FAST_TABLE: Final = {
    chr(code): _transliterate_char(chr(code))
    for low, high in _BLOCKS
    for code in range(low, high)
    if chr(code) not in SEPA_CHARACTERS
}


def _replace(match: re.Match[str]) -> str:
    char = match.group()
    mapped = _FAST_TABLE.get(char)
    return _transliterate_char(char) if mapped is None else mapped


def _transliterate(text: str) -> str:
    mapped = _NOT_SEPA.sub(_replace, text)
    if "  " in mapped:
        mapped = _SPACES.sub(" ", mapped)
    return mapped.strip(" ")


def to_sepa_text(text: str, *, max_length: int, field: str = "text") -> str:
    """Transliterate free text into the SEPA basic set, then cut it to ``max_length``.

    The mapping is frozen (see the module docstring): accents are stripped, ``œ→oe``,
    ``ß→ss``, ``’→'``, ``« »`` and double quotes removed, ``&→+``, ``_→-``, ``€→EUR``;
    other characters outside the set become spaces; spaces are collapsed and trimmed.
    Transliteration happens *before* truncation (SEPA_RULES.md [CHARSET], [LEN]).

    Args:
        text: the original text (a name, a remittance line).
        max_length: the element's maximum length (70 for ``Nm``, 140 for ``Ustrd``).
        field: the field's name, quoted in error messages.

    Returns:
        Non-empty text of at most ``max_length`` characters, all in the SEPA set.

    Raises:
        TypeError: ``text`` is not a ``str``.
        SepaValidationError: nothing is left after transliteration (the text is empty, or
            only emoji, symbols or a non-Latin script).

    >>> from allocations.iso20022 import to_sepa_text
    >>> to_sepa_text("Œuvre « Saint-Éloi » & fils", max_length=70)
    'OEuvre Saint-Eloi + fils'
    >>> to_sepa_text("Ærøskøbing ßtraße", max_length=12)
    'AEroskobing'
    >>> to_sepa_text("😀", max_length=70, field="creditor_name")
    Traceback (most recent call last):
    ...
    allocations.errors.SepaValidationError: creditor_name '😀' has no character left in the SEPA basic set after transliteration ([CHARSET]); give a name or text in Latin letters

    .. versionadded:: 0.1.0
    """
    if not isinstance(text, str):
        raise TypeError(f"{field} must be a str, got {text!r}")
    if (
        _SEPA_RUN.fullmatch(text) is not None
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
    ):
        clean = text
    else:
        clean = _transliterate(text)
    if not clean:
        raise SepaValidationError(
            f"{field} {text!r} has no character left in the SEPA basic set after "
            "transliteration ([CHARSET]); give a name or text in Latin letters"
        )
    if len(clean) > max_length:
        clean = clean[:max_length].rstrip(" ")
    return clean


def check_sepa_identifier(value: str, *, field: str = "identifier") -> str:
    """Check a SEPA reference (MsgId, PmtInfId, InstrId, EndToEndId) and return it unchanged.

    Rules: 1 to 35 characters of the SEPA basic set ([LEN], [CHARSET]); no space at either
    end; it must not start or end with ``/`` nor contain ``//`` (EPC clarification paper on
    slashes, SEPA_RULES.md [ID-SLASH]). Identifiers are never transliterated or cut, since a
    changed identifier breaks idempotency.

    Args:
        value: the identifier.
        field: the field's name, quoted in error messages.

    Returns:
        ``value``, unchanged.

    Raises:
        TypeError: ``value`` is not a ``str``.
        SepaValidationError: ``value`` breaks one of the rules; the message names the field,
            the value and the rule.

    >>> from allocations.iso20022 import check_sepa_identifier
    >>> check_sepa_identifier("AF-2027-02-000123", field="end_to_end_id")
    'AF-2027-02-000123'
    >>> check_sepa_identifier("AF//123", field="end_to_end_id")
    Traceback (most recent call last):
    ...
    allocations.errors.SepaValidationError: end_to_end_id 'AF//123' must not contain '//' ([ID-SLASH], EPC clarification paper on slashes)

    .. versionadded:: 0.1.0
    """
    if isinstance(value, str) and VALID_IDENTIFIER.fullmatch(value) is not None:
        return value
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a str, got {value!r}")
    if _IDENTIFIER.fullmatch(value) is None:
        if not value or len(value) > 35:
            raise SepaValidationError(
                f"{field} {value!r} must have 1 to 35 characters, has {len(value)} ([LEN], Max35Text)"
            )
        bad = sorted({char for char in value if char not in SEPA_CHARACTERS})
        raise SepaValidationError(
            f"{field} {value!r} contains characters outside the SEPA basic set {bad!r} "
            "([CHARSET]); identifiers are never transliterated"
        )
    if value[0] == " " or value[-1] == " ":
        raise SepaValidationError(f"{field} {value!r} must not start or end with a space")
    if value[0] == "/" or value[-1] == "/":
        raise SepaValidationError(
            f"{field} {value!r} must not start or end with '/' ([ID-SLASH], EPC clarification "
            "paper on slashes)"
        )
    # The only rule left that the fast pattern checks.
    raise SepaValidationError(
        f"{field} {value!r} must not contain '//' ([ID-SLASH], EPC clarification paper on slashes)"
    )
