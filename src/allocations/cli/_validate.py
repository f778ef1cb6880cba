"""``allocations validate FILE``: check a pain.001 before sending it to the bank.

The message and version come from the file's namespace. A pain.001 (``.03`` or ``.09``) is
checked against the SEPA rules and, when ``xmlschema`` is installed, the official XSD. A bank
report (pain.002, camt.054) is checked against its XSD and read. Exit status 0 when valid
(warnings allowed), 1 when invalid, 2 for bad arguments (a missing or unreadable file).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from allocations.cli import EXIT_FAILURE, EXIT_OK, UsageError
from allocations.errors import Iso20022Error
from allocations.iso20022 import (
    MessageDefinition,
    detect_message,
    read_camt054,
    read_payment_status_report,
    validate_against_xsd,
    validate_pain001,
)

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``validate`` sub-command."""
    parser = subparsers.add_parser(
        "validate",
        help="check a pain.001 file (SEPA rules and XSD) or a bank report (XSD)",
        description=(
            "Check a pain.001.001.03/.09 file against the SEPA rules (character set, lengths, "
            "NbOfTxs/CtrlSum, duplicate EndToEndId, EUR, SLEV, SEPA service level...) and, "
            "when xmlschema is installed, the official XSD. A pain.002 or camt.054 is checked "
            "against its XSD and read. Exit status: 0 valid, 1 invalid, 2 bad arguments."
        ),
    )
    parser.add_argument("file", type=Path, help="the XML file")
    parser.add_argument(
        "--no-xsd",
        action="store_true",
        help="skip the XSD part (it takes about 0.4 ms per transaction)",
    )
    parser.add_argument(
        "--require-xsd",
        action="store_true",
        help="fail (exit 1) when the XSD part cannot run because xmlschema is missing",
    )
    parser.set_defaults(handler=_run)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UsageError(
            f"allocations validate: cannot read {str(path)!r}: {error.strerror}"
        ) from None


def _check_bank_report(
    data: bytes, message: MessageDefinition, xsd: bool
) -> tuple[str, bool, bool]:
    """The text report of a pain.002 / camt.054, whether it is valid, whether XSD ran."""
    lines = [f"message: {message.value}"]
    valid = True
    xsd_checked = False
    if xsd:
        report = validate_against_xsd(data)
        lines.append(f"XSD: {report.xsd_note}")
        lines += [f"  {finding}" for finding in report.findings]
        valid, xsd_checked = report.is_valid, report.xsd_checked
    else:
        lines.append("XSD: skipped on request")
    try:
        if message.family == "pain.002":
            status = read_payment_status_report(data)
            lines.append(
                f"read: status report {status.message_id} about {status.original_message_id}, "
                f"group status {status.group_status_code or 'none'}, "
                f"{len(status.transactions)} transactions listed"
            )
        else:
            notification = read_camt054(data)
            lines.append(
                f"read: notification {notification.message_id}, "
                f"{len(notification.transactions)} transactions, "
                f"{len(notification.returns)} returns"
            )
    except Iso20022Error as error:
        lines.append(f"read: error: {error}")
        valid = False
    lines.append(f"result: {'VALID' if valid else 'INVALID'}")
    return "\n".join(lines), valid, xsd_checked


def _run(args: argparse.Namespace) -> int:
    data = _read(args.file)
    print(f"file: {args.file}")
    try:
        message = detect_message(data)
    except Iso20022Error as error:
        print(f"error: {error}\nresult: INVALID")
        return EXIT_FAILURE
    if message.family == "pain.001":
        report = validate_pain001(data, xsd=not args.no_xsd)
        print(report.format())
        valid, xsd_checked = report.is_valid, report.xsd_checked
    else:
        text, valid, xsd_checked = _check_bank_report(data, message, xsd=not args.no_xsd)
        print(text)
    if args.require_xsd and not args.no_xsd and not xsd_checked:
        print("error: --require-xsd was given but the XSD part did not run")
        return EXIT_FAILURE
    return EXIT_OK if valid else EXIT_FAILURE
