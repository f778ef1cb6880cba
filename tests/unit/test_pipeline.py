"""Planning in child processes, recording in this one (allocations.payments._pipeline).

What is checked is what the caller relies on: the results come in task order, equal to what
the work function returned (instructions with their identity and digest), errors of the
children surface at their place in the stream, an early stop leaves no child behind, and
the bulk garbage-collection policy is undone on exit.
"""

from __future__ import annotations

import gc
import multiprocessing
import weakref

import pytest

from allocations import InvalidInputError, PaymentInstruction
from allocations.payments import InMemoryLedger, RecordOutcome
from allocations.payments._pipeline import bulk_gc, pipelined
from tests.conftest_ledgers import NOW, instruction

FORK = multiprocessing.get_context("fork")


def plan(start: int, stop: int) -> list[PaymentInstruction]:
    return [
        instruction(f"B{number:04d}", department=("67", None)[number % 2])
        for number in range(start, stop)
    ]


def squares_until(stop: int, fail_at: int) -> list[int]:
    if stop == fail_at:
        raise ValueError(f"task {stop} refused")
    return [stop * stop]


@pytest.mark.parametrize("processes", [1, 2])
def test_batches_arrive_in_task_order_equal_to_what_was_planned(processes: int) -> None:
    ranges = [(start, start + 7) for start in range(0, 35, 7)]
    batches = list(pipelined(plan, ranges, processes=processes, context=FORK))
    assert batches == [plan(start, stop) for start, stop in ranges]
    received = [item for batch in batches for item in batch]
    assert [i.end_to_end_id for i in received] == [i.end_to_end_id for i in plan(0, 35)]
    assert [i.content_digest() for i in received] == [i.content_digest() for i in plan(0, 35)]
    ledger = InMemoryLedger(clock=lambda: NOW)
    for batch in batches:
        assert ledger.record(batch) == [RecordOutcome.CREATED] * len(batch)
    assert ledger.record(plan(0, 35)) == [RecordOutcome.EXISTS] * 35


def test_an_error_of_a_child_is_raised_at_its_place_in_the_stream() -> None:
    stream = pipelined(squares_until, [(n, 3) for n in range(6)], processes=2, context=FORK)
    assert [next(stream), next(stream), next(stream)] == [[0], [1], [4]]
    with pytest.raises(ValueError, match="task 3 refused") as caught:
        next(stream)
    assert "raised in a planning process" in caught.value.__notes__[0]
    assert multiprocessing.active_children() == []


def test_stopping_early_stops_the_children() -> None:
    stream = pipelined(plan, [(n, n + 1) for n in range(50)], processes=2, context=FORK)
    assert len(next(stream)) == 1
    stream.close()
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("processes", [0, 65, True, "2"])
def test_the_number_of_processes_is_bounded(processes: object) -> None:
    with pytest.raises(InvalidInputError, match="processes"):
        pipelined(plan, [], processes=processes)  # type: ignore[arg-type]


def test_no_task_no_batch() -> None:
    assert list(pipelined(plan, [], context=FORK)) == []


class _Node:
    def __init__(self) -> None:
        self.myself = self


def test_bulk_gc_collects_cycles_less_often_then_restores_the_collector() -> None:
    before = gc.get_threshold()
    with bulk_gc(12_345):
        assert gc.get_threshold() == (12_345, 20, 100)
        assert gc.get_freeze_count() > 0  # what existed on entry is out of the walks
        garbage = weakref.ref(_Node())  # a cycle: only the collector frees it
        gc.collect()
        assert garbage() is None
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    with pytest.raises(InvalidInputError, match="threshold"), bulk_gc(0):
        pass
