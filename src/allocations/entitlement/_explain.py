"""Sentences that say why an amount is due, in French (the default) or English.

The breakdown's ``rule`` is always the French sentence (the language of the law and of the
CAF notices); :meth:`Entitlement.explain` renders the same facts in the caller's locale.
Amounts and dates go through Babel (``format_currency``, ``format_date``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from allocations.entitlement._compute import Exclusion, Line
from allocations.errors import InvalidInputError
from allocations.periods import Month

__all__ = [
    "TEXTS",
    "Formatter",
    "exclusion_sentence",
    "label",
    "parameter_text",
    "rule_sentence",
    "text",
]


_CACHE_LIMIT = 50_000

# Amounts Babel must write the same way as the fast path: both ends of the grouping, the
# cents, the largest amounts a household file holds.
_CALIBRATION = tuple(
    Decimal(text)
    for text in (
        *("0", "0.05", "7.5", "12.34", "999.99", "1000", "65432.1", "100000", "1E+3"),
        "999999999999.99",
    )
)


def _currency_layout(locale: Locale) -> tuple[str, str, str] | None:
    """The group separator, decimal sign and suffix Babel uses for euros in ``locale``, when
    its amounts read ``1<g>234<g>567<d>89<suffix>`` (French: narrow no-break spaces, a
    comma, a no-break space and the sign); ``None`` for any other layout (English: €1,234).

    With them :meth:`Formatter.eur` writes an amount of whole cents in about a microsecond
    instead of Babel's tens, identically: the layout is accepted only if Babel writes every
    calibration amount the same way.
    """
    probe = format_currency(Decimal("1234567.89"), "EUR", locale=locale)
    match = re.fullmatch(r"1(?P<g>\D)234(?P=g)567(\D)89(\D+)", probe)
    if match is None:
        return None
    group, decimal, suffix = match.groups()
    for value in _CALIBRATION:
        if _layout_eur(value, group, decimal, suffix) != format_currency(
            value, "EUR", locale=locale
        ):
            return None
    return group, decimal, suffix


def _layout_eur(value: Decimal, group: str, decimal: str, suffix: str) -> str | None:
    """``value`` written with a currency layout, or ``None`` if it needs rounding (Babel's)."""
    whole, _, fraction = format(value, "f").partition(".")
    if len(fraction) > 2 or not whole.isdigit():  # to be rounded, negative or not finite
        return None
    if len(whole) > 3:
        whole = f"{int(whole):,}".replace(",", group)
    return f"{whole}{decimal}{fraction:0<2}{suffix}"


class Formatter:
    """Locale-aware amounts, rates and dates (Babel), memoised: a run formats the same few
    amounts millions of times and Babel takes tens of microseconds per call."""

    _by_locale: dict[str, Formatter] = {}  # noqa: RUF012 - a class-level registry

    def __init__(self, locale: str) -> None:
        if not isinstance(locale, str):
            raise TypeError(f"locale must be a string such as 'fr_FR', got {locale!r}")
        try:
            self.locale = Locale.parse(locale)
        except (UnknownLocaleError, ValueError):
            raise InvalidInputError(
                f"locale {locale!r} is not a locale Babel knows (use e.g. 'fr_FR' or 'en_GB')"
            ) from None
        self.french = self.locale.language == "fr"
        self._texts: dict[tuple[str, object], str] = {}
        self._layout = _currency_layout(self.locale)

    @classmethod
    def get(cls, locale: str) -> Formatter:
        """The shared formatter of a locale."""
        found = cls._by_locale.get(locale) if isinstance(locale, str) else None
        if found is None:
            found = cls(locale)
            if len(cls._by_locale) < 64:
                cls._by_locale[locale] = found
        return found

    def _memo(self, kind: str, value: object, render: Callable[[], str]) -> str:
        key = (kind, value)
        found = self._texts.get(key)
        if found is None:
            if len(self._texts) >= _CACHE_LIMIT:
                self._texts.clear()
            found = self._texts[key] = render()
        return found

    def eur(self, amount: object, *, once: bool = False) -> str:
        """``amount`` in euros; ``once``: a value unlikely to come again (resources), not
        kept in the memo when it can be written without Babel."""
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
        if once and self._layout is not None:
            text = _layout_eur(value, *self._layout)
            if text is not None:
                return text
        # The sign is part of the key: -0 == 0, yet Babel writes "-0,00 €".
        return self._memo("eur", (value, value.is_signed()), lambda: self._eur(value))

    def _eur(self, value: Decimal) -> str:
        if self._layout is not None:
            text = _layout_eur(value, *self._layout)
            if text is not None:
                return text
        return format_currency(value, "EUR", locale=self.locale)

    def number(self, value: object) -> str:
        number = Decimal(str(value))
        return self._memo(
            "number",
            number,
            lambda: format_decimal(number, locale=self.locale, decimal_quantization=False),
        )

    def rate(self, value: object) -> str:
        space = "\u00a0" if self.french else ""
        return f"{self.number(value)}{space}%"

    def date(self, day: object) -> str:
        if not isinstance(day, dt.date):
            raise TypeError(f"expected a date, got {day!r}")
        return self._memo("date", day, lambda: format_date(day, format="long", locale=self.locale))

    def month(self, month: object) -> str:
        if not isinstance(month, Month):
            raise TypeError(f"expected a Month, got {month!r}")
        return self._memo(
            "month",
            month,
            lambda: format_date(month.first_day, format="MMMM y", locale=self.locale),
        )


def label(component: str, fmt: Formatter) -> str:
    """The name of a breakdown component in the formatter's language."""
    key = f"label:{component}"
    return text(fmt, key) if key in TEXTS else component


def parameter_text(value: object) -> str:
    """A parameter as a plain, locale-independent string (for JSON records)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _tranche_reason(args: dict[str, object], fmt: Formatter) -> str:
    if not args.get("modulated"):
        return (
            " (sans modulation selon les ressources)"
            if fmt.french
            else " (no modulation by resources)"
        )
    tranche = args["tranche"]
    year = args["resources_year"]
    resources = fmt.eur(args["resources"])
    low, high = fmt.eur(args["ceiling_tranche_1"]), fmt.eur(args["ceiling_tranche_2"])
    if fmt.french:
        if tranche == 1:
            return f" (ressources {year} de {resources} ≤ plafond de {low})"
        if tranche == 2:
            return f" (ressources {year} de {resources} > {low} et ≤ {high})"
        return f" (ressources {year} de {resources} > plafond de {high})"
    if tranche == 1:
        return f" ({year} resources {resources} ≤ ceiling {low})"
    if tranche == 2:
        return f" ({year} resources {resources} > {low} and ≤ {high})"
    return f" ({year} resources {resources} > ceiling {high})"


def _share(args: dict[str, object], amount: Decimal, fmt: Formatter) -> str:
    share = args.get("share")
    if share is None or share == 1:
        return ""
    if share == 0:
        return (
            f" ; part versée au service de l'aide sociale à l'enfance : {fmt.eur(amount)}"
            if fmt.french
            else f"; share paid to the child-welfare service: {fmt.eur(amount)}"
        )
    return (
        f" ; moitié en résidence alternée : {fmt.eur(amount)}"
        if fmt.french
        else f"; halved under shared custody: {fmt.eur(amount)}"
    )


def _base(args: dict[str, object], amount: Decimal, fmt: Formatter) -> str:
    children = args["children"]
    product = (
        f"BMAF {fmt.eur(args['bmaf'])} × {fmt.rate(args['rate_percent'])} = "
        f"{fmt.eur(args['full_amount'])}"
    )
    average = args.get("average_children")
    if fmt.french:
        text = f"{children} enfants à charge, tranche {args['tranche']}"
        text += _tranche_reason(args, fmt) + " : " + product
        if average is not None:
            text += (
                f" ; résidence alternée ou placement : × {fmt.number(average)} / {children} "
                f"= {fmt.eur(amount)}"
            )
        return text
    text = f"{children} dependent children, tranche {args['tranche']}"
    text += _tranche_reason(args, fmt) + ": " + product
    if average is not None:
        text += f"; shared custody or placement: × {fmt.number(average)} / {children} = {fmt.eur(amount)}"
    return text


def _majoration(args: dict[str, object], amount: Decimal, fmt: Formatter) -> str:
    born, age, since = (
        fmt.date(args["child_birth_date"]),
        args["age"],
        fmt.month(args["from_month"]),
    )
    product = (
        f"BMAF {fmt.eur(args['bmaf'])} × {fmt.rate(args['rate_percent'])} = "
        f"{fmt.eur(args['full_amount'])}"
    )
    tranche = args.get("tranche")
    if fmt.french:
        text = f"enfant né le {born}, {age} ans révolus (due depuis {since})"
        if tranche is not None:
            text += f", tranche {tranche}"
        return text + " : " + product + _share(args, amount, fmt)
    text = f"child born {born}, aged {age} (due since {since})"
    if tranche is not None:
        text += f", tranche {tranche}"
    return text + ": " + product + _share(args, amount, fmt)


def _forfait(args: dict[str, object], amount: Decimal, fmt: Formatter) -> str:
    born = fmt.date(args["child_birth_date"])
    start, last = fmt.month(args["twentieth_birthday_month"]), fmt.month(args["last_month"])
    product = (
        f"BMAF {fmt.eur(args['bmaf'])} × {fmt.rate(args['rate_percent'])} = "
        f"{fmt.eur(args['full_amount'])}"
    )
    before = args["children_before"]
    if fmt.french:
        return (
            f"enfant né le {born}, 20 ans en {start} (due de {start} à {last} ; "
            f"{before} enfants à charge le mois précédant ses 20 ans), tranche {args['tranche']}"
            f"{_tranche_reason(args, fmt)} : {product}{_share(args, amount, fmt)}"
        )
    return (
        f"child born {born}, 20 in {start} (due from {start} to {last}; {before} dependent "
        f"children the month before the 20th birthday), tranche {args['tranche']}"
        f"{_tranche_reason(args, fmt)}: {product}{_share(args, amount, fmt)}"
    )


def _complement(args: dict[str, object], amount: Decimal, fmt: Formatter) -> str:
    resources, ceiling = fmt.eur(args["resources"]), fmt.eur(args["ceiling"])
    monthly, uncapped = fmt.eur(args["monthly_amount"]), fmt.eur(args["uncapped"])
    formula = f"({ceiling} + 12 × {monthly} − {resources}) / 12"
    capped = isinstance(args["uncapped"], Decimal) and amount < args["uncapped"]
    if fmt.french:
        if args["uncapped"] == 0:
            return (
                f"nul : les ressources {args['resources_year']} ({resources}) dépassent le "
                f"plafond ({ceiling}) de plus de 12 × {monthly}"
            )
        text = f"ressources {args['resources_year']} au-dessus du plafond : {formula} = {uncapped}"
        if capped:
            text += (
                f", limité à {fmt.eur(amount)} pour ne pas dépasser le montant de la tranche "
                "inférieure"
            )
        return text
    if args["uncapped"] == 0:
        return (
            f"none: the {args['resources_year']} resources ({resources}) exceed the ceiling "
            f"({ceiling}) by more than 12 × {monthly}"
        )
    text = f"{args['resources_year']} resources above the ceiling: {formula} = {uncapped}"
    if capped:
        text += f", capped at {fmt.eur(amount)} so as not to exceed the tranche below"
    return text


def _overseas(args: dict[str, object], amount: Decimal, fmt: Formatter) -> str:
    product = (
        f"BMAF {fmt.eur(args['bmaf'])} × {fmt.rate(args['rate_percent'])} = "
        f"{fmt.eur(args['full_amount'])}"
    )
    if fmt.french:
        return (
            "un seul enfant à charge outre-mer, sans condition de ressources : "
            + product
            + _share(args, amount, fmt)
        )
    return (
        "a single dependent child overseas, not means-tested: "
        + product
        + _share(args, amount, fmt)
    )


def _mayotte(args: dict[str, object], amount: Decimal, fmt: Formatter) -> str:
    children = args["children"]
    average = args.get("average_children")
    rate = args.get("rate_percent")
    if rate is None:
        product = fmt.eur(args["full_amount"])
        text = (
            f"enfant unique à charge depuis décembre 2011 : montant de décembre 2011 maintenu, {product}"
            if fmt.french
            else f"single child in charge since December 2011: the December 2011 amount, kept: {product}"
        )
    else:
        product = (
            f"BMAF {fmt.eur(args['bmaf'])} × {fmt.rate(rate)} = {fmt.eur(args['full_amount'])}"
        )
        text = (
            f"{children} enfant(s) à charge, barème {args['year']} : {product}"
            if fmt.french
            else f"{children} dependent child(ren), {args['year']} scale: {product}"
        )
        if args.get("flag_ignored"):
            text += (
                " (l'enfant à charge est né après novembre 2011 : le montant gelé ne s'applique pas)"
                if fmt.french
                else " (the child was born after November 2011: the frozen amount does not apply)"
            )
    if average is not None:
        text += (
            f" ; × {fmt.number(average)} / {children} = {fmt.eur(amount)}"
            if fmt.french
            else f"; × {fmt.number(average)} / {children} = {fmt.eur(amount)}"
        )
    return text


def _mayotte_supplements(args: dict[str, object], amount: Decimal, fmt: Formatter) -> str:
    if fmt.french:
        return (
            "majorations pour âge et allocation forfaitaire non calculées : leurs règles à "
            "Mayotte ne sont pas établies (option MayottePolicy.BASE_ONLY)"
        )
    return (
        "age supplements and flat allowance not computed: their rules in Mayotte are not "
        "established (option MayottePolicy.BASE_ONLY)"
    )


#: Sentences in French and English, by key (``str.format`` fields).
TEXTS: dict[str, tuple[str, str]] = {
    "born_this_month": (
        "l'enfant né le {born} compte à partir du mois suivant sa naissance (art. R552-2)",
        "the child born {born} counts from the month after the birth (art. R552-2)",
    ),
    "not_born": (
        "l'enfant né le {born} n'est pas encore né ce mois-là",
        "the child born {born} is not born yet in that month",
    ),
    "age_limit": (
        "l'enfant né le {born} a atteint 20 ans en {limit_month} (art. R512-2, R552-3)",
        "the child born {born} turned 20 in {limit_month} (art. R512-2, R552-3)",
    ),
    "housing_aid": (
        "l'enfant né le {born} perçoit une aide au logement à son nom (CCH art. L821-3)",
        "the child born {born} receives a housing aid in his own name (CCH art. L821-3)",
    ),
    "earnings": (
        "l'enfant né le {born} gagne {earnings} par mois, plus que le plafond de "
        "{earnings_cap} (art. R512-2)",
        "the child born {born} earns {earnings} a month, more than the cap of {earnings_cap} "
        "(art. R512-2)",
    ),
    "forfait_family_size": (
        "l'enfant né le {born} a eu 20 ans en {twentieth_birthday_month} ; pas d'allocation "
        "forfaitaire : {children_before} enfant(s) à charge le mois précédent, il en faut "
        "{minimum_children} (art. L521-1 al. 2)",
        "the child born {born} turned 20 in {twentieth_birthday_month}; no flat allowance: "
        "{children_before} dependent child(ren) the month before, {minimum_children} needed "
        "(art. L521-1 al. 2)",
    ),
    "heading": (
        "Allocations familiales de {month} — foyer {id}, {department} ({code})",
        "Allocations familiales for {month} — household {id}, {department} ({code})",
    ),
    "line": (
        "  {amount} {label} : {sentence} [{reference}]",
        "  {amount} {label}: {sentence} [{reference}]",
    ),
    "gross": ("Montant brut : {amount}", "Gross amount: {amount}"),
    "crds": (
        "CRDS : − {crds} ({rate} de {gross}, {how} ; ordonnance n° 96-50 art. 14)",
        "CRDS: − {crds} ({rate} of {gross}, {how}; ordonnance n° 96-50 art. 14)",
    ),
    "no_crds": (
        "CRDS non précomptée (Mayotte, option mayotte_crds=False)",
        "No CRDS withheld (Mayotte, option mayotte_crds=False)",
    ),
    "crds_on_total": ("tronqué au centime", "truncated to the cent"),
    "crds_per_line": (
        "tronqué au centime, sur chaque ligne",
        "truncated to the cent, line by line",
    ),
    "net": ("Montant net versé : {amount}", "Net amount paid: {amount}"),
    "bmaf": (
        "BMAF de {bmaf} en vigueur depuis le {since}.",
        "BMAF of {bmaf} in force since {since}.",
    ),
    "extended": (
        "Attention : mois au-delà de la loi connue, derniers paramètres connus prolongés.",
        "Warning: month beyond the known law, last known parameters extended.",
    ),
    "not_counted": ("Enfants non comptés : {children}", "Children not counted: {children}"),
    "separator": (" ; ", "; "),
    # Names of the breakdown components.
    "label:base": ("base", "base allowance"),
    "label:majoration": ("majoration pour âge", "age supplement"),
    "label:forfait": ("allocation forfaitaire", "20-year-old flat allowance"),
    "label:complement_degressif": ("complément dégressif", "tapering top-up"),
    "label:complement_degressif_forfait": (
        "complément dégressif de l'allocation forfaitaire",
        "tapering top-up of the flat allowance",
    ),
    "label:overseas_single_child": ("enfant unique outre-mer", "single child overseas"),
    "label:overseas_single_child_majoration": (
        "majoration de l'enfant unique outre-mer",
        "single-child age supplement overseas",
    ),
    "label:mayotte_base": ("barème de Mayotte", "Mayotte scale"),
    "label:mayotte_frozen_single_child": ("montant gelé de Mayotte", "Mayotte frozen amount"),
    "label:mayotte_supplements_not_computed": ("Mayotte", "Mayotte"),
    "label:nothing_due": ("rien n'est dû", "nothing due"),
}


def text(fmt: Formatter, key: str, **values: object) -> str:
    """The sentence ``key`` in the formatter's language, with ``values`` filled in."""
    french, english = TEXTS[key]
    return (french if fmt.french else english).format(**values)


def exclusion_sentence(exclusion: Exclusion, fmt: Formatter) -> str:
    """Why one child does not count this month."""
    values: dict[str, object] = {"born": fmt.date(exclusion.child.birth_date)}
    for name, value in exclusion.args.items():
        if isinstance(value, Month):
            values[name] = fmt.month(value)
        elif isinstance(value, Decimal):
            values[name] = fmt.eur(value)
        else:
            values[name] = value
    return text(fmt, exclusion.reason, **values)


def _nothing_due(args: dict[str, object], fmt: Formatter, exclusions: Sequence[Exclusion]) -> str:
    reason = args["reason"]
    if fmt.french:
        sentence = (
            "aucun enfant à charge ce mois-ci"
            if reason == "no_child"
            else "un seul enfant à charge en métropole : les allocations familiales sont dues "
            f"à partir du {args['minimum_children']}e enfant (art. L521-1)"
        )
    else:
        sentence = (
            "no dependent child this month"
            if reason == "no_child"
            else "a single dependent child in metropolitan France: the allowance is due from "
            f"the {args['minimum_children']}nd child (art. L521-1)"
        )
    if exclusions:
        separator = TEXTS["separator"][0 if fmt.french else 1]
        sentence += separator + separator.join(exclusion_sentence(item, fmt) for item in exclusions)
    return sentence


_RULES: dict[str, Callable[[dict[str, object], Decimal, Formatter], str]] = {
    "base": _base,
    "majoration": _majoration,
    "forfait": _forfait,
    "complement_degressif": _complement,
    "complement_degressif_forfait": _complement,
    "overseas_single_child": _overseas,
    "overseas_single_child_majoration": _majoration,
    "mayotte_base": _mayotte,
    "mayotte_frozen_single_child": _mayotte,
    "mayotte_supplements_not_computed": _mayotte_supplements,
}


def rule_sentence(
    line: Line, amount: Decimal, fmt: Formatter, exclusions: Sequence[Exclusion] = ()
) -> str:
    """The human sentence of one breakdown line."""
    if line.component == "nothing_due":
        return _nothing_due(line.args, fmt, exclusions)
    return _RULES[line.component](line.args, amount, fmt)
