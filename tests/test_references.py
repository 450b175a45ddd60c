"""References that travel with the code: every source of a parameter, prior, calibration target
and price-index year cites keys, `[key]`, that resolve to an entry of docs/references.md, and
every entry there is cited (docs/references.md, "How a source cites")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sim.params import registry

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = ROOT / "docs" / "references.md"
KEY = re.compile(r"\[([a-z][a-z0-9-]*)\]")  # `[0.323, 0.327]` (an interval) is not a key
ENTRY = re.compile(r"^### \[([a-z][a-z0-9-]*)\]\s*$", re.MULTILINE)
CONVENTIONS = ("assumption", "derived", "calibrated", "lever-priors")  # ours, not publications


def entries() -> dict[str, str]:
    """Each entry's key and its text (up to the next heading), from the file itself."""
    text = REFERENCES.read_text(encoding="utf-8")
    heads = list(ENTRY.finditer(text))
    bodies = {}
    for head, after in zip(heads, [*heads[1:], None], strict=True):
        end = after.start() if after else len(text)
        body = text[head.end() : end]
        bodies[head.group(1)] = re.split(r"^#", body, flags=re.MULTILINE)[0].strip()
    return bodies


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def sources() -> dict[str, str]:
    """Every cited source in the repository, by where it is: the registry's parameters (core and
    levers), the priors shaped by hand (the others take the registry's source), the calibration
    targets and the price index's years."""
    found = {f"parameter {name}": p.source for name, p in registry().items()}
    priors = _yaml(ROOT / "calibration" / "priors.yaml")["parameters"]
    found |= {f"prior {n}": e["justification"] for n, e in priors.items() if e and "justification" in e}
    targets = _yaml(ROOT / "calibration" / "targets.yaml")
    found |= {f"target {n}": t["source"] for n, t in targets.items()}
    prices = _yaml(ROOT / "sim" / "data" / "price_index.yaml")["years"]
    found |= {f"price index {year}": y["source"] for year, y in prices.items()}
    return found


SOURCES = sources()


def test_the_reference_list_is_in_the_checkout_and_has_entries():
    assert REFERENCES.is_file()
    assert len(entries()) >= 40


def test_no_key_has_two_entries():
    keys = ENTRY.findall(REFERENCES.read_text(encoding="utf-8"))
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []


def test_the_sources_cover_every_parameter_prior_target_and_price_year():
    # the oracle: the files themselves, counted independently of sources()
    core = _yaml(ROOT / "sim" / "data" / "parameters.yaml")
    assert set(core) <= {k.removeprefix("parameter ") for k in SOURCES}
    assert sum(k.startswith("parameter ") for k in SOURCES) == len(registry())
    assert sum(k.startswith("target ") for k in SOURCES) == len(_yaml(ROOT / "calibration" / "targets.yaml"))
    assert sum(k.startswith("price index ") for k in SOURCES) == len(
        _yaml(ROOT / "sim" / "data" / "price_index.yaml")["years"]
    )
    assert sum(k.startswith("prior ") for k in SOURCES) >= 1


@pytest.mark.parametrize("where", list(SOURCES))
def test_every_source_cites_a_key_and_every_key_resolves(where):
    keys = KEY.findall(SOURCES[where])
    assert keys, f"{where}: cites no [key] of docs/references.md: {SOURCES[where]!r}"
    missing = sorted(set(keys) - entries().keys())
    assert not missing, f"{where}: cites {missing}, which docs/references.md does not list"


def test_every_entry_is_cited_at_least_once():
    cited = {k for text in SOURCES.values() for k in KEY.findall(text)}
    assert sorted(entries().keys() - cited) == []


@pytest.mark.parametrize("where", list(SOURCES))
def test_no_source_points_outside_the_repository(where):
    # 'ev N' and evidence.md were section numbers of notes that do not ship with the code
    text = SOURCES[where]
    assert not re.search(r"\bev \d|\(ev\b|evidence\.md|design\.md", text), f"{where}: {text!r}"


@pytest.mark.parametrize("where", list(SOURCES))
def test_a_source_that_assumes_says_so_with_the_assumption_key(where):
    text = SOURCES[where]
    if re.search(r"\bassum", KEY.sub("", text), flags=re.IGNORECASE):
        assert "[assumption]" in text, f"{where}: an assumption not marked [assumption]: {text!r}"


def test_every_publication_says_what_figure_we_take_and_conventions_are_explained():
    for key, body in entries().items():
        if key in CONVENTIONS:
            assert len(body.split()) >= 20, f"[{key}]: the convention needs explaining"
        else:
            assert "We take" in body, f"[{key}]: no 'We take' line saying which figure the model uses"
            citation = body.split("We take")[0]
            dated = re.search(r"\b(19|20)\d\d\b|undated|year\s+not\s+recorded", citation)
            assert dated, f"[{key}]: the citation has no year (or says it is not recorded)"
