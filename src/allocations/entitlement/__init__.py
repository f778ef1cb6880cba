"""Households and their *allocations familiales* (public submodule)."""

from allocations.entitlement._household import Child, Custody, Holder, Household, Resources

__all__ = ["Child", "Custody", "Holder", "Household", "Resources"]
