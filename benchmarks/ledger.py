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
  (:func:`allocations.payments.pipelined`, ``--planners 2``) while this process
  records;
- **one process** (``--planners 0``): plan a batch, record it, plan the next.

Each pass runs inside :func:`allocations.payments.bulk_gc` (the garbage
collection policy a run should use; ``--default-gc`` leaves CPython's) and prints the time
spent inside ``record`` (recording alone).

Run: ``.venv/bin/python benchmarks/ledger.py [--count N] [--batch N] [--planners N]
[--read] [--default-gc]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import pathlib
import tempfile
import time
from decimal import Decimal

from _recording import run_and_rerun

from allocations import Month
from allocations.adapters.sqlite_ledger import SQLiteLedger
from allocations.bank_accounts import iban_from_rib
from allocations.payments import (
    Creditor,
    PaymentInstruction,
    PaymentKey,
    PaymentKind,
    PlannedBatch,
)

NOW = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.UTC)
MONTH = Month(2024, 5)
EXECUTION_DATES = {"67": dt.date(2024, 6, 5), "75": dt.date(2024, 6, 5), "971": dt.date(2024, 6, 6)}
REMITTANCE = "CAF ALLOCATIONS FAMILIALES 2024-05"

#: The generated households (beneficiary id, holder name, IBAN, amount, month, département),
#: made before the clock starts; a forked planner inherits them.
HOUSEHOLDS: list[tuple[str, str, str, Decimal, Month, str]] = []


def generate(count: int) -> None:
    HOUSEHOLDS[:] = [
        (
            f"{number:09d}",
            f"ALLOCATAIRE {number}",
            iban_from_rib("30006", "00001", f"{number:011d}"),
            Decimal(14852 + number % 5000).scaleb(-2),
            MONTH,
            ("67", "75", "971")[number % 3],
        )
        for number in range(count)
    ]


def plan(start: int, stop: int) -> PlannedBatch:
    """The instructions of households ``start`` to ``stop``, as a batch of plain values
    (end-to-end ids and digests derived here, in the planning process)."""
    regular = PaymentKind.REGULAR
    return PlannedBatch(
        PaymentInstruction(
            PaymentKey(beneficiary_id, "AF", month, regular, 1),
            amount,
            Creditor(name, iban),
            EXECUTION_DATES[department],
            REMITTANCE,
            department,
        )
        for beneficiary_id, name, iban, amount, month, department in HOUSEHOLDS[start:stop]
    )


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
            run_and_rerun(
                ledger,
                plan,
                args.count,
                batch=args.batch,
                planners=args.planners,
                tune_gc=not args.default_gc,
            )
            if args.read:
                started = time.perf_counter()
                read = sum(1 for _ in ledger.instructions(period=MONTH))
                print(f"{'read back':>26}: {read:,} in {time.perf_counter() - started:.1f} s")
        print(f"{'file':>26}: {path.stat().st_size / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
