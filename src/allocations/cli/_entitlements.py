"""``allocations entitlements``: the *allocations familiales* of every household of a file.

Theory of operation: one streaming pass, in three steps. The main process reads the
file's lines (or CSV rows), numbered, in chunks of :data:`CHUNK_LINES`; each chunk is
checked, computed and written as text — by :class:`_Computer`, in ``--jobs`` worker
processes or in this one (see :mod:`allocations.cli._chunked`); the main process then takes
the chunks back **in input order**,
checks the household ids against all the ids already read (duplicates, see the reader),
reports the invalid lines, and writes the records to a temporary file — next to
``--output`` (renamed over it at the end, :func:`~allocations.adapters.files.open_atomic`),
or a spool file copied to standard output at the end. A bad line stops the run before
anything is published: no partial output, ever. The output, the rejects and the errors
are the same, byte for byte, whatever the number of jobs. At most
:data:`CHUNKS_IN_FLIGHT` chunks per job are being worked on at once, so memory does not
grow with the file (the duplicate-id index aside, see the reader), and a single pass reads
the input once, which also works for a pipe.

Output, one line per household in input order:

- ``--format jsonl`` (default): ``Entitlement.to_record()`` as compact JSON;
- ``--format csv``: a header ``id,month,gross,crds,net,breakdown`` then one row per
  household; ``breakdown`` is ``component=amount`` items joined by ``;``.

Exit statuses: 0 every household computed; 1 nothing written (bad input line without
``--skip-invalid``, unknown law for the month, unreadable or unwritable file); 2 bad
arguments; 3 ``--skip-invalid`` wrote the valid households and rejected at least one
(listed in the rejects file, summary on standard error).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any, Literal, NamedTuple

from allocations.adapters.files import open_atomic
from allocations.adapters.households import (
    _FieldError,
    _opened,
    _Reading,
    _source_name,
    detect_format,
)
from allocations.cli import EXIT_FAILURE, EXIT_OK, UsageError, month_argument
from allocations.cli._chunked import (
    CHUNK_LINES,
    CHUNKS_IN_FLIGHT,
    MAX_DEFAULT_JOBS,
    Chunk,
    add_jobs_argument,
    checked_households,
    in_input_order,
    read_chunks,
)
from allocations.cli._progress import Progress
from allocations.entitlement import allocations_familiales, compute_entitlements
from allocations.entitlement._entitlement import record_json
from allocations.entitlement._month_law import month_law
from allocations.entitlement._options import DEFAULT_OPTIONS
from allocations.errors import AllocationsError, HouseholdFileError, InvalidInputError
from allocations.periods import Month

__all__ = ["CHUNKS_IN_FLIGHT", "CHUNK_LINES", "EXIT_REJECTED", "MAX_DEFAULT_JOBS", "register"]

#: ``--skip-invalid`` wrote the valid households and rejected some.
EXIT_REJECTED = 3

CSV_HEADER = ("id", "month", "gross", "crds", "net", "breakdown")

#: Longest text of a rejected value kept in the rejects file (a line can be 1 MiB).
_REJECT_VALUE_LIMIT = 200

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def register(subparsers: Any) -> None:
    """Add the ``entitlements`` sub-command."""
    parser = subparsers.add_parser(
        "entitlements",
        help="compute the allocations familiales of every household of a file",
        description=(
            "Compute the allocations familiales of every household of a JSON Lines or CSV "
            "file for one benefit month, one output line per household. Nothing is written "
            "unless the whole run succeeds (or --skip-invalid is given)."
        ),
        epilog=(
            "exit status: 0 done; 1 nothing written (bad input, unknown law, I/O error); "
            "2 bad arguments; 3 done with rejected households (--skip-invalid)"
        ),
    )
    parser.add_argument("households", help="household file (.jsonl, .ndjson or .csv; - for stdin)")
    parser.add_argument(
        "--month", required=True, type=month_argument, help="benefit month, YYYY-MM"
    )
    parser.add_argument(
        "--format",
        choices=("jsonl", "csv"),
        help="output format (default: csv if --output ends in .csv, else jsonl)",
    )
    parser.add_argument(
        "--input-format",
        choices=("jsonl", "csv"),
        help="input format (default: from the file's extension; required for stdin)",
    )
    parser.add_argument("--output", "-o", default="-", help="output file (default: stdout)")
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the valid households and list the others in a rejects file (exit 3)",
    )
    parser.add_argument(
        "--rejects",
        help="rejects file, JSON Lines (default with --skip-invalid: OUTPUT.rejects.jsonl)",
    )
    add_jobs_argument(parser, "checking and computing the households", "the output is the same")
    parser.set_defaults(handler=_run)


def _options(args: argparse.Namespace) -> tuple[str, str, str | None]:
    """The input format, output format and rejects path, or a usage error."""
    if args.input_format is not None:
        input_format: str = args.input_format
    elif args.households == "-":
        raise UsageError("allocations entitlements: reading stdin needs --input-format")
    else:
        try:
            input_format = detect_format(args.households)
        except InvalidInputError as error:
            raise UsageError(f"allocations entitlements: {error}") from None
    output_format: str = args.format or ("csv" if args.output.lower().endswith(".csv") else "jsonl")
    rejects: str | None = args.rejects
    if rejects is not None and not args.skip_invalid:
        raise UsageError("allocations entitlements: --rejects needs --skip-invalid")
    if args.skip_invalid and rejects is None:
        if args.output == "-":
            raise UsageError(
                "allocations entitlements: --skip-invalid with output to stdout needs --rejects FILE"
            )
        rejects = args.output + ".rejects.jsonl"
    if rejects is not None and (
        rejects == "-" or os.path.abspath(rejects) == os.path.abspath(args.output)
    ):
        raise UsageError("allocations entitlements: --rejects must be a file other than the output")
    return input_format, output_format, rejects


def _reject_value(value: object) -> object:
    """The offending value as JSON: scalars as they are, anything else as bounded text."""
    if value is ...:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "backslashreplace")
    if value is None or isinstance(value, (bool, int)):
        return value
    text = value if isinstance(value, str) else repr(value)
    if len(text) > _REJECT_VALUE_LIMIT:
        text = text[: _REJECT_VALUE_LIMIT - 1] + "…"
    return str(text)


def _reject_record(error: HouseholdFileError) -> str:
    return _ENCODE(
        {
            "source": error.source,
            "line": error.line,
            "field": error.field,
            "value": _reject_value(error.value),
            "reason": error.reason,
            "message": str(error),
        }
    )


class _Uncomputable(NamedTuple):
    """A valid household whose entitlement cannot be computed (unsupported territory…)."""

    reason: str


class _Done(NamedTuple):
    """What a chunk gives back, for each of its lines that is not blank (in order): its
    number, its id if valid, and the size of its output (0 for none); the output of them
    all, UTF-8, as one block (cheap to pass between processes); and, by position, why a
    line has no output."""

    lines: list[int]
    ids: list[str | None]
    sizes: list[int]
    output: bytes
    problems: dict[int, _FieldError | _Uncomputable]


class _Computer:
    """Checks, computes and writes the households of chunks of lines: the work of one
    process (a worker's, or the main one's with ``--jobs 1``)."""

    def __init__(self, name: str, month: Month, output_format: str) -> None:
        self._reading = _Reading(name, None)
        self._month = month
        self._law = month_law(month)
        self._csv = _CsvRows() if output_format == "csv" else None

    def chunk(self, chunk: Chunk) -> _Done:
        done = _Done([], [], [], b"", {})
        outputs: list[bytes] = []
        law, csv_rows = self._law, self._csv
        for _, found in checked_households(chunk, self._reading, done.lines, done.ids):
            if isinstance(found, _FieldError):
                done.problems[len(done.sizes)] = found
                done.sizes.append(0)
                continue
            try:
                if csv_rows is None:
                    text = record_json(found, law, DEFAULT_OPTIONS) + "\n"
                else:
                    text = csv_rows.row(allocations_familiales(found, self._month).to_record())
            except AllocationsError as error:
                reason = f"cannot be computed for {self._month}: {error}"
                done.problems[len(done.sizes)] = _Uncomputable(reason)
                done.sizes.append(0)
                continue
            encoded = text.encode("utf-8")
            outputs.append(encoded)
            done.sizes.append(len(encoded))
        return done._replace(output=b"".join(outputs))


class _CsvRows:
    """One CSV row of output as text, exactly as ``csv.writer`` writes it to the file."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def row(self, record: dict[str, Any]) -> str:
        breakdown: list[dict[str, Any]] = record["breakdown"]
        return self.text(
            (
                record["id"],
                record["month"],
                record["gross"],
                record["crds"],
                record["net"],
                ";".join(f"{line['component']}={line['amount']}" for line in breakdown),
            )
        )

    def text(self, fields: Iterable[str]) -> str:
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._writer.writerow(fields)
        return buffer.getvalue()


@contextlib.contextmanager
def _output(path: str) -> Iterator[IO[bytes]]:
    """The output file: atomic for a path; for stdout, a spool copied out on success."""
    if path != "-":
        with open_atomic(path, "wb") as out:
            yield out
        return
    with tempfile.TemporaryFile("w+b") as spool:
        yield spool
        spool.seek(0)
        sys.stdout.flush()
        target = getattr(sys.stdout, "buffer", None)
        if target is not None:
            shutil.copyfileobj(spool, target)
            target.flush()
        else:  # a text-only stream (an embedding application's replacement)
            shutil.copyfileobj(io.TextIOWrapper(spool, encoding="utf-8", newline=""), sys.stdout)


def _run(args: argparse.Namespace) -> int:
    input_format, output_format, rejects_path = _options(args)
    month: Month = args.month
    # Resolve the law of the month before reading anything: an unknown month fails at once.
    compute_entitlements((), month)
    source: str | IO[bytes] = sys.stdin.buffer if args.households == "-" else args.households
    name = _source_name(source)
    chosen: Literal["jsonl", "csv"] = "csv" if input_format == "csv" else "jsonl"
    rejected = 0
    computed = 0
    try:
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(_output(args.output))
            if output_format == "csv":
                out.write(_CsvRows().text(CSV_HEADER).encode("utf-8"))
            progress = stack.enter_context(Progress("households"))
            rejects_file: IO[str] | None = None
            if rejects_path is not None:
                rejects_file = stack.enter_context(open_atomic(rejects_path, "w"))

            def reject(error: HouseholdFileError) -> None:
                nonlocal rejected
                if rejects_file is None:
                    raise error
                rejected += 1
                progress.advance()
                rejects_file.write(_reject_record(error) + "\n")

            reading = _Reading(name, reject if rejects_file is not None else None)
            stack.callback(reading.seen.close)
            stream = stack.enter_context(_opened(source))
            chunks = read_chunks(stream, chosen, reading, CHUNK_LINES)
            add, advance, write = reading.seen.add, progress.advance, out.write
            # Closed on the way out, error or not: the worker processes stop here and now.
            computed_chunks = stack.enter_context(
                contextlib.closing(
                    in_input_order(chunks, args.jobs, _Computer, (name, month, output_format))
                )
            )
            for done in computed_chunks:
                problems, sizes = done.problems, done.sizes
                output = memoryview(done.output)  # written in slices, not copied
                start = end = 0  # output[start:end] is accepted and not written yet
                for index, line in enumerate(done.lines):
                    size = sizes[index]
                    household_id = done.ids[index]
                    # The duplicate index sees every valid id, in file order (see the reader).
                    first = None if household_id is None else add(household_id, line)
                    if first is None and index not in problems:
                        end += size
                        computed += 1
                        advance()
                        continue
                    write(output[start:end])
                    start = end = end + size
                    problem = problems.get(index)
                    if first is not None:
                        reason = f"is a duplicate household id (first on line {first})"
                        problem = _FieldError("id", household_id, reason)
                    if isinstance(problem, _FieldError):
                        reading.fail(line, problem)
                    elif problem is not None:
                        reject(HouseholdFileError(name, line, None, household_id, problem.reason))
                write(output[start:end])
    except OSError as error:
        where = f" {error.filename!r}" if error.filename else ""
        print(f"allocations: error: cannot use{where}: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURE
    if rejected:
        print(
            f"allocations: {rejected:,} of {rejected + computed:,} households rejected, "
            f"listed in {rejects_path}",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    return EXIT_OK
