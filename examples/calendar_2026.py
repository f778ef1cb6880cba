"""Business days and CAF payment dates in 2026, for three départements.

Run from the ``examples/`` directory: ``python calendar_2026.py``.

- Paris (75): the eleven national holidays;
- Moselle (57): Alsace-Moselle adds Good Friday and 26 December (L3134-13);
- Saint-Martin (978): abolition day on 27 May, and 28 May by usage since 2018.

The payment date of each benefit month is the same in the three: the CAF pays on a day that
is a *jour ouvré* of the département **and** a TARGET2 day.
"""

from __future__ import annotations

import datetime as dt

from allocations import TARGET2, Month, Roll, department_calendar, payment_date

CODES = ("75", "57", "978")


def main() -> None:
    for code in CODES:
        calendar = department_calendar(code)
        print(f"{calendar.description}: {len(calendar.holidays(2026))} holidays in 2026")
        for day, text, name in calendar.holidays_listing(2026, locale="en_GB"):
            marker = "  (weekend: no substitute day)" if day.weekday() >= 5 else ""
            print(f"    {text:<30} {name}{marker}")
        print()

    print("Thu 2 Apr 2026 + 1 business day (Good Friday closes Moselle and TARGET2):")
    start = dt.date(2026, 4, 2)
    for calendar in (department_calendar("75"), department_calendar("57"), TARGET2):
        print(f"    {calendar.name:<8} → {calendar.add_business_days(start, 1):%a %d %b %Y}")
    paris = department_calendar("75") & TARGET2
    print(
        f"Business days in 2026 (Paris & TARGET2): {paris.business_days_between(dt.date(2026, 1, 1), dt.date(2027, 1, 1))}"
    )
    print(
        f"Sun 5 Apr 2026 rolled to the nearest business day (Paris & TARGET2): {paris.roll(dt.date(2026, 4, 5), Roll.NEAREST):%a %d %b}"
    )
    print()

    print("Benefit month → paid on (75 / 57 / 978)")
    for number in range(1, 13):
        month = Month(2026, number)
        dates = [payment_date(month, code) for code in CODES]
        print(f"    {month}  " + "  ".join(f"{day:%a %d %b %Y}" for day in dates))


if __name__ == "__main__":
    main()
