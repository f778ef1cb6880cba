"""Builders shared by the payment-run tests (households with valid accounts), and their checks.

Expected amounts come from the *allocations familiales* of May 2024 in metropolitan France:
BMAF 466.44 EUR since 1 April 2024 (DSS revaluation circular, ``law/data/bmaf.toml``); two
children in tranche 1 get 32 % of it (CSS art. D521-1), 466.44 × 0.32 = 149.26 EUR gross,
minus the CRDS of 0.5 % truncated to the cent (0.74 EUR, ordonnance 96-50 art. 14): 148.52
EUR net.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import schwifty

from allocations import (
    Child,
    Holder,
    Household,
    InMemoryLedger,
    Month,
    OrganisationConfig,
    PaymentOrganisation,
)
from allocations.adapters.households import household_to_record
from allocations.payments import rib_key, validate_iban
from tests._builders import french_iban

MAY = Month(2024, 5)
APRIL = Month(2024, 4)
NOW = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2024, 6, 4, 9, 30, tzinfo=dt.UTC)
#: Two children in tranche 1, May 2024: 466.44 × 0.32 = 149.26 gross, CRDS 0.74 (see above).
NET_TWO_CHILDREN = (Decimal("466.44") * Decimal("0.32")).quantize(Decimal("0.01")) - Decimal("0.74")
#: The payment date of May 2024 everywhere: the 5th of June 2024, a Wednesday (CSS R552-2
#: and the CAF schedule; a TARGET2 day).
PAY_DAY = dt.date(2024, 6, 5)
TWO_CHILDREN = (Child(birth_date=dt.date(2012, 3, 1)), Child(birth_date=dt.date(2016, 9, 15)))
ONE_CHILD = TWO_CHILDREN[:1]
ORGANISATION_IBAN = "FR7630001000640000001234559"


def household(
    number: int,
    department: str = "67",
    *,
    children: tuple[Child, ...] = TWO_CHILDREN,
    holder: bool = True,
    name: str | None = None,
) -> Household:
    """Household ``F-<number>`` with a valid account, two children in tranche 1 by default."""
    return Household(
        id=f"F-{number:04d}",
        department=department,
        resources=Decimal("55000"),
        children=children,
        holder=Holder(name or f"Allocataire {number}", french_iban(number)) if holder else None,
    )


def households(count: int, departments: Iterable[str] = ("67", "75", "971")) -> list[Household]:
    codes = list(departments)
    return [household(n, codes[n % len(codes)]) for n in range(count)]


def config(**changes: object) -> OrganisationConfig:
    organisation = PaymentOrganisation(
        name="CAF du Bas-Rhin", iban=ORGANISATION_IBAN, bic="BDFEFRPPCCT"
    )
    return OrganisationConfig(organisation=organisation, **changes)  # type: ignore[arg-type]


def ledger() -> InMemoryLedger:
    return InMemoryLedger(clock=lambda: NOW)


def write_jsonl(path: Path, items: Iterable[Household]) -> Path:
    path.write_text(
        "".join(json.dumps(household_to_record(item)) + "\n" for item in items), encoding="utf-8"
    )
    return path


def test_generated_ibans_are_valid_for_schwifty_too() -> None:
    for number in (0, 1, 99, 123_456_789):
        iban = french_iban(number)
        assert validate_iban(iban) == iban
        assert str(schwifty.IBAN(iban)) == iban


def test_the_organisation_iban_is_valid() -> None:
    # Banque de France 30001, guichet 00064, compte 00000012345: clé RIB
    # 97 - ((89 × 30001 + 15 × 64 + 3 × 12345) mod 97) = 97 - 38 = 59.
    assert rib_key("30001", "00064", "00000012345") == 97 - (
        (89 * 30001 + 15 * 64 + 3 * 12345) % 97
    )
    assert ORGANISATION_IBAN.endswith("59")
    assert str(schwifty.IBAN(ORGANISATION_IBAN)) == ORGANISATION_IBAN


def test_the_expected_net_amount_derivation() -> None:
    assert Decimal("148.52") == NET_TWO_CHILDREN
