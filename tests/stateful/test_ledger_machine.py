"""Differential test: every ledger behaves like the in-memory reference model.

A Hypothesis state machine drives the model (:class:`InMemoryLedger`) and a ledger under
test with the same operations — batches of instructions from a small key space (so that
repeats, conflicts and second attempts are frequent), legal and illegal transitions, reports
re-ingested, files allocated — and checks after every step that both return the same result
or raise the same error, and show the same contents.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from allocations import InstructionState, Month, PaymentKind
from allocations.payments import (
    TRANSITIONS,
    InMemoryLedger,
    Ledger,
    PaymentBlock,
    PaymentFile,
    PaymentInstruction,
    StateChange,
)
from tests.conftest_ledgers import NOW, contents, drop_schema, instruction, postgres_url

PERIODS = (Month(2024, 5), Month(2024, 6))

instructions = st.builds(
    lambda beneficiary, period, kind, attempt, amount: instruction(
        beneficiary, period=period, kind=kind, attempt=attempt, amount=amount
    ),
    beneficiary=st.sampled_from(["B1", "B2", "B3"]),
    period=st.sampled_from(PERIODS),
    kind=st.sampled_from([PaymentKind.REGULAR, PaymentKind.CATCH_UP]),
    attempt=st.integers(1, 2),
    amount=st.sampled_from([Decimal("148.52"), Decimal("150.00")]),
)
states = st.sampled_from(InstructionState)
ORDER = list(InstructionState)


def outcome(call: Callable[[], object]) -> tuple[str, object]:
    """``("ok", result)`` or ``("error", exception type)``: what both ledgers must agree on."""
    try:
        return ("ok", call())
    except Exception as error:
        return ("error", type(error))


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, open_ledger: Callable[[], Ledger]) -> None:
        super().__init__()
        self.model = InMemoryLedger()
        self.ledger = open_ledger()
        self.time = NOW

    def tick(self) -> dt.datetime:
        self.time += dt.timedelta(seconds=1)
        return self.time

    def both(self, operation: Callable[[Ledger], object]) -> None:
        expected = outcome(lambda: operation(self.model))
        actual = outcome(lambda: operation(self.ledger))
        assert actual == expected

    @rule(batch=st.lists(instructions, max_size=4))
    def record(self, batch: list[PaymentInstruction]) -> None:
        at = self.tick()
        self.both(lambda ledger: ledger.record(batch, at=at))

    @rule(subject=instructions, state=states, reason=st.sampled_from([None, "AC04"]))
    def transition(
        self, subject: PaymentInstruction, state: InstructionState, reason: str | None
    ) -> None:
        at = self.tick()
        self.both(lambda ledger: ledger.transition(subject.key, state, reason=reason, at=at))

    @rule(changes=st.lists(st.tuples(instructions, states), min_size=1, max_size=4))
    def transition_many(self, changes: list[tuple[PaymentInstruction, InstructionState]]) -> None:
        at = self.tick()
        batch = [StateChange(target.key, state) for target, state in changes]
        self.both(lambda ledger: ledger.transition_many(batch, at=at))

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """Legal steps along a random path, in one batch (deep states are reached often)."""
        entries = [e for e in self.model.instructions() if TRANSITIONS[e.state]]
        if not entries:
            return
        entry = data.draw(st.sampled_from(entries))
        path, state = [], entry.state
        while TRANSITIONS[state] and (not path or data.draw(st.booleans())):
            state = data.draw(st.sampled_from(sorted(TRANSITIONS[state], key=ORDER.index)))
            path.append(StateChange(entry.end_to_end_id, state, reference=f"R{len(path)}"))
        at = self.tick()
        self.both(lambda ledger: ledger.transition_many(path, at=at))

    @rule(data=st.data())
    def reingest_a_report(self, data: st.DataObject) -> None:
        entries = list(self.model.instructions())
        if not entries:
            return
        entry = data.draw(st.sampled_from(entries))
        event = data.draw(st.sampled_from(self.model.history(entry.end_to_end_id)))
        at = self.tick()
        self.both(lambda ledger: ledger.transition(entry.end_to_end_id, event.to_state, at=at))
        assert self.ledger.transition(entry.end_to_end_id, event.to_state, at=at).already

    @rule(
        message=st.sampled_from(["M1", "M2", "M3"]),
        block=st.sampled_from(["A", "B"]),
        members=st.lists(instructions, min_size=1, max_size=3, unique_by=lambda i: i.end_to_end_id),
    )
    def allocate_file(self, message: str, block: str, members: list[PaymentInstruction]) -> None:
        file = PaymentFile(
            message_id=message,
            period=PERIODS[0],
            sequence_number=int(message[1:]),
            requested_execution_date=dt.date(2024, 6, 5),
            blocks=[PaymentBlock(f"{message}-{block}", [i.end_to_end_id for i in members])],
            created_at=self.tick(),
        )
        self.both(lambda ledger: ledger.allocate_file(file))

    @invariant()
    def same_contents(self) -> None:
        assert contents(self.ledger, PERIODS) == contents(self.model, PERIODS)

    def teardown(self) -> None:
        self.ledger.close()


def _run(open_ledger: Callable[[], Ledger]) -> None:
    run_state_machine_as_test(
        lambda: LedgerMachine(open_ledger),
        settings=settings(stateful_step_count=10, deadline=None),
    )


def test_the_in_memory_ledger_is_deterministic() -> None:
    _run(InMemoryLedger)


def test_the_sqlite_ledger_behaves_like_the_model() -> None:
    from allocations.adapters.sqlite_ledger import SQLiteLedger

    _run(lambda: SQLiteLedger(":memory:", clock=None))


@pytest.fixture
def postgres_schema() -> Iterator[tuple[str, str]]:
    url = postgres_url()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    yield url, schema
    drop_schema(url, schema)


def test_the_postgres_ledger_behaves_like_the_model(postgres_schema: tuple[str, str]) -> None:
    from allocations.adapters.postgres_ledger import PostgresLedger

    url, schema = postgres_schema

    def fresh() -> Ledger:
        ledger = PostgresLedger(url, schema=schema, clock=None)
        ledger._connection.execute(
            "TRUNCATE instructions, state_events, payment_files, payment_blocks, file_entries, "
            "run_events RESTART IDENTITY CASCADE"
        )
        return ledger

    _run(fresh)
