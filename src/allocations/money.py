"""Amounts of money: ``Decimal`` euros in the API, integer cents in storage and files.

Binary floating point is refused everywhere (``TypeError``): a float cannot hold 0.10 €
exactly, and cent errors at the scale of a national run are real money.

Rounding rules are explicit and named after the rule they implement:

- :func:`round_to_cent` — *arrondi au centième d'euro le plus proche* (DSS revaluation
  instructions), half up;
- :func:`truncate_to_cent` — how the CRDS withheld on family benefits is rounded (down to
  the cent; reproduces every published CAF net amount, see LAW.md §13).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from allocations.errors import InvalidAmountError

__all__ = [
    "CENT",
    "ZERO",
    "crds_withheld",
    "from_cents",
    "parse_amount",
    "round_to_cent",
    "to_cents",
    "truncate_to_cent",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def parse_amount(value: object, field: str = "amount") -> Decimal:
    """Turn a ``Decimal``, ``int`` or decimal string into a ``Decimal``.

    Args:
        value: the amount; strings such as ``"55000.00"`` are accepted (readers use them).
        field: the field's name, quoted in error messages.

    Raises:
        TypeError: ``value`` is a ``float`` (or another unsupported type).
        InvalidAmountError: the string is not a finite decimal number.

    >>> parse_amount("149.26")
    Decimal('149.26')
    >>> parse_amount(0.1, field="resources")
    Traceback (most recent call last):
    ...
    TypeError: resources must be a Decimal, an int or a decimal string, not a float (0.1)
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise TypeError(f"{field} must be a Decimal, an int or a decimal string, not {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        raise TypeError(
            f"{field} must be a Decimal, an int or a decimal string, not a float ({value!r})"
        )
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidAmountError(f"{field} is not a decimal number: {value!r}") from None
    else:
        raise TypeError(
            f"{field} must be a Decimal, an int or a decimal string, not "
            f"{type(value).__name__} ({value!r})"
        )
    if not result.is_finite():
        raise InvalidAmountError(f"{field} must be a finite number, got {value!r}")
    return result


def round_to_cent(amount: Decimal) -> Decimal:
    """Round to the nearest cent, half up (*au centième d'euro le plus proche*).

    >>> round_to_cent(Decimal("41.2967")), round_to_cent(Decimal("0.125"))
    (Decimal('41.30'), Decimal('0.13'))
    """
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def truncate_to_cent(amount: Decimal) -> Decimal:
    """Round towards zero to the cent (used for the CRDS withheld on family benefits).

    >>> truncate_to_cent(Decimal("0.7463"))
    Decimal('0.74')
    """
    return amount.quantize(CENT, rounding=ROUND_DOWN)


def crds_withheld(gross: Decimal, rate_percent: Decimal = Decimal("0.5")) -> Decimal:
    """The CRDS withheld (*précomptée*) on a gross family benefit, truncated to the cent.

    Ordonnance 96-50 art. 14 sets the rate (0.5 %); truncating the product to the cent is
    what reproduces every published CAF net amount (LAW.md §13): 149.26 € gives 0.7463 €,
    so 0.74 € withheld and 148.52 € paid, where ordinary rounding would pay 148.51 €.

    Args:
        gross: the gross amount, already rounded to the cent.
        rate_percent: the CRDS rate in percent.

    Returns:
        The amount withheld, with two decimals.

    Raises:
        InvalidAmountError: ``gross`` or ``rate_percent`` is negative.

    >>> crds_withheld(Decimal("149.26"))
    Decimal('0.74')

    .. versionadded:: 0.1.0
    """
    if gross < 0 or rate_percent < 0:
        raise InvalidAmountError(
            f"the CRDS is withheld from a non-negative amount at a non-negative rate, got "
            f"gross {gross} and rate {rate_percent} %"
        )
    return truncate_to_cent(gross * rate_percent / 100)


def to_cents(amount: Decimal, field: str = "amount") -> int:
    """Exact integer cents of an amount that has at most two decimals.

    Raises:
        InvalidAmountError: the amount has a fraction of a cent.

    >>> to_cents(Decimal("148.52"))
    14852
    """
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise InvalidAmountError(f"{field} must be a whole number of cents, got {amount}")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """The ``Decimal`` euro amount of integer cents, with two decimals.

    >>> from_cents(14852)
    Decimal('148.52')
    """
    if type(cents) is not int:
        raise TypeError(f"cents must be an int, got {cents!r}")
    return (Decimal(cents) / 100).quantize(CENT)
