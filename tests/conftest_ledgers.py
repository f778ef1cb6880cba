"""Ledger fixtures shared by the ledger test suites (imported by the test modules).

Every ledger test runs against the three implementations. PostgreSQL needs a server:
``ALLOCATIONS_TEST_POSTGRES_URL`` (``.ci/postgres.sh`` starts a throw-away one). Without it
the PostgreSQL cases skip — unless ``ALLOCATIONS_REQUIRE_POSTGRES=1`` (CI), where a skip
would hide a failure, so they fail instead. Each PostgreSQL ledger lives in a fresh schema,
dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from allocations.payments import (
    Clock,
    Creditor,
    InMemoryLedger,
    Ledger,
    PaymentInstruction,
    PaymentKey,
    PaymentKind,
)
from allocations.periods import Month
from tests._builders import french_iban

LEDGER_KINDS = ("memory", "sqlite", "postgres")
NOW = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.UTC)

LedgerFactory = Callable[..., Ledger]


def postgres_url() -> str:
    """The test server's URL, or skip (fail when PostgreSQL is required)."""
    url = os.environ.get("ALLOCATIONS_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("ALLOCATIONS_REQUIRE_POSTGRES") == "1":
            pytest.fail("ALLOCATIONS_REQUIRE_POSTGRES=1 but ALLOCATIONS_TEST_POSTGRES_URL is unset")
        pytest.skip("no PostgreSQL server: set ALLOCATIONS_TEST_POSTGRES_URL")
    return url


def drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class Ticker:
    """A deterministic clock: each call is one second later than the previous one."""

    def __init__(self, start: dt.datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@pytest.fixture(params=LEDGER_KINDS)
def make_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerFactory]:
    """A factory of ledgers of one implementation, all sharing one database.

    ``make_ledger()`` opens a ledger (a second call opens a second connection to the same
    database: two workers); ``make_ledger(clock=...)`` sets the clock. All are closed after
    the test.
    """
    kind: str = request.param
    opened: list[Ledger] = []
    schema = f"test_{uuid.uuid4().hex[:16]}"
    url = postgres_url() if kind == "postgres" else ""
    memory: list[InMemoryLedger] = []

    def factory(*, clock: Clock | None = None) -> Ledger:
        ledger: Ledger
        if kind == "memory":
            if not memory:
                memory.append(InMemoryLedger(clock=clock or Ticker()))
            ledger = memory[0]
        elif kind == "sqlite":
            from allocations.adapters.sqlite_ledger import SQLiteLedger

            ledger = SQLiteLedger(tmp_path / "ledger.db", clock=clock or Ticker())
        else:
            from allocations.adapters.postgres_ledger import PostgresLedger

            ledger = PostgresLedger(url, schema=schema, clock=clock or Ticker())
        opened.append(ledger)
        return ledger

    factory.kind = kind  # type: ignore[attr-defined]
    yield factory
    for ledger in opened:
        ledger.close()
    if kind == "postgres":
        drop_schema(url, schema)


@pytest.fixture
def ledger(make_ledger: LedgerFactory) -> Ledger:
    """One ledger of each implementation, with a one-second ticking clock."""
    return make_ledger()


def instruction(
    beneficiary: str | int = 1,
    *,
    period: Month | str = "2024-05",
    kind: PaymentKind | str = "regular",
    attempt: int = 1,
    amount: Decimal | str = "148.52",
    benefit: str = "AF",
    department: str | None = "67",
    account: int | None = None,
    name: str = "Marie Curie",
) -> PaymentInstruction:
    """A valid instruction; every field can be varied."""
    period = Month.parse(period) if isinstance(period, str) else period
    return PaymentInstruction(
        key=PaymentKey(str(beneficiary), benefit, period, kind, attempt),
        amount=Decimal(amount),
        creditor=Creditor(
            name, french_iban(account if account is not None else hash_account(beneficiary))
        ),
        requested_execution_date=period.last_day + dt.timedelta(days=5),
        remittance_information=f"CAF ALLOCATIONS FAMILIALES {period}",
        department=department,
    )


def contents(ledger: Ledger, periods: Iterable[Month] = ()) -> tuple[object, ...]:
    """Everything a ledger shows: its instructions with their histories, the counts by state,
    the live regular payments of ``periods``, the file journal and the run journal.

    Two ledgers given the same operations show the same contents; a refused operation leaves
    them unchanged.
    """
    entries = list(ledger.instructions())
    return (
        entries,
        [ledger.history(entry.end_to_end_id) for entry in entries],
        ledger.count_by_state(),
        [list(ledger.live_regular(period)) for period in periods],
        list(ledger.files()),
        list(ledger.run_events()),
    )


def hash_account(beneficiary: str | int) -> int:
    """A stable account number per beneficiary (no Python ``hash()``: it is salted)."""
    return sum((index + 1) * ord(char) for index, char in enumerate(str(beneficiary)))
