"""allocations: resilient benefit-payment primitives.

The public façade: every name users rely on is re-exported here. No logic lives in this file.
"""

from allocations.entitlement import Child, Custody, Holder, Household, Resources
from allocations.errors import (
    AllocationsError,
    CalendarRangeError,
    ConfigurationError,
    IdempotencyConflictError,
    IllegalTransitionError,
    InvalidAmountError,
    InvalidBicError,
    InvalidDepartmentError,
    InvalidHouseholdError,
    InvalidIbanError,
    InvalidInputError,
    InvalidMonthError,
    Iso20022Error,
    LawNotInForceError,
    LedgerError,
    PreflightError,
    SepaValidationError,
    UnknownInstructionError,
    UnsupportedTerritoryError,
)
from allocations.periods import Month
from allocations.territory import Department, Regime

__version__ = "0.1.0.dev0"

__all__ = [
    "AllocationsError",
    "CalendarRangeError",
    "Child",
    "ConfigurationError",
    "Custody",
    "Department",
    "Holder",
    "Household",
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
    "Month",
    "PreflightError",
    "Regime",
    "Resources",
    "SepaValidationError",
    "UnknownInstructionError",
    "UnsupportedTerritoryError",
    "__version__",
]
