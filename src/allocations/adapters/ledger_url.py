"""Open a ledger from a URL: the one setting a deployment chooses.

=================================  ==========================================================
URL                                ledger
=================================  ==========================================================
``sqlite:///allocations.db``       SQLite file, path relative to the working directory
``sqlite:////var/lib/alloc.db``    SQLite file, absolute path (four slashes)
``memory://``                      in memory, lost at exit (tests, demonstrations)
``postgresql://user@host/db``      PostgreSQL (``postgres://`` too); any libpq URL, e.g.
                                   ``?host=/run/postgresql`` or ``?options=-csearch_path%3Dx``
=================================  ==========================================================

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse

from allocations.errors import ConfigurationError
from allocations.payments import Clock, InMemoryLedger, Ledger

__all__ = ["DEFAULT_LEDGER_URL", "mask_password", "open_ledger"]

#: Where the command line keeps its ledger unless told otherwise.
DEFAULT_LEDGER_URL = "sqlite:///allocations.db"


_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def mask_password(url: str) -> str:
    """The URL with its password replaced by ``***`` (for error messages).

    >>> from allocations.adapters.ledger_url import mask_password
    >>> mask_password("postgresql://app:s3cret@db.example/ledger")
    'postgresql://app:***@db.example/ledger'

    .. versionadded:: 0.1.0
    """
    return _PASSWORD.sub(r"\1***@", url)


def _system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_ledger(url: str, *, clock: Clock | None = None) -> Ledger:
    """Open (and create if needed) the ledger a URL names.

    Args:
        url: see the table in this module's documentation.
        clock: the source of timestamps; the system clock in UTC by default.

    Returns:
        The ledger, a context manager: use it in a ``with`` block so it is closed.

    Raises:
        TypeError: ``url`` is not a string.
        ConfigurationError: the scheme is unknown or the URL has no path; the message
            names the URL (password masked).
        LedgerError: the database cannot be opened.

    >>> from allocations import open_ledger
    >>> with open_ledger("memory://") as ledger:
    ...     sum(ledger.count_by_state().values())
    0
    >>> open_ledger("mysql://db/ledger")
    Traceback (most recent call last):
    ...
    allocations.errors.ConfigurationError: unknown ledger URL 'mysql://db/ledger': expected sqlite:///path, memory:// or postgresql://...

    .. versionadded:: 0.1.0
    """
    if not isinstance(url, str):
        raise TypeError(f"a ledger URL must be a string, got {url!r}")
    time_source = clock or _system_clock
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()
    if separator and scheme == "memory":
        return InMemoryLedger(clock=time_source)
    if separator and scheme == "sqlite":
        from allocations.adapters.sqlite_ledger import SQLiteLedger

        if not rest.startswith("/") or len(rest) < 2:
            raise ConfigurationError(
                f"SQLite ledger URL {url!r} has no path: write sqlite:///relative.db or "
                "sqlite:////absolute/path.db"
            )
        return SQLiteLedger(urllib.parse.unquote(rest[1:]), clock=time_source)
    if separator and scheme in ("postgresql", "postgres"):
        from allocations.adapters.postgres_ledger import PostgresLedger

        return PostgresLedger(url, clock=time_source)
    raise ConfigurationError(
        f"unknown ledger URL {mask_password(url)!r}: expected sqlite:///path, memory:// or "
        "postgresql://..."
    )
