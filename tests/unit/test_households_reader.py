"""Household files: JSON Lines and CSV readers and writers (docs/howto/household-files.rst)."""

from __future__ import annotations

import datetime as dt
import io
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocations import (
    Child,
    Custody,
    Department,
    Holder,
    Household,
    HouseholdFileError,
    InvalidInputError,
    Resources,
)
from allocations.adapters import households as module
from allocations.adapters.households import (
    detect_format,
    household_to_record,
    read_households,
    read_numbered_households,
    write_households,
)
from allocations.entitlement._household import holder_from_checked, household_from_checked

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data"

GOOD = '{"id": "F-1", "department": "67", "resources": "55000.00"}'


def _jsonl(*lines: str) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))


def _first_error(source: io.IOBase, format: str = "jsonl") -> HouseholdFileError:
    with pytest.raises(HouseholdFileError) as caught:
        list(read_households(source, format))  # type: ignore[arg-type]
    return caught.value


# --- the example data --------------------------------------------------------------------


def test_both_example_files_hold_the_same_households() -> None:
    from_jsonl = list(read_households(EXAMPLES / "households.jsonl"))
    from_csv = list(read_households(EXAMPLES / "households.csv"))
    assert len(from_jsonl) == 21
    assert from_csv == from_jsonl


def test_example_households_are_read_field_by_field() -> None:
    households = {h.id: h for h in read_households(EXAMPLES / "households.jsonl")}
    assert households["F-1"].department == Department("67")
    assert households["F-1"].resources == Resources(flat=Decimal("55000.00"))
    assert households["F-1"].children == (
        Child(birth_date=dt.date(2012, 3, 1)),
        Child(birth_date=dt.date(2016, 9, 15)),
    )
    assert households["F-1"].holder is not None
    assert households["F-1"].holder.name == "Jérôme Muller"
    assert households["F-11"].resources == Resources(
        by_year=((2022, Decimal("39000.00")), (2023, Decimal("41000.00")))
    )
    assert households["F-14"].children[0].monthly_earnings == Decimal("1250.00")
    assert households["F-15"].children[0].housing_aid is True
    assert households["F-6"].children[0].custody is Custody.SHARED_SINGLE_RECIPIENT
    assert households["F-16"].holder is None
    assert households["F-17"].mayotte_child_before_2012 is True
    assert households["F-10"].department.code == "2A"


def test_example_ibans_are_valid_french_ibans() -> None:
    schwifty = pytest.importorskip("schwifty")
    for household in read_households(EXAMPLES / "households.csv"):
        if household.holder is not None:
            iban = schwifty.IBAN(household.holder.iban)  # mod 97 and the RIB key
            assert iban.country_code == "FR"


# --- one message per bad line: line, field, value -----------------------------------------

_JSONL_ERRORS = [
    # (line 2 of the file, field, value, words of the reason)
    (
        '{"id": "F-2", "department": "67"',
        None,
        '{"id": "F-2", "department": "67"',
        "not valid JSON",
    ),
    ('{"id": "F-2", "department": "96", "resources": "1"}', "department", "96", "département"),
    ('{"id": "F-2", "department": "20", "resources": "1"}', "department", "20", "2A"),
    ('{"id": "F-2", "department": 67, "resources": "1"}', "department", 67, "string"),
    ('{"id": "F-2", "department": "67", "resources": "-1.00"}', "resources", "-1.00", "negative"),
    ('{"id": "F-2", "department": "67", "resources": -5}', "resources", -5, "negative"),
    ('{"id": "F-2", "department": "67", "resources": "1e5"}', "resources", "1e5", "amount"),
    ('{"id": "F-2", "department": "67", "resources": "12.345"}', "resources", "12.345", "two"),
    ('{"id": "F-2", "department": "67", "resources": "55 000"}', "resources", "55 000", "amount"),
    ('{"id": "F-2", "department": "67", "resources": true}', "resources", True, "amount"),
    (
        '{"id": "F-2", "department": "67", "resources": 10000000000000}',
        "resources",
        10**13,
        "large",
    ),
    ('{"id": "F-2", "department": "67", "resources": {}}', "resources", {}, "one year"),
    ('{"id": "F-2", "department": "67", "resources": {"22": "1"}}', "resources.22", "22", "year"),
    (
        '{"id": "F-2", "department": "67", "resources": {"2022": "x"}}',
        "resources.2022",
        "x",
        "amount",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "children": [{"birth_date": "2012-13-01"}]}',
        "children[0].birth_date",
        "2012-13-01",
        "YYYY-MM-DD",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "children": [{"birth_date": "20120301"}]}',
        "children[0].birth_date",
        "20120301",
        "YYYY-MM-DD",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "children": [{"birth_date": ["2012-03-01"]}]}',
        "children[0].birth_date",
        ["2012-03-01"],
        "YYYY-MM-DD",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "children": '
        '[{"birth_date": "2012-03-01", "custody": ["full"]}]}',
        "children[0].custody",
        ["full"],
        "one of",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "children": [{"custody": "full"}]}',
        "children[0].birth_date",
        ...,
        "missing",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "children": '
        '[{"birth_date": "2012-03-01"}, {"birth_date": "2014-03-01", "custody": "half"}]}',
        "children[1].custody",
        "half",
        "shared_single_recipient",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "children": '
        '[{"birth_date": "2012-03-01", "monthly_earnings": 1200.5}]}',
        "children[0].monthly_earnings",
        module._JsonFloat("1200.5"),  # shown unquoted, as written in the file
        "strings",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "children": '
        '[{"birth_date": "2012-03-01", "housing_aid": 1}]}',
        "children[0].housing_aid",
        1,
        "boolean",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "children": '
        '[{"birth_date": "2012-03-01", "birthdate": "2012-03-01"}]}',
        "children[0].birthdate",
        "2012-03-01",
        "unknown field",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "children": ["2012-03-01"]}',
        "children[0]",
        "2012-03-01",
        "object",
    ),
    ('{"id": "F-2", "department": "67", "resources": "1", "children": {}}', "children", {}, "list"),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "ressources": "2"}',
        "ressources",
        "2",
        "unknown",
    ),
    ('{"id": "F-2", "department": "67", "resources": "1", "id": "F-3"}', "id", "F-3", "twice"),
    ('{"department": "67", "resources": "1"}', "id", ..., "missing"),
    ('{"id": "F-2", "resources": "1"}', "department", ..., "missing"),
    ('{"id": "F-2", "department": "67"}', "resources", ..., "missing"),
    ('{"id": "  ", "department": "67", "resources": "1"}', "id", "  ", "non-empty"),
    ('{"id": 2, "department": "67", "resources": "1"}', "id", 2, "string"),
    ('{"id": "' + "x" * 129 + '", "department": "67", "resources": "1"}', "id", "x" * 129, "128"),
    ('["F-2", "67"]', None, ["F-2", "67"], "JSON object"),
    ('{"id": "F-2", "department": "67", "resources": NaN}', None, "NaN", "NaN"),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "holder": {"name": "Zoé"}}',
        "holder.iban",
        ...,
        "missing",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "holder": '
        '{"name": "", "iban": "FR76"}}',
        "holder.name",
        "",
        "non-empty",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "holder": '
        '{"name": "Zoé", "iban": "FR76", "swift": "X"}}',
        "holder.swift",
        "X",
        "unknown",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "holder": '
        '{"name": "Zoé", "iban": "FR76", "bic": 5}}',
        "holder.bic",
        5,
        "string",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "holder": "Zoé"}',
        "holder",
        "Zoé",
        "object",
    ),
    (
        '{"id": "F-2", "department": "67", "resources": "1", "mayotte_child_before_2012": "yes"}',
        "mayotte_child_before_2012",
        "yes",
        "boolean",
    ),
    ('{"id": "F-1", "department": "67", "resources": "1"}', "id", "F-1", "duplicate"),
]


@pytest.mark.parametrize(("line", "field", "value", "reason"), _JSONL_ERRORS)
def test_each_jsonl_error_names_line_field_and_value(
    line: str, field: str | None, value: object, reason: str
) -> None:
    error = _first_error(_jsonl(GOOD, line, GOOD.replace("F-1", "F-3")))
    assert (error.source, error.line, error.field) == ("<stream>", 2, field)
    assert error.value == value
    assert reason in error.reason
    message = str(error)
    assert message.startswith("<stream>:2: ")
    if field is not None:
        assert f"field {field!r}" in message
    if value is not ...:
        assert repr(value)[:40] in message


def test_the_message_reads_as_documented(tmp_path: Path) -> None:
    path = tmp_path / "households.jsonl"
    lines = [GOOD.replace("F-1", f"F-{n}") for n in range(1, 17)]
    lines.append(
        '{"id": "F-17", "department": "67", "resources": "1", '
        '"children": [{"birth_date": "2012-13-01"}]}'
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(HouseholdFileError) as caught:
        list(read_households(str(path)))
    assert str(caught.value) == (
        f"{path}:17: field 'children[0].birth_date': '2012-13-01' is not a date (YYYY-MM-DD)"
    )
    assert isinstance(caught.value, InvalidInputError)
    assert isinstance(caught.value, ValueError)


def test_the_error_survives_pickling() -> None:
    error = HouseholdFileError("h.jsonl", 3, "id", "F-1", "is a duplicate household id")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.source, copy.line, copy.field, copy.value, copy.reason) == (
        "h.jsonl",
        3,
        "id",
        "F-1",
        "is a duplicate household id",
    )
    assert str(copy) == str(error)


def test_long_values_are_shortened_in_the_message() -> None:
    error = HouseholdFileError("h.jsonl", 1, None, "x" * 500, "is not valid JSON")
    assert len(str(error)) < 140
    assert error.value == "x" * 500  # the attribute keeps it whole


def test_a_json_float_is_refused_with_advice_to_quote_amounts() -> None:
    error = _first_error(_jsonl('{"id": "F-1", "department": "67", "resources": 55000.5}'))
    assert str(error) == (
        "<stream>:1: field 'resources': 55000.5 is a JSON number with a fraction: write "
        'amounts as strings, such as "55000.50" (binary floating point cannot hold every '
        "cent exactly)"
    )


def test_a_reused_child_never_lets_an_equal_value_of_another_type_through() -> None:
    """Equal children are built once and shared, but 1 == True and 0.5 "==" "0.5"."""
    valid = (
        '{"id": "F-1", "department": "67", "resources": "1", "children": '
        '[{"birth_date": "2005-01-01", "housing_aid": true, "monthly_earnings": "0.5"}]}'
    )
    errors: list[HouseholdFileError] = []
    households = list(
        read_households(
            _jsonl(
                valid,
                valid.replace("F-1", "F-2"),
                valid.replace("F-1", "F-3").replace("true", "1"),
                valid.replace("F-1", "F-4").replace('"0.5"', "0.5"),
            ),
            "jsonl",
            on_error=errors.append,
        )
    )
    assert [h.id for h in households] == ["F-1", "F-2"]
    assert households[0].children[0] is households[1].children[0]
    assert [(e.line, e.field) for e in errors] == [
        (3, "children[0].housing_aid"),
        (4, "children[0].monthly_earnings"),
    ]


def test_json_integers_are_accepted_as_amounts() -> None:
    line = (
        '{"id": "F-1", "department": "67", "resources": 55000, '
        '"children": [{"birth_date": "2005-01-01", "monthly_earnings": 900}]}'
    )
    (household,) = read_households(_jsonl(line), "jsonl")
    assert household.resources.flat == Decimal(55000)
    assert household.children[0].monthly_earnings == Decimal(900)


def test_invalid_utf8_is_pinned_to_its_line() -> None:
    source = io.BytesIO(GOOD.encode() + b'\n{"id": "F-\xe9"}\n')
    error = _first_error(source)
    assert (error.line, error.field) == (2, None)
    assert "UTF-8" in error.reason


def test_an_overlong_line_is_refused_without_being_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "MAX_LINE_BYTES", 100)
    long_line = '{"id": "F-2", "department": "67", "resources": "1", "holder": ' + '"' + "x" * 300
    errors: list[HouseholdFileError] = []
    source = _jsonl(GOOD, long_line + '"}', GOOD.replace("F-1", "F-3"))
    households = list(read_households(source, "jsonl", on_error=errors.append))
    assert [h.id for h in households] == ["F-1", "F-3"]  # line 3 is read as a whole line
    assert [(e.line, e.field) for e in errors] == [(2, None)]
    assert "longer than 100 bytes" in errors[0].reason


def test_blank_lines_and_a_byte_order_mark_are_skipped_keeping_line_numbers() -> None:
    source = io.BytesIO(
        b"\xef\xbb\xbf" + GOOD.encode() + b"\n\n   \n" + b'{"id": "F-2", "department": "6"}\n'
    )
    errors: list[HouseholdFileError] = []
    households = list(read_households(source, "jsonl", on_error=errors.append))
    assert [h.id for h in households] == ["F-1"]
    assert [(e.line, e.field) for e in errors] == [(4, "resources")]


def test_on_error_collects_every_bad_line_and_yields_the_good_ones() -> None:
    lines = [GOOD] + [line for line, *_ in _JSONL_ERRORS] + [GOOD.replace("F-1", "F-99")]
    errors: list[HouseholdFileError] = []
    numbered = list(read_numbered_households(_jsonl(*lines), "jsonl", on_error=errors.append))
    assert [(line, h.id) for line, h in numbered] == [(1, "F-1"), (len(lines), "F-99")]
    assert [e.line for e in errors] == list(range(2, len(lines)))


# What the command's worker processes read: lines grouped as read, decoded by the worker.
_TRICKY = (
    b"\xef\xbb\xbf"
    + GOOD.encode()
    + b"\r\n\n   \n"  # a byte order mark, CRLF, blank lines
    + b'{"id": "F-\xe9"}\n'  # not UTF-8
    + b'{"id": "F-2", "department": "67", "resources": "1", "holder": "'
    + b"x" * 300
    + b'"}\n'
    + b"\xef\xbb\xbf"
    + GOOD.replace("F-1", "F-3").encode()
    + b"\n"  # a BOM past line 1
    + b'{"id": "F-4", "id": "F-5"}\n{"id": "F-6", "department": "67", "resources": 1.5} \n'
    + b"[1, 2]\n"
    + GOOD.replace("F-1", "F-7").encode()  # no final line end
)


@pytest.mark.parametrize("size", [1, 2, 3, 100])
@pytest.mark.parametrize(
    "stream", [io.BytesIO, lambda data: io.StringIO(data.decode("utf-8", "replace"))]
)
def test_lines_grouped_as_read_give_the_items_of_the_reader(
    monkeypatch: pytest.MonkeyPatch, size: int, stream: Any
) -> None:
    monkeypatch.setattr(module, "MAX_LINE_BYTES", 100)
    state = module._Reading("<stream>", None)
    expected = list(module._json_items(stream(_TRICKY), state))
    grouped = [
        item
        for lines in module._raw_json_lines(stream(_TRICKY), size)
        for item in module._raw_items(lines)
    ]
    assert _comparable(grouped) == _comparable(expected)
    assert [line for line, _ in expected] == list(range(1, 11))
    assert {line for line, item in expected if isinstance(item, module._FieldError)} == (
        {5} if stream is not io.BytesIO else {4, 5}
    )


def _comparable(items: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    return [
        (line, item.args if isinstance(item, module._FieldError) else item) for line, item in items
    ]


@pytest.mark.parametrize(
    "text",
    [
        GOOD + "\n",
        GOOD + "\r\n",
        GOOD,
        GOOD + " \n",
        GOOD + "\t\r\n",
        GOOD + "\u00a0\n",  # not JSON whitespace: "Extra data"
        " " + GOOD + "\n",
        GOOD + "x\n",
        GOOD[:-1] + "\n",
        '{"a": 1, "a": 2}\n',
        '{"a": NaN}\n',
        '{"a": 1.5e3}\n',
        "{}\n",
        "[]\n",
        "\n",
        "{\n",
    ],
)
def test_the_decoding_shortcut_decodes_as_the_decoder(text: str) -> None:
    def outcome(decode: Any) -> object:
        try:
            return decode(text)
        except module._FieldError as error:
            return ("field error", error.args)
        except ValueError as error:
            return ("error", type(error), str(error))

    assert outcome(module._decode) == outcome(module._DECODER.decode)


def test_text_and_binary_streams_and_paths_give_the_same_households(tmp_path: Path) -> None:
    text = (EXAMPLES / "households.jsonl").read_text(encoding="utf-8")
    path = tmp_path / "copy.ndjson"
    path.write_text(text, encoding="utf-8")
    expected = list(read_households(EXAMPLES / "households.jsonl"))
    assert list(read_households(io.StringIO(text), "jsonl")) == expected
    assert list(read_households(io.BytesIO(text.encode()), "jsonl")) == expected
    assert list(read_households(path)) == expected


def test_reading_is_lazy() -> None:
    """The first household comes out before the second line is read (streaming)."""

    class OneLineThenFail(io.BytesIO):
        calls = 0

        def readline(self, size: int | None = -1) -> bytes:
            self.calls += 1
            if self.calls > 1:
                raise AssertionError("read ahead of the consumer")
            return (GOOD + "\n").encode()

    households = read_households(OneLineThenFail(), "jsonl")
    assert next(households).id == "F-1"


def test_the_format_comes_from_the_extension() -> None:
    assert detect_format("a/b/households.JSONL") == "jsonl"
    assert detect_format(Path("x.ndjson")) == "jsonl"
    assert detect_format("x.csv") == "csv"
    with pytest.raises(InvalidInputError, match=r"'households\.json'.*\.jsonl"):
        detect_format("households.json")
    with pytest.raises(InvalidInputError, match="'xml'"):
        list(read_households(io.BytesIO(b""), "xml"))  # type: ignore[arg-type]


# --- duplicate ids ------------------------------------------------------------------------


def test_a_duplicate_id_names_the_line_of_the_first() -> None:
    lines = [GOOD.replace("F-1", f"F-{n}") for n in range(1, 6)] + [GOOD.replace("F-1", "F-3")]
    error = _first_error(_jsonl(*lines))
    assert (
        str(error) == "<stream>:6: field 'id': 'F-3' is a duplicate household id (first on line 3)"
    )


def test_an_invalid_line_still_claims_its_id() -> None:
    """Two lines for one id are ambiguous even if the first is rejected: both are reported."""
    bad = '{"id": "F-1", "department": "96", "resources": "1"}'
    errors: list[HouseholdFileError] = []
    assert list(read_households(_jsonl(bad, GOOD), "jsonl", on_error=errors.append)) == []
    assert [(e.line, e.field) for e in errors] == [(1, "department"), (2, "id")]


def test_ids_differing_only_by_case_or_spaces_are_distinct() -> None:
    lines = [GOOD, GOOD.replace("F-1", "f-1"), GOOD.replace("F-1", "F-1 ")]
    assert len(list(read_households(_jsonl(*lines), "jsonl"))) == 3


def test_hash_collisions_never_make_a_false_duplicate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "hash", lambda key: 42, raising=False)  # every id collides
    seen = module._SeenIds()
    try:
        assert [seen.add(f"F-{n}", n) for n in range(1, 200)] == [None] * 199
        assert seen.add("F-150", 500) == 150
        assert seen.add("F-\udcff", 501) is None  # a lone surrogate from a JSON escape
        assert seen.add("F-\udcff", 502) == 501
    finally:
        seen.close()


def test_equal_tags_with_different_hashes_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    # Same top 24 bits (the tag kept in the slot), different full hashes: the record on
    # disk settles it without reading the id back.
    monkeypatch.setattr(module, "hash", lambda key: (7 << 40) | len(key), raising=False)
    seen = module._SeenIds()
    try:
        assert [seen.add("x" * n, n) for n in range(1, 50)] == [None] * 49
        assert seen.add("x" * 10, 99) == 10
        assert seen.add("y" * 10, 100) is None  # same full hash as "x" * 10, other text
    finally:
        seen.close()


def test_the_id_index_grows_and_stays_exact() -> None:
    seen = module._SeenIds()
    count = 3 * module._SeenIds._INITIAL_SLOTS  # two doublings
    try:
        assert all(seen.add(f"H{n}", n + 1) is None for n in range(count))
        assert [seen.add(f"H{n}", 0) for n in (0, count // 2, count - 1)] == [
            1,
            count // 2 + 1,
            count,
        ]
        assert seen.add(f"H{count}", 0) is None
    finally:
        seen.close()


# --- CSV -----------------------------------------------------------------------------------

HEADER = "id,department,resources,children,holder_name,holder_iban,holder_bic"


def _csv(*rows: str) -> io.BytesIO:
    return io.BytesIO(("\r\n".join(rows) + "\r\n").encode("utf-8"))


def test_csv_layout_as_documented() -> None:
    source = _csv(
        "id,department,resources,children,holder_name,holder_iban,holder_bic,"
        "mayotte_child_before_2012",
        'F-1,67,55000.00,2012-03-01;2016-09-15,"Muller, Jérôme",FR7630006000011234567890189,,',
        "F-2,2B,2022=39000.00;2023=41000.00,2005-09-01:shared:1250.00:true;2012-10-10,,,,",
        "F-3,976,15000.00,2008-06-21,,,,true",
    )
    one, two, three = read_households(source, "csv")
    assert one == Household(
        id="F-1",
        department="67",
        resources=Decimal("55000.00"),
        children=(Child(birth_date=dt.date(2012, 3, 1)), Child(birth_date=dt.date(2016, 9, 15))),
        holder=Holder(name="Muller, Jérôme", iban="FR7630006000011234567890189"),
    )
    assert two.resources.for_year(2022) == Decimal("39000.00")
    assert two.children[0] == Child(
        birth_date=dt.date(2005, 9, 1),
        custody=Custody.SHARED,
        monthly_earnings=Decimal("1250.00"),
        housing_aid=True,
    )
    assert two.holder is None
    assert three.mayotte_child_before_2012 is True


def test_csv_columns_may_come_in_any_order_and_optional_ones_may_be_left_out() -> None:
    (household,) = read_households(_csv("resources,id,department", "1200,F-1,974"), "csv")
    assert household == Household(id="F-1", department="974", resources=Decimal(1200))


_CSV_ERRORS = [
    ("F-2,67,1,2012-13-01,,,", "children[0].birth_date", "2012-13-01"),
    ("F-2,67,1,2012-03-01;2014-01-01:half,,,", "children[1].custody", "half"),
    ("F-2,67,1,2012-03-01:full:0:yes,,,", "children[0].housing_aid", "yes"),
    ("F-2,67,1,2012-03-01:full:0:true:x,,,", "children[0]", "2012-03-01:full:0:true:x"),
    ("F-2,67,1,2012-03-01:full:12.5.0,,,", "children[0].monthly_earnings", "12.5.0"),
    ("F-2,96,1,,,,", "department", "96"),
    ("F-2,67,-3,,,,", "resources", "-3"),
    ("F-2,67,2022=1;2022=2,,,,", "resources.2022", "2"),
    ("F-2,67,2022=1;2023,,,,", "resources", "2023"),
    ("F-2,67,1,,Zoé,,", "holder.iban", ""),
    ("F-2,67,1,,,FR76,", "holder.name", ""),
    (",67,1,,,,", "id", ""),
    ("F-1,67,1,,,,", "id", "F-1"),
    ("F-2,67,1,,,", None, "F-2,67,1,,,"),
    ('F-2,67,1,"2012-03-01"x,,,', None, ""),
]


@pytest.mark.parametrize(("row", "field", "value"), _CSV_ERRORS)
def test_each_csv_error_names_line_field_and_value(
    row: str, field: str | None, value: object
) -> None:
    error = _first_error(_csv(HEADER, "F-1,67,1,,,,", row, "F-3,67,1,,,,"), "csv")
    assert (error.line, error.field, error.value) == (3, field, value)


def test_csv_line_numbers_count_physical_lines() -> None:
    source = _csv(HEADER, 'F-1,67,1,,"Zoé\nDupont",FR76,', "", "F-2,96,1,,,,")
    error = _first_error(source, "csv")
    assert (error.line, error.field) == (5, "department")


def test_csv_invalid_utf8_is_pinned_to_its_line() -> None:
    source = io.BytesIO(f"{HEADER}\nF-1,67,1,,,,\nF-2,67,1,,Zo\xe9,FR76,\n".encode("latin-1"))
    errors: list[HouseholdFileError] = []
    assert [h.id for h in read_households(source, "csv", on_error=errors.append)] == ["F-1"]
    assert [(e.line, e.field) for e in errors] == [(3, None)]
    assert "UTF-8" in errors[0].reason


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("id;department;resources", "',' separators"),
        ("id,department,resources,child", "unknown column 'child'"),
        ("id,resources", "required column 'department'"),
        ("id,department,resources,id", "twice"),
    ],
)
def test_a_bad_csv_header_stops_the_read_even_with_on_error(header: str, words: str) -> None:
    errors: list[HouseholdFileError] = []
    with pytest.raises(HouseholdFileError) as caught:
        list(read_households(_csv(header, "F-1,67,1"), "csv", on_error=errors.append))
    assert caught.value.line == 1
    assert words in caught.value.reason
    assert errors == []


def test_an_empty_file_holds_no_household() -> None:
    assert list(read_households(io.BytesIO(b""), "csv")) == []
    assert list(read_households(io.BytesIO(b""), "jsonl")) == []


# --- writers: what is written is read back identically --------------------------------------

_AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12
).filter(str.strip)


@st.composite
def _households(draw: st.DrawFn) -> Household:
    by_year = draw(st.dictionaries(st.integers(1990, 2100), _AMOUNTS, max_size=3))
    resources = (
        Resources(by_year=tuple(sorted(by_year.items())))
        if by_year
        else Resources(flat=draw(_AMOUNTS))
    )
    children = draw(
        st.lists(
            st.builds(
                Child,
                birth_date=st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
                custody=st.sampled_from(Custody),
                monthly_earnings=_AMOUNTS,
                housing_aid=st.booleans(),
            ),
            max_size=5,
        )
    )
    holder = draw(st.none() | st.builds(Holder, name=_TEXT, iban=_TEXT, bic=st.none() | _TEXT))
    return Household(
        id=draw(_TEXT),
        department=draw(st.sampled_from(list(Department.all()))),
        resources=resources,
        children=tuple(children),
        holder=holder,
        mayotte_child_before_2012=draw(st.booleans()),
    )


@pytest.mark.parametrize("format", ["jsonl", "csv"])
@given(households=st.lists(_households(), max_size=4, unique_by=lambda h: h.id))
def test_written_households_are_read_back_identically(
    format: str, households: list[Household]
) -> None:
    out = io.StringIO(newline="")
    assert write_households(households, out, format) == len(households)  # type: ignore[arg-type]
    assert list(read_households(io.StringIO(out.getvalue(), newline=""), format)) == households  # type: ignore[arg-type]


def test_the_jsonl_record_leaves_defaults_out() -> None:
    household = Household(
        id="F-1",
        department="67",
        resources=Decimal("55000.00"),
        children=(Child(birth_date=dt.date(2012, 3, 1), custody=Custody.SHARED),),
    )
    assert household_to_record(household) == {
        "id": "F-1",
        "department": "67",
        "resources": "55000.00",
        "children": [{"birth_date": "2012-03-01", "custody": "shared"}],
    }


def test_writing_an_unknown_format_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="'xml'"):
        write_households([], io.StringIO(), "xml")  # type: ignore[arg-type]


@given(households=st.lists(_households(), max_size=4))
def test_households_built_without_the_validators_equal_the_constructors(
    households: list[Household],
) -> None:
    # The reader checks every field itself, then builds the frozen values without running
    # the constructors' converters and validators again: the same values in every way.
    for expected in households:
        holder = expected.holder
        built = household_from_checked(
            expected.id,
            expected.department,
            expected.resources,
            expected.children,
            None if holder is None else holder_from_checked(holder.name, holder.iban, holder.bic),
            expected.mayotte_child_before_2012,
        )
        assert built == expected
        assert hash(built) == hash(expected)
        assert repr(built) == repr(expected)
        assert attrs.asdict(built) == attrs.asdict(expected)
        assert attrs.evolve(built) == expected
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.id = "other"  # type: ignore[misc]


def test_a_lone_surrogate_escape_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "households.jsonl"
    path.write_text(
        '{"id": "F-1", "department": "67", "resources": "1"}\n'
        '{"id": "F-\\ud800", "department": "67", "resources": "1"}\n',
        encoding="utf-8",
    )
    with pytest.raises(HouseholdFileError, match=r":2: .*lone surrogate"):
        list(read_households(path))
