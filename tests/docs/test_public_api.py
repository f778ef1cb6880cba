"""The public façade and the API reference stay in step.

Every name in ``allocations.__all__`` must be importable and appear in an ``auto*`` directive
of ``docs/api/``; a name documented there must exist. Readers rely on the reference.
"""

from __future__ import annotations

import re
from pathlib import Path

import allocations

API_DOCS = Path(__file__).resolve().parents[2] / "docs" / "api"
_DIRECTIVE = re.compile(
    r"^\.\. auto(?:class|function|data|exception)::\s+allocations\.(\w+)\s*$", re.M
)
_MODULE = re.compile(r"^\.\. automodule::\s+(allocations[\w.]*)\s*$", re.M)


def _documented_names() -> set[str]:
    names: set[str] = set()
    for page in API_DOCS.glob("*.rst"):
        text = page.read_text(encoding="utf-8")
        names.update(_DIRECTIVE.findall(text))
        for module_name in _MODULE.findall(text):
            module = __import__(module_name, fromlist=["__all__"])
            names.update(getattr(module, "__all__", ()))
    return names


def test_every_public_name_is_importable() -> None:
    for name in allocations.__all__:
        assert hasattr(allocations, name), name


def test_every_public_name_is_in_the_api_reference() -> None:
    missing = sorted(set(allocations.__all__) - _documented_names() - {"__version__"})
    assert missing == [], f"add these to docs/api/*.rst: {missing}"


def test_import_does_not_pull_hypothesis() -> None:
    import subprocess
    import sys

    code = "import sys, allocations; print('hypothesis' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
