"""The project's basics: an MIT LICENSE as pyproject.toml declares, and a CITATION.cff (Citation
File Format 1.2.0) whose version is the package's."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# the keys CFF 1.2.0 requires (https://github.com/citation-file-format/citation-file-format, schema.json)
CFF_REQUIRED = ("cff-version", "message", "title", "authors")


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_the_licence_is_the_mit_licence_pyproject_declares():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PYPROJECT["license"] == "MIT"
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the ipc-sim developers" in text
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_the_citation_file_is_cff_1_2_0_with_every_required_key():
    cff = citation()
    assert cff["cff-version"] == "1.2.0"
    assert all(cff.get(k) for k in CFF_REQUIRED)
    assert all(isinstance(a, dict) and ("name" in a or "family-names" in a) for a in cff["authors"])


def test_the_citation_version_is_the_package_version():
    assert str(citation()["version"]) == PYPROJECT["version"] == version("ipc-sim")


def test_the_citation_licence_and_release_date_are_well_formed():
    cff = citation()
    assert cff["license"] == PYPROJECT["license"]
    released = str(cff["date-released"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", released)
    dt.date.fromisoformat(released)  # a real calendar date
