"""Adapters: where the library meets files and databases (the only I/O outside ``cli``).

Import the submodule you need; this package imports none of them, so that reading a
household file never loads a database driver:

- :mod:`allocations.adapters.households` — JSON Lines and CSV household files (streaming);
- :mod:`allocations.adapters.files` — the atomic file sink (temporary file, ``fsync``,
  rename);
- :mod:`allocations.adapters.sqlite_ledger`, :mod:`allocations.adapters.postgres_ledger`,
  :mod:`allocations.adapters.ledger_url` — the ledgers.

.. versionadded:: 0.1.0
"""

__all__: list[str] = []
