"""The law as data: dated parameters with their legal references (public submodule).

Amounts and thresholds of the *allocations familiales* — the BMAF (art. L551-1 CSS), the
rates (D521-1, D521-2, D755-5), the resource ceilings (D521-3), the SMIC behind the child
earnings cap (R512-2), the CRDS rate (ordonnance 96-50 art. 14), the Mayotte scale
(ordonnance 2002-149 art. 7) — are shipped as TOML in ``allocations/law/data`` and loaded
with ``tomllib`` (``parse_float=Decimal``). Each value carries its unit, its legal
reference and the day it was last checked.

>>> import datetime as dt
>>> from allocations.law import load_law
>>> value = load_law()["bmaf"].value_on(dt.date(2024, 5, 1))
>>> value.value, value.reference
(Decimal('466.44'), 'DSS revaluation circular of 1 April 2024, coefficient 1.046')

.. versionadded:: 0.1.0
"""

from allocations.law._loader import DATA_FILES, UNITS, load_law, parse_law
from allocations.law._model import LawBook, Parameter, ParameterValue

__all__ = [
    "DATA_FILES",
    "UNITS",
    "LawBook",
    "Parameter",
    "ParameterValue",
    "load_law",
    "parse_law",
]
