"""What the payment benchmarks share: one timed pass of planning batches and recording them.

Not a benchmark itself; ``benchmarks/payments.py`` and ``benchmarks/ledger.py`` import it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import resource
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

from allocations import RecordOutcome
from allocations.adapters.sqlite_ledger import SQLiteLedger
from allocations.payments import PlannedBatch, bulk_gc, pipelined

#: Plans the households ``start`` to ``stop`` of the benchmark's generated input.
Plan = Callable[[int, int], PlannedBatch]


class PassFigures(NamedTuple):
    recorded: int
    wall: float
    #: CPU time of this (the recording) process.
    cpu: float
    #: Wall time spent inside ``Ledger.record``.
    recording: float
    #: CPU time of the planning processes (0 when planning in this one).
    planners: float


def plan_and_record(
    ledger: SQLiteLedger,
    plan: Plan,
    count: int,
    *,
    batch: int,
    planners: int,
    expected: RecordOutcome,
    tune_gc: bool = True,
) -> PassFigures:
    """Plan ``count`` households ``batch`` at a time and record each batch; check that every
    outcome is ``expected``.

    With ``planners`` > 0 the planning runs in that many forked processes (they inherit the
    generated input) while this process records; with 0 it plans and records in turn.
    """
    ranges = [(start, min(start + batch, count)) for start in range(0, count, batch)]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, cpu = time.perf_counter(), time.process_time()
    recording = 0.0
    recorded = 0
    with bulk_gc() if tune_gc else contextlib.nullcontext():
        batches: Iterator[PlannedBatch] = (
            pipelined(plan, ranges, processes=planners, context=multiprocessing.get_context("fork"))
            if planners
            else (plan(start, stop) for start, stop in ranges)
        )
        for planned in batches:
            before = time.perf_counter()
            outcomes = ledger.record(planned)
            recording += time.perf_counter() - before
            if outcomes.count(expected) != len(planned):
                raise SystemExit(f"unexpected outcomes {set(outcomes)}, expected {expected.value}")
            recorded += len(planned)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = ended.ru_utime + ended.ru_stime - children.ru_utime - children.ru_stime
    return PassFigures(recorded, wall, cpu, recording, spent)


def describe(label: str, figures: PassFigures) -> str:
    """One printed line for a pass."""
    return (
        f"{label:>26}: {figures.recorded:,} instructions in {figures.wall:.1f} s "
        f"({figures.recorded / figures.wall:,.0f}/s); this process {figures.cpu:.1f} s CPU "
        f"({figures.recording:.1f} s inside record)"
        + (f", planners {figures.planners:.1f} s CPU" if figures.planners else "")
    )


def run_and_rerun(
    ledger: SQLiteLedger,
    plan: Plan,
    count: int,
    *,
    batch: int,
    planners: int,
    tune_gc: bool = True,
) -> None:
    """The two timed passes, printed: a first run (every instruction ``CREATED``), then the
    same run again as after a crash (every instruction ``EXISTS``)."""
    for label, expected in (
        ("plan + record", RecordOutcome.CREATED),
        ("rerun (all EXISTS)", RecordOutcome.EXISTS),
    ):
        figures = plan_and_record(
            ledger,
            plan,
            count,
            batch=batch,
            planners=planners,
            expected=expected,
            tune_gc=tune_gc,
        )
        print(describe(label, figures))
