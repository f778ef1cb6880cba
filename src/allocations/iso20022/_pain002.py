"""The pain.002 reader: the bank's Customer Payment Status Report (V03 and V10).

Theory of operation. The bank answers a pain.001 with one or more pain.002: a status for the
whole file (``OrgnlGrpInfAndSts/GrpSts``), optionally per payment information block
(``PmtInfSts``) and per transaction (``TxInfAndSts/TxSts``), each with reasons
(``StsRsnInf/Rsn/Cd``, ISO external status reason codes such as AC01, AM04, MS03). A level
that has no status of its own takes the status of the level above: a transaction listed
without ``TxSts`` has the status of its block, or of the file. Transactions that are not
listed at all are covered by :meth:`PaymentStatusReport.status_of`:

- a block or file status that is final for all its transactions (accepted, rejected,
  pending) applies to them;
- a *partial* status (``PART``, ``PATC``) says nothing about an unlisted transaction:
  :meth:`~PaymentStatusReport.status_of` returns ``None`` (EPC practice is to list the
  rejected transactions only, but the report alone does not prove an unlisted one was
  accepted; the camt.054 booking does).

An accepted status (``ACTC``, ``ACCP``, ``ACSP``…) means the bank accepted the instruction,
not that the beneficiary was paid: :attr:`TransactionStatus.status_code` keeps the exact
ISO code. Applying a report to the ledger is the payment run's job; the reader only returns
values. Parsing is safe (no DTD, no entities).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Final
from xml.etree.ElementTree import Element

import attrs

from allocations.errors import Iso20022Error
from allocations.iso20022._messages import (
    MessageDefinition,
    Reader,
    Reason,
    first_reason_code,
    parse_datetime,
    parse_document,
    read_reasons,
)

__all__ = [
    "PaymentInformationStatus",
    "PaymentStatus",
    "PaymentStatusReport",
    "StatusLevel",
    "TransactionStatus",
    "read_payment_status_report",
]

_PAIN002: Final = frozenset({MessageDefinition.PAIN_002_001_03, MessageDefinition.PAIN_002_001_10})


class PaymentStatus(enum.Enum):
    """The meaning of an ISO 20022 payment status code, coarsely.

    .. versionadded:: 0.1.0
    """

    #: Accepted at some stage: ACTC (technical validation), ACCP, ACSP (settlement in
    #: process), ACSC (settled), ACWC (with change), ACWP, ACCC, ACFC, ACIS, ACPD.
    ACCEPTED = "accepted"
    #: RJCT: rejected; the reason says why.
    REJECTED = "rejected"
    #: PDNG, RCVD, PRES, BLCK: not final yet.
    PENDING = "pending"
    #: PART, PATC: some transactions accepted, some rejected (file or block level).
    PARTIALLY_ACCEPTED = "partially_accepted"
    #: CANC: cancelled.
    CANCELLED = "cancelled"


_STATUS_CODES: Final = {
    **dict.fromkeys(
        ("ACTC", "ACCP", "ACSP", "ACSC", "ACWC", "ACWP", "ACCC", "ACFC", "ACIS", "ACPD"),
        PaymentStatus.ACCEPTED,
    ),
    "RJCT": PaymentStatus.REJECTED,
    **dict.fromkeys(("PDNG", "RCVD", "PRES", "BLCK"), PaymentStatus.PENDING),
    **dict.fromkeys(("PART", "PATC"), PaymentStatus.PARTIALLY_ACCEPTED),
    "CANC": PaymentStatus.CANCELLED,
}


class StatusLevel(enum.Enum):
    """Where a transaction's status was read.

    .. versionadded:: 0.1.0
    """

    #: The transaction's own ``TxSts``.
    TRANSACTION = "transaction"
    #: The status of its payment information block (``PmtInfSts``).
    PAYMENT_INFORMATION = "payment_information"
    #: The status of the whole original file (``GrpSts``).
    GROUP = "group"


def _status(code: str, where: str) -> PaymentStatus:
    try:
        return _STATUS_CODES[code]
    except KeyError:
        known = ", ".join(sorted(_STATUS_CODES))
        raise Iso20022Error(
            f"pain.002 {where} has unknown status code {code!r}; known codes: {known}"
        ) from None


@attrs.frozen
class TransactionStatus:
    """The status of one original credit transfer.

    Args:
        end_to_end_id: ``OrgnlEndToEndId``, the payment's idempotency key (``None`` if the
            bank left it out; for a status derived by :meth:`PaymentStatusReport.status_of`,
            the id asked for).
        instruction_id: ``OrgnlInstrId``, when given.
        payment_information_id: the original ``PmtInfId`` of its block, when known.
        status: the coarse meaning of ``status_code``.
        status_code: the ISO code (``RJCT``, ``ACSC``…).
        level: where the status was read (the transaction, its block, the file).
        reasons: the reasons at that level (the transaction's own, else its block's or the
            file's), in order.
        amount_cents: the original instructed amount (``OrgnlTxRef/Amt/InstdAmt``), when the
            bank repeats it.

    .. versionadded:: 0.1.0
    """

    end_to_end_id: str | None
    instruction_id: str | None
    payment_information_id: str | None
    status: PaymentStatus
    status_code: str
    level: StatusLevel
    reasons: tuple[Reason, ...] = ()
    amount_cents: int | None = None

    @property
    def reason_code(self) -> str | None:
        """The first reason's code (or proprietary reason), e.g. ``"AC01"``."""
        return first_reason_code(self.reasons)

    @property
    def additional_information(self) -> str:
        """Every reason's free text, joined by spaces (``""`` when none)."""
        return " ".join(line for r in self.reasons for line in r.additional_information)


@attrs.frozen
class PaymentInformationStatus:
    """The status of one original payment information block (``OrgnlPmtInfAndSts``).

    .. versionadded:: 0.1.0
    """

    payment_information_id: str
    status: PaymentStatus | None
    status_code: str | None
    reasons: tuple[Reason, ...] = ()
    original_number_of_transactions: int | None = None


@attrs.frozen
class PaymentStatusReport:
    """A pain.002 read into values.

    Args:
        message: the message definition (``pain.002.001.03`` or ``.10``).
        message_id: the report's own ``GrpHdr/MsgId``.
        creation_datetime: the report's ``CreDtTm`` (naive if the bank gave no offset).
        original_message_id: ``OrgnlMsgId``, the pain.001's ``MsgId`` this report is about.
        original_message_name: ``OrgnlMsgNmId``, e.g. ``pain.001.001.09``.
        group_status: the status of the whole original file, if given.
        group_status_code: its ISO code.
        group_reasons: its reasons.
        payment_informations: the per-block statuses, in document order.
        transactions: the listed transactions with their effective status, in order.

    .. versionadded:: 0.1.0
    """

    message: MessageDefinition
    message_id: str
    creation_datetime: dt.datetime
    original_message_id: str
    original_message_name: str
    group_status: PaymentStatus | None
    group_status_code: str | None
    group_reasons: tuple[Reason, ...]
    payment_informations: tuple[PaymentInformationStatus, ...]
    transactions: tuple[TransactionStatus, ...]

    def status_of(
        self, end_to_end_id: str, payment_information_id: str | None = None
    ) -> TransactionStatus | None:
        """The status this report gives to one original transaction, listed or not.

        A listed transaction gives its own status (the last one listed, if the bank listed
        it twice). An unlisted one takes the status of its block when
        ``payment_information_id`` names a block of the report, else the file's status —
        unless that status is partial or absent, then ``None`` (the report does not say).

        Args:
            end_to_end_id: the transaction's ``EndToEndId``.
            payment_information_id: the ``PmtInfId`` it was sent in, if known.

        Returns:
            The :class:`TransactionStatus`, or ``None`` when the report does not determine it.

        >>> from allocations.iso20022 import read_payment_status_report
        >>> report = read_payment_status_report(b'''<Document
        ...   xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
        ...   <GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2027-02-02T08:00:00Z</CreDtTm></GrpHdr>
        ...   <OrgnlGrpInfAndSts><OrgnlMsgId>RUN-1</OrgnlMsgId>
        ...   <OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>RJCT</GrpSts>
        ...   <StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts>
        ...   </CstmrPmtStsRpt></Document>''')
        >>> status = report.status_of("AF-1")
        >>> status.status, status.reason_code, status.level
        (<PaymentStatus.REJECTED: 'rejected'>, 'FF01', <StatusLevel.GROUP: 'group'>)
        """
        for transaction in reversed(self.transactions):
            if transaction.end_to_end_id == end_to_end_id:
                return transaction
        if payment_information_id is not None:
            for block in self.payment_informations:
                if block.payment_information_id == payment_information_id:
                    if block.status is not None:
                        return _inherited(
                            end_to_end_id,
                            payment_information_id,
                            block.status,
                            block.status_code,
                            StatusLevel.PAYMENT_INFORMATION,
                            block.reasons,
                        )
                    break
        if self.group_status is not None:
            return _inherited(
                end_to_end_id,
                payment_information_id,
                self.group_status,
                self.group_status_code,
                StatusLevel.GROUP,
                self.group_reasons,
            )
        return None


def _inherited(
    end_to_end_id: str,
    payment_information_id: str | None,
    status: PaymentStatus,
    code: str | None,
    level: StatusLevel,
    reasons: tuple[Reason, ...],
) -> TransactionStatus | None:
    if status is PaymentStatus.PARTIALLY_ACCEPTED or code is None:
        return None
    return TransactionStatus(
        end_to_end_id=end_to_end_id,
        instruction_id=None,
        payment_information_id=payment_information_id,
        status=status,
        status_code=code,
        level=level,
        reasons=reasons,
    )


def _transaction(
    reader: Reader,
    element: Element,
    block: PaymentInformationStatus,
    group: tuple[PaymentStatus | None, str | None, tuple[Reason, ...]],
) -> TransactionStatus:
    code = reader.text(element, "TxSts")
    reasons = read_reasons(reader, element, "StsRsnInf")
    level = StatusLevel.TRANSACTION
    if code is None and block.status_code is not None:
        code, level = block.status_code, StatusLevel.PAYMENT_INFORMATION
        reasons = reasons or block.reasons
    elif code is None and group[1] is not None:
        code, level = group[1], StatusLevel.GROUP
        reasons = reasons or group[2]
    end_to_end_id = reader.text(element, "OrgnlEndToEndId")
    if code is None:
        raise Iso20022Error(
            f"pain.002 transaction {end_to_end_id!r} has no status at any level (TxSts, "
            "PmtInfSts, GrpSts)"
        )
    return TransactionStatus(
        end_to_end_id=end_to_end_id,
        instruction_id=reader.text(element, "OrgnlInstrId"),
        payment_information_id=block.payment_information_id,
        status=_status(code, f"transaction {end_to_end_id!r}"),
        status_code=code,
        level=level,
        reasons=reasons,
        amount_cents=reader.amount_cents(element, "OrgnlTxRef/Amt/InstdAmt"),
    )


def read_payment_status_report(data: bytes) -> PaymentStatusReport:
    """Read a pain.002 (``.03`` or ``.10``) safely into a :class:`PaymentStatusReport`.

    Args:
        data: the report's bytes, as received from the bank.

    Returns:
        The report: original ``MsgId``, file, block and transaction statuses with their
        reason codes; see :meth:`PaymentStatusReport.status_of` for unlisted transactions.

    Raises:
        TypeError: ``data`` is not bytes.
        Iso20022Error: the document is not well-formed, holds a DTD or an entity
            declaration (refused, e.g. "billion laughs" or an external entity), is not a
            pain.002 of a supported version, lacks a required element, has an unknown status
            code or a non-EUR amount.

    >>> from allocations.iso20022 import read_payment_status_report
    >>> report = read_payment_status_report(b'''<?xml version="1.0" encoding="UTF-8"?>
    ... <Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
    ...  <GrpHdr><MsgId>STS-2</MsgId><CreDtTm>2027-02-04T09:30:00+01:00</CreDtTm></GrpHdr>
    ...  <OrgnlGrpInfAndSts><OrgnlMsgId>RUN-1</OrgnlMsgId>
    ...   <OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
    ...  <OrgnlPmtInfAndSts><OrgnlPmtInfId>RUN-1-P1</OrgnlPmtInfId>
    ...   <TxInfAndSts><OrgnlEndToEndId>AF-2</OrgnlEndToEndId><TxSts>RJCT</TxSts>
    ...    <StsRsnInf><Rsn><Cd>AC01</Cd></Rsn><AddtlInf>IBAN inconnu</AddtlInf></StsRsnInf>
    ...   </TxInfAndSts></OrgnlPmtInfAndSts>
    ... </CstmrPmtStsRpt></Document>''')
    >>> report.original_message_id, report.group_status
    ('RUN-1', <PaymentStatus.PARTIALLY_ACCEPTED: 'partially_accepted'>)
    >>> [(t.end_to_end_id, t.status_code, t.reason_code, t.additional_information)
    ...  for t in report.transactions]
    [('AF-2', 'RJCT', 'AC01', 'IBAN inconnu')]
    >>> report.status_of("AF-1") is None  # PART: the report does not say
    True

    .. versionadded:: 0.1.0
    """
    message, root = parse_document(data, _PAIN002)
    reader = Reader(message)
    body = reader.find(root, "CstmrPmtStsRpt")
    if body is None:
        raise Iso20022Error(f"{message.value}: required element 'CstmrPmtStsRpt' is missing")
    header = reader.find(body, "GrpHdr")
    group = reader.find(body, "OrgnlGrpInfAndSts")
    if header is None or group is None:
        raise Iso20022Error(
            f"{message.value}: required elements 'GrpHdr' and 'OrgnlGrpInfAndSts' are missing"
        )
    group_code = reader.text(group, "GrpSts")
    group_status = _status(group_code, "GrpSts") if group_code is not None else None
    group_reasons = read_reasons(reader, group, "StsRsnInf")
    blocks: list[PaymentInformationStatus] = []
    transactions: list[TransactionStatus] = []
    for element in reader.findall(body, "OrgnlPmtInfAndSts"):
        block_id = reader.required_text(element, "OrgnlPmtInfId")
        block_code = reader.text(element, "PmtInfSts")
        count = reader.text(element, "OrgnlNbOfTxs")
        block = PaymentInformationStatus(
            payment_information_id=block_id,
            status=_status(block_code, f"block {block_id!r}") if block_code else None,
            status_code=block_code,
            reasons=read_reasons(reader, element, "StsRsnInf"),
            original_number_of_transactions=int(count) if count and count.isdigit() else None,
        )
        blocks.append(block)
        transactions.extend(
            _transaction(reader, tx, block, (group_status, group_code, group_reasons))
            for tx in reader.findall(element, "TxInfAndSts")
        )
    return PaymentStatusReport(
        message=message,
        message_id=reader.required_text(header, "MsgId"),
        creation_datetime=parse_datetime(reader.required_text(header, "CreDtTm"), "CreDtTm"),
        original_message_id=reader.required_text(group, "OrgnlMsgId"),
        original_message_name=reader.required_text(group, "OrgnlMsgNmId"),
        group_status=group_status,
        group_status_code=group_code,
        group_reasons=group_reasons,
        payment_informations=tuple(blocks),
        transactions=tuple(transactions),
    )
