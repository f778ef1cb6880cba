"""PlannedBatch: a batch held as plain values records exactly like the same list.

Each ledger is given the batch as a ``PlannedBatch`` after a pickle round trip (as it
crosses from a planning process); the in-memory reference model is given the same
instructions as a list. Outcomes, errors and what is recorded must be the same — first
run, re-run, partly recorded batch, repeats, other content, a second live REGULAR payment
— and a refused batch writes nothing.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocations import DuplicatePaymentError, IdempotencyConflictError, PaymentInstruction
from allocations.payments import InMemoryLedger, Ledger, PlannedBatch, RecordOutcome
from allocations.payments._instruction import plain_values
from tests.conftest_ledgers import NOW, contents, instruction

CREATED, EXISTS = RecordOutcome.CREATED, RecordOutcome.EXISTS
EVERYONE = [instruction(f"B{n:03d}", department=("67", "971", None)[n % 3]) for n in range(12)]


def travelled(instructions: Sequence[PaymentInstruction]) -> PlannedBatch:
    """The batch as the recording process receives it from a planner."""
    batch: PlannedBatch = pickle.loads(pickle.dumps(PlannedBatch(instructions)))
    return batch


def test_a_batch_is_a_sequence_equal_to_its_instructions() -> None:
    batch = travelled(EVERYONE)
    assert len(batch) == len(EVERYONE)
    assert list(batch) == EVERYONE
    assert batch[3] == EVERYONE[3]
    assert batch[-1] == EVERYONE[-1]
    assert batch[2:5] == EVERYONE[2:5]
    assert batch.end_to_end_ids() == [i.end_to_end_id for i in EVERYONE]
    assert list(batch.plain_rows()) == [plain_values(i) for i in EVERYONE]
    # Rebuilt instructions carry their identity and digest: nothing is derived again.
    assert [i.content_digest() for i in batch] == [i.content_digest() for i in EVERYONE]
    assert batch.distinct
    assert repr(batch) == f"PlannedBatch(12 instructions, first {EVERYONE[0].end_to_end_id})"
    assert repr(PlannedBatch([])) == "PlannedBatch(0 instructions)"


def test_a_repeated_instruction_makes_the_batch_not_distinct() -> None:
    assert not PlannedBatch([EVERYONE[0], EVERYONE[1], EVERYONE[0]]).distinct


def test_a_batch_is_checked_where_it_is_planned() -> None:
    with pytest.raises(IdempotencyConflictError, match="amount"):
        PlannedBatch([instruction(1), instruction(1, amount="150.00")])
    with pytest.raises(DuplicatePaymentError):
        PlannedBatch([instruction(1, attempt=1), instruction(1, attempt=2)])
    with pytest.raises(TypeError, match="PaymentInstruction"):
        PlannedBatch([EVERYONE[0], "not an instruction"])  # type: ignore[list-item]


def outcome_or_error(ledger: Ledger, batch: Sequence[PaymentInstruction]) -> object:
    try:
        return ledger.record(batch)
    except (IdempotencyConflictError, DuplicatePaymentError) as error:
        return type(error), str(error)


@pytest.mark.parametrize(
    ("recorded", "given"),
    [
        pytest.param([], EVERYONE, id="all new"),
        pytest.param(EVERYONE, EVERYONE, id="all recorded"),
        pytest.param(EVERYONE[:5], EVERYONE, id="partly recorded"),
        pytest.param(EVERYONE[:5], [*EVERYONE[:5], *EVERYONE[:2]], id="repeats"),
        pytest.param(
            EVERYONE[:5],
            [*EVERYONE[5:], instruction("B002", amount="1.00", department="971")],
            id="other content",
        ),
        pytest.param(
            EVERYONE[:5], [*EVERYONE[5:], instruction("B001", attempt=2)], id="second live"
        ),
    ],
)
def test_a_batch_records_like_the_same_list(
    ledger: Ledger,
    recorded: list[PaymentInstruction],
    given: list[PaymentInstruction],
) -> None:
    reference = InMemoryLedger(clock=lambda: NOW)  # the model, given a plain list
    for each in (reference, ledger):
        each.record(recorded)
    expected = outcome_or_error(reference, given)
    before = contents(ledger)
    assert outcome_or_error(ledger, travelled(given)) == expected
    if isinstance(expected, tuple):  # refused: nothing of the batch was written
        assert contents(ledger) == before
    else:
        assert [e.instruction for e in ledger.instructions()] == [
            e.instruction for e in reference.instructions()
        ]


@given(
    recorded=st.lists(st.sampled_from(EVERYONE), unique=True, max_size=12),
    given_=st.lists(st.sampled_from(EVERYONE), min_size=1, max_size=12),
)
def test_outcomes_match_the_list_for_any_batch(
    recorded: list[PaymentInstruction], given_: list[PaymentInstruction]
) -> None:
    from allocations.adapters.sqlite_ledger import SQLiteLedger

    with SQLiteLedger(":memory:") as as_list, SQLiteLedger(":memory:") as as_batch:
        for ledger in (as_list, as_batch):
            ledger.record(recorded)
        assert as_batch.record(travelled(given_)) == as_list.record(given_)
        assert [e.instruction for e in as_batch.instructions()] == [
            e.instruction for e in as_list.instructions()
        ]
