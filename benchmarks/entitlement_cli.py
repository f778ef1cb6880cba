"""``allocations entitlements`` on large household files: wall time and peak memory.

Generates JSON Lines files of realistic households in a temporary directory (1 to 4
children over 21 years of birth dates, some in *résidence alternée*, 18 départements
including Corsica, Alsace-Moselle and the DROM), runs the command line on each in a
subprocess, and prints the wall time and the peak resident memory of that subprocess.
Then it times each stage in-process on a sample, to tell the reader's share from the
computation's.

Usage::

    .venv/bin/python benchmarks/entitlement_cli.py                  # 100,000 and 1,000,000 lines
    .venv/bin/python benchmarks/entitlement_cli.py --lines 10000 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from allocations import Month
from allocations.adapters.households import read_households
from allocations.cli._entitlements import _ENCODE
from allocations.entitlement import allocations_familiales

MONTH = "2024-05"
DEPARTMENTS = [
    "01", "13", "2A", "2B", "31", "33", "44", "57", "59",
    "67", "68", "69", "75", "93", "971", "972", "973", "974",
]  # fmt: skip


def generate(path: Path, lines: int, seed: int = 20240501) -> None:
    """Write ``lines`` households; children and holders come from pools for speed."""
    rng = random.Random(seed)
    day_zero = dt.date(2024, 5, 1).toordinal()

    def child() -> str:
        born = dt.date.fromordinal(day_zero - rng.randrange(21 * 365)).isoformat()
        draw = rng.random()
        custody = ',"custody":"shared"' if draw < 0.08 else ""
        earnings = ',"monthly_earnings":"350.00"' if draw > 0.98 else ""
        return f'{{"birth_date":"{born}"{custody}{earnings}}}'

    families = [
        "[" + ",".join(child() for _ in range(rng.choice((1, 2, 2, 2, 3, 3, 4)))) + "]"
        for _ in range(20_000)
    ]
    holders = [
        f'{{"name":"Allocataire n°{n}","iban":"FR7630006000011234567890189","bic":"AGRIFRPPXXX"}}'
        for n in range(1_000)
    ]
    choice, randrange = rng.choice, rng.randrange
    with path.open("w", encoding="utf-8") as file:
        for number in range(lines):
            file.write(
                f'{{"id":"F-{number:08d}","department":"{choice(DEPARTMENTS)}",'
                f'"resources":"{randrange(12_000, 130_000)}.00",'
                f'"holder":{choice(holders)},"children":{choice(families)}}}\n'
            )


def _measure(command: list[str]) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak RSS in MiB and exit status of one subprocess."""
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)  # the rusage of this child only
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024, process.returncode  # ru_maxrss is in KiB


def run_command(source: Path, output: Path) -> tuple[float, float, float, int]:
    """The command line on ``source``, output to a file: see :func:`_measure`."""
    command = [sys.executable, "-m", "allocations", "entitlements", str(source)]
    return _measure([*command, "--month", MONTH, "--output", str(output)])


def run_reader(source: Path) -> tuple[float, float, float, int]:
    """Only the streaming reader on ``source``, in a subprocess: see :func:`_measure`."""
    code = (
        "import sys\n"
        "from allocations.adapters.households import read_households\n"
        "for _ in read_households(sys.argv[1]): pass\n"
    )
    return _measure([sys.executable, "-c", code, str(source)])


def stage_shares(source: Path, sample: int) -> dict[str, float]:
    """CPU microseconds per household of each stage, timed in one streaming pass in-process.

    Nothing is kept between households (as in the command), so the garbage collector sees
    what it sees in a real run.
    """
    month = Month.parse(MONTH)
    clock = time.process_time  # CPU time: other processes on a shared machine do not count
    totals = dict.fromkeys(("read", "compute", "record", "encode"), 0.0)
    households = read_households(source)
    count = 0
    while count < sample:
        started = clock()
        household = next(households, None)
        read = clock()
        if household is None:
            break
        entitlement = allocations_familiales(household, month)
        computed = clock()
        record = entitlement.to_record()
        recorded = clock()
        _ENCODE(record)
        encoded = clock()
        totals["read"] += read - started
        totals["compute"] += computed - read
        totals["record"] += recorded - computed
        totals["encode"] += encoded - recorded
        count += 1
    return {
        "read + check (reader)": totals["read"] / count * 1e6,
        "allocations_familiales": totals["compute"] / count * 1e6,
        "Entitlement.to_record": totals["record"] / count * 1e6,
        "JSON encoding (command)": totals["encode"] / count * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sample", type=int, default=100_000, help="lines for the stage shares")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, month {MONTH}")
    with tempfile.TemporaryDirectory(prefix="allocations-bench-") as directory:
        for lines in args.lines:
            source = Path(directory) / f"households-{lines}.jsonl"
            started = time.perf_counter()
            generate(source, lines)
            generated = time.perf_counter() - started
            size = source.stat().st_size / 2**20
            output = Path(directory) / "entitlements.jsonl"
            elapsed, cpu, peak, status = run_command(source, output)
            written = output.stat().st_size / 2**20 if output.exists() else 0.0
            print(
                f"{lines:>10,} lines ({size:,.0f} MiB in, generated in {generated:.1f} s)\n"
                f"    command: {elapsed:6.1f} s wall, {cpu:6.1f} s CPU, "
                f"{lines / elapsed:7,.0f} households/s, peak RSS {peak:6.1f} MiB, "
                f"exit {status}, {written:,.0f} MiB out"
            )
            output.unlink(missing_ok=True)
            elapsed, cpu, peak, status = run_reader(source)
            print(
                f"    reader:  {elapsed:6.1f} s wall, {cpu:6.1f} s CPU, "
                f"{lines / elapsed:7,.0f} households/s, peak RSS {peak:6.1f} MiB, exit {status}"
            )
        print(f"Stage shares, CPU µs per household ({args.sample:,}-line sample, in-process):")
        for stage, micros in stage_shares(source, args.sample).items():
            print(f"  {stage:<26} {micros:8.1f}")


if __name__ == "__main__":
    main()
