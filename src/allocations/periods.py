"""Calendar months and exact calendar ages.

Family benefits are due per calendar month (*mois civil*, art. R552-2 CSS), so :class:`Month`
is the period of every amount in this library. Ages are exact anniversaries, never a count of
days divided by 365.25 (a classic cause of off-by-one-month errors in benefit systems).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator

import attrs

from allocations.errors import InvalidMonthError

__all__ = ["Month", "add_years", "age_on"]

_MONTH_PATTERN = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def _check_year(instance: Month, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int:
        raise TypeError(f"Month.year must be an int, got {value!r} ({type(value).__name__})")
    if not 1 <= value <= 9999:
        raise InvalidMonthError(f"Month.year must be within 1..9999, got {value!r}")


def _check_month(instance: Month, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int:
        raise TypeError(f"Month.month must be an int, got {value!r} ({type(value).__name__})")
    if not 1 <= value <= 12:
        raise InvalidMonthError(f"Month.month must be within 1..12, got {value!r}")


@attrs.frozen(order=True)
class Month:
    """A calendar month, such as the *benefit month* May 2024.

    Months are ordered, hashable, and support ``month + n``, ``month - n`` and
    ``month_b - month_a`` (a number of months).

    Args:
        year: the year, 1 to 9999.
        month: the month number, 1 to 12.

    Raises:
        TypeError: ``year`` or ``month`` is not an ``int``.
        InvalidMonthError: a value is out of range.

    >>> from allocations import Month
    >>> may = Month(2024, 5)
    >>> str(may + 8), may.first_day, may.last_day
    ('2025-01', datetime.date(2024, 5, 1), datetime.date(2024, 5, 31))
    >>> Month.parse("2024-05") == may
    True

    .. versionadded:: 0.1.0
    """

    year: int = attrs.field(validator=_check_year)
    month: int = attrs.field(validator=_check_month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``"YYYY-MM"`` (surrounding spaces allowed).

        Raises:
            TypeError: ``text`` is not a string.
            InvalidMonthError: the text is not of that form or the month is out of range.
        """
        if not isinstance(text, str):
            raise TypeError(f"a month must be given as 'YYYY-MM', got {text!r}")
        match = _MONTH_PATTERN.match(text)
        if match is None:
            raise InvalidMonthError(f"a month must be written 'YYYY-MM', got {text!r}")
        try:
            return cls(int(match.group(1)), int(match.group(2)))
        except InvalidMonthError as error:
            raise InvalidMonthError(f"month {text!r} is out of range: {error}") from None

    @classmethod
    def of(cls, day: dt.date) -> Month:
        """The month that contains ``day``."""
        return cls(day.year, day.month)

    @property
    def first_day(self) -> dt.date:
        """The first day of the month."""
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        """The last day of the month."""
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def index(self) -> int:
        """A count of months since year 0, handy for arithmetic and storage."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        """The inverse of :attr:`index`."""
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` falls in this month."""
        return day.year == self.year and day.month == self.month

    def days(self) -> Iterator[dt.date]:
        """Every day of the month, in order."""
        for number in range(1, self.last_day.day + 1):
            yield dt.date(self.year, self.month, number)

    def __add__(self, months: int) -> Month:
        if type(months) is not int:
            return NotImplemented
        return Month.from_index(self.index + months)

    def __radd__(self, months: int) -> Month:
        return self.__add__(months)

    def __sub__(self, other: int | Month) -> Month | int:
        if isinstance(other, Month):
            return self.index - other.index
        if type(other) is not int:
            return NotImplemented
        return Month.from_index(self.index - other)

    def minus(self, months: int) -> Month:
        """``self - months`` with a precise type (``-`` may also return an ``int``)."""
        return Month.from_index(self.index - months)

    def months_since(self, other: Month) -> int:
        """``self - other`` as a number of months, with a precise type."""
        return self.index - other.index

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def add_years(day: dt.date, years: int) -> dt.date:
    """The anniversary of ``day`` after ``years`` years.

    A 29 February maps to **1 March** in a non-leap year: the day on which the person has
    completed the full number of years. This is a documented choice (LAW.md §11 leaves it
    open); it decides the month of a birthday for children born on 29 February.

    >>> import datetime as dt
    >>> add_years(dt.date(2012, 2, 29), 14)
    datetime.date(2026, 3, 1)
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Exact age in completed years on ``day`` (a 29 February birthday completes on 1 March).

    >>> import datetime as dt
    >>> age_on(dt.date(2010, 5, 31), dt.date(2024, 5, 30)), age_on(dt.date(2010, 5, 31), dt.date(2024, 5, 31))
    (13, 14)
    """
    years = day.year - birth_date.year
    if add_years(birth_date, years) > day:
        years -= 1
    return years
