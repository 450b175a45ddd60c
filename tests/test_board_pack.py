"""`ipc-sim report DIR --docx`: the Word board pack, read back with python-docx: its headings
in order, the executive summary's sentences, two figures, the per-1,000 tables cell for cell,
and a provenance block equal to the manifest's."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, write_yaml

from sim.board_pack import HEADINGS
from sim.cli import main


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pack")
    files = [
        write_yaml(
            folder / f"{name}.yaml",
            {"name": name, "extends": str(ROOT / "scenarios" / f"{name}.yaml"), "population": {"size": 1000}},
        )
        for name in ("baseline", "at_scale")
    ]
    out = folder / "run"
    argv = ["run", *map(str, files), "--reps", "2", "--days", "120", "--out", str(out)]
    assert main([*argv, "--workers", "1", "--no-progress"]) == 0
    assert main(["report", str(out), "--docx"]) == 0
    return out


@pytest.fixture(scope="module")
def pack(run_folder):
    from docx import Document

    return Document(str(run_folder / "board_pack.docx"))


def test_the_pack_has_its_headings_in_order(pack):
    headings = [p.text for p in pack.paragraphs if p.style.name == "Heading 1"]

    assert headings == list(HEADINGS)
    assert pack.paragraphs[0].style.name == "Title"
    assert pack.paragraphs[0].text == "ipc-sim board pack: at_scale against baseline"


def test_the_pack_opens_with_the_reports_question_and_sentences(run_folder, pack):
    from sim.report import run_headline
    from sim.run_reader import read_run

    headline = run_headline(read_run(run_folder), None)
    texts = [p.text for p in pack.paragraphs]
    start = texts.index("Executive summary")

    assert texts[start + 1 : start + 2 + len(headline.sentences)] == [headline.question, *headline.sentences]
    assert all(c in texts for c in headline.caveats)


def test_the_pack_holds_the_forest_plot_and_the_cost_figure(pack):
    assert len(pack.inline_shapes) == 2


def test_the_per_1000_tables_are_the_reports_cell_for_cell(run_folder, pack):
    from sim.report import per_1000_tables

    summary = pd.read_csv(run_folder / "summary.csv")
    frames = per_1000_tables(summary, "baseline")
    # tables: the headline's, the three per-1,000 tables, then provenance
    shown = pack.tables[1:4]

    assert len(pack.tables) == 1 + len(frames) + 1
    for table, (_, frame) in zip(shown, frames, strict=True):
        assert (len(table.rows), len(table.columns)) == (len(frame) + 1, len(frame.columns))
        assert [c.text for c in table.rows[0].cells] == list(frame.columns)
        for row, expected in zip(table.rows[1:], frame.astype(str).values.tolist(), strict=True):
            assert [c.text for c in row.cells] == expected


def test_provenance_is_the_manifests(run_folder, pack):
    manifest = json.loads((run_folder / "manifest.json").read_text())
    block = {r.cells[0].text: r.cells[1].text for r in pack.tables[-1].rows[1:]}

    assert block["ipc-sim version"] == manifest["version"]
    assert block["git commit"] == (manifest["git_commit"] or "unknown")
    assert block["root seed"] == str(manifest["root_seed"])
    assert block["replicates"] == "2"
    assert block["parameter source"].startswith("fixed")
    for s in manifest["scenarios"]:
        assert block[f"scenario {s['name']} sha256"] == s["sha256"]


def test_an_unknown_headline_scenario_exits_2_with_one_line_and_writes_nothing(run_folder, capsys):
    before = (run_folder / "report.html").stat().st_mtime_ns

    assert main(["report", str(run_folder), "--headline", "nowhere"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--headline" in err and "'nowhere'" in err
    assert (run_folder / "report.html").stat().st_mtime_ns == before
