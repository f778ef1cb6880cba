"""The pre-flight guard: no one silently dropped from one month to the next.

Theory of operation (the May 2023 lesson: a run that silently left out beneficiaries paid
the month before). Before a payment file is written, the run compares the month's live
REGULAR payments with those of the previous month, as the ledger holds them:

1. every beneficiary paid last month and not paid now is a finding, unless the household
   is in this month's file with an entitlement of zero whose breakdown says why (*explained
   zero*: the reason is quoted in the report);
2. a département paid last month with no payment now is a finding, unless every one of its
   beneficiaries is an explained zero;
3. a total moving by more than :attr:`GuardPolicy.max_total_change_percent` (default 10 %)
   is a finding.

A first month (nothing paid the month before) passes with a note. Findings stop the run with
a :class:`~allocations.PreflightError` carrying the readable report, unless the operator
overrides them: the override's reason is kept in the ledger's run journal together with the
*fingerprint* of the findings it covers, so a rerun with the same findings passes (and the
same override is not recorded twice), while a new finding needs a new decision.

Both inputs are read in beneficiary order (:meth:`~allocations.Ledger.live_regular` sorts
by beneficiary id), so the comparison is a merge: memory holds the findings and the
per-département totals, never a month of payments.

Pure: summaries in, a report out. The payment run reads the ledger and records overrides.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Final

import attrs

from allocations.errors import InvalidInputError
from allocations.money import CENT
from allocations.periods import Month

from ._ledger import PaymentSummary

__all__ = [
    "ExplainedAbsence",
    "FindingKind",
    "GuardFinding",
    "GuardPolicy",
    "GuardReport",
    "evaluate_guard",
]

#: How many lines of each kind the readable report lists before "… and N more".
REPORT_LINES: Final = 20
_HUNDRED: Final = Decimal(100)


def _to_percent(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError(
            f"max_total_change_percent must be a Decimal, int or decimal string, not the "
            f"float {value!r} (write it as a string: '10')"
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"max_total_change_percent must be a Decimal, got {value!r}")
    try:
        percent = Decimal(value)
    except ArithmeticError:
        percent = Decimal("NaN")
    if not percent.is_finite() or not 0 <= percent <= 1000:
        raise InvalidInputError(
            f"max_total_change_percent must be a number of percent within 0..1000, got {value!r}"
        )
    return percent


@attrs.frozen
class GuardPolicy:
    """The thresholds of the pre-flight guard.

    Args:
        max_total_change_percent: the largest change of the month's total against the
            previous month's, in percent, that passes without an override (default 10).
            ``Decimal``, ``int`` or decimal string; a ``float`` raises ``TypeError``.

    Raises:
        TypeError: the threshold is a ``float`` or not a number.
        InvalidInputError: the threshold is negative or above 1000.

    >>> from allocations import GuardPolicy
    >>> GuardPolicy().max_total_change_percent, GuardPolicy("2.5").max_total_change_percent
    (Decimal('10'), Decimal('2.5'))

    .. versionadded:: 0.1.0
    """

    max_total_change_percent: Decimal = attrs.field(default=Decimal(10), converter=_to_percent)


class FindingKind(enum.Enum):
    """What the guard found.

    .. versionadded:: 0.1.0
    """

    #: A beneficiary paid last month has no payment this month, unexplained.
    ABSENT_BENEFICIARY = "absent_beneficiary"
    #: A département paid last month has no payment this month.
    DEPARTMENT_WITHOUT_PAYMENT = "department_without_payment"
    #: The month's total moved by more than the threshold.
    TOTAL_CHANGE = "total_change"


@attrs.frozen
class GuardFinding:
    """One difference with the previous month that stops the run unless overridden.

    Attributes:
        kind: what was found.
        subject: the beneficiary id, the département code, or ``"total"``.
        message: a sentence for the operator.

    .. versionadded:: 0.1.0
    """

    kind: FindingKind
    subject: str
    message: str


@attrs.frozen
class ExplainedAbsence:
    """A beneficiary paid last month and not this month, because nothing is due.

    Attributes:
        beneficiary_id: the household.
        department: its département code, or ``None``.
        previous_amount: what it was paid last month.
        reason: why nothing is due this month (from the entitlement's breakdown).

    .. versionadded:: 0.1.0
    """

    beneficiary_id: str
    department: str | None
    previous_amount: Decimal
    reason: str


@attrs.frozen
class _Totals:
    count: int
    amount_cents: int


@attrs.frozen
class GuardReport:
    """What the pre-flight guard compared and found.

    Attributes:
        month: the month being paid.
        benefit: the benefit code.
        previous_count: live REGULAR payments of the previous month.
        previous_amount: their total.
        current_count: live REGULAR payments of this month (as journaled).
        current_amount: their total.
        findings: what stops the run unless overridden, in beneficiary, then
            département order, the total last.
        explained: beneficiaries absent because nothing is due, with the reason.
        policy: the thresholds used.
        override: the operator's reason when the findings were overridden, else ``None``.

    .. versionadded:: 0.1.0
    """

    month: Month
    benefit: str
    previous_count: int
    previous_amount: Decimal
    current_count: int
    current_amount: Decimal
    findings: tuple[GuardFinding, ...]
    explained: tuple[ExplainedAbsence, ...]
    policy: GuardPolicy
    override: str | None = None

    @property
    def first_month(self) -> bool:
        """Nothing was paid the previous month: there is nothing to compare with."""
        return self.previous_count == 0

    @property
    def passed(self) -> bool:
        """No finding, or the findings were overridden."""
        return not self.findings or self.override is not None

    @property
    def change_percent(self) -> Decimal | None:
        """The change of the total against the previous month, in percent (2 decimals)."""
        if not self.previous_amount:
            return None
        change = (self.current_amount - self.previous_amount) / self.previous_amount * _HUNDRED
        return change.quantize(CENT)

    @property
    def fingerprint(self) -> str:
        """A short digest of the findings: an override covers exactly these findings."""
        digest = hashlib.sha256(b"allocations/guard-findings/v1\n")
        for finding in self.findings:
            digest.update(f"{finding.kind.value}\x1f{finding.subject}\n".encode())
        return digest.hexdigest()[:16]

    def text(self) -> str:
        """The readable report: totals, findings, explained absences, what to do."""
        previous = self.month.minus(1)
        head = f"Pre-flight guard, {self.benefit} {self.month} compared with {previous}: "
        if self.first_month:
            lines = [
                head + "passed (first month: nothing was paid in "
                f"{previous}, nothing to compare with)",
            ]
        else:
            verdict = (
                "passed"
                if not self.findings
                else f"overridden ({self.override})"
                if self.override is not None
                else "STOPPED"
            )
            count = len(self.findings)
            lines = [head + f"{verdict}, {plural(count, 'finding')}"]
        change = self.change_percent
        lines.append(
            f"  {previous}: {plural(self.previous_count, 'payment')}, {self.previous_amount:,} EUR; "
            f"{self.month}: {plural(self.current_count, 'payment')}, {self.current_amount:,} EUR"
            + (
                f" ({change:+} %, limit {self.policy.max_total_change_percent} %)"
                if change is not None
                else ""
            )
        )
        lines.extend(_limited([f"  - {f.message}" for f in self.findings], "findings"))
        if self.explained:
            lines.append(f"  Explained ({len(self.explained):,}: nothing is due this month):")
            lines.extend(
                _limited(
                    [
                        f"  - beneficiary {e.beneficiary_id}"
                        f"{f' ({e.department})' if e.department else ''}, paid "
                        f"{e.previous_amount} EUR in {previous}: {e.reason}"
                        for e in self.explained
                    ],
                    "explained absences",
                )
            )
        if self.findings and self.override is None:
            lines.append(
                "  Nothing was written to a payment file. Correct the household file, or, if "
                'these differences are right, rerun with --override "REASON" (the reason is '
                "kept in the ledger's run journal)."
            )
        return "\n".join(lines)


def plural(number: int, noun: str) -> str:
    """``"1 payment"``, ``"2 payments"``, ``"3 batches"``."""
    word = noun if number == 1 else noun + ("es" if noun.endswith("ch") else "s")
    return f"{number:,} {word}"


def _limited(lines: list[str], what: str) -> list[str]:
    if len(lines) <= REPORT_LINES:
        return lines
    return [*lines[:REPORT_LINES], f"  … and {len(lines) - REPORT_LINES:,} more {what}"]


def _euros(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _sorted_by_beneficiary(
    summaries: Iterable[PaymentSummary], which: str
) -> Iterator[PaymentSummary]:
    last: str | None = None
    for summary in summaries:
        if not isinstance(summary, PaymentSummary):
            raise TypeError(f"{which} must yield PaymentSummary values, got {summary!r}")
        if last is not None and summary.beneficiary_id <= last:
            raise InvalidInputError(
                f"{which} must be sorted by beneficiary id with one payment each (as "
                f"Ledger.live_regular returns them): {summary.beneficiary_id!r} after {last!r}"
            )
        last = summary.beneficiary_id
        yield summary


def evaluate_guard(
    previous: Iterable[PaymentSummary],
    current: Iterable[PaymentSummary],
    *,
    month: Month,
    benefit: str,
    explanations: Mapping[str, str],
    policy: GuardPolicy | None = None,
) -> GuardReport:
    """Compare this month's live REGULAR payments with the previous month's.

    Args:
        previous: the previous month's live REGULAR payments of the benefit, sorted by
            beneficiary id (:meth:`~allocations.Ledger.live_regular`).
        current: this month's, the same way.
        month: the month being paid.
        benefit: the benefit code, for the report.
        explanations: household id → why nothing is due this month, for the households of
            this month's file whose entitlement is zero (:attr:`PaymentPlan.explanations`).
        policy: the thresholds; :class:`GuardPolicy` defaults when ``None``.

    Returns:
        The :class:`GuardReport`; :attr:`GuardReport.findings` is empty when the run may go on.

    Raises:
        TypeError: an item is not a :class:`~allocations.payments.PaymentSummary`.
        InvalidInputError: an input is not sorted by beneficiary id.

    >>> from allocations import GuardPolicy, Month, evaluate_guard
    >>> from allocations.payments import InstructionState, PaymentKind, PaymentSummary
    >>> def paid(who, month, amount):
    ...     return PaymentSummary(f"E2E-{who}", who, "AF", month, PaymentKind.REGULAR, 1,
    ...                           Decimal(amount), allocations.Department("67"),
    ...                           InstructionState.IN_FILE)
    >>> april, may = Month(2024, 4), Month(2024, 5)
    >>> report = evaluate_guard(
    ...     [paid("F-1", april, "148.52"), paid("F-2", april, "148.52")],
    ...     [paid("F-1", may, "148.52")], month=may, benefit="AF",
    ...     explanations={"F-2": "le plus jeune enfant a eu 20 ans"})
    >>> report.findings, report.change_percent
    ((GuardFinding(kind=<FindingKind.TOTAL_CHANGE: 'total_change'>, subject='total', message='the total moves by -50.00 % (297.04 EUR in 2024-04, 148.52 EUR in 2024-05), more than the 10 % allowed'),), Decimal('-50.00'))
    >>> report.explained[0].reason
    'le plus jeune enfant a eu 20 ans'

    .. versionadded:: 0.1.0
    """
    if not isinstance(month, Month):
        raise TypeError(f"month must be a Month, got {month!r}")
    policy = GuardPolicy() if policy is None else policy
    if not isinstance(policy, GuardPolicy):
        raise TypeError(f"policy must be a GuardPolicy, got {policy!r}")
    previous_month = month.minus(1)
    findings: list[GuardFinding] = []
    explained: list[ExplainedAbsence] = []
    previous_by_department: dict[str, list[int]] = {}
    current_departments: set[str] = set()
    unexplained_departments: set[str] = set()
    previous_cents = current_cents = previous_count = current_count = 0

    left = _sorted_by_beneficiary(previous, "previous")
    right = _sorted_by_beneficiary(current, "current")
    now = next(right, None)
    for before in left:
        cents = int(before.amount * 100)
        previous_cents += cents
        previous_count += 1
        department = None if before.department is None else before.department.code
        totals = previous_by_department.setdefault(department or "", [0, 0])
        totals[0] += 1
        totals[1] += cents
        while now is not None and now.beneficiary_id < before.beneficiary_id:
            current_cents, current_count = _count(now, current_cents, current_count)
            current_departments.add(_code(now))
            now = next(right, None)
        if now is not None and now.beneficiary_id == before.beneficiary_id:
            current_cents, current_count = _count(now, current_cents, current_count)
            current_departments.add(_code(now))
            now = next(right, None)
            continue
        reason = explanations.get(before.beneficiary_id)
        if reason is not None:
            explained.append(
                ExplainedAbsence(before.beneficiary_id, department, before.amount, reason)
            )
            continue
        unexplained_departments.add(department or "")
        where = f" ({department})" if department else ""
        findings.append(
            GuardFinding(
                FindingKind.ABSENT_BENEFICIARY,
                before.beneficiary_id,
                f"beneficiary {before.beneficiary_id}{where} was paid {before.amount} EUR in "
                f"{previous_month} and has no payment in {month}, and this month's household "
                "file does not explain it (absent, or no entitlement computed)",
            )
        )
    while now is not None:
        current_cents, current_count = _count(now, current_cents, current_count)
        current_departments.add(_code(now))
        now = next(right, None)

    for code in sorted(previous_by_department):
        count, cents = previous_by_department[code]
        if code and code not in current_departments and code in unexplained_departments:
            findings.append(
                GuardFinding(
                    FindingKind.DEPARTMENT_WITHOUT_PAYMENT,
                    code,
                    f"département {code} was paid in {previous_month} ({plural(count, 'payment')}, "
                    f"{_euros(cents):,} EUR) and has no payment at all in {month}",
                )
            )
    if previous_cents:
        change = (current_cents - previous_cents) * _HUNDRED / previous_cents
        if abs(change) > policy.max_total_change_percent:
            findings.append(
                GuardFinding(
                    FindingKind.TOTAL_CHANGE,
                    "total",
                    f"the total moves by {change.quantize(CENT):+} % ({_euros(previous_cents)} "
                    f"EUR in {previous_month}, {_euros(current_cents)} EUR in {month}), more "
                    f"than the {policy.max_total_change_percent} % allowed",
                )
            )
    return GuardReport(
        month=month,
        benefit=benefit,
        previous_count=previous_count,
        previous_amount=_euros(previous_cents),
        current_count=current_count,
        current_amount=_euros(current_cents),
        findings=tuple(findings),
        explained=tuple(explained),
        policy=policy,
    )


def _count(summary: PaymentSummary, cents: int, count: int) -> tuple[int, int]:
    return cents + int(summary.amount * 100), count + 1


def _code(summary: PaymentSummary) -> str:
    return "" if summary.department is None else summary.department.code
