"""Sphinx configuration for the allocations documentation."""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

# Local extensions (docs/_ext): e.g. the lifecycle diagram generated from the code's table.
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "allocations"
author = "allocations developers"
copyright = "2026, allocations developers"
release = "0.1.0.dev0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "lifecycle_diagram",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
intersphinx_mapping: dict[str, tuple[str, None]] = {}
nitpicky = False
language = "en"
html_theme = "alabaster"
exclude_patterns = ["_build"]
# Sphinx's default flags include IGNORE_EXCEPTION_DETAIL, which let a stale error message in
# a how-to pass (an IBAN remainder shown as 96 while the library said 71): error messages are
# part of what the docs promise, so the doctests compare them too.
doctest_default_flags = doctest.ELLIPSIS | doctest.DONT_ACCEPT_TRUE_FOR_1
doctest_global_setup = """
import datetime as dt
from decimal import Decimal
import allocations
from allocations.money import *
from allocations.periods import *
"""
