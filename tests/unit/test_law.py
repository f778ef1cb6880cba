"""The law as data: the shipped TOML parameters, their lookup by date, and the loader.

Every expected value is copied from /work/shared/reference/LAW.md (the section is cited),
which in turn cites the legal text or official instrument.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

import pytest

from allocations import ConfigurationError, LawNotInForceError
from allocations.law import DATA_FILES, UNITS, LawBook, load_law, parse_law

LAW = load_law()


def value(name: str, day: dt.date) -> Decimal:
    return LAW[name].value_on(day).value


def test_data_files_ship_inside_the_package() -> None:
    # The wheel must carry the TOML (hatchling includes every file under src/allocations);
    # importlib.resources reads it the way an installed wheel would.
    folder = resources.files("allocations.law").joinpath("data")
    shipped = {entry.name for entry in folder.iterdir() if entry.name.endswith(".toml")}
    assert shipped == set(DATA_FILES)


def test_every_value_has_a_unit_a_reference_and_a_check_date() -> None:
    assert len(LAW) >= 40
    for parameter in LAW:
        assert parameter.unit in UNITS
        assert parameter.reference.strip()
        assert parameter.description.strip()
        starts = [item.start for item in parameter.values]
        assert starts == sorted(set(starts))
        for item in parameter.values:
            assert item.reference.strip()
            assert isinstance(item.value, Decimal)
            assert dt.date(2026, 1, 1) <= item.last_checked <= dt.date(2026, 12, 31)
            if item.uncertain:
                assert item.note, f"{parameter.name} {item.start} is uncertain without a note"


# LAW.md §3: BMAF by date, including the mid-year rise of 1 July 2022.
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2013, 4, 1), "403.79"),
        (dt.date(2015, 4, 1), "406.21"),  # unchanged on 1 April 2015 (coefficient 1.000)
        (dt.date(2016, 4, 1), "406.62"),
        (dt.date(2017, 4, 1), "407.84"),
        (dt.date(2018, 4, 1), "411.92"),
        (dt.date(2019, 4, 1), "413.16"),
        (dt.date(2020, 4, 1), "414.40"),
        (dt.date(2021, 4, 1), "414.81"),
        (dt.date(2022, 4, 1), "422.28"),
        (dt.date(2022, 6, 30), "422.28"),
        (dt.date(2022, 7, 1), "439.17"),
        (dt.date(2023, 3, 31), "439.17"),
        (dt.date(2023, 4, 1), "445.93"),
        (dt.date(2024, 4, 1), "466.44"),
        (dt.date(2025, 4, 1), "474.37"),
        (dt.date(2026, 4, 1), "478.16"),
        (dt.date(2027, 3, 31), "478.16"),
    ],
)
def test_bmaf_by_date(day: dt.date, expected: str) -> None:
    assert value("bmaf", day) == Decimal(expected)


def test_bmaf_refuses_dates_outside_the_known_law() -> None:
    with pytest.raises(LawNotInForceError, match=r"2013-03-31.*2013-04-01 to 2027-03-31"):
        LAW["bmaf"].value_on(dt.date(2013, 3, 31))
    with pytest.raises(LawNotInForceError, match="2027-04-01"):
        LAW["bmaf"].value_on(dt.date(2027, 4, 1))
    extended = LAW["bmaf"].value_on(dt.date(2030, 1, 1), extend_last_known=True)
    assert extended.value == Decimal("478.16")


def test_uncertain_values_are_flagged() -> None:
    # LAW.md §3 marks the 2026 BMAF and the article of the 2022 loi [UNCERTAIN]; §7 the 2026
    # ceilings; §10 the Mayotte frozen amount.
    assert LAW["bmaf"].value_on(dt.date(2026, 4, 1)).uncertain
    assert LAW["bmaf"].value_on(dt.date(2022, 7, 1)).uncertain
    assert not LAW["bmaf"].value_on(dt.date(2024, 4, 1)).uncertain
    assert LAW["af.ceiling.p1_base"].value_on(dt.date(2026, 1, 1)).uncertain
    assert LAW["mayotte.frozen_single_child_amount"].value_on(dt.date(2024, 1, 1)).uncertain


# LAW.md §4: rates in % of BMAF, tranches 1/2/3; the forfait T3 rate is 5.059, not 20.234/4.
@pytest.mark.parametrize(
    ("component", "rates"),
    [
        ("second_child", ("32", "16", "8")),
        ("third_and_more", ("41", "20.5", "10.25")),
        ("majoration", ("16", "8", "4")),
        ("forfait", ("20.234", "10.117", "5.059")),
    ],
)
def test_rates_by_tranche(component: str, rates: tuple[str, str, str]) -> None:
    day = dt.date(2024, 5, 1)
    found = tuple(value(f"af.rate.{component}.t{tranche}", day) for tranche in (1, 2, 3))
    assert found == tuple(Decimal(rate) for rate in rates)


def test_reduced_tranches_only_exist_since_july_2015() -> None:
    # LAW.md §4: "Before 2015-07-01 only the tranche-1 column existed".
    with pytest.raises(LawNotInForceError):
        LAW["af.rate.second_child.t2"].value_on(dt.date(2015, 6, 30))
    assert value("af.rate.second_child.t2", dt.date(2015, 7, 1)) == Decimal("16")
    assert value("af.rate.forfait.t3", dt.date(2015, 7, 1)) != Decimal("20.234") / 4


# LAW.md §7: P1(n) and P2(n) for n = 2..5, one row per year (the table's columns).
CEILINGS = {
    2015: ((67140, 89490), (72735, 95085), (78330, 100680), (83925, 106275)),
    2016: ((67408, 89847), (73025, 95464), (78642, 101081), (84259, 106698)),
    2017: ((67408, 89847), (73025, 95464), (78642, 101081), (84259, 106698)),
    2018: ((67542, 90026), (73170, 95654), (78798, 101282), (84426, 106910)),
    2019: ((68217, 90926), (73901, 96610), (79585, 102294), (85269, 107978)),
    2020: ((69309, 92381), (75084, 98156), (80859, 103931), (86634, 109706)),
    2021: ((69933, 93212), (75760, 99039), (81587, 104866), (87414, 110693)),
    2022: ((70074, 93399), (75913, 99238), (81752, 105077), (87591, 110916)),
    2023: ((71194, 94893), (77126, 100825), (83058, 106757), (88990, 112689)),
    2024: ((74966, 99922), (81212, 106168), (87458, 112414), (93704, 118660)),
    2025: ((78565, 104719), (85111, 111265), (91657, 117811), (98203, 124357)),
    2026: ((79980, 106604), (86644, 113268), (93308, 119932), (99972, 126596)),
}


@pytest.mark.parametrize("year", sorted(CEILINGS))
def test_ceilings_by_year_and_number_of_children(year: int) -> None:
    day = dt.date(year, 7 if year == 2015 else 1, 1)
    p1, p2 = value("af.ceiling.p1_base", day), value("af.ceiling.p2_base", day)
    increment = value("af.ceiling.increment_per_child", day)
    for children, (expected_p1, expected_p2) in enumerate(CEILINGS[year], start=2):
        assert (p1 + children * increment, p2 + children * increment) == (
            expected_p1,
            expected_p2,
        )


def test_ceilings_start_with_the_modulation_and_end_with_2026() -> None:
    with pytest.raises(LawNotInForceError):
        LAW["af.ceiling.p1_base"].value_on(dt.date(2015, 6, 30))
    with pytest.raises(LawNotInForceError, match="2027-01-01"):
        LAW["af.ceiling.p1_base"].value_on(dt.date(2027, 1, 1))


# LAW.md §2: the child earnings cap = 0.55 × 169 × SMIC rounded once to the cent.
@pytest.mark.parametrize(
    ("day", "cap"),
    [
        (dt.date(2015, 1, 1), "893.25"),
        (dt.date(2016, 1, 1), "898.83"),
        (dt.date(2017, 1, 1), "907.19"),  # published (dossierfamilial 2017); not 907.53
        (dt.date(2018, 1, 1), "918.35"),  # published (adapei01 2018)
        (dt.date(2019, 1, 1), "932.29"),
        (dt.date(2020, 1, 1), "943.44"),  # published (press 2020)
        (dt.date(2021, 1, 1), "952.74"),
        (dt.date(2021, 10, 1), "974.12"),
        (dt.date(2022, 1, 1), "982.48"),  # published (service-public F16947)
        (dt.date(2022, 5, 1), "1008.51"),
        (dt.date(2022, 8, 1), "1028.96"),  # published
        (dt.date(2023, 1, 1), "1047.55"),  # published
        (dt.date(2023, 5, 1), "1070.78"),
        (dt.date(2024, 1, 1), "1082.87"),  # published
        (dt.date(2024, 11, 1), "1104.25"),  # published
        (dt.date(2025, 6, 1), "1104.25"),  # no SMIC change on 2025-01-01
        (dt.date(2026, 1, 1), "1117.26"),
    ],
)
def test_child_earnings_cap_is_rounded_once(day: dt.date, cap: str) -> None:
    product = (
        value("child.earnings_cap.ratio", day)
        * value("child.earnings_cap.hours", day)
        * value("child.earnings_cap.smic_hourly", day)
    )
    assert product.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == Decimal(cap)


def test_ages_crds_and_overseas_rates() -> None:
    day = dt.date(2026, 5, 1)
    assert value("af.age.limit", day) == 20
    assert value("af.age.compulsory_schooling_end", day) == 16
    assert value("af.age.majoration", day) == 14
    assert value("af.age.majoration_2026_cohort", day) == 18  # décret 2026-138
    assert value("crds.rate", day) == Decimal("0.5")
    assert value("overseas.rate.single_child", day) == Decimal("5.88")
    assert value("overseas.rate.single_child_majoration_first", day) == Decimal("3.69")
    assert value("overseas.rate.single_child_majoration_second", day) == Decimal("5.67")
    with pytest.raises(LawNotInForceError):
        LAW["af.age.majoration_2026_cohort"].value_on(dt.date(2026, 2, 28))


# LAW.md §10: Mayotte rates by year (décret 2002-423 annex as transcribed by Catala).
@pytest.mark.parametrize(
    ("year", "one", "two", "third"),
    [
        (2011, "14.50", "23.20", "4.63"),
        (2017, "11.05", "26.72", "9.18"),
        (2024, "5.88", "32", "16"),
    ],
)
def test_mayotte_rates(year: int, one: str, two: str, third: str) -> None:
    day = dt.date(year, 1, 1)
    assert value("mayotte.rate.one_child", day) == Decimal(one)
    assert value("mayotte.rate.two_children", day) == Decimal(two)
    assert value("mayotte.rate.third_child", day) == Decimal(third)
    assert value("mayotte.rate.fourth_and_more", day) == Decimal("4.63")


def test_mayotte_frozen_amount_exists_from_2012() -> None:
    # Ordonnance 2002-149 art. 7: the December 2011 amount is kept from 2012 on.
    assert value("mayotte.frozen_single_child_amount", dt.date(2012, 1, 1)) == Decimal("57.28")
    with pytest.raises(LawNotInForceError):
        LAW["mayotte.frozen_single_child_amount"].value_on(dt.date(2011, 12, 31))


PARAMETER = """
[x.rate]
description = "a rate"
unit = "percent"
reference = "art. 1"
{extra}
[[x.rate.values]]
start = 2020-01-01
value = {value}
reference = "art. 1"
last_checked = 2026-11-28
"""


def document(value: str = "1.5", extra: str = "") -> dict[str, str]:
    return {"test.toml": PARAMETER.format(value=value, extra=extra)}


def test_parse_law_reads_decimals_exactly() -> None:
    law = parse_law(document("20.234"))
    assert isinstance(law, LawBook)
    assert law["x.rate"].values[0].value == Decimal("20.234")
    assert law["x.rate"].known_until is None
    assert law["x.rate"].value_on(dt.date(2100, 1, 1)).value == Decimal("20.234")


@pytest.mark.parametrize(
    ("documents", "message"),
    [
        ({"bad.toml": "[x"}, "bad.toml is not valid TOML"),
        (document('"1.5"'), "'value' must be a number"),
        (document("true"), "'value' must be a number"),
        (document(extra='known_until = "soon"'), "'known_until' must be a TOML date"),
        (document(extra="known_until = 2019-12-31"), "known_until 2019-12-31 is before"),
        (
            {"u.toml": PARAMETER.format(value="1", extra="").replace('"percent"', '"furlongs"')},
            "unit 'furlongs' is not one of",
        ),
        (
            {
                "r.toml": PARAMETER.format(value="1", extra="").replace(
                    'reference = "art. 1"\nlast', 'reference = ""\nlast'
                )
            },
            "'reference' must be a non-empty string",
        ),
        (
            {
                "d.toml": PARAMETER.format(value="1", extra="")
                + PARAMETER.format(value="2", extra="").split("\n", 6)[6]
            },
            "must come after 2020-01-01",
        ),
        ({**document(), "again.toml": PARAMETER.format(value="2", extra="")}, "defined twice"),
    ],
)
def test_parse_law_rejects_malformed_data_naming_it(
    documents: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        parse_law(documents)


def test_unknown_parameter_name_raises() -> None:
    with pytest.raises(LawNotInForceError, match=re.escape("'no.such'")):
        LAW["no.such"]
    assert "no.such" not in LAW
