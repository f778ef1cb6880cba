"""The law of one benefit month, resolved once and reused for every household.

Theory of operation: computing a million household-months must not look a parameter up a
million times. :func:`month_law` resolves every parameter in force on the first day of the
benefit month (BMAF, rates, ceilings, ages, CRDS) into a :class:`MonthLaw`, turns rates into
integer *milli-percent* and the BMAF into integer cents, and turns ages into **birth-date
cut-offs**: "the 14th birthday falls in a month before the benefit month" becomes
``birth_date < cutoff``. This keeps the R552-2 / R552-3 timing exact (rights open the month
after the event, even for a birthday on the 1st, and stop in the month of the 20th
birthday) with one date comparison per child.

Rounding: every amount is ``round_half_up(BMAF × rate)`` to the cent (LAW.md §13), computed
on integers so it is exact and identical to the ``Decimal`` computation.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal

from allocations.errors import ConfigurationError, LawNotInForceError
from allocations.law import LawBook, ParameterValue, load_law
from allocations.periods import Month

__all__ = [
    "MODULATION_START",
    "REFORM_2026_FIRST_BIRTH",
    "TRANSITION_2008_LAST_BIRTH",
    "ChargeRules",
    "MonthLaw",
    "birthday_cutoff",
    "div_half_up",
    "known_months",
    "month_law",
]

#: Modulation by resources and the *complément dégressif*: loi 2014-1554 art. 85, décret
#: 2015-611, in force 1 July 2015. Before it only tranche 1 exists.
MODULATION_START = dt.date(2015, 7, 1)
#: Décret 2008-410 art. 2: children whose 11th birthday was on or before 30 April 2008 (born
#: on or before 30 April 1997) keep the old majoration, 9 % from 11 and 16 % from 16.
TRANSITION_2008_LAST_BIRTH = dt.date(1997, 4, 30)
#: Décret 2026-138 (in force 1 March 2026): children who had not reached 14 before
#: 1 March 2026 — born on or after 1 March 2012 — get the majoration from 18, not 14.
REFORM_2026_FIRST_BIRTH = dt.date(2012, 3, 1)
#: The decree's date of entry into force.
REFORM_2026_IN_FORCE = dt.date(2026, 3, 1)
#: Born on 29 February 2012: "turns 14" on 28 February or 1 March 2026 (LAW.md §5).
LEAP_DAY_2012 = dt.date(2012, 2, 29)
#: Ordonnance 2002-149 art. 7: a single child à charge in December 2011 keeps the frozen
#: amount. Under R552-2 a child counts from the month after his birth, so he was born in
#: November 2011 at the latest.
MAYOTTE_FROZEN_LAST_BIRTH = dt.date(2011, 11, 30)

_MILLI = 1000  # rates are held in thousandths of a percent: 20.234 % is 20234
_RATE_SCALE = 100 * _MILLI


def div_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def birthday_cutoff(month_index: int, years: int) -> dt.date:
    """The first birth date whose ``years``-th birthday is not before the month ``month_index``.

    So "the birthday falls in a month before M" is ``birth_date < birthday_cutoff(M, years)``.
    A 29 February birthday falls on 1 March in a non-leap year (:func:`allocations.periods.add_years`).
    """
    year, month0 = divmod(month_index, 12)
    birth_year = year - years
    if month0 == 2 and calendar.isleap(birth_year) and not calendar.isleap(year):
        return dt.date(birth_year, 2, 29)
    return dt.date(birth_year, month0 + 1, 1)


def _milli_percent(value: ParameterValue, name: str) -> int:
    scaled = value.value * _MILLI
    if scaled != scaled.to_integral_value() or scaled < 0:
        raise ConfigurationError(
            f"rate {name} = {value.value} % must be non-negative with at most three decimals"
        )
    return int(scaled)


def _cents(value: Decimal, name: str) -> int:
    scaled = value * 100
    if scaled != scaled.to_integral_value() or scaled < 0:
        raise ConfigurationError(f"amount {name} = {value} must be non-negative whole cents")
    return int(scaled)


def known_months(law: LawBook | None = None) -> tuple[Month, Month]:
    """The first and last benefit months for which the whole law is known.

    The start is the first known BMAF; the end is the earliest ``known_until`` of the
    parameters every month needs (the BMAF and the resource ceilings).
    """
    book = law if law is not None else load_law()
    start = Month.of(book["bmaf"].first_day)
    ends = [
        book[name].known_until
        for name in ("bmaf", "af.ceiling.p1_base", "af.ceiling.p2_base")
        if book[name].known_until is not None
    ]
    end_day = min(day for day in ends if day is not None)
    return start, Month.of(end_day)


class ChargeRules:
    """Birth-date cut-offs deciding who is a child à charge in one month (L512-3, R512-2).

    A child born on ``b`` is à charge in the month when ``b < first_day`` (born in an earlier
    month, R552-2), ``b >= under_limit`` (his 20th birthday falls after the month: rights
    stop in the month of the birthday, R552-3) and, if ``b < schooling_over`` (16th birthday
    in or before the month: compulsory schooling is over), his pay does not exceed the cap.
    """

    __slots__ = ("first_day", "index", "schooling_over", "under_limit")

    def __init__(self, index: int, limit_age: int, schooling_age: int) -> None:
        self.index = index
        year, month0 = divmod(index, 12)
        self.first_day = dt.date(year, month0 + 1, 1)
        self.under_limit = birthday_cutoff(index + 1, limit_age)
        self.schooling_over = birthday_cutoff(index + 1, schooling_age)


@functools.lru_cache(maxsize=512)
def earnings_cap(month_index: int, extend_last_known: bool) -> tuple[Decimal, ParameterValue]:
    """The child earnings cap of a month: ratio × hours × SMIC, rounded once (R512-2).

    Raises:
        LawNotInForceError: the SMIC of that month is not known.
    """
    law = load_law()
    day = Month.from_index(month_index).first_day
    smic = law["child.earnings_cap.smic_hourly"].value_on(day, extend_last_known=extend_last_known)
    ratio = law["child.earnings_cap.ratio"].value_on(day, extend_last_known=True).value
    hours = law["child.earnings_cap.hours"].value_on(day, extend_last_known=True).value
    cap = (ratio * hours * smic.value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return cap, smic


class MonthLaw:
    """Every parameter of one benefit month, in the forms the computation needs."""

    def __init__(self, month: Month, extend_last_known: bool) -> None:
        law = load_law()
        first, last = known_months(law)
        if month < first or (month > last and not extend_last_known):
            hint = (
                ""
                if month < first
                else "; pass EntitlementOptions(extend_last_known=True) to reuse the last "
                "known values"
            )
            raise LawNotInForceError(
                f"no law of the allocations familiales is known for the benefit month "
                f"{month}: the known months are {first} to {last}{hint}"
            )
        self.month = month
        self.index = month.index
        self.year = month.year
        self.first_day = month.first_day
        self.last_day = month.last_day
        self.extend_last_known = extend_last_known
        self.extended = month > last
        day = self.first_day

        def value(name: str) -> ParameterValue:
            return law[name].value_on(day, extend_last_known=extend_last_known)

        self.values: dict[str, ParameterValue] = {}

        def keep(name: str) -> ParameterValue:
            found = value(name)
            self.values[name] = found
            return found

        self.bmaf = keep("bmaf")
        self.bmaf_cents = _cents(self.bmaf.value, "bmaf")
        self.modulated = day >= MODULATION_START
        tranches = (1, 2, 3) if self.modulated else (1,)

        def rates(component: str) -> tuple[int, int, int, int]:
            found = [0, 0, 0, 0]  # index 0 unused: tranches are numbered from 1
            for tranche in tranches:
                name = f"af.rate.{component}.t{tranche}"
                found[tranche] = _milli_percent(keep(name), name)
            return found[0], found[1], found[2], found[3]

        self.rate_second = rates("second_child")
        self.rate_third = rates("third_and_more")
        self.rate_majoration = rates("majoration")
        self.rate_forfait = rates("forfait")
        name = "af.rate.majoration_2008_transition.first"
        self.rate_transition_first = _milli_percent(keep(name), name)
        name = "af.rate.majoration_2008_transition.second"
        self.rate_transition_second = _milli_percent(keep(name), name)

        if self.modulated:
            self.p1_base: Decimal = keep("af.ceiling.p1_base").value
            self.p2_base: Decimal = keep("af.ceiling.p2_base").value
            self.increment: Decimal = keep("af.ceiling.increment_per_child").value
        self.crds = keep("crds.rate")
        self.crds_numerator, crds_denominator = (self.crds.value / 100).as_integer_ratio()
        self.crds_denominator = crds_denominator

        def whole(name: str) -> int:
            return int(keep(name).value)

        self.age_limit = whole("af.age.limit")
        self.age_schooling = whole("af.age.compulsory_schooling_end")
        self.age_majoration = whole("af.age.majoration")
        self.age_transition_first = whole("af.age.majoration_2008_transition.first")
        self.age_transition_second = whole("af.age.majoration_2008_transition.second")
        self.minimum_children = whole("af.minimum_children")
        self.forfait_minimum_children = whole("af.forfait.minimum_children")
        self.forfait_months = whole("af.forfait.duration_months")
        self.age_overseas_first = whole("overseas.age.single_child_majoration_first")
        self.age_overseas_second = whole("overseas.age.single_child_majoration_second")
        # Before décret 2026-138 is in force its cohort still has the age of 14 (and cannot
        # have reached it: born on or after 1 March 2012).
        if day >= REFORM_2026_IN_FORCE:
            self.age_majoration_cohort = whole("af.age.majoration_2026_cohort")
        else:
            self.age_majoration_cohort = self.age_majoration

        index = self.index
        self.charge = ChargeRules(index, self.age_limit, self.age_schooling)
        self.under_limit = self.charge.under_limit
        self.schooling_over = self.charge.schooling_over
        # "The birthday falls in a month before the benefit month" (rights from E+1, R552-2).
        self.cut_majoration = birthday_cutoff(index, self.age_majoration)
        self.cut_majoration_cohort = birthday_cutoff(index, self.age_majoration_cohort)
        self.cut_transition_first = birthday_cutoff(index, self.age_transition_first)
        self.cut_transition_second = birthday_cutoff(index, self.age_transition_second)
        self.cut_overseas_first = birthday_cutoff(index, self.age_overseas_first)
        self.cut_overseas_second = birthday_cutoff(index, self.age_overseas_second)
        # Forfait: the 20th birthday falls in one of the last `forfait_months` months.
        self.cut_forfait_start = birthday_cutoff(index - (self.forfait_months - 1), self.age_limit)

        self.rate_overseas_single = _milli_percent(
            keep("overseas.rate.single_child"), "overseas.rate.single_child"
        )
        self.rate_overseas_first = _milli_percent(
            keep("overseas.rate.single_child_majoration_first"), "overseas majoration"
        )
        self.rate_overseas_second = _milli_percent(
            keep("overseas.rate.single_child_majoration_second"), "overseas majoration"
        )
        self.rate_mayotte_one = _milli_percent(keep("mayotte.rate.one_child"), "mayotte")
        self.rate_mayotte_two = _milli_percent(keep("mayotte.rate.two_children"), "mayotte")
        self.rate_mayotte_third = _milli_percent(keep("mayotte.rate.third_child"), "mayotte")
        self.rate_mayotte_fourth = _milli_percent(keep("mayotte.rate.fourth_and_more"), "mayotte")
        frozen = keep("mayotte.frozen_single_child_amount")
        self.mayotte_frozen_cents = _cents(frozen.value, frozen.reference)

        # One majoration, rounded per child (LAW.md §13 rule 3), by tranche.
        self.majoration_cents = tuple(
            self.amount(rate) if rate else 0 for rate in self.rate_majoration
        )
        self._ceilings: dict[int, tuple[Decimal, Decimal]] = {}
        self._base: dict[tuple[int, int], int] = {}

    # -- amounts -------------------------------------------------------------------------

    def amount(self, rate_milli: int) -> int:
        """``round_half_up(BMAF × rate)`` in cents (LAW.md §13 rules 1 to 3)."""
        return div_half_up(self.bmaf_cents * rate_milli, _RATE_SCALE)

    def family_rate(self, tranche: int, children: int) -> int:
        """The summed family rate (milli-percent) for ``children`` children (D521-1 I)."""
        if children < 2:
            return 0
        return self.rate_second[tranche] + (children - 2) * self.rate_third[tranche]

    def base_cents(self, tranche: int, children: int) -> int:
        """The family base amount, rounded once on the summed rate (LAW.md §15 trap 11)."""
        key = (tranche, children)
        found = self._base.get(key)
        if found is None:
            found = self._base[key] = self.amount(self.family_rate(tranche, children))
        return found

    def ceilings(self, children: int) -> tuple[Decimal, Decimal]:
        """P1(n) and P2(n) = base + n × increment (D521-3)."""
        found = self._ceilings.get(children)
        if found is None:
            extra = self.increment * children
            found = self._ceilings[children] = (self.p1_base + extra, self.p2_base + extra)
        return found

    def tranche(self, resources: Decimal, children: int) -> int:
        """1, 2 or 3; a resource exactly on a ceiling stays in the lower tranche (D521-3)."""
        if not self.modulated:
            return 1
        p1, p2 = self.ceilings(children)
        if resources <= p1:
            return 1
        return 2 if resources <= p2 else 3

    def earnings_cap(self, month_index: int | None = None) -> Decimal:
        """The child earnings cap of this month (or of ``month_index``).

        Raises:
            LawNotInForceError: the SMIC of that month is not known.
        """
        index = self.index if month_index is None else month_index
        return earnings_cap(index, self.extend_last_known)[0]

    def charge_rules(self, month_index: int) -> ChargeRules:
        """The à charge cut-offs of another month (the forfait looks at the month before)."""
        return _charge_rules(month_index, self.age_limit, self.age_schooling)


@functools.lru_cache(maxsize=4096)
def _charge_rules(month_index: int, limit_age: int, schooling_age: int) -> ChargeRules:
    return ChargeRules(month_index, limit_age, schooling_age)


@functools.lru_cache(maxsize=256)
def _month_law(index: int, extend_last_known: bool) -> MonthLaw:
    return MonthLaw(Month.from_index(index), extend_last_known)


def month_law(month: Month, extend_last_known: bool = False) -> MonthLaw:
    """The resolved law of a benefit month (cached).

    Raises:
        LawNotInForceError: the month is outside the known law (see :func:`known_months`).
    """
    return _month_law(month.index, extend_last_known)
