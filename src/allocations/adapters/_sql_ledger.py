"""What the SQLite and PostgreSQL ledgers share: the schema, the row codec, the algorithms.

Theory of operation. One table row per instruction (amounts in integer cents, dates and
timestamps as ISO text in UTC, a 16-byte content digest), one immutable row per state change
in ``state_events``. The recording itself is the instruction row (``recorded_at``): it is
event 0 of the history, so recording writes one row per instruction and no event. The row
also carries ``state``/``state_since``, a *projection* of its last event kept in the same
transaction (``planned`` and no ``state_since`` until the first change), so that the
database itself can enforce "one live REGULAR payment per beneficiary, benefit and month"
with a partial unique index, and count or select by state without replaying history. The
events table is the truth; the shared test suite checks that the projection agrees with it.

Recording a batch: compute every end-to-end id and digest in Python (or take them from the
instructions, which carry them once derived), then in one write transaction insert the rows
with ``executemany``: three B-tree insertions per row (the end-to-end id, the key order,
the live REGULAR slot). When some of the batch may already be recorded (a re-run), the
stored digests of the batch's ids are read in bulk first (a few ``IN`` queries per batch,
in id order) and compared in Python: equal is ``EXISTS``, different raises; a re-run of the
same batch writes nothing.

Subclasses provide the connection, the write transaction, the bulk insert and the SQL
dialect (placeholders, types, row locks).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from allocations.errors import DuplicatePaymentError, LedgerError
from allocations.payments import (
    FileAllocation,
    InstructionState,
    Ledger,
    LedgerEntry,
    PaymentBlock,
    PaymentFile,
    PaymentInstruction,
    PaymentKind,
    PaymentSummary,
    RecordOutcome,
    RunEvent,
    StateChange,
    StateEvent,
    TransitionResult,
)
from allocations.payments._batch import PlannedBatch
from allocations.payments._instruction import PLAIN_FIELDS, plain_values, restore_instruction
from allocations.payments._ledger import (
    Clock,
    InstructionRef,
    LifecyclePosition,
    as_change_list,
    as_instruction_list,
    block_reuses_error,
    canonical_payload,
    check_event_kind,
    conflict_error,
    dedupe_batch,
    duplicate_regular_error,
    end_to_end_id_of,
    file_conflict,
    file_reuses_error,
    outcomes_in_order,
    plan_changes,
    recording_event,
    regular_slot,
    resolve_time,
    unknown,
)
from allocations.periods import Month
from allocations.territory import Department

__all__ = ["SCHEMA_VERSION", "SqlLedger"]

#: The version of the ledger's tables; a database of another version is refused.
#: Version 2: no ``state``/``state_since`` written at recording (default ``planned``, and
#: ``state_since`` empty until the first state change).
SCHEMA_VERSION = 2

T = TypeVar("T")

# The schema, with ``{text}`` for key columns (PostgreSQL: byte-order collation, so that
# ORDER BY matches Python's code-point order), ``{bytes}`` and ``{serial}``.
SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS instructions (
    end_to_end_id {text} PRIMARY KEY,
    beneficiary_id {text} NOT NULL,
    benefit {text} NOT NULL,
    period {text} NOT NULL,
    kind {text} NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt BETWEEN 1 AND 99),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    creditor_name TEXT NOT NULL,
    creditor_iban TEXT NOT NULL,
    creditor_bic TEXT,
    requested_execution_date TEXT NOT NULL,
    remittance_information TEXT NOT NULL,
    department TEXT,
    content_digest {bytes} NOT NULL,
    recorded_at TEXT NOT NULL,
    state {text} NOT NULL DEFAULT 'planned',
    state_since TEXT,
    UNIQUE (period, beneficiary_id, benefit, kind, attempt)
);
CREATE UNIQUE INDEX IF NOT EXISTS instructions_live_regular
    ON instructions (beneficiary_id, benefit, period)
    WHERE kind = 'regular' AND state NOT IN ('rejected', 'returned');
CREATE TABLE IF NOT EXISTS state_events (
    end_to_end_id {text} NOT NULL REFERENCES instructions (end_to_end_id),
    sequence INTEGER NOT NULL CHECK (sequence >= 1),
    from_state {text} NOT NULL,
    to_state {text} NOT NULL,
    at TEXT NOT NULL,
    reason TEXT,
    reference TEXT,
    PRIMARY KEY (end_to_end_id, sequence),
    UNIQUE (end_to_end_id, to_state)
);
CREATE TABLE IF NOT EXISTS payment_files (
    message_id {text} PRIMARY KEY,
    period {text} NOT NULL,
    sequence_number INTEGER NOT NULL,
    requested_execution_date TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payment_blocks (
    payment_information_id {text} PRIMARY KEY,
    message_id {text} NOT NULL REFERENCES payment_files (message_id),
    position INTEGER NOT NULL,
    UNIQUE (message_id, position)
);
CREATE TABLE IF NOT EXISTS file_entries (
    end_to_end_id {text} PRIMARY KEY REFERENCES instructions (end_to_end_id),
    message_id {text} NOT NULL REFERENCES payment_files (message_id),
    block_position INTEGER NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (message_id, block_position, position)
);
CREATE TABLE IF NOT EXISTS run_events (
    sequence {serial} PRIMARY KEY,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    payload TEXT NOT NULL,
    at TEXT NOT NULL
);
"""

#: The columns written when an instruction is recorded, in :func:`instruction_rows` order:
#: the instruction's plain values, then the recording time.
RECORDED_COLUMNS = ", ".join((*PLAIN_FIELDS, "recorded_at"))
#: The columns :class:`EntryReader` reads: the recorded ones, the state and its time.
INSTRUCTION_COLUMNS = f"{RECORDED_COLUMNS}, state, COALESCE(state_since, recorded_at)"
_ORDER = "period, beneficiary_id, benefit, kind, attempt"
# The distinct months recorded, one index seek each (a "loose index scan" of the key index).
_RECORDED_MONTHS = (
    "period IN (WITH RECURSIVE months (month) AS ("
    "SELECT MIN(period) FROM instructions UNION ALL "
    "SELECT (SELECT MIN(period) FROM instructions WHERE period > month) FROM months "
    "WHERE month IS NOT NULL) SELECT month FROM months WHERE month IS NOT NULL)"
)
_PAGE_SIZE = 5000
_DEAD = "('rejected', 'returned')"


class Cursor(Protocol):
    """The part of a DB-API cursor the ledgers use (sqlite3 and psycopg agree on it)."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: Any, params: Any = ..., /) -> Any: ...

    def executemany(self, sql: Any, params: Any, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


def encode_time(at: dt.datetime) -> str:
    """A UTC time as fixed-width ISO text (sorts as text, reads back exactly)."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def decode_time(text: str) -> dt.datetime:
    """The inverse of :func:`encode_time`."""
    return dt.datetime.fromisoformat(text)


def _month(text: str) -> Month:
    return Month(int(text[:4]), int(text[5:7]))


_STATES = {state.value: state for state in InstructionState}
#: The states an instruction has reached when recorded.
_RECORDED = frozenset({InstructionState.PLANNED})
#: Events inserted by one statement: 7 parameters each, 980 in all (older SQLite builds take
#: at most 999).
_EVENTS_PER_INSERT = 140


@functools.lru_cache(maxsize=4)
def _insert_events(count: int) -> str:
    """The statement inserting ``count`` events (one statement for many rows is cheaper)."""
    return (
        "INSERT INTO state_events (end_to_end_id, sequence, from_state, to_state, at, reason, "
        f"reference) VALUES {', '.join(['(?, ?, ?, ?, ?, ?, ?)'] * count)}"
    )


def _state(value: str) -> InstructionState:
    """The state stored as ``value`` (a dict look-up: ``InstructionState(value)`` is slower)."""
    return _STATES.get(value) or InstructionState(value)


_BITS = {state.value: 1 << index for index, state in enumerate(InstructionState)}


def _bit(value: str) -> int:
    """The state stored as ``value`` as one bit of a set of states (an int: no allocation)."""
    return _BITS.get(value) or _BITS[InstructionState(value).value]


def _states_of(bits: int) -> frozenset[InstructionState]:
    """The set of states whose bits are in ``bits``."""
    return frozenset(state for state in InstructionState if bits & _BITS[state.value])


def instruction_rows(
    instructions: Iterable[PaymentInstruction], recorded_at: str
) -> list[tuple[Any, ...]]:
    """The rows of new instructions, in :data:`RECORDED_COLUMNS` order: their plain values
    (:func:`~allocations.payments._instruction.plain_values`) and the recording time."""
    tail = (recorded_at,)
    return [plain_values(instruction) + tail for instruction in instructions]


class EntryReader:
    """Turns ``instructions`` rows into :class:`LedgerEntry` values.

    The rows were validated when recorded, so instructions are restored without a second
    validation (:func:`~allocations.payments._instruction.restore_instruction`), and the few
    distinct months, départements, dates and times of a result are parsed once each.
    """

    def __init__(self) -> None:
        self._months: dict[str, Month] = {}
        self._departments: dict[str, Department] = {}
        self._dates: dict[str, dt.date] = {}
        self._times: dict[str, dt.datetime] = {}

    def _time(self, text: str) -> dt.datetime:
        value = self._times.get(text)
        if value is None:
            value = self._times[text] = decode_time(text)
        return value

    def entry(self, row: Sequence[Any]) -> LedgerEntry:
        """The entry of one row (all columns, in :data:`INSTRUCTION_COLUMNS` order)."""
        (
            e2e,
            beneficiary_id,
            benefit,
            period,
            kind,
            attempt,
            amount_cents,
            name,
            iban,
            bic,
            execution_date,
            remittance,
            department,
            digest,
            recorded_at,
            state,
            state_since,
        ) = row
        month = self._months.get(period)
        if month is None:
            month = self._months[period] = _month(period)
        day = self._dates.get(execution_date)
        if day is None:
            day = self._dates[execution_date] = dt.date.fromisoformat(execution_date)
        place = None
        if department is not None:
            place = self._departments.get(department)
            if place is None:
                place = self._departments[department] = Department(department)
        instruction = restore_instruction(
            end_to_end_id=e2e,
            beneficiary_id=beneficiary_id,
            benefit=benefit,
            period=month,
            kind=PaymentKind(kind),
            attempt=attempt,
            amount=Decimal(amount_cents).scaleb(-2),
            creditor_name=name,
            creditor_iban=iban,
            creditor_bic=bic,
            requested_execution_date=day,
            remittance_information=remittance,
            department=place,
            content_digest=bytes(digest),
        )
        return LedgerEntry(
            instruction, InstructionState(state), self._time(recorded_at), self._time(state_since)
        )


def _event_from_row(row: Sequence[Any]) -> StateEvent:
    e2e, sequence, from_state, to_state, at, reason, reference = row
    return StateEvent(
        e2e,
        sequence,
        InstructionState(from_state),
        InstructionState(to_state),
        decode_time(at),
        reason,
        reference,
    )


class SqlLedger(Ledger):
    """The shared part of the database ledgers (not usable on its own)."""

    #: Exceptions the driver raises for a constraint violation.
    integrity_errors: tuple[type[Exception], ...] = ()
    #: Appended to the SELECT that reads instructions before changing their state.
    lock_clause = ""

    def __init__(self, *, clock: Clock | None) -> None:
        self._clock = clock
        self._closed = False

    # -- what a dialect provides ---------------------------------------------------------

    def _write(self, work: Callable[[Cursor], T]) -> T:
        """Run ``work`` in one write transaction; roll back if it raises."""
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one read-only query and return all its rows."""
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        """``sql`` with the driver's placeholders (written here with ``?``)."""
        return sql

    def _in(self, column: str, count: int) -> str:
        """A predicate ``column IN (...)`` for ``count`` parameters."""
        return f"{column} IN ({', '.join('?' * count)})"

    #: How many values one ``IN`` predicate takes.
    in_chunk = 500

    def _insert_instructions(self, cursor: Cursor, rows: list[tuple[Any, ...]]) -> set[str]:
        """Insert new rows; return the end-to-end ids actually inserted.

        Raises:
            an ``integrity_errors`` member: a row would be a second live REGULAR payment.
        """
        raise NotImplementedError

    def _insert_if_all_new(
        self,
        cursor: Cursor,
        ids: list[str],
        rows_of: Callable[[list[str]], list[tuple[Any, ...]]],
    ) -> set[str] | None:
        """A shortcut for a batch that is entirely new: insert it, return its ids.

        Returns ``None`` (and writes nothing) when the batch may hold recorded instructions;
        the caller then compares digests first.
        """
        return None

    def _insert_order(
        self, unique: dict[str, PaymentInstruction], new: list[str]
    ) -> list[PaymentInstruction]:
        """The new instructions (``new``: their ids, sorted) in the order they are written.

        The caller's order by default: a run's batches are in payment order, and a batch of
        consecutive households touches the key index in one place.
        """
        if len(new) == len(unique):
            return list(unique.values())
        wanted = set(new)
        return [instruction for e2e, instruction in unique.items() if e2e in wanted]

    def _close_connection(self) -> None:
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------

    def _create_tables(self, cursor: Cursor, ddl: str) -> None:
        """Create the tables if needed (idempotent) and check the schema version.

        Raises:
            LedgerError: the database holds another version of the schema.
        """
        for statement in ddl.split(";"):
            if statement.strip():
                cursor.execute(statement)
        cursor.execute("SELECT version FROM schema_version")
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                self._sql("INSERT INTO schema_version (singleton, version) VALUES (1, ?)"),
                (SCHEMA_VERSION,),
            )
        elif row[0] != SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger's schema is version {row[0]}; this library reads version "
                f"{SCHEMA_VERSION}"
            )

    def _open(self) -> None:
        if self._closed:
            raise LedgerError("this ledger is closed")

    def _select_in(
        self,
        cursor: Cursor | None,
        sql: str,
        column: str,
        values: Sequence[Any],
        params: Sequence[Any] = (),
    ) -> list[Any]:
        """Rows of ``sql`` (with ``{predicate}``) for ``values`` of ``column``, chunked."""
        rows: list[Any] = []
        for start in range(0, len(values), self.in_chunk):
            chunk = list(values[start : start + self.in_chunk])
            query = self._sql(sql.format(predicate=self._in(column, len(chunk))))
            arguments = [*params, *self._in_params(chunk)]
            if cursor is None:
                rows.extend(self._read(query, arguments))
            else:
                cursor.execute(query, arguments)
                rows.extend(cursor.fetchall())
        return rows

    def _in_params(self, chunk: list[Any]) -> list[Any]:
        return chunk

    def _entries_by_id(self, cursor: Cursor | None, ids: Sequence[str]) -> dict[str, LedgerEntry]:
        rows = self._select_in(
            cursor,
            f"SELECT {INSTRUCTION_COLUMNS} FROM instructions WHERE {{predicate}}",
            "end_to_end_id",
            ids,
        )
        reader = EntryReader()
        return {row[0]: reader.entry(row) for row in rows}

    def _all_recorded_alike(
        self, cursor: Cursor, ids: list[str], digest_of: Callable[[str], bytes]
    ) -> bool:
        """Whether every id (sorted) is recorded with the digest of its instruction.

        The re-run of a batch, the common case after a crash: only the stored digests are
        read, in id order, and compared as two lists.
        """
        for start in range(0, len(ids), self.in_chunk):
            chunk = ids[start : start + self.in_chunk]
            cursor.execute(
                self._sql(
                    "SELECT content_digest FROM instructions "
                    f"WHERE {self._in('end_to_end_id', len(chunk))} ORDER BY end_to_end_id"
                ),
                self._in_params(chunk),
            )
            stored = [bytes(row[0]) for row in cursor.fetchall()]
            if stored != [digest_of(e2e) for e2e in chunk]:
                return False
        return True

    def _live_regular_conflict(
        self, new: Iterable[PaymentInstruction]
    ) -> DuplicatePaymentError | None:
        """After an integrity error: which new REGULAR instruction met a live one."""
        wanted = {slot: i for i in new if (slot := regular_slot(i.key)) is not None}
        rows = self._select_in(
            None,
            "SELECT beneficiary_id, benefit, period, end_to_end_id FROM instructions "
            f"WHERE kind = 'regular' AND state NOT IN {_DEAD} AND {{predicate}}",
            "beneficiary_id",
            sorted({slot[0] for slot in wanted}),
        )
        for beneficiary_id, benefit, period, e2e in rows:
            instruction = wanted.get((beneficiary_id, benefit, _month(period)))
            if instruction is not None and instruction.end_to_end_id != e2e:
                return duplicate_regular_error(e2e, instruction)
        return None

    # -- writing ---------------------------------------------------------------------------

    def record(
        self, instructions: Iterable[PaymentInstruction], *, at: dt.datetime | None = None
    ) -> list[RecordOutcome]:
        """See :meth:`allocations.Ledger.record`."""
        self._open()
        if type(instructions) is PlannedBatch and instructions.distinct:
            outcomes = self._record_planned(instructions, at)
            if outcomes is not None:
                return outcomes
        batch = as_instruction_list(instructions)
        unique = dedupe_batch(batch)
        if not unique:
            return []
        # Look-ups in id order (index pages visited in order); insertions in the order of
        # _insert_order.
        ids = sorted(unique)

        def check_existing(cursor: Cursor, candidates: list[str]) -> list[str]:
            stored = dict(
                self._select_in(
                    cursor,
                    "SELECT end_to_end_id, content_digest FROM instructions WHERE {predicate}",
                    "end_to_end_id",
                    candidates,
                )
            )
            differing = [
                e2e
                for e2e in candidates
                if e2e in stored and bytes(stored[e2e]) != unique[e2e].content_digest()
            ]
            if differing:
                recorded = self._entries_by_id(cursor, differing[:1])[differing[0]]
                raise conflict_error(recorded.instruction, unique[differing[0]])
            return [e2e for e2e in candidates if e2e not in stored]

        def rows_of(new: list[str]) -> list[tuple[Any, ...]]:
            recorded_at = encode_time(resolve_time(at, self._clock))
            return instruction_rows(self._insert_order(unique, new), recorded_at)

        def work(cursor: Cursor) -> set[str]:
            fresh = self._insert_if_all_new(cursor, ids, rows_of)
            if fresh is not None:
                return fresh
            if self._all_recorded_alike(cursor, ids, lambda e2e: unique[e2e].content_digest()):
                return set()
            new = check_existing(cursor, ids)
            if not new:
                return set()
            rows = rows_of(new)
            inserted = self._insert_instructions(cursor, rows)
            raced = [e2e for e2e in new if e2e not in inserted]
            if raced:  # another worker recorded them since our look-up: compare again
                missing = check_existing(cursor, raced)
                if missing:
                    raise LedgerError(f"instructions {missing[:3]} were neither inserted nor found")
            return inserted

        try:
            created = self._write(work)
        except self.integrity_errors as error:
            conflict = self._live_regular_conflict(unique.values())
            if conflict is not None:
                raise conflict from None
            raise LedgerError(f"the ledger refused the batch: {error}") from error
        return outcomes_in_order(batch, created)

    def _record_planned(
        self, batch: PlannedBatch, at: dt.datetime | None
    ) -> list[RecordOutcome] | None:
        """The two cases of a national run, recorded from a batch's plain values.

        A batch entirely new (a first run) or entirely recorded alike (a re-run) is settled
        without rebuilding one instruction; ``None`` (nothing written) for anything else —
        part of the batch recorded, other content, a second live REGULAR payment — which
        :meth:`record` then settles on the instructions, with its precise errors.
        """
        rows = batch.rows
        if not rows:
            return []
        digests = {row[0]: row[-1] for row in rows}
        ids = sorted(digests)

        def rows_of(new: list[str]) -> list[tuple[Any, ...]]:
            tail = (encode_time(resolve_time(at, self._clock)),)
            return [row + tail for row in rows]  # new is every id: the batch is distinct

        def work(cursor: Cursor) -> RecordOutcome | None:
            if self._insert_if_all_new(cursor, ids, rows_of) is not None:
                return RecordOutcome.CREATED
            if self._all_recorded_alike(cursor, ids, digests.__getitem__):
                return RecordOutcome.EXISTS
            return None

        try:
            outcome = self._write(work)
        except self.integrity_errors:  # rolled back; record() names the conflict
            return None
        return None if outcome is None else [outcome] * len(rows)

    def transition_many(
        self, changes: Iterable[StateChange], *, at: dt.datetime | None = None
    ) -> list[TransitionResult]:
        """See :meth:`allocations.Ledger.transition_many`."""
        self._open()
        batch = as_change_list(changes)
        if not batch:
            return []
        # dict.fromkeys keeps the batch's order, often sorted already: then sorting is one pass.
        ids = sorted(dict.fromkeys([change.end_to_end_id for change in batch]))

        def work(cursor: Cursor) -> list[TransitionResult]:
            positions = self._positions(cursor, ids)
            results = plan_changes(batch, positions, lambda: resolve_time(at, self._clock))
            self._append_events(cursor, [r.event for r in results if r.event is not None])
            return results

        return self._write(work)

    def _positions(self, cursor: Cursor, ids: list[str]) -> dict[str, LifecyclePosition]:
        """Where the recorded instructions among ``ids`` (sorted) stand; their rows locked.

        One look-up of the projection, then of the events of the instructions that have
        changed state since their recording only: an empty ``state_since`` means no event
        yet (the common case: a file's instructions about to be marked ``in_file``).
        """
        positions: dict[str, LifecyclePosition] = {}
        unmoved: dict[str, LifecyclePosition] = {}  # one position per stored state
        moved: dict[str, str] = {}
        for e2e, state, fresh in self._select_in(
            cursor,
            "SELECT end_to_end_id, state, state_since IS NULL FROM instructions "
            f"WHERE {{predicate}} ORDER BY end_to_end_id{self.lock_clause}",
            "end_to_end_id",
            ids,
        ):
            if fresh:
                position = unmoved.get(state)
                if position is None:
                    position = unmoved[state] = LifecyclePosition(_state(state), _RECORDED, 0)
                positions[e2e] = position
            else:
                moved[e2e] = state
        if not moved:
            return positions
        # The states each instruction reached, as bits: the instructions of a file or of a
        # bank report went the same way, and share one position per distinct history.
        reached = dict.fromkeys(moved, _BITS[InstructionState.PLANNED.value])
        last = dict.fromkeys(moved, 0)
        for e2e, sequence, to_state in self._select_in(
            cursor,
            "SELECT end_to_end_id, sequence, to_state FROM state_events WHERE {predicate}",
            "end_to_end_id",
            list(moved),
        ):
            reached[e2e] |= _bit(to_state)
            last[e2e] = max(last[e2e], sequence)
        histories: dict[tuple[str, int, int], LifecyclePosition] = {}
        for e2e, state in moved.items():
            history = (state, reached[e2e], last[e2e])
            position = histories.get(history)
            if position is None:
                position = histories[history] = LifecyclePosition(
                    _state(state), _states_of(history[1]), history[2]
                )
            positions[e2e] = position
        return positions

    def _append_events(self, cursor: Cursor, events: list[StateEvent]) -> None:
        """Insert ``events`` and move each instruction's projection to its last event."""
        if not events:
            return
        times: dict[dt.datetime, str] = {}  # a batch has one time, or a few: encode once
        # The events in key order (a stable sort: one instruction's stay in sequence order),
        # so that their indexes are walked once from left to right; several rows a statement.
        in_key_order = sorted(events, key=operator.attrgetter("end_to_end_id"))
        for start in range(0, len(in_key_order), _EVENTS_PER_INSERT):
            chunk = in_key_order[start : start + _EVENTS_PER_INSERT]
            values: list[Any] = []
            for event in chunk:
                at = times.get(event.at)
                if at is None:
                    at = times[event.at] = encode_time(event.at)
                from_state = event.from_state
                values += (
                    event.end_to_end_id,
                    event.sequence,
                    None if from_state is None else from_state._value_,
                    event.to_state._value_,
                    at,
                    event.reason,
                    event.reference,
                )
            cursor.execute(self._sql(_insert_events(len(chunk))), values)
        # The projection, in the batch's order: a run marks a file's instructions in the
        # order it recorded them, so the table's rows are rewritten from left to right.
        last = {event.end_to_end_id: event for event in events}
        cursor.executemany(
            self._sql("UPDATE instructions SET state = ?, state_since = ? WHERE end_to_end_id = ?"),
            ((event.to_state._value_, times[event.at], e2e) for e2e, event in last.items()),
        )

    def allocate_file(self, file: PaymentFile) -> FileAllocation:
        """See :meth:`allocations.Ledger.allocate_file`."""
        self._open()
        if not isinstance(file, PaymentFile):
            raise TypeError(f"allocate_file takes a PaymentFile, got {file!r}")
        for _ in range(3):
            try:
                return self._write(lambda cursor: self._allocate_file(cursor, file))
            except self.integrity_errors:
                continue  # another worker allocated the same file meanwhile: look again
        raise LedgerError(f"file {file.message_id} could not be allocated (constraint conflicts)")

    def _allocate_file(self, cursor: Cursor, file: PaymentFile) -> FileAllocation:
        recorded = self._load_files(cursor, "message_id = ?", [file.message_id])
        if recorded:
            if recorded[0].differing_fields(file):
                raise file_conflict(recorded[0], file)
            return FileAllocation(recorded[0], RecordOutcome.EXISTS)
        block_ids = [block.payment_information_id for block in file.blocks]
        used = dict(
            self._select_in(
                cursor,
                "SELECT payment_information_id, message_id FROM payment_blocks WHERE {predicate}",
                "payment_information_id",
                block_ids,
            )
        )
        for block_id in block_ids:
            if block_id in used:
                raise block_reuses_error(file, block_id, used[block_id])
        e2e_ids = file.end_to_end_ids
        known = {
            row[0]
            for row in self._select_in(
                cursor,
                "SELECT end_to_end_id FROM instructions WHERE {predicate}",
                "end_to_end_id",
                e2e_ids,
            )
        }
        for e2e in e2e_ids:
            if e2e not in known:
                raise unknown(e2e)
        taken = dict(
            self._select_in(
                cursor,
                "SELECT end_to_end_id, message_id FROM file_entries WHERE {predicate}",
                "end_to_end_id",
                e2e_ids,
            )
        )
        for e2e in e2e_ids:
            if e2e in taken:
                raise file_reuses_error(file, e2e, taken[e2e])
        cursor.execute(
            self._sql(
                "INSERT INTO payment_files (message_id, period, sequence_number, "
                "requested_execution_date, created_at) VALUES (?, ?, ?, ?, ?)"
            ),
            (
                file.message_id,
                str(file.period),
                file.sequence_number,
                file.requested_execution_date.isoformat(),
                encode_time(file.created_at),
            ),
        )
        cursor.executemany(
            self._sql(
                "INSERT INTO payment_blocks (payment_information_id, message_id, position) "
                "VALUES (?, ?, ?)"
            ),
            [
                (block.payment_information_id, file.message_id, index)
                for index, block in enumerate(file.blocks)
            ],
        )
        cursor.executemany(
            self._sql(
                "INSERT INTO file_entries (end_to_end_id, message_id, block_position, position) "
                "VALUES (?, ?, ?, ?)"
            ),
            [
                (e2e, file.message_id, block_index, index)
                for block_index, block in enumerate(file.blocks)
                for index, e2e in enumerate(block.end_to_end_ids)
            ],
        )
        return FileAllocation(file, RecordOutcome.CREATED)

    def record_event(
        self,
        kind: str,
        period: Month,
        payload: Mapping[str, Any],
        *,
        at: dt.datetime | None = None,
    ) -> RunEvent:
        """See :meth:`allocations.Ledger.record_event`."""
        self._open()
        check_event_kind(kind)
        if not isinstance(period, Month):
            raise TypeError(f"period must be a Month, got {period!r}")
        text = canonical_payload(payload)
        when = resolve_time(at, self._clock)

        def work(cursor: Cursor) -> int:
            cursor.execute(
                self._sql(
                    "INSERT INTO run_events (kind, period, payload, at) VALUES (?, ?, ?, ?) "
                    "RETURNING sequence"
                ),
                (kind, str(period), text, encode_time(when)),
            )
            sequence: int = cursor.fetchone()[0]
            return sequence

        return RunEvent(self._write(work), kind, period, text, when)

    # -- reading ---------------------------------------------------------------------------

    def get(self, ref: InstructionRef) -> LedgerEntry:
        """See :meth:`allocations.Ledger.get`."""
        self._open()
        e2e = end_to_end_id_of(ref)
        entry = self._entries_by_id(None, [e2e]).get(e2e)
        if entry is None:
            raise unknown(ref)
        return entry

    def history(self, ref: InstructionRef) -> tuple[StateEvent, ...]:
        """See :meth:`allocations.Ledger.history`."""
        entry = self.get(ref)
        rows = self._read(
            self._sql(
                "SELECT end_to_end_id, sequence, from_state, to_state, at, reason, reference "
                "FROM state_events WHERE end_to_end_id = ? ORDER BY sequence"
            ),
            [entry.end_to_end_id],
        )
        first = recording_event(entry.end_to_end_id, entry.recorded_at)
        return (first, *(_event_from_row(row) for row in rows))

    def instructions(
        self,
        *,
        period: Month | None = None,
        kind: PaymentKind | None = None,
        state: InstructionState | None = None,
        department: Department | None = None,
        beneficiary_id: str | None = None,
        benefit: str | None = None,
    ) -> Iterator[LedgerEntry]:
        """See :meth:`allocations.Ledger.instructions`."""
        self._open()
        filters: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("period", None if period is None else str(period)),
            ("kind", None if kind is None else PaymentKind(kind).value),
            ("state", None if state is None else InstructionState(state).value),
            ("department", None if department is None else Department(department).code),
            ("beneficiary_id", beneficiary_id),
            ("benefit", benefit),
        ):
            if value is not None:
                filters.append(f"{column} = ?")
                params.append(value)
        if beneficiary_id is not None and period is None:
            # One beneficiary's history through the key index, month by month (there is no
            # index on the beneficiary alone: it would cost every recording a fourth index
            # insertion for a rare question).
            filters.append(_RECORDED_MONTHS)
        return self._pages(filters, params)

    def _pages(self, filters: list[str], params: list[Any]) -> Iterator[LedgerEntry]:
        # Keyset pagination in key order: no cursor stays open between two yields, so the
        # caller may write to the ledger while iterating.
        after: tuple[Any, ...] | None = None
        reader = EntryReader()
        while True:
            conditions = list(filters)
            arguments = list(params)
            if after is not None:
                conditions.append(f"({_ORDER}) > (?, ?, ?, ?, ?)")
                arguments.extend(after)
            where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
            rows = self._read(
                self._sql(
                    f"SELECT {INSTRUCTION_COLUMNS} FROM instructions {where} "
                    f"ORDER BY {_ORDER} LIMIT {_PAGE_SIZE}"
                ),
                arguments,
            )
            for row in rows:
                yield reader.entry(row)
            if len(rows) < _PAGE_SIZE:
                return
            last = rows[-1]
            after = (last[3], last[1], last[2], last[4], last[5])

    def count_by_state(self, period: Month | None = None) -> dict[InstructionState, int]:
        """See :meth:`allocations.Ledger.count_by_state`."""
        self._open()
        where, params = ("WHERE period = ?", [str(period)]) if period is not None else ("", [])
        counts = dict.fromkeys(InstructionState, 0)
        for state, count in self._read(
            self._sql(f"SELECT state, COUNT(*) FROM instructions {where} GROUP BY state"), params
        ):
            counts[InstructionState(state)] = int(count)
        return counts

    #: How many payments :meth:`live_regular` reads per query.
    live_regular_page = 10_000

    def live_regular(
        self, period: Month, *, benefit: str | None = None
    ) -> Iterator[PaymentSummary]:
        """See :meth:`allocations.Ledger.live_regular`.

        Read in pages of :attr:`live_regular_page` in beneficiary order (one query each,
        resuming after the last beneficiary and benefit read), so that a month of a million
        payments is never in memory at once.
        """
        self._open()
        if not isinstance(period, Month):
            raise TypeError(f"period must be a Month, got {period!r}")
        return self._live_regular_pages(period, benefit)

    def _live_regular_pages(self, period: Month, benefit: str | None) -> Iterator[PaymentSummary]:
        select = (
            "SELECT end_to_end_id, beneficiary_id, benefit, attempt, amount_cents, department, "
            "state FROM instructions WHERE kind = 'regular' AND period = ? "
            f"AND state NOT IN {_DEAD}" + (" AND benefit = ?" if benefit else "")
        )
        first = [str(period), *([benefit] if benefit else [])]
        page = self.live_regular_page
        departments: dict[str, Department] = {}
        after: list[Any] = []
        while True:
            # (beneficiary id, benefit) is unique among a month's live REGULAR payments (the
            # live-slot index): resuming after the last pair read skips and repeats nothing.
            rows = self._read(
                self._sql(
                    select
                    + (" AND (beneficiary_id, benefit) > (?, ?)" if after else "")
                    + " ORDER BY beneficiary_id, benefit LIMIT ?"
                ),
                [*first, *after, page],
            )
            for e2e, beneficiary_id, row_benefit, attempt, cents, department, state in rows:
                found = None
                if department is not None:
                    found = departments.get(department)
                    if found is None:
                        found = departments[department] = Department(department)
                yield PaymentSummary(
                    e2e,
                    beneficiary_id,
                    row_benefit,
                    period,
                    PaymentKind.REGULAR,
                    attempt,
                    Decimal(cents).scaleb(-2),
                    found,
                    InstructionState(state),
                )
            if len(rows) < page:
                return
            after = [rows[-1][1], rows[-1][2]]

    def _load_files(
        self, cursor: Cursor | None, where: str, params: Sequence[Any]
    ) -> list[PaymentFile]:
        query = self._sql(
            "SELECT message_id, period, sequence_number, requested_execution_date, created_at "
            f"FROM payment_files WHERE {where} ORDER BY period, sequence_number, message_id"
        )
        if cursor is None:
            headers = self._read(query, params)
        else:
            cursor.execute(query, list(params))
            headers = cursor.fetchall()
        if not headers:
            return []
        message_ids = [row[0] for row in headers]
        blocks: dict[str, list[tuple[int, str]]] = {}
        for block_id, message_id, position in self._select_in(
            cursor,
            "SELECT payment_information_id, message_id, position FROM payment_blocks "
            "WHERE {predicate}",
            "message_id",
            message_ids,
        ):
            blocks.setdefault(message_id, []).append((position, block_id))
        entries: dict[tuple[str, int], list[tuple[int, str]]] = {}
        for e2e, message_id, block_position, position in self._select_in(
            cursor,
            "SELECT end_to_end_id, message_id, block_position, position FROM file_entries "
            "WHERE {predicate}",
            "message_id",
            message_ids,
        ):
            entries.setdefault((message_id, block_position), []).append((position, e2e))
        return [
            PaymentFile(
                message_id=message_id,
                period=_month(period),
                sequence_number=sequence_number,
                requested_execution_date=dt.date.fromisoformat(execution_date),
                blocks=[
                    PaymentBlock(
                        block_id,
                        [e2e for _, e2e in sorted(entries[(message_id, block_position)])],
                    )
                    for block_position, block_id in sorted(blocks[message_id])
                ],
                created_at=decode_time(created_at),
            )
            for message_id, period, sequence_number, execution_date, created_at in headers
        ]

    def files(self, *, period: Month | None = None) -> Iterator[PaymentFile]:
        """See :meth:`allocations.Ledger.files`."""
        self._open()
        if period is None:
            return iter(self._load_files(None, "1 = 1", []))
        return iter(self._load_files(None, "period = ?", [str(period)]))

    def run_events(
        self, *, period: Month | None = None, kind: str | None = None
    ) -> Iterator[RunEvent]:
        """See :meth:`allocations.Ledger.run_events`."""
        self._open()
        conditions = ["1 = 1"]
        params: list[Any] = []
        if period is not None:
            conditions.append("period = ?")
            params.append(str(period))
        if kind is not None:
            conditions.append("kind = ?")
            params.append(kind)
        rows = self._read(
            self._sql(
                "SELECT sequence, kind, period, payload, at FROM run_events "
                f"WHERE {' AND '.join(conditions)} ORDER BY sequence"
            ),
            params,
        )
        return iter(
            [
                RunEvent(sequence, row_kind, _month(row_period), payload, decode_time(at))
                for sequence, row_kind, row_period, payload, at in rows
            ]
        )

    def close(self) -> None:
        """Close the database connection; further use raises :class:`~allocations.LedgerError`."""
        if not self._closed:
            self._closed = True
            self._close_connection()
