"""Département codes (CALENDARS.md §6)."""

from __future__ import annotations

import pytest

from allocations import Department, InvalidDepartmentError, Regime


def test_every_code_is_known_with_its_regime() -> None:
    codes = [d.code for d in Department.all()]
    metropolitan = [f"{n:02d}" for n in range(1, 20)] + ["2A", "2B"]
    metropolitan += [f"{n:02d}" for n in range(21, 96)]
    assert codes == [*metropolitan, "971", "972", "973", "974", "975", "976", "977", "978"]
    assert len(codes) == 104
    assert {Department(c).regime for c in ("57", "67", "68")} == {Regime.ALSACE_MOSELLE}
    assert Department("54").regime is Regime.METROPOLITAN  # Grand Est is not Alsace-Moselle
    assert Department("976").regime is Regime.MAYOTTE
    assert Department("977").regime is Regime.OVERSEAS_COLLECTIVITY
    assert Department("974").is_overseas
    assert not Department("75").is_overseas


@pytest.mark.parametrize(
    ("text", "code"), [("1", "01"), ("01", "01"), ("2a", "2A"), (" 67 ", "67"), ("974", "974")]
)
def test_parsing_accepts_usual_spellings(text: str, code: str) -> None:
    assert Department(text).code == code


def test_code_20_names_the_corsican_codes() -> None:
    with pytest.raises(InvalidDepartmentError, match=r"2A.*2B"):
        Department("20")


@pytest.mark.parametrize("text", ["96", "00", "979", "984", "6AE", "", "abc"])
def test_unknown_codes_are_refused_naming_the_value(text: str) -> None:
    with pytest.raises(InvalidDepartmentError, match=repr(text)):
        Department(text)


def test_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="67"):
        Department(67)  # type: ignore[arg-type]


def test_names() -> None:
    assert Department("2B").name == "Haute-Corse"
    assert Department("978").name == "Saint-Martin"
    assert str(Department("5")) == "05"
