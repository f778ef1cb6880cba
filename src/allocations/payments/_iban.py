"""IBAN and BIC validation for SEPA credit transfers: see :mod:`allocations.bank_accounts`.

The checks live in that lower module so that the ISO 20022 writer (which ``payments``
imports) and the payments share one implementation; this module keeps the names that
``allocations.payments`` has always exported.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from allocations.bank_accounts import (
    FRENCH_FORMAT_COUNTRIES,
    SEPA_IBAN_FORMATS,
    mask_iban,
    rib_key,
    validate_bic,
    validate_iban,
)

__all__ = [
    "FRENCH_FORMAT_COUNTRIES",
    "SEPA_IBAN_FORMATS",
    "mask_iban",
    "rib_key",
    "validate_bic",
    "validate_iban",
]
