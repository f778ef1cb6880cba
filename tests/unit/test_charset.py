"""The SEPA basic character set and its frozen transliteration (SEPA_RULES.md §1, §3)."""

from __future__ import annotations

import pytest

from allocations.errors import SepaValidationError
from allocations.iso20022 import (
    SEPA_CHARACTERS,
    check_sepa_identifier,
    is_sepa_text,
    to_sepa_text,
)


def test_the_set_is_the_epc_basic_latin_set() -> None:
    # SEPA_RULES.md [CHARSET]: a-z A-Z 0-9, the specials / - ? : ( ) . , ' + and space.
    letters = "abcdefghijklmnopqrstuvwxyz"
    expected = frozenset(letters + letters.upper() + "0123456789/-?:().,'+ ")
    assert expected == SEPA_CHARACTERS
    for forbidden in '&_@#;!"*%=$<>[]{}|~^\\`\té':
        assert not is_sepa_text(forbidden), forbidden


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        # Accents stripped (EPC conversion table; "José Álvarez" → "Jose Alvarez", VoP FAQ).
        ("José Álvarez", "Jose Alvarez"),
        ("Hélène Çağlar-Müller", "Helene Caglar-Muller"),
        ("àâäéèêëîïôöùûüÿç ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇ", "aaaeeeeiioouuuyc AAAEEEEIIOOUUUYC"),
        # Ligatures (SEPA_RULES.md [CHARSET]: œ→oe, Œ→OE, æ→ae) and German ß→ss.
        ("Cœur Œuvre Lætitia Æsop", "Coeur OEuvre Laetitia AEsop"),
        ("Straße", "Strasse"),
        # Letters without a Unicode decomposition.
        ("Søren Łukasz Đorđe Þór", "Soren Lukasz Dorde THor"),  # Þ→TH like Œ→OE
        # Typographic apostrophes → the allowed apostrophe.
        ("L’Haÿ-les-Roses ‘x’", "L'Hay-les-Roses 'x'"),
        # Guillemets and double quotes removed, the spaces around them collapsed.
        ("Association « Les Petits » “Loups”", "Association Les Petits Loups"),
        # & → "+" (frozen choice), _ → "-", ; → ",", dashes → "-", € → "EUR".
        ("Dupont & Fils", "Dupont + Fils"),
        ("ref_2027;x", "ref-2027,x"),
        ("Saint–Denis — Nord", "Saint-Denis - Nord"),
        ("100 €", "100 EUR"),
        # XML specials and other symbols become spaces, then collapse.
        ("a<b>c&d", "a b c+d"),
        ("x@y#z*%=$|~^", "x y z"),
        # Control characters and tabs are spaces; format characters (RTL marks, zero width,
        # soft hyphen) vanish.
        ("Jean\tPierre\nMartin\x00", "Jean Pierre Martin"),
        ("Ma\u200brie\u200f An\u00adne", "Marie Anne"),
        # Full-width and compatibility forms decompose (NFKD).
        ("ＣＡＦ ﬁle", "CAF file"),
        # Emoji and non-Latin scripts have no equivalent: spaces.
        ("Léa 😀 Dupont", "Lea Dupont"),
        ("Nadia نادية", "Nadia"),
        ("  many   spaces  ", "many spaces"),
    ],
)
def test_transliteration_table_is_frozen(original: str, expected: str) -> None:
    assert to_sepa_text(original, max_length=140) == expected


def test_transliteration_happens_before_truncation() -> None:
    # SEPA_RULES.md [CHARSET]: "Transliterate before truncating, because œ→oe makes the text
    # longer": 40 "œ" are 80 characters once mapped, cut to 70.
    assert to_sepa_text("œ" * 40, max_length=70) == "oe" * 35
    # A cut that ends on a space does not leave it at the end.
    assert to_sepa_text("a" * 69 + " bc", max_length=70) == "a" * 69


def test_clean_text_takes_the_fast_path_unchanged() -> None:
    text = "CAF ALLOCATIONS FAMILIALES 2027-02 DOSSIER 123"
    assert to_sepa_text(text, max_length=140) is text


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "«»", "\u200f\u200b", "<>", "Иван"])
def test_nothing_left_is_an_error_naming_the_value(text: str) -> None:
    with pytest.raises(SepaValidationError, match=r"creditor_name .* no character left") as info:
        to_sepa_text(text, max_length=70, field="creditor_name")
    assert repr(text) in str(info.value)


def test_text_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="remittance"):
        to_sepa_text(b"bytes", max_length=140, field="remittance")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        is_sepa_text(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["AF-2027-02-000123", "A", "x" * 35, "a/b", "RUN 1", "(1).,'+?:"])
def test_valid_identifiers_are_returned_unchanged(value: str) -> None:
    assert check_sepa_identifier(value, field="end_to_end_id") is value


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("/AF-1", "ID-SLASH"),  # EPC clarification paper on slashes
        ("AF-1/", "ID-SLASH"),
        ("AF//1", "ID-SLASH"),
        ("", "LEN"),
        ("x" * 36, "LEN"),
        ("AF_1", "CHARSET"),
        ("AFé1", "CHARSET"),
        (" AF", "space"),
        ("AF ", "space"),
    ],
)
def test_bad_identifiers_are_refused_naming_field_value_and_rule(value: str, rule: str) -> None:
    with pytest.raises(SepaValidationError) as info:
        check_sepa_identifier(value, field="CreditTransfer.end_to_end_id")
    message = str(info.value)
    assert "CreditTransfer.end_to_end_id" in message
    assert repr(value) in message
    assert rule in message


def test_identifier_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="message_id"):
        check_sepa_identifier(12, field="message_id")  # type: ignore[arg-type]
