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
    "DuplicatePaymentError",
    "HouseholdFileError",
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


class DuplicatePaymentError(LedgerError, ValueError):
    """A second live payment would pay the same beneficiary, benefit and month twice.

    Raised when a REGULAR instruction is recorded while another attempt for the same
    (beneficiary, benefit, period) is still live (not rejected nor returned), or when an
    end-to-end id is put in a second payment file.
    """


class HouseholdFileError(InvalidInputError):
    """A line of a household file (JSON Lines or CSV) is malformed or breaks a rule.

    The message reads ``source:line: field 'name': value reason``; the parts are also
    attributes, so that a caller can write them to a rejects file.

    Attributes:
        source: the file's name as given (``"<stream>"`` for an unnamed stream).
        line: the 1-based line where the household starts.
        field: the field at fault (``"children[0].birth_date"``), or ``None`` for the whole
            line (bad JSON, bad CSV row).
        value: the offending value as read from the file; ``...`` (``Ellipsis``) when the
            field is missing, and the message then reads ``field 'name' is missing``.
        reason: the rule broken, e.g. ``"is not a date (YYYY-MM-DD)"``.

    >>> from allocations import HouseholdFileError
    >>> error = HouseholdFileError("households.jsonl", 17, "children[0].birth_date",
    ...                            "2012-13-01", "is not a date (YYYY-MM-DD)")
    >>> print(error)
    households.jsonl:17: field 'children[0].birth_date': '2012-13-01' is not a date (YYYY-MM-DD)

    .. versionadded:: 0.1.0
    """

    #: Longest ``repr`` of the offending value quoted in a message (a line can be huge).
    VALUE_LIMIT = 80

    def __init__(
        self, source: str, line: int, field: str | None, value: object, reason: str
    ) -> None:
        self.source = source
        self.line = line
        self.field = field
        self.value = value
        self.reason = reason
        if value is ...:
            super().__init__(f"{source}:{line}: field {field!r} {reason}")
            return
        shown = repr(value)
        if len(shown) > self.VALUE_LIMIT:
            shown = shown[: self.VALUE_LIMIT - 3] + "..."
        where = f"field {field!r}: " if field is not None else ""
        super().__init__(f"{source}:{line}: {where}{shown} {reason}")

    def __reduce__(
        self,
    ) -> tuple[type[HouseholdFileError], tuple[str, int, str | None, object, str]]:
        return (type(self), (self.source, self.line, self.field, self.value, self.reason))
