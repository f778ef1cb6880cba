"""Benchmark: record 1,000,000 payment instructions in the SQLite ledger, then record them again.

The second pass is what a run re-executed after a crash does: every instruction is already
recorded with the same content (all ``EXISTS``), so it costs one indexed digest look-up per
instruction and no write. Instructions are planned (built and validated) and recorded in
batches of 50,000, one transaction each, as a streaming payment run does; the time spent
planning is printed separately from the time spent in ``record``.

Run: ``.venv/bin/python benchmarks/ledger.py [--count N] [--batch N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import pathlib
import tempfile
import time
from collections.abc import Iterator
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

NOW = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.UTC)
PERIOD = Month(2024, 5)


def french_iban(number: int) -> str:
    """A valid French IBAN for account ``number`` (clé RIB and mod-97 check digits)."""
    bank, branch, account = "30006", "00001", f"{number:011d}"
    bban = f"{bank}{branch}{account}{rib_key(bank, branch, account):02d}"
    check = 98 - int(bban + "152700") % 97  # "FR00" as digits: F=15, R=27
    return f"FR{check:02d}{bban}"


def instructions(count: int) -> Iterator[PaymentInstruction]:
    execution_date = dt.date(2024, 6, 5)
    for number in range(count):
        yield PaymentInstruction(
            key=PaymentKey(f"{number:09d}", "AF", PERIOD, PaymentKind.REGULAR, 1),
            amount=Decimal(14852 + number % 5000).scaleb(-2),
            creditor=Creditor(f"ALLOCATAIRE {number}", french_iban(number)),
            requested_execution_date=execution_date,
            remittance_information="CAF ALLOCATIONS FAMILIALES 2024-05",
            department=("67", "75", "971")[number % 3],
        )


def batches(count: int, size: int) -> Iterator[list[PaymentInstruction]]:
    """The run's instructions, planned one batch at a time (constant memory, as a run does)."""
    stream = instructions(count)
    while batch := list(itertools.islice(stream, size)):
        yield batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "ledger.db"
        with SQLiteLedger(path, clock=lambda: NOW) as ledger:
            for label, expected in (
                ("record", RecordOutcome.CREATED),
                ("rerun", RecordOutcome.EXISTS),
            ):
                planning = recording = cpu = 0.0
                started = time.perf_counter()
                for batch in batches(args.count, args.batch):
                    planned = time.perf_counter()
                    planning += planned - started
                    cpu_before = time.process_time()
                    outcomes = ledger.record(batch)
                    cpu += time.process_time() - cpu_before
                    started = time.perf_counter()
                    recording += started - planned
                    if any(outcome is not expected for outcome in outcomes):
                        raise SystemExit(f"{label}: unexpected outcome")
                print(
                    f"{label:>6}: {args.count:,} instructions recorded in {recording:.1f} s "
                    f"({args.count / recording:,.0f}/s; {cpu:.1f} s CPU), batches of "
                    f"{args.batch:,}; planning them (validated instructions, IBANs checked) "
                    f"took {planning:.1f} s more"
                )
            started = time.perf_counter()
            read = sum(1 for _ in ledger.instructions(period=PERIOD))
            print(f"  read: {read:,} instructions back in {time.perf_counter() - started:.1f} s")
        print(f"  file: {path.stat().st_size / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
