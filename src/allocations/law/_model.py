"""Dated legal parameters: a value, the date it came into force, and the text that says so.

Theory of operation: a :class:`Parameter` is a list of :class:`ParameterValue` sorted by
``start``; the value in force on a day is the last one that started on or before it. A
parameter may say until when it is *known* (``known_until``: the BMAF is revalued each
1 April, the ceilings each 1 January, so their last value is only known to hold until the
next revaluation). Asking for a day before the first value, or after ``known_until``, raises
:class:`~allocations.errors.LawNotInForceError` — the library never extrapolates the law —
unless the caller explicitly asks to extend the last known value.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal

import attrs

from allocations.errors import LawNotInForceError

__all__ = ["LawBook", "Parameter", "ParameterValue"]


@attrs.frozen
class ParameterValue:
    """One dated value of a legal parameter.

    Args:
        start: the first day the value is in force.
        value: the value, in the parameter's unit (``Decimal``; never ``float``).
        reference: the legal text or official instrument that sets it.
        last_checked: the day the value was last checked against its source.
        note: a caveat, e.g. why the value is uncertain.
        uncertain: the value is not confirmed by an official source (LAW.md [UNCERTAIN]).

    >>> import datetime as dt
    >>> from allocations.law import load_law
    >>> value = load_law()["af.rate.forfait.t3"].value_on(dt.date(2024, 5, 1))
    >>> value.value, value.start, value.note
    (Decimal('5.059'), datetime.date(2015, 7, 1), 'Not a quarter of 20.234 %: the published 2024 net 23.49 EUR needs 5.059 %.')

    .. versionadded:: 0.1.0
    """

    start: dt.date
    value: Decimal
    reference: str
    last_checked: dt.date
    note: str = ""
    uncertain: bool = False


@attrs.frozen
class Parameter:
    """A legal parameter and its history.

    Args:
        name: dotted name, e.g. ``"af.rate.second_child.t1"``.
        description: what the parameter is, in the words of the law.
        unit: ``"EUR"``, ``"EUR/hour"``, ``"percent"``, ``"ratio"``, ``"hours"``,
            ``"years"``, ``"months"`` or ``"children"``.
        reference: the article that defines the parameter.
        values: the dated values, sorted by ``start`` (strictly increasing).
        known_until: the last day the last value is known to hold, or ``None`` when the
            last value holds until a new text changes it.

    >>> import datetime as dt
    >>> from allocations.law import load_law
    >>> bmaf = load_law()["bmaf"]
    >>> bmaf.value_on(dt.date(2022, 7, 1)).value
    Decimal('439.17')
    >>> bmaf.value_on(dt.date(2013, 3, 31))
    Traceback (most recent call last):
    ...
    allocations.errors.LawNotInForceError: bmaf has no value on 2013-03-31: known from 2013-04-01 to 2027-03-31

    .. versionadded:: 0.1.0
    """

    name: str
    description: str
    unit: str
    reference: str
    values: tuple[ParameterValue, ...]
    known_until: dt.date | None = None

    @property
    def first_day(self) -> dt.date:
        """The first day the parameter has a value."""
        return self.values[0].start

    def value_on(self, day: dt.date, *, extend_last_known: bool = False) -> ParameterValue:
        """The value in force on ``day``.

        Args:
            day: the date.
            extend_last_known: after ``known_until``, return the last known value instead
                of raising (an explicit choice of the caller, never a default).

        Returns:
            The :class:`ParameterValue` in force.

        Raises:
            LawNotInForceError: ``day`` is before the first value, or after
                ``known_until`` and ``extend_last_known`` is false.
        """
        values = self.values
        if day < values[0].start or (
            self.known_until is not None and day > self.known_until and not extend_last_known
        ):
            raise LawNotInForceError(
                f"{self.name} has no value on {day.isoformat()}: known from "
                f"{values[0].start.isoformat()} to "
                f"{self.known_until.isoformat() if self.known_until else 'further notice'}"
            )
        found = values[0]
        for value in values:
            if value.start > day:
                break
            found = value
        return found


@attrs.frozen
class LawBook:
    """Every legal parameter the library knows, by name.

    Obtain the shipped one with :func:`allocations.law.load_law`.

    >>> from allocations.law import load_law
    >>> law = load_law()
    >>> law["crds.rate"].unit, "bmaf" in law
    ('percent', True)

    .. versionadded:: 0.1.0
    """

    parameters: Mapping[str, Parameter]

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise LawNotInForceError(f"no legal parameter named {name!r} is known") from None

    def __contains__(self, name: object) -> bool:
        return name in self.parameters

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.parameters.values())

    def __len__(self) -> int:
        return len(self.parameters)
