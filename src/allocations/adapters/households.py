"""Household files: streaming JSON Lines and CSV readers, and the matching writers.

Theory of operation: a reader takes one line (JSON Lines) or one row (CSV) at a time,
turns it into the same plain structure (a ``dict`` of strings, numbers and booleans),
checks every field with a message that names it, and only then builds the frozen
:class:`~allocations.Household`. Nothing is kept between lines but the counters and the
duplicate-id index: 8 bytes per slot in memory (11.5 to 23 bytes per household), the ids
themselves in a temporary file (see ``_SeenIds``). Everything else is bounded.

The formats are documented in ``docs/howto/household-files.rst``; the short version:

- JSON Lines: one JSON object per line, keys ``id``, ``department``, ``resources``,
  ``children``, ``holder``, ``mayotte_child_before_2012``; amounts are decimal *strings*
  (JSON integers are accepted, JSON numbers with a fraction are refused); unknown keys and
  keys given twice are refused.
- CSV: one row per household, a header row naming the columns; children in one column as
  ``birth_date:custody:monthly_earnings:housing_aid`` items separated by ``;``.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import re
import struct
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import IO, Any, BinaryIO, Final, Literal, NamedTuple, cast

from allocations.entitlement import Child, Custody, Holder, Household, Resources
from allocations.entitlement._household import holder_from_checked, household_from_checked
from allocations.errors import HouseholdFileError, InvalidDepartmentError, InvalidInputError
from allocations.territory import Department

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "HouseholdSource",
    "detect_format",
    "household_to_record",
    "read_households",
    "read_numbered_households",
    "write_households",
]

#: The household file formats, by name.
FORMATS: Final = ("jsonl", "csv")

#: The CSV columns, in the order the writer uses (readers accept any order).
CSV_COLUMNS: Final = (
    "id",
    "department",
    "resources",
    "children",
    "holder_name",
    "holder_iban",
    "holder_bic",
    "mayotte_child_before_2012",
)
_CSV_REQUIRED: Final = frozenset({"id", "department", "resources"})
_CSV_HOLDER: Final = ("holder_name", "holder_iban", "holder_bic")

#: What a reader accepts: a path, or an open file (text or bytes).
HouseholdSource = str | os.PathLike[str] | IO[str] | IO[bytes]

_EXTENSIONS: Final = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}

# Limits (a limit on everything): a line longer than this is refused without being held
# in memory; an id longer than this is refused (the *numéro d'allocataire* has 7 digits;
# 128 characters leave room for any local scheme and bound the duplicate index on disk).
MAX_LINE_BYTES: Final = 1 << 20
MAX_ID_LENGTH: Final = 128
_MAX_CHILDREN: Final = 64
# Amounts: at most 12 integer digits and 2 decimals (cents); no exponent, no separators.
_AMOUNT = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,2})?")
_MAX_INT_AMOUNT: Final = 10**12
_YEAR = re.compile(r"[0-9]{4}")

_HOUSEHOLD_KEYS: Final = frozenset(
    {"id", "department", "resources", "children", "holder", "mayotte_child_before_2012"}
)
_CHILD_KEYS: Final = frozenset({"birth_date", "custody", "monthly_earnings", "housing_aid"})
_HOLDER_KEYS: Final = frozenset({"name", "iban", "bic"})
_CUSTODIES: Final = {custody.value: custody for custody in Custody}
_CUSTODY_LIST: Final = ", ".join(_CUSTODIES)
_ZERO: Final = Decimal(0)
_DEPARTMENT_CACHE_LIMIT: Final = 1024
_CHILD_CACHE_LIMIT: Final = 16_384

#: ``HouseholdFileError.value`` when the field is absent.
_MISSING: Final = ...

OnError = Callable[[HouseholdFileError], None]


class _FieldError(Exception):
    """A field-level problem, turned into a :class:`HouseholdFileError` with the line."""

    def __init__(self, field: str | None, value: object, reason: str) -> None:
        super().__init__(field, value, reason)
        self.field = field
        self.value = value
        self.reason = reason


class _JsonFloat(str):
    """The source text of a JSON number with a fraction or exponent (refused for money)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def _refuse_constant(name: str) -> object:
    raise _FieldError(None, name, "is not valid JSON (NaN and Infinity are not numbers)")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, value in pairs:
            if key in seen:
                raise _FieldError(key, value, "is given twice in the same object")
            seen.add(key)
    return obj


# One decoder for the whole run: json.loads(..., **hooks) would build a decoder per line.
_DECODER: Final = json.JSONDecoder(
    parse_float=_JsonFloat, parse_constant=_refuse_constant, object_pairs_hook=_object
)
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


# The decoder's scanner (set by JSONDecoder.__init__, not in the type stubs).
_SCAN: Final[Callable[[str, int], tuple[Any, int]]] = _DECODER.scan_once  # type: ignore[attr-defined]


def _decode(text: str) -> object:
    """``_DECODER.decode(text)``, without its Python wrapper for a line that is one object
    and its line end (the scanner is the decoder's own, with the same hooks)."""
    if "\\u" in text:
        return _without_lone_surrogates(text, _decode_fast(text))
    return _decode_fast(text)


def _without_lone_surrogates(text: str, data: object) -> object:
    # A JSON escape such as "\ud800" decodes to a lone surrogate, which no UTF-8 output
    # can hold: refuse the line here, where its number is known, not when writing.
    try:
        _ENCODER.encode(data).encode("utf-8")
    except UnicodeEncodeError:
        raise _FieldError(
            None, text.rstrip("\r\n"), "contains a lone surrogate escape: not valid Unicode text"
        ) from None
    return data


def _decode_fast(text: str) -> object:
    if text[:1] == "{":
        try:
            data, end = _SCAN(text, 0)
        except (StopIteration, json.JSONDecodeError):
            pass  # the decoder says why, below
        else:
            if end == len(text) or text[end:] in ("\n", "\r\n"):
                return data
    return _DECODER.decode(text)


def detect_format(name: str | os.PathLike[str]) -> Literal["jsonl", "csv"]:
    """The format of a household file, from its extension.

    Args:
        name: the file's path or name.

    Returns:
        ``"jsonl"`` for ``.jsonl`` and ``.ndjson``, ``"csv"`` for ``.csv`` (any case).

    Raises:
        InvalidInputError: the extension is none of those.

    >>> from allocations.adapters.households import detect_format
    >>> detect_format("data/households.JSONL"), detect_format("households.csv")
    ('jsonl', 'csv')

    .. versionadded:: 0.1.0
    """
    extension = os.path.splitext(os.fspath(name))[1].lower()
    found = _EXTENSIONS.get(extension)
    if found == "jsonl":
        return "jsonl"
    if found == "csv":
        return "csv"
    raise InvalidInputError(
        f"cannot tell the format of {os.fspath(name)!r} from its extension "
        f"{extension!r}: expected .jsonl, .ndjson or .csv (or give the format explicitly)"
    )


# --- checking one household ----------------------------------------------------------


def _amount(value: object, field: str) -> Decimal:
    if type(value) is str:
        if value.isdigit() and value.isascii() and len(value) <= 12:
            return Decimal(value)  # the common case, whole euros, checked at C speed
        if _AMOUNT.fullmatch(value) is None:
            raise _FieldError(
                field,
                value,
                "is not an amount: write digits with an optional '.' and at most two "
                'decimals, such as "55000.00"',
            )
        amount = Decimal(value)
    elif type(value) is int:
        if not -_MAX_INT_AMOUNT < value < _MAX_INT_AMOUNT:
            raise _FieldError(field, value, "is too large for an amount")
        amount = Decimal(value)
    elif type(value) is _JsonFloat:
        raise _FieldError(
            field,
            value,
            "is a JSON number with a fraction: write amounts as strings, such as "
            '"55000.50" (binary floating point cannot hold every cent exactly)',
        )
    else:
        raise _FieldError(field, value, 'is not an amount: write a string such as "55000.00"')
    if amount < 0:
        raise _FieldError(field, value, "must not be negative")
    return amount


def _resources(value: object) -> Resources:
    if type(value) is not dict:
        return Resources(_amount(value, "resources"))
    if not value:
        raise _FieldError("resources", value, "must name at least one year")
    pairs = []
    for year, amount in value.items():
        if type(year) is not str or _YEAR.fullmatch(year) is None:
            raise _FieldError(f"resources.{year}", year, "is not a year such as 2023")
        pairs.append((int(year), _amount(amount, f"resources.{year}")))
    return Resources(by_year=tuple(sorted(pairs)))


def _boolean(value: object, field: str) -> bool:
    if value is True or value is False:
        return value
    raise _FieldError(field, value, "is not a boolean (true or false)")


def _date(value: object, field: str) -> dt.date:
    # fromisoformat also accepts "20120301" and week dates since Python 3.11: the layout
    # check keeps the documented YYYY-MM-DD only.
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _FieldError(field, value, "is not a date (YYYY-MM-DD)")


def _unknown_key(data: dict[str, Any], allowed: frozenset[str], prefix: str) -> _FieldError:
    key = min(set(data) - allowed)
    expected = ", ".join(sorted(allowed))
    return _FieldError(
        f"{prefix}{key}", data[key], f"is in an unknown field (expected: {expected})"
    )


def _child(data: object, index: int) -> Child:
    prefix = f"children[{index}]."
    if type(data) is not dict:
        raise _FieldError(prefix[:-1], data, "is not an object")
    if not _CHILD_KEYS.issuperset(data):
        raise _unknown_key(data, _CHILD_KEYS, prefix)
    birth_date = data.get("birth_date", _MISSING)
    if birth_date is _MISSING:
        raise _FieldError(prefix + "birth_date", _MISSING, "is missing")
    born = _date(birth_date, prefix + "birth_date")
    raw_custody = data.get("custody", "full")
    custody = _CUSTODIES.get(raw_custody) if type(raw_custody) is str else None
    if custody is None:
        raise _FieldError(prefix + "custody", raw_custody, f"is not one of {_CUSTODY_LIST}")
    earnings = data.get("monthly_earnings")
    return Child(
        born,
        custody,
        _ZERO if earnings is None else _amount(earnings, prefix + "monthly_earnings"),
        _boolean(data.get("housing_aid", False), prefix + "housing_aid"),
    )


def _holder(value: object) -> Holder | None:
    if value is None:
        return None
    if type(value) is not dict:
        raise _FieldError("holder", value, "is not an object with name, iban and bic")
    if not _HOLDER_KEYS.issuperset(value):
        raise _unknown_key(value, _HOLDER_KEYS, "holder.")
    name = value.get("name", _MISSING)
    iban = value.get("iban", _MISSING)
    bic = value.get("bic")
    if (
        type(name) is str
        and type(iban) is str
        and name.strip()
        and iban.strip()
        and (bic is None or (type(bic) is str and bic.strip()))
    ):
        # IBAN and BIC checks belong to payment planning (see Holder): an entitlement can
        # be computed before the bank details are known or corrected.
        return holder_from_checked(name, iban, bic)
    for key, text in (("name", name), ("iban", iban)):
        if text is _MISSING:
            raise _FieldError(f"holder.{key}", _MISSING, "is missing")
        if type(text) is not str or not text.strip():
            raise _FieldError(f"holder.{key}", text, "must be a non-empty string")
    raise _FieldError("holder.bic", bic, "must be a non-empty string or null")


def _household_id(data: object) -> str:
    if type(data) is not dict:
        raise _FieldError(None, data, "is not a JSON object (one household per line)")
    value = data.get("id", _MISSING)
    if value is _MISSING:
        raise _FieldError("id", _MISSING, "is missing")
    if type(value) is not str or not value.strip():
        raise _FieldError("id", value, "must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise _FieldError("id", value, f"is longer than {MAX_ID_LENGTH} characters")
    return value


def _shared(cache: dict[Any, Child], key: object, data: object, index: int) -> Child:
    """The child built from ``data``, the same object for the same ``key`` (bounded cache)."""
    try:
        child = cache.get(key)
    except TypeError:  # an unhashable value (a list, an object): not a valid child
        return _child(data, index)
    if child is None:
        child = _child(data, index)
        if len(cache) >= _CHILD_CACHE_LIMIT:
            cache.clear()
        cache[key] = child
    return child


class _Builder:
    """Checks the fields of households and builds them, reusing equal immutable values.

    Départements and children are frozen values, and a large file repeats them (about a
    hundred codes; some 8,000 birth dates for 21 years of children): each distinct one is
    checked and built once, then shared. Both caches are bounded.
    """

    def __init__(self) -> None:
        self._departments: dict[str, Department] = {}
        self._children: dict[Any, Child] = {}
        self._born_only: dict[Any, Child] = {}

    def department(self, value: object) -> Department:
        if type(value) is not str:
            raise _FieldError("department", value, 'is not a string such as "67" or "2A"')
        department = self._departments.get(value)
        if department is None:
            try:
                department = Department(value)
            except InvalidDepartmentError:
                hint = (
                    "is not a département code: Corsica is '2A' or '2B' since 1976"
                    if value.strip() in ("20", "020")
                    else "is not a département code (INSEE: 01-19, 2A, 2B, 21-95, 971-978)"
                )
                raise _FieldError("department", value, hint) from None
            if len(self._departments) < _DEPARTMENT_CACHE_LIMIT:
                self._departments[value] = department
        return department

    def child(self, data: object, index: int) -> Child:
        if type(data) is not dict or not _CHILD_KEYS.issuperset(data):
            return _child(data, index)  # raises the precise error
        get = data.get
        if len(data) == 1:  # the common case: a birth date, every other field by default
            return _shared(self._born_only, get("birth_date"), data, index)
        earnings = get("monthly_earnings")
        housing_aid = get("housing_aid")
        # The types are part of the key: 1 == True and the text of a JSON float equals a
        # string amount, yet only one of each pair is valid.
        key = (
            get("birth_date"),
            get("custody"),
            earnings,
            type(earnings),
            housing_aid,
            type(housing_aid),
        )
        return _shared(self._children, key, data, index)

    def household(self, household_id: str, data: dict[str, Any]) -> Household:
        if not _HOUSEHOLD_KEYS.issuperset(data):
            raise _unknown_key(data, _HOUSEHOLD_KEYS, "")
        if "department" not in data:
            raise _FieldError("department", _MISSING, "is missing")
        if "resources" not in data:
            raise _FieldError("resources", _MISSING, "is missing")
        raw_children = data.get("children", ())
        if type(raw_children) is not list and raw_children != ():
            raise _FieldError("children", raw_children, "is not a list of children")
        if len(raw_children) > _MAX_CHILDREN:
            raise _FieldError(
                "children", len(raw_children), f"children are more than {_MAX_CHILDREN}"
            )
        child = self.child
        children = tuple([child(item, index) for index, item in enumerate(raw_children)])
        mayotte = data.get("mayotte_child_before_2012", False)
        # Every field is checked above and below as the constructor would (same order of
        # messages as before): the checked values are used as they are.
        return household_from_checked(
            household_id,
            self.department(data["department"]),
            _resources(data["resources"]),
            children,
            _holder(data.get("holder")),
            _boolean(mayotte, "mayotte_child_before_2012"),
        )


# --- duplicate ids ---------------------------------------------------------------------


_RECORD: Final = struct.Struct("<QQQI")  # full hash, first line, text offset, length
_PACK_RECORD: Final = _RECORD.pack
_HASH_MASK: Final = 0xFFFF_FFFF_FFFF_FFFF
_TAG_SHIFT: Final = 40  # tag = top 24 bits of the hash; ordinal + 1 in the low 40 bits
_ORDINAL_MASK: Final = (1 << 40) - 1
_BATCH: Final = 4096  # records written at once (about 250 KB with their texts)


class _SeenIds:
    """The ids already read, in a compact in-memory index, with exact answers.

    Theory of operation: an open-addressing hash table in one preallocated
    ``array('Q')`` — **8 bytes per slot**. A slot packs the top 24 bits of the id's 64-bit
    hash (a tag) and the id's ordinal; the ordinal locates, in an anonymous temporary file,
    a fixed-size record (full hash, first line, where the id's exact UTF-8 text is in a
    second temporary file). The table doubles when 70 % full, so memory is 11.5 to 23
    bytes per distinct id (1,000,000 ids: 16 MiB, 24 MiB for a moment while doubling),
    against some 100 bytes for a ``set`` of ``str``; the ids themselves stay on disk.

    A candidate (same tag) is confirmed on the full hash, then on the exact text read
    back from disk, so a hash collision can never report a false duplicate. Python's
    string hash is keyed per process (SipHash), so a file cannot be crafted to collide.
    """

    _RECORD: Final = _RECORD
    _INITIAL_SLOTS: Final = 1 << 16
    _TAG_SHIFT: Final = _TAG_SHIFT

    def __init__(self) -> None:
        self._allocate(self._INITIAL_SLOTS)
        self._count = 0
        self._records: BinaryIO | None = None
        self._texts: BinaryIO | None = None
        self._texts_size = 0
        # Records and texts not written yet: one write per batch, not two per id.
        self._pending_records: list[bytes] = []
        self._pending_texts: list[bytes] = []

    def _allocate(self, slots: int) -> None:
        self._mask = slots - 1
        self._limit = slots * 7 // 10
        self._slots = array("Q", bytes(8 * slots))

    def close(self) -> None:
        for file in (self._records, self._texts):
            if file is not None:
                file.close()
        self._records = self._texts = None
        self._pending_records.clear()
        self._pending_texts.clear()

    def add(self, key: str, line: int) -> int | None:
        """Record ``key`` first seen on ``line``; if already seen, the line it was first on."""
        # Called once per line of a file: constants are module globals, not attributes.
        digest = hash(key) & _HASH_MASK
        tag = digest >> _TAG_SHIFT
        slots, mask = self._slots, self._mask
        index = digest & mask
        found = slots[index]
        while found:
            if found >> _TAG_SHIFT == tag:
                first = self._first_line(found & _ORDINAL_MASK, digest, key)
                if first is not None:
                    return first
            index = (index + 1) & mask
            found = slots[index]
        text = key.encode("utf-8", "surrogatepass")
        size = self._texts_size
        self._pending_records.append(_PACK_RECORD(digest, line, size, len(text)))
        self._pending_texts.append(text)
        self._texts_size = size + len(text)
        count = self._count = self._count + 1
        slots[index] = (tag << _TAG_SHIFT) | count  # the ordinal + 1, never 0
        if count > self._limit:
            self._grow()
        elif not count % _BATCH:
            self._flush()
        return None

    def _flush(self) -> None:
        """Write the pending records and texts (before reading any back)."""
        if self._records is None:
            # Both live as long as the reader (closed by close()), not one block.
            self._records = cast(BinaryIO, tempfile.TemporaryFile("w+b"))  # noqa: SIM115
            self._texts = cast(BinaryIO, tempfile.TemporaryFile("w+b"))  # noqa: SIM115
        self._records.write(b"".join(self._pending_records))
        cast(BinaryIO, self._texts).write(b"".join(self._pending_texts))
        self._pending_records.clear()
        self._pending_texts.clear()

    def _first_line(self, ordinal: int, digest: int, key: str) -> int | None:
        self._flush()
        records, texts = cast(BinaryIO, self._records), cast(BinaryIO, self._texts)
        records.seek((ordinal - 1) * self._RECORD.size)
        full, line, offset, length = self._RECORD.unpack(records.read(self._RECORD.size))
        records.seek(0, os.SEEK_END)
        if full != digest:
            return None
        texts.seek(offset)
        same = texts.read(length) == key.encode("utf-8", "surrogatepass")
        texts.seek(0, os.SEEK_END)
        return cast(int, line) if same else None

    def _grow(self) -> None:
        self._flush()
        self._allocate(2 * len(self._slots))
        slots, mask, shift = self._slots, self._mask, self._TAG_SHIFT
        records = cast(BinaryIO, self._records)
        records.seek(0)
        ordinal = 0
        chunk_size = self._RECORD.size * 4096
        while chunk := records.read(chunk_size):
            for digest, _, _, _ in self._RECORD.iter_unpack(chunk):
                ordinal += 1
                index = digest & mask
                while slots[index]:
                    index = (index + 1) & mask
                slots[index] = ((digest >> shift) << shift) | ordinal
        records.seek(0, os.SEEK_END)


# --- reading ---------------------------------------------------------------------------


def _source_name(source: object) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


class _Reading:
    """Shared state of one read: the source name, ``on_error``, the duplicate-id index and
    the builder with its caches.

    A line goes through three steps, which a parallel reader may split between processes:
    :func:`_items` (the parent, reading the file: lines, or CSV rows, with their numbers),
    :meth:`check` (anywhere: JSON decoding, the fields, the household) and :meth:`accept`
    (the parent, in file order: the duplicate ids, the errors).
    """

    def __init__(self, name: str, on_error: OnError | None) -> None:
        self.name = name
        self.on_error = on_error
        self.seen = _SeenIds()
        self.builder = _Builder()

    def check(self, item: _Item) -> tuple[str | None, Household | _FieldError] | None:
        """The id and household of one item from :func:`_items` (or what is wrong with it);
        ``None`` for a blank line. The id is ``None`` when it is not a valid id."""
        if type(item) is _FieldError:
            return None, item
        data: object = item
        if type(item) is str:
            try:
                data = _decode(item)
            except json.JSONDecodeError as error:
                if not item.strip():
                    return None  # blank lines (often the last one) carry no household
                reason = f"is not valid JSON: {error.msg} (column {error.pos + 1})"
                return None, _FieldError(None, item.rstrip("\r\n"), reason)
            except _FieldError as problem:  # a key given twice, NaN
                return None, problem
        try:
            household_id = _household_id(data)
        except _FieldError as problem:
            return None, problem
        try:
            return household_id, self.builder.household(household_id, cast(dict[str, Any], data))
        except _FieldError as problem:
            return household_id, problem
        except (InvalidInputError, TypeError) as error:  # a model rule not checked above
            return household_id, _FieldError(None, data, f"breaks a household rule: {error}")

    def accept(self, line: int, household_id: str | None, problem: _FieldError | None) -> bool:
        """Whether the household of ``line`` may be used: its id is not a duplicate (it is
        recorded if valid, even when the line is otherwise invalid) and ``problem`` is
        ``None``; otherwise the error is raised, or passed to ``on_error``."""
        if household_id is not None:
            first = self.seen.add(household_id, line)
            if first is not None:
                problem = _FieldError(
                    "id", household_id, f"is a duplicate household id (first on line {first})"
                )
        if problem is None:
            return True
        self.fail(line, problem)
        return False

    def fail(self, line: int, problem: _FieldError) -> None:
        error = HouseholdFileError(self.name, line, problem.field, problem.value, problem.reason)
        if self.on_error is None:
            raise error from None
        self.on_error(error)


def _skip_long_line(raw: bytes | str, readline: Callable[[int], Any]) -> _FieldError:
    """Read past the rest of a line longer than the limit (without holding it): why it is
    refused."""
    chunk = raw
    while chunk and chunk[-1:] not in ("\n", b"\n"):
        chunk = readline(MAX_LINE_BYTES)
    return _FieldError(None, raw[:40], f"starts a line longer than {MAX_LINE_BYTES} bytes")


def _decoded(raw: bytes | str) -> tuple[str, _FieldError | None]:
    """The text of one line as read, and why it is not valid UTF-8 if it is not."""
    if type(raw) is not bytes:
        return cast(str, raw), None
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        problem = _FieldError(None, raw.rstrip(b"\r\n"), "is not valid UTF-8")
        return raw.decode("utf-8", "replace"), problem


class _Lines:
    """The text lines of a stream, decoded one at a time so that a bad byte is pinned to
    its line; problems found below the JSON or CSV layer are kept by line number."""

    def __init__(self, stream: IO[Any]) -> None:
        self._readline = stream.readline
        self.number = 0
        self.problems: dict[int, _FieldError] = {}

    def __iter__(self) -> Iterator[str]:
        readline = self._readline
        while True:
            raw = readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self.number += 1
            if len(raw) > MAX_LINE_BYTES:
                self.problems[self.number] = _skip_long_line(raw, readline)
                yield "\n"
                continue
            text, problem = _decoded(raw)
            if problem is not None:
                self.problems[self.number] = problem
            if self.number == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield text

    def problem(self, first: int, last: int) -> _FieldError | None:
        """The first problem on lines ``first`` to ``last``, forgetting those lines."""
        found = None
        for number in sorted(n for n in self.problems if n <= last):
            problem = self.problems.pop(number)
            if found is None and number >= first:
                found = problem
        return found


class _RawLines(NamedTuple):
    """Consecutive lines of a JSON Lines file as read, not decoded yet (another process
    may decode them), from line ``first``; a line over the limit is read as an empty line
    and its problem kept."""

    first: int
    lines: list[bytes | str]
    problems: dict[int, _FieldError]


def _raw_json_lines(stream: IO[Any], size: int) -> Iterator[_RawLines]:
    """The lines of ``stream`` by groups of ``size``; :func:`_raw_items` gives their items,
    the same as :func:`_json_items` would."""
    readline = stream.readline
    number = 0
    while True:
        first = number + 1
        lines: list[bytes | str] = []
        problems: dict[int, _FieldError] = {}
        append = lines.append
        for _ in range(size):
            raw = readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            number += 1
            if len(raw) > MAX_LINE_BYTES:
                problems[number] = _skip_long_line(raw, readline)
                raw = "\n" if type(raw) is str else b"\n"
            append(raw)
        if lines:
            yield _RawLines(first, lines, problems)
        if len(lines) < size:
            return


def _raw_items(lines: _RawLines) -> Iterator[tuple[int, _Item]]:
    number = lines.first - 1
    problems = lines.problems
    for raw in lines.lines:
        number += 1
        problem = problems.get(number) if problems else None
        if problem is None:
            text, problem = _decoded(raw)
        if problem is not None:
            yield number, problem
            continue
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        yield number, text


#: One line or row as read from the file: JSON Lines text, the fields of a CSV row, or
#: what made it unreadable.
_Item = str | dict[str, Any] | _FieldError


def _json_items(stream: IO[Any], state: _Reading) -> Iterator[tuple[int, _Item]]:
    lines = _Lines(stream)
    for text in lines:
        number = lines.number
        if lines.problems:
            problem = lines.problem(number, number)
            if problem is not None:
                yield number, problem
                continue
        yield number, text


def _csv_boolean(text: str, field: str) -> bool:
    if text == "true":
        return True
    if text in ("false", ""):
        return False
    raise _FieldError(field, text, "is not a boolean (true or false)")


def _csv_children(text: str) -> list[dict[str, Any]]:
    children: list[dict[str, Any]] = []
    if not text.strip():
        return children
    for index, item in enumerate(text.split(";")):
        parts = item.strip().split(":")
        if len(parts) > 4:
            raise _FieldError(
                f"children[{index}]",
                item,
                "has more than 4 parts (birth_date:custody:monthly_earnings:housing_aid)",
            )
        child: dict[str, Any] = {"birth_date": parts[0]}
        if len(parts) > 1 and parts[1]:
            child["custody"] = parts[1]
        if len(parts) > 2 and parts[2]:
            child["monthly_earnings"] = parts[2]
        if len(parts) > 3:
            child["housing_aid"] = _csv_boolean(parts[3], f"children[{index}].housing_aid")
        children.append(child)
    return children


def _csv_resources(text: str) -> str | dict[str, str]:
    if "=" not in text:
        return text
    by_year: dict[str, str] = {}
    for item in text.split(";"):
        year, equals, amount = item.strip().partition("=")
        if not equals:
            raise _FieldError(
                "resources", item, "is not of the form YEAR=AMOUNT (e.g. 2022=41000.00)"
            )
        if year in by_year:
            raise _FieldError(f"resources.{year}", amount, "is given twice")
        by_year[year] = amount
    return by_year


def _csv_items(stream: IO[Any], state: _Reading) -> Iterator[tuple[int, _Item]]:
    lines = _Lines(stream)
    reader = csv.reader(lines, strict=True)
    end = 0
    columns: dict[str, int] | None = None
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            row = None
            reason = f"is not a valid CSV row: {error}"
        end = lines.number
        problem = lines.problem(start, end) if lines.problems else None
        if problem is None and row is None:
            problem = _FieldError(None, "", reason)
        if columns is None:  # the header row
            if problem is None and row is not None:
                columns = _csv_header(row)
                if columns is None:
                    problem = _FieldError(None, ",".join(row), _csv_header_problem(row))
            if problem is not None:
                # Without a header no row can be read: always fatal, even with on_error.
                state.on_error = None
                state.fail(start, problem)
            continue
        if problem is not None:
            yield start, problem
            continue
        if not row:
            continue  # a blank line
        try:
            yield start, _csv_record(row, columns)
        except _FieldError as invalid:
            yield start, invalid


def _csv_record(row: list[str], columns: dict[str, int]) -> dict[str, Any]:
    if len(row) != len(columns):
        raise _FieldError(
            None, ",".join(row), f"has {len(row)} fields, the header has {len(columns)}"
        )
    data: dict[str, Any] = {
        "id": row[columns["id"]],
        "department": row[columns["department"]],
        "resources": _csv_resources(row[columns["resources"]]),
    }
    if "children" in columns:
        data["children"] = _csv_children(row[columns["children"]])
    if "mayotte_child_before_2012" in columns:
        data["mayotte_child_before_2012"] = _csv_boolean(
            row[columns["mayotte_child_before_2012"]], "mayotte_child_before_2012"
        )
    holder = [row[columns[name]] if name in columns else "" for name in _CSV_HOLDER]
    if any(holder):
        data["holder"] = {"name": holder[0], "iban": holder[1], "bic": holder[2] or None}
    return data


def _csv_header(header: list[str]) -> dict[str, int] | None:
    columns = {name: index for index, name in enumerate(header)}
    if len(columns) != len(header) or not columns.keys() >= _CSV_REQUIRED:
        return None
    if not columns.keys() <= set(CSV_COLUMNS):
        return None
    return columns


def _csv_header_problem(header: list[str]) -> str:
    names = set(header)
    if len(header) == 1 and ";" in header[0]:
        return "is not a comma-separated header: export the file as CSV with ',' separators"
    unknown = sorted(names - set(CSV_COLUMNS))
    if unknown:
        return f"has unknown column {unknown[0]!r} (columns: {', '.join(CSV_COLUMNS)})"
    missing = sorted(_CSV_REQUIRED - names)
    if missing:
        return f"lacks the required column {missing[0]!r}"
    return "names a column twice"


def read_numbered_households(
    source: HouseholdSource,
    format: Literal["jsonl", "csv"] | None = None,
    *,
    on_error: OnError | None = None,
) -> Iterator[tuple[int, Household]]:
    """Read households lazily, each with the line number where it starts.

    Like :func:`read_households`, for callers that report later problems (an entitlement
    that cannot be computed) against the line of the file.

    Args:
        source: a path, or a file open in text or binary mode.
        format: ``"jsonl"`` or ``"csv"``; by default from the path's extension.
        on_error: called with each :class:`~allocations.HouseholdFileError`, after which
            the line is skipped; by default the error is raised.

    Returns:
        An iterator of ``(line, household)``.

    Raises:
        HouseholdFileError: a line is invalid (and ``on_error`` is not given).
        InvalidInputError: the format cannot be told from the name.
        OSError: the file cannot be read.

    >>> import io
    >>> from allocations.adapters.households import read_numbered_households
    >>> lines = io.StringIO('{"id": "F-1", "department": "67", "resources": "55000.00"}\\n')
    >>> [(line, household.id) for line, household in read_numbered_households(lines, "jsonl")]
    [(1, 'F-1')]

    .. versionadded:: 0.1.0
    """
    name = _source_name(source)
    chosen = format if format is not None else detect_format(name)
    if chosen not in FORMATS:
        raise InvalidInputError(f"household file format must be 'jsonl' or 'csv', got {chosen!r}")
    state = _Reading(name, on_error)
    try:
        with _opened(source) as stream:
            for line, item in _items(stream, chosen, state):
                checked = state.check(item)
                if checked is None:
                    continue
                household_id, found = checked
                if type(found) is _FieldError:
                    state.accept(line, household_id, found)
                elif state.accept(line, household_id, None):
                    yield line, cast(Household, found)
    finally:
        state.seen.close()


@contextlib.contextmanager
def _opened(source: HouseholdSource) -> Iterator[IO[Any]]:
    """The stream of ``source``: opened (in binary) and closed here if it is a path."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            yield stream
    else:
        yield source


def _items(stream: IO[Any], format: str, state: _Reading) -> Iterator[tuple[int, _Item]]:
    """The numbered lines (JSON Lines) or rows (CSV) of ``stream``, for :meth:`_Reading.check`.

    Raises:
        HouseholdFileError: the CSV header is invalid (always fatal).
    """
    return _json_items(stream, state) if format == "jsonl" else _csv_items(stream, state)


def read_households(
    source: HouseholdSource,
    format: Literal["jsonl", "csv"] | None = None,
    *,
    on_error: OnError | None = None,
) -> Iterator[Household]:
    """Read households lazily from a JSON Lines or CSV file.

    Memory does not grow with the file: one line is held at a time, plus the duplicate-id
    index (at most 46 bytes per household, the ids themselves kept in a temporary file).
    The formats are described in the how-to *Household files*.

    Args:
        source: a path, or a file open in text or binary mode (``"-"`` is a path).
        format: ``"jsonl"`` or ``"csv"``; by default from the path's extension.
        on_error: called with each :class:`~allocations.HouseholdFileError`, after which
            the line is skipped; by default the first error is raised.

    Returns:
        An iterator of :class:`~allocations.Household`, in file order.

    Raises:
        HouseholdFileError: a line is invalid — bad JSON or CSV, an unknown or missing
            field, a bad value, a duplicate id — naming the line, the field and the value
            (raised while iterating, and only if ``on_error`` is not given).
        InvalidInputError: the format cannot be told from the name.
        OSError: the file cannot be read.

    >>> import io
    >>> from allocations.adapters.households import read_households
    >>> text = io.StringIO(
    ...     '{"id": "F-1", "department": "67", "resources": "55000.00",'
    ...     ' "children": [{"birth_date": "2012-03-01"}, {"birth_date": "2015-06-12"}]}\\n'
    ...     '{"id": "F-2", "department": "2A", "resources": {"2022": "41000.00"}}\\n'
    ... )
    >>> [(h.id, h.department.name, len(h.children)) for h in read_households(text, "jsonl")]
    [('F-1', 'Bas-Rhin', 2), ('F-2', 'Corse-du-Sud', 0)]
    >>> bad = io.StringIO('{"id": "F-3", "department": "67", "resources": 55000.5}\\n')
    >>> list(read_households(bad, "jsonl"))
    Traceback (most recent call last):
    ...
    allocations.errors.HouseholdFileError: <stream>:1: field 'resources': 55000.5 is a JSON number with a fraction: write amounts as strings, such as "55000.50" (binary floating point cannot hold every cent exactly)

    .. versionadded:: 0.1.0
    """
    for _, household in read_numbered_households(source, format, on_error=on_error):
        yield household


# --- writing ---------------------------------------------------------------------------


def _money(amount: Decimal) -> str:
    return format(amount, "f")


def household_to_record(household: Household) -> dict[str, Any]:
    """The JSON Lines record of a household (what :func:`read_households` reads back).

    Args:
        household: the household.

    Returns:
        A ``dict`` of JSON values; amounts are strings, optional fields at their default
        are left out.

    >>> from allocations import Household
    >>> from allocations.adapters.households import household_to_record
    >>> household_to_record(Household(id="F-1", department="2b", resources=Decimal("41000")))
    {'id': 'F-1', 'department': '2B', 'resources': '41000', 'children': []}

    .. versionadded:: 0.1.0
    """
    resources = household.resources
    record: dict[str, Any] = {
        "id": household.id,
        "department": household.department.code,
        "resources": (
            _money(resources.flat)
            if resources.flat is not None
            else {str(year): _money(amount) for year, amount in resources.by_year}
        ),
        "children": [],
    }
    for child in household.children:
        item: dict[str, Any] = {"birth_date": child.birth_date.isoformat()}
        if child.custody is not Custody.FULL:
            item["custody"] = child.custody.value
        if child.monthly_earnings != 0:
            item["monthly_earnings"] = _money(child.monthly_earnings)
        if child.housing_aid:
            item["housing_aid"] = True
        record["children"].append(item)
    if household.holder is not None:
        holder = household.holder
        record["holder"] = {"name": holder.name, "iban": holder.iban}
        if holder.bic is not None:
            record["holder"]["bic"] = holder.bic
    if household.mayotte_child_before_2012:
        record["mayotte_child_before_2012"] = True
    return record


def _csv_row(household: Household) -> list[str]:
    record = household_to_record(household)
    resources = record["resources"]
    children = ";".join(
        ":".join(
            [
                child["birth_date"],
                child.get("custody", ""),
                child.get("monthly_earnings", ""),
                "true" if child.get("housing_aid") else "",
            ]
        ).rstrip(":")
        for child in record["children"]
    )
    holder = record.get("holder", {})
    return [
        record["id"],
        record["department"],
        resources
        if isinstance(resources, str)
        else ";".join(f"{year}={amount}" for year, amount in resources.items()),
        children,
        holder.get("name", ""),
        holder.get("iban", ""),
        holder.get("bic", ""),
        "true" if household.mayotte_child_before_2012 else "",
    ]


def write_households(
    households: Iterable[Household], file: IO[str], format: Literal["jsonl", "csv"]
) -> int:
    """Write households to an open text file, in a format :func:`read_households` reads.

    Args:
        households: the households, written in order (streamed: nothing is held).
        file: a text file; for CSV open it with ``newline=""``.
        format: ``"jsonl"`` or ``"csv"`` (the CSV starts with the header row).

    Returns:
        The number of households written.

    Raises:
        InvalidInputError: ``format`` is neither.

    >>> import io
    >>> from allocations import Child, Household
    >>> from allocations.adapters.households import write_households
    >>> out = io.StringIO()
    >>> household = Household(id="F-9", department="974", resources=Decimal("18000.00"),
    ...                       children=(Child(birth_date=dt.date(2019, 4, 2)),))
    >>> write_households([household], out, "csv")
    1
    >>> print(out.getvalue().replace("\\r", ""), end="")
    id,department,resources,children,holder_name,holder_iban,holder_bic,mayotte_child_before_2012
    F-9,974,18000.00,2019-04-02,,,,

    .. versionadded:: 0.1.0
    """
    count = 0
    if format == "jsonl":
        encode = _ENCODER.encode
        for household in households:
            file.write(encode(household_to_record(household)))
            file.write("\n")
            count += 1
    elif format == "csv":
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for household in households:
            writer.writerow(_csv_row(household))
            count += 1
    else:
        raise InvalidInputError(f"household file format must be 'jsonl' or 'csv', got {format!r}")
    return count
