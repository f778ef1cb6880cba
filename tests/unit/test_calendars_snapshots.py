"""The golden calendar files of ``tests/snapshots/`` match the rules.

A failure means a holiday or a payment date moved: if the change is deliberate, run
``.venv/bin/python tests/snapshots/generate.py`` and review ``git diff tests/snapshots``.
"""

from __future__ import annotations

import difflib

from tests.snapshots.generate import on_disk, render


def test_golden_files_are_up_to_date() -> None:
    expected, actual = render(), on_disk()
    assert sorted(actual) == sorted(expected), "regenerate: python tests/snapshots/generate.py"
    for name, text in expected.items():
        if actual[name] != text:
            diff = difflib.unified_diff(
                actual[name].splitlines(),
                text.splitlines(),
                f"{name} (on disk)",
                f"{name} (rules)",
                lineterm="",
                n=1,
            )
            raise AssertionError("\n".join(list(diff)[:40]))


def test_golden_files_stay_small_and_cover_every_departement() -> None:
    files = on_disk()
    assert sum(len(text.encode()) for text in files.values()) < 2 * 1024 * 1024
    listed = [
        code
        for name, text in files.items()
        if name.startswith("holidays-")
        for code in text.splitlines()[0].split("départements: ")[1].split()
    ]
    assert len(listed) == len(set(listed)) == 104
    # Spot checks against CALENDARS.md §9, so the files cannot silently encode a wrong rule.
    assert "2024-12-26;Thu;Saint-Étienne;legal;" in files["holidays-57-67-68.csv"]
    assert "2024-12-26" not in files["holidays-national.csv"]
    assert "2026-05-28;Thu;Abolition de l'esclavage (usage);usage;" in files["holidays-978.csv"]
    assert "2010-05-27;Thu;Abolition de l'esclavage;legal;uncertain" in files["holidays-977.csv"]
    assert "2001-12-31;Mon;Passage à l'euro fiduciaire;settlement;uncertain" in files["target2.csv"]
    assert "2026-03;2026-04-07;Tue" in files["payment-dates-national.csv"]
