"""Benchmark: the payment run — plan and record 1,000,000 instructions, rerun, emit 100,000.

1. **Plan + record** (the issue's figure: ≤ 15 s). The households and their entitlements
   (:func:`~allocations.allocations_familiales`, computed for each) are built before the
   clock starts, then frozen out of the garbage collector: a run streams them from its
   household file, and computing them is the entitlement benchmark's business. What is
   timed is what a national run does with them: :meth:`~allocations.Planner.add_plain`
   turns each chunk of 50,000 into instructions (IBAN, BIC, name and key checked,
   end-to-end id and content digest derived), kept as their plain values in a
   :class:`~allocations.payments.PlannedBatch` — in two
   planning processes (:func:`~allocations.payments.pipelined`) — while this
   process records each batch in the SQLite ledger (one transaction each), inside
   :func:`~allocations.payments.bulk_gc`.
2. **Rerun** (≤ 10 s): the same households again; every instruction is ``EXISTS``.
3. **Emit.** A fresh ledger journals 100,000 instructions, then
   :func:`~allocations.run_payments` runs the guard and writes two files of 50,000 into a
   temporary directory through the atomic sink; the checkpoints time each step (file
   allocation in the file journal, writing, IN_FILE marks).

``--planners 0`` plans and records in turn in this one process, for comparison.

Run: ``.venv/bin/python benchmarks/payments.py [--count N] [--emit N] [--planners N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from _recording import run_and_rerun

from allocations import (
    Child,
    Holder,
    Household,
    Month,
    OrganisationConfig,
    Planner,
    allocations_familiales,
    payment_order,
    run_payments,
)
from allocations.adapters.sqlite_ledger import SQLiteLedger
from allocations.bank_accounts import iban_from_rib
from allocations.cli._pay import _DirectorySink
from allocations.entitlement import Entitlement, Resources
from allocations.payments import PlannedBatch

NOW = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.UTC)
MAY = Month(2024, 5)
CHUNK = 50_000
DEPARTMENTS = ("67", "75", "971", "13", "2A", "59", "974")
CHILDREN = (Child(birth_date=dt.date(2012, 3, 1)), Child(birth_date=dt.date(2016, 9, 15)))
RESOURCES = Resources.coerce(Decimal("55000"))
CONFIG = OrganisationConfig.from_mapping(
    {"organisation": {"name": "CAF du Bas-Rhin", "iban": "FR7630001000640000001234559"}}
)

#: The households with their entitlements, built before the clock starts; the forked
#: planning processes inherit them.
ENTITLED: list[tuple[Household, Entitlement]] = []


def household(number: int) -> Household:
    return Household(
        id=f"{number:09d}",
        department=DEPARTMENTS[number % len(DEPARTMENTS)],
        resources=RESOURCES,
        children=CHILDREN,
        holder=Holder(f"ALLOCATAIRE {number}", iban_from_rib("30006", "00001", f"{number:011d}")),
    )


def generate(count: int) -> None:
    ENTITLED[:] = [
        (entitled := household(number), allocations_familiales(entitled, MAY))
        for number in range(count)
    ]


def plan_chunk(start: int, stop: int) -> PlannedBatch:
    """Plan households ``start`` to ``stop``: one batch, in household order (the ledger
    needs no order; a run sorts its instructions in payment order for the files)."""
    planner = Planner(MAY)
    return PlannedBatch.from_plain_rows(
        row
        for line, (entitled, entitlement) in enumerate(ENTITLED[start:stop], start=start + 1)
        if (row := planner.add_plain(entitled, entitlement, line=line)) is not None
    )


def chunks(count: int) -> Iterator[list[tuple[Household, Entitlement]]]:
    """Households with their entitlements, ``CHUNK`` at a time (for the emit step)."""
    for start in range(0, count, CHUNK):
        yield [
            (entitled := household(number), allocations_familiales(entitled, MAY))
            for number in range(start, min(start + CHUNK, count))
        ]


def emit(folder: Path, count: int, batch: int) -> None:
    planner = Planner(MAY)
    instructions = [
        instruction
        for chunk in chunks(count)
        for household, entitlement in chunk
        if (instruction := planner.add(household, entitlement)) is not None
    ]
    instructions.sort(key=payment_order)
    plan = planner.plan(instructions)
    marks: list[tuple[str, float]] = []
    with SQLiteLedger(folder / "emit.db", clock=lambda: NOW) as ledger:
        for start in range(0, len(instructions), batch):
            ledger.record(instructions[start : start + batch])
        started = time.perf_counter()
        run_payments(
            ledger,
            plan,
            config=CONFIG,
            sink=_DirectorySink(str(folder / "out")),
            clock=lambda: NOW,
            batch_size=batch,
            checkpoint=lambda name: marks.append((name, time.perf_counter())),
        )
        ended = time.perf_counter()
    spent: dict[str, float] = {}
    previous = started
    for name, at in marks:
        kind = name.split(" ")[0]
        spent[kind] = spent.get(kind, 0.0) + at - previous
        previous = at
    files = sorted((folder / "out").glob("*.xml"))
    size = sum(path.stat().st_size for path in files)
    # The first allocation's segment also holds the guard (between the journal and it).
    print(
        f"{'emit':>26}: {count:,} transactions in {len(files)} files ({size / 2**20:.0f} MiB): "
        f"guard + emit {ended - started - spent['journal']:.2f} s = guard and file journal "
        f"{spent['allocate']:.2f} s, pain.001 writing {spent['write']:.2f} s, IN_FILE marks "
        f"{spent['mark']:.2f} s"
    )
    print(f"{'':>26}  (before it, the same run's journal, all EXISTS: {spent['journal']:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="instructions planned")
    parser.add_argument("--emit", type=int, default=100_000, help="transactions emitted")
    parser.add_argument(
        "--planners", type=int, default=2, help="planning processes; 0: plan in this one"
    )
    parser.add_argument("--batch", type=int, default=10_000, help="emit: journal batch size")
    args = parser.parse_args()
    started = time.perf_counter()
    generate(args.count)
    gc.freeze()  # the benchmark's input, not a run's state (see the module documentation)
    mode = f"{args.planners} planning processes" if args.planners else "one process"
    print(
        f"{args.count:,} households and entitlements built in {time.perf_counter() - started:.1f} s "
        f"(not timed); {mode}, batches of {CHUNK:,}; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with SQLiteLedger(folder / "ledger.db", clock=lambda: NOW) as ledger:
            run_and_rerun(ledger, plan_chunk, len(ENTITLED), batch=CHUNK, planners=args.planners)
        print(f"{'':>26}  ledger file: {(folder / 'ledger.db').stat().st_size / 2**20:,.0f} MiB")
        ENTITLED.clear()
        gc.unfreeze()
        if args.emit:
            emit(folder, args.emit, args.batch)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'':>26}  peak memory of this process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
