"""Every hostile input gives the contract's answer: its exit status, one clear line per problem
(or a capped list), no traceback, nothing written, and fast. The cases live in
`tests/hostile.py` and run in one child process under address-space and CPU-time limits, so a
hang or a memory blow-up fails its case, not the machine."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest
from conftest import ROOT
from hostile import CASES

MEMORY_BYTES = 3 * 2**30  # address space of the child (and its workers)
CPU_SECONDS = 600
CASE_WALL_SECONDS = 10  # bounded input fails fast; an unreachable Dask scheduler within 5 s


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("hostile") / "results.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "hostile.py"), str(out)],
        preexec_fn=_limits,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {r["case"]["id"]: r for r in json.loads(out.read_text())}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_gets_the_contracts_answer(results, case):
    result = results[case.id]
    lines = result["stderr"]

    assert result["status"] == case.exit, lines
    assert not any("Traceback" in line for line in lines), lines
    if case.lines is not None:
        assert len(lines) == case.lines, lines
    else:
        assert lines
    if case.starts:
        assert all(line.startswith(case.starts) for line in lines), lines
    if case.contains:
        assert any(case.contains in line for line in lines), lines
    if case.writes_nothing:
        assert result["written"] == [], result["written"]
    assert result["seconds"] < CASE_WALL_SECONDS


def test_the_set_covers_each_kind_of_hostile_input():
    kinds = {"validate": 0, "run": 0, "report": 0}
    for case in CASES:
        kinds[case.argv[0]] += 1
    assert len(CASES) >= 100
    assert kinds["validate"] >= 50 and kinds["run"] >= 20 and kinds["report"] >= 20, kinds
