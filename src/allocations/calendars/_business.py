"""Business-day arithmetic over département holidays and the TARGET2 calendar.

Theory of operation: a :class:`BusinessCalendar` is a tuple of *sources* (a département's
holiday rows, the TARGET2 rows), each with its weekly rest days. A day is a business day when
no source closes it. Years are computed lazily, once per calendar, into two structures:

- ``_status``: one byte per day from 1 Jan :data:`FIRST_YEAR` to 31 Dec :data:`LAST_YEAR`
  (0 = year not computed yet, 1 = open, 2 = closed), so :meth:`is_business_day` is a single
  index in the hot path;
- ``_years[year]``: the ordinal of 1 January and the sorted day indices of the year's
  business days (an ``array("H")``), so that the n-th business day after a date is a
  :func:`bisect.bisect_left` plus an index (O(log 366)). The weekday indices come from a
  template shared by all calendars with the same weekly rest (one per weekday of 1 January
  and year length); each closed day is then removed: no per-day Python object is created.

Calendars are values: equal when their sources are equal, hashable, and built once per
département (:func:`department_calendar` memoizes them) so the caches are shared.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from array import array
from bisect import bisect_left, bisect_right
from typing import Any

import attrs

from allocations.calendars._rules import (
    FIRST_YEAR,
    HOLIDAY_RULES,
    LAST_YEAR,
    TARGET2_FIRST_YEAR,
    TARGET2_RULES,
    CalendarOptions,
    FixedDay,
    Holiday,
    HolidayRule,
    check_year,
    easter_sunday,
)
from allocations.errors import InvalidInputError
from allocations.territory import Department

__all__ = [
    "TARGET2",
    "BusinessCalendar",
    "DayKind",
    "Roll",
    "Tie",
    "department_calendar",
    "target2_calendar",
]

_date = dt.date
_fromordinal = dt.date.fromordinal
_BASE_ORDINAL = dt.date(FIRST_YEAR, 1, 1).toordinal()
_SPAN_DAYS = dt.date(LAST_YEAR + 1, 1, 1).toordinal() - _BASE_ORDINAL
_OPEN = 1
_CLOSED = 2
_SATURDAY = 5
_SUNDAY = 6


class DayKind(enum.Enum):
    """Which days of the week are working days (before holidays are removed).

    .. versionadded:: 0.1.0
    """

    #: *Jour ouvré*: Monday to Friday (the CAF payment rule, CALENDARS.md §1).
    OUVRE = "ouvré"
    #: *Jour ouvrable*: Monday to Saturday (labour law: notice periods, paid leave).
    OUVRABLE = "ouvrable"

    @property
    def rest_weekdays(self) -> frozenset[int]:
        """The weekly rest days, as :meth:`datetime.date.weekday` numbers (5 = Saturday)."""
        if self is DayKind.OUVRE:
            return frozenset({_SATURDAY, _SUNDAY})
        return frozenset({_SUNDAY})


class Roll(enum.Enum):
    """How :meth:`BusinessCalendar.roll` moves a day that is not a business day.

    .. versionadded:: 0.1.0
    """

    #: The first business day after.
    FOLLOWING = "following"
    #: The last business day before.
    PRECEDING = "preceding"
    #: Following, unless that leaves the month: then preceding (ISDA "modified following").
    MODIFIED_FOLLOWING = "modified-following"
    #: Preceding, unless that leaves the month: then following.
    MODIFIED_PRECEDING = "modified-preceding"
    #: The closest business day; equal distances are settled by a :class:`Tie` rule. A
    #: Saturday goes to Friday and a Sunday to Monday whenever those are business days.
    NEAREST = "nearest"


class Tie(enum.Enum):
    """Which day :attr:`Roll.NEAREST` picks when the business days before and after are
    equally far.

    The default everywhere is :attr:`EARLIER`: it is the reading of the CAF payment rule that
    fits both the published 7 Apr 2026 and the press report of 3 Jun 2022 (LAW.md §12,
    "Unsettled cases" 1). QuantLib's ``Nearest`` picks the later day: pass :attr:`LATER`.

    .. versionadded:: 0.1.0
    """

    EARLIER = "earlier"
    LATER = "later"


#: Days before each month in a common year (index 1 = January).
_DAYS_BEFORE_MONTH = (0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
#: Marks a fixed day in a plan row (an Easter offset is never this large).
_FIXED = -(10**6)


def _plan(source: _Source) -> tuple[tuple[int, int, int, int], ...]:
    """Each row as ``(first_year, last_year, day index in a common year, Easter offset or
    _FIXED)``: plain integers, so that computing a year does no attribute lookups."""
    plan = []
    for rule in source.rules:
        last = LAST_YEAR if rule.last_year is None else rule.last_year
        if isinstance(rule.when, FixedDay):
            day_of_year = _DAYS_BEFORE_MONTH[rule.when.month] + rule.when.day - 1
            plan.append((rule.first_year, last, day_of_year, _FIXED))
        else:
            plan.append((rule.first_year, last, 0, rule.when.days))
    return tuple(plan)


@attrs.frozen(cache_hash=True)
class _Source:
    """The closing rows of one calendar component and its weekly rest days."""

    label: str
    description: str
    rules: tuple[HolidayRule, ...]
    rest_weekdays: frozenset[int]
    first_year: int
    last_year: int
    _plan: tuple[tuple[int, int, int, int], ...] = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(_plan, takes_self=True)
    )

    def closed_days(self, year: int, start: int, leap: bool) -> list[int]:
        """The days its rows close in ``year``, as indices from 1 January (ordinal ``start``)."""
        days: list[int] = []
        easter_index = -1
        for first, last, day_of_year, offset in self._plan:
            if first <= year <= last:
                if offset == _FIXED:
                    days.append(day_of_year + 1 if leap and day_of_year >= 59 else day_of_year)
                else:
                    if easter_index < 0:
                        easter_index = easter_sunday(year).toordinal() - start
                    days.append(easter_index + offset)
        return days

    def holidays(self, year: int) -> list[Holiday]:
        """The :class:`Holiday` records of its rows in force in ``year``."""
        return [rule.holiday(year) for rule in self.rules if rule.applies_in(year)]


def _as_date(value: object, what: str = "day") -> dt.date:
    """``value`` as a plain :class:`datetime.date`, or a ``TypeError`` naming it."""
    if isinstance(value, dt.datetime):
        raise TypeError(
            f"{what} must be a datetime.date, got the datetime {value!r}: pass value.date() "
            "(a business day has no time of day)"
        )
    if isinstance(value, dt.date):
        return _date(value.year, value.month, value.day)
    raise TypeError(f"{what} must be a datetime.date, got {value!r} ({type(value).__name__})")


def _check_enum(value: Any, kind: type[enum.Enum], what: str) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{what} must be a {kind.__name__}, got {value!r} ({type(value).__name__})")


@attrs.frozen(repr=False, cache_hash=True)
class BusinessCalendar:
    """The business days of a département, of TARGET2, or of both at once.

    Build one with :func:`department_calendar`, use :data:`TARGET2`, and combine them with
    ``&`` (a day is open in ``a & b`` when it is open in both), or
    :meth:`with_target2`. Years from :attr:`first_year` to :attr:`last_year` are served;
    any other year raises :class:`~allocations.CalendarRangeError`.

    Conventions (chosen to agree with each other, as in ``numpy.busday_offset`` with
    ``roll="forward"`` and ``numpy.busday_count``):

    - :meth:`add_business_days` first rolls a non-business day forward, then moves ``n``
      business days: ``n = 0`` returns the day itself if it is a business day, else the next
      business day; Saturday ``+ 1`` is therefore Tuesday in a Monday–Friday calendar.
    - :meth:`business_days_between` counts the half-open interval ``[start, end)`` (negative
      when ``end < start``), so ``business_days_between(d, add_business_days(d, n)) == n``
      for every day ``d`` and every ``n``.

    Wrong types raise ``TypeError`` naming the value (a ``datetime`` or a string is not a
    date).

    >>> from allocations import TARGET2, Roll, department_calendar
    >>> moselle, paris = department_calendar("57"), department_calendar("75")
    >>> paris.add_business_days(dt.date(2024, 3, 28), 1), moselle.add_business_days(dt.date(2024, 3, 28), 1)
    (datetime.date(2024, 3, 29), datetime.date(2024, 4, 2))
    >>> (paris & TARGET2).is_business_day(dt.date(2024, 12, 26))
    False
    >>> paris.roll(dt.date(2026, 4, 5), Roll.NEAREST)
    datetime.date(2026, 4, 3)

    .. versionadded:: 0.1.0
    """

    _sources: tuple[_Source, ...] = attrs.field(alias="sources")
    _status: bytearray = attrs.field(init=False, eq=False, factory=lambda: bytearray(_SPAN_DAYS))
    _years: dict[int, tuple[int, array[int]]] = attrs.field(init=False, eq=False, factory=dict)
    _details: dict[int, tuple[Holiday, ...]] = attrs.field(init=False, eq=False, factory=dict)

    # -- identity -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """A short name: ``"67"``, ``"TARGET2"``, ``"67 & TARGET2"``."""
        return " & ".join(source.label for source in self._sources)

    @property
    def description(self) -> str:
        """A readable name: ``"Bas-Rhin (67), jours ouvrés & TARGET2"``."""
        return " & ".join(source.description for source in self._sources)

    @property
    def first_year(self) -> int:
        """The first year served."""
        return max(source.first_year for source in self._sources)

    @property
    def last_year(self) -> int:
        """The last year served."""
        return min(source.last_year for source in self._sources)

    @property
    def rest_weekdays(self) -> frozenset[int]:
        """The weekly rest days of every source (5 = Saturday, 6 = Sunday)."""
        return frozenset().union(*(source.rest_weekdays for source in self._sources))

    @property
    def day_kind(self) -> DayKind:
        """:attr:`DayKind.OUVRABLE` if only Sunday is a rest day, else :attr:`DayKind.OUVRE`."""
        return DayKind.OUVRABLE if self.rest_weekdays == {_SUNDAY} else DayKind.OUVRE

    def __repr__(self) -> str:
        return f"<BusinessCalendar {self.description}>"

    def __and__(self, other: object) -> BusinessCalendar:
        """The calendar whose business days are open in both ``self`` and ``other``.

        ``a & b`` and ``b & a`` have the same business days; holiday names come from the
        left operand first. The result is cached, so its years are computed once.
        """
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        extra = tuple(source for source in other._sources if source not in self._sources)
        return _calendar(self._sources + extra)

    def with_target2(self) -> BusinessCalendar:
        """This calendar ``&`` :data:`TARGET2`: open only when TARGET2 settles too.

        >>> from allocations import department_calendar
        >>> department_calendar("75").with_target2().name
        '75 & TARGET2'

        .. versionadded:: 0.1.0
        """
        return self & TARGET2

    # -- years ----------------------------------------------------------------------------

    def _check_year(self, year: object) -> int:
        return check_year(year, self.first_year, self.last_year, self.name)

    def _year(self, year: int) -> tuple[int, array[int]]:
        """``(ordinal of 1 January, day indices of the business days)`` of ``year``, once."""
        entry = self._years.get(year)
        if entry is None:
            entry = self._compute_year(self._check_year(year))
        return entry

    def _compute_year(self, year: int) -> tuple[int, array[int]]:
        start = _date(year, 1, 1).toordinal()
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        length = 366 if leap else 365
        weekday = (start + 6) % 7  # date.weekday() of 1 January
        rest = self.rest_weekdays
        status = bytearray(_week_pattern(rest)[weekday : weekday + length])
        open_days = _open_weekdays(rest, weekday, length)[:]  # a copy, closed days removed below
        for source in self._sources:
            for index in source.closed_days(year, start, leap):
                if status[index] == _OPEN:
                    status[index] = _CLOSED
                    open_days.remove(index)
        offset = start - _BASE_ORDINAL
        self._status[offset : offset + length] = status
        entry = (start, open_days)
        self._years[year] = entry
        return entry

    def _nth(self, year: int, position: int) -> dt.date:
        """The business day at ``position`` in ``year``'s list, spilling into other years."""
        start, days = self._year(year)
        while position >= len(days):
            position -= len(days)
            year += 1
            start, days = self._year(year)
        while position < 0:
            year -= 1
            start, days = self._year(year)
            position += len(days)
        return _fromordinal(start + days[position])

    def _index(self, day: dt.date) -> tuple[int, int]:
        """``(year, position of the first business day on or after day in that year's list)``."""
        start, days = self._year(day.year)
        return day.year, bisect_left(days, day.toordinal() - start)

    # -- queries --------------------------------------------------------------------------

    def is_business_day(self, day: dt.date) -> bool:
        """Whether ``day`` is open in every source of the calendar.

        Args:
            day: the day.

        Returns:
            ``True`` for a business day (*jour ouvré* or *ouvrable*, not a closing day).

        Raises:
            TypeError: ``day`` is not a ``datetime.date`` (a ``datetime`` is refused).
            CalendarRangeError: its year is outside :attr:`first_year`–:attr:`last_year`.

        >>> from allocations import department_calendar
        >>> alsace = department_calendar("67")
        >>> alsace.is_business_day(dt.date(2024, 12, 26)), department_calendar("54").is_business_day(dt.date(2024, 12, 26))
        (False, True)

        .. versionadded:: 0.1.0
        """
        # Hot path: one index into the per-day status bytes (0 = year not computed yet).
        if type(day) is _date:
            index = day.toordinal() - _BASE_ORDINAL
            if index >= 0:
                try:
                    status = self._status[index]
                except IndexError:
                    pass
                else:
                    if status == _OPEN:
                        return True
                    if status:
                        return False
        day = _as_date(day)
        self._year(day.year)
        return self._status[day.toordinal() - _BASE_ORDINAL] == _OPEN

    def next_business_day(self, day: dt.date) -> dt.date:
        """The first business day strictly after ``day``.

        Raises:
            TypeError: ``day`` is not a ``datetime.date``.
            CalendarRangeError: the answer needs a year outside the calendar's range.

        >>> from allocations import department_calendar
        >>> department_calendar("75").next_business_day(dt.date(2026, 4, 3))
        datetime.date(2026, 4, 7)

        .. versionadded:: 0.1.0
        """
        day = _as_date(day)
        start, days = self._year(day.year)
        return self._nth(day.year, bisect_right(days, day.toordinal() - start))

    def previous_business_day(self, day: dt.date) -> dt.date:
        """The last business day strictly before ``day``.

        Raises:
            TypeError: ``day`` is not a ``datetime.date``.
            CalendarRangeError: the answer needs a year outside the calendar's range.

        >>> from allocations import department_calendar
        >>> department_calendar("57").previous_business_day(dt.date(2026, 4, 6))
        datetime.date(2026, 4, 2)

        .. versionadded:: 0.1.0
        """
        year, position = self._index(_as_date(day))
        return self._nth(year, position - 1)

    def add_business_days(self, day: dt.date, n: int) -> dt.date:
        """Move ``n`` business days from ``day`` (after rolling it forward if it is closed).

        Args:
            day: the starting day.
            n: how many business days to move; negative moves back. ``0`` returns ``day``
                when it is a business day, else the next business day.

        Returns:
            The business day ``n`` positions after the first business day on or after ``day``.

        Raises:
            TypeError: ``day`` is not a ``datetime.date`` or ``n`` is not an ``int``.
            CalendarRangeError: the answer needs a year outside the calendar's range.

        >>> from allocations import department_calendar
        >>> paris = department_calendar("75")
        >>> paris.add_business_days(dt.date(2024, 12, 24), 1), paris.add_business_days(dt.date(2026, 1, 3), 0)
        (datetime.date(2024, 12, 26), datetime.date(2026, 1, 5))
        >>> paris.add_business_days(dt.date(2026, 1, 5), -1)
        datetime.date(2026, 1, 2)

        .. versionadded:: 0.1.0
        """
        if type(day) is not _date:
            day = _as_date(day)
        if type(n) is not int:
            raise TypeError(f"n must be an int, got {n!r} ({type(n).__name__})")
        year = day.year
        entry = self._years.get(year)
        start, days = self._year(year) if entry is None else entry
        position = bisect_left(days, day.toordinal() - start) + n
        if 0 <= position < len(days):
            return _fromordinal(start + days[position])
        return self._nth(year, position)

    def business_days_between(self, start: dt.date, end: dt.date) -> int:
        """The number of business days in the half-open interval ``[start, end)``.

        Negative when ``end`` is before ``start`` (minus the count of ``[end, start)``), so
        that ``business_days_between(d, add_business_days(d, n)) == n``.

        Raises:
            TypeError: ``start`` or ``end`` is not a ``datetime.date``.
            CalendarRangeError: a year in between is outside the calendar's range.

        >>> from allocations import department_calendar
        >>> department_calendar("75").business_days_between(dt.date(2026, 4, 3), dt.date(2026, 4, 8))
        2

        .. versionadded:: 0.1.0
        """
        if type(start) is _date and type(end) is _date and start.year == end.year:
            entry = self._years.get(start.year)
            if entry is not None:  # hot path: both days in one computed year
                first, days = entry
                return bisect_left(days, end.toordinal() - first) - bisect_left(
                    days, start.toordinal() - first
                )
        first_year, first_position = self._index(_as_date(start, "start"))
        last_year, last_position = self._index(_as_date(end, "end"))
        if first_year == last_year:
            return last_position - first_position
        sign = 1
        if last_year < first_year:
            first_year, first_position, last_year, last_position = (
                last_year, last_position, first_year, first_position
            )  # fmt: skip
            sign = -1
        # Business days from the first position to the end of its year, whole years in
        # between, then the start of the last year up to its position.
        count = len(self._year(first_year)[1]) - first_position + last_position
        for year in range(first_year + 1, last_year):
            count += len(self._year(year)[1])
        return sign * count

    def roll(self, day: dt.date, convention: Roll, *, tie: Tie = Tie.EARLIER) -> dt.date:
        """``day`` if it is a business day, else a business day chosen by ``convention``.

        Args:
            day: the day to adjust.
            convention: a :class:`Roll` convention.
            tie: for :attr:`Roll.NEAREST` only, the day taken when the business days before
                and after are equally far (default :attr:`Tie.EARLIER`, see :class:`Tie`).

        Returns:
            A business day; rolling it again returns it unchanged.

        Raises:
            TypeError: ``day`` is not a date, ``convention`` not a :class:`Roll` or ``tie``
                not a :class:`Tie`.
            CalendarRangeError: the answer needs a year outside the calendar's range
                (:attr:`Roll.NEAREST` looks both ways).

        >>> from allocations import TARGET2, Roll, Tie, department_calendar
        >>> target = department_calendar("75") & TARGET2
        >>> target.roll(dt.date(2022, 6, 5), Roll.NEAREST), target.roll(dt.date(2022, 6, 5), Roll.NEAREST, tie=Tie.LATER)
        (datetime.date(2022, 6, 3), datetime.date(2022, 6, 7))
        >>> target.roll(dt.date(2026, 5, 31), Roll.MODIFIED_FOLLOWING)
        datetime.date(2026, 5, 29)

        .. versionadded:: 0.1.0
        """
        day = _as_date(day)
        _check_enum(convention, Roll, "convention")
        _check_enum(tie, Tie, "tie")
        if self.is_business_day(day):
            return day
        if convention is Roll.FOLLOWING:
            return self.next_business_day(day)
        if convention is Roll.PRECEDING:
            return self.previous_business_day(day)
        if convention is Roll.MODIFIED_FOLLOWING:
            following = self.next_business_day(day)
            return following if following.month == day.month else self.previous_business_day(day)
        if convention is Roll.MODIFIED_PRECEDING:
            preceding = self.previous_business_day(day)
            return preceding if preceding.month == day.month else self.next_business_day(day)
        following = self.next_business_day(day)
        preceding = self.previous_business_day(day)
        after, before = following - day, day - preceding
        if after < before:
            return following
        if before < after:
            return preceding
        return preceding if tie is Tie.EARLIER else following

    # -- holidays -------------------------------------------------------------------------

    def holiday_details(self, year: int) -> tuple[Holiday, ...]:
        """The closing days of ``year`` other than the weekly rest, as :class:`Holiday` records.

        Holidays falling on a weekend are listed too (French law has no substitute day). When
        two sources close the same day (Good Friday in ``department_calendar("67") & TARGET2``)
        the first source's record is kept.

        Raises:
            TypeError: ``year`` is not an ``int``.
            CalendarRangeError: ``year`` is outside the calendar's range.

        >>> from allocations import department_calendar
        >>> saint_martin = department_calendar("978").holiday_details(2026)
        >>> [(h.date.isoformat(), h.status.value) for h in saint_martin if h.date.day in (27, 28)]
        [('2026-05-27', 'legal'), ('2026-05-28', 'usage')]

        .. versionadded:: 0.1.0
        """
        details = self._details.get(year) if type(year) is int else None
        if details is None:
            checked = self._check_year(year)
            by_date: dict[dt.date, Holiday] = {}
            for source in self._sources:
                for holiday in source.holidays(checked):
                    by_date.setdefault(holiday.date, holiday)
            details = tuple(sorted(by_date.values()))
            self._details[checked] = details
        return details

    def holidays(self, year: int) -> dict[dt.date, str]:
        """The closing days of ``year`` other than the weekly rest, with their French names.

        Raises:
            TypeError: ``year`` is not an ``int``.
            CalendarRangeError: ``year`` is outside the calendar's range.

        >>> from allocations import department_calendar
        >>> holidays = department_calendar("67").holidays(2026)
        >>> len(holidays), holidays[dt.date(2026, 4, 3)], holidays[dt.date(2026, 12, 26)]
        (13, 'Vendredi saint', 'Saint-Étienne')

        .. versionadded:: 0.1.0
        """
        return {holiday.date: holiday.name for holiday in self.holiday_details(year)}

    def holidays_listing(self, year: int, locale: str = "fr_FR") -> list[tuple[dt.date, str, str]]:
        """The closing days of ``year`` as ``(date, formatted date, name)`` in a locale.

        Dates are formatted by Babel (``format="full"``); names are French for a French
        locale and English for an English one.

        Args:
            year: the year.
            locale: a Babel locale identifier whose language is ``fr`` or ``en``
                (``"fr_FR"``, ``"en_GB"``…).

        Raises:
            TypeError: ``year`` is not an ``int`` or ``locale`` not a string.
            InvalidInputError: ``locale`` is unknown to Babel or not French or English.
            CalendarRangeError: ``year`` is outside the calendar's range.

        >>> from allocations import department_calendar
        >>> department_calendar("67").holidays_listing(2026, locale="en_GB")[1]
        (datetime.date(2026, 4, 3), 'Friday, 3 April 2026', 'Good Friday')

        .. versionadded:: 0.1.0
        """
        from babel.dates import format_date

        parsed, english = _parse_locale(locale)
        return [
            (
                holiday.date,
                format_date(holiday.date, format="full", locale=parsed),
                holiday.name_en if english else holiday.name,
            )
            for holiday in self.holiday_details(year)
        ]


def _parse_locale(locale: object) -> tuple[Any, bool]:
    """A Babel ``Locale`` and whether names are English, or a typed error naming ``locale``."""
    from babel import Locale, UnknownLocaleError

    if not isinstance(locale, str):
        raise TypeError(f"locale must be a string such as 'fr_FR', got {locale!r}")
    try:
        parsed = Locale.parse(locale)
    except (ValueError, UnknownLocaleError) as error:
        raise InvalidInputError(f"locale {locale!r} is not known to Babel ({error})") from None
    if parsed.language not in ("fr", "en"):
        raise InvalidInputError(
            f"locale {locale!r} is not supported: holiday names exist in French (fr) and "
            "English (en) only"
        )
    return parsed, parsed.language == "en"


@functools.lru_cache(maxsize=8)
def _week_pattern(rest_weekdays: frozenset[int]) -> bytes:
    """Status bytes for 54 weeks starting on a Monday (long enough for any year's offset)."""
    week = bytes(_CLOSED if weekday in rest_weekdays else _OPEN for weekday in range(7))
    return week * 54


@functools.lru_cache(maxsize=64)
def _open_weekdays(rest_weekdays: frozenset[int], weekday: int, length: int) -> array[int]:
    """Day indices of a year's days that are not weekly rest days, for 1 January on
    ``weekday`` and a year of ``length`` days (a template, copied before use)."""
    return array(
        "H", [index for index in range(length) if (weekday + index) % 7 not in rest_weekdays]
    )


@functools.lru_cache(maxsize=256)
def _calendar(sources: tuple[_Source, ...]) -> BusinessCalendar:
    """One calendar object per tuple of sources, so that their year caches are shared."""
    return BusinessCalendar(sources=sources)


@functools.lru_cache(maxsize=256)
def _department_calendar(
    department: Department, day_kind: DayKind, options: CalendarOptions
) -> BusinessCalendar:
    code = department.code
    rules = tuple(
        rule
        for rule in HOLIDAY_RULES
        if (rule.where is None or code in rule.where) and rule.enabled_by(options)
    )
    kind = "jours ouvrés" if day_kind is DayKind.OUVRE else "jours ouvrables"
    source = _Source(
        label=code,
        description=f"{department.name} ({code}), {kind}",
        rules=rules,
        rest_weekdays=day_kind.rest_weekdays,
        first_year=FIRST_YEAR,
        last_year=LAST_YEAR,
    )
    return _calendar((source,))


_DEFAULT_OPTIONS = CalendarOptions()


def department_calendar(
    department: str | Department,
    *,
    day_kind: DayKind = DayKind.OUVRE,
    options: CalendarOptions = _DEFAULT_OPTIONS,
) -> BusinessCalendar:
    """The business-day calendar of a département (its *jours fériés* and weekly rest).

    Args:
        department: an INSEE code (``"67"``, ``"2A"``, ``"974"``) or a
            :class:`~allocations.Department`.
        day_kind: :attr:`DayKind.OUVRE` (Monday–Friday, the default) or
            :attr:`DayKind.OUVRABLE` (Monday–Saturday).
        options: the choices made for unsettled facts (:class:`CalendarOptions`).

    Returns:
        A :class:`BusinessCalendar` serving 1950–2200; the same object for the same arguments.

    Raises:
        TypeError: ``department`` is neither a string nor a ``Department``, or ``day_kind`` /
            ``options`` has the wrong type.
        InvalidDepartmentError: the code is not a known INSEE code (``"20"``, ``"96"``).

    >>> from allocations import DayKind, department_calendar
    >>> department_calendar("57").holidays(2026)[dt.date(2026, 12, 26)]
    'Saint-Étienne'
    >>> department_calendar("974", day_kind=DayKind.OUVRABLE).is_business_day(dt.date(2026, 1, 3))
    True

    .. versionadded:: 0.1.0
    """
    _check_enum(day_kind, DayKind, "day_kind")
    if not isinstance(options, CalendarOptions):
        raise TypeError(f"options must be a CalendarOptions, got {options!r}")
    return _department_calendar(Department(department), day_kind, options)


def target2_calendar(options: CalendarOptions = _DEFAULT_OPTIONS) -> BusinessCalendar:
    """The TARGET2 (euro settlement) calendar: closed on weekends and its closing days.

    1999: 1 Jan, 25 Dec, 31 Dec; from 2000: 1 Jan, Good Friday, Easter Monday, 1 May, 25 and
    26 Dec; 31 Dec 2001 as ``options.target2_2001_12_31`` says. Serves 1999–2200.

    Args:
        options: only :attr:`CalendarOptions.target2_2001_12_31` matters.

    Raises:
        TypeError: ``options`` is not a :class:`CalendarOptions`.

    >>> from allocations import CalendarOptions, target2_calendar
    >>> target2_calendar(CalendarOptions(target2_2001_12_31=False)).is_business_day(dt.date(2001, 12, 31))
    True

    .. versionadded:: 0.1.0
    """
    if not isinstance(options, CalendarOptions):
        raise TypeError(f"options must be a CalendarOptions, got {options!r}")
    rules = tuple(rule for rule in TARGET2_RULES if rule.enabled_by(options))
    source = _Source(
        label="TARGET2",
        description="TARGET2",
        rules=rules,
        rest_weekdays=DayKind.OUVRE.rest_weekdays,
        first_year=TARGET2_FIRST_YEAR,
        last_year=LAST_YEAR,
    )
    return _calendar((source,))


#: The TARGET2 calendar with the default :class:`CalendarOptions` (31 Dec 2001 closed).
TARGET2: BusinessCalendar = target2_calendar()
