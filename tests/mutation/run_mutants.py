"""Hand-made mutation testing: put one deliberate bug into a copy of the package, run the suite,
and see whether any test fails. Each mutant in `mutants.yaml` names a file, a snippet that must
occur exactly once, its replacement and the bug it stands for.

    .venv/bin/python tests/mutation/run_mutants.py [--only ID ...] [--workers N]

A mutant is "killed" when a test other than the stored regression baseline fails, "detector
only" when only `tests/test_baseline_regression.py` catches it (a change detector with no
oracle), and "survived" when nothing fails. Not part of `make test`: a full run takes
about half an hour on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("sim", "tests", "scenarios", "calibration", "pyproject.toml", "README.md")
REGRESSION = "tests/test_baseline_regression.py"


def copy_tree(dest: Path) -> None:
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "mutation"))
        elif src.exists():
            shutil.copy2(src, dest / name)


def apply(tree: Path, mutant: dict) -> None:
    path = tree / mutant["file"]
    text = path.read_text(encoding="utf-8")
    count = text.count(mutant["find"])
    if count != 1:
        raise SystemExit(f"mutant {mutant['id']}: snippet occurs {count} times in {mutant['file']}")
    path.write_text(text.replace(mutant["find"], mutant["replace"]), encoding="utf-8")


def pytest(tree: Path, *args: str) -> bool:
    """True if the suite passes (the mutant survives these tests)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(cmd, cwd=tree, env=env, capture_output=True).returncode == 0


def control() -> None:
    """The unmutated copy must pass, or every mutant would look killed."""
    with tempfile.TemporaryDirectory(prefix="mutant-control-") as tmp:
        tree = Path(tmp)
        copy_tree(tree)
        if not pytest(tree, "tests"):
            raise SystemExit("the suite fails on an unmutated copy: fix that (or COPIED) first")


def judge(mutant: dict) -> tuple[str, str, float]:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        tree = Path(tmp)
        copy_tree(tree)
        apply(tree, mutant)
        if not pytest(tree, "tests", "--ignore", REGRESSION):
            verdict = "killed"
        elif not pytest(tree, REGRESSION):
            verdict = "detector only"
        else:
            verdict = "survived"
    return mutant["id"], verdict, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="mutant ids to run (default: all)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--file", type=Path, default=Path(__file__).with_name("mutants.yaml"))
    parser.add_argument("--no-control", action="store_true", help="skip the unmutated control run")
    args = parser.parse_args()
    mutants = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    if args.only:
        mutants = [m for m in mutants if m["id"] in args.only]
    for m in mutants:  # fail fast on a stale snippet before spending half an hour
        if (ROOT / m["file"]).read_text(encoding="utf-8").count(m["find"]) != 1:
            raise SystemExit(f"mutant {m['id']}: snippet not found exactly once in {m['file']}")
    if not args.no_control:
        control()
    results = {}
    with ThreadPoolExecutor(args.workers) as pool:
        for mid, verdict, seconds in pool.map(judge, mutants):
            results[mid] = verdict
            print(f"{mid:40s} {verdict:14s} {seconds:6.0f} s", flush=True)
    killed = sum(v == "killed" for v in results.values())
    detector = sum(v == "detector only" for v in results.values())
    print(
        f"\n{killed} of {len(results)} killed by oracle tests, {detector} only by the change detector, "
        f"{len(results) - killed - detector} survived"
    )


if __name__ == "__main__":
    main()
