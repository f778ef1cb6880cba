"""The household model: who lives with whom, and the few facts the law needs.

Values are frozen and validated on construction, so an invalid household cannot exist.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from allocations.errors import InvalidHouseholdError
from allocations.money import parse_amount
from allocations.territory import Department

__all__ = ["Child", "Custody", "Holder", "Household", "Resources"]


class Custody(enum.Enum):
    """Who has the child in charge (*charge effective et permanente*, art. L521-2 CSS).

    .. versionadded:: 0.1.0
    """

    #: The child lives with this household only.
    FULL = "full"
    #: *Résidence alternée*, allowance shared by halves between the parents (L521-2 al. 2).
    SHARED = "shared"
    #: *Résidence alternée*, this parent designated as the single *allocataire* (R521-2).
    SHARED_SINGLE_RECIPIENT = "shared_single_recipient"
    #: Placed with the child-welfare service, the allowance kept by the family (L521-2 al. 4).
    PLACED_FAMILY = "placed_family"
    #: Placed, the allowance paid to the child-welfare service (L521-2 al. 4).
    PLACED_SERVICES = "placed_services"


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"birth_date must be a datetime.date, got {value!r}")
    return value


def _to_custody(value: Any) -> Custody:
    if isinstance(value, Custody):
        return value
    if isinstance(value, str):
        try:
            return Custody(value.strip().lower())
        except ValueError:
            pass
    allowed = ", ".join(c.value for c in Custody)
    raise InvalidHouseholdError(f"custody must be one of {allowed}; got {value!r}")


def _to_earnings(value: Any) -> Decimal:
    amount = parse_amount(value, "monthly_earnings")
    if amount < 0:
        raise InvalidHouseholdError(f"monthly_earnings must not be negative, got {amount}")
    return amount


@attrs.frozen
class Child:
    """A child of the household.

    Args:
        birth_date: the date of birth.
        custody: who has the child in charge; :attr:`Custody.FULL` by default.
        monthly_earnings: the child's net monthly pay (*rémunération*, art. R512-2 CSS),
            compared with the earnings cap after compulsory schooling. ``Decimal`` or a
            decimal string; a ``float`` raises ``TypeError``.
        housing_aid: whether the child receives a housing aid in his own name (then he is
            not *à charge*, art. L821-3 CCH).

    .. versionadded:: 0.1.0
    """

    birth_date: dt.date = attrs.field(converter=_to_date)
    custody: Custody = attrs.field(default=Custody.FULL, converter=_to_custody)
    monthly_earnings: Decimal = attrs.field(default=Decimal("0"), converter=_to_earnings)
    housing_aid: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))


@attrs.frozen
class Resources:
    """The household's annual resources in the CAF sense (*revenu net catégoriel*).

    Benefit months of year N use the resources of year N-2 (art. D521-3 CSS). Either one
    amount used for every year, or one amount per year.

    .. versionadded:: 0.1.0
    """

    flat: Decimal | None = None
    by_year: tuple[tuple[int, Decimal], ...] = ()

    def for_year(self, year: int) -> Decimal:
        """The resources of calendar year ``year`` (the reference year N-2).

        Raises:
            InvalidHouseholdError: resources are given per year and ``year`` is missing.
        """
        if self.flat is not None:
            return self.flat
        for known_year, amount in self.by_year:
            if known_year == year:
                return amount
        known = ", ".join(str(y) for y, _ in self.by_year) or "none"
        raise InvalidHouseholdError(
            f"resources for reference year {year} are missing (known years: {known})"
        )

    @classmethod
    def coerce(cls, value: Any) -> Resources:
        """Accept a ``Resources``, an amount, or a mapping of year to amount."""
        if isinstance(value, Resources):
            return value
        if isinstance(value, Mapping):
            pairs: list[tuple[int, Decimal]] = []
            for raw_year, raw_amount in value.items():
                try:
                    year = int(raw_year)
                except (TypeError, ValueError):
                    raise InvalidHouseholdError(
                        f"resources year must be a year such as 2023, got {raw_year!r}"
                    ) from None
                pairs.append((year, _non_negative(raw_amount, f"resources[{year}]")))
            if not pairs:
                raise InvalidHouseholdError("resources per year must name at least one year")
            return cls(by_year=tuple(sorted(pairs)))
        return cls(flat=_non_negative(value, "resources"))


def _to_resources(value: Any) -> Resources:
    return Resources.coerce(value)


def _non_negative(value: Any, field: str) -> Decimal:
    amount = parse_amount(value, field)
    if amount < 0:
        raise InvalidHouseholdError(f"{field} must not be negative, got {amount}")
    return amount


def _to_children(value: Iterable[Child]) -> tuple[Child, ...]:
    children = tuple(value)
    for child in children:
        if not isinstance(child, Child):
            raise TypeError(f"children must be Child values, got {child!r}")
    return children


def _non_empty_id(instance: Household, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"Household.id must be a string, got {value!r}")
    if not value.strip():
        raise InvalidHouseholdError(f"Household.id must not be empty, got {value!r}")


def _to_department(value: Any) -> Department:
    return value if isinstance(value, Department) else Department(value)


@attrs.frozen
class Holder:
    """The *allocataire* who receives the payment: name and bank account, as given.

    The IBAN and BIC are validated when a payment is planned, not here, so that entitlements
    can be computed for households whose bank details are not known yet.

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(validator=attrs.validators.instance_of(str))
    iban: str = attrs.field(validator=attrs.validators.instance_of(str))
    bic: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(str))
    )


@attrs.frozen
class Household:
    """A household (*foyer*) claiming family benefits.

    Args:
        id: the household's identifier at the paying body (*numéro d'allocataire*).
        department: where the household lives; a :class:`~allocations.Department` or a code.
        resources: annual resources (N-2) — one amount, a mapping of year to amount, or a
            :class:`Resources`. Decimal or decimal strings; ``float`` raises ``TypeError``.
        children: the children of the household.
        holder: who is paid, with the bank account; optional for entitlement computations.
        mayotte_child_before_2012: Mayotte only: a single child was already in charge in
            December 2011 (ordonnance 2002-149 art. 7 keeps that frozen amount).

    >>> import datetime as dt
    >>> from decimal import Decimal
    >>> from allocations import Child, Household
    >>> household = Household(id="F-1", department="67", resources=Decimal("55000"),
    ...                       children=(Child(birth_date=dt.date(2012, 3, 1)),))
    >>> household.department.name
    'Bas-Rhin'

    .. versionadded:: 0.1.0
    """

    id: str = attrs.field(validator=_non_empty_id)
    department: Department = attrs.field(converter=_to_department)
    resources: Resources = attrs.field(converter=_to_resources)
    children: tuple[Child, ...] = attrs.field(default=(), converter=_to_children)
    holder: Holder | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(Holder))
    )
    mayotte_child_before_2012: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )


# --- trusted construction -----------------------------------------------------------------
# The household-file readers check every field themselves, with messages naming the line
# and the field, before building the household; running the model's converters and
# validators again on the checked values would cost about as much again per line. These
# functions build the same frozen values without them, for fields that have passed the
# checks the constructors make (a test compares them with the constructors).

_new = object.__new__
_set = object.__setattr__

# A field added to the model must be added here too: fail at import, not with a half-built value.
if [field.name for field in attrs.fields(Holder)] != ["name", "iban", "bic"] or [
    field.name for field in attrs.fields(Household)
] != ["id", "department", "resources", "children", "holder", "mayotte_child_before_2012"]:
    raise ImportError("the trusted constructors no longer match Holder and Household")


def holder_from_checked(name: str, iban: str, bic: str | None) -> Holder:
    """``Holder(name, iban, bic)`` for strings (and ``None``) already checked."""
    holder = _new(Holder)
    _set(holder, "name", name)
    _set(holder, "iban", iban)
    _set(holder, "bic", bic)
    return holder


def household_from_checked(
    household_id: str,
    department: Department,
    resources: Resources,
    children: tuple[Child, ...],
    holder: Holder | None,
    mayotte_child_before_2012: bool,
) -> Household:
    """``Household(...)`` for fields already checked: ``household_id`` a non-blank ``str``,
    the others of exactly the types the fields hold (no conversion is made)."""
    household = _new(Household)
    _set(household, "id", household_id)
    _set(household, "department", department)
    _set(household, "resources", resources)
    _set(household, "children", children)
    _set(household, "holder", holder)
    _set(household, "mayotte_child_before_2012", mayotte_child_before_2012)
    return household
