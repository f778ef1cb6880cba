"""Benchmark: the payment run — plan and record 1,000,000 instructions, rerun, emit 100,000.

1. **Plan + record.** Households and their entitlements are built in memory, 50,000 at a
   time (not timed); :class:`~allocations.Planner` turns them into instructions (timed:
   *plan*, which includes putting each chunk in payment order) and the SQLite ledger
   records them in batches of ``--batch`` (timed: *record*).
2. **Rerun.** The same households again: every instruction is ``EXISTS`` (timed
   separately: plan, record).
3. **Emit.** A fresh ledger journals 100,000 instructions, then
   :func:`~allocations.run_payments` runs the guard and writes two files of 50,000 into a
   temporary directory through the atomic sink; the checkpoints time each step (file
   allocation in the file journal, writing, IN_FILE marks).

Run: ``.venv/bin/python benchmarks/payments.py [--count N] [--emit N] [--batch N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from allocations import (
    Child,
    Holder,
    Household,
    Month,
    OrganisationConfig,
    Planner,
    RecordOutcome,
    allocations_familiales,
    payment_order,
    run_payments,
)
from allocations.adapters.sqlite_ledger import SQLiteLedger
from allocations.cli._pay import _DirectorySink
from allocations.entitlement import Entitlement, Resources
from allocations.payments import PaymentInstruction, rib_key

NOW = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.UTC)
MAY = Month(2024, 5)
CHUNK = 50_000
DEPARTMENTS = ("67", "75", "971", "13", "2A", "59", "974")
CHILDREN = (Child(birth_date=dt.date(2012, 3, 1)), Child(birth_date=dt.date(2016, 9, 15)))
RESOURCES = Resources.coerce(Decimal("55000"))
CONFIG = OrganisationConfig.from_mapping(
    {"organisation": {"name": "CAF du Bas-Rhin", "iban": "FR7630001000640000001234559"}}
)


def french_iban(number: int) -> str:
    bank, branch, account = "30006", "00001", f"{number:011d}"
    bban = f"{bank}{branch}{account}{rib_key(bank, branch, account):02d}"
    return f"FR{98 - int(bban + '152700') % 97:02d}{bban}"


def chunks(count: int) -> Iterator[list[tuple[Household, Entitlement]]]:
    """Households with their entitlements, ``CHUNK`` at a time (built outside the timings)."""
    for start in range(0, count, CHUNK):
        chunk = []
        for number in range(start, min(start + CHUNK, count)):
            household = Household(
                id=f"{number:09d}",
                department=DEPARTMENTS[number % len(DEPARTMENTS)],
                resources=RESOURCES,
                children=CHILDREN,
                holder=Holder(f"ALLOCATAIRE {number}", french_iban(number)),
            )
            chunk.append((household, allocations_familiales(household, MAY)))
        yield chunk


def plan_and_record(ledger: SQLiteLedger, count: int, batch: int, expected: RecordOutcome) -> None:
    planner = Planner(MAY)
    plan_seconds = record_seconds = 0.0
    recorded = 0
    for chunk in chunks(count):
        started = time.perf_counter()
        instructions: list[PaymentInstruction] = []
        for household, entitlement in chunk:
            instruction = planner.add(household, entitlement)
            if instruction is not None:
                instructions.append(instruction)
        instructions.sort(key=payment_order)
        plan_seconds += time.perf_counter() - started
        started = time.perf_counter()
        for start in range(0, len(instructions), batch):
            outcomes = ledger.record(instructions[start : start + batch])
            if any(outcome is not expected for outcome in outcomes):
                raise SystemExit(f"unexpected outcome, expected {expected.value}")
        record_seconds += time.perf_counter() - started
        recorded += len(instructions)
    label = "first run" if expected is RecordOutcome.CREATED else "rerun (EXISTS)"
    total = plan_seconds + record_seconds
    print(
        f"{label:>15}: {recorded:,} instructions: plan {plan_seconds:.1f} s "
        f"({plan_seconds / recorded * 1e6:.1f} µs each), record {record_seconds:.1f} s "
        f"(batches of {batch:,}), plan + record {total:.1f} s"
    )


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
        f"{'emit':>15}: {count:,} transactions in {len(files)} files ({size / 2**20:.0f} MiB): "
        f"guard + emit {ended - started - spent['journal']:.2f} s = guard and file journal "
        f"{spent['allocate']:.2f} s, pain.001 writing {spent['write']:.2f} s, IN_FILE marks "
        f"{spent['mark']:.2f} s"
    )
    print(f"{'':>15}  (before it, the same run's journal, all EXISTS: {spent['journal']:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="instructions planned")
    parser.add_argument("--emit", type=int, default=100_000, help="transactions emitted")
    parser.add_argument("--batch", type=int, default=10_000, help="journal batch size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with SQLiteLedger(folder / "ledger.db", clock=lambda: NOW) as ledger:
            plan_and_record(ledger, args.count, args.batch, RecordOutcome.CREATED)
            plan_and_record(ledger, args.count, args.batch, RecordOutcome.EXISTS)
        print(f"{'':>15}  ledger file: {(folder / 'ledger.db').stat().st_size / 2**20:,.0f} MiB")
        emit(folder, args.emit, args.batch)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'':>15}  peak memory of the process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
