"""When the benefit for a month is paid: the CAF payment date, per département.

Art. R553-1 CSS: family benefits are paid monthly, *à terme échu*, on dates fixed by
arrêté. Benefit month M is paid on the **5th of M+1**, moved when the 5th is not a *jour
ouvré* (LAW.md §12):

========================================  ================================================
Nominal payment date (the 5th)            Rule when the 5th is not a *jour ouvré*
========================================  ================================================
29 Jun 1994 – 7 Nov 2019                  nearest (arrêté du 29 juin 1994)
8 Nov 2019 – 1 Jun 2021                   next, *le jour ouvré suivant* (arrêté du 28 octobre 2019)
from 2 Jun 2021                           nearest again (arrêté of early June 2021)
========================================  ================================================

Each period is a :class:`PaymentDateRule` value in :data:`CAF_PAYMENT_SCHEDULE`; a caller
can pass another rule or schedule.

Choices for the unsettled cases (LAW.md §12 "Unsettled cases", CALENDARS.md §10), made once
here and tested:

- **Which rule applies** is decided by the *nominal* date (the 5th), not the moved one.
  The switch back to "nearest" is taken as 2 Jun 2021 (the arrêté's publication, "≈ 2 Jun
  2021"): the 5 Jun 2021 (a Saturday) is paid Friday 4 June.
- **Calendar**: a payment day is a *jour ouvré* of the beneficiary's département **and** a
  TARGET2 settlement day (a SEPA transfer cannot settle on a TARGET2 closing day). Before
  1999 TARGET did not exist: the département calendar alone applies.
- **Ties** (as far before as after): the **earlier** day. With TARGET2 this gives the
  published Tue 7 Apr 2026 (Fri 3 is Good Friday, TARGET2 closed) and Fri 3 Jun 2022 (Que
  Choisir: "un ou deux jours plus tôt, mais jamais plus tard").
- Consequences: Ascension on Thu 5 May 2016 → Wed 4; Whit Monday 5 Jun 2006 (journée de
  solidarité) → Tue 6 (it stayed a *fête légale*); Sat 5 Apr 2042 with Good Friday on Fri 4
  → Thu 3, in every département.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable

import attrs

from allocations.calendars import (
    TARGET2,
    BusinessCalendar,
    CalendarOptions,
    DayKind,
    Roll,
    Tie,
    department_calendar,
)
from allocations.errors import InvalidInputError, LawNotInForceError
from allocations.periods import Month
from allocations.territory import Department

__all__ = [
    "CAF_PAYMENT_SCHEDULE",
    "PaymentDateRule",
    "PaymentSchedule",
    "payment_date",
]


def _check_day_of_month(
    instance: PaymentDateRule, attribute: attrs.Attribute[int], value: int
) -> None:
    if type(value) is not int:
        raise TypeError(f"day_of_month must be an int, got {value!r} ({type(value).__name__})")
    if not 1 <= value <= 28:
        raise InvalidInputError(
            f"day_of_month must be within 1..28 so that every month has it, got {value!r}"
        )


def _check_optional_date(
    instance: PaymentDateRule, attribute: attrs.Attribute[dt.date | None], value: dt.date | None
) -> None:
    if value is not None and (type(value) is not dt.date):
        raise TypeError(f"{attribute.name} must be a datetime.date or None, got {value!r}")


def _check_settlement(instance: PaymentDateRule, attribute: object, value: object) -> None:
    if value is not None and not isinstance(value, BusinessCalendar):
        raise TypeError(f"settlement must be a BusinessCalendar or None, got {value!r}")


def _check_validity(instance: PaymentDateRule) -> None:
    if (
        instance.valid_from is not None
        and instance.valid_until is not None
        and instance.valid_until < instance.valid_from
    ):
        raise InvalidInputError(
            f"valid_until {instance.valid_until} is before valid_from {instance.valid_from}"
        )


@attrs.frozen
class PaymentDateRule:
    """How the payment date of a benefit month is found, and for which dates it holds.

    The nominal date is ``day_of_month`` of the month after the benefit month; when it is
    not a business day of ``department_calendar(dept, day_kind=…, options=…) & settlement``
    it is moved by ``roll`` (with ``tie`` for :attr:`Roll.NEAREST`).

    Args:
        legal_basis: the text that fixes the rule.
        valid_from: the first nominal date the rule governs (``None``: no lower bound).
        valid_until: the last nominal date it governs, inclusive (``None``: still in force).
        day_of_month: the nominal day, 1 to 28 (the CAF: 5).
        roll: how a closed nominal day moves.
        tie: the day taken by :attr:`Roll.NEAREST` when two are equally near.
        settlement: a calendar intersected with the département's (``TARGET2``, or ``None``).
        day_kind: the département's working days (*jours ouvrés* by default).
        options: the département calendar's :class:`~allocations.calendars.CalendarOptions`.

    Raises:
        TypeError: a field has the wrong type.
        InvalidInputError: ``day_of_month`` out of 1..28 or ``valid_until < valid_from``.

    >>> from allocations import Month, PaymentDateRule, Roll, payment_date
    >>> next_day = PaymentDateRule(roll=Roll.FOLLOWING, legal_basis="arrêté du 28 octobre 2019")
    >>> payment_date(Month(2026, 8), "75"), payment_date(Month(2026, 8), "75", rule=next_day)
    (datetime.date(2026, 9, 4), datetime.date(2026, 9, 7))

    .. versionadded:: 0.1.0
    """

    legal_basis: str = attrs.field(default="", validator=attrs.validators.instance_of(str))
    valid_from: dt.date | None = attrs.field(default=None, validator=_check_optional_date)
    valid_until: dt.date | None = attrs.field(default=None, validator=_check_optional_date)
    day_of_month: int = attrs.field(default=5, validator=_check_day_of_month)
    roll: Roll = attrs.field(default=Roll.NEAREST, validator=attrs.validators.instance_of(Roll))
    tie: Tie = attrs.field(default=Tie.EARLIER, validator=attrs.validators.instance_of(Tie))
    settlement: BusinessCalendar | None = attrs.field(default=TARGET2, validator=_check_settlement)
    day_kind: DayKind = attrs.field(
        default=DayKind.OUVRE, validator=attrs.validators.instance_of(DayKind)
    )
    options: CalendarOptions = attrs.field(
        factory=CalendarOptions, validator=attrs.validators.instance_of(CalendarOptions)
    )

    def __attrs_post_init__(self) -> None:
        _check_validity(self)

    def nominal_date(self, month: Month) -> dt.date:
        """The unmoved payment date of benefit ``month`` (the 5th of the next month)."""
        if not isinstance(month, Month):
            raise TypeError(f"month must be a Month, got {month!r} ({type(month).__name__})")
        return dt.date(month.year + month.month // 12, month.month % 12 + 1, self.day_of_month)

    def governs(self, nominal: dt.date) -> bool:
        """Whether the nominal date ``nominal`` falls within the rule's validity."""
        return (self.valid_from is None or self.valid_from <= nominal) and (
            self.valid_until is None or nominal <= self.valid_until
        )

    def calendar(self, department: str | Department) -> BusinessCalendar:
        """The calendar whose business days the payment may fall on."""
        calendar = department_calendar(department, day_kind=self.day_kind, options=self.options)
        return calendar if self.settlement is None else calendar & self.settlement

    def apply(self, month: Month, department: str | Department) -> dt.date:
        """The payment date by this rule, whatever its validity dates."""
        return self.calendar(department).roll(self.nominal_date(month), self.roll, tie=self.tie)


def _as_tuple(rules: Iterable[PaymentDateRule]) -> tuple[PaymentDateRule, ...]:
    return tuple(rules)


def _check_rules(
    instance: PaymentSchedule,
    attribute: attrs.Attribute[tuple[PaymentDateRule, ...]],
    value: tuple[PaymentDateRule, ...],
) -> None:
    if not value:
        raise InvalidInputError("a PaymentSchedule needs at least one PaymentDateRule")
    for rule in value:
        if not isinstance(rule, PaymentDateRule):
            raise TypeError(f"a PaymentSchedule holds PaymentDateRule values, got {rule!r}")
    for earlier, later in itertools.pairwise(value):
        if (
            earlier.valid_until is None
            or later.valid_from is None
            or (later.valid_from <= earlier.valid_until)
        ):
            raise InvalidInputError(
                f"the rules of a PaymentSchedule must be in date order without overlap: "
                f"{earlier.legal_basis!r} (until {earlier.valid_until}) overlaps "
                f"{later.legal_basis!r} (from {later.valid_from})"
            )


@attrs.frozen
class PaymentSchedule:
    """Successive :class:`PaymentDateRule` values, in date order, without overlap.

    Args:
        rules: the rules; a sequence is turned into a tuple.

    Raises:
        TypeError: an element is not a :class:`PaymentDateRule`.
        InvalidInputError: no rule, or two rules overlap or are out of order.

    >>> from allocations import CAF_PAYMENT_SCHEDULE, Month
    >>> CAF_PAYMENT_SCHEDULE.rule_for(Month(2020, 8)).roll
    <Roll.FOLLOWING: 'following'>

    .. versionadded:: 0.1.0
    """

    rules: tuple[PaymentDateRule, ...] = attrs.field(converter=_as_tuple, validator=_check_rules)

    def rule_for(self, month: Month) -> PaymentDateRule:
        """The rule that governs the payment of benefit ``month``.

        Raises:
            TypeError: ``month`` is not a :class:`~allocations.Month`.
            LawNotInForceError: no rule governs its nominal payment date.
        """
        if not isinstance(month, Month):
            raise TypeError(f"month must be a Month, got {month!r} ({type(month).__name__})")
        for rule in self.rules:
            if rule.governs(rule.nominal_date(month)):
                return rule
        first, last = self.rules[0], self.rules[-1]
        raise LawNotInForceError(
            f"no payment-date rule is known for benefit month {month}: the schedule covers "
            f"nominal dates from {first.valid_from or 'the beginning'} "
            f"to {last.valid_until or 'now'}"
        )


_ARRETE_1994 = "arrêté du 29 juin 1994: « le jour ouvré le plus proche » (art. R553-1 CSS)"

#: The CAF rules since 1994 (LAW.md §12), with the choices documented in this module.
CAF_PAYMENT_SCHEDULE = PaymentSchedule(
    (
        PaymentDateRule(
            legal_basis=_ARRETE_1994 + "; before TARGET (1999): département calendar alone",
            valid_from=dt.date(1994, 6, 29),
            valid_until=dt.date(1998, 12, 31),
            settlement=None,
        ),
        PaymentDateRule(
            legal_basis=_ARRETE_1994,
            valid_from=dt.date(1999, 1, 1),
            valid_until=dt.date(2019, 11, 7),
        ),
        PaymentDateRule(
            legal_basis="arrêté du 28 octobre 2019 (JO 7 Nov 2019): "
            "« le jour ouvré suivant le plus proche »",
            valid_from=dt.date(2019, 11, 8),
            valid_until=dt.date(2021, 6, 1),
            roll=Roll.FOLLOWING,
        ),
        PaymentDateRule(
            legal_basis="arrêté of early June 2021 (JO ≈ 2 Jun 2021): « suivant » removed, "
            "nearest jour ouvré again",
            valid_from=dt.date(2021, 6, 2),
        ),
    )
)


def payment_date(
    month: Month,
    department: str | Department,
    *,
    rule: PaymentDateRule | None = None,
    schedule: PaymentSchedule = CAF_PAYMENT_SCHEDULE,
) -> dt.date:
    """The day on which the monthly benefit for ``month`` is paid in ``department``.

    The 5th of the following month, moved by the rule in force on that 5th (nearest
    *jour ouvré* 1994–2019 and since June 2021, next *jour ouvré* in between); never a
    public holiday of the département, always a TARGET2 day (from 1999), tie → earlier day.
    See the module documentation for each choice made on unsettled cases.

    Args:
        month: the benefit month (*mois de droit*).
        department: an INSEE code or a :class:`~allocations.Department`.
        rule: a rule to apply instead of the schedule (its validity dates still apply).
        schedule: the successive rules (default :data:`CAF_PAYMENT_SCHEDULE`).

    Returns:
        The payment date.

    Raises:
        TypeError: ``month`` is not a ``Month``, ``department`` not a code, ``rule`` or
            ``schedule`` of the wrong type.
        InvalidDepartmentError: the code is not known.
        LawNotInForceError: no rule governs that month (before June 1994 benefit months).
        CalendarRangeError: the date is beyond the calendars' range.

    >>> from allocations import Month, payment_date
    >>> payment_date(Month(2026, 3), "67"), payment_date(Month(2020, 8), "75")
    (datetime.date(2026, 4, 7), datetime.date(2020, 9, 7))

    .. versionadded:: 0.1.0
    """
    if rule is not None:
        if not isinstance(rule, PaymentDateRule):
            raise TypeError(f"rule must be a PaymentDateRule, got {rule!r}")
        schedule = PaymentSchedule((rule,))
    elif not isinstance(schedule, PaymentSchedule):
        raise TypeError(f"schedule must be a PaymentSchedule, got {schedule!r}")
    return schedule.rule_for(month).apply(month, department)
