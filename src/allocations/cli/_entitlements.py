"""``allocations entitlements``: the *allocations familiales* of every household of a file.

Theory of operation: one streaming pass. Households are read one at a time
(:func:`~allocations.adapters.households.read_numbered_households`), computed, and their
records written to a temporary file — next to ``--output`` (renamed over it at the end,
:func:`~allocations.adapters.files.open_atomic`), or a spool file copied to standard
output at the end. A bad line stops the run before anything is published: no partial
output, ever. Memory does not grow with the file (the duplicate-id index aside, see the
reader), and a single pass reads the input once, which also works for a pipe.

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
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from allocations.adapters.files import open_atomic
from allocations.adapters.households import detect_format, read_numbered_households
from allocations.cli import EXIT_FAILURE, EXIT_OK, UsageError
from allocations.cli._progress import Progress
from allocations.entitlement import Entitlement, allocations_familiales, compute_entitlements
from allocations.errors import (
    AllocationsError,
    HouseholdFileError,
    InvalidInputError,
    InvalidMonthError,
)
from allocations.periods import Month

__all__ = ["EXIT_REJECTED", "register"]

#: ``--skip-invalid`` wrote the valid households and rejected some.
EXIT_REJECTED = 3

CSV_HEADER = ("id", "month", "gross", "crds", "net", "breakdown")

#: Longest text of a rejected value kept in the rejects file (a line can be 1 MiB).
_REJECT_VALUE_LIMIT = 200

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except InvalidMonthError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


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
    parser.add_argument("--month", required=True, type=_month, help="benefit month, YYYY-MM")
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


def _record_writer(out: IO[str], output_format: str) -> Callable[[Entitlement], None]:
    if output_format == "jsonl":
        write = out.write

        def write_jsonl(entitlement: Entitlement) -> None:
            write(_ENCODE(entitlement.to_record()) + "\n")

        return write_jsonl
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writerow = writer.writerow

    def write_csv(entitlement: Entitlement) -> None:
        record = entitlement.to_record()
        breakdown: list[dict[str, Any]] = record["breakdown"]  # type: ignore[assignment]
        writerow(
            (
                record["id"],
                record["month"],
                record["gross"],
                record["crds"],
                record["net"],
                ";".join(f"{line['component']}={line['amount']}" for line in breakdown),
            )
        )

    return write_csv


@contextlib.contextmanager
def _output(path: str) -> Iterator[IO[str]]:
    """The output file: atomic for a path; for stdout, a spool copied out on success."""
    if path != "-":
        with open_atomic(path, "w", newline="") as out:
            yield out
        return
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
        yield spool
        spool.seek(0)  # flushes; the text layer has read nothing ahead
        sys.stdout.flush()
        target = getattr(sys.stdout, "buffer", None)
        if target is not None:
            shutil.copyfileobj(spool.buffer, target)
            target.flush()
        else:  # a text-only stream (an embedding application's replacement)
            shutil.copyfileobj(spool, sys.stdout)


def _run(args: argparse.Namespace) -> int:
    input_format, output_format, rejects_path = _options(args)
    month: Month = args.month
    # Resolve the law of the month before reading anything: an unknown month fails at once.
    compute_entitlements((), month)
    source: str | IO[bytes] = sys.stdin.buffer if args.households == "-" else args.households
    name = "<stdin>" if args.households == "-" else args.households
    rejected = 0
    computed = 0
    try:
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(_output(args.output))
            write = _record_writer(out, output_format)
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

            households = read_numbered_households(
                source,
                "csv" if input_format == "csv" else "jsonl",
                on_error=reject if rejects_file is not None else None,
            )
            for line, household in households:
                try:
                    entitlement = allocations_familiales(household, month)
                except AllocationsError as error:
                    reject(
                        HouseholdFileError(
                            name,
                            line,
                            None,
                            household.id,
                            f"cannot be computed for {month}: {error}",
                        )
                    )
                    continue
                write(entitlement)
                computed += 1
                progress.advance()
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
