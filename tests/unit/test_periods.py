"""Months and exact ages (LAW.md §11: ages are calendar anniversaries)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocations import InvalidMonthError, Month
from allocations.periods import add_years, age_on

months = st.builds(Month, st.integers(1900, 2200), st.integers(1, 12))


def test_parse_and_str_round_trip() -> None:
    assert Month.parse("2024-05") == Month(2024, 5)
    assert Month.parse(" 2024-5 ") == Month(2024, 5)
    assert str(Month(2024, 5)) == "2024-05"


@pytest.mark.parametrize("text", ["2024-13", "2024-00", "24-05", "2024/05", "", "may"])
def test_parse_rejects_malformed_text_naming_it(text: str) -> None:
    with pytest.raises(InvalidMonthError, match=re.escape(repr(text))):
        Month.parse(text)


def test_constructor_rejects_wrong_types() -> None:
    with pytest.raises(TypeError, match=r"2024\.0"):
        Month(2024.0, 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Month.parse(202405)  # type: ignore[arg-type]


def test_month_boundaries() -> None:
    assert Month(2024, 2).last_day == dt.date(2024, 2, 29)
    assert Month(2023, 2).last_day == dt.date(2023, 2, 28)
    assert Month(2024, 12) + 1 == Month(2025, 1)
    assert Month(2025, 1) - 1 == Month(2024, 12)
    assert Month(2025, 1) - Month(2024, 5) == 8


@given(months, st.integers(-2000, 2000))
def test_adding_then_subtracting_returns_to_the_start(month: Month, n: int) -> None:
    assert (month + n).minus(n) == month
    assert (month + n).months_since(month) == n


@given(months, months)
def test_order_agrees_with_first_days(a: Month, b: Month) -> None:
    assert (a < b) == (a.first_day < b.first_day)


def test_leap_day_birthday_completes_on_first_of_march() -> None:
    assert add_years(dt.date(2012, 2, 29), 14) == dt.date(2026, 3, 1)
    assert age_on(dt.date(2012, 2, 29), dt.date(2026, 2, 28)) == 13
    assert age_on(dt.date(2012, 2, 29), dt.date(2026, 3, 1)) == 14
    assert age_on(dt.date(2012, 2, 29), dt.date(2028, 2, 29)) == 16


@given(st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)), st.integers(0, 30))
def test_age_on_anniversary_is_exact(birth: dt.date, years: int) -> None:
    anniversary = add_years(birth, years)
    assert age_on(birth, anniversary) == years
    assert age_on(birth, anniversary - dt.timedelta(days=1)) == years - 1
