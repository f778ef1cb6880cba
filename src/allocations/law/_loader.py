"""Read the law's TOML files into a :class:`~allocations.law.LawBook`.

The shipped files live in ``allocations/law/data`` and are read through
:mod:`importlib.resources`, so they work from a wheel, a zip or a source tree. Decimals are
parsed with ``tomllib.loads(..., parse_float=Decimal)``: a rate of ``20.234`` is exactly
``Decimal("20.234")``, never the binary float nearest to it.

File format: any table holding a ``values`` array is a parameter; its dotted path is its
name. A parameter table has ``description``, ``unit``, ``reference`` and optionally
``known_until``; each value has ``start``, ``value``, ``reference``, ``last_checked`` and
optionally ``note`` and ``uncertain``.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from typing import Any

from allocations.errors import ConfigurationError
from allocations.law._model import LawBook, Parameter, ParameterValue

__all__ = ["DATA_FILES", "UNITS", "load_law", "parse_law"]

#: The shipped parameter files, in ``allocations/law/data``.
DATA_FILES: tuple[str, ...] = (
    "bmaf.toml",
    "rates.toml",
    "ceilings.toml",
    "children.toml",
    "crds.toml",
    "overseas.toml",
    "mayotte.toml",
)

#: Units a parameter may declare.
UNITS: frozenset[str] = frozenset(
    {"EUR", "EUR/hour", "percent", "ratio", "hours", "years", "months", "children"}
)


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def _date(table: Mapping[str, Any], key: str, where: str) -> dt.date:
    value = table.get(key)
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ConfigurationError(f"{where}: {key!r} must be a TOML date, got {value!r}")
    return value


def _decimal(table: Mapping[str, Any], where: str) -> Decimal:
    value = table.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ConfigurationError(f"{where}: 'value' must be a number, got {value!r}")
    return Decimal(value)


def _parameter(name: str, table: Mapping[str, Any], source: str) -> Parameter:
    where = f"{source}: {name}"
    unit = _text(table, "unit", where)
    if unit not in UNITS:
        raise ConfigurationError(f"{where}: unit {unit!r} is not one of {sorted(UNITS)}")
    raw_values = table["values"]
    if not isinstance(raw_values, list) or not raw_values:
        raise ConfigurationError(f"{where}: 'values' must be a non-empty array of tables")
    values: list[ParameterValue] = []
    for position, raw in enumerate(raw_values):
        at = f"{where}.values[{position}]"
        if not isinstance(raw, dict):
            raise ConfigurationError(f"{at}: must be a table, got {raw!r}")
        uncertain = raw.get("uncertain", False)
        if not isinstance(uncertain, bool):
            raise ConfigurationError(f"{at}: 'uncertain' must be true or false, got {uncertain!r}")
        note = raw.get("note", "")
        if not isinstance(note, str):
            raise ConfigurationError(f"{at}: 'note' must be a string, got {note!r}")
        value = ParameterValue(
            start=_date(raw, "start", at),
            value=_decimal(raw, at),
            reference=_text(raw, "reference", at),
            last_checked=_date(raw, "last_checked", at),
            note=note,
            uncertain=uncertain,
        )
        if values and value.start <= values[-1].start:
            raise ConfigurationError(
                f"{at}: start {value.start.isoformat()} must come after "
                f"{values[-1].start.isoformat()} (values are listed in date order)"
            )
        values.append(value)
    known_until = table.get("known_until")
    if known_until is not None:
        known_until = _date(table, "known_until", where)
        if known_until < values[-1].start:
            raise ConfigurationError(
                f"{where}: known_until {known_until.isoformat()} is before the last value's "
                f"start {values[-1].start.isoformat()}"
            )
    return Parameter(
        name=name,
        description=_text(table, "description", where),
        unit=unit,
        reference=_text(table, "reference", where),
        values=tuple(values),
        known_until=known_until,
    )


def _collect(
    table: Mapping[str, Any], prefix: str, source: str, into: dict[str, Parameter]
) -> None:
    for key, value in table.items():
        if not isinstance(value, dict):
            continue
        name = f"{prefix}.{key}" if prefix else key
        if "values" in value:
            if name in into:
                raise ConfigurationError(f"{source}: parameter {name!r} is defined twice")
            into[name] = _parameter(name, value, source)
        else:
            _collect(value, name, source, into)


def parse_law(documents: Mapping[str, str]) -> LawBook:
    """Build a :class:`LawBook` from TOML texts (pure: no file is read).

    Args:
        documents: TOML text by source name (the name is quoted in error messages).

    Returns:
        The parameters of every document.

    Raises:
        ConfigurationError: a document is not valid TOML, a parameter is malformed, or a
            name is defined twice.

    >>> from allocations.law import parse_law
    >>> law = parse_law({"x.toml": '''
    ... [crds.rate]
    ... description = "CRDS"
    ... unit = "percent"
    ... reference = "ordonnance 96-50 art. 14"
    ... [[crds.rate.values]]
    ... start = 1997-01-01
    ... value = 0.5
    ... reference = "ordonnance 96-50 art. 14 IV"
    ... last_checked = 2026-11-28
    ... '''})
    >>> law["crds.rate"].values[0].value
    Decimal('0.5')

    .. versionadded:: 0.1.0
    """
    parameters: dict[str, Parameter] = {}
    for source, text in documents.items():
        try:
            data = tomllib.loads(text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as error:
            raise ConfigurationError(f"{source} is not valid TOML: {error}") from None
        for name, parameter in _collect_all(data, source).items():
            if name in parameters:
                raise ConfigurationError(f"{source}: parameter {name!r} is defined twice")
            parameters[name] = parameter
    return LawBook(parameters=parameters)


def _collect_all(data: Mapping[str, Any], source: str) -> dict[str, Parameter]:
    found: dict[str, Parameter] = {}
    _collect(data, "", source, found)
    return found


@functools.cache
def load_law() -> LawBook:
    """The law shipped with the library (read once, then cached).

    Returns:
        Every parameter of ``allocations/law/data/*.toml``.

    Raises:
        ConfigurationError: a shipped file is missing or malformed (a packaging defect).

    >>> from allocations.law import load_law
    >>> load_law()["af.rate.forfait.t3"].values[0].value
    Decimal('5.059')

    .. versionadded:: 0.1.0
    """
    folder = resources.files("allocations.law").joinpath("data")
    documents: dict[str, str] = {}
    for name in DATA_FILES:
        try:
            documents[name] = folder.joinpath(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigurationError(
                f"the law file {name!r} is missing from the installed package"
            ) from None
    return parse_law(documents)
