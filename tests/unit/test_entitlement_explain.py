"""Why an amount is due: the breakdown, ``explain()``, ``to_record()`` and the streaming API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

import allocations
from allocations import (
    AllocationsError,
    BreakdownLine,
    Child,
    Entitlement,
    Household,
    InvalidAmountError,
    InvalidInputError,
    LawNotInForceError,
    Month,
)
from allocations.adapters.households import read_households
from allocations.entitlement import _entitlement
from allocations.entitlement._entitlement import record_json
from allocations.entitlement._explain import Formatter
from allocations.entitlement._month_law import month_law
from allocations.entitlement._options import DEFAULT_OPTIONS
from allocations.money import crds_withheld

MAY_2024 = Month(2024, 5)


def flat(text: str) -> str:
    """Babel separates thousands and the euro sign with (narrow) no-break spaces."""
    return " ".join(text.split())


def household(*births: dt.date, identifier: str = "F-1", **fields: object) -> Household:
    return Household(
        id=identifier,
        department=fields.pop("department", "67"),
        resources=fields.pop("resources", Decimal("55000")),
        children=tuple(Child(birth_date=birth) for birth in births),
        **fields,  # type: ignore[arg-type]
    )


F_1 = household(dt.date(2012, 3, 1), dt.date(2016, 9, 15))


def test_record_of_the_reference_example() -> None:
    # The contract the JSONL/CSV writers rely on (2 children, 2024-05, tranche 1: LAW.md §14
    # gives 149.26 gross / 148.52 net).
    record = allocations.allocations_familiales(F_1, MAY_2024).to_record()
    assert list(record) == ["id", "month", "gross", "crds", "net", "breakdown"]
    assert record["id"] == "F-1"
    assert record["month"] == "2024-05"
    assert (record["gross"], record["crds"], record["net"]) == ("149.26", "0.74", "148.52")
    (line,) = record["breakdown"]  # type: ignore[misc]
    assert list(line) == ["component", "amount", "rule", "parameters", "legal_reference"]
    assert line["component"] == "base"
    assert line["amount"] == "149.26"
    assert line["legal_reference"] == "CSS art. L521-1, D521-1 I, D521-3"
    assert line["parameters"]["bmaf"] == "466.44"
    assert line["parameters"]["rate_percent"] == "32"
    assert line["parameters"]["tranche"] == "1"
    assert line["parameters"]["children"] == "2"
    assert all(isinstance(value, str) for value in line["parameters"].values())
    assert "BMAF 466,44 € × 32 % = 149,26 €" in flat(line["rule"])
    assert json.loads(json.dumps(record)) == record


def test_amounts_are_quantized_to_the_cent() -> None:
    entitlement = allocations.allocations_familiales(household(dt.date(2016, 1, 1)), MAY_2024)
    assert entitlement.gross == 0
    assert str(entitlement.gross) == "0.00"
    record = entitlement.to_record()
    assert (record["gross"], record["crds"], record["net"]) == ("0.00", "0.00", "0.00")
    for amount in (entitlement.gross, entitlement.crds, entitlement.net):
        assert amount.as_tuple().exponent == -2


def test_explain_answers_why_148_52_in_french() -> None:
    text = flat(allocations.allocations_familiales(F_1, MAY_2024).explain())
    assert text.startswith("Allocations familiales de mai 2024 — foyer F-1, Bas-Rhin (67)")
    assert "149,26 € base : 2 enfants à charge, tranche 1" in text
    assert "ressources 2022 de 55 000,00 € ≤ plafond de 74 966,00 €" in text
    assert "CRDS : − 0,74 € (0,5 % de 149,26 €, tronqué au centime" in text
    assert "Montant net versé : 148,52 €" in text
    assert "BMAF de 466,44 € en vigueur depuis le 1 avril 2024." in text


def test_explain_in_english() -> None:
    text = flat(allocations.allocations_familiales(F_1, MAY_2024).explain("en_GB"))
    assert "Allocations familiales for May 2024 — household F-1" in text
    assert "€149.26 base allowance: 2 dependent children, tranche 1" in text
    assert "Net amount paid: €148.52" in text


def test_explain_rejects_unknown_locales() -> None:
    entitlement = allocations.allocations_familiales(F_1, MAY_2024)
    with pytest.raises(InvalidInputError, match="'xx_YY'"):
        entitlement.explain("xx_YY")
    with pytest.raises(TypeError, match="locale must be a string"):
        entitlement.explain(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("births", "reason", "sentence"),
    [
        ((), "no_child", "aucun enfant à charge ce mois-ci"),
        (
            (dt.date(2016, 1, 1),),
            "single_child_metropolitan",
            "un seul enfant à charge en métropole",
        ),
        (
            (dt.date(2016, 1, 1), dt.date(2004, 5, 2)),
            "single_child_metropolitan",
            "l'enfant né le 2 mai 2004 a eu 20 ans en mai 2024",
        ),
        (
            (dt.date(2016, 1, 1), dt.date(2024, 5, 1)),
            "single_child_metropolitan",
            "l'enfant né le 1 mai 2024 compte à partir du mois suivant sa naissance",
        ),
    ],
)
def test_nothing_due_says_why(births: tuple[dt.date, ...], reason: str, sentence: str) -> None:
    # The payment run's pre-flight guard shows this line when someone paid last month is not
    # paid now.
    entitlement = allocations.allocations_familiales(household(*births), MAY_2024)
    assert entitlement.gross == 0
    (line,) = entitlement.breakdown
    assert (line.component, line.amount) == ("nothing_due", Decimal("0.00"))
    assert line.parameter("reason") == reason
    assert sentence in flat(line.rule)
    assert sentence in flat(entitlement.explain())


def test_excluded_children_are_listed_when_something_is_due() -> None:
    found = allocations.allocations_familiales(
        household(dt.date(2012, 3, 1), dt.date(2016, 9, 15), dt.date(2003, 1, 1)), MAY_2024
    )
    assert found.gross == Decimal("149.26")
    text = flat(found.explain())
    assert (
        "Enfants non comptés : l'enfant né le 1 janvier 2003 a atteint 20 ans en janvier 2023"
        in text
    )


def test_every_component_renders_in_both_languages() -> None:
    # A family with a base in tranche 2, a majoration, a complément, a forfait and its
    # complément; an overseas single child; Mayotte.
    cases = [
        allocations.allocations_familiales(
            household(
                dt.date(2004, 5, 10),
                dt.date(2009, 1, 1),
                dt.date(2016, 1, 1),
                resources=Decimal(81312),
            ),
            MAY_2024,
        ),
        allocations.allocations_familiales(
            household(dt.date(2008, 1, 1), department="974"), MAY_2024
        ),
        allocations.allocations_familiales(
            household(dt.date(2010, 1, 1), department="976", mayotte_child_before_2012=True),
            MAY_2024,
        ),
    ]
    components = {line.component for case in cases for line in case.breakdown}
    assert components == {
        "base",
        "complement_degressif",
        "forfait",
        "complement_degressif_forfait",
        "overseas_single_child",
        "overseas_single_child_majoration",
        "mayotte_frozen_single_child",
    }
    for case in cases:
        for locale in ("fr_FR", "en_GB"):
            text = case.explain(locale)
            assert len(text.splitlines()) >= 5
        for line in case.breakdown:
            assert line.rule
            assert line.legal_reference
            assert line.amount == line.amount.quantize(Decimal("0.01"))


def test_breakdown_lines_are_frozen_values() -> None:
    line = allocations.allocations_familiales(F_1, MAY_2024).breakdown[0]
    assert isinstance(line, BreakdownLine)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        line.amount = Decimal(0)  # type: ignore[misc]
    with pytest.raises(KeyError, match="'nope'"):
        line.parameter("nope")


def test_entitlements_are_values() -> None:
    first = allocations.allocations_familiales(F_1, MAY_2024)
    second = allocations.allocations_familiales(F_1, MAY_2024)
    assert first == second
    assert hash(first) == hash(second)
    assert "household=" not in repr(first)
    assert first != allocations.allocations_familiales(F_1, Month(2024, 6))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.gross = Decimal(0)  # type: ignore[misc]


def test_a_breakdown_that_disagrees_with_the_amount_raises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The breakdown re-runs the general computation and checks it against the amount paid.
    monkeypatch.setattr(_entitlement, "evaluate_fast", lambda *_: (1, 0))
    wrong = allocations.allocations_familiales(F_1, MAY_2024)
    with pytest.raises(AllocationsError, match=r"adds up to 149\.26 but the gross amount is 0\.01"):
        _ = wrong.breakdown


def test_compute_entitlements_is_lazy_and_checks_the_month_first() -> None:
    consumed: list[str] = []

    def households() -> Iterator[Household]:
        for number in range(3):
            consumed.append(f"F-{number}")
            yield household(dt.date(2012, 3, 1), dt.date(2016, 9, 15), identifier=f"F-{number}")

    stream = allocations.compute_entitlements(households(), MAY_2024)
    assert consumed == []
    first = next(stream)
    assert consumed == ["F-0"]
    assert first == allocations.allocations_familiales(
        household(dt.date(2012, 3, 1), dt.date(2016, 9, 15), identifier="F-0"), MAY_2024
    )
    assert [entitlement.household_id for entitlement in stream] == ["F-1", "F-2"]
    # The month is checked at the call, before any household is read.
    with pytest.raises(LawNotInForceError, match="2027-01"):
        allocations.compute_entitlements(households(), Month(2027, 1))
    with pytest.raises(TypeError, match=r"must yield allocations\.Household"):
        list(allocations.compute_entitlements(["F-1"], MAY_2024))  # type: ignore[list-item]


# --- records, assembled from cached texts -------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data" / "households.jsonl"


def reference_record(entitlement: Entitlement) -> dict[str, object]:
    """The record as the breakdown's lines give it (the general path, line by line)."""
    return {
        "id": entitlement.household_id,
        "month": str(entitlement.month),
        "gross": f"{entitlement.gross:.2f}",
        "crds": f"{entitlement.crds:.2f}",
        "net": f"{entitlement.net:.2f}",
        "breakdown": [line.to_record() for line in entitlement.breakdown],
    }


def encoded(record: dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


# Before modulation (2015-05), the first modulated year, the reference month, and the month
# after décret 2026-138 (majoration at 18 for children born from March 2012).
@pytest.mark.parametrize("month", [Month(2015, 5), Month(2016, 1), MAY_2024, Month(2026, 4)])
def test_records_are_the_breakdown_encoded_for_every_example(month: Month) -> None:
    law = month_law(month)
    for each in read_households(EXAMPLES):
        try:
            entitlement = allocations.allocations_familiales(each, month)
        except AllocationsError:
            continue  # Saint-Pierre-et-Miquelon, resources of a year not given…
        expected = reference_record(entitlement)
        for _ in range(2):  # the second time from the cached texts
            assert entitlement.to_record() == expected
            assert record_json(each, law, DEFAULT_OPTIONS) == encoded(expected)


def test_resources_of_minus_zero_are_written_as_babel_writes_them() -> None:
    # -0 == 0, yet Babel writes "-0,00 €": whichever comes first, each keeps its own text.
    for order in ((Decimal("0"), Decimal("-0")), (Decimal("-0"), Decimal("0"))):
        _entitlement._RECORDS.clear()
        Formatter.get("fr_FR")._texts.clear()
        for resources in order:
            found = household(dt.date(2012, 3, 1), dt.date(2016, 9, 15), resources=resources)
            entitlement = allocations.allocations_familiales(found, MAY_2024)
            assert entitlement.to_record() == reference_record(entitlement)
            written = "-0,00 €" if resources.is_signed() else "0,00 €"
            assert f"ressources 2022 de {written}" in flat(entitlement.breakdown[0].rule)


def test_a_line_whose_resources_cannot_be_told_apart_is_rendered_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The blank stands for the resources in a cached text; if its text also appears
    # elsewhere in the line ("2" is also the number of children), the line is not cached
    # but rendered for each household, and still exact.
    monkeypatch.setattr(_entitlement, "_RESOURCES_BLANK", Decimal(2))
    monkeypatch.setattr(_entitlement, "_RECORDS", {})
    for resources in (Decimal(30000), Decimal(31000)):
        found = household(dt.date(2012, 3, 1), dt.date(2016, 9, 15), resources=resources)
        entitlement = allocations.allocations_familiales(found, MAY_2024)
        assert entitlement.to_record() == reference_record(entitlement)
    (records,) = _entitlement._RECORDS.values()
    assert not records._by_key  # the base line was not cached


def test_a_record_that_disagrees_with_the_amount_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    entitlement = allocations.allocations_familiales(F_1, MAY_2024)
    monkeypatch.setattr(_entitlement, "evaluate_fast", lambda *_: (1, 0))
    with pytest.raises(AllocationsError, match=r"record's gross amount 0\.01 differs"):
        entitlement.to_record()
    with pytest.raises(AllocationsError, match=r"adds up to 0\.00 but the gross amount is 0\.01"):
        record_json(F_1, month_law(MAY_2024), DEFAULT_OPTIONS)


@given(
    st.decimals(
        min_value=-(10**13), max_value=10**13, places=None, allow_nan=False, allow_infinity=False
    ).filter(lambda value: -20 <= value.as_tuple().exponent <= 3)  # type: ignore[operator]
)
def test_french_amounts_are_written_as_babel_writes_them(value: Decimal) -> None:
    # The fast path of Formatter.eur writes whole cents itself (narrow no-break spaces, a
    # comma, a no-break space and €); anything else is Babel's.
    french = format_currency(value, "EUR", locale="fr_FR")
    assert Formatter.get("fr_FR").eur(value) == french
    assert Formatter.get("fr_FR").eur(value, once=True) == french
    assert Formatter.get("en_GB").eur(value) == format_currency(value, "EUR", locale="en_GB")


def test_crds_withheld() -> None:
    # LAW.md §13: 149.26 x 0.5 % = 0.7463 -> 0.74 (truncated), net 148.52 not 148.51.
    assert crds_withheld(Decimal("149.26")) == Decimal("0.74")
    assert crds_withheld(Decimal("151.80")) == Decimal("0.75")
    assert crds_withheld(Decimal("0.00")) == Decimal("0.00")
    with pytest.raises(InvalidAmountError, match="-1"):
        crds_withheld(Decimal("-1"))


def test_entitlement_type_is_exported() -> None:
    assert isinstance(allocations.allocations_familiales(F_1, MAY_2024), Entitlement)
