"""README.md documents every setting: a new one without its line fails here."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text()
    missing = [
        f"VIGIE_{name.upper()}"
        for name in Settings.model_fields
        if f"`VIGIE_{name.upper()}`" not in text
    ]
    assert not missing, f"add these settings to README.md's configuration table: {missing}"
