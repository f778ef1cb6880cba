"""``allocations pay`` end to end on a large household file: wall time, CPU and memory.

Generates a JSON Lines file of realistic households in a temporary directory: those of
``benchmarks/entitlement_cli.py`` (1 to 4 children over 21 years of birth dates, some in
*résidence alternée*, 18 départements including Corsica, Alsace-Moselle and the DROM), each
holder given an account of their own (a valid IBAN made by
:func:`~allocations.bank_accounts.iban_from_rib`). About 15 % of them have nothing due
(mostly a single child in metropolitan France): their reasons are kept for the pre-flight
guard. Then, for each ``--jobs`` value, it runs the command line in a subprocess twice on
a fresh SQLite ledger (in the temporary directory): the **first run** (every instruction
journaled, files written, IN_FILE marks) and the **rerun** (every instruction already
recorded, the same files written again). It prints the wall time, the CPU time (the
command and its worker processes), the peak resident memory of the main process and of the
largest worker, and when the planning pass (pass 1: read, check, compute, plan, spool)
ended, counted from the start of the process (imports included): the rest is pass 2
(journal, guard, files, IN_FILE marks), which ``--jobs`` does not change. The files of
every run are checked to be byte-identical to those of the first.

By default the command's own ``--jobs`` (one per CPU, at most 4) is run, about 2.5 minutes
for 1,000,000 households on 2 CPUs; ``--jobs 1 2`` compares with one process (about twice
as long).

Usage::

    .venv/bin/python benchmarks/pay_cli.py                    # 1,000,000 households
    .venv/bin/python benchmarks/pay_cli.py --jobs 1 2         # with one process too
    .venv/bin/python benchmarks/pay_cli.py --count 100000 --jobs 1 2 3
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

from entitlement_cli import _RUN, MONTH, Run
from entitlement_cli import generate as generate_households

from allocations.bank_accounts import iban_from_rib
from allocations.cli._chunked import MAX_DEFAULT_JOBS

#: The account of every holder of the entitlement benchmark's file.
SHARED_IBAN = iban_from_rib("30006", "00001", "12345678901")
#: Banks and branches (code banque, code guichet) of the holders' own accounts.
BANKS = [("30006", "00001"), ("30004", "00823"), ("10278", "06011"), ("20041", "01005")]
CONFIG = """\
[organisation]
name = "Caisse d'allocations familiales du Bas-Rhin"
iban = "FR76 3000 1000 6400 0000 1234 559"
bic = "BDFEFRPPCCT"
"""


def generate(path: Path, count: int) -> None:
    """Write ``count`` households: those of the entitlement benchmark, each holder with an
    account of their own."""
    raw = path.with_suffix(".tmp")
    generate_households(raw, count)
    shared = f'"iban":"{SHARED_IBAN}"'
    with raw.open(encoding="utf-8") as lines, path.open("w", encoding="utf-8") as out:
        for number, line in enumerate(lines):
            if shared not in line:
                raise SystemExit(f"benchmarks/entitlement_cli.py no longer writes {shared}")
            bank, branch = BANKS[number % len(BANKS)]
            iban = iban_from_rib(bank, branch, f"{number:011d}")
            out.write(line.replace(shared, f'"iban":"{iban}"', 1))
    raw.unlink()


# Put before the entitlement benchmark's runner (``_RUN``: CPU time and peak memory, last on
# stderr): no summary on stdout, and the time pass 1 ends (its progress line's) in a file.
_BEFORE_RUN = """
import os, sys, time
import allocations.cli._pay as pay
from allocations.cli._progress import Progress
started = time.monotonic()
sys.stdout = open(os.devnull, "w")
class Timed(Progress):
    def finish(self):
        if self.label == "households checked":
            with open(os.environ["PAY_CLI_MARK"], "w") as mark:
                mark.write(str(time.monotonic() - started))
        super().finish()
pay.Progress = Timed
"""


def run(arguments: list[str], folder: Path) -> tuple[Run, float]:
    """The command line in ``folder``; when its planning pass ended (seconds after the
    imports)."""
    mark = folder / "planned.txt"
    mark.unlink(missing_ok=True)
    os.environ["PAY_CLI_MARK"] = str(mark)
    os.environ["ALLOCATIONS_NOW"] = "2024-06-03T08:00:00+00:00"
    here = os.getcwd()
    os.chdir(folder)
    try:
        done = Run([sys.executable, "-c", _BEFORE_RUN + _RUN, *arguments])
    finally:
        os.chdir(here)
    return done, float(mark.read_text()) if mark.exists() else float("nan")


def digest(folder: Path) -> str:
    """One digest of every file of ``folder``, names included."""
    total = hashlib.sha256()
    for path in sorted(folder.glob("*.xml")):
        total.update(path.name.encode())
        total.update(path.read_bytes())
    return total.hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="households in the file")
    default_jobs = min(os.cpu_count() or 1, MAX_DEFAULT_JOBS)
    parser.add_argument(
        "--jobs",
        type=int,
        nargs="+",
        default=[default_jobs],
        help=f"--jobs values to run (default: the command's default, here {default_jobs})",
    )
    args = parser.parse_args()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs (load {load}), month {MONTH}")
    with tempfile.TemporaryDirectory(prefix="allocations-pay-bench-") as name:
        folder = Path(name)
        (folder / "organisation.toml").write_text(CONFIG, encoding="utf-8")
        source = folder / "households.jsonl"
        started = time.perf_counter()
        generate(source, args.count)
        generated = time.perf_counter() - started
        size = source.stat().st_size / 2**20
        print(f"{args.count:,} households ({size:,.0f} MiB, generated in {generated:.1f} s)")
        reference: str | None = None
        for jobs in args.jobs:
            ledger = folder / f"ledger-{jobs}.db"
            out = folder / f"out-{jobs}"
            arguments = [
                *("pay", source.name, "--month", MONTH, "--config", "organisation.toml"),
                *("--out", out.name, "--ledger", f"sqlite:///{ledger.name}", "--jobs", str(jobs)),
            ]
            for label in ("first run", "rerun"):
                done, planned = run(arguments, folder)
                files = digest(out)
                reference = reference or files
                same = "same files" if files == reference else "FILES DIFFER"
                workers = f" + {done.worker_peak:4.0f} MiB/worker" if jobs > 1 else ""
                print(
                    f"  --jobs {jobs} {label:<9}: {done.wall:6.1f} s wall (planned at "
                    f"{planned:5.1f} s), {done.cpu:6.1f} s CPU, "
                    f"{args.count / done.wall:7,.0f} households/s, peak RSS {done.peak:4.0f} MiB"
                    f"{workers}, exit {done.status}, {same}"
                )
            ledger.unlink(missing_ok=True)
            for path in out.glob("*.xml"):
                path.unlink()


if __name__ == "__main__":
    main()
