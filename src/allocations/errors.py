"""The exception hierarchy of :mod:`allocations`.

Every error the library raises derives from :class:`AllocationsError` and from the builtin a
caller would naturally catch (``ValueError`` for bad input, ``LookupError`` for something that
is not known). Every message names the offending value and the rule it broke.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

__all__ = [
    "AllocationsError",
    "CalendarRangeError",
    "ConfigurationError",
    "IdempotencyConflictError",
    "IllegalTransitionError",
    "InvalidAmountError",
    "InvalidBicError",
    "InvalidDepartmentError",
    "InvalidHouseholdError",
    "InvalidIbanError",
    "InvalidInputError",
    "InvalidMonthError",
    "Iso20022Error",
    "LawNotInForceError",
    "LedgerError",
    "PreflightError",
    "SepaValidationError",
    "UnknownInstructionError",
    "UnsupportedTerritoryError",
]


class AllocationsError(Exception):
    """Base class of every error raised by :mod:`allocations`."""


class InvalidInputError(AllocationsError, ValueError):
    """A value given to the library is malformed or breaks a rule."""


class InvalidDepartmentError(InvalidInputError):
    """A département code is not one of the INSEE codes the library knows."""


class InvalidMonthError(InvalidInputError):
    """A month is malformed (``"2024-13"``) or out of range."""


class InvalidAmountError(InvalidInputError):
    """An amount of money is malformed, negative where it must not be, or not in cents."""


class InvalidHouseholdError(InvalidInputError):
    """A household or a child breaks a rule of the model (duplicate id, bad field)."""


class InvalidIbanError(InvalidInputError):
    """An IBAN fails its length, country or mod-97 check. The message masks the IBAN."""


class InvalidBicError(InvalidInputError):
    """A BIC is not 8 or 11 characters of the ISO 9362 form."""


class ConfigurationError(InvalidInputError):
    """An organisation configuration file or option is missing or invalid."""


class CalendarRangeError(AllocationsError, ValueError):
    """A year is outside the range for which the calendar rules are known."""


class LawNotInForceError(AllocationsError, LookupError):
    """No legal parameter is known for the requested date or month."""


class UnsupportedTerritoryError(AllocationsError, LookupError):
    """The law of that territory is out of scope (Saint-Pierre-et-Miquelon, Mayotte details)."""


class LedgerError(AllocationsError):
    """A ledger operation failed; nothing of the batch was written."""


class IdempotencyConflictError(LedgerError, ValueError):
    """An instruction's business key is already recorded with different content."""


class IllegalTransitionError(LedgerError, ValueError):
    """A lifecycle transition is not allowed from the instruction's current state."""


class UnknownInstructionError(LedgerError, LookupError):
    """An identifier is not known to the ledger."""


class PreflightError(AllocationsError):
    """The pre-flight guard found unexplained differences with the previous month."""


class Iso20022Error(AllocationsError, ValueError):
    """An ISO 20022 message cannot be produced or read."""


class SepaValidationError(Iso20022Error):
    """A pain.001 message breaks the XSD or a SEPA rule."""
