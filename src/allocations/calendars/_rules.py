"""Holiday and TARGET2 closing rules as data: each row guarded by its years, with its source.

Theory of operation: a :class:`HolidayRule` row says *what* day (a fixed day or an offset
from Easter Sunday), *where* (a set of INSEE codes, or every territory), *when* (first and
last year) and *why* (the legal basis). A row may also depend on a :class:`CalendarOptions`
flag: that is how each unsettled fact of ``CALENDARS.md`` becomes a documented choice that a
caller can change instead of a silent guess. A calendar is the rows that apply to it,
evaluated year by year; nothing else in the package knows a holiday.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import enum
import functools

import attrs
from dateutil.easter import EASTER_WESTERN, easter

from allocations.errors import CalendarRangeError

__all__ = [
    "FIRST_YEAR",
    "HOLIDAY_RULES",
    "LAST_YEAR",
    "TARGET2_FIRST_YEAR",
    "TARGET2_RULES",
    "CalendarOptions",
    "EasterOffset",
    "FixedDay",
    "Holiday",
    "HolidayRule",
    "HolidayStatus",
    "check_year",
    "easter_sunday",
]

#: First year for which the holiday rules are known (8 May and the overseas days have a
#: history after it; earlier history of L3133-1 is only reported, CALENDARS.md §2).
FIRST_YEAR = 1950
#: Last year served: the rules hold "until further notice"; the bound keeps every table finite
#: and covers the payment of December 2199 benefits in January 2200.
LAST_YEAR = 2200
#: TARGET, the euro settlement system, started on 4 January 1999 (ECB, 3 Sep 1998).
TARGET2_FIRST_YEAR = 1999


class HolidayStatus(enum.Enum):
    """Why a day closes a calendar.

    .. versionadded:: 0.1.0
    """

    #: A *jour férié* of the Code du travail (L3133-1, L3134-13, L3422-2).
    LEGAL = "legal"
    #: A day off by *usage* or administrative practice, not in the Code (Saint-Martin 28 May).
    USAGE = "usage"
    #: A closing day of the TARGET2 settlement system (ECB), not a French holiday.
    SETTLEMENT = "settlement"


@attrs.frozen
class CalendarOptions:
    """The unsettled facts of the calendars, each a documented choice a caller can change.

    The defaults are the conservative readings of ``CALENDARS.md`` (a doubtful day closes the
    calendar, so no payment is scheduled on a day a bank or a CAF might be closed).

    Args:
        solidarity_days_closed: Whit Monday 2005, 2006 and 2007 (*journée de solidarité* by
            default, loi 2004-626) closes the calendar. It stayed a *fête légale* in law
            (CALENDARS.md §2); pass ``False`` to treat it as the worked day it was by default.
        collectivities_may_27_2008_2011: 27 May stays a holiday in Saint-Barthélemy (977) and
            Saint-Martin (978) between their separation from Guadeloupe (15 Jul 2007) and
            décret 2012-553 [UNCERTAIN: no text; still commemorated, Journal de Saint-Barth 2011].
        saint_martin_may_28: 28 May closes Saint-Martin (978) from 2018 besides the 27 May of
            the Code (préfectoral *usage* after the circulars of 4 May 2018 and 3 May 2019).
        target2_2001_12_31: TARGET closed on 31 Dec 2001 (euro cash changeover) [UNCERTAIN:
            python-holidays and QuantLib close it; no ECB text seen].

    >>> from allocations.calendars import CalendarOptions
    >>> CalendarOptions(saint_martin_may_28=False).saint_martin_may_28
    False

    .. versionadded:: 0.1.0
    """

    solidarity_days_closed: bool = attrs.field(
        default=True, validator=attrs.validators.instance_of(bool)
    )
    collectivities_may_27_2008_2011: bool = attrs.field(
        default=True, validator=attrs.validators.instance_of(bool)
    )
    saint_martin_may_28: bool = attrs.field(
        default=True, validator=attrs.validators.instance_of(bool)
    )
    target2_2001_12_31: bool = attrs.field(
        default=True, validator=attrs.validators.instance_of(bool)
    )


@attrs.frozen(order=True)
class Holiday:
    """One closing day of a calendar in one year, with its names and legal basis.

    Args:
        date: the day.
        name: the French name (*Vendredi saint*).
        name_en: the English name (*Good Friday*).
        legal_basis: the article or publication that makes the day a closing day.
        status: legal holiday, usage day or TARGET2 closing day.
        uncertain: the day rests on an [UNCERTAIN] fact behind a :class:`CalendarOptions` flag.
        solidarity_day_default: Whit Monday 2005–2007, a legal holiday worked by default as
            the *journée de solidarité*.

    .. versionadded:: 0.1.0
    """

    date: dt.date
    name: str = attrs.field(order=False)
    name_en: str = attrs.field(order=False)
    legal_basis: str = attrs.field(order=False)
    status: HolidayStatus = attrs.field(order=False)
    uncertain: bool = attrs.field(default=False, order=False)
    solidarity_day_default: bool = attrs.field(default=False, order=False)


@attrs.frozen
class FixedDay:
    """A day of the year, such as 14 July.

    .. versionadded:: 0.1.0
    """

    month: int = attrs.field(validator=attrs.validators.instance_of(int))
    day: int = attrs.field(validator=attrs.validators.instance_of(int))

    def __attrs_post_init__(self) -> None:
        # A day of every year: 29 February is refused (it has no date in a common year).
        try:
            dt.date(2001, self.month, self.day)
        except ValueError:
            raise ValueError(
                f"FixedDay({self.month}, {self.day}) is not a day of every year"
            ) from None

    def date_in(self, year: int, easter_day: dt.date) -> dt.date:
        """The day in ``year`` (``easter_day`` is unused)."""
        return dt.date(year, self.month, self.day)


@attrs.frozen
class EasterOffset:
    """A day counted from Easter Sunday, such as Ascension (+39).

    .. versionadded:: 0.1.0
    """

    days: int

    def date_in(self, year: int, easter_day: dt.date) -> dt.date:
        """The day in ``year`` whose Easter Sunday is ``easter_day``."""
        return easter_day + dt.timedelta(days=self.days)


def _option_name(
    instance: HolidayRule, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and value not in attrs.fields_dict(CalendarOptions):
        raise ValueError(f"HolidayRule.option {value!r} is not a CalendarOptions field")


@attrs.frozen
class HolidayRule:
    """A row of the holiday tables: what day, where, in which years, on what legal basis.

    Args:
        name: French name.
        name_en: English name.
        when: a :class:`FixedDay` or an :class:`EasterOffset`.
        first_year: first year the day applies.
        last_year: last year it applies (``None``: still in force).
        legal_basis: the text, as precise as known.
        where: INSEE codes it applies to (``None``: every territory, or TARGET2).
        status: see :class:`HolidayStatus`.
        option: a :class:`CalendarOptions` field that must be true for the row to apply.
        uncertain: the row rests on an [UNCERTAIN] fact.
        solidarity_day_default: see :attr:`Holiday.solidarity_day_default`.

    .. versionadded:: 0.1.0
    """

    name: str
    name_en: str
    when: FixedDay | EasterOffset
    first_year: int
    last_year: int | None
    legal_basis: str
    where: frozenset[str] | None = None
    status: HolidayStatus = HolidayStatus.LEGAL
    option: str | None = attrs.field(default=None, validator=_option_name)
    uncertain: bool = False
    solidarity_day_default: bool = False

    def applies_in(self, year: int) -> bool:
        """Whether the row is in force in ``year``."""
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)

    def enabled_by(self, options: CalendarOptions) -> bool:
        """Whether ``options`` keep the row (rows without an option always apply)."""
        return self.option is None or bool(getattr(options, self.option))

    def holiday(self, year: int) -> Holiday:
        """The :class:`Holiday` of this row in ``year`` (the caller checks :meth:`applies_in`)."""
        return Holiday(
            date=self.when.date_in(year, easter_sunday(year)),
            name=self.name,
            name_en=self.name_en,
            legal_basis=self.legal_basis,
            status=self.status,
            uncertain=self.uncertain,
            solidarity_day_default=self.solidarity_day_default,
        )


def check_year(year: object, first_year: int, last_year: int, what: str) -> int:
    """``year`` as an int, or a typed error naming it and the range of ``what``.

    Raises:
        TypeError: ``year`` is not an ``int`` (``bool`` included).
        CalendarRangeError: ``year`` is outside ``first_year..last_year``.
    """
    if type(year) is not int:
        raise TypeError(f"a year must be an int, got {year!r} ({type(year).__name__})")
    if not first_year <= year <= last_year:
        raise CalendarRangeError(
            f"year {year} is outside the range of the {what} calendar "
            f"({first_year}–{last_year}): its rules are not known for that year"
        )
    return year


@functools.lru_cache(maxsize=512)
def easter_sunday(year: int) -> dt.date:
    """Easter Sunday of ``year`` by the Gregorian computus (between 22 March and 25 April).

    Args:
        year: a year of the Gregorian calendar, 1583 to 4099.

    Returns:
        The date of Easter Sunday.

    Raises:
        TypeError: ``year`` is not an ``int``.
        CalendarRangeError: ``year`` is outside 1583–4099, where the computus is defined.

    >>> from allocations.calendars import easter_sunday
    >>> easter_sunday(2026), easter_sunday(2042)
    (datetime.date(2026, 4, 5), datetime.date(2042, 4, 6))

    .. versionadded:: 0.1.0
    """
    check_year(year, 1583, 4099, "Gregorian Easter")
    return easter(year, EASTER_WESTERN)


_ALSACE_MOSELLE = frozenset({"57", "67", "68"})
_COLLECTIVITIES_OF_971 = frozenset({"977", "978"})

# Code du travail, art. L3133-1 (11 fêtes légales, every territory in scope), L3134-13
# (Alsace-Moselle) and L3422-2 (abolition of slavery overseas). Start years as reported with
# their texts in CALENDARS.md §2–§4 (pre-1982 history [UNCERTAIN], all before FIRST_YEAR but 8 May).
HOLIDAY_RULES: tuple[HolidayRule, ...] = (
    # --- L3133-1: national fêtes légales -----------------------------------------------
    HolidayRule("Jour de l'an", "New Year's Day", FixedDay(1, 1), 1811, None,
                "Code du travail, art. L3133-1 (fête légale since 1811, text of 28 Mar 1810 as cited)"),
    HolidayRule("Lundi de Pâques", "Easter Monday", EasterOffset(1), 1886, None,
                "Code du travail, art. L3133-1; loi du 8 mars 1886"),
    HolidayRule("Fête du Travail", "Labour Day", FixedDay(5, 1), 1947, None,
                "Code du travail, art. L3133-1 and L3133-4 (chômé); loi 47-778 du 30 avril 1947"),
    HolidayRule("Victoire 1945", "Victory in Europe Day", FixedDay(5, 8), 1953, 1959,
                "loi 53-225 du 20 mars 1953; no longer a holiday from 1960 (décret 59-533)"),
    HolidayRule("Victoire 1945", "Victory in Europe Day", FixedDay(5, 8), 1982, None,
                "Code du travail, art. L3133-1; restored by loi 81-893 du 2 octobre 1981"),
    HolidayRule("Ascension", "Ascension Day", EasterOffset(39), 1802, None,
                "Code du travail, art. L3133-1; arrêté du 29 germinal an X"),
    HolidayRule("Lundi de Pentecôte", "Whit Monday", EasterOffset(50), 1886, 2004,
                "Code du travail, art. L3133-1; loi du 8 mars 1886"),
    # Loi 2004-626 made Whit Monday the default journée de solidarité without striking it from
    # the fêtes légales; loi 2008-351 removed the default (CALENDARS.md §2).
    HolidayRule("Lundi de Pentecôte", "Whit Monday", EasterOffset(50), 2005, 2007,
                "Code du travail, art. L3133-1 (still a fête légale); journée de solidarité "
                "by default, loi 2004-626 du 30 juin 2004",
                option="solidarity_days_closed", solidarity_day_default=True),
    HolidayRule("Lundi de Pentecôte", "Whit Monday", EasterOffset(50), 2008, None,
                "Code du travail, art. L3133-1; default solidarity day removed by loi 2008-351 "
                "du 16 avril 2008"),
    HolidayRule("Fête nationale", "Bastille Day", FixedDay(7, 14), 1880, None,
                "Code du travail, art. L3133-1; loi du 6 juillet 1880"),
    HolidayRule("Assomption", "Assumption Day", FixedDay(8, 15), 1802, None,
                "Code du travail, art. L3133-1; arrêté du 29 germinal an X"),
    HolidayRule("Toussaint", "All Saints' Day", FixedDay(11, 1), 1802, None,
                "Code du travail, art. L3133-1; arrêté du 29 germinal an X"),
    HolidayRule("Armistice 1918", "Armistice Day", FixedDay(11, 11), 1922, None,
                "Code du travail, art. L3133-1; loi du 24 octobre 1922"),
    HolidayRule("Noël", "Christmas Day", FixedDay(12, 25), 1802, None,
                "Code du travail, art. L3133-1; arrêté du 29 germinal an X"),
    # --- L3134-13: Alsace-Moselle (57, 67, 68 — never the whole Grand Est) ------------
    # Good Friday is legally limited to communes with a Protestant temple or a mixed church
    # but applied département-wide in practice (answer to AN written question 3529).
    HolidayRule("Vendredi saint", "Good Friday", EasterOffset(-2), 1893, None,
                "Code du travail, art. L3134-13 (droit local, ordonnance du 16 août 1892)",
                where=_ALSACE_MOSELLE),
    HolidayRule("Saint-Étienne", "St Stephen's Day", FixedDay(12, 26), 1892, None,
                "Code du travail, art. L3134-13 (droit local, ordonnance du 16 août 1892)",
                where=_ALSACE_MOSELLE),
    # --- L3422-2: abolition of slavery overseas (loi 83-550, décret 83-1003) -------------
    HolidayRule("Abolition de l'esclavage", "Abolition of Slavery", FixedDay(4, 27), 1984, None,
                "Code du travail, art. L3422-2 (1°); loi 83-550 du 30 juin 1983, décret 83-1003",
                where=frozenset({"976"})),
    HolidayRule("Abolition de l'esclavage", "Abolition of Slavery", FixedDay(5, 22), 1984, None,
                "Code du travail, art. L3422-2 (2°); loi 83-550 du 30 juin 1983, décret 83-1003",
                where=frozenset({"972"})),
    HolidayRule("Abolition de l'esclavage", "Abolition of Slavery", FixedDay(5, 27), 1984, None,
                "Code du travail, art. L3422-2 (3°); loi 83-550 du 30 juin 1983, décret 83-1003",
                where=frozenset({"971"})),
    HolidayRule("Abolition de l'esclavage", "Abolition of Slavery", FixedDay(6, 10), 1984, None,
                "Code du travail, art. L3422-2 (4°); loi 83-550 du 30 juin 1983, décret 83-1003",
                where=frozenset({"973"})),
    # Réunion starts in 1983: décret 83-1003 of 23 Nov 1983 preceded 20 Dec 1983.
    HolidayRule("Abolition de l'esclavage", "Abolition of Slavery", FixedDay(12, 20), 1983, None,
                "Code du travail, art. L3422-2 (6°); décret 83-1003 du 23 novembre 1983",
                where=frozenset({"974"})),
    # Saint-Barthélemy and Saint-Martin were communes of Guadeloupe until 15 Jul 2007.
    HolidayRule("Abolition de l'esclavage", "Abolition of Slavery", FixedDay(5, 27), 1984, 2007,
                "as communes of Guadeloupe: loi 83-550 du 30 juin 1983, décret 83-1003",
                where=_COLLECTIVITIES_OF_971),
    HolidayRule("Abolition de l'esclavage", "Abolition of Slavery", FixedDay(5, 27), 2008, 2011,
                "no text between the separation from Guadeloupe (2007) and décret 2012-553; "
                "still commemorated on 27 May (Journal de Saint-Barth, May 2011)",
                where=_COLLECTIVITIES_OF_971, option="collectivities_may_27_2008_2011",
                uncertain=True),
    HolidayRule("Abolition de l'esclavage", "Abolition of Slavery", FixedDay(10, 9), 2012, None,
                "Code du travail, art. L3422-2 (5°); décret 2012-553 du 23 avril 2012",
                where=frozenset({"977"})),
    HolidayRule("Abolition de l'esclavage", "Abolition of Slavery", FixedDay(5, 27), 2012, None,
                "Code du travail, art. L3422-2 (3°); décret 2012-553 du 23 avril 2012",
                where=frozenset({"978"})),
    # The 2017 decree meant to move Saint-Martin to 28 May printed "28 mars"; circulars since
    # 2018 let the préfecture declare 28 May while the Code keeps 27 May (soualigapost 2024).
    HolidayRule("Abolition de l'esclavage (usage)", "Abolition of Slavery (usage)",
                FixedDay(5, 28), 2018, None,
                "usage: interministerial circulars of 4 May 2018 and 3 May 2019 (préfecture); "
                "the Code du travail, art. L3422-2, still says 27 May",
                where=frozenset({"978"}), status=HolidayStatus.USAGE,
                option="saint_martin_may_28"),
)  # fmt: skip

_TARGET_2000 = (
    "ECB press release of 15 Jul 1999 (2000); 14 Dec 2000 (from 2002, until further notice)"
)

# TARGET / TARGET2 / T2 closing days besides Saturdays and Sundays (CALENDARS.md §7). The
# successors of TARGET (TARGET2 from Nov 2007, T2 from 20 Mar 2023) kept them [UNCERTAIN only
# in that no explicit T2 statement was seen].
TARGET2_RULES: tuple[HolidayRule, ...] = (
    HolidayRule("Jour de l'an", "New Year's Day", FixedDay(1, 1), 1999, None,
                "ECB press release of 3 Sep 1998 (1999); " + _TARGET_2000,
                status=HolidayStatus.SETTLEMENT),
    HolidayRule("Vendredi saint", "Good Friday", EasterOffset(-2), 2000, None, _TARGET_2000,
                status=HolidayStatus.SETTLEMENT),
    HolidayRule("Lundi de Pâques", "Easter Monday", EasterOffset(1), 2000, None, _TARGET_2000,
                status=HolidayStatus.SETTLEMENT),
    HolidayRule("Fête du Travail", "Labour Day", FixedDay(5, 1), 2000, None, _TARGET_2000,
                status=HolidayStatus.SETTLEMENT),
    HolidayRule("Noël", "Christmas Day", FixedDay(12, 25), 1999, None,
                "ECB press release of 3 Sep 1998 (1999); " + _TARGET_2000,
                status=HolidayStatus.SETTLEMENT),
    HolidayRule("Lendemain de Noël", "Boxing Day", FixedDay(12, 26), 2000, None, _TARGET_2000,
                status=HolidayStatus.SETTLEMENT),
    HolidayRule("Passage à l'an 2000", "Year 2000 changeover", FixedDay(12, 31), 1999, 1999,
                "ECB press release of 31 Mar 1999", status=HolidayStatus.SETTLEMENT),
    HolidayRule("Passage à l'euro fiduciaire", "Euro cash changeover", FixedDay(12, 31), 2001, 2001,
                "closed by python-holidays and QuantLib; no ECB text seen",
                status=HolidayStatus.SETTLEMENT, option="target2_2001_12_31", uncertain=True),
)  # fmt: skip
