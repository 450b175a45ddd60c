"""`ipc-sim params --format csv|markdown`: the whole registry, every source and note in full (the
default table cuts sources to fit a terminal). The oracle is the registry as written:
sim/data/parameters.yaml read here, plus each lever's own written entries."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli import _markdown, main
from sim.levers import lever_classes

ROOT = Path(__file__).resolve().parents[1]
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def written() -> dict[str, dict]:
    """Every registry entry as its author wrote it, in the registry's order (core, then levers)."""
    entries = yaml.safe_load((ROOT / "sim" / "data" / "parameters.yaml").read_text(encoding="utf-8"))
    for lever in lever_classes():
        entries.update(lever.parameter_entries)
    return entries


WRITTEN = written()


def cells(line: str) -> list[str]:
    """The cells of one pipe-table row, pipes inside a cell (escaped) kept, unescaped."""
    inner = line.strip()
    assert inner.startswith("|") and inner.endswith("|"), line
    return [c.strip().replace("\\|", "|") for c in UNESCAPED_PIPE.split(inner[1:-1])]


@pytest.fixture(scope="module")
def csv_table() -> pd.DataFrame:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["params", "--format", "csv"]) == 0
    return pd.read_csv(io.StringIO(out.getvalue()), dtype={"price_year": str, "note": str, "source": str})


@pytest.fixture(scope="module")
def markdown_lines() -> list[str]:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["params", "--format", "markdown"]) == 0
    return out.getvalue().splitlines()


def test_csv_has_one_row_per_written_parameter_in_order(csv_table):
    assert list(csv_table["name"]) == list(WRITTEN)


def test_csv_prints_every_source_and_note_in_full(csv_table):
    for row in csv_table.itertuples():
        entry = WRITTEN[row.name]
        assert row.source == entry["source"]
        assert (row.note if isinstance(row.note, str) else "") == entry.get("note", "")
    assert csv_table["source"].str.len().max() > 60  # the default table would have cut these


def test_csv_gives_each_value_range_and_unit_as_written(csv_table):
    for row in csv_table.itertuples():
        entry = WRITTEN[row.name]
        assert row.unit == entry["unit"]
        if "value" in entry:
            assert (row.value, row.low, row.high) == pytest.approx(
                (entry["value"], entry["low"], entry["high"])
            )
            assert pd.isna(row.original) and pd.isna(row.price_year)
        else:  # a cost: the figure as published, and its range in the same prices, uplifted together
            assert row.original == pytest.approx(entry["original"])
            assert str(entry["price_year"]) in row.price_year
            assert row.value == pytest.approx(entry["original"] * row.uplift)
            assert (row.low, row.high) == pytest.approx(
                (entry["low"] * row.uplift, entry["high"] * row.uplift)
            )


def test_markdown_is_a_pipe_table_with_a_row_per_parameter(markdown_lines):
    header, rule, *rows = markdown_lines
    width = len(cells(header))
    assert re.fullmatch(r"\|(---\|)+", rule) and rule.count("---") == width
    assert all(len(cells(r)) == width for r in rows)
    assert len(rows) == len(WRITTEN)
    assert [cells(r)[0] for r in rows] == list(WRITTEN)


def test_markdown_prints_every_source_and_note_in_full(markdown_lines):
    header, _, *rows = markdown_lines
    columns = cells(header)
    for row in map(cells, rows):
        entry = WRITTEN[row[0]]
        assert row[columns.index("source")] == entry["source"]
        assert row[columns.index("note")] == entry.get("note", "")


def test_a_pipe_or_line_break_in_a_source_does_not_break_the_markdown_table():
    table = pd.DataFrame(
        [
            {
                "name": "x.y",
                "value": 1.0,
                "low": 0.5,
                "high": 2.0,
                "unit": "multiplier",
                "price_year": "",
                "original": None,
                "uplift": None,
                "source": "A | B [key]",
                "note": "two\nlines",
            }
        ]
    )
    header, _, row = _markdown(table, "uplift").splitlines()
    assert len(cells(row)) == len(cells(header)) == 10
    assert cells(row)[-2:] == ["A | B [key]", "two lines"]
