"""The ``allocations`` command line: the edge where files are read and text is printed.

Each sub-command lives in its own private module exposing ``register(subparsers)``; the
module sets ``handler`` on its parser. Handlers return the exit status.

Exit statuses: 0 success, 1 the job failed (bad input data, guard stopped the run),
2 bad arguments (one line on stderr).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from allocations.errors import AllocationsError, InvalidMonthError
from allocations.periods import Month

__all__ = ["main"]

#: Sub-command modules, in the order ``--help`` lists them.
_COMMAND_MODULES: tuple[str, ...] = (
    "allocations.cli._calendar",
    "allocations.cli._entitlements",
    "allocations.cli._validate",
    "allocations.cli._pay",
    "allocations.cli._ingest",
    "allocations.cli._ledger",
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad command-line arguments: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def month_argument(text: str) -> Month:
    """The argparse ``type`` of the sub-commands' ``--month``: a benefit month ``YYYY-MM``.

    Args:
        text: the argument as typed.

    Returns:
        The :class:`~allocations.Month`.

    Raises:
        argparse.ArgumentTypeError: ``text`` is not a month (argparse reports it in one line
            naming the option, exit status 2).

    >>> from allocations.cli import month_argument
    >>> month_argument("2024-05")
    Month(year=2024, month=5)
    >>> month_argument("2024-13")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: month '2024-13' is out of range: Month.month must be within 1..12, got 13

    .. versionadded:: 0.1.0
    """
    try:
        return Month.parse(text)
    except InvalidMonthError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def whole_number_argument(maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` for a count option: a whole number from 1 to ``maximum``.

    >>> from allocations.cli import whole_number_argument
    >>> jobs = whole_number_argument(4)
    >>> jobs("2")
    2
    >>> jobs("5")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a whole number from 1 to 4, got '5'

    .. versionadded:: 0.1.0
    """
    allowed = (
        "a whole number of at least 1" if maximum is None else f"a whole number from 1 to {maximum}"
    )

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1 or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every sub-command registered."""
    parser = _Parser(
        prog="allocations",
        description="French family allowances: calendars, entitlements, payment runs.",
    )
    subparsers = parser.add_subparsers(
        title="commands", dest="command", required=True, parser_class=_Parser
    )
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (also used by the console script)."""
    try:
        args = build_parser().parse_args(argv)
        status: int = args.handler(args)
    except UsageError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    except AllocationsError as error:
        print(f"allocations: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        # The reader went away (``allocations calendar … | head``): not an error of ours.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("allocations: interrupted", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
