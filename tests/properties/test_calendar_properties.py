"""Invariants of business-day arithmetic and of the CAF payment date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocations import (
    TARGET2,
    BusinessCalendar,
    CalendarRangeError,
    DayKind,
    Department,
    Month,
    Roll,
    Tie,
    department_calendar,
    payment_date,
)

CODES = [department.code for department in Department.all()]
CALENDARS: list[BusinessCalendar] = [
    TARGET2,
    *(department_calendar(code) for code in ("75", "57", "971", "974", "977", "978")),
    department_calendar("67") & TARGET2,
    department_calendar("978") & TARGET2,
    department_calendar("68", day_kind=DayKind.OUVRABLE),
    department_calendar("75", day_kind=DayKind.OUVRABLE) & TARGET2,
]

calendars = st.sampled_from(CALENDARS)
# Well inside every calendar's range (TARGET2 starts in 1999), so ±1 year of arithmetic is safe.
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2199, 12, 31))
steps = st.integers(min_value=-60, max_value=60)


@given(calendars, days)
def test_is_business_day_agrees_with_the_holiday_list(
    calendar: BusinessCalendar, day: dt.date
) -> None:
    # The hot path (status bytes) and the rule records give the same answer.
    expected = day.weekday() not in calendar.rest_weekdays and day not in calendar.holidays(
        day.year
    )
    assert calendar.is_business_day(day) is expected


@given(calendars, days, st.sampled_from(Roll), st.sampled_from(Tie))
def test_roll_returns_a_business_day_and_is_idempotent(
    calendar: BusinessCalendar, day: dt.date, convention: Roll, tie: Tie
) -> None:
    rolled = calendar.roll(day, convention, tie=tie)
    assert calendar.is_business_day(rolled)
    assert calendar.roll(rolled, convention, tie=tie) == rolled
    if calendar.is_business_day(day):
        assert rolled == day
    following, preceding = calendar.roll(day, Roll.FOLLOWING), calendar.roll(day, Roll.PRECEDING)
    assert preceding <= day <= following
    assert abs(rolled - day) <= max(following - day, day - preceding)
    if convention is Roll.NEAREST:
        assert abs(rolled - day) == min(following - day, day - preceding)
    if (
        convention in (Roll.MODIFIED_FOLLOWING, Roll.MODIFIED_PRECEDING)
        and rolled.month != day.month
    ):
        # Leaving the month is allowed only when the other direction leaves it too.
        assert following.month != day.month or preceding.month != day.month


@given(calendars, days, steps)
def test_add_and_between_agree(calendar: BusinessCalendar, day: dt.date, n: int) -> None:
    moved = calendar.add_business_days(day, n)
    assert calendar.is_business_day(moved)
    assert calendar.business_days_between(day, moved) == n
    assert calendar.business_days_between(moved, day) == -n
    assert calendar.add_business_days(day, 0) == calendar.roll(day, Roll.FOLLOWING)
    if n > 0:
        assert moved > day
    if n < 0:
        assert moved < day


@given(calendars, days, steps)
def test_adding_n_then_minus_n_returns_to_a_business_day(
    calendar: BusinessCalendar, day: dt.date, n: int
) -> None:
    start = calendar.roll(day, Roll.FOLLOWING)
    assert calendar.add_business_days(calendar.add_business_days(start, n), -n) == start


@given(calendars, days, steps, steps)
def test_adding_is_additive(calendar: BusinessCalendar, day: dt.date, m: int, n: int) -> None:
    start = calendar.roll(day, Roll.FOLLOWING)
    assert calendar.add_business_days(
        calendar.add_business_days(start, m), n
    ) == calendar.add_business_days(start, m + n)


@given(calendars, days, days)
def test_between_counts_business_days(calendar: BusinessCalendar, a: dt.date, b: dt.date) -> None:
    if abs(b - a) > dt.timedelta(days=120):
        b = a + dt.timedelta(days=(b - a).days % 120)
    low, high = min(a, b), max(a, b)
    count = sum(
        calendar.is_business_day(low + dt.timedelta(days=i)) for i in range((high - low).days)
    )
    assert calendar.business_days_between(low, high) == count
    assert calendar.next_business_day(a) == calendar.add_business_days(a + dt.timedelta(days=1), 0)
    assert calendar.previous_business_day(a) == calendar.roll(
        a - dt.timedelta(days=1), Roll.PRECEDING
    )


def test_payment_date_for_every_month_and_every_departement() -> None:
    # Exhaustive, 1995-2100 × every code: the payment day is a business day of the
    # département, a TARGET2 day once TARGET exists (1999), between the 1st and the 10th of
    # the month after the benefit month.
    for code in CODES:
        calendar = department_calendar(code)
        for index in range(Month(1995, 1).index, Month(2100, 12).index + 1):
            month = Month.from_index(index)
            paid = payment_date(month, code)
            assert calendar.is_business_day(paid), (code, month, paid)
            if paid.year >= 1999:
                assert TARGET2.is_business_day(paid), (code, month, paid)
            assert Month.of(paid) == month + 1, (code, month, paid)
            assert 1 <= paid.day <= 10, (code, month, paid)


_not_dates = st.one_of(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.text(max_size=12),
    st.integers(),
    st.none(),
    st.floats(allow_nan=False),
)


@given(calendars, _not_dates)
def test_bad_input_raises_the_typed_error(calendar: BusinessCalendar, value: object) -> None:
    with pytest.raises(TypeError):
        calendar.is_business_day(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        calendar.add_business_days(value, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        calendar.roll(value, Roll.NEAREST)  # type: ignore[arg-type]


@given(
    calendars, st.integers(min_value=-5000, max_value=9999).filter(lambda y: not 1950 <= y <= 2200)
)
def test_years_out_of_range_raise(calendar: BusinessCalendar, year: int) -> None:
    with pytest.raises(CalendarRangeError, match=str(year)):
        calendar.holidays(year)
