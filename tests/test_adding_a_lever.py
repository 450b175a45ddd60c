"""A new lever is one new file plus its scenario entry: the README's example, dropped into a
copy of the package with nothing else changed, validates, runs, reports its own metrics and
costs, and lists its parameters."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE_YAML, ROOT, write_yaml


def readme_block(language: str, after: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(after) :]
    return re.search(rf"```{language}\n(.*?)```", section, flags=re.DOTALL).group(1)


@pytest.fixture(scope="module")
def package_with_the_example(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    shutil.copytree(ROOT / "sim", tree / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "sim" / "levers" / "befriending.py").write_text(
        readme_block("python", "### Adding a lever"), encoding="utf-8"
    )
    return tree


def ipc_sim(tree: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=tree, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_readme_example_lever_runs_from_its_one_file(package_with_the_example):
    tree = package_with_the_example
    entry = __import__("yaml").safe_load(readme_block("yaml", "and in a scenario:"))
    scenario = write_yaml(
        tree / "befriending.yaml",
        {"name": "befriending_trial", "extends": str(BASELINE_YAML), "population": {"size": 2000}, **entry},
    )

    assert ipc_sim(tree, "validate", str(scenario)).returncode == 0
    done = ipc_sim(tree, "run", str(scenario), "--days", "40", "--reps", "1", "--workers", "1",
                   "--out", "out", "--no-progress")  # fmt: skip
    assert done.returncode == 0, done.stderr
    daily = pd.read_parquet(tree / "out" / "daily.parquet")
    places = round(50 * 2000 / 1000)  # 50 per 1,000 people of a 2,000 cohort
    assert daily["befriending_active"].max() == places
    assert daily["befriending_matches"].sum() >= places
    assert daily["cost_programme"].iloc[0] == pytest.approx(15 / 7 * places)


def test_the_example_levers_parameters_are_listed_and_its_settings_validated(package_with_the_example):
    tree = package_with_the_example
    listed = ipc_sim(tree, "params", "--format", "csv").stdout
    bad = write_yaml(
        tree / "bad.yaml",
        {"name": "bad", "extends": str(BASELINE_YAML), "interventions": {"befriending": {"places": -1}}},
    )

    assert "befriending.crisis_rr" in listed and "befriending.weeks" in listed
    result = ipc_sim(tree, "validate", str(bad))
    assert result.returncode == 2
    assert "interventions.befriending.places: must be >= 0, got -1" in result.stderr
