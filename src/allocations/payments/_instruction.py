"""Payment instructions: one credit transfer to one beneficiary, with its business key.

An instruction is a frozen value. Its identity is its :class:`PaymentKey`; everything else
is its *content*, compared field by field when the same key is recorded twice (same content:
"already recorded", success; different content: an error naming the fields).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from allocations.errors import InvalidAmountError, InvalidInputError
from allocations.money import CENT, parse_amount, to_cents
from allocations.payments._iban import mask_iban, validate_bic, validate_iban
from allocations.payments._identity import PaymentKey, PaymentKind
from allocations.periods import Month
from allocations.territory import Department

__all__ = ["MAX_AMOUNT", "Creditor", "PaymentInstruction", "restore_instruction"]

#: The largest amount of one SEPA credit transfer, 999 999 999.99 EUR [AMOUNT].
MAX_AMOUNT = Decimal("999999999.99")
_MAX_NAME_LENGTH = 140
_MAX_REMITTANCE_LENGTH = 140
_CONTENT_DOMAIN = b"allocations/instruction-content/v1\n"
_T = TypeVar("_T")


def _collapse_spaces(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, got {value!r}")
    text = " ".join(value.split())
    if not text or len(text) > limit or not text.isprintable():
        raise InvalidInputError(f"{field} must be 1 to {limit} printable characters, got {value!r}")
    return text


def _to_name(value: Any) -> str:
    return _collapse_spaces(value, "creditor name", _MAX_NAME_LENGTH)


def _to_remittance(value: Any) -> str:
    return _collapse_spaces(value, "remittance_information", _MAX_REMITTANCE_LENGTH)


def _optional_bic(value: Any) -> str | None:
    return None if value is None else validate_bic(value)


@attrs.frozen
class Creditor:
    """Who receives the money: the *allocataire*'s name and bank account.

    The IBAN is validated (:func:`~allocations.validate_iban`) and kept in electronic form;
    ``repr`` shows it masked. The BIC is optional (IBAN-only payments, Regulation (EU)
    260/2012 art. 5(7)).

    Args:
        name: the account holder's name; runs of spaces are collapsed. At most 140
            characters: the pain.001 writer transliterates it to the SEPA character set
            and cuts it to 70 [NAME].
        iban: the account's IBAN, spaces and case as typed.
        bic: the bank's BIC, or ``None``.

    Raises:
        TypeError: a field is not a string.
        InvalidInputError: the name is empty or too long.
        InvalidIbanError: the IBAN is not a valid SEPA IBAN.
        InvalidBicError: the BIC is malformed.

    >>> from allocations import Creditor
    >>> Creditor("Marie  Curie", "fr76 3000 6000 0112 3456 7890 189")
    Creditor(name='Marie Curie', iban=FR76 **** **** 0189, bic=None)

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(converter=_to_name)
    iban: str = attrs.field(converter=validate_iban, repr=mask_iban)
    bic: str | None = attrs.field(default=None, converter=_optional_bic)


def _to_amount(value: Any) -> Decimal:
    amount = parse_amount(value, "amount")
    if amount <= 0:
        raise InvalidAmountError(f"amount must be positive, got {amount}")
    if amount > MAX_AMOUNT:
        raise InvalidAmountError(
            f"amount {amount} exceeds {MAX_AMOUNT}, the largest SEPA credit transfer"
        )
    to_cents(amount, "amount")
    return amount.quantize(CENT)


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"requested_execution_date must be a datetime.date, got {value!r}")
    return value


def _to_department(value: Any) -> Department | None:
    if value is None or isinstance(value, Department):
        return value
    return Department(value)


@attrs.frozen
class PaymentInstruction:
    """One credit transfer the paying body intends to make.

    Args:
        key: the business key; the identifiers derive from it.
        amount: euros, ``Decimal``, ``int`` or decimal string; positive, whole cents, at
            most :data:`MAX_AMOUNT`. Kept with two decimals.
        creditor: the beneficiary's name and account.
        requested_execution_date: the pain.001 ``ReqdExctnDt``, a TARGET business day
            chosen by the scheduler.
        remittance_information: the unstructured remittance text (``RmtInf/Ustrd``), at
            most 140 characters [RMTINF]; runs of spaces are collapsed.
        department: where the beneficiary lives (per-département summaries, partitions of a
            run); a :class:`~allocations.Department`, a code or ``None``.

    Raises:
        TypeError: ``amount`` is a ``float``, or another field has the wrong type.
        InvalidAmountError: ``amount`` is not positive, not in whole cents, or too large.
        InvalidInputError: the remittance text is empty or too long.
        InvalidDepartmentError: the département code is unknown.

    >>> from allocations import Creditor, PaymentInstruction, PaymentKey
    >>> instruction = PaymentInstruction(
    ...     key=PaymentKey("F-1", "AF", "2024-05", "regular"),
    ...     amount=Decimal("148.52"),
    ...     creditor=Creditor("Marie Curie", "FR7630006000011234567890189"),
    ...     requested_execution_date=dt.date(2024, 6, 5),
    ...     remittance_information="CAF ALLOCATIONS FAMILIALES 2024-05",
    ...     department="67",
    ... )
    >>> instruction.end_to_end_id, instruction.amount_cents
    ('AF-202405-R01-TP746YC5WZLQ2WYF', 14852)
    >>> import attrs
    >>> other = attrs.evolve(instruction, amount=Decimal("150.00"))
    >>> instruction.differing_fields(other)
    ('amount',)

    .. versionadded:: 0.1.0
    """

    key: PaymentKey = attrs.field(validator=attrs.validators.instance_of(PaymentKey))
    amount: Decimal = attrs.field(converter=_to_amount)
    creditor: Creditor = attrs.field(validator=attrs.validators.instance_of(Creditor))
    requested_execution_date: dt.date = attrs.field(converter=_to_date)
    remittance_information: str = attrs.field(converter=_to_remittance)
    department: Department | None = attrs.field(default=None, converter=_to_department)

    @property
    def end_to_end_id(self) -> str:
        """The EndToEndId derived from :attr:`key` (see :class:`PaymentKey`)."""
        return self.key.end_to_end_id

    @property
    def instruction_id(self) -> str:
        """The InstrId derived from :attr:`key` (see :class:`PaymentKey`)."""
        return self.key.instruction_id

    @property
    def amount_cents(self) -> int:
        """The amount in integer cents (storage and file totals)."""
        return int(self.amount * 100)

    def content_fields(self) -> tuple[tuple[str, object], ...]:
        """Every field that makes the content, as ``(name, value)`` pairs, key first.

        Nested fields are named with a dot (``creditor.iban``); the names are those
        :meth:`differing_fields` reports.
        """
        key = self.key
        creditor = self.creditor
        return (
            ("key.beneficiary_id", key.beneficiary_id),
            ("key.benefit", key.benefit),
            ("key.period", key.period),
            ("key.kind", key.kind),
            ("key.attempt", key.attempt),
            ("amount", self.amount),
            ("creditor.name", creditor.name),
            ("creditor.iban", creditor.iban),
            ("creditor.bic", creditor.bic),
            ("requested_execution_date", self.requested_execution_date),
            ("remittance_information", self.remittance_information),
            ("department", self.department),
        )

    def differing_fields(self, other: PaymentInstruction) -> tuple[str, ...]:
        """The names of the fields whose values differ, in :meth:`content_fields` order.

        Args:
            other: another instruction, usually with the same key.

        Returns:
            An empty tuple when both instructions are equal.
        """
        return tuple(
            name
            for (name, mine), (_, theirs) in zip(
                self.content_fields(), other.content_fields(), strict=True
            )
            if mine != theirs
        )

    def content_digest(self) -> bytes:
        """A 16-byte fingerprint of the whole instruction (SHA-256 of a canonical encoding).

        Ledgers store it so that "already recorded with the same content" is a comparison of
        digests, not of every column. Equal instructions have equal digests, in every
        process and version: SHA-256 of ``allocations/instruction-content/v1`` and a newline,
        the key's canonical bytes, then amount in cents, creditor name, IBAN, BIC, execution date,
        remittance text and département code, each preceded by U+001F (absent values
        empty; no field can contain U+001F, they are printable).
        """
        creditor = self.creditor
        department = self.department
        content = "\x1f".join(
            (
                str(self.amount_cents),
                creditor.name,
                creditor.iban,
                creditor.bic or "",
                self.requested_execution_date.isoformat(),
                self.remittance_information,
                "" if department is None else department.code,
            )
        ).encode()
        return hashlib.sha256(
            _CONTENT_DOMAIN + self.key.canonical_bytes() + b"\x1f" + content
        ).digest()[:16]

    def describe_differences(self, other: PaymentInstruction) -> str:
        """A human-readable list of differing fields, ``this`` value versus ``other``'s.

        IBANs are masked. Used in :class:`~allocations.IdempotencyConflictError` messages.
        """
        mine = dict(self.content_fields())
        theirs = dict(other.content_fields())
        parts = []
        for name in self.differing_fields(other):
            left, right = mine[name], theirs[name]
            if name == "creditor.iban":
                left, right = mask_iban(str(left)), mask_iban(str(right))
            parts.append(f"{name} (recorded {_show(left)}, given {_show(right)})")
        return ", ".join(parts)


def _show(value: object) -> str:
    if isinstance(value, Department):
        return value.code
    if value is None or isinstance(value, Decimal | int):
        return str(value)
    return repr(str(value))


def _restore(cls: type[_T], **fields: object) -> _T:
    instance = object.__new__(cls)
    for name, value in fields.items():
        object.__setattr__(instance, name, value)
    return instance


def restore_instruction(
    *,
    end_to_end_id: str,
    beneficiary_id: str,
    benefit: str,
    period: Month,
    kind: PaymentKind,
    attempt: int,
    amount: Decimal,
    creditor_name: str,
    creditor_iban: str,
    creditor_bic: str | None,
    requested_execution_date: dt.date,
    remittance_information: str,
    department: Department | None,
) -> PaymentInstruction:
    """Rebuild an instruction a ledger recorded, without validating it a second time.

    Only for ledgers reading back their own rows: those values passed every check when
    they were recorded (and the end-to-end id was derived from the key then). Skipping the
    checks makes reading a national run back several times faster.
    """
    key = _restore(
        PaymentKey,
        beneficiary_id=beneficiary_id,
        benefit=benefit,
        period=period,
        kind=kind,
        attempt=attempt,
        _canonical=None,
        _end_to_end_id=end_to_end_id,
    )
    creditor = _restore(Creditor, name=creditor_name, iban=creditor_iban, bic=creditor_bic)
    return _restore(
        PaymentInstruction,
        key=key,
        amount=amount,
        creditor=creditor,
        requested_execution_date=requested_execution_date,
        remittance_information=remittance_information,
        department=department,
    )
