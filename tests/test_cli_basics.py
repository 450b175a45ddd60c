"""The command line's basics: `--version`, a bare `ipc-sim` (usage on stderr, exit 2, like every
usage error), and examples in `--help` that are real commands."""

from __future__ import annotations

import shlex
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import sim
from sim.cli import EXAMPLES, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {"run", "validate", "report", "params", "calibrate", "sensitivity"}


def examples() -> list[list[str]]:
    """Each example command of the help's epilog, split as a shell would, without `ipc-sim`."""
    lines = [line.strip() for line in EXAMPLES.splitlines() if line.strip().startswith("ipc-sim ")]
    return [shlex.split(line)[1:] for line in lines]


def test_version_prints_the_installed_package_version(capsys):
    expected = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"ipc-sim {expected}\n"
    assert version("ipc-sim") == sim.__version__ == expected  # the run manifest records sim.__version__


def test_a_bare_call_prints_usage_and_every_command_on_stderr_and_exits_2(capsys):
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("usage: ipc-sim")
    assert all(command in captured.err for command in COMMANDS)


def test_help_shows_the_examples(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert all(" ".join(["ipc-sim", *e]) in out for e in examples())


def test_the_examples_cover_every_command_in_four_to_six_lines():
    assert 4 <= len(examples()) <= 6
    assert {e[0] for e in examples()} == COMMANDS


@pytest.mark.parametrize("argv", examples(), ids=lambda argv: " ".join(argv))
def test_every_example_parses_with_the_parser(argv):
    args = build_parser().parse_args(argv)  # a usage error would raise InputError
    assert args.command == argv[0]


@pytest.mark.parametrize("argv", examples(), ids=lambda argv: " ".join(argv))
def test_every_file_an_example_reads_is_shipped(argv):
    inputs = [a for a in argv if a.endswith((".yaml", ".csv"))]
    assert all((ROOT / a).is_file() for a in inputs), inputs
