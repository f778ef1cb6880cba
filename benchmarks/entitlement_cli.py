"""``allocations entitlements`` on large household files: wall time and peak memory.

Generates JSON Lines files of realistic households in a temporary directory (1 to 4
children over 21 years of birth dates, some in *résidence alternée*, 18 départements
including Corsica, Alsace-Moselle and the DROM), runs the command line on each in a
subprocess — once per ``--jobs`` value — and prints the wall time, the CPU time (the
command and its worker processes) and the peak resident memory of the main process and of
the largest worker. Then it times each stage in-process on a sample, to tell the reader's
share from the computation's.

Usage::

    .venv/bin/python benchmarks/entitlement_cli.py                  # 100,000 and 1,000,000 lines
    .venv/bin/python benchmarks/entitlement_cli.py --lines 10000 100000 --jobs 1 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from allocations import Month
from allocations.adapters.households import read_households
from allocations.cli._entitlements import _ENCODE, MAX_DEFAULT_JOBS
from allocations.entitlement import allocations_familiales
from allocations.entitlement._entitlement import record_json
from allocations.entitlement._month_law import month_law
from allocations.entitlement._options import DEFAULT_OPTIONS

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


class Run:
    """One subprocess: wall and CPU seconds (itself and its workers), peak RSS in MiB of the
    main process and of its largest worker, exit status."""

    def __init__(self, command: list[str]) -> None:
        started = time.perf_counter()
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        _, err = process.communicate()
        self.wall = time.perf_counter() - started
        self.status = process.returncode
        lines = err.splitlines()
        usage = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
        if not usage:
            print(err, file=sys.stderr)
        self.cpu = usage.get("cpu", float("nan"))
        self.peak = usage.get("peak", float("nan"))
        self.worker_peak = usage.get("worker_peak", 0.0)


# Runs ``main`` and prints, last on stderr, the CPU time of the process and of the workers it
# waited for, and the peak RSS of each (ru_maxrss is in KiB on Linux).
_RUN = """
import json, resource, sys
from allocations.cli import main
status = main(sys.argv[1:])
me = resource.getrusage(resource.RUSAGE_SELF)
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "cpu": me.ru_utime + me.ru_stime + workers.ru_utime + workers.ru_stime,
    "peak": me.ru_maxrss / 1024, "worker_peak": workers.ru_maxrss / 1024,
}), file=sys.stderr)
sys.exit(status)
"""


def run_command(source: Path, output: Path, jobs: int) -> Run:
    """The command line on ``source``, output to a file, with ``--jobs``."""
    arguments = ["entitlements", str(source), "--month", MONTH, "--output", str(output)]
    return Run([sys.executable, "-c", _RUN, *arguments, "--jobs", str(jobs)])


def run_reader(source: Path) -> Run:
    """Only the streaming reader on ``source``, in a subprocess."""
    code = (
        "import json, resource, sys\n"
        "from allocations.adapters.households import read_households\n"
        "for _ in read_households(sys.argv[1]): pass\n"
        "me = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(json.dumps({'cpu': me.ru_utime + me.ru_stime, 'peak': me.ru_maxrss / 1024}),"
        " file=sys.stderr)\n"
    )
    return Run([sys.executable, "-c", code, str(source)])


def stage_shares(source: Path, sample: int) -> dict[str, float]:
    """CPU microseconds per household of each stage, timed in one streaming pass in-process.

    Nothing is kept between households (as in the command), so the garbage collector sees
    what it sees in a real run.
    """
    month = Month.parse(MONTH)
    law = month_law(month)
    clock = time.process_time  # CPU time: other processes on a shared machine do not count
    totals = dict.fromkeys(("read", "compute", "record", "encode", "command"), 0.0)
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
        record_json(household, law, DEFAULT_OPTIONS)
        commanded = clock()
        totals["read"] += read - started
        totals["compute"] += computed - read
        totals["record"] += recorded - computed
        totals["encode"] += encoded - recorded
        totals["command"] += commanded - encoded
        count += 1
    return {
        "read + check (reader)": totals["read"] / count * 1e6,
        "allocations_familiales": totals["compute"] / count * 1e6,
        "Entitlement.to_record": totals["record"] / count * 1e6,
        "json.dumps of the record": totals["encode"] / count * 1e6,
        "record_json (the command's)": totals["command"] / count * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[100_000, 1_000_000])
    default_jobs = min(os.cpu_count() or 1, MAX_DEFAULT_JOBS)
    parser.add_argument(
        "--jobs",
        type=int,
        nargs="+",
        default=sorted({1, default_jobs}),
        help=f"--jobs values to run (default: 1 and the command's default, {default_jobs})",
    )
    parser.add_argument("--sample", type=int, default=100_000, help="lines for the stage shares")
    args = parser.parse_args()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs (load {load}), month {MONTH}")
    with tempfile.TemporaryDirectory(prefix="allocations-bench-") as directory:
        for lines in args.lines:
            source = Path(directory) / f"households-{lines}.jsonl"
            started = time.perf_counter()
            generate(source, lines)
            generated = time.perf_counter() - started
            size = source.stat().st_size / 2**20
            print(f"{lines:>10,} lines ({size:,.0f} MiB in, generated in {generated:.1f} s)")
            for jobs in args.jobs:
                output = Path(directory) / "entitlements.jsonl"
                run = run_command(source, output, jobs)
                written = output.stat().st_size / 2**20 if output.exists() else 0.0
                workers = f" + {run.worker_peak:5.1f} MiB/worker" if jobs > 1 else ""
                print(
                    f"    --jobs {jobs}: {run.wall:6.1f} s wall, {run.cpu:6.1f} s CPU, "
                    f"{lines / run.wall:7,.0f} households/s, peak RSS {run.peak:5.1f} MiB"
                    f"{workers}, exit {run.status}, {written:,.0f} MiB out"
                )
                output.unlink(missing_ok=True)
            run = run_reader(source)
            print(
                f"    reader:   {run.wall:6.1f} s wall, {run.cpu:6.1f} s CPU, "
                f"{lines / run.wall:7,.0f} households/s, peak RSS {run.peak:5.1f} MiB, "
                f"exit {run.status}"
            )
        print(f"Stage shares, CPU µs per household ({args.sample:,}-line sample, in-process):")
        for stage, micros in stage_shares(source, args.sample).items():
            print(f"  {stage:<28} {micros:8.1f}")


if __name__ == "__main__":
    main()
