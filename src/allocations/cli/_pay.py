"""``allocations pay``: the monthly payment run, from a household file to pain.001 files.

Theory of operation: two passes, so that bad input writes nothing (DESIGN.md principle 6)
and memory stays bounded whatever the size of the file.

1. **Validate and spool.** The household file is read once, streaming; each household's
   entitlement is computed and planned (:class:`~allocations.Planner`), which checks every
   field a payment needs. The instructions are put in payment order by an external merge
   sort: runs of at most ``_RUN_SIZE`` instructions are sorted in memory and pickled to
   anonymous temporary files, then merged into one spool file, checking on the way that no
   end-to-end id repeats. Any problem stops here, before the ledger is even opened:
   nothing is journaled and no file is written. Memory: one run of instructions (about
   40 MB for 50,000), the reader's duplicate-id index and the reasons of the zero
   entitlements (the guard quotes them).
2. **Run.** The ledger is opened and :func:`~allocations.run_payments` journals the spool
   in batches (``--batch-size``), runs the pre-flight guard and writes the files into
   ``--out`` through the atomic file sink (temporary file, ``fsync``, rename; mode 0600:
   payment files hold personal data).

Testing hooks (environment variables, not options, so that no operator uses them by
mistake):

- ``ALLOCATIONS_CRASH_AFTER_STEPS=N``: the process sends itself ``SIGKILL`` right after its
  N-th durable step (journal batch, override, file allocation, file write, batch of IN_FILE
  marks), to prove that running the same command again recovers.
- ``ALLOCATIONS_NOW=2024-06-03T08:00:00+00:00``: the clock reads this fixed time (CreDtTm of
  new files, ledger timestamps), so that files can be compared byte for byte across runs.

Exit statuses: 0 done; 1 nothing emitted (bad input or configuration, the guard stopped the
run, an idempotency conflict); 2 bad arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import heapq
import os
import pickle
import signal
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any

from allocations.adapters.files import open_atomic
from allocations.adapters.households import detect_format, read_numbered_households
from allocations.adapters.ledger_url import open_ledger
from allocations.cli import EXIT_FAILURE, EXIT_OK, UsageError
from allocations.cli._entitlements import _month
from allocations.cli._ledger import add_ledger_argument
from allocations.cli._progress import Progress
from allocations.entitlement import allocations_familiales, compute_entitlements
from allocations.errors import (
    AllocationsError,
    ConfigurationError,
    HouseholdFileError,
    InvalidInputError,
)
from allocations.iso20022 import BinarySink
from allocations.payments import Clock, PaymentInstruction
from allocations.payments._config import OrganisationConfig
from allocations.payments._run import (
    DEFAULT_BATCH_SIZE,
    PaymentPlan,
    Planner,
    in_payment_order,
    payment_order,
    run_payments,
)
from allocations.periods import Month

__all__ = ["CRASH_ENVIRONMENT", "NOW_ENVIRONMENT", "register"]

#: Testing hook: kill the process after this many durable steps.
CRASH_ENVIRONMENT = "ALLOCATIONS_CRASH_AFTER_STEPS"
#: Testing hook: a fixed clock (ISO 8601 with an offset).
NOW_ENVIRONMENT = "ALLOCATIONS_NOW"

#: Instructions sorted in memory before a run is written to disk (bounds the memory).
_RUN_SIZE = 50_000
#: Instructions per pickled chunk inside a spool file (bounds the memory of reading back).
_CHUNK = 1_000


def _batch_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def register(subparsers: Any) -> None:
    """Add the ``pay`` sub-command."""
    parser = subparsers.add_parser(
        "pay",
        help="plan, journal and write the pain.001 files of a month's payments",
        description=(
            "Compute the allocations familiales of every household of a file for one month, "
            "journal one payment per household owed something, check the month against the "
            "previous one (pre-flight guard) and write the pain.001 files. Bad input writes "
            "nothing. Running the same command again (after a crash, or to re-emit) records "
            "nothing twice and writes the same files."
        ),
        epilog=(
            "exit status: 0 done; 1 nothing emitted (bad input or configuration, guard "
            "stopped, conflict with the ledger); 2 bad arguments"
        ),
    )
    parser.add_argument("households", help="household file (.jsonl, .ndjson or .csv)")
    parser.add_argument("--month", required=True, type=_month, help="benefit month, YYYY-MM")
    parser.add_argument(
        "--config", required=True, help="the paying organisation's TOML file (organisation.toml)"
    )
    parser.add_argument("--out", required=True, help="directory of the pain.001 files")
    add_ledger_argument(parser)
    parser.add_argument(
        "--override",
        metavar="REASON",
        help="go on despite the pre-flight guard's findings; the reason is kept in the ledger",
    )
    parser.add_argument(
        "--batch-size",
        type=_batch_size,
        default=DEFAULT_BATCH_SIZE,
        help=f"instructions per journal transaction (default: {DEFAULT_BATCH_SIZE:,})",
    )
    parser.add_argument(
        "--input-format",
        choices=("jsonl", "csv"),
        help="household file format (default: from the file's extension)",
    )
    parser.set_defaults(handler=_run)


def load_config(path: str) -> OrganisationConfig:
    """Read and check the organisation's TOML file.

    Raises:
        ConfigurationError: the file is missing, unreadable, not TOML or invalid.
    """
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file, parse_float=Decimal)
    except OSError as error:
        raise ConfigurationError(
            f"cannot read the configuration {path!r}: {error.strerror or error}"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{path}: not valid TOML: {error}") from None
    return OrganisationConfig.from_mapping(data, source=path)


class _Spool:
    """Planned instructions in payment order, on disk past one run (external merge sort)."""

    def __init__(self, run_size: int = _RUN_SIZE) -> None:
        self._run_size = run_size
        self._buffer: list[PaymentInstruction] = []
        self._runs: list[IO[bytes]] = []
        self._merged: IO[bytes] | None = None
        self._sorted: list[PaymentInstruction] | None = None

    def add(self, instruction: PaymentInstruction) -> None:
        self._buffer.append(instruction)
        if len(self._buffer) >= self._run_size:
            self._runs.append(self._write_run(self._buffer))
            self._buffer = []

    @staticmethod
    def _write_run(instructions: list[PaymentInstruction]) -> IO[bytes]:
        instructions.sort(key=payment_order)
        run: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        for start in range(0, len(instructions), _CHUNK):
            pickle.dump(instructions[start : start + _CHUNK], run, pickle.HIGHEST_PROTOCOL)
        run.seek(0)
        return run

    @staticmethod
    def _read(file: IO[bytes]) -> Iterator[PaymentInstruction]:
        # Our own temporary file, written by this process a moment ago: pickle is safe here.
        file.seek(0)
        while True:
            try:
                chunk: list[PaymentInstruction] = pickle.load(file)
            except EOFError:
                return
            yield from chunk

    def finish(self) -> None:
        """Sort and merge; check that no end-to-end id repeats (before any write)."""
        if not self._runs:
            self._buffer.sort(key=payment_order)
            self._sorted = self._buffer
            for _ in in_payment_order(self._sorted):
                pass
            return
        if self._buffer:
            self._runs.append(self._write_run(self._buffer))
            self._buffer = []
        merged: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        chunk: list[PaymentInstruction] = []
        streams = [self._read(run) for run in self._runs]
        for instruction in in_payment_order(heapq.merge(*streams, key=payment_order)):
            chunk.append(instruction)
            if len(chunk) == _CHUNK:
                pickle.dump(chunk, merged, pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, merged, pickle.HIGHEST_PROTOCOL)
        for run in self._runs:
            run.close()
        self._runs = []
        self._merged = merged

    def __iter__(self) -> Iterator[PaymentInstruction]:
        if self._sorted is not None:
            return iter(self._sorted)
        if self._merged is None:
            raise RuntimeError("the spool is read after finish()")
        return self._read(self._merged)

    def close(self) -> None:
        for file in (*self._runs, self._merged):
            if file is not None:
                file.close()


class _DirectorySink:
    """The run's files in a directory, each written atomically (mode 0600)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[BinarySink]:
        os.makedirs(self.directory, exist_ok=True)
        with open_atomic(os.path.join(self.directory, name), "wb", permissions=0o600) as out:
            yield out


def _clock() -> Clock:
    fixed = os.environ.get(NOW_ENVIRONMENT)
    if not fixed:
        return lambda: dt.datetime.now(dt.UTC)
    try:
        now = dt.datetime.fromisoformat(fixed)
    except ValueError:
        now = None
    if now is None or now.utcoffset() is None:
        raise UsageError(
            f"allocations pay: {NOW_ENVIRONMENT}={fixed!r} must be an ISO 8601 time with an "
            "offset, e.g. 2024-06-03T08:00:00+00:00"
        )
    return lambda: now


def _crash_after() -> int | None:
    raw = os.environ.get(CRASH_ENVIRONMENT)
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise UsageError(f"allocations pay: {CRASH_ENVIRONMENT}={raw!r} must be a positive integer")
    return int(raw)


def _checkpoint(progress: Progress) -> Callable[[str], None]:
    limit = _crash_after()
    steps = 0

    def checkpoint(name: str) -> None:
        nonlocal steps
        steps += 1
        progress.advance()
        if steps == limit:
            print(
                f"allocations: {CRASH_ENVIRONMENT}={limit}: killed after step {steps} ({name})",
                file=sys.stderr,
                flush=True,
            )
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))

    return checkpoint


def _plan(
    args: argparse.Namespace, config: OrganisationConfig, spool: _Spool, input_format: str
) -> PaymentPlan:
    month: Month = args.month
    compute_entitlements((), month)  # an unknown law fails before the file is read
    planner = Planner(
        month,
        benefit=config.benefit,
        remittance_label=config.remittance_label,
        source=args.households,
    )
    with Progress("households checked") as progress:
        for line, household in read_numbered_households(
            args.households, "csv" if input_format == "csv" else "jsonl"
        ):
            try:
                entitlement = allocations_familiales(household, month)
            except AllocationsError as error:
                raise HouseholdFileError(
                    args.households,
                    line,
                    None,
                    household.id,
                    f"cannot be computed for {month}: {error}",
                ) from None
            instruction = planner.add(household, entitlement, line=line)
            if instruction is not None:
                spool.add(instruction)
            progress.advance()
    spool.finish()
    return planner.plan(spool)


def _run(args: argparse.Namespace) -> int:
    if args.input_format is not None:
        input_format: str = args.input_format
    else:
        try:
            input_format = detect_format(args.households)
        except InvalidInputError as error:
            raise UsageError(f"allocations pay: {error}") from None
    clock = _clock()
    config = load_config(args.config)
    spool = _Spool()
    try:
        plan = _plan(args, config, spool, input_format)
        with (
            open_ledger(args.ledger, clock=clock) as ledger,
            Progress("durable steps", every=10) as progress,
        ):
            report = run_payments(
                ledger,
                plan,
                config=config,
                sink=_DirectorySink(args.out),
                clock=clock,
                override=args.override,
                batch_size=args.batch_size,
                checkpoint=_checkpoint(progress),
            )
    except OSError as error:
        where = f" {error.filename!r}" if error.filename else ""
        print(f"allocations: error: cannot use{where}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        spool.close()
    print(report.summary())
    return EXIT_OK
