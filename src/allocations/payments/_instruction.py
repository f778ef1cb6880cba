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
from typing import Any

import attrs

from allocations.bank_accounts import mask_iban, validate_bic, validate_iban
from allocations.errors import InvalidAmountError, InvalidInputError
from allocations.money import CENT, parse_amount, to_cents
from allocations.payments._identity import PaymentKey, PaymentKind, end_to_end_id_of, key_columns
from allocations.periods import Month
from allocations.territory import Department

__all__ = [
    "MAX_AMOUNT",
    "PLAIN_FIELDS",
    "Creditor",
    "PaymentInstruction",
    "plain_values",
    "restore_instruction",
]

#: The largest amount of one SEPA credit transfer, 999 999 999.99 EUR [AMOUNT].
MAX_AMOUNT = Decimal("999999999.99")
_MAX_NAME_LENGTH = 140
_MAX_REMITTANCE_LENGTH = 140
_CONTENT_DOMAIN = b"allocations/instruction-content/v1\n"
_ZERO = Decimal(0)


def _collapse_spaces(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, got {value!r}")
    # Already collapsed (the common case): printable text has no whitespace but the space.
    if (
        value.isprintable()
        and "  " not in value
        and value[:1] != " "
        and value[-1:] != " "
        and 0 < len(value) <= limit
    ):
        return value
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


def creditor_fields(name: Any, iban: Any, bic: Any) -> tuple[str, str, str | None]:
    """A creditor's name, IBAN and BIC checked and normalised as :class:`Creditor` does, in
    its order (the first wrong field raises), without making the object."""
    return (_to_name(name), validate_iban(iban), _optional_bic(bic))


def _to_amount(value: Any) -> Decimal:
    # Planned amounts arrive as Decimals in whole cents: one quantize proves it.
    if type(value) is Decimal and value.is_finite() and _ZERO < value <= MAX_AMOUNT:
        amount = value.quantize(CENT)
        if amount == value:
            return amount
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
    if type(value) is not dt.date and (
        isinstance(value, dt.datetime) or not isinstance(value, dt.date)
    ):
        raise TypeError(f"requested_execution_date must be a datetime.date, got {value!r}")
    return value


# Départements are few and immutable: each spelling is resolved once (bounded: only valid
# spellings are kept, and there are a few per code).
_DEPARTMENTS: dict[str, Department] = {}
_MAX_DEPARTMENT_SPELLINGS = 1024


def _to_department(value: Any) -> Department | None:
    if value is None or type(value) is Department:
        return value
    if type(value) is str:
        department = _DEPARTMENTS.get(value)
        if department is None:
            department = Department(value)
            if len(_DEPARTMENTS) < _MAX_DEPARTMENT_SPELLINGS:
                _DEPARTMENTS[value] = department
        return department
    if isinstance(value, Department):
        return value
    return Department(value)


def _check_key(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not PaymentKey and not isinstance(value, PaymentKey):
        raise TypeError(f"key must be a PaymentKey, got {value!r}")


def _check_creditor(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not Creditor and not isinstance(value, Creditor):
        raise TypeError(f"creditor must be a Creditor, got {value!r}")


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

    key: PaymentKey = attrs.field(validator=_check_key)
    amount: Decimal = attrs.field(converter=_to_amount)
    creditor: Creditor = attrs.field(validator=_check_creditor)
    requested_execution_date: dt.date = attrs.field(converter=_to_date)
    remittance_information: str = attrs.field(converter=_to_remittance)
    department: Department | None = attrs.field(default=None, converter=_to_department)
    # Derived values, set by __attrs_post_init__ (not part of the value: no eq, hash, repr,
    # init; no default, which __init__ would only overwrite): the content digest and the
    # plain values (see plain_values).
    _digest: bytes | None = attrs.field(init=False, eq=False, hash=False, repr=False)
    _plain: tuple[Any, ...] | None = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # The plain values and the content digest are derived at once, while the instruction
        # is fresh in memory (see PaymentKey): a ledger stores them, a pickle carries them.
        _set(self, "_plain", _derive(self, None))

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its plain values, identity and content digest included: an instruction
        # planned in one process and recorded in another (a pipelined run, a run's sort
        # spool) is read back without being validated or hashed again.
        return (_unpickle, plain_values(self))

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
        digest = self._digest
        if digest is None:
            department = self.department
            digest = _content_digest(
                self,
                self.amount_cents,
                _iso_date(self.requested_execution_date),
                None if department is None else department.code,
            )
        return digest

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


_ISO_DATES: dict[dt.date, str] = {}


def _iso_date(day: dt.date) -> str:
    # A run has a handful of execution dates; bounded all the same.
    text = _ISO_DATES.get(day)
    if text is None:
        text = day.isoformat()
        if len(_ISO_DATES) < 4096:
            _ISO_DATES[day] = text
    return text


def _show(value: object) -> str:
    if isinstance(value, Department):
        return value.code
    if value is None or isinstance(value, Decimal | int):
        return str(value)
    return repr(str(value))


_new = object.__new__
_set = object.__setattr__


def restore_instruction(
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
    content_digest: bytes | None = None,
    plain: tuple[Any, ...] | None = None,
) -> PaymentInstruction:
    """Rebuild an instruction a ledger recorded, without validating it a second time.

    Only for ledgers reading back their own rows (and for unpickling): those values passed
    every check when they were recorded (and the end-to-end id, content digest and plain
    values were derived from them then). Skipping the checks makes reading a national run
    back several times faster.
    """
    # Every slot of the three frozen classes, set directly (no converter, no validator).
    key = _new(PaymentKey)
    _set(key, "beneficiary_id", beneficiary_id)
    _set(key, "benefit", benefit)
    _set(key, "period", period)
    _set(key, "kind", kind)
    _set(key, "attempt", attempt)
    _set(key, "_canonical", None)
    _set(key, "_end_to_end_id", end_to_end_id)
    creditor = _new(Creditor)
    _set(creditor, "name", creditor_name)
    _set(creditor, "iban", creditor_iban)
    _set(creditor, "bic", creditor_bic)
    instruction = _new(PaymentInstruction)
    _set(instruction, "key", key)
    _set(instruction, "amount", amount)
    _set(instruction, "creditor", creditor)
    _set(instruction, "requested_execution_date", requested_execution_date)
    _set(instruction, "remittance_information", remittance_information)
    _set(instruction, "department", department)
    _set(instruction, "_digest", content_digest)
    _set(instruction, "_plain", plain)
    return instruction


#: The names of :func:`plain_values`, in order: the columns a ledger stores.
PLAIN_FIELDS = (
    "end_to_end_id",
    "beneficiary_id",
    "benefit",
    "period",
    "kind",
    "attempt",
    "amount_cents",
    "creditor_name",
    "creditor_iban",
    "creditor_bic",
    "requested_execution_date",
    "remittance_information",
    "department",
    "content_digest",
)


def plain_values(instruction: PaymentInstruction) -> tuple[Any, ...]:
    """The instruction as plain values, in :data:`PLAIN_FIELDS` order.

    Strings, integers, ``None`` and the digest's bytes: the period as ``YYYY-MM``, the kind
    by its value, the amount in cents, the date in ISO form, the département by its code.
    What a ledger stores and what a pickled instruction is made of.
    """
    plain = instruction._plain
    return _derive(instruction, instruction._digest) if plain is None else plain


def _derive(instruction: PaymentInstruction, digest: bytes | None) -> tuple[Any, ...]:
    key = instruction.key
    creditor = instruction.creditor
    department = instruction.department
    cents = instruction.amount_cents
    execution_date = _iso_date(instruction.requested_execution_date)
    code = None if department is None else department.code
    return (
        key.end_to_end_id,
        key.beneficiary_id,
        *key_columns(key),
        cents,
        creditor.name,
        creditor.iban,
        creditor.bic,
        execution_date,
        instruction.remittance_information,
        code,
        digest or _content_digest(instruction, cents, execution_date, code),
    )


def _content_digest(
    instruction: PaymentInstruction, cents: int, execution_date: str, code: str | None
) -> bytes:
    # See PaymentInstruction.content_digest; cached on the instruction.
    creditor = instruction.creditor
    digest = content_digest_of(
        instruction.key.canonical_bytes(),
        cents,
        creditor.name,
        creditor.iban,
        creditor.bic,
        execution_date,
        instruction.remittance_information,
        code,
    )
    _set(instruction, "_digest", digest)
    return digest


def content_digest_of(
    canonical_key: bytes,
    cents: int,
    creditor_name: str,
    creditor_iban: str,
    creditor_bic: str | None,
    execution_date: str,
    remittance_information: str,
    department_code: str | None,
) -> bytes:
    """The content digest of the instruction with these values (see
    :meth:`PaymentInstruction.content_digest`): the one encoding, shared by instructions and
    the planner's plain rows."""
    content = "\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s" % (  # noqa: UP031 - hot path
        cents,
        creditor_name,
        creditor_iban,
        creditor_bic or "",
        execution_date,
        remittance_information,
        department_code or "",
    )
    return hashlib.sha256(_CONTENT_DOMAIN + canonical_key + content.encode()).digest()[:16]


def plain_row(
    key_template: tuple[str, bytes, tuple[str, str, str, int]],
    beneficiary_id: str,
    amount: Any,
    creditor: tuple[str, str, str | None],
    requested_execution_date: Any,
    remittance_information: Any,
    department: Any,
) -> tuple[Any, ...]:
    """The :func:`plain_values` of an instruction, made without making the instruction.

    For planners that make a million instructions only to hand their plain values to a
    ledger: the same converters and derivations as :class:`PaymentInstruction`, in the same
    order, with no object per instruction. Equal to ``plain_values(PaymentInstruction(...))``
    of the same fields, and raising what it raises for the fields checked here.

    Args:
        key_template: the identifier prefix, canonical tail and key columns shared by every
            key of the planner (benefit, period, kind, attempt): see
            :func:`~allocations.payments._identity.key_prefix_and_tail` and
            :func:`~allocations.payments._identity.key_columns`.
        beneficiary_id: checked already, as :class:`PaymentKey` checks it.
        amount: checked here, as :class:`PaymentInstruction` does.
        creditor: name, IBAN and BIC checked already, as :class:`Creditor` checks them.
        requested_execution_date: checked here.
        remittance_information: checked here.
        department: checked here.
    """
    prefix, tail, columns = key_template
    canonical = beneficiary_id.encode() + tail
    amount = _to_amount(amount)
    day = _iso_date(_to_date(requested_execution_date))
    remittance = _to_remittance(remittance_information)
    checked_department = _to_department(department)
    code = None if checked_department is None else checked_department.code
    cents = int(amount * 100)
    name, iban, bic = creditor
    return (
        end_to_end_id_of(prefix, canonical),
        beneficiary_id,
        *columns,
        cents,
        name,
        iban,
        bic,
        day,
        remittance,
        code,
        content_digest_of(canonical, cents, name, iban, bic, day, remittance, code),
    )


# Reading plain values back: months, kinds, dates, amounts and départements repeat in a run,
# and are resolved through small bounded caches (their values are immutable).
_MONTHS: dict[str, Month] = {}
_KINDS: dict[str, PaymentKind] = {kind.value: kind for kind in PaymentKind}
_DATES: dict[str, dt.date] = {}
_AMOUNTS: dict[int, Decimal] = {}
_MAX_CACHED = 4096


def _unpickle(*plain: Any) -> PaymentInstruction:
    return unpickle_plain(plain)


def unpickle_plain(plain: tuple[Any, ...]) -> PaymentInstruction:
    """The instruction whose :func:`plain_values` are ``plain``, rebuilt without checks.

    Only for values this library derived itself (a pickle from its own worker, a ledger's
    own rows): nothing is validated again.
    """
    (
        end_to_end_id,
        beneficiary_id,
        benefit,
        period_text,
        kind,
        attempt,
        amount_cents,
        creditor_name,
        creditor_iban,
        creditor_bic,
        date_text,
        remittance_information,
        department,
        content_digest,
    ) = plain
    period = _MONTHS.get(period_text)
    if period is None:
        period = Month.parse(period_text)
        if len(_MONTHS) < _MAX_CACHED:
            _MONTHS[period_text] = period
    day = _DATES.get(date_text)
    if day is None:
        day = dt.date.fromisoformat(date_text)
        if len(_DATES) < _MAX_CACHED:
            _DATES[date_text] = day
    amount = _AMOUNTS.get(amount_cents)
    if amount is None:
        amount = Decimal(amount_cents).scaleb(-2)
        if len(_AMOUNTS) < _MAX_CACHED:
            _AMOUNTS[amount_cents] = amount
    return restore_instruction(
        end_to_end_id,
        beneficiary_id,
        benefit,
        period,
        _KINDS[kind],
        attempt,
        amount,
        creditor_name,
        creditor_iban,
        creditor_bic,
        day,
        remittance_information,
        None if department is None else _DEPARTMENTS.get(department) or _to_department(department),
        content_digest,
        plain,
    )
