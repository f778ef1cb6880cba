"""``allocations ingest REPORT.xml``: apply a bank report (pain.002, camt.054) to the ledger.

The report's message and version come from its namespace. Statuses and bookings move the
instructions along their lifecycle (see :func:`~allocations.apply_report`): a file is SENT
at the latest when the first report about it is ingested, a pain.002 accepts or rejects, a
camt.054 settles or returns. Ingesting the same report again changes nothing.

Exit statuses: 0 applied (or already applied); 1 the report cannot be read; 2 bad
arguments; 3 the known facts were applied but the report names ids the ledger does not
know, or facts its lifecycle forbids — listed on standard output, to be looked at.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from allocations.adapters.ledger_url import open_ledger
from allocations.cli import EXIT_OK, UsageError
from allocations.cli._ledger import add_ledger_argument
from allocations.payments._ingest import apply_report

__all__ = ["EXIT_PROBLEMS", "register"]

#: Known facts applied; unknown ids or refused facts listed.
EXIT_PROBLEMS = 3


def register(subparsers: Any) -> None:
    """Add the ``ingest`` sub-command."""
    parser = subparsers.add_parser(
        "ingest",
        help="apply a bank report (pain.002 status, camt.054 booking) to the ledger",
        description=(
            "Apply a pain.002 (accepted / rejected with reason) or a camt.054 (settled / "
            "returned) to the ledger, idempotently: the same report twice changes nothing."
        ),
        epilog=(
            "exit status: 0 applied; 1 unreadable report; 2 bad arguments; 3 applied, but "
            "unknown ids or refused facts are listed"
        ),
    )
    parser.add_argument("report", type=Path, help="the pain.002 or camt.054 XML file")
    add_ledger_argument(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        data = args.report.read_bytes()
    except OSError as error:
        raise UsageError(
            f"allocations ingest: cannot read {str(args.report)!r}: {error.strerror}"
        ) from None
    with open_ledger(args.ledger) as ledger:
        report = apply_report(ledger, data)
    print(report.text())
    return EXIT_OK if report.clean else EXIT_PROBLEMS
