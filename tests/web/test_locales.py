"""Every label the UI shows exists in Vietnamese and in English."""

from __future__ import annotations

import json
from pathlib import Path

LOCALES = Path(__file__).resolve().parents[2] / "web" / "locales"


def catalogue(language: str) -> dict[str, set[str]]:
    return {
        path.stem: set(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted((LOCALES / language).glob("*.json"))
    }


def test_the_vietnamese_and_english_catalogues_have_the_same_areas_and_keys() -> None:
    vietnamese, english = catalogue("vi"), catalogue("en")
    assert set(vietnamese) == set(english)
    for area in english:
        assert vietnamese[area] ^ english[area] == set(), area
