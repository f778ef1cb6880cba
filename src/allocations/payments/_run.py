"""The monthly payment run: plan → journal → guard → emit pain.001 → mark IN_FILE.

Theory of operation (DESIGN.md principles 3, 4 and 6):

1. **Plan** (:class:`Planner`, :func:`plan_payments`). Each household's entitlement for the
   month becomes at most one REGULAR instruction, attempt 1: the net amount, paid to the
   holder's account on :func:`~allocations.payment_date` of the household's département (a
   TARGET2 day), with the remittance text ``"<label> <YYYY-MM> <household id>"``. Every
   household is checked *before anything is written*: a missing holder, a bad IBAN or BIC,
   a name with nothing left in the SEPA character set, an id that cannot be a business key
   is a :class:`~allocations.HouseholdFileError` naming the line and the field. A zero
   entitlement is not paid; its breakdown's reason is kept for the guard (*explained
   zero*). The instructions are then put in **payment order** (:func:`payment_order`:
   execution date, then end-to-end id), which makes the files independent of the order of
   the household file and puts a repeated business key next to itself, where it is caught.
2. **Journal** (write-ahead). The instructions are recorded in batches of ``batch_size``;
   each batch is one transaction. Recording is idempotent: on a rerun every instruction is
   ``EXISTS``; the same key with other content is an
   :class:`~allocations.IdempotencyConflictError` naming the fields, and that batch writes
   nothing. Journaling comes *before* the guard, because the guard compares what the ledger
   holds for both months; a run the guard stops has journaled PLANNED instructions and
   written no file, and rerunning it (with ``override=``) finds them ``EXISTS``.
3. **Guard** (:func:`~allocations.evaluate_guard`): stops the run with a
   :class:`~allocations.PreflightError` on unexplained differences with the previous month,
   unless overridden; the override is kept in the ledger's run journal (once).
4. **Emit**. Instructions are grouped by execution date and cut into files of at most
   ``max_transactions_per_file``, in payment order. Each file's identity — MsgId
   ``<benefit>-<YYYY-MM>-<YYYYMMDD>-<NNN>``, PmtInfId ``<MsgId>-P1``, its transactions and
   its CreDtTm (the injected clock's time, to the second) — is allocated once in the ledger's
   file journal; a rerun gets the recorded one back, so a re-emitted file is byte-identical.
   The file is written through the sink (atomically: complete under its name, or absent)
   as ``<MsgId>.xml``, then its instructions are marked IN_FILE in batches.

**Crash anywhere, run again.** Every durable step (a journal batch, an override, a file
allocation, a file write, a batch of IN_FILE marks) is followed by a call to
``checkpoint(name)``: the command line uses it to kill itself at a chosen step in tests
(``ALLOCATIONS_CRASH_AFTER_STEPS``). Whatever step a run dies after, the same run again
creates no instruction twice, loses none, writes the same bytes and ends with every
instruction IN_FILE (``tests/stateful/test_crash_recovery.py`` kills a real process after
each step).

Pure: the ledger, the file sink, the clock and the checkpoint are passed in.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import operator
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from allocations.entitlement import (
    Entitlement,
    EntitlementOptions,
    Household,
    allocations_familiales,
)
from allocations.errors import (
    AllocationsError,
    DuplicatePaymentError,
    HouseholdFileError,
    IdempotencyConflictError,
    InvalidBicError,
    InvalidIbanError,
    InvalidInputError,
    PreflightError,
    SepaValidationError,
)
from allocations.iso20022 import (
    BinarySink,
    CreditTransfer,
    FileHeader,
    to_sepa_text,
    write_pain001,
)
from allocations.periods import Month
from allocations.scheduling import payment_date

from ._batch import batch_of_checked_rows
from ._config import DEFAULT_REMITTANCE_LABEL, OrganisationConfig, check_remittance_label
from ._guard import GuardReport, evaluate_guard, plural
from ._iban import mask_iban
from ._identity import PaymentKey, PaymentKind, key_columns, key_prefix_and_tail, to_beneficiary_id
from ._instruction import (
    PaymentInstruction,
    creditor_fields,
    plain_row,
    plain_values,
    unpickle_plain,
)
from ._ledger import Clock, Ledger, PaymentBlock, PaymentFile, RecordOutcome, StateChange
from ._lifecycle import InstructionState

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "OVERRIDE_EVENT",
    "EmittedFile",
    "FileSink",
    "MemorySink",
    "PaymentPlan",
    "PaymentTotals",
    "PlainRows",
    "Planner",
    "RunReport",
    "payment_order",
    "plan_payments",
    "run_payments",
]

#: Instructions per journal transaction and per batch of IN_FILE marks, unless told.
DEFAULT_BATCH_SIZE: Final = 10_000
#: The run-journal kind of a guard override.
OVERRIDE_EVENT: Final = "guard.override"
_MAX_BATCH_SIZE: Final = 1_000_000


@attrs.frozen
class PaymentTotals:
    """How many payments, and how much, for a département, a date or a whole run.

    .. versionadded:: 0.1.0
    """

    count: int
    amount_cents: int

    @property
    def amount(self) -> Decimal:
        """The total in euros, two decimals."""
        return Decimal(self.amount_cents).scaleb(-2)


def payment_order(instruction: PaymentInstruction) -> tuple[dt.date, str]:
    """The order of a run's instructions: execution date, then end-to-end id.

    Files are cut from this order, so it is part of what makes them deterministic: the
    same instructions give the same files whatever the order of the household file.

    >>> from allocations import Creditor, PaymentInstruction, PaymentKey, payment_order
    >>> instruction = PaymentInstruction(
    ...     PaymentKey("F-1", "AF", "2024-05", "regular"), Decimal("148.52"),
    ...     Creditor("Marie Curie", "FR7630006000011234567890189"), dt.date(2024, 6, 5),
    ...     "ALLOCATIONS FAMILIALES 2024-05 F-1")
    >>> payment_order(instruction)
    (datetime.date(2024, 6, 5), 'AF-202405-R01-TP746YC5WZLQ2WYF')

    .. versionadded:: 0.1.0
    """
    return (instruction.requested_execution_date, instruction.end_to_end_id)


def _why_nothing_is_due(entitlement: Entitlement) -> str:
    lines = entitlement.breakdown
    reasons = [line for line in lines if line.component == "nothing_due"] or list(lines)
    return " ; ".join(f"{line.rule} [{line.legal_reference}]" for line in reasons)


class Planner:
    """Turns households and their entitlements into REGULAR instructions, checking each.

    A planner accumulates the totals (by département and execution date) and the reasons of
    zero entitlements while households are added one at a time, so a caller can stream a
    file of any size through it and keep the instructions wherever it likes (the command
    line spools them to disk). :func:`plan_payments` is the in-memory shortcut.

    Args:
        month: the benefit month.
        benefit: the benefit code of the business keys.
        remittance_label: the start of each remittance text.
        source: the name of the households' source, quoted in errors.

    >>> from allocations import Planner
    >>> household = allocations.Household(
    ...     id="F-1", department="67", resources=Decimal("55000"),
    ...     children=(allocations.Child(birth_date=dt.date(2012, 3, 1)),
    ...               allocations.Child(birth_date=dt.date(2016, 9, 15))),
    ...     holder=allocations.Holder("Marie Curie", "FR76 3000 6000 0112 3456 7890 189"))
    >>> planner = Planner(allocations.Month(2024, 5))
    >>> entitlement = allocations.allocations_familiales(household, planner.month)
    >>> instruction = planner.add(household, entitlement, line=1)
    >>> instruction.amount, instruction.requested_execution_date, instruction.remittance_information
    (Decimal('148.52'), datetime.date(2024, 6, 5), 'ALLOCATIONS FAMILIALES 2024-05 F-1')

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        month: Month,
        *,
        benefit: str = "AF",
        remittance_label: str = DEFAULT_REMITTANCE_LABEL,
        source: str = "<households>",
    ) -> None:
        if not isinstance(month, Month):
            raise TypeError(f"month must be a Month, got {month!r}")
        self.month = month
        template = PaymentKey("x", benefit, month, PaymentKind.REGULAR)
        self.benefit = template.benefit
        self._key_template = (*key_prefix_and_tail(template), key_columns(template))
        self.remittance_prefix = f"{check_remittance_label(remittance_label)} {month} "
        self.source = source
        self.households = 0
        self.explanations: dict[str, str] = {}
        self._by_department: dict[str, list[int]] = {}
        self._dates: dict[str, dt.date] = {}

    def _error(
        self, line: int, field: str | None, value: object, reason: str
    ) -> HouseholdFileError:
        return HouseholdFileError(self.source, line, field, value, reason)

    def add(
        self, household: Household, entitlement: Entitlement, *, line: int | None = None
    ) -> PaymentInstruction | None:
        """Plan one household's payment.

        Args:
            household: the household.
            entitlement: its entitlement for :attr:`month`.
            line: where the household is in its source (for error messages); by default
                its position among the households added.

        Returns:
            The REGULAR instruction, or ``None`` when nothing is due (the reason is kept in
            :attr:`explanations`, by household id).

        Raises:
            HouseholdFileError: the household cannot be paid: no holder, an invalid IBAN or
                BIC, a name with nothing SEPA-valid, an id too long for a business key.
            InvalidInputError: the entitlement is another household's or month's.
        """
        row = self.add_plain(household, entitlement, line=line)
        return None if row is None else unpickle_plain(row)

    def add_plain(
        self, household: Household, entitlement: Entitlement, *, line: int | None = None
    ) -> tuple[Any, ...] | None:
        """Plan one household's payment as the instruction's plain values.

        The same checks, totals and result as :meth:`add`, but the instruction is returned
        as its :func:`~allocations.payments.plain_values` (end-to-end id and content digest
        included) without making the instruction: what a national run hands to its ledger
        (:meth:`PlannedBatch.from_plain_rows`) or spools to disk, at about half the cost.

        Returns:
            The plain values, in :data:`~allocations.payments.PLAIN_FIELDS` order, or
            ``None`` when nothing is due.

        Raises:
            HouseholdFileError: as :meth:`add`.
            InvalidInputError: as :meth:`add`.

        >>> from allocations import Planner
        >>> from allocations.payments import PLAIN_FIELDS, plain_values
        >>> household = allocations.Household(
        ...     id="F-1", department="67", resources=Decimal("55000"),
        ...     children=(allocations.Child(birth_date=dt.date(2012, 3, 1)),
        ...               allocations.Child(birth_date=dt.date(2016, 9, 15))),
        ...     holder=allocations.Holder("Marie Curie", "FR7630006000011234567890189"))
        >>> planner = Planner(allocations.Month(2024, 5))
        >>> entitlement = allocations.allocations_familiales(household, planner.month)
        >>> row = planner.add_plain(household, entitlement)
        >>> dict(zip(PLAIN_FIELDS, row))["end_to_end_id"], row[6]
        ('AF-202405-R01-TP746YC5WZLQ2WYF', 14852)
        >>> row == plain_values(planner.add(household, entitlement))
        True

        .. versionadded:: 0.1.0
        """
        self.households += 1
        where = self.households if line is None else line
        month = entitlement.month
        if entitlement.household_id != household.id or (
            month is not self.month and month != self.month
        ):
            raise InvalidInputError(
                f"the entitlement of {entitlement.household_id!r} for {entitlement.month} was "
                f"given for household {household.id!r} and month {self.month}"
            )
        net = entitlement.net
        if net <= 0:
            if net < 0:
                raise self._error(where, "net", str(net), "is negative: a payment is positive")
            beneficiary = unicodedata.normalize("NFC", household.id)
            self.explanations[beneficiary] = _why_nothing_is_due(entitlement)
            return None
        try:
            beneficiary_id = to_beneficiary_id(household.id)
        except InvalidInputError as error:
            raise self._error(
                where, "id", household.id, f"cannot be a payment's business key: {error}"
            ) from None
        holder = household.holder
        if holder is None:
            raise self._error(
                where,
                "holder",
                ...,
                f"is missing: household {household.id!r} is owed {net} EUR for {self.month} "
                "and there is no account to pay it to",
            )
        creditor = self._creditor(where, holder.name, holder.iban, holder.bic)
        department = household.department
        execution_date = self._dates.get(department.code)
        if execution_date is None:
            execution_date = self._dates[department.code] = payment_date(self.month, department)
        row = plain_row(
            self._key_template,
            beneficiary_id,
            net,
            creditor,
            execution_date,
            self.remittance_prefix + household.id,
            department,
        )
        # The execution date depends on the département only: totals by date are summed
        # from those by département at the end.
        totals = self._by_department.get(department.code)
        if totals is None:
            totals = self._by_department[department.code] = [0, 0]
        totals[0] += 1
        totals[1] += row[6]  # the amount in cents
        return row

    def _creditor(
        self, line: int, name: str, iban: str, bic: str | None
    ) -> tuple[str, str, str | None]:
        """The name, IBAN and BIC checked as :class:`Creditor` checks them, in its order."""
        try:
            checked = creditor_fields(name, iban, bic)
        except InvalidIbanError as error:
            raise self._error(
                line, "holder.iban", mask_iban(iban), f"is refused: {error}"
            ) from None
        except InvalidBicError as error:
            raise self._error(line, "holder.bic", bic, f"is refused: {error}") from None
        except (InvalidInputError, TypeError) as error:
            raise self._error(line, "holder.name", name, f"is refused: {error}") from None
        try:
            # The file carries the name transliterated into the SEPA set and cut to 70
            # characters [CHARSET] [NAME]: a name with nothing left cannot be sent.
            to_sepa_text(checked[0], max_length=70, field="holder.name")
        except SepaValidationError as error:
            raise self._error(line, "holder.name", name, f"cannot be written: {error}") from None
        return checked

    def merge(self, other: Planner) -> None:
        """Add what another planner planned to this one: its households, totals and reasons.

        For planning a file in parts (the command line's ``--jobs``: one planner per chunk
        of lines, in worker processes). Merging the parts **in file order** gives the totals
        and the :attr:`explanations` of one planner fed every household in that order; the
        instructions themselves are the caller's, as with :meth:`add`.

        Args:
            other: a planner of the same month, benefit and remittance label; it is left
                as it is.

        Raises:
            TypeError: ``other`` is not a :class:`Planner`.
            InvalidInputError: ``other`` is this planner, or plans another month, benefit
                or remittance label.

        >>> from allocations import Planner
        >>> holder = allocations.Holder("Marie Curie", "FR7630006000011234567890189")
        >>> children = (allocations.Child(birth_date=dt.date(2012, 3, 1)),
        ...             allocations.Child(birth_date=dt.date(2016, 9, 15)))
        >>> first, second = Planner(allocations.Month(2024, 5)), Planner(allocations.Month(2024, 5))
        >>> for planner, number in ((first, 1), (second, 2), (second, 3)):
        ...     household = allocations.Household(id=f"F-{number}", department="67",
        ...         resources=Decimal("55000"), children=children, holder=holder)
        ...     _ = planner.add(household, allocations.allocations_familiales(household,
        ...                                                                   planner.month))
        >>> first.merge(second)
        >>> plan = first.plan([])
        >>> plan.households, plan.totals.count, plan.totals.amount
        (3, 3, Decimal('445.56'))

        .. versionadded:: 0.1.0
        """
        if not isinstance(other, Planner):
            raise TypeError(f"other must be a Planner, got {other!r}")
        if other is self:
            raise InvalidInputError("a planner cannot be merged into itself (it would count twice)")
        mine = (self.month, self.benefit, self.remittance_prefix)
        theirs = (other.month, other.benefit, other.remittance_prefix)
        if theirs != mine:
            raise InvalidInputError(
                f"cannot merge the planner of {theirs[1]} {theirs[0]} (remittance "
                f"{theirs[2].strip()!r}) into that of {mine[1]} {mine[0]} (remittance "
                f"{mine[2].strip()!r}): a run plans one month of one benefit"
            )
        self.households += other.households
        # In file order, as add() would have set them (a later household with the same id
        # replaces the reason and keeps the place).
        self.explanations.update(other.explanations)
        for code, (count, cents) in other._by_department.items():
            totals = self._by_department.get(code)
            if totals is None:
                self._by_department[code] = [count, cents]
                self._dates[code] = other._dates[code]
            else:
                totals[0] += count
                totals[1] += cents

    def plan(self, instructions: Iterable[PaymentInstruction]) -> PaymentPlan:
        """The plan of the households added so far.

        Args:
            instructions: the instructions :meth:`add` returned, **in payment order**
                (:func:`payment_order`) and re-iterable: the run reads them twice (journal,
                then emit). A list, or the command line's disk spool.

        Returns:
            The :class:`PaymentPlan`.

        Raises:
            TypeError: ``instructions`` is an iterator (it could be read only once).
        """
        if iter(instructions) is instructions:
            raise TypeError(
                "instructions must be re-iterable (a list, a spool), not an iterator: the run "
                "reads them once to journal and once to write the files"
            )
        by_date: dict[dt.date, list[int]] = {}
        for code, (count, cents) in self._by_department.items():
            totals = by_date.setdefault(self._dates[code], [0, 0])
            totals[0] += count
            totals[1] += cents
        return PaymentPlan(
            month=self.month,
            benefit=self.benefit,
            instructions=instructions,
            totals=PaymentTotals(
                sum(count for count, _ in self._by_department.values()),
                sum(cents for _, cents in self._by_department.values()),
            ),
            by_department={
                code: PaymentTotals(*self._by_department[code])
                for code in sorted(self._by_department)
            },
            by_execution_date={day: PaymentTotals(*by_date[day]) for day in sorted(by_date)},
            explanations=dict(self.explanations),
            households=self.households,
        )


@attrs.frozen
class PaymentPlan:
    """The instructions of one month's run, in payment order, with what the guard needs.

    Attributes:
        month: the benefit month.
        benefit: the benefit code.
        instructions: the REGULAR instructions in payment order, re-iterable.
        totals: how many and how much.
        by_department: totals per département code, in code order.
        by_execution_date: totals per requested execution date, in date order.
        explanations: household id → why nothing is due, for the zero entitlements.
        households: how many households were planned (paid or not).

    .. versionadded:: 0.1.0
    """

    month: Month
    benefit: str
    instructions: Iterable[PaymentInstruction] = attrs.field(eq=False, repr=False)
    totals: PaymentTotals
    by_department: Mapping[str, PaymentTotals]
    by_execution_date: Mapping[dt.date, PaymentTotals]
    explanations: Mapping[str, str] = attrs.field(repr=False)
    households: int


def plan_payments(
    households: Iterable[Household],
    month: Month,
    *,
    benefit: str = "AF",
    remittance_label: str = DEFAULT_REMITTANCE_LABEL,
    options: EntitlementOptions | None = None,
    source: str = "<households>",
) -> PaymentPlan:
    """Plan the REGULAR payments of ``month`` for households held in memory.

    Computes each entitlement (:func:`~allocations.allocations_familiales`), plans it with a
    :class:`Planner` and sorts the instructions in payment order. Every household is checked
    before the plan is returned; a run writes nothing until it has one.

    Args:
        households: the households (a list, a reader's stream); errors name their position.
        month: the benefit month.
        benefit: the benefit code (``"AF"``).
        remittance_label: the start of each remittance text.
        options: the entitlement options; the defaults when ``None``.
        source: what the households are called in error messages.

    Returns:
        The :class:`PaymentPlan` (instructions in a list).

    Raises:
        HouseholdFileError: a household cannot be paid or its entitlement cannot be
            computed, naming its position, the field and the rule.
        DuplicatePaymentError: two households have the same id.
        LawNotInForceError: the law of ``month`` is not known.

    >>> from allocations import plan_payments
    >>> holder = allocations.Holder("Marie Curie", "FR7630006000011234567890189")
    >>> two_children = (allocations.Child(birth_date=dt.date(2012, 3, 1)),
    ...                 allocations.Child(birth_date=dt.date(2016, 9, 15)))
    >>> plan = plan_payments([
    ...     allocations.Household(id="F-1", department="67", resources=Decimal("55000"),
    ...                           children=two_children, holder=holder),
    ...     allocations.Household(id="F-2", department="75", resources=Decimal("55000"),
    ...                           children=two_children[:1], holder=holder),
    ... ], allocations.Month(2024, 5))
    >>> plan.totals.count, plan.totals.amount, list(plan.explanations)
    (1, Decimal('148.52'), ['F-2'])
    >>> plan_payments([allocations.Household(id="F-3", department="67", resources=Decimal("55000"),
    ...                                      children=two_children)], allocations.Month(2024, 5))
    Traceback (most recent call last):
    ...
    allocations.errors.HouseholdFileError: <households>:1: field 'holder' is missing: household 'F-3' is owed 148.52 EUR for 2024-05 and there is no account to pay it to

    .. versionadded:: 0.1.0
    """
    planner = Planner(month, benefit=benefit, remittance_label=remittance_label, source=source)
    planned: list[PaymentInstruction] = []
    for position, household in enumerate(households, start=1):
        if not isinstance(household, Household):
            raise TypeError(f"households must yield allocations.Household, got {household!r}")
        try:
            entitlement = allocations_familiales(household, month, options=options)
        except AllocationsError as error:
            raise HouseholdFileError(
                source, position, None, household.id, f"cannot be computed for {month}: {error}"
            ) from None
        instruction = planner.add(household, entitlement, line=position)
        if instruction is not None:
            planned.append(instruction)
    planned.sort(key=payment_order)
    for _ in in_payment_order(planned):  # a repeated id is caught before anything is written
        pass
    return planner.plan(planned)


def in_payment_order(instructions: Iterable[PaymentInstruction]) -> Iterator[PaymentInstruction]:
    """Yield the instructions, checking they are in strict payment order.

    Raises:
        TypeError: an item is not a :class:`~allocations.PaymentInstruction`.
        DuplicatePaymentError: an end-to-end id repeats (two households with one id).
        InvalidInputError: the instructions are not sorted by :func:`payment_order`.
    """
    previous: tuple[dt.date, str] | None = None
    for instruction in _instructions_only(instructions):
        order = (instruction.requested_execution_date, instruction.end_to_end_id)
        if previous is not None and order <= previous:
            raise _out_of_order(order, previous, instruction.key.beneficiary_id)
        previous = order
        yield instruction


def _instructions_only(items: Iterable[Any]) -> Iterator[PaymentInstruction]:
    for item in items:
        if not isinstance(item, PaymentInstruction):
            raise TypeError(f"a run pays PaymentInstruction values, got {item!r}")
        yield item


def _out_of_order(
    order: tuple[object, str], previous: tuple[object, str], beneficiary_id: str
) -> AllocationsError:
    """The error for an instruction at ``order`` (execution date, end-to-end id) that does
    not come strictly after the previous one."""
    if order == previous:
        return DuplicatePaymentError(
            f"beneficiary {beneficiary_id!r} is planned twice ({order[1]}): two households "
            "have the same id"
        )
    return InvalidInputError(
        f"instructions must be in payment order (execution date, then end-to-end id): "
        f"{order[1]} on {order[0]} comes after {previous[1]} on {previous[0]}"
    )


@runtime_checkable
class PlainRows(Protocol):
    """A plan's instructions that can also be read as the plain values a ledger stores.

    A run journals such a source from those values (a
    :class:`~allocations.payments.PlannedBatch` per journal transaction) without rebuilding
    every instruction: :class:`~allocations.payments.PlannedBatch` is one, the command
    line's disk spool another.

    .. versionadded:: 0.1.0
    """

    def plain_rows(self) -> Iterator[tuple[Any, ...]]:
        """Each instruction's plain values, in payment order."""


# -- emitting ----------------------------------------------------------------------------


class FileSink(Protocol):
    """Where the run writes its pain.001 files.

    ``open(name)`` returns a context manager yielding a binary file; the file must appear
    complete under ``name`` when the block ends normally, and not at all when it raises
    (the command line uses :func:`~allocations.adapters.files.open_atomic`).

    .. versionadded:: 0.1.0
    """

    def open(self, name: str) -> AbstractContextManager[BinarySink]:
        """A context manager writing the file ``name`` atomically."""
        ...


class MemorySink:
    """A :class:`FileSink` keeping the files in memory (tests, examples).

    Attributes:
        files: file name → bytes, for the files completed so far.

    >>> from allocations import MemorySink
    >>> sink = MemorySink()
    >>> with sink.open("a.xml") as out:
    ...     _ = out.write(b"<Document/>")
    >>> sink.files
    {'a.xml': b'<Document/>'}

    .. versionadded:: 0.1.0
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[BinarySink]:
        """Collect the file's bytes; keep them only if the block ends normally."""
        buffer = io.BytesIO()
        yield buffer
        self.files[name] = buffer.getvalue()


@attrs.frozen
class EmittedFile:
    """One pain.001 file of a run.

    Attributes:
        name: the file name (``<MsgId>.xml``).
        message_id: ``GrpHdr/MsgId``.
        requested_execution_date: ``ReqdExctnDt``.
        totals: its number of transactions and control sum.
        created_at: ``CreDtTm``, from the file journal.
        outcome: ``CREATED`` if this run allocated it, ``EXISTS`` if it re-emitted a file
            allocated by an earlier (interrupted) run.
        marked: how many of its instructions this run moved to IN_FILE.

    .. versionadded:: 0.1.0
    """

    name: str
    message_id: str
    requested_execution_date: dt.date
    totals: PaymentTotals
    created_at: dt.datetime
    outcome: RecordOutcome
    marked: int


@attrs.frozen
class RunReport:
    """What a payment run did.

    Attributes:
        plan: the plan that was run.
        created: instructions this run recorded.
        existing: instructions already recorded (a rerun).
        journal_batches: journal transactions.
        guard: the pre-flight guard's report.
        override_requested: the ``override`` reason given, if any.
        files: the files written, in order.
        steps: how many durable steps the run went through (``checkpoint`` calls).

    .. versionadded:: 0.1.0
    """

    plan: PaymentPlan
    created: int
    existing: int
    journal_batches: int
    guard: GuardReport
    override_requested: str | None
    files: tuple[EmittedFile, ...]
    steps: int

    @property
    def marked(self) -> int:
        """Instructions this run moved to IN_FILE."""
        return sum(file.marked for file in self.files)

    def summary(self) -> str:
        """A readable summary: counts and totals by département and date, guard, files."""
        plan = self.plan
        lines = [
            f"Payment run {plan.benefit} {plan.month}: {plural(plan.totals.count, 'payment')}, "
            f"{plan.totals.amount:,} EUR ({plural(plan.households, 'household')}, "
            f"{len(plan.explanations):,} with nothing due)",
            f"  journal: {self.created:,} recorded, {self.existing:,} already recorded "
            f"({plural(self.journal_batches, 'batch')})",
            "  by département:",
            *(
                f"    {code:<4} {plural(totals.count, 'payment'):>16} {totals.amount:>16,} EUR"
                for code, totals in plan.by_department.items()
            ),
            "  by execution date:",
            *(
                f"    {day} {plural(totals.count, 'payment'):>16} {totals.amount:>16,} EUR"
                for day, totals in plan.by_execution_date.items()
            ),
        ]
        lines.extend("  " + line for line in self.guard.text().splitlines())
        if self.override_requested is not None and not self.guard.findings:
            lines.append("  (--override not needed and not recorded: the guard found nothing)")
        lines.append(
            f"  files: {len(self.files):,} written, {self.marked:,} instructions marked IN_FILE"
        )
        for file in self.files:
            again = " (re-emitted as journaled)" if file.outcome is RecordOutcome.EXISTS else ""
            lines.append(
                f"    {file.name}: {plural(file.totals.count, 'transaction')}, "
                f"{file.totals.amount:,} EUR, executed {file.requested_execution_date}{again}"
            )
        lines.append(f"  durable steps: {self.steps:,}")
        return "\n".join(lines)


def _message_id(benefit: str, month: Month, day: dt.date, number: int) -> str:
    return f"{benefit}-{month}-{day:%Y%m%d}-{number:03d}"


def _batches(items: Iterable[PaymentInstruction], size: int) -> Iterator[list[PaymentInstruction]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _no_checkpoint(name: str) -> None:
    return None


class _Steps:
    """Counts durable steps and tells the caller's checkpoint about each."""

    def __init__(self, checkpoint: Callable[[str], None]) -> None:
        self.count = 0
        self._checkpoint = checkpoint

    def __call__(self, name: str) -> None:
        self.count += 1
        self._checkpoint(name)


def run_payments(
    ledger: Ledger,
    plan: PaymentPlan,
    *,
    config: OrganisationConfig,
    sink: FileSink,
    clock: Clock,
    override: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    checkpoint: Callable[[str], None] | None = None,
) -> RunReport:
    """Journal a plan, run the pre-flight guard, write the pain.001 files, mark IN_FILE.

    Safe to run again after any failure or crash, with the same arguments: nothing is
    recorded twice and the files are byte-identical (see the module documentation).

    Args:
        ledger: the ledger (journal, file journal, run journal).
        plan: the month's plan (:func:`plan_payments` or a :class:`Planner`).
        config: the paying organisation, file format and guard thresholds.
        sink: where the files are written.
        clock: the time of newly allocated files' ``CreDtTm`` (timezone-aware).
        override: the operator's reason to go on despite the guard's findings; recorded in
            the run journal (once for the same findings and reason).
        batch_size: instructions per journal transaction and per batch of IN_FILE marks.
        checkpoint: called with a step name after each durable step (fault injection).

    Returns:
        The :class:`RunReport`.

    Raises:
        PreflightError: the guard found unexplained differences with the previous month and
            no override covers them; the message is the readable report. Instructions are
            journaled, no file is written.
        IdempotencyConflictError: an instruction is recorded with other content (the fields
            are named), a file's identity is journaled with other transactions, or the month
            was emitted from another number of instructions (the household file changed);
            nothing more is written.
        DuplicatePaymentError: a beneficiary is planned twice.
        InvalidInputError: the plan is not for ``config.benefit``, the instructions are not
            in payment order, or ``batch_size`` is out of range.

    >>> from allocations import InMemoryLedger, MemorySink, OrganisationConfig, run_payments
    >>> from allocations import plan_payments
    >>> config = OrganisationConfig.from_mapping({"organisation": {
    ...     "name": "CAF du Bas-Rhin", "iban": "FR7630001000640000001234559"}})
    >>> now = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.timezone.utc)
    >>> ledger, sink = InMemoryLedger(clock=lambda: now), MemorySink()
    >>> household = allocations.Household(
    ...     id="F-1", department="67", resources=Decimal("55000"),
    ...     children=(allocations.Child(birth_date=dt.date(2012, 3, 1)),
    ...               allocations.Child(birth_date=dt.date(2016, 9, 15))),
    ...     holder=allocations.Holder("Marie Curie", "FR7630006000011234567890189"))
    >>> plan = plan_payments([household], allocations.Month(2024, 5))
    >>> report = run_payments(ledger, plan, config=config, sink=sink, clock=lambda: now)
    >>> list(sink.files), report.created, report.guard.first_month
    (['AF-2024-05-20240605-001.xml'], 1, True)
    >>> again = run_payments(ledger, plan, config=config, sink=MemorySink(), clock=lambda: now)
    >>> again.created, again.existing, again.files[0].outcome.value
    (0, 1, 'exists')

    .. versionadded:: 0.1.0
    """
    if not isinstance(plan, PaymentPlan):
        raise TypeError(f"plan must be a PaymentPlan, got {plan!r}")
    if not isinstance(config, OrganisationConfig):
        raise TypeError(f"config must be an OrganisationConfig, got {config!r}")
    if type(batch_size) is not int or not 1 <= batch_size <= _MAX_BATCH_SIZE:
        raise InvalidInputError(
            f"batch_size must be within 1..{_MAX_BATCH_SIZE:,}, got {batch_size!r}"
        )
    if plan.benefit != config.benefit:
        raise InvalidInputError(
            f"the plan is for benefit {plan.benefit!r} and the configuration for {config.benefit!r}"
        )
    if override is not None and (not isinstance(override, str) or not override.strip()):
        raise InvalidInputError(f"override must be a non-empty reason, got {override!r}")
    steps = _Steps(checkpoint or _no_checkpoint)
    _check_not_changed_since_emission(ledger, plan)
    created, existing, batches = _journal(ledger, plan, batch_size, steps)
    guard = _guard(ledger, plan, config, override, steps)
    files = _emit(ledger, plan, config, sink, clock, batch_size, steps)
    return RunReport(
        plan=plan,
        created=created,
        existing=existing,
        journal_batches=batches,
        guard=guard,
        override_requested=override,
        files=tuple(files),
        steps=steps.count,
    )


def _check_not_changed_since_emission(ledger: Ledger, plan: PaymentPlan) -> None:
    # Once files of the month exist, its household file is frozen: a file's identity is
    # journaled once, and an instruction journaled now would fit in no file. A late
    # household is paid by a catch-up run instead. Only checked when some instruction of
    # the month went past PLANNED, so a first run pays nothing for it.
    counts = ledger.count_by_state(plan.month)
    if not any(count for state, count in counts.items() if state is not InstructionState.PLANNED):
        return
    recorded = sum(
        1
        for entry in ledger.instructions(
            period=plan.month, kind=PaymentKind.REGULAR, benefit=plan.benefit
        )
        if entry.instruction.key.attempt == 1
    )
    if recorded != plan.totals.count:
        raise IdempotencyConflictError(
            f"the payment files of {plan.benefit} {plan.month} were emitted from {recorded:,} "
            f"instructions and this run plans {plan.totals.count:,}: the household file "
            "changed after the month was emitted; nothing was written (pay a late household "
            "with a catch-up run)"
        )


def _journal(
    ledger: Ledger, plan: PaymentPlan, batch_size: int, steps: _Steps
) -> tuple[int, int, int]:
    created = existing = batches = seen = 0
    total_batches = -(-plan.totals.count // batch_size)
    rows = _checked_rows(plan)
    # Strictly increasing end-to-end ids of one month's first REGULAR payments: no key
    # repeats in a batch, which is therefore distinct.
    while chunk := tuple(itertools.islice(rows, batch_size)):
        batch = batch_of_checked_rows(chunk, distinct=True)
        outcomes = ledger.record(batch)
        fresh = sum(1 for outcome in outcomes if outcome is RecordOutcome.CREATED)
        created += fresh
        existing += len(batch) - fresh
        batches += 1
        seen += len(batch)
        steps(f"journal {batches}/{total_batches}")
    if seen != plan.totals.count:
        raise InvalidInputError(
            f"the plan announces {plan.totals.count:,} instructions and yields {seen:,}"
        )
    return created, existing, batches


def _checked_rows(plan: PaymentPlan) -> Iterator[tuple[Any, ...]]:
    """The plan's instructions as plain values, checked: payment order, one month's first
    REGULAR payments of the plan's benefit."""
    source = plan.instructions
    rows = (
        source.plain_rows()
        if isinstance(source, PlainRows)
        else map(plain_values, _instructions_only(source))
    )
    # Plain values: the benefit, the period as YYYY-MM, the kind's value, the attempt, the
    # execution date in ISO form (which sorts as the dates do).
    benefit, month, regular = plan.benefit, str(plan.month), PaymentKind.REGULAR.value
    for row in rows_in_payment_order(rows):
        if row[2] != benefit or row[3] != month or row[4] != regular or row[5] != 1:
            raise InvalidInputError(
                f"instruction {row[0]} ({unpickle_plain(row).key}) is not a first REGULAR "
                f"payment of {plan.benefit} {plan.month}"
            )
        yield row


#: The payment order of plain values (:func:`payment_order`): the ISO execution date sorts
#: as the date does.
plain_payment_order = operator.itemgetter(10, 0)


def rows_in_payment_order(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Yield plain values, checking they are in strict payment order (as
    :func:`in_payment_order` does for instructions).

    Raises:
        DuplicatePaymentError: an end-to-end id repeats.
        InvalidInputError: the rows are not sorted by :data:`plain_payment_order`.
    """
    previous: tuple[str, str] | None = None
    for row in rows:
        order = (row[10], row[0])
        if previous is not None and order <= previous:
            raise _out_of_order(order, previous, row[1])
        previous = order
        yield row


def _guard(
    ledger: Ledger,
    plan: PaymentPlan,
    config: OrganisationConfig,
    override: str | None,
    steps: _Steps,
) -> GuardReport:
    report = evaluate_guard(
        ledger.live_regular(plan.month.minus(1), benefit=plan.benefit),
        ledger.live_regular(plan.month, benefit=plan.benefit),
        month=plan.month,
        benefit=plan.benefit,
        explanations=plan.explanations,
        policy=config.guard,
    )
    if report.current_count > plan.totals.count:
        raise IdempotencyConflictError(
            f"the ledger holds {report.current_count:,} live regular {plan.benefit} payments "
            f"for {plan.month} and this run plans {plan.totals.count:,}: households were "
            "removed from the file after the month was journaled; nothing was written to a "
            "payment file"
        )
    if not report.findings:
        return report
    fingerprint = report.fingerprint
    decisions = [
        event.payload
        for event in ledger.run_events(period=plan.month, kind=OVERRIDE_EVENT)
        if event.payload.get("benefit") == plan.benefit
        and event.payload.get("fingerprint") == fingerprint
    ]
    if override is not None:
        if not any(decision.get("reason") == override for decision in decisions):
            ledger.record_event(
                OVERRIDE_EVENT,
                plan.month,
                {
                    "benefit": plan.benefit,
                    "reason": override,
                    "fingerprint": fingerprint,
                    "findings": [finding.message for finding in report.findings[:100]],
                    "finding_count": len(report.findings),
                },
            )
            steps("guard override")
        return attrs.evolve(report, override=override)
    if decisions:
        # These very findings were overridden by an earlier run of the month: the decision
        # is in the journal, and the files it allowed may already exist.
        return attrs.evolve(report, override=str(decisions[-1].get("reason")))
    raise PreflightError(report.text())


def _emit(
    ledger: Ledger,
    plan: PaymentPlan,
    config: OrganisationConfig,
    sink: FileSink,
    clock: Clock,
    batch_size: int,
    steps: _Steps,
) -> list[EmittedFile]:
    # Every file of a month's run carries one CreDtTm: the time its first file was allocated,
    # to the second (as written). Files are allocated in order, so a run resumed after a
    # crash finds the first file in the journal and gives its time to the files it allocates
    # now: the files are those of an uninterrupted run, whatever the clock says.
    now = clock()
    if not isinstance(now, dt.datetime) or now.utcoffset() is None:
        raise InvalidInputError(f"the clock must give a timezone-aware datetime, got {now!r}")
    created_at = now.astimezone(dt.UTC).replace(microsecond=0)
    emitted: list[EmittedFile] = []
    sequence = 0
    limit = config.max_transactions_per_file
    for day, group in itertools.groupby(
        in_payment_order(plan.instructions), key=lambda i: i.requested_execution_date
    ):
        for number, chunk in enumerate(_batches(group, limit), start=1):
            sequence += 1
            emitted.append(
                _emit_file(
                    ledger,
                    plan,
                    config,
                    sink,
                    chunk,
                    day,
                    number,
                    sequence,
                    created_at,
                    batch_size,
                    steps,
                )
            )
            created_at = emitted[-1].created_at
    return emitted


def _emit_file(
    ledger: Ledger,
    plan: PaymentPlan,
    config: OrganisationConfig,
    sink: FileSink,
    chunk: Sequence[PaymentInstruction],
    day: dt.date,
    number: int,
    sequence: int,
    created_at: dt.datetime,
    batch_size: int,
    steps: _Steps,
) -> EmittedFile:
    message_id = _message_id(plan.benefit, plan.month, day, number)
    block_id = f"{message_id}-P1"
    allocation = ledger.allocate_file(
        PaymentFile(
            message_id=message_id,
            period=plan.month,
            sequence_number=sequence,
            requested_execution_date=day,
            blocks=[PaymentBlock(block_id, [i.end_to_end_id for i in chunk])],
            created_at=created_at,
        )
    )
    steps(f"allocate {message_id}")
    recorded = allocation.file
    amount_cents = sum(i.amount_cents for i in chunk)
    header = FileHeader(
        message_id=recorded.message_id,
        creation_datetime=recorded.created_at,
        payment_information_id=recorded.blocks[0].payment_information_id,
        requested_execution_date=recorded.requested_execution_date,
        number_of_transactions=len(chunk),
        control_sum_cents=amount_cents,
        batch_booking=config.batch_booking,
    )
    name = f"{message_id}.xml"
    with sink.open(name) as out:
        write_pain001(
            out,
            header,
            config.organisation,
            (
                CreditTransfer(
                    end_to_end_id=i.end_to_end_id,
                    instruction_id=i.instruction_id,
                    amount_cents=i.amount_cents,
                    creditor_name=i.creditor.name,
                    creditor_iban=i.creditor.iban,
                    creditor_bic=i.creditor.bic,
                    remittance=i.remittance_information,
                )
                for i in chunk
            ),
            version=config.pain001_version,
        )
    steps(f"write {name}")
    marked = 0
    total_batches = -(-len(chunk) // batch_size)
    for index, batch in enumerate(_batches(chunk, batch_size), start=1):
        results = ledger.transition_many(
            [
                StateChange(i.end_to_end_id, InstructionState.IN_FILE, reference=message_id)
                for i in batch
            ]
        )
        marked += sum(1 for result in results if not result.already)
        steps(f"mark {message_id} {index}/{total_batches}")
    return EmittedFile(
        name=name,
        message_id=message_id,
        requested_execution_date=day,
        totals=PaymentTotals(len(chunk), amount_cents),
        created_at=recorded.created_at,
        outcome=allocation.outcome,
        marked=marked,
    )
