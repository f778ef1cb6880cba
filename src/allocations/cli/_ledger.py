"""``allocations ledger``: look at the ledger, and record that a file was sent.

- ``allocations ledger status --month 2024-05``: how many instructions of the month are in
  each state, and for how much; how many payment files were journaled.
- ``allocations ledger mark-sent FILE``: the file (its MsgId, or its name ``MsgId.xml``) was
  handed to the bank: its instructions go from IN_FILE to SENT. Idempotent. Optional: the
  first bank report about the file does it too (``allocations ingest``).

Exit statuses: 0 done; 1 unknown file or illegal transition (nothing changed); 2 bad
arguments.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from allocations.adapters.ledger_url import DEFAULT_LEDGER_URL, open_ledger
from allocations.cli import EXIT_OK, UsageError, month_argument
from allocations.payments import InstructionState
from allocations.payments._ingest import mark_file_sent
from allocations.periods import Month

__all__ = ["add_ledger_argument", "register"]


def add_ledger_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--ledger URL`` (default :data:`DEFAULT_LEDGER_URL`) to a sub-command."""
    parser.add_argument(
        "--ledger", default=DEFAULT_LEDGER_URL, help=f"ledger URL (default: {DEFAULT_LEDGER_URL})"
    )


def register(subparsers: Any) -> None:
    """Add the ``ledger`` sub-command and its own sub-commands."""
    parser = subparsers.add_parser(
        "ledger",
        help="look at the ledger (status of a month), record a file as sent",
        description="Look at the payment ledger, or record that a payment file was sent.",
    )
    actions = parser.add_subparsers(
        title="actions", dest="action", required=True, parser_class=type(parser)
    )
    status = actions.add_parser(
        "status",
        help="instructions of a month by state, with amounts",
        description="How many instructions of a benefit month are in each state, and for how much.",
    )
    status.add_argument(
        "--month", required=True, type=month_argument, help="benefit month, YYYY-MM"
    )
    add_ledger_argument(status)
    status.set_defaults(handler=_status)
    sent = actions.add_parser(
        "mark-sent",
        help="record that a payment file was handed to the bank (IN_FILE -> SENT)",
        description=(
            "Record that a pain.001 file was handed to the bank: its instructions go from "
            "IN_FILE to SENT. Idempotent."
        ),
    )
    sent.add_argument("file", help="the file's MsgId, or its name (MsgId.xml), or its path")
    add_ledger_argument(sent)
    sent.set_defaults(handler=_mark_sent)


def _status(args: argparse.Namespace) -> int:
    month: Month = args.month
    counts = dict.fromkeys(InstructionState, 0)
    cents = dict.fromkeys(InstructionState, 0)
    with open_ledger(args.ledger) as ledger:
        for entry in ledger.instructions(period=month):
            counts[entry.state] += 1
            cents[entry.state] += entry.instruction.amount_cents
        files = list(ledger.files(period=month))
    total = sum(counts.values())
    print(f"Ledger {args.ledger}, benefit month {month}: {total:,} instructions")
    width = max(len(state.value) for state in InstructionState)
    for state in InstructionState:
        amount = f"{cents[state] // 100:,}.{cents[state] % 100:02d}"
        print(f"  {state.value:<{width}}  {counts[state]:>10,}  {amount:>18} EUR")
    print(f"  payment files journaled: {len(files)}")
    for file in files:
        print(
            f"    {file.message_id}: {len(file.end_to_end_ids):,} transactions, executed "
            f"{file.requested_execution_date}, created {file.created_at.isoformat()}"
        )
    return EXIT_OK


def _mark_sent(args: argparse.Namespace) -> int:
    name = os.path.basename(args.file)
    message_id = name[: -len(".xml")] if name.endswith(".xml") else name
    if not message_id:
        raise UsageError(f"allocations ledger mark-sent: no file name in {args.file!r}")
    with open_ledger(args.ledger) as ledger:
        results = mark_file_sent(ledger, message_id)
    changed = sum(1 for result in results if not result.already)
    print(
        f"{message_id}: {changed:,} instructions now sent, "
        f"{len(results) - changed:,} were already sent or further"
    )
    return EXIT_OK
