"""Benchmark: plan and record 1,000,000 payment instructions in the SQLite ledger, then again.

What is timed is what a run does with its households once their amounts are known:
*plan* (build and validate each :class:`~allocations.PaymentInstruction` — key, creditor with
its IBAN checked, amount, date, département — and derive its end-to-end id and content
digest) and *record* it in the ledger, in batches of 50,000, one transaction each. The
household data (beneficiary id, IBAN, amount, month, département) is generated beforehand,
not timed, and frozen out of the garbage collector (a run streams its households from a
file). The second pass is a run re-executed after a crash: every instruction is
planned again and found recorded with the same content (all ``EXISTS``).

Two ways to run the same work:

- **pipelined** (the default, the figure of the targets): planning in two child processes
  (:func:`allocations.payments._pipeline.pipelined`, ``--planners 2``) while this process
  records;
- **one process** (``--planners 0``): plan a batch, record it, plan the next.

Each pass runs inside :func:`allocations.payments._pipeline.bulk_gc` (the garbage
collection policy a run should use; ``--default-gc`` leaves CPython's) and prints the time
spent inside ``record`` (recording alone).

Run: ``.venv/bin/python benchmarks/ledger.py [--count N] [--batch N] [--planners N]
[--read] [--default-gc]``
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import multiprocessing
import os
import pathlib
import tempfile
import time
from decimal import Decimal

from allocations import Month
from allocations.adapters.sqlite_ledger import SQLiteLedger
from allocations.payments import (
    Creditor,
    PaymentInstruction,
    PaymentKey,
    PaymentKind,
    RecordOutcome,
    rib_key,
)
from allocations.payments._pipeline import bulk_gc, pipelined

NOW = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.UTC)
MONTH = Month(2024, 5)
EXECUTION_DATES = {"67": dt.date(2024, 6, 5), "75": dt.date(2024, 6, 5), "971": dt.date(2024, 6, 6)}
REMITTANCE = "CAF ALLOCATIONS FAMILIALES 2024-05"

#: The generated households (beneficiary id, holder name, IBAN, amount, month, département),
#: made before the clock starts; a forked planner inherits them.
HOUSEHOLDS: list[tuple[str, str, str, Decimal, Month, str]] = []


def french_iban(number: int) -> str:
    """A valid French IBAN for account ``number`` (clé RIB and mod-97 check digits)."""
    bank, branch, account = "30006", "00001", f"{number:011d}"
    bban = f"{bank}{branch}{account}{rib_key(bank, branch, account):02d}"
    check = 98 - int(bban + "152700") % 97  # "FR00" as digits: F=15, R=27
    return f"FR{check:02d}{bban}"


def generate(count: int) -> None:
    HOUSEHOLDS[:] = [
        (
            f"{number:09d}",
            f"ALLOCATAIRE {number}",
            french_iban(number),
            Decimal(14852 + number % 5000).scaleb(-2),
            MONTH,
            ("67", "75", "971")[number % 3],
        )
        for number in range(count)
    ]


def plan(start: int, stop: int) -> list[PaymentInstruction]:
    """The instructions of households ``start`` to ``stop`` (their end-to-end ids and
    digests are derived once, when they are pickled or else when they are recorded)."""
    regular = PaymentKind.REGULAR
    return [
        PaymentInstruction(
            PaymentKey(beneficiary_id, "AF", month, regular, 1),
            amount,
            Creditor(name, iban),
            EXECUTION_DATES[department],
            REMITTANCE,
            department,
        )
        for beneficiary_id, name, iban, amount, month, department in HOUSEHOLDS[start:stop]
    ]


def run(
    ledger: SQLiteLedger,
    count: int,
    size: int,
    expected: RecordOutcome,
    processes: int,
    *,
    tune_gc: bool,
) -> tuple[float, float, float]:
    """One pass: (wall time, CPU time of this process, time inside ``record``)."""
    ranges = [(start, min(start + size, count)) for start in range(0, count, size)]
    # The planners are forked: they inherit the generated households.
    batches = (
        pipelined(plan, ranges, processes=processes, context=multiprocessing.get_context("fork"))
        if processes
        else (plan(start, stop) for start, stop in ranges)
    )
    recording = 0.0
    started, cpu = time.perf_counter(), time.process_time()
    with bulk_gc() if tune_gc else contextlib.nullcontext():
        for batch in batches:
            before = time.perf_counter()
            outcomes = ledger.record(batch)
            recording += time.perf_counter() - before
            if outcomes.count(expected) != len(batch):
                raise SystemExit(f"unexpected outcomes: {set(outcomes)}")
    return time.perf_counter() - started, time.process_time() - cpu, recording


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument(
        "--planners",
        type=int,
        default=2,
        help="planning processes beside this one; 0 plans and records in turn (default 2)",
    )
    parser.add_argument("--read", action="store_true", help="also read the month back")
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="leave the garbage collector as CPython sets it (no bulk_gc around the passes)",
    )
    args = parser.parse_args()

    started = time.perf_counter()
    generate(args.count)
    # The generated households are the benchmark's input, not a run's state (a run streams
    # them from a file): their million tracked objects are kept out of the collector's
    # walks, which would otherwise cost the recording process several seconds.
    gc.freeze()
    mode = f"{args.planners} planning processes" if args.planners else "one process"
    mode += ", default garbage collection" if args.default_gc else ", bulk_gc"
    print(
        f"{args.count:,} households generated in {time.perf_counter() - started:.1f} s "
        f"(not timed below); {mode}, batches of {args.batch:,}, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "ledger.db"
        with SQLiteLedger(path, clock=lambda: NOW) as ledger:
            for label, expected in (
                ("plan + record", RecordOutcome.CREATED),
                ("plan + rerun (all EXISTS)", RecordOutcome.EXISTS),
            ):
                wall, cpu, recording = run(
                    ledger,
                    args.count,
                    args.batch,
                    expected,
                    args.planners,
                    tune_gc=not args.default_gc,
                )
                print(
                    f"{label:>26}: {wall:5.1f} s ({args.count / wall:,.0f}/s); this process "
                    f"{cpu:.1f} s CPU, of which {recording:.1f} s inside record"
                )
            if args.read:
                started = time.perf_counter()
                read = sum(1 for _ in ledger.instructions(period=MONTH))
                print(f"{'read back':>26}: {read:,} in {time.perf_counter() - started:.1f} s")
        print(f"{'file':>26}: {path.stat().st_size / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
