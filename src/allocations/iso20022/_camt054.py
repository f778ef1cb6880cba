"""The camt.054 reader: Bank-to-Customer Debit/Credit Notification (V02 and V08).

Theory of operation. A notification lists account entries (``Ntfctn/Ntry``): an amount,
credit or debit (``CdtDbtInd``), a status (booked, pending…), a booking date, a bank
transaction code, and the details of the transactions it books (``NtryDtls/TxDtls``) with
their references (``Refs/EndToEndId``, ``Refs/MsgId``…). A batch-booked pain.001 comes back
as one debit entry with one ``TxDtls`` per beneficiary. A returned transfer comes back as a
credit entry whose ``TxDtls/RtrInf/Rsn/Cd`` gives the return reason (AC04 closed account,
MD07 beneficiary deceased…) and whose ``Refs/EndToEndId`` is the original one; a booking
correction carries ``RvslInd`` true.

The reader flattens this into one :class:`NotifiedTransaction` per ``TxDtls`` (or per entry
when the bank gives no details), each with the entry's status, dates and direction. Amounts
are integer cents; only EUR is accepted. Parsing is safe (no DTD, no entities).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Final, TypeVar
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
    "CreditDebit",
    "DebitCreditNotification",
    "EntryStatus",
    "NotifiedTransaction",
    "read_camt054",
]

_CAMT054: Final = frozenset({MessageDefinition.CAMT_054_001_02, MessageDefinition.CAMT_054_001_08})


class CreditDebit(enum.Enum):
    """The direction of an entry for the account holder (``CdtDbtInd``).

    .. versionadded:: 0.1.0
    """

    #: Money in (a return of a transfer to the paying body is a credit).
    CREDIT = "CRDT"
    #: Money out (the payment of a batch, or of one transfer).
    DEBIT = "DBIT"


class EntryStatus(enum.Enum):
    """The status of an entry (``Sts`` in V02, ``Sts/Cd`` in V08).

    .. versionadded:: 0.1.0
    """

    #: Booked on the account: final.
    BOOKED = "BOOK"
    #: Not booked yet.
    PENDING = "PDNG"
    #: For information only, never booked.
    INFORMATION = "INFO"
    #: To be booked in the future (V08 only).
    FUTURE = "FUTR"


@attrs.frozen
class NotifiedTransaction:
    """One transaction notified in a camt.054 (a ``TxDtls``, or an entry without details).

    Args:
        account_iban: the notified account (``Ntfctn/Acct/Id/IBAN``), if given as an IBAN.
        credit_debit: credit or debit for the account holder.
        status: the entry's status (only :attr:`EntryStatus.BOOKED` is final).
        amount_cents: this transaction's amount in cents (its own amount when the bank gives
            it, else the entry's when the entry has a single transaction).
        entry_amount_cents: the whole entry's amount in cents (a batch debit's total).
        booking_date: ``BookgDt``, when given.
        value_date: ``ValDt``, when given.
        reversal: ``RvslInd`` is true (the entry reverses an earlier booking).
        end_to_end_id: ``Refs/EndToEndId``, the original payment's idempotency key.
        original_message_id: ``Refs/MsgId``, the ``MsgId`` of the pain.001 it came from.
        payment_information_id: ``Refs/PmtInfId``.
        instruction_id: ``Refs/InstrId``.
        entry_reference: ``NtryRef``.
        account_servicer_reference: the bank's reference (transaction's, else entry's).
        bank_transaction_code: ``Domn/Cd/Fmly/Cd/SubFmlyCd`` joined by ``/``, e.g.
            ``PMNT/ICDT/ESCT`` (issued SEPA transfer) or ``PMNT/ICDT/RRTN`` (returned).
        return_reasons: the ``RtrInf`` reasons, when the transaction is a return.

    .. versionadded:: 0.1.0
    """

    account_iban: str | None
    credit_debit: CreditDebit
    status: EntryStatus
    amount_cents: int
    entry_amount_cents: int
    booking_date: dt.date | None
    value_date: dt.date | None
    reversal: bool
    end_to_end_id: str | None
    original_message_id: str | None
    payment_information_id: str | None
    instruction_id: str | None
    entry_reference: str | None
    account_servicer_reference: str | None
    bank_transaction_code: str | None
    return_reasons: tuple[Reason, ...] = ()

    @property
    def is_return(self) -> bool:
        """Whether this is a return (``RtrInf``) or a reversal (``RvslInd``) of a payment."""
        return bool(self.return_reasons) or self.reversal

    @property
    def return_reason_code(self) -> str | None:
        """The first return reason's code (or proprietary reason), e.g. ``"AC04"``."""
        return first_reason_code(self.return_reasons)


@attrs.frozen
class DebitCreditNotification:
    """A camt.054 read into values.

    Args:
        message: the message definition (``camt.054.001.02`` or ``.08``).
        message_id: the notification's ``GrpHdr/MsgId``.
        creation_datetime: its ``CreDtTm`` (naive if the bank gave no offset).
        transactions: every notified transaction, in document order.

    .. versionadded:: 0.1.0
    """

    message: MessageDefinition
    message_id: str
    creation_datetime: dt.datetime
    transactions: tuple[NotifiedTransaction, ...]

    @property
    def returns(self) -> tuple[NotifiedTransaction, ...]:
        """The transactions that are returns or reversals."""
        return tuple(t for t in self.transactions if t.is_return)

    @property
    def booked(self) -> tuple[NotifiedTransaction, ...]:
        """The transactions of booked entries."""
        return tuple(t for t in self.transactions if t.status is EntryStatus.BOOKED)


_E = TypeVar("_E", CreditDebit, EntryStatus)


def _enum_member(kind: type[_E], code: str | None, where: str) -> _E:
    try:
        return kind(code)
    except ValueError:
        known = ", ".join(str(member.value) for member in kind)
        raise Iso20022Error(f"camt.054 {where} is {code!r}; expected one of {known}") from None


def _bank_transaction_code(reader: Reader, element: Element) -> str | None:
    domain = reader.text(element, "BkTxCd/Domn/Cd")
    if domain is None:
        return reader.text(element, "BkTxCd/Prtry/Cd")
    family = reader.text(element, "BkTxCd/Domn/Fmly/Cd")
    sub_family = reader.text(element, "BkTxCd/Domn/Fmly/SubFmlyCd")
    return "/".join(part for part in (domain, family, sub_family) if part)


def _transaction_amount(reader: Reader, details: Element) -> int | None:
    # V08 gives TxDtls/Amt; both versions may give AmtDtls/TxAmt or AmtDtls/InstdAmt.
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        cents = reader.amount_cents(details, path)
        if cents is not None:
            return cents
    return None


def _entry(reader: Reader, entry: Element, iban: str | None) -> list[NotifiedTransaction]:
    entry_cents = reader.amount_cents(entry, "Amt")
    if entry_cents is None:
        raise Iso20022Error(f"{reader.message.value}: an entry has no Amt")
    direction = _enum_member(CreditDebit, reader.text(entry, "CdtDbtInd"), "CdtDbtInd")
    status_code = reader.text(entry, "Sts")
    if not status_code:  # V08: Sts is a choice of Cd or Prtry
        status_code = reader.text(entry, "Sts/Cd") or reader.text(entry, "Sts/Prtry")
    # The entry as one transaction; each TxDtls refines it.
    whole = NotifiedTransaction(
        account_iban=iban,
        credit_debit=direction,
        status=_enum_member(EntryStatus, status_code, "entry status (Sts)"),
        amount_cents=entry_cents,
        entry_amount_cents=entry_cents,
        booking_date=reader.date(entry, "BookgDt"),
        value_date=reader.date(entry, "ValDt"),
        reversal=(reader.text(entry, "RvslInd") or "false").lower() in ("true", "1"),
        end_to_end_id=None,
        original_message_id=None,
        payment_information_id=None,
        instruction_id=None,
        entry_reference=reader.text(entry, "NtryRef"),
        account_servicer_reference=reader.text(entry, "AcctSvcrRef"),
        bank_transaction_code=_bank_transaction_code(reader, entry),
    )
    details_list = reader.findall(entry, "NtryDtls/TxDtls")
    if not details_list:
        return [whole]
    transactions = []
    for details in details_list:
        cents = _transaction_amount(reader, details)
        if cents is None:
            if len(details_list) > 1:
                raise Iso20022Error(
                    f"{reader.message.value}: entry {whole.entry_reference!r} has "
                    f"{len(details_list)} transactions, one of them without an amount"
                )
            cents = entry_cents
        own_direction = reader.text(details, "CdtDbtInd")
        transactions.append(
            attrs.evolve(
                whole,
                credit_debit=(
                    _enum_member(CreditDebit, own_direction, "TxDtls/CdtDbtInd")
                    if own_direction
                    else direction
                ),
                amount_cents=cents,
                end_to_end_id=reader.text(details, "Refs/EndToEndId"),
                original_message_id=reader.text(details, "Refs/MsgId"),
                payment_information_id=reader.text(details, "Refs/PmtInfId"),
                instruction_id=reader.text(details, "Refs/InstrId"),
                account_servicer_reference=(
                    reader.text(details, "Refs/AcctSvcrRef") or whole.account_servicer_reference
                ),
                bank_transaction_code=(
                    _bank_transaction_code(reader, details) or whole.bank_transaction_code
                ),
                return_reasons=read_reasons(reader, details, "RtrInf"),
            )
        )
    return transactions


def read_camt054(data: bytes) -> DebitCreditNotification:
    """Read a camt.054 (``.02`` or ``.08``) safely into a :class:`DebitCreditNotification`.

    Args:
        data: the notification's bytes, as received from the bank.

    Returns:
        The notification, one :class:`NotifiedTransaction` per transaction detail.

    Raises:
        TypeError: ``data`` is not bytes.
        Iso20022Error: the document is not well-formed, holds a DTD or an entity
            declaration (refused), is not a camt.054 of a supported version, lacks a
            required element, has an unknown status or direction, a non-EUR amount or a
            fraction of a cent.

    >>> from allocations.iso20022 import read_camt054
    >>> notification = read_camt054(b'''<Document
    ...  xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
    ...  <GrpHdr><MsgId>NTF-9</MsgId><CreDtTm>2027-02-09T18:00:00+01:00</CreDtTm></GrpHdr>
    ...  <Ntfctn><Id>N1</Id><Acct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></Acct>
    ...   <Ntry><Amt Ccy="EUR">148.52</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    ...    <BookgDt><Dt>2027-02-09</Dt></BookgDt>
    ...    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn></BkTxCd>
    ...    <NtryDtls><TxDtls><Refs><MsgId>RUN-1</MsgId><EndToEndId>AF-3</EndToEndId></Refs>
    ...     <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>
    ...  </Ntfctn></BkToCstmrDbtCdtNtfctn></Document>''')
    >>> [(t.end_to_end_id, t.amount_cents, t.is_return, t.return_reason_code, t.booking_date)
    ...  for t in notification.transactions]
    [('AF-3', 14852, True, 'AC04', datetime.date(2027, 2, 9))]

    .. versionadded:: 0.1.0
    """
    message, root = parse_document(data, _CAMT054)
    reader = Reader(message)
    body = reader.find(root, "BkToCstmrDbtCdtNtfctn")
    if body is None:
        raise Iso20022Error(f"{message.value}: required element 'BkToCstmrDbtCdtNtfctn' is missing")
    header = reader.find(body, "GrpHdr")
    if header is None:
        raise Iso20022Error(f"{message.value}: required element 'GrpHdr' is missing")
    transactions: list[NotifiedTransaction] = []
    for notification in reader.findall(body, "Ntfctn"):
        iban = reader.text(notification, "Acct/Id/IBAN")
        for entry in reader.findall(notification, "Ntry"):
            transactions.extend(_entry(reader, entry, iban))
    return DebitCreditNotification(
        message=message,
        message_id=reader.required_text(header, "MsgId"),
        creation_datetime=parse_datetime(reader.required_text(header, "CreDtTm"), "CreDtTm"),
        transactions=tuple(transactions),
    )
