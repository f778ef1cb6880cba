"""The ledger: the journal of every payment instruction, its lifecycle, files and decisions.

Theory of operation (DESIGN.md principle 4, "the journal is the truth"):

- A run **records** its instructions before it acts (write-ahead). Recording is
  idempotent per business key: the same key with the same content is ``EXISTS`` (success,
  the run is being replayed), the same key with other content raises
  :class:`~allocations.IdempotencyConflictError` naming the fields — and a batch is
  all-or-nothing: everything is validated first, then written in one transaction.
- State changes follow :data:`~allocations.payments.TRANSITIONS`. Each is an immutable
  event; the current state is the last event's. A change already applied (a bank report
  read twice) is reported as ``already`` and changes nothing; an illegal one raises and
  changes nothing.
- At most one **live** REGULAR instruction (any state but rejected and returned) exists per
  beneficiary, benefit and month, whatever its attempt number:
  :class:`~allocations.DuplicatePaymentError` otherwise. Database ledgers enforce it with a
  partial unique index as well, so concurrent workers cannot both pay.
- The **file journal** records each pain.001 file's identity (MsgId, PmtInfIds, CreDtTm,
  contents) once; asking again with the same content returns the stored file unchanged,
  so a file re-emitted after a crash is byte-identical. An end-to-end id belongs to at most
  one file.
- The **run journal** keeps operator decisions (guard overrides...) as immutable events.

Timestamps come from the clock the ledger was given, or an explicit ``at``; the core never
reads the system clock. They must be timezone-aware and are kept in UTC.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

import attrs

from allocations.errors import (
    DuplicatePaymentError,
    IdempotencyConflictError,
    InvalidInputError,
    UnknownInstructionError,
)
from allocations.periods import Month
from allocations.territory import Department

from ._identity import PaymentKey, PaymentKind
from ._instruction import PaymentInstruction
from ._lifecycle import INITIAL_STATE, InstructionState, check_transition

__all__ = [
    "Clock",
    "FileAllocation",
    "Ledger",
    "LedgerEntry",
    "PaymentBlock",
    "PaymentFile",
    "PaymentSummary",
    "RecordOutcome",
    "RunEvent",
    "StateChange",
    "StateEvent",
    "TransitionResult",
]

#: A source of the current time, injected into ledgers: returns a timezone-aware datetime.
Clock = Callable[[], dt.datetime]

#: The end-to-end id, or the business key, of a recorded instruction.
InstructionRef = str | PaymentKey


class RecordOutcome(enum.Enum):
    """What :meth:`Ledger.record` did with one instruction.

    .. versionadded:: 0.1.0
    """

    #: The instruction was not known; it is now recorded, in state ``planned``.
    CREATED = "created"
    #: The same key with the same content was already recorded; nothing changed.
    EXISTS = "exists"


def utc(at: dt.datetime, field: str = "at") -> dt.datetime:
    """``at`` in UTC; naive datetimes are refused (their instant is ambiguous)."""
    if not isinstance(at, dt.datetime):
        raise TypeError(f"{field} must be a datetime.datetime, got {at!r}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInputError(f"{field} must be timezone-aware, got {at.isoformat()}")
    return at.astimezone(dt.UTC)


def _utc_converter(value: dt.datetime) -> dt.datetime:
    # Already a UTC datetime (every event a ledger plans): utc() would return it unchanged.
    if value.__class__ is dt.datetime and value.tzinfo is dt.UTC:
        return value
    return utc(value)


def _optional_text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string or None, got {value!r}")
    if not value or len(value) > 500 or not value.isprintable():
        raise InvalidInputError(f"{field} must be 1 to 500 printable characters, got {value!r}")
    return value


def _to_reason(value: Any) -> str | None:
    return _optional_text(value, "reason")


def _to_reference(value: Any) -> str | None:
    return _optional_text(value, "reference")


def _to_optional_utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else utc(value)


@attrs.frozen
class StateEvent:
    """One immutable row of an instruction's history.

    Attributes:
        end_to_end_id: the instruction.
        sequence: 0 for the recording (``from_state`` is ``None``), then 1, 2...
        from_state: the state before, ``None`` for the recording.
        to_state: the state after.
        at: when it happened (UTC): the report's time if given, else the ledger's clock.
        reason: e.g. the ISO 20022 reason code of a rejection (``AC04``).
        reference: e.g. the MsgId of the file or of the bank report.

    .. versionadded:: 0.1.0
    """

    end_to_end_id: str
    sequence: int
    from_state: InstructionState | None
    to_state: InstructionState
    at: dt.datetime = attrs.field(converter=_utc_converter)
    reason: str | None = None
    reference: str | None = None


@attrs.frozen
class LedgerEntry:
    """A recorded instruction with its current state.

    Attributes:
        instruction: the instruction as recorded.
        state: its current state.
        recorded_at: when it was recorded (UTC).
        state_since: when it entered its current state (UTC).

    .. versionadded:: 0.1.0
    """

    instruction: PaymentInstruction
    state: InstructionState
    recorded_at: dt.datetime
    state_since: dt.datetime

    @property
    def end_to_end_id(self) -> str:
        """The instruction's EndToEndId."""
        return self.instruction.end_to_end_id


@attrs.frozen
class PaymentSummary:
    """The few facts of a payment the pre-flight guard compares from month to month.

    .. versionadded:: 0.1.0
    """

    end_to_end_id: str
    beneficiary_id: str
    benefit: str
    period: Month
    kind: PaymentKind
    attempt: int
    amount: Decimal
    department: Department | None
    state: InstructionState


@attrs.frozen
class StateChange:
    """A request to move one instruction to another state (see :meth:`Ledger.transition_many`).

    Args:
        ref: the instruction's end-to-end id or business key.
        to_state: the requested state.
        reason: e.g. a rejection reason code.
        reference: e.g. the MsgId of the file or bank report that reported it.
        at: when it happened; ``None`` for the batch's time.

    .. versionadded:: 0.1.0
    """

    ref: InstructionRef = attrs.field(validator=attrs.validators.instance_of((str, PaymentKey)))
    to_state: InstructionState = attrs.field(
        validator=attrs.validators.instance_of(InstructionState)
    )
    reason: str | None = attrs.field(default=None, converter=_to_reason)
    reference: str | None = attrs.field(default=None, converter=_to_reference)
    at: dt.datetime | None = attrs.field(default=None, converter=_to_optional_utc)

    @property
    def end_to_end_id(self) -> str:
        """The end-to-end id the change is about."""
        return self.ref.end_to_end_id if isinstance(self.ref, PaymentKey) else self.ref


@attrs.frozen
class TransitionResult:
    """What a state change did.

    Attributes:
        end_to_end_id: the instruction.
        to_state: the requested state.
        already: ``True`` if the instruction had already reached ``to_state`` (a report
            read twice): nothing was written.
        event: the event written, ``None`` when ``already``.

    .. versionadded:: 0.1.0
    """

    end_to_end_id: str
    to_state: InstructionState
    already: bool
    event: StateEvent | None


_SEPA_IDENTIFIER = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")


def check_sepa_identifier(value: Any, field: str) -> str:
    """Refuse an identifier that breaks the SEPA rules [LEN] [CHARSET] [ID-SLASH]."""
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, got {value!r}")
    if (
        _SEPA_IDENTIFIER.fullmatch(value) is None
        or value.startswith("/")
        or value.endswith("/")
        or "//" in value
    ):
        raise InvalidInputError(
            f"{field} {value!r} must be 1 to 35 characters of the SEPA set, not starting or "
            "ending with '/' nor containing '//' (EPC slash rule)"
        )
    return value


def _to_end_to_end_ids(values: Any) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError("end_to_end_ids must be a sequence of identifiers, not one string")
    result = tuple(check_sepa_identifier(value, "end_to_end_ids") for value in values)
    if not result:
        raise InvalidInputError("end_to_end_ids must not be empty")
    return result


def _to_payment_information_id(value: Any) -> str:
    return check_sepa_identifier(value, "payment_information_id")


def _to_message_id(value: Any) -> str:
    return check_sepa_identifier(value, "message_id")


@attrs.frozen
class PaymentBlock:
    """One ``PmtInf`` block of a pain.001 file: its id and its transactions, in order.

    .. versionadded:: 0.1.0
    """

    payment_information_id: str = attrs.field(converter=_to_payment_information_id)
    end_to_end_ids: tuple[str, ...] = attrs.field(converter=_to_end_to_end_ids)


def _blocks(values: Any) -> tuple[PaymentBlock, ...]:
    blocks = tuple(values)
    if not blocks or not all(isinstance(block, PaymentBlock) for block in blocks):
        raise TypeError(f"blocks must be a non-empty sequence of PaymentBlock, got {values!r}")
    return blocks


def _check_sequence(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 1:
        raise InvalidInputError(f"{attribute.name} must be an int >= 1, got {value!r}")


def _check_date(instance: Any, attribute: attrs.Attribute[dt.date], value: dt.date) -> None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{attribute.name} must be a datetime.date, got {value!r}")


def _check_file(file: PaymentFile) -> None:
    e2e_ids = file.end_to_end_ids
    if len(set(e2e_ids)) != len(e2e_ids):
        repeated = sorted({e2e for e2e in e2e_ids if e2e_ids.count(e2e) > 1})
        raise DuplicatePaymentError(
            f"file {file.message_id} lists end-to-end ids more than once: {', '.join(repeated)} "
            "(an EndToEndId must differ from record to record [ENDTOENDID-DUP])"
        )
    block_ids = [block.payment_information_id for block in file.blocks]
    if len(set(block_ids)) != len(block_ids):
        raise InvalidInputError(
            f"file {file.message_id} repeats a payment information id: {block_ids} [PMTINFID-DUP]"
        )


@attrs.frozen
class PaymentFile:
    """The identity of one pain.001 file, as the file journal keeps it.

    Args:
        message_id: ``GrpHdr/MsgId``; the file's key in the journal.
        period: the benefit month of the run that made the file.
        sequence_number: the file's number within its run, from 1.
        requested_execution_date: ``ReqdExctnDt`` of its blocks.
        blocks: the ``PmtInf`` blocks, in file order.
        created_at: ``GrpHdr/CreDtTm`` from the caller's clock; kept from the first
            allocation, never compared.

    Raises:
        TypeError: a field has the wrong type.
        InvalidInputError: an identifier breaks the SEPA rules, a block id is repeated.
        DuplicatePaymentError: an end-to-end id appears twice in the file.

    >>> from allocations.payments import PaymentBlock, PaymentFile
    >>> file = PaymentFile(
    ...     message_id="AF-202405-F001", period=allocations.Month(2024, 5), sequence_number=1,
    ...     requested_execution_date=dt.date(2024, 6, 5),
    ...     blocks=[PaymentBlock("AF-202405-F001-B1", ["E2E-1", "E2E-2"])],
    ...     created_at=dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.timezone.utc),
    ... )
    >>> file.end_to_end_ids
    ('E2E-1', 'E2E-2')

    .. versionadded:: 0.1.0
    """

    message_id: str = attrs.field(converter=_to_message_id)
    period: Month = attrs.field(validator=attrs.validators.instance_of(Month))
    sequence_number: int = attrs.field(validator=_check_sequence)
    requested_execution_date: dt.date = attrs.field(validator=_check_date)
    blocks: tuple[PaymentBlock, ...] = attrs.field(converter=_blocks)
    created_at: dt.datetime = attrs.field(converter=_utc_converter)

    def __attrs_post_init__(self) -> None:
        _check_file(self)

    @property
    def end_to_end_ids(self) -> tuple[str, ...]:
        """Every transaction of the file, in file order."""
        return tuple(e2e for block in self.blocks for e2e in block.end_to_end_ids)

    def differing_fields(self, other: PaymentFile) -> tuple[str, ...]:
        """The fields that differ, ``created_at`` excluded (a re-request has a new clock)."""
        names = ("message_id", "period", "sequence_number", "requested_execution_date", "blocks")
        return tuple(name for name in names if getattr(self, name) != getattr(other, name))


@attrs.frozen
class FileAllocation:
    """What :meth:`Ledger.allocate_file` did: the file as recorded, and whether it is new.

    .. versionadded:: 0.1.0
    """

    file: PaymentFile
    outcome: RecordOutcome


_JSON_SCALARS = (str, int, bool, type(None))


def _check_json(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise TypeError(f"payload{path} must not be a float ({value!r}): use a decimal string")
    if isinstance(value, _JSON_SCALARS):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"payload{path} keys must be strings, got {key!r}")
            _check_json(item, f"{path}[{key!r}]")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
        return
    raise TypeError(f"payload{path} must hold JSON values, got {type(value).__name__}")


def canonical_payload(payload: Mapping[str, Any]) -> str:
    """The canonical JSON text of a run event's payload (sorted keys, no floats)."""
    if not isinstance(payload, Mapping):
        raise TypeError(f"payload must be a mapping, got {payload!r}")
    _check_json(payload, "")
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_EVENT_KIND = re.compile(r"[a-z][a-z0-9_.-]{0,63}")


def check_event_kind(kind: Any) -> str:
    """Refuse a run-event kind that is not a short lower-case name such as ``guard.override``."""
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a string, got {kind!r}")
    if _EVENT_KIND.fullmatch(kind) is None:
        raise InvalidInputError(
            f"kind {kind!r} must be 1 to 64 lower-case letters, digits, '_', '.' or '-', "
            "starting with a letter"
        )
    return kind


@attrs.frozen
class RunEvent:
    """An operator decision or run milestone, kept forever (the run journal).

    Attributes:
        sequence: its position in the journal, from 1.
        kind: e.g. ``"guard.override"``.
        period: the benefit month of the run.
        payload_json: the canonical JSON of the payload.
        at: when it was recorded (UTC).

    .. versionadded:: 0.1.0
    """

    sequence: int
    kind: str
    period: Month
    payload_json: str
    at: dt.datetime

    @property
    def payload(self) -> dict[str, Any]:
        """The payload, decoded afresh (the event itself stays immutable)."""
        result: dict[str, Any] = json.loads(self.payload_json)
        return result


@runtime_checkable
class Ledger(Protocol):
    """The journal of payment instructions: what every ledger implementation provides.

    Implementations: :class:`~allocations.InMemoryLedger` (the reference model),
    :class:`~allocations.adapters.sqlite_ledger.SQLiteLedger` (the default) and
    :class:`~allocations.adapters.postgres_ledger.PostgresLedger` (several workers); one
    test suite runs against all three. Ledgers are context managers that close on exit.

    >>> from allocations import InMemoryLedger, Ledger
    >>> isinstance(InMemoryLedger(clock=lambda: dt.datetime.now(dt.timezone.utc)), Ledger)
    True

    .. versionadded:: 0.1.0
    """

    def record(
        self, instructions: Iterable[PaymentInstruction], *, at: dt.datetime | None = None
    ) -> list[RecordOutcome]:
        """Record a batch of instructions, all or nothing, in state ``planned``.

        Args:
            instructions: the batch; a key may repeat (with the same content).
            at: the recording time; the ledger's clock when ``None``.

        Returns:
            One :class:`RecordOutcome` per instruction, in order. A key repeated in the
            batch is ``CREATED`` the first time, ``EXISTS`` after.

        Raises:
            TypeError: an element is not a :class:`~allocations.PaymentInstruction`.
            IdempotencyConflictError: a key is recorded (or repeated in the batch) with
                other content; the message names the fields. Nothing is written.
            DuplicatePaymentError: a REGULAR instruction would be a second live one for
                its beneficiary, benefit and month. Nothing is written. (A batch that
                breaks both rules raises :class:`~allocations.IdempotencyConflictError`.)
        """
        ...

    def transition_many(
        self, changes: Iterable[StateChange], *, at: dt.datetime | None = None
    ) -> list[TransitionResult]:
        """Apply state changes in order, all or nothing.

        Args:
            changes: the changes; an instruction may appear several times.
            at: the time of changes that carry none; the ledger's clock when ``None``.

        Returns:
            One :class:`TransitionResult` per change, in order.

        Raises:
            UnknownInstructionError: an instruction is not recorded. Nothing changes.
            IllegalTransitionError: a change is not allowed by the lifecycle table.
                Nothing changes.
        """
        ...

    def get(self, ref: InstructionRef) -> LedgerEntry:
        """The recorded instruction with this end-to-end id or business key.

        Raises:
            UnknownInstructionError: it is not recorded.
        """
        ...

    def history(self, ref: InstructionRef) -> tuple[StateEvent, ...]:
        """Every state the instruction went through, oldest first (recording included).

        Raises:
            UnknownInstructionError: it is not recorded.
        """
        ...

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
        """The recorded instructions matching every given filter.

        Ordered by period, beneficiary id (code-point order), benefit, kind value, attempt —
        the same order in every implementation. ``beneficiary_id`` gives one beneficiary's
        whole history (reconciliation).
        """
        ...

    def count_by_state(self, period: Month | None = None) -> dict[InstructionState, int]:
        """How many instructions are in each state (every state listed, zeros included)."""
        ...

    def live_regular(
        self, period: Month, *, benefit: str | None = None
    ) -> Iterator[PaymentSummary]:
        """The live REGULAR payments of a month: who is paid, how much (the pre-flight guard).

        Live means any state but rejected and returned. Ordered by beneficiary id, benefit.
        """
        ...

    def allocate_file(self, file: PaymentFile) -> FileAllocation:
        """Record a pain.001 file's identity once; return the recorded one on a re-request.

        Args:
            file: the file as the run would write it, ``created_at`` from its clock.

        Returns:
            ``CREATED`` and ``file`` the first time; ``EXISTS`` and the file **as first
            recorded** (its original ``created_at``) when the same content is asked again.

        Raises:
            IdempotencyConflictError: the MsgId is recorded with other content, or a
                PmtInfId is already used by another file.
            DuplicatePaymentError: an end-to-end id is already in another file.
            UnknownInstructionError: an end-to-end id is not a recorded instruction.
        """
        ...

    def files(self, *, period: Month | None = None) -> Iterator[PaymentFile]:
        """The recorded files, by period, then sequence number, then MsgId."""
        ...

    def record_event(
        self,
        kind: str,
        period: Month,
        payload: Mapping[str, Any],
        *,
        at: dt.datetime | None = None,
    ) -> RunEvent:
        """Append an operator decision to the run journal (never edited, never deleted).

        Args:
            kind: a short lower-case name such as ``"guard.override"``.
            period: the benefit month of the run.
            payload: JSON values (no floats: money as decimal strings).
            at: the time; the ledger's clock when ``None``.

        Raises:
            TypeError: the payload holds a float or a non-JSON value.
            InvalidInputError: the kind is malformed.
        """
        ...

    def run_events(
        self, *, period: Month | None = None, kind: str | None = None
    ) -> Iterator[RunEvent]:
        """The run journal, oldest first, filtered by period and kind."""
        ...

    def close(self) -> None:
        """Release the ledger's resources; further use is an error."""
        ...

    def transition(
        self,
        ref: InstructionRef,
        to_state: InstructionState,
        *,
        reason: str | None = None,
        reference: str | None = None,
        at: dt.datetime | None = None,
    ) -> TransitionResult:
        """Apply one state change (see :meth:`transition_many`).

        Raises:
            UnknownInstructionError: the instruction is not recorded.
            IllegalTransitionError: the lifecycle table does not allow it; nothing changes.
        """
        change = StateChange(ref, to_state, reason=reason, reference=reference, at=at)
        return self.transition_many([change])[0]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


# -- helpers shared by the implementations (pure) ---------------------------------------


def as_instruction_list(instructions: Iterable[PaymentInstruction]) -> list[PaymentInstruction]:
    """Materialise a batch, refusing anything that is not an instruction."""
    batch = list(instructions)
    if set(map(type, batch)) - {PaymentInstruction}:  # subclasses, or an error to name
        for item in batch:
            if not isinstance(item, PaymentInstruction):
                raise TypeError(f"a ledger records PaymentInstruction values, got {item!r}")
    return batch


def conflict_error(
    recorded: PaymentInstruction, given: PaymentInstruction
) -> IdempotencyConflictError:
    """The error for a key recorded with other content, naming the fields."""
    return IdempotencyConflictError(
        f"instruction {given.end_to_end_id} ({given.key}) is already recorded with different "
        f"content: {recorded.describe_differences(given)}; nothing of the batch was written"
    )


def duplicate_regular_error(
    live_end_to_end_id: str, given: PaymentInstruction
) -> DuplicatePaymentError:
    """The error for a second live REGULAR instruction of a beneficiary, benefit and month."""
    key = given.key
    return DuplicatePaymentError(
        f"instruction {given.end_to_end_id} ({key}) would be a second live regular payment of "
        f"{key.benefit} {key.period} to beneficiary {key.beneficiary_id!r}: "
        f"{live_end_to_end_id} is not rejected nor returned; nothing of the batch was written"
    )


def regular_slot(key: PaymentKey) -> tuple[str, str, Month] | None:
    """The (beneficiary, benefit, period) a REGULAR instruction occupies while live."""
    if key.kind is not PaymentKind.REGULAR:
        return None
    return (key.beneficiary_id, key.benefit, key.period)


def dedupe_batch(batch: Sequence[PaymentInstruction]) -> dict[str, PaymentInstruction]:
    """The batch's distinct instructions by end-to-end id, first occurrence first.

    Raises:
        IdempotencyConflictError: a key repeats with other content.
        DuplicatePaymentError: two REGULAR attempts of one slot are in the batch.
    """
    # The hot path of a national run: a batch without repeated ids nor two REGULAR attempts
    # of one slot is proved so by two set sizes; anything else takes the careful loop,
    # which finds the first offending instruction.
    # Distinct ids are distinct keys, and keys of one attempt number differ in their slot.
    unique = {instruction.key.end_to_end_id: instruction for instruction in batch}
    if len(unique) == len(batch):
        regular = PaymentKind.REGULAR
        keys = [key for key in (instruction.key for instruction in batch) if key.kind is regular]
        if len({key.attempt for key in keys}) <= 1 or len(keys) == len(
            {(key.beneficiary_id, key.benefit, key.period.year, key.period.month) for key in keys}
        ):
            return unique
    return _dedupe_carefully(batch)


def _dedupe_carefully(batch: Sequence[PaymentInstruction]) -> dict[str, PaymentInstruction]:
    unique: dict[str, PaymentInstruction] = {}
    slots: dict[tuple[str, str, int, int], str] = {}
    regular = PaymentKind.REGULAR
    for instruction in batch:
        key = instruction.key
        e2e = key.end_to_end_id
        seen = unique.get(e2e)
        if seen is not None:
            if seen != instruction:
                raise conflict_error(seen, instruction)
            continue
        unique[e2e] = instruction
        if key.kind is regular:
            period = key.period
            slot = (key.beneficiary_id, key.benefit, period.year, period.month)
            other = slots.setdefault(slot, e2e)
            if other != e2e:
                raise duplicate_regular_error(other, instruction)
    return unique


def outcomes_in_order(
    batch: Sequence[PaymentInstruction], created: set[str]
) -> list[RecordOutcome]:
    """CREATED for the first occurrence of each newly written id, EXISTS for the rest."""
    if not created:
        return [RecordOutcome.EXISTS] * len(batch)
    if len(created) == len(batch):  # every instruction distinct, and new
        return [RecordOutcome.CREATED] * len(batch)
    pending = set(created)
    result = []
    for instruction in batch:
        e2e = instruction.end_to_end_id
        if e2e in pending:
            pending.discard(e2e)
            result.append(RecordOutcome.CREATED)
        else:
            result.append(RecordOutcome.EXISTS)
    return result


def as_change_list(changes: Iterable[StateChange]) -> list[StateChange]:
    """Materialise a batch of changes, refusing anything that is not a :class:`StateChange`."""
    batch = list(changes)
    for item in batch:
        if not isinstance(item, StateChange):
            raise TypeError(f"transition_many takes StateChange values, got {item!r}")
    return batch


@attrs.frozen
class LifecyclePosition:
    """Where one instruction stands, as a ledger read it for a batch of changes.

    Never changed by :func:`plan_changes`, so one position may stand for many instructions
    (every instruction not yet moved since its recording).
    """

    state: InstructionState
    reached: AbstractSet[InstructionState]
    last_sequence: int


def plan_changes(
    changes: Sequence[StateChange],
    positions: Mapping[str, LifecyclePosition],
    now: Callable[[], dt.datetime],
) -> list[TransitionResult]:
    """Decide a batch of changes against the instructions' positions, in order.

    An instruction may move twice in one batch: its second change starts where its first
    left it (``positions`` is read, never changed). ``now`` is called once, and only if a
    change carries no time. Returns the results; the events to write are those of the
    non-``already`` results.

    Raises:
        UnknownInstructionError: an instruction has no position (not recorded).
        IllegalTransitionError: a change is not allowed.
    """
    results: list[TransitionResult] = []
    append = results.append
    batch_time: dt.datetime | None = None
    # The last event planned for each instruction, and where the instructions that moved
    # twice stand: one change per instruction is the rule, so no position is built for it.
    last_event: dict[str, StateEvent] = {}
    moved_again: dict[str, LifecyclePosition] = {}
    for change in changes:
        e2e = change.end_to_end_id
        position = positions.get(e2e)
        if position is None:
            raise UnknownInstructionError(
                f"instruction {e2e} is not recorded in this ledger; nothing was changed"
            )
        previous = last_event.get(e2e)
        if previous is not None:
            position = moved_again.get(e2e) or LifecyclePosition(
                previous.to_state, position.reached | {previous.to_state}, previous.sequence
            )
        target = change.to_state
        state = position.state
        if check_transition(e2e, position.reached, state, target):
            append(TransitionResult(e2e, target, True, None))
            continue
        at = change.at
        if at is None:
            if batch_time is None:
                batch_time = now()
            at = batch_time
        sequence = position.last_sequence + 1
        event = StateEvent(e2e, sequence, state, target, at, change.reason, change.reference)
        last_event[e2e] = event
        if previous is not None:
            moved_again[e2e] = LifecyclePosition(target, position.reached | {target}, sequence)
        append(TransitionResult(e2e, target, False, event))
    return results


def recording_event(end_to_end_id: str, recorded_at: dt.datetime) -> StateEvent:
    """The history's first event: the recording, into the initial state."""
    return StateEvent(end_to_end_id, 0, None, INITIAL_STATE, recorded_at)


def end_to_end_id_of(ref: InstructionRef) -> str:
    """The end-to-end id of a reference (an id or a business key)."""
    if isinstance(ref, PaymentKey):
        return ref.end_to_end_id
    if isinstance(ref, str):
        return ref
    raise TypeError(f"an instruction is referred to by its end-to-end id or key, got {ref!r}")


def unknown(ref: InstructionRef) -> UnknownInstructionError:
    """The error for an instruction the ledger does not know."""
    return UnknownInstructionError(
        f"instruction {end_to_end_id_of(ref)} is not recorded in this ledger"
    )


def file_conflict(recorded: PaymentFile, given: PaymentFile) -> IdempotencyConflictError:
    """The error for a MsgId recorded with other content."""
    fields = ", ".join(recorded.differing_fields(given))
    return IdempotencyConflictError(
        f"file {given.message_id} is already recorded with different {fields}; "
        "a file's identity is recorded once (re-emit it unchanged or use a new MsgId)"
    )


def file_reuses_error(
    given: PaymentFile, end_to_end_id: str, other_message_id: str
) -> DuplicatePaymentError:
    """The error for an end-to-end id that another file already holds."""
    return DuplicatePaymentError(
        f"file {given.message_id} lists {end_to_end_id}, which is already in file "
        f"{other_message_id}: a payment goes into one file only; nothing was written"
    )


def block_reuses_error(
    given: PaymentFile, payment_information_id: str, other_message_id: str
) -> IdempotencyConflictError:
    """The error for a PmtInfId that another file already uses."""
    return IdempotencyConflictError(
        f"file {given.message_id} uses payment information id {payment_information_id}, "
        f"already used by file {other_message_id} [PMTINFID-DUP]; nothing was written"
    )


def resolve_time(at: dt.datetime | None, clock: Clock | None) -> dt.datetime:
    """``at`` in UTC, or the clock's time when ``at`` is ``None``.

    Raises:
        TypeError: neither is given (the core never reads the system clock).
        InvalidInputError: the time is not timezone-aware.
    """
    if at is not None:
        return utc(at)
    if clock is None:
        raise TypeError("this ledger has no clock: pass at=... or create it with clock=...")
    return utc(clock(), "the clock's time")
