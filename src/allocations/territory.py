"""French départements (INSEE codes) and the family-benefit regime of each.

Holidays and benefit rules follow the *département*, never the region: Moselle (57) shares
Alsace's local holidays although Meurthe-et-Moselle (54), in the same region, does not.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any

import attrs

from allocations.errors import InvalidDepartmentError

__all__ = ["Department", "Regime"]


class Regime(enum.Enum):
    """Which body of rules applies in a département.

    .. versionadded:: 0.1.0
    """

    #: Metropolitan France outside Alsace-Moselle.
    METROPOLITAN = "metropolitan"
    #: Moselle, Bas-Rhin, Haut-Rhin: local holidays of art. L3134-13 Code du travail.
    ALSACE_MOSELLE = "alsace-moselle"
    #: Guadeloupe, Martinique, Guyane, La Réunion (*DROM*, art. L751-1 CSS).
    OVERSEAS_DEPARTMENT = "overseas-department"
    #: Mayotte: own family-benefit scheme (ordonnance 2002-149).
    MAYOTTE = "mayotte"
    #: Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin (*collectivités d'outre-mer*).
    OVERSEAS_COLLECTIVITY = "overseas-collectivity"

    @property
    def is_overseas(self) -> bool:
        """Whether the territory is outside metropolitan France."""
        return self in (
            Regime.OVERSEAS_DEPARTMENT,
            Regime.MAYOTTE,
            Regime.OVERSEAS_COLLECTIVITY,
        )


_NAMES: dict[str, str] = {
    "01": "Ain", "02": "Aisne", "03": "Allier", "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes", "06": "Alpes-Maritimes", "07": "Ardèche", "08": "Ardennes",
    "09": "Ariège", "10": "Aube", "11": "Aude", "12": "Aveyron", "13": "Bouches-du-Rhône",
    "14": "Calvados", "15": "Cantal", "16": "Charente", "17": "Charente-Maritime", "18": "Cher",
    "19": "Corrèze", "2A": "Corse-du-Sud", "2B": "Haute-Corse", "21": "Côte-d'Or",
    "22": "Côtes-d'Armor", "23": "Creuse", "24": "Dordogne", "25": "Doubs", "26": "Drôme",
    "27": "Eure", "28": "Eure-et-Loir", "29": "Finistère", "30": "Gard", "31": "Haute-Garonne",
    "32": "Gers", "33": "Gironde", "34": "Hérault", "35": "Ille-et-Vilaine", "36": "Indre",
    "37": "Indre-et-Loire", "38": "Isère", "39": "Jura", "40": "Landes", "41": "Loir-et-Cher",
    "42": "Loire", "43": "Haute-Loire", "44": "Loire-Atlantique", "45": "Loiret", "46": "Lot",
    "47": "Lot-et-Garonne", "48": "Lozère", "49": "Maine-et-Loire", "50": "Manche",
    "51": "Marne", "52": "Haute-Marne", "53": "Mayenne", "54": "Meurthe-et-Moselle",
    "55": "Meuse", "56": "Morbihan", "57": "Moselle", "58": "Nièvre", "59": "Nord",
    "60": "Oise", "61": "Orne", "62": "Pas-de-Calais", "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques", "65": "Hautes-Pyrénées", "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin", "68": "Haut-Rhin", "69": "Rhône", "70": "Haute-Saône",
    "71": "Saône-et-Loire", "72": "Sarthe", "73": "Savoie", "74": "Haute-Savoie",
    "75": "Paris", "76": "Seine-Maritime", "77": "Seine-et-Marne", "78": "Yvelines",
    "79": "Deux-Sèvres", "80": "Somme", "81": "Tarn", "82": "Tarn-et-Garonne", "83": "Var",
    "84": "Vaucluse", "85": "Vendée", "86": "Vienne", "87": "Haute-Vienne", "88": "Vosges",
    "89": "Yonne", "90": "Territoire de Belfort", "91": "Essonne", "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis", "94": "Val-de-Marne", "95": "Val-d'Oise",
    "971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion",
    "975": "Saint-Pierre-et-Miquelon", "976": "Mayotte", "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
}  # fmt: skip

_REGIMES: dict[str, Regime] = {
    "57": Regime.ALSACE_MOSELLE,
    "67": Regime.ALSACE_MOSELLE,
    "68": Regime.ALSACE_MOSELLE,
    "971": Regime.OVERSEAS_DEPARTMENT,
    "972": Regime.OVERSEAS_DEPARTMENT,
    "973": Regime.OVERSEAS_DEPARTMENT,
    "974": Regime.OVERSEAS_DEPARTMENT,
    "976": Regime.MAYOTTE,
    "975": Regime.OVERSEAS_COLLECTIVITY,
    "977": Regime.OVERSEAS_COLLECTIVITY,
    "978": Regime.OVERSEAS_COLLECTIVITY,
}


def _normalise_code(value: Any) -> str:
    """Turn ``"1"``, ``" 67 "``, ``"2a"`` into the canonical INSEE code, or raise."""
    if isinstance(value, Department):
        return value.code
    if not isinstance(value, str):
        raise TypeError(
            f"a département code must be a string such as '67' or '2A', got {value!r} "
            f"({type(value).__name__})"
        )
    code = value.strip().upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    if code in _NAMES:
        return code
    if code in ("20", "020"):
        raise InvalidDepartmentError(
            f"département code {value!r} is not valid: Corsica has been split since 1976 "
            "into '2A' (Corse-du-Sud) and '2B' (Haute-Corse)"
        )
    raise InvalidDepartmentError(
        f"département code {value!r} is not valid: expected 01-19, 2A, 2B, 21-95, "
        "971-978 (INSEE codes)"
    )


@attrs.frozen(order=True)
class Department:
    """A French département or overseas collectivity, by its INSEE code.

    The constructor accepts the usual spellings (``"1"``, ``"01"``, ``"2a"``, ``" 67 "``) and
    stores the canonical code. ``"20"`` is refused with a message that names 2A and 2B.

    Args:
        code: the INSEE code.

    Raises:
        TypeError: ``code`` is not a string.
        InvalidDepartmentError: the code is not known.

    >>> from allocations import Department
    >>> moselle = Department("57")
    >>> moselle.name, moselle.regime.value
    ('Moselle', 'alsace-moselle')
    >>> Department("2a").code, Department("1").code
    ('2A', '01')

    .. versionadded:: 0.1.0
    """

    code: str = attrs.field(converter=_normalise_code)

    @property
    def name(self) -> str:
        """The French name, e.g. ``"Bas-Rhin"``."""
        return _NAMES[self.code]

    @property
    def regime(self) -> Regime:
        """The body of rules that applies (holidays, family benefits)."""
        return _REGIMES.get(self.code, Regime.METROPOLITAN)

    @property
    def is_overseas(self) -> bool:
        """Whether the territory is outside metropolitan France."""
        return self.regime.is_overseas

    @classmethod
    def all(cls) -> Iterator[Department]:
        """Every known code, in INSEE order (01…19, 2A, 2B, 21…95, 971…978)."""
        for code in _NAMES:
            yield cls(code)

    def __str__(self) -> str:
        return self.code
