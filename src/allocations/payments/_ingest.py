"""Bank reports into the ledger: pain.002 statuses and camt.054 bookings, idempotently.

Theory of operation. A bank report is a list of facts about payments identified by their
EndToEndId. Each fact becomes the *target state* of the instruction, and the changes that
lead there from where the ledger has it, following :data:`~allocations.payments.TRANSITIONS`:

==================================  =====================================================
report says                         the instruction goes to
==================================  =====================================================
pain.002 accepted (ACTC, ACCP…)     SENT, then ACCEPTED
pain.002 rejected (RJCT)            SENT, then REJECTED (reason: the ISO reason code)
pain.002 pending (PDNG, RCVD…)      SENT (the bank has the file)
camt.054 booked debit               SENT, ACCEPTED, then SETTLED
camt.054 booked return / reversal   SENT, ACCEPTED, then RETURNED (reason: the return code)
==================================  =====================================================

So a file is SENT at the latest when the bank's first report about it is ingested; an
operator may say so earlier with :func:`mark_file_sent` (``allocations ledger mark-sent``).
A pain.002 status given for the whole file or block applies to the file's transactions
that are not listed (the file journal knows them); a *partial* status says nothing about
an unlisted one, which is then only marked SENT. In one camt.054, a return wins over the
booking of the same payment (the batch debit and the return come together).

Every fact is checked first (:func:`~allocations.payments.check_transition` against the
instruction's history); then all the changes are written in one transaction. A report
ingested twice changes nothing the second time: every fact is ``already``. A fact about an
unknown id is listed in :attr:`IngestReport.unknown`, one the lifecycle forbids (a payment
rejected and then reported accepted, or settled and then returned) in
:attr:`IngestReport.refused`; neither stops the others, and the command line exits with
status 3 when either list is not empty.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence

import attrs

from allocations.errors import IllegalTransitionError, Iso20022Error, UnknownInstructionError
from allocations.iso20022 import (
    CreditDebit,
    DebitCreditNotification,
    EntryStatus,
    MessageDefinition,
    PaymentStatus,
    PaymentStatusReport,
    detect_message,
    read_camt054,
    read_payment_status_report,
)
from allocations.periods import Month

from ._ledger import Ledger, PaymentFile, StateChange, TransitionResult
from ._lifecycle import InstructionState, check_transition

__all__ = ["IngestReport", "apply_report", "find_file", "mark_file_sent"]

_S = InstructionState
_PATHS: dict[InstructionState, tuple[InstructionState, ...]] = {
    _S.SENT: (_S.SENT,),
    _S.ACCEPTED: (_S.SENT, _S.ACCEPTED),
    _S.REJECTED: (_S.SENT, _S.REJECTED),
    _S.SETTLED: (_S.SENT, _S.ACCEPTED, _S.SETTLED),
    _S.RETURNED: (_S.SENT, _S.ACCEPTED, _S.RETURNED),
}
_PAIN002_TARGETS: dict[PaymentStatus, InstructionState] = {
    PaymentStatus.ACCEPTED: _S.ACCEPTED,
    PaymentStatus.REJECTED: _S.REJECTED,
    PaymentStatus.PENDING: _S.SENT,
    PaymentStatus.PARTIALLY_ACCEPTED: _S.SENT,
}
# Our MsgIds start with the benefit and the month (see the payment run): the file journal
# is then read for that month only.
_RUN_MESSAGE_ID = re.compile(r"[A-Z0-9]{1,6}-([0-9]{4}-[0-9]{2})-")


@attrs.frozen
class _Fact:
    end_to_end_id: str
    target: InstructionState
    reason: str | None = None


@attrs.frozen
class IngestReport:
    """What applying a bank report did.

    Attributes:
        message: the report's message definition.
        message_id: the report's MsgId.
        applied: the state changes written, in order.
        already: end-to-end ids whose reported state was already recorded (nothing
            written).
        unknown: end-to-end ids (or an original MsgId) the ledger does not know.
        refused: ``(end-to-end id, why)`` for facts the lifecycle forbids.
        ignored: ``(reference, why)`` for facts that change no state (an entry not booked,
            a cancelled status, a booking without an end-to-end id).

    .. versionadded:: 0.1.0
    """

    message: MessageDefinition
    message_id: str
    applied: tuple[TransitionResult, ...]
    already: tuple[str, ...]
    unknown: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]
    ignored: tuple[tuple[str, str], ...]

    @property
    def clean(self) -> bool:
        """No unknown id and no refused fact."""
        return not self.unknown and not self.refused

    def text(self) -> str:
        """A readable summary, listing unknown and refused facts."""
        counts: dict[str, int] = {}
        for result in self.applied:
            counts[result.to_state.value] = counts.get(result.to_state.value, 0) + 1
        changes = ", ".join(f"{count:,} {state}" for state, count in counts.items()) or "none"
        lines = [
            f"{self.message.value} {self.message_id}: changes written: {changes}; "
            f"already recorded: {len(self.already):,}; unknown: {len(self.unknown):,}; "
            f"refused: {len(self.refused):,}; ignored: {len(self.ignored):,}"
        ]
        lines.extend(f"  unknown: {reference} is not in this ledger" for reference in self.unknown)
        lines.extend(f"  refused: {reference}: {why}" for reference, why in self.refused)
        lines.extend(f"  ignored: {reference}: {why}" for reference, why in self.ignored)
        return "\n".join(lines)


def find_file(ledger: Ledger, message_id: str) -> PaymentFile | None:
    """The file journal's record of a pain.001 file, by its MsgId; ``None`` if unknown.

    Args:
        ledger: the ledger.
        message_id: the file's ``GrpHdr/MsgId`` (a payment run's file names it, plus
            ``.xml``).

    .. versionadded:: 0.1.0
    """
    match = _RUN_MESSAGE_ID.match(message_id)
    period = None
    if match is not None:
        try:
            period = Month.parse(match.group(1))
        except ValueError:
            period = None
    for file in ledger.files(period=period):
        if file.message_id == message_id:
            return file
    return None


def mark_file_sent(
    ledger: Ledger, message_id: str, *, at: dt.datetime | None = None
) -> list[TransitionResult]:
    """Record that a pain.001 file was handed to the bank: its instructions go to SENT.

    Idempotent: a second call, or a call after a bank report, changes nothing (``already``).

    Args:
        ledger: the ledger.
        message_id: the file's MsgId.
        at: when it was sent; the ledger's clock when ``None``.

    Returns:
        One result per instruction of the file.

    Raises:
        UnknownInstructionError: no file of that MsgId is journaled.
        IllegalTransitionError: an instruction is not IN_FILE or later (nothing changes).

    >>> from allocations import InMemoryLedger, mark_file_sent
    >>> mark_file_sent(InMemoryLedger(), "AF-2024-05-20240605-001")
    Traceback (most recent call last):
    ...
    allocations.errors.UnknownInstructionError: no payment file AF-2024-05-20240605-001 is journaled in this ledger

    .. versionadded:: 0.1.0
    """
    file = find_file(ledger, message_id)
    if file is None:
        raise UnknownInstructionError(f"no payment file {message_id} is journaled in this ledger")
    return ledger.transition_many(
        [StateChange(e2e, _S.SENT, reference=message_id, at=at) for e2e in file.end_to_end_ids]
    )


def _pain002_facts(
    ledger: Ledger, report: PaymentStatusReport, unknown: list[str], ignored: list[tuple[str, str]]
) -> Iterator[_Fact]:
    listed: set[str] = set()
    for transaction in report.transactions:
        e2e = transaction.end_to_end_id
        if e2e is None:
            ignored.append((transaction.instruction_id or "?", "a status without OrgnlEndToEndId"))
            continue
        listed.add(e2e)
        target = _PAIN002_TARGETS.get(transaction.status)
        if target is None:
            ignored.append((e2e, f"status {transaction.status_code} has no lifecycle state"))
            continue
        reason = transaction.reason_code if target is _S.REJECTED else None
        yield _Fact(e2e, target, reason)
    file = find_file(ledger, report.original_message_id)
    if file is None:
        if not report.transactions:
            unknown.append(report.original_message_id)
        return
    for block in file.blocks:
        for e2e in block.end_to_end_ids:
            if e2e in listed:
                continue
            status = report.status_of(e2e, block.payment_information_id)
            target = _S.SENT if status is None else _PAIN002_TARGETS.get(status.status)
            if target is None:
                continue
            reason = status.reason_code if status is not None and target is _S.REJECTED else None
            yield _Fact(e2e, target, reason)


def _camt054_facts(
    notification: DebitCreditNotification, ignored: list[tuple[str, str]]
) -> Iterator[_Fact]:
    targets: dict[str, _Fact] = {}
    for transaction in notification.transactions:
        reference = (
            transaction.end_to_end_id
            or transaction.account_servicer_reference
            or transaction.entry_reference
            or "?"
        )
        e2e = transaction.end_to_end_id
        if transaction.status is not EntryStatus.BOOKED:
            ignored.append((reference, f"entry {transaction.status.value}, not booked"))
            continue
        if e2e is None or e2e == "NOTPROVIDED":
            ignored.append((reference, "a booking without the payment's EndToEndId"))
            continue
        if transaction.is_return:
            targets[e2e] = _Fact(e2e, _S.RETURNED, transaction.return_reason_code)
        elif transaction.credit_debit is CreditDebit.DEBIT:
            if e2e not in targets:  # a return of the same payment wins
                targets[e2e] = _Fact(e2e, _S.SETTLED)
        else:
            ignored.append((e2e, "a credit that is not a return"))
    yield from targets.values()


def _report_time(created: dt.datetime) -> dt.datetime | None:
    # A naive CreDtTm has no instant: the ledger's clock is used instead.
    return created if created.utcoffset() is not None else None


def apply_report(ledger: Ledger, data: bytes) -> IngestReport:
    """Apply a pain.002 or camt.054 to the ledger (see the module documentation).

    Args:
        ledger: the ledger.
        data: the report's bytes; the message and version come from its namespace.

    Returns:
        The :class:`IngestReport`: changes written, facts already recorded, unknown ids,
        refused and ignored facts.

    Raises:
        TypeError: ``data`` is not bytes.
        Iso20022Error: the document is not a readable pain.002 or camt.054.

    >>> from allocations import InMemoryLedger, apply_report
    >>> report = apply_report(InMemoryLedger(), b'''<Document
    ...   xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
    ...   <GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2024-06-04T08:00:00Z</CreDtTm></GrpHdr>
    ...   <OrgnlGrpInfAndSts><OrgnlMsgId>AF-2024-05-20240605-001</OrgnlMsgId>
    ...   <OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>ACCP</GrpSts>
    ...   </OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>''')
    >>> report.unknown, report.clean
    (('AF-2024-05-20240605-001',), False)

    .. versionadded:: 0.1.0
    """
    message = detect_message(data)
    unknown: list[str] = []
    ignored: list[tuple[str, str]] = []
    facts: Iterable[_Fact]
    if message.family == "pain.002":
        status_report = read_payment_status_report(data)
        message_id = status_report.message_id
        at = _report_time(status_report.creation_datetime)
        facts = list(_pain002_facts(ledger, status_report, unknown, ignored))
    elif message.family == "camt.054":
        notification = read_camt054(data)
        message_id = notification.message_id
        at = _report_time(notification.creation_datetime)
        facts = list(_camt054_facts(notification, ignored))
    else:
        raise Iso20022Error(
            f"document is a {message.value}; allocations ingest reads bank reports "
            "(pain.002, camt.054)"
        )
    changes: list[StateChange] = []
    already: list[str] = []
    refused: list[tuple[str, str]] = []
    for fact in facts:
        try:
            history = ledger.history(fact.end_to_end_id)
        except UnknownInstructionError:
            unknown.append(fact.end_to_end_id)
            continue
        planned = _changes(fact, history[-1].to_state, {e.to_state for e in history}, refused)
        if planned is None:
            continue
        if not planned:
            already.append(fact.end_to_end_id)
        for state in planned:
            reason = fact.reason if state is fact.target else None
            changes.append(
                StateChange(fact.end_to_end_id, state, reason=reason, reference=message_id, at=at)
            )
    applied = [result for result in ledger.transition_many(changes) if not result.already]
    return IngestReport(
        message=message,
        message_id=message_id,
        applied=tuple(applied),
        already=tuple(already),
        unknown=tuple(unknown),
        refused=tuple(refused),
        ignored=tuple(ignored),
    )


def _changes(
    fact: _Fact,
    current: InstructionState,
    reached: set[InstructionState],
    refused: list[tuple[str, str]],
) -> Sequence[InstructionState] | None:
    """The states to record, in order ([] when already there); ``None`` when refused."""
    planned: list[InstructionState] = []
    for state in _PATHS[fact.target]:
        try:
            if check_transition(fact.end_to_end_id, reached, current, state):
                continue
        except IllegalTransitionError as error:
            refused.append(
                (
                    fact.end_to_end_id,
                    f"the report says {fact.target.value} but the ledger has it "
                    f"{current.value}: {error}",
                )
            )
            return None
        planned.append(state)
        reached = reached | {state}
        current = state
    return planned
