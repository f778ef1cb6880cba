"""Public holidays by département, the TARGET2 calendar and business-day arithmetic.

- :func:`department_calendar` — the *jours fériés* of a département (Code du travail
  L3133-1, L3134-13 for Alsace-Moselle, L3422-2 overseas) and its weekly rest;
- :data:`TARGET2` — the euro settlement calendar (ECB);
- :class:`BusinessCalendar` — both, alone or intersected with ``&``: business-day tests,
  rolling (:class:`Roll`), adding and counting business days;
- :data:`HOLIDAY_RULES` and :data:`TARGET2_RULES` — the rules as data, each row with its
  years and legal basis.

A year outside the known rules raises :class:`~allocations.CalendarRangeError`; it never
returns an empty calendar.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from allocations.calendars._business import (
    TARGET2,
    BusinessCalendar,
    DayKind,
    Roll,
    Tie,
    department_calendar,
    target2_calendar,
)
from allocations.calendars._rules import (
    FIRST_YEAR,
    HOLIDAY_RULES,
    LAST_YEAR,
    TARGET2_FIRST_YEAR,
    TARGET2_RULES,
    CalendarOptions,
    EasterOffset,
    FixedDay,
    Holiday,
    HolidayRule,
    HolidayStatus,
    easter_sunday,
)

__all__ = [
    "FIRST_YEAR",
    "HOLIDAY_RULES",
    "LAST_YEAR",
    "TARGET2",
    "TARGET2_FIRST_YEAR",
    "TARGET2_RULES",
    "BusinessCalendar",
    "CalendarOptions",
    "DayKind",
    "EasterOffset",
    "FixedDay",
    "Holiday",
    "HolidayRule",
    "HolidayStatus",
    "Roll",
    "Tie",
    "department_calendar",
    "easter_sunday",
    "target2_calendar",
]
