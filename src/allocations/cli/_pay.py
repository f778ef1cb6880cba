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

   With ``--jobs N`` (N > 1, the default on a machine with several CPUs) the file is read
   in chunks of :data:`CHUNK_LINES` lines, planned by ``N`` worker processes
   (:mod:`allocations.cli._chunked`): a worker (:class:`_Planning`) checks, computes and
   plans the households of a chunk with a planner of its own, up to the chunk's first bad
   line, and gives back the lines and ids it read, the instructions as plain values (sorted
   in payment order, cheap to pickle), its planner (totals by département, reasons of the
   zero entitlements) and the first problem. This process takes the chunks back **in file
   order**: it checks the ids against all those read before (duplicates), stops at the
   first bad line with the very message of ``--jobs 1``, merges the chunk's planner into
   the run's (:meth:`~allocations.Planner.merge`) and spools its instructions — cut into
   the same runs as ``--jobs 1``. The spool, the plan, hence the journal, the files, the
   summary and the errors are the same whatever ``N``. ``--jobs 1`` plans in this process,
   household by household; so does a file of fewer than two chunks. The workers are gone
   before the ledger is opened.
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
import itertools
import os
import pickle
import signal
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any, Literal, NamedTuple

from allocations.adapters.files import open_atomic
from allocations.adapters.households import (
    _FieldError,
    _opened,
    _Reading,
    detect_format,
    read_numbered_households,
)
from allocations.adapters.ledger_url import open_ledger
from allocations.cli import EXIT_FAILURE, EXIT_OK, UsageError, whole_number_argument
from allocations.cli import month_argument as _month
from allocations.cli._chunked import (
    CHUNK_LINES,
    Chunk,
    add_jobs_argument,
    checked_households,
    in_input_order,
    read_chunks,
)
from allocations.cli._ledger import add_ledger_argument
from allocations.cli._progress import Progress
from allocations.entitlement import Household, allocations_familiales, compute_entitlements
from allocations.errors import (
    AllocationsError,
    ConfigurationError,
    HouseholdFileError,
    InvalidInputError,
)
from allocations.iso20022 import BinarySink
from allocations.payments import Clock, PaymentInstruction
from allocations.payments._config import OrganisationConfig
from allocations.payments._instruction import plain_values, unpickle_plain
from allocations.payments._run import (
    DEFAULT_BATCH_SIZE,
    PaymentPlan,
    Planner,
    plain_payment_order,
    rows_in_payment_order,
    run_payments,
)
from allocations.periods import Month

__all__ = ["CHUNK_LINES", "CRASH_ENVIRONMENT", "NOW_ENVIRONMENT", "register"]

#: Testing hook: kill the process after this many durable steps.
CRASH_ENVIRONMENT = "ALLOCATIONS_CRASH_AFTER_STEPS"
#: Testing hook: a fixed clock (ISO 8601 with an offset).
NOW_ENVIRONMENT = "ALLOCATIONS_NOW"

#: Instructions sorted in memory before a run is written to disk (bounds the memory).
_RUN_SIZE = 50_000
#: Instructions per pickled chunk inside a spool file (bounds the memory of reading back).
_CHUNK = 1_000


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
        type=whole_number_argument(),
        default=DEFAULT_BATCH_SIZE,
        help=f"instructions per journal transaction (default: {DEFAULT_BATCH_SIZE:,})",
    )
    parser.add_argument(
        "--input-format",
        choices=("jsonl", "csv"),
        help="household file format (default: from the file's extension)",
    )
    add_jobs_argument(
        parser,
        "checking, computing and planning the households",
        "the ledger, the files and the messages are the same",
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
    """Planned instructions in payment order, on disk past one run (external merge sort).

    Instructions are kept as their plain values (what the ledger stores, identity and
    digest included): they pickle and merge cheaply, and the journal records them from
    those values (:class:`~allocations.payments.PlainRows`) without rebuilding objects.
    """

    def __init__(self, run_size: int = _RUN_SIZE) -> None:
        self._run_size = run_size
        self._buffer: list[tuple[Any, ...]] = []
        self._runs: list[IO[bytes]] = []
        self._merged: IO[bytes] | None = None
        self._sorted: list[tuple[Any, ...]] | None = None

    def add(self, instruction: PaymentInstruction) -> None:
        self.add_row(plain_values(instruction))

    def add_row(self, row: tuple[Any, ...]) -> None:
        """Add one instruction given as its plain values."""
        self._buffer.append(row)
        if len(self._buffer) >= self._run_size:
            self._runs.append(self._write_run(self._buffer))
            self._buffer = []

    def add_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Add instructions given as their plain values, in file order: the runs are cut
        where :meth:`add` would have cut them."""
        start = 0
        while len(rows) - start >= (room := self._run_size - len(self._buffer)):
            self._buffer.extend(itertools.islice(rows, start, start + room))
            start += room
            self._runs.append(self._write_run(self._buffer))
            self._buffer = []
        self._buffer.extend(itertools.islice(rows, start, None))

    @staticmethod
    def _write_run(rows: list[tuple[Any, ...]]) -> IO[bytes]:
        rows.sort(key=plain_payment_order)
        run: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        for start in range(0, len(rows), _CHUNK):
            pickle.dump(rows[start : start + _CHUNK], run, pickle.HIGHEST_PROTOCOL)
        run.seek(0)
        return run

    @staticmethod
    def _read(file: IO[bytes]) -> Iterator[tuple[Any, ...]]:
        # Our own temporary file, written by this process a moment ago: pickle is safe here.
        file.seek(0)
        while True:
            try:
                chunk: list[tuple[Any, ...]] = pickle.load(file)
            except EOFError:
                return
            yield from chunk

    def finish(self) -> None:
        """Sort and merge; check that no end-to-end id repeats (before any write)."""
        if not self._runs:
            self._buffer.sort(key=plain_payment_order)
            self._sorted = self._buffer
            for _ in rows_in_payment_order(self._sorted):
                pass
            return
        if self._buffer:
            self._runs.append(self._write_run(self._buffer))
            self._buffer = []
        merged: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        chunk: list[tuple[Any, ...]] = []
        streams = [self._read(run) for run in self._runs]
        for row in rows_in_payment_order(heapq.merge(*streams, key=plain_payment_order)):
            chunk.append(row)
            if len(chunk) == _CHUNK:
                pickle.dump(chunk, merged, pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, merged, pickle.HIGHEST_PROTOCOL)
        for run in self._runs:
            run.close()
        self._runs = []
        self._merged = merged

    def plain_rows(self) -> Iterator[tuple[Any, ...]]:
        """The instructions' plain values, in payment order (after :meth:`finish`)."""
        if self._sorted is not None:
            return iter(self._sorted)
        if self._merged is None:
            raise RuntimeError("the spool is read after finish()")
        return self._read(self._merged)

    def __iter__(self) -> Iterator[PaymentInstruction]:
        return map(unpickle_plain, self.plain_rows())

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


def _planned(planner: Planner, household: Household, line: int) -> tuple[Any, ...] | None:
    """One household's entitlement, planned: its instruction's plain values, or ``None`` if
    nothing is due.

    Raises:
        HouseholdFileError: the entitlement cannot be computed, or not paid (see
            :meth:`~allocations.Planner.add_plain`).
    """
    try:
        entitlement = allocations_familiales(household, planner.month)
    except AllocationsError as error:
        raise HouseholdFileError(
            planner.source,
            line,
            None,
            household.id,
            f"cannot be computed for {planner.month}: {error}",
        ) from None
    return planner.add_plain(household, entitlement, line=line)


class _Planned(NamedTuple):
    """What a worker gives back for one chunk: the line and id (``None`` if not a valid
    id) of each household it read, up to and including its first bad line; the plain
    values of the instructions, in payment order; its planner (totals, reasons of the zero
    entitlements); and what is wrong with the last line read, if anything."""

    lines: list[int]
    ids: list[str | None]
    rows: list[tuple[Any, ...]]
    planner: Planner
    problem: _FieldError | None


class _Planning:
    """Checks, computes and plans the households of chunks of lines: the work of one
    worker process (``--jobs``)."""

    def __init__(self, source: str, month: Month, benefit: str, remittance_label: str) -> None:
        self._reading = _Reading(source, None)
        self._source = source
        self._month = month
        self._benefit = benefit
        self._remittance_label = remittance_label

    def chunk(self, chunk: Chunk) -> _Planned:
        # A planner per chunk: its totals and reasons are the chunk's, merged in file order.
        planner = Planner(
            self._month,
            benefit=self._benefit,
            remittance_label=self._remittance_label,
            source=self._source,
        )
        done = _Planned([], [], [], planner, None)
        rows = done.rows
        for line, found in checked_households(chunk, self._reading, done.lines, done.ids):
            if isinstance(found, _FieldError):
                return done._replace(problem=found)
            try:
                row = _planned(planner, found, line)
            except HouseholdFileError as error:
                return done._replace(problem=_FieldError(error.field, error.value, error.reason))
            if row is not None:
                rows.append(row)
        # Stable: the spool's sort of a run then finds these rows in runs already.
        rows.sort(key=plain_payment_order)
        return done


def _plan_in_chunks(
    args: argparse.Namespace,
    config: OrganisationConfig,
    input_format: str,
    planner: Planner,
    spool: _Spool,
    progress: Progress,
) -> None:
    """Plan the file in ``args.jobs`` worker processes (see the module documentation).

    Raises:
        HouseholdFileError: the first bad line, as :func:`read_numbered_households` and
            :func:`_planned` report it.
    """
    reading = _Reading(args.households, None)
    worker = (args.households, planner.month, config.benefit, config.remittance_label)
    with contextlib.ExitStack() as stack:
        stack.callback(reading.seen.close)
        stream = stack.enter_context(_opened(args.households))
        chunks = read_chunks(stream, input_format, reading, CHUNK_LINES)
        # Closed on the way out, error or not: the worker processes stop here and now.
        results = stack.enter_context(
            contextlib.closing(in_input_order(chunks, args.jobs, _Planning, worker))
        )
        accept, advance = reading.accept, progress.advance
        for done in results:
            problem, last = done.problem, len(done.lines) - 1
            for index, line in enumerate(done.lines):
                # The duplicate index sees every valid id, in file order (see the reader);
                # a line's problem is raised after its id is checked, as the reader does.
                accept(line, done.ids[index], problem if index == last else None)
                advance()
            planner.merge(done.planner)
            spool.add_rows(done.rows)


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
    chosen: Literal["jsonl", "csv"] = "csv" if input_format == "csv" else "jsonl"
    with Progress("households checked") as progress:
        if args.jobs > 1:
            _plan_in_chunks(args, config, chosen, planner, spool, progress)
        else:
            for line, household in read_numbered_households(args.households, chosen):
                row = _planned(planner, household, line)
                if row is not None:
                    spool.add_row(row)
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
