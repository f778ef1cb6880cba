"""Households and their *allocations familiales* (public submodule)."""

from allocations.entitlement._entitlement import (
    BreakdownLine,
    Entitlement,
    allocations_familiales,
    compute_entitlements,
)
from allocations.entitlement._household import Child, Custody, Holder, Household, Resources
from allocations.entitlement._options import EntitlementOptions, MayottePolicy

__all__ = [
    "BreakdownLine",
    "Child",
    "Custody",
    "Entitlement",
    "EntitlementOptions",
    "Holder",
    "Household",
    "MayottePolicy",
    "Resources",
    "allocations_familiales",
    "compute_entitlements",
]
