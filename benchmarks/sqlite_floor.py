"""Benchmark: the floor of recording — SQLite alone inserting rows already made.

What the ledger's first run cannot go below on a machine, whatever the Python around it:
one million ``instructions`` rows, made before the clock starts (shaped like a national
run's: hashed end-to-end ids, consecutive beneficiaries, one month), inserted with the SQLite
ledger's own schema, pragmas and ``INSERT`` statement (:class:`SQLiteLedger` opens the
database), in batches of 50,000, one durable transaction each. Compare its figure with the
plan + record figure of ``benchmarks/payments.py``.

``--without-live-slot`` drops the partial unique index of live REGULAR payments first, to
show what that guarantee costs (the ledger never runs so).

Run: ``.venv/bin/python benchmarks/sqlite_floor.py [--count N] [--without-live-slot]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from allocations.adapters.sqlite_ledger import _INSERT, SQLiteLedger

NOW = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.UTC)
BATCH = 50_000
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def row(number: int) -> tuple[Any, ...]:
    """One recorded row: the plain values of a May 2024 REGULAR payment and its time."""
    digest = hashlib.sha256(number.to_bytes(8, "big")).digest()
    tail = int.from_bytes(digest[:10], "big")
    e2e = "AF-202405-R01-" + "".join(_BASE32[(tail >> (5 * i)) & 31] for i in range(16))
    return (
        e2e,
        f"{number:09d}",
        "AF",
        "2024-05",
        "regular",
        1,
        14_852,
        f"ALLOCATAIRE {number}",
        f"FR76300060000100{number:011d}",
        None,
        "2024-06-05",
        f"CAF ALLOCATIONS FAMILIALES 2024-05 {number:09d}",
        "67",
        digest[10:26],
        "2024-06-03T08:00:00.000000Z",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--without-live-slot", action="store_true")
    args = parser.parse_args()
    rows = [row(number) for number in range(args.count)]
    with tempfile.TemporaryDirectory() as name:
        path = Path(name) / "floor.db"
        with SQLiteLedger(path, clock=lambda: NOW) as ledger:
            connection = ledger._connection
            if args.without_live_slot:
                connection.execute("DROP INDEX instructions_live_regular")
            started, cpu = time.perf_counter(), time.process_time()
            for start in range(0, len(rows), BATCH):
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany(_INSERT, rows[start : start + BATCH])
                connection.execute("COMMIT")
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = path.stat().st_size / 2**20
    slot = "without the live-slot index" if args.without_live_slot else "the ledger's schema"
    print(
        f"SQLite alone, {slot}: {args.count:,} rows in {wall:.1f} s wall, {cpu:.1f} s CPU "
        f"({args.count / wall:,.0f}/s); file {size:,.0f} MiB; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
