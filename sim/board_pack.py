"""`ipc-sim report DIR --docx`: the board pack, a Word twin of the report's front matter.

A board secretary pastes it into their own template, so it uses only Word's built-in styles
(Title, Heading 1, List Bullet, Table Grid) and holds what a board paper needs: the executive
summary, the forest plot and the cost figure, the per-1,000 tables, the caveats and the run's
provenance. Its text comes from the same functions as the HTML page (sim/headline.py,
sim.report), so the two never disagree.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from docx import Document
from docx.shared import Cm, Pt

from sim.headline import Headline
from sim.number_format import money_interval
from sim.run_reader import RunContents

FIGURE_WIDTH = Cm(16)  # A4 less 2.5 cm margins
TABLE_FONT = Pt(8)
HEADINGS = (
    "Executive summary",
    "Differences from the baseline",
    "Costs by payer",
    "Annual outcomes per 1,000 people",
    "Caveats",
    "Provenance",
)
FILE = "board_pack.docx"


def _table(document, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for j, text in enumerate(header):
        table.cell(0, j).text = str(text)
    for i, row in enumerate(rows, start=1):
        for j, text in enumerate(row):
            table.cell(i, j).text = str(text)
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = TABLE_FONT


def write_board_pack(folder: Path, run: RunContents, headline: Headline | None, figures: Path) -> Path:
    """Write `folder/board_pack.docx` from a run the report has just drawn (its figures are in
    `figures`); return its path. Written to a temporary file first, so a failure leaves none."""
    from sim.headline import LIMITATIONS
    from sim.headline import table_header as headline_header
    from sim.headline import table_rows as headline_rows
    from sim.report import per_1000_tables, provenance_items

    manifest, baseline = run.manifest, run.manifest.get("baseline")
    document = Document()
    title = f"{headline.scenario} against {headline.baseline}" if headline else "projection"
    document.add_heading(f"ipc-sim board pack: {title}", level=0)

    document.add_heading(HEADINGS[0], level=1)
    if headline is None:
        document.add_paragraph("This run has no baseline scenario, so there is no headline.")
    else:
        document.add_paragraph().add_run(headline.question).bold = True
        for sentence in headline.sentences:
            document.add_paragraph(sentence)
        _table(document, headline_header(headline), headline_rows(headline))
        ratio = headline.per_admission_avoided
        document.add_paragraph(
            "The whole cohort a year; costs in GBP, undiscounted. % change is the change and its "
            "interval over the baseline's mean. Net cost per emergency admission avoided: "
            + (
                money_interval(ratio.value.mean, ratio.value.lo, ratio.value.hi)
                if ratio.value is not None
                else ratio.reason
            )
            + "."
        )

    document.add_heading(HEADINGS[1], level=1)
    forest = figures / "differences_from_baseline.png"
    if baseline is not None and forest.is_file():
        document.add_paragraph(
            f"Each dot is the paired difference from {baseline} per 1,000 people a year; the line is "
            "its 95% interval. A line that crosses zero cannot be told from no change."
        )
        document.add_picture(str(forest), width=FIGURE_WIDTH)
    else:
        document.add_paragraph("No baseline in this run, so no differences.")

    document.add_heading(HEADINGS[2], level=1)
    document.add_paragraph("Annual cost by payer and in total, GBP million a year, with 95% intervals.")
    document.add_picture(str(figures / "costs_by_payer.png"), width=FIGURE_WIDTH)

    document.add_heading(HEADINGS[3], level=1)
    document.add_paragraph(
        "Each cell: the value [95% interval] and, under it, the paired difference from the baseline "
        "[95% interval]."
    )
    for caption, frame in per_1000_tables(run.summary, baseline):
        document.add_paragraph().add_run(caption).bold = True
        _table(document, list(frame.columns), frame.astype(str).values.tolist())

    document.add_heading(HEADINGS[4], level=1)
    for caveat in headline.caveats if headline else []:
        document.add_paragraph(caveat, style="List Bullet")
    document.add_paragraph("Known limitations:")
    for limitation in LIMITATIONS:
        document.add_paragraph(limitation, style="List Bullet")

    document.add_heading(HEADINGS[5], level=1)
    items = provenance_items(manifest)
    _table(document, ["item", "value"], [list(item) for item in items])

    out = folder / FILE
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".board_pack-", suffix=".docx")
    os.close(fd)
    try:
        document.save(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary file, not mkstemp's owner-only
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out
