"""The public face of the computation: :func:`allocations_familiales` and its result.

Speed: a payment run computes millions of household-months, so the amounts come from the
integer fast path of :mod:`._compute` with the month's law resolved once. The breakdown is
built only when asked for (:attr:`Entitlement.breakdown`, :meth:`Entitlement.explain`), by
running the *same* computation with a recorder, and is checked to add up to the gross
amount.

Records (:meth:`Entitlement.to_record`, :func:`record_json`) are what a command writes for
every household of a file, so they are assembled from cached texts instead (see
:class:`_Records`): the fast path names each line by a key — everything its text depends
on but the resources — and each key's line is rendered once by the breakdown's own code,
the resources left as a blank filled in per household. The result is the same, byte for
byte, as encoding the breakdown's lines (property-tested), and the lines are checked to
add up to the gross amount.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from json.encoder import encode_basestring
from typing import NamedTuple, TypeVar

import attrs

from allocations.entitlement._compute import _KIND, Detail, Line, Shape, evaluate, evaluate_fast
from allocations.entitlement._explain import (
    Formatter,
    exclusion_sentence,
    label,
    parameter_text,
    rule_sentence,
    text,
)
from allocations.entitlement._household import Household
from allocations.entitlement._month_law import MonthLaw, month_law
from allocations.entitlement._options import DEFAULT_OPTIONS, EntitlementOptions
from allocations.errors import AllocationsError
from allocations.periods import Month

__all__ = [
    "BreakdownLine",
    "Entitlement",
    "allocations_familiales",
    "compute_entitlements",
    "record_json",
]

_T = TypeVar("_T")

_MONEY: dict[int, Decimal] = {}
_MONEY_LIMIT = 32_768  # distinct amounts kept; complements near a ceiling vary


def _money(cents: int) -> Decimal:
    """``Decimal`` euros with two decimals; amounts repeat, so they are shared."""
    found = _MONEY.get(cents)
    if found is None:
        if len(_MONEY) >= _MONEY_LIMIT:
            _MONEY.clear()
        found = _MONEY[cents] = Decimal(cents).scaleb(-2)
    return found


@attrs.frozen
class BreakdownLine:
    """One amount of an entitlement and the reason it is due.

    Args:
        component: ``"base"``, ``"majoration"``, ``"forfait"``, ``"complement_degressif"``,
            ``"complement_degressif_forfait"``, ``"overseas_single_child"``,
            ``"overseas_single_child_majoration"``, ``"mayotte_base"``,
            ``"mayotte_frozen_single_child"``, ``"mayotte_supplements_not_computed"`` or
            ``"nothing_due"``.
        amount: the amount of this line, in euros with two decimals (may be 0).
        rule: the rule applied, as a French sentence with the figures.
        parameters: the figures used (BMAF, rate, tranche, ceiling, resources…), as
            ``(name, value)`` pairs of plain strings (``"466.44"``, ``"2024-04-01"``).
        legal_reference: the articles of law that set the rule.

    >>> household = allocations.Household(
    ...     id="F-9", department="75", resources=Decimal("30000"),
    ...     children=(allocations.Child(birth_date=dt.date(2009, 1, 1)),
    ...               allocations.Child(birth_date=dt.date(2010, 1, 1))))
    >>> line = allocations.allocations_familiales(household, allocations.Month(2025, 5)).breakdown[1]
    >>> line.component, line.amount, line.parameter("child_birth_date"), line.legal_reference
    ('majoration', Decimal('75.90'), '2010-01-01', 'CSS art. L521-3, R521-1, D521-1 I')

    .. versionadded:: 0.1.0
    """

    component: str
    amount: Decimal
    rule: str
    parameters: tuple[tuple[str, str], ...]
    legal_reference: str

    def parameter(self, name: str) -> str:
        """The value of one parameter.

        Raises:
            KeyError: the line has no parameter of that name.
        """
        for key, value in self.parameters:
            if key == name:
                return value
        raise KeyError(f"breakdown line {self.component!r} has no parameter {name!r}")

    def to_record(self) -> dict[str, object]:
        """The line as JSON-ready data (amount as a string with two decimals)."""
        return {
            "component": self.component,
            "amount": f"{self.amount:.2f}",
            "rule": self.rule,
            "parameters": dict(self.parameters),
            "legal_reference": self.legal_reference,
        }


@attrs.frozen
class Entitlement:
    """The *allocations familiales* due to one household for one benefit month.

    Produced by :func:`allocations_familiales` and :func:`compute_entitlements`; not meant
    to be built by hand. ``gross``, ``crds`` and ``net`` are ``Decimal`` euros with two
    decimals and ``net == gross - crds``. The :attr:`breakdown` says why, line by line,
    and adds up to ``gross``; when nothing is due it holds one line of amount 0 that says
    why (the payment run's pre-flight guard shows it).

    >>> household = allocations.Household(
    ...     id="F-9", department="75", resources=Decimal("30000"),
    ...     children=(allocations.Child(birth_date=dt.date(2009, 1, 1)),
    ...               allocations.Child(birth_date=dt.date(2010, 1, 1))))
    >>> entitlement = allocations.allocations_familiales(household, allocations.Month(2025, 5))
    >>> entitlement
    Entitlement(household_id='F-9', month=Month(year=2025, month=5), gross=Decimal('227.70'), crds=Decimal('1.13'), net=Decimal('226.57'))
    >>> sum(line.amount for line in entitlement.breakdown) == entitlement.gross
    True

    .. versionadded:: 0.1.0
    """

    household_id: str
    month: Month
    gross: Decimal
    crds: Decimal
    net: Decimal
    _household: Household = attrs.field(alias="household", repr=False)
    _context: tuple[MonthLaw, EntitlementOptions] = attrs.field(
        alias="context", repr=False, eq=False
    )

    def _detail(self) -> Detail:
        law, options = self._context
        detail = Detail()
        gross_cents, _ = evaluate(self._household, law, options, detail)
        lines_cents = sum(line.cents for line in detail.lines)
        if _money(gross_cents) != self.gross or lines_cents != gross_cents:
            # An explicit check (not an assert): money must never be explained wrongly.
            raise AllocationsError(
                f"household {self.household_id!r}, {self.month}: the breakdown adds up to "
                f"{_money(lines_cents)} but the gross amount is {self.gross}"
            )
        return detail

    @functools.cached_property
    def breakdown(self) -> tuple[BreakdownLine, ...]:
        """The amounts that make up :attr:`gross`, each with its rule (built on demand)."""
        fmt = Formatter.get("fr_FR")
        detail = self._detail()
        return tuple(_breakdown_line(line, detail, fmt) for line in detail.lines)

    def explain(self, locale: str = "fr_FR") -> str:
        """A plain-text answer to "why this amount?", for a letter or a help desk.

        Args:
            locale: a Babel locale; French (``"fr_FR"``) by default, English for
                ``"en_GB"`` and any other non-French locale.

        Returns:
            Several lines: the household and month, each amount with its rule and article,
            the gross amount, the CRDS withheld and the net amount paid.

        Raises:
            TypeError: ``locale`` is not a string.
            InvalidInputError: Babel does not know ``locale``.

        >>> household = allocations.Household(
        ...     id="F-1", department="67", resources=Decimal("55000"),
        ...     children=(allocations.Child(birth_date=dt.date(2012, 3, 1)),
        ...               allocations.Child(birth_date=dt.date(2016, 9, 15))))
        >>> entitlement = allocations.allocations_familiales(household, allocations.Month(2024, 5))
        >>> print(entitlement.explain())
        Allocations familiales de mai 2024 — foyer F-1, Bas-Rhin (67)
          149,26 € base : 2 enfants à charge, tranche 1 (ressources 2022 de 55 000,00 € ≤ plafond de 74 966,00 €) : BMAF 466,44 € × 32 % = 149,26 € [CSS art. L521-1, D521-1 I, D521-3]
        Montant brut : 149,26 €
        CRDS : − 0,74 € (0,5 % de 149,26 €, tronqué au centime ; ordonnance n° 96-50 art. 14)
        Montant net versé : 148,52 €
        BMAF de 466,44 € en vigueur depuis le 1 avril 2024.

        .. versionadded:: 0.1.0
        """
        fmt = Formatter.get(locale)
        detail = self._detail()
        law, options = self._context
        household = self._household
        department = household.department
        out = [
            text(
                fmt,
                "heading",
                month=fmt.month(self.month),
                id=self.household_id,
                department=department.name,
                code=department.code,
            )
        ]
        for line in detail.lines:
            amount = _money(line.cents)
            out.append(
                text(
                    fmt,
                    "line",
                    amount=fmt.eur(amount),
                    label=label(line.component, fmt),
                    sentence=rule_sentence(line, amount, fmt, detail.exclusions),
                    reference=line.reference,
                )
            )
        out.append(text(fmt, "gross", amount=fmt.eur(self.gross)))
        if self.gross and not self.crds and not options.mayotte_crds:
            out.append(text(fmt, "no_crds"))
        elif self.crds or self.gross:
            how = text(fmt, "crds_per_line" if options.crds_per_component else "crds_on_total")
            out.append(
                text(
                    fmt,
                    "crds",
                    crds=fmt.eur(self.crds),
                    rate=fmt.rate(law.crds.value),
                    gross=fmt.eur(self.gross),
                    how=how,
                )
            )
        out.append(text(fmt, "net", amount=fmt.eur(self.net)))
        out.append(text(fmt, "bmaf", bmaf=fmt.eur(law.bmaf.value), since=fmt.date(law.bmaf.start)))
        if law.extended:
            out.append(text(fmt, "extended"))
        already_said = any(line.component == "nothing_due" for line in detail.lines)
        if detail.exclusions and not already_said:
            separator = text(fmt, "separator")
            children = separator.join(exclusion_sentence(item, fmt) for item in detail.exclusions)
            out.append(text(fmt, "not_counted", children=children))
        return "\n".join(out)

    def to_record(self) -> dict[str, object]:
        """The entitlement as JSON-ready data.

        Returns:
            ``{"id", "month", "gross", "crds", "net", "breakdown"}``; amounts are strings
            with two decimals, the month is ``"YYYY-MM"``, each breakdown line is
            ``{"component", "amount", "rule", "parameters", "legal_reference"}`` — the
            :attr:`breakdown`'s lines, assembled from texts cached by what they depend on
            (the same data, about 20 µs instead of building the breakdown).

        >>> household = allocations.Household(
        ...     id="F-1", department="67", resources=Decimal("55000"),
        ...     children=(allocations.Child(birth_date=dt.date(2012, 3, 1)),
        ...               allocations.Child(birth_date=dt.date(2016, 9, 15))))
        >>> record = allocations.allocations_familiales(household, allocations.Month(2024, 5)).to_record()
        >>> record["gross"], record["crds"], record["net"], record["breakdown"][0]["parameters"]["bmaf"]
        ('149.26', '0.74', '148.52', '466.44')

        .. versionadded:: 0.1.0
        """
        law, options = self._context
        record: dict[str, object] = json.loads(_record_json(self._household, law, options, self))
        return record


def _breakdown_line(line: Line, detail: Detail, fmt: Formatter) -> BreakdownLine:
    amount = _money(line.cents)
    return BreakdownLine(
        component=line.component,
        amount=amount,
        rule=rule_sentence(line, amount, fmt, detail.exclusions),
        parameters=_parameters(line.args, detail, line.component),
        legal_reference=line.reference,
    )


def _parameters(
    args: dict[str, object], detail: Detail, component: str
) -> tuple[tuple[str, str], ...]:
    pairs = [(name, parameter_text(value)) for name, value in args.items() if value is not None]
    if component == "nothing_due" and detail.exclusions:
        pairs.append(
            (
                "children_not_counted",
                "; ".join(
                    f"{item.child.birth_date.isoformat()} {item.reason}"
                    for item in detail.exclusions
                ),
            )
        )
    return tuple(pairs)


# --- records, from cached texts -----------------------------------------------------------

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

#: Written where the resources go when a line is rendered as a template. Resources are
#: never negative, so no real amount is written like it.
_RESOURCES_BLANK = Decimal("-918273645.19")
_NO_FILLS = ("", "")
_TEXT_LIMIT = 16_384


class _LineText(NamedTuple):
    """One breakdown line of a record, as compact JSON.

    When ``blank`` is true the line mentions the resources, once in its rule (written as
    ``55 000,00 €``) and once in its parameters (``55000.00``), and ``json`` holds the
    three texts around those two blanks; otherwise the whole line.
    """

    cents: int
    json: tuple[str, ...]
    blank: bool

    def filled(self, fills: tuple[str, str]) -> str:
        if self.blank:
            before, between, after = self.json
            return f"{before}{fills[0]}{between}{fills[1]}{after}"
        return self.json[0]


class _Records:
    """The record texts of one month's law and options, cached by line key (see
    :class:`~._compute.Shape`) and, when nothing in them depends on the resources, by
    household situation (département kind, children, Mayotte flag). Both caches are
    bounded; a miss renders with the breakdown's own code (:func:`_breakdown_line`)."""

    def __init__(self, law: MonthLaw, options: EntitlementOptions) -> None:
        self.law = law
        self.options = options
        self.month = str(law.month)
        self.fmt = Formatter.get("fr_FR")
        self._blank = (self.fmt.eur(_RESOURCES_BLANK), parameter_text(_RESOURCES_BLANK))
        self._by_key: dict[object, _LineText] = {}
        self._by_situation: dict[object, tuple[_LineText, ...]] = {}

    def lines(
        self, household: Household, gross: int, shape: Shape | None
    ) -> tuple[Sequence[_LineText], tuple[str, str]]:
        """The lines of ``household``'s record and the texts filling their blanks.

        Raises:
            AllocationsError: the lines do not add up to ``gross`` (an explicit check: money
                must never be explained wrongly).
        """
        texts: Sequence[_LineText]
        if shape is None or shape.whole:
            texts = self._situation(household)
        else:
            texts = self._keyed(household, shape)
        total = 0
        fills = _NO_FILLS
        for line in texts:
            total += line.cents
            if line.blank and fills is _NO_FILLS:
                resources = shape.resources if shape is not None else None
                if resources is None:
                    raise AllocationsError(
                        f"household {household.id!r}, {self.month}: a record line mentions "
                        "resources the computation did not use"
                    )
                fills = (self.fmt.eur(resources, once=True), parameter_text(resources))
        if total != gross:
            raise AllocationsError(
                f"household {household.id!r}, {self.month}: the breakdown adds up to "
                f"{_money(total)} but the gross amount is {_money(gross)}"
            )
        return texts, fills

    def _situation(self, household: Household) -> tuple[_LineText, ...]:
        key = (
            _KIND[household.department.code],
            household.children,
            household.mayotte_child_before_2012,
        )
        found = self._by_situation.get(key)
        if found is None:
            detail = self._general(household)
            found = tuple(self._direct(line, detail) for line in detail.lines)
            # Without resources in any line nothing else of the household is in the texts.
            if not any("resources" in line.args for line in detail.lines):
                _store(self._by_situation, key, found)
        return found

    def _keyed(self, household: Household, shape: Shape) -> list[_LineText]:
        cache = self._by_key
        texts: list[_LineText] = []
        detail: Detail | None = None
        for index, (_, _, key) in enumerate(shape.lines):
            found = cache.get(key) if key is not None else None
            if found is None:
                if detail is None:
                    detail = self._general(household)
                    _check_shape(household, shape, detail)
                line = detail.lines[index]
                template = None if key is None else self._template(line, detail)
                if template is None:
                    found = self._direct(line, detail)
                else:
                    found = template
                    _store(cache, key, found)
            texts.append(found)
        return texts

    def _general(self, household: Household) -> Detail:
        detail = Detail()
        evaluate(household, self.law, self.options, detail)
        return detail

    def _direct(self, line: Line, detail: Detail) -> _LineText:
        rendered = _breakdown_line(line, detail, self.fmt)
        return _LineText(line.cents, (_ENCODE(rendered.to_record()),), False)

    def _template(self, line: Line, detail: Detail) -> _LineText | None:
        """The line's text with blanks for the resources, or ``None`` if it cannot be one."""
        direct = self._direct(line, detail)
        resources = line.args.get("resources")
        if resources is None:
            return direct  # the same for every household of the key
        written, plain = self._blank
        rendered = _breakdown_line(
            line._replace(args={**line.args, "resources": _RESOURCES_BLANK}), detail, self.fmt
        )
        before, *after = _ENCODE(rendered.to_record()).split(written)
        if len(after) != 1 or plain in before or after[0].count(plain) != 1:
            return None  # not the expected layout: rendered for each household instead
        made = _LineText(line.cents, (before, *after[0].split(plain)), True)
        # The template filled in must give the line itself, or it is not a template.
        if made.filled((self.fmt.eur(resources), parameter_text(resources))) != direct.json[0]:
            raise AllocationsError(
                f"{line.component} line of {self.month}: its text depends on more than the "
                "resources and cannot be cached"
            )
        return made


def _store(cache: dict[object, _T], key: object, value: _T) -> None:
    if len(cache) >= _TEXT_LIMIT:
        cache.clear()
    cache[key] = value


def _check_shape(household: Household, shape: Shape, detail: Detail) -> None:
    fast = [(component, cents) for component, cents, _ in shape.lines]
    general = [(line.component, line.cents) for line in detail.lines]
    if fast != general:
        # An explicit check: the two paths must describe the same amounts.
        raise AllocationsError(
            f"household {household.id!r}: the fast computation found the lines {fast} but "
            f"the explained one {general}"
        )


_RECORDS: dict[tuple[MonthLaw, EntitlementOptions], _Records] = {}


def _records(law: MonthLaw, options: EntitlementOptions) -> _Records:
    found = _RECORDS.get((law, options))
    if found is None:
        if len(_RECORDS) >= 64:
            _RECORDS.clear()
        found = _RECORDS[law, options] = _Records(law, options)
    return found


def _amount_text(cents: int) -> str:
    """``f"{_money(cents):.2f}"``, without building the ``Decimal``."""
    if cents < 0:
        return f"{_money(cents):.2f}"
    return f"{cents // 100}.{cents % 100:02d}"


def record_json(household: Household, law: MonthLaw, options: EntitlementOptions) -> str:
    """``allocations_familiales(household, law.month).to_record()`` as compact JSON.

    Exactly the text of ``json.dumps(record, ensure_ascii=False, separators=(",", ":"))``,
    computed in one pass (the amounts and the lines together) from the cached texts:
    what the ``entitlements`` command writes for each household.

    Raises:
        AllocationsError: as :func:`allocations_familiales` (the household cannot be
            computed), or the record's lines do not add up to the gross amount.
    """
    return _record_json(household, law, options, None)


def _record_json(
    household: Household,
    law: MonthLaw,
    options: EntitlementOptions,
    entitlement: Entitlement | None,
) -> str:
    shape: Shape | None = Shape()
    cents = evaluate_fast(household, law, options, shape)
    if cents is None:
        shape, cents = None, evaluate(household, law, options)
    gross, crds = cents
    if entitlement is not None and _money(gross) != entitlement.gross:
        raise AllocationsError(
            f"household {household.id!r}, {law.month}: the record's gross amount "
            f"{_money(gross)} differs from the entitlement's {entitlement.gross}"
        )
    records = _records(law, options)
    texts, fills = records.lines(household, gross, shape)
    lines = ",".join([line.filled(fills) for line in texts])
    return (
        f'{{"id":{encode_basestring(household.id)},"month":"{records.month}",'
        f'"gross":"{_amount_text(gross)}","crds":"{_amount_text(crds)}",'
        f'"net":"{_amount_text(gross - crds)}","breakdown":[{lines}]}}'
    )


def _check_arguments(month: object, options: object) -> EntitlementOptions:
    if not isinstance(month, Month):
        raise TypeError(f"month must be an allocations.Month such as Month(2024, 5), got {month!r}")
    if options is None:
        return DEFAULT_OPTIONS
    if not isinstance(options, EntitlementOptions):
        raise TypeError(f"options must be an EntitlementOptions or None, got {options!r}")
    return options


_AMOUNTS: dict[tuple[int, int], tuple[Decimal, Decimal, Decimal]] = {}


def _entitle(household: Household, law: MonthLaw, options: EntitlementOptions) -> Entitlement:
    cents = evaluate_fast(household, law, options)
    if cents is None:
        cents = evaluate(household, law, options)
    amounts = _AMOUNTS.get(cents)
    if amounts is None:
        if len(_AMOUNTS) >= _MONEY_LIMIT:
            _AMOUNTS.clear()
        gross, crds = cents
        amounts = _AMOUNTS[cents] = (_money(gross), _money(crds), _money(gross - crds))
    return Entitlement(
        household.id, law.month, amounts[0], amounts[1], amounts[2], household, (law, options)
    )


def allocations_familiales(
    household: Household, month: Month, *, options: EntitlementOptions | None = None
) -> Entitlement:
    """The *allocations familiales* due to ``household`` for the benefit month ``month``.

    Implements L521-1 to L521-3, R521-1 to R521-4, D521-1 to D521-3, L755-12 / D755-5
    (overseas) and ordonnance 2002-149 art. 7 (Mayotte) with the timing of R552-2 / R552-3,
    the legal rounding and the CRDS (see the how-to *Compute allocations familiales*).

    Args:
        household: the household; its resources of year ``month.year - 2`` are used when
            the amount depends on them.
        month: the benefit month.
        options: the choices the law leaves open; :class:`EntitlementOptions` defaults
            when ``None``.

    Returns:
        The :class:`Entitlement`: gross, CRDS, net and the breakdown.

    Raises:
        TypeError: ``household``, ``month`` or ``options`` has the wrong type.
        LawNotInForceError: the law of ``month`` is not known (before April 2013, or after
            the last known month without ``extend_last_known``), or a parameter this
            household needs is not known for that month.
        UnsupportedTerritoryError: Saint-Pierre-et-Miquelon (975), or a Mayotte case the
            law does not settle (see :class:`MayottePolicy`).
        InvalidHouseholdError: the resources of year N-2 are needed and not given.

    >>> household = allocations.Household(
    ...     id="F-1", department="67", resources=Decimal("55000"),
    ...     children=(allocations.Child(birth_date=dt.date(2012, 3, 1)),
    ...               allocations.Child(birth_date=dt.date(2016, 9, 15))))
    >>> entitlement = allocations.allocations_familiales(household, allocations.Month(2024, 5))
    >>> entitlement.gross, entitlement.crds, entitlement.net
    (Decimal('149.26'), Decimal('0.74'), Decimal('148.52'))
    >>> [(line.component, line.amount) for line in entitlement.breakdown]
    [('base', Decimal('149.26'))]

    .. versionadded:: 0.1.0
    """
    if not isinstance(household, Household):
        raise TypeError(f"household must be an allocations.Household, got {household!r}")
    checked = _check_arguments(month, options)
    return _entitle(household, month_law(month, checked.extend_last_known), checked)


def compute_entitlements(
    households: Iterable[Household], month: Month, *, options: EntitlementOptions | None = None
) -> Iterator[Entitlement]:
    """The entitlements of many households for one month, lazily, in input order.

    The law of the month is resolved once, before the first household is read, so a month
    outside the known law raises at the call, not in the middle of a run. Memory stays
    constant in the number of households (nothing is kept between two).

    Args:
        households: any iterable of :class:`Household` (a reader's stream, a list…).
        month: the benefit month.
        options: as for :func:`allocations_familiales`.

    Returns:
        An iterator of :class:`Entitlement`, one per household.

    Raises:
        TypeError: ``month`` or ``options`` has the wrong type (at the call), or an item is
            not a ``Household`` (when it is reached).
        LawNotInForceError: the law of ``month`` is not known (at the call).
        UnsupportedTerritoryError: as for :func:`allocations_familiales`, when the
            household is reached.

    >>> households = [
    ...     allocations.Household(id=f"F-{number}", department="971", resources=Decimal("90000"),
    ...                           children=(allocations.Child(birth_date=dt.date(2010, 1, 1)),))
    ...     for number in range(3)]
    >>> [e.net for e in allocations.compute_entitlements(households, allocations.Month(2024, 5))]
    [Decimal('44.42'), Decimal('44.42'), Decimal('44.42')]

    .. versionadded:: 0.1.0
    """
    checked = _check_arguments(month, options)
    law = month_law(month, checked.extend_last_known)
    return _stream(households, law, checked)


def _stream(
    households: Iterable[Household], law: MonthLaw, options: EntitlementOptions
) -> Iterator[Entitlement]:
    for household in households:
        if not isinstance(household, Household):
            raise TypeError(f"households must yield allocations.Household, got {household!r}")
        yield _entitle(household, law, options)
