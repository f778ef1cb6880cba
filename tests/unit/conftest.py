"""Fixtures of the unit tests: the ledgers (defined in ``tests/conftest_ledgers.py``)."""

from tests.conftest_ledgers import ledger, make_ledger

__all__ = ["ledger", "make_ledger"]
