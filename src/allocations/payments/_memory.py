"""The in-memory ledger: the reference model every other ledger is tested against.

Pure: plain dictionaries, no I/O, no clock of its own. It loses everything when the process
ends, so it is meant for tests, simulations and examples; production runs use the SQLite or
PostgreSQL ledger (:func:`allocations.open_ledger`).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from allocations.errors import LedgerError
from allocations.periods import Month
from allocations.territory import Department

from ._identity import PaymentKind
from ._instruction import PaymentInstruction
from ._ledger import (
    Clock,
    FileAllocation,
    InstructionRef,
    Ledger,
    LedgerEntry,
    LifecyclePosition,
    PaymentFile,
    PaymentSummary,
    RecordOutcome,
    RunEvent,
    StateChange,
    StateEvent,
    TransitionResult,
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
from ._lifecycle import InstructionState

__all__ = ["InMemoryLedger", "sort_key"]


def sort_key(instruction: PaymentInstruction) -> tuple[int, str, str, str, int]:
    """The order of :meth:`Ledger.instructions`: period, beneficiary, benefit, kind, attempt."""
    key = instruction.key
    return (key.period.index, key.beneficiary_id, key.benefit, key.kind.value, key.attempt)


@attrs.define
class _Entry:
    instruction: PaymentInstruction
    events: list[StateEvent]

    @property
    def state(self) -> InstructionState:
        return self.events[-1].to_state

    def as_entry(self) -> LedgerEntry:
        return LedgerEntry(self.instruction, self.state, self.events[0].at, self.events[-1].at)


class InMemoryLedger(Ledger):
    """A :class:`~allocations.Ledger` held in memory: the reference implementation.

    Args:
        clock: returns the current time (timezone-aware); without one, every writing call
            needs an explicit ``at=``.

    >>> from allocations import Creditor, InMemoryLedger, PaymentInstruction, PaymentKey
    >>> from allocations import InstructionState, RecordOutcome
    >>> now = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.timezone.utc)
    >>> ledger = InMemoryLedger(clock=lambda: now)
    >>> instruction = PaymentInstruction(
    ...     PaymentKey("F-1", "AF", "2024-05", "regular"), Decimal("148.52"),
    ...     Creditor("Marie Curie", "FR7630006000011234567890189"), dt.date(2024, 6, 5),
    ...     "CAF ALLOCATIONS FAMILIALES 2024-05")
    >>> ledger.record([instruction]) == [RecordOutcome.CREATED]
    True
    >>> ledger.record([instruction]) == [RecordOutcome.EXISTS]
    True
    >>> ledger.transition(instruction.key, InstructionState.IN_FILE).already
    False
    >>> ledger.get(instruction.end_to_end_id).state
    <InstructionState.IN_FILE: 'in_file'>

    .. versionadded:: 0.1.0
    """

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._live_regular: dict[tuple[str, str, Month], str] = {}
        self._files: dict[str, PaymentFile] = {}
        self._file_of_payment: dict[str, str] = {}
        self._file_of_block: dict[str, str] = {}
        self._run_events: list[RunEvent] = []
        self._closed = False

    def _open(self) -> None:
        if self._closed:
            raise LedgerError("this ledger is closed")

    def _now(self, at: dt.datetime | None) -> dt.datetime:
        return resolve_time(at, self._clock)

    def _entry(self, ref: InstructionRef) -> _Entry:
        entry = self._entries.get(end_to_end_id_of(ref))
        if entry is None:
            raise unknown(ref)
        return entry

    # -- writing ---------------------------------------------------------------------

    def record(
        self, instructions: Iterable[PaymentInstruction], *, at: dt.datetime | None = None
    ) -> list[RecordOutcome]:
        """See :meth:`allocations.Ledger.record`."""
        self._open()
        batch = as_instruction_list(instructions)
        unique = dedupe_batch(batch)
        created: dict[str, PaymentInstruction] = {}
        # Other content first, for the whole batch, then second live payments: the order in
        # which the database ledgers find them (look-up, then insertion).
        for e2e, instruction in unique.items():
            entry = self._entries.get(e2e)
            if entry is not None and entry.instruction != instruction:
                raise conflict_error(entry.instruction, instruction)
        for e2e, instruction in unique.items():
            if e2e in self._entries:
                continue
            slot = regular_slot(instruction.key)
            live = None if slot is None else self._live_regular.get(slot)
            if live is not None:
                raise duplicate_regular_error(live, instruction)
            created[e2e] = instruction
        if created:
            recorded_at = self._now(at)
            for e2e, instruction in created.items():
                self._entries[e2e] = _Entry(instruction, [recording_event(e2e, recorded_at)])
                slot = regular_slot(instruction.key)
                if slot is not None:
                    self._live_regular[slot] = e2e
        return outcomes_in_order(batch, set(created))

    def transition_many(
        self, changes: Iterable[StateChange], *, at: dt.datetime | None = None
    ) -> list[TransitionResult]:
        """See :meth:`allocations.Ledger.transition_many`."""
        self._open()
        batch = as_change_list(changes)
        if not batch:
            return []
        positions = {
            e2e: LifecyclePosition(
                entry.state, {event.to_state for event in entry.events}, entry.events[-1].sequence
            )
            for e2e in {change.end_to_end_id for change in batch}
            if (entry := self._entries.get(e2e)) is not None
        }
        results = plan_changes(batch, positions, lambda: self._now(at))
        for result in results:
            if result.event is None:
                continue
            entry = self._entries[result.end_to_end_id]
            entry.events.append(result.event)
            slot = regular_slot(entry.instruction.key)
            if slot is not None and not result.to_state.is_live:
                del self._live_regular[slot]
        return results

    def allocate_file(self, file: PaymentFile) -> FileAllocation:
        """See :meth:`allocations.Ledger.allocate_file`."""
        self._open()
        if not isinstance(file, PaymentFile):
            raise TypeError(f"allocate_file takes a PaymentFile, got {file!r}")
        recorded = self._files.get(file.message_id)
        if recorded is not None:
            if recorded.differing_fields(file):
                raise file_conflict(recorded, file)
            return FileAllocation(recorded, RecordOutcome.EXISTS)
        for block in file.blocks:
            other = self._file_of_block.get(block.payment_information_id)
            if other is not None:
                raise block_reuses_error(file, block.payment_information_id, other)
        for e2e in file.end_to_end_ids:
            if e2e not in self._entries:
                raise unknown(e2e)
        for e2e in file.end_to_end_ids:
            other = self._file_of_payment.get(e2e)
            if other is not None:
                raise file_reuses_error(file, e2e, other)
        self._files[file.message_id] = file
        for block in file.blocks:
            self._file_of_block[block.payment_information_id] = file.message_id
        for e2e in file.end_to_end_ids:
            self._file_of_payment[e2e] = file.message_id
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
        event = RunEvent(
            len(self._run_events) + 1, kind, period, canonical_payload(payload), self._now(at)
        )
        self._run_events.append(event)
        return event

    # -- reading ---------------------------------------------------------------------

    def get(self, ref: InstructionRef) -> LedgerEntry:
        """See :meth:`allocations.Ledger.get`."""
        self._open()
        return self._entry(ref).as_entry()

    def history(self, ref: InstructionRef) -> tuple[StateEvent, ...]:
        """See :meth:`allocations.Ledger.history`."""
        self._open()
        return tuple(self._entry(ref).events)

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
        selected = [
            entry
            for entry in self._entries.values()
            if (period is None or entry.instruction.key.period == period)
            and (kind is None or entry.instruction.key.kind is kind)
            and (state is None or entry.state is state)
            and (department is None or entry.instruction.department == department)
            and (beneficiary_id is None or entry.instruction.key.beneficiary_id == beneficiary_id)
            and (benefit is None or entry.instruction.key.benefit == benefit)
        ]
        selected.sort(key=lambda entry: sort_key(entry.instruction))
        return iter([entry.as_entry() for entry in selected])

    def count_by_state(self, period: Month | None = None) -> dict[InstructionState, int]:
        """See :meth:`allocations.Ledger.count_by_state`."""
        self._open()
        counts = dict.fromkeys(InstructionState, 0)
        for entry in self._entries.values():
            if period is None or entry.instruction.key.period == period:
                counts[entry.state] += 1
        return counts

    def live_regular(
        self, period: Month, *, benefit: str | None = None
    ) -> Iterator[PaymentSummary]:
        """See :meth:`allocations.Ledger.live_regular`."""
        self._open()
        summaries = []
        for (beneficiary_id, slot_benefit, slot_period), e2e in self._live_regular.items():
            if slot_period != period or (benefit is not None and slot_benefit != benefit):
                continue
            entry = self._entries[e2e]
            key = entry.instruction.key
            summaries.append(
                PaymentSummary(
                    e2e,
                    beneficiary_id,
                    slot_benefit,
                    period,
                    key.kind,
                    key.attempt,
                    entry.instruction.amount,
                    entry.instruction.department,
                    entry.state,
                )
            )
        summaries.sort(key=lambda summary: (summary.beneficiary_id, summary.benefit))
        return iter(summaries)

    def files(self, *, period: Month | None = None) -> Iterator[PaymentFile]:
        """See :meth:`allocations.Ledger.files`."""
        self._open()
        selected = [f for f in self._files.values() if period is None or f.period == period]
        selected.sort(key=lambda f: (f.period.index, f.sequence_number, f.message_id))
        return iter(selected)

    def run_events(
        self, *, period: Month | None = None, kind: str | None = None
    ) -> Iterator[RunEvent]:
        """See :meth:`allocations.Ledger.run_events`."""
        self._open()
        return iter(
            [
                event
                for event in self._run_events
                if (period is None or event.period == period)
                and (kind is None or event.kind == kind)
            ]
        )

    def close(self) -> None:
        """Forget nothing, but refuse further use (like the database ledgers)."""
        self._closed = True
