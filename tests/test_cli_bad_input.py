"""Every kind of bad input, through the CLI: exit 2, one line per problem naming the file and the
field, no traceback, nothing written (design.md, "Output contract")."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.cli import main

VALID = "name: {name}\nhorizon_days: 30\npopulation:\n  size: 1000\n"


def valid(name: str = "case", extra: str = "") -> str:
    """A complete standalone scenario, plus `extra` YAML lines."""
    return VALID.format(name=name) + extra


CARE_PLANNING_ON = "interventions:\n  care_planning:\n    enabled: true\n"
ALL_LEVERS_ON = (
    "interventions:\n"
    "  care_planning: {enabled: true, coordinators: 30}\n"
    "  phb: {enabled: true}\n"
    "  peer_support: {enabled: true, groups: 20}\n"
    "  advocacy: {enabled: true, advocates: 20}\n"
)
# parameter -> what a zero does to a run
ZERO_BREAKS = {
    "peer_support.fade_half_life_days": "PeerSupport.__init__ divides by it (ZeroDivisionError, exit 1)",
    "phb.respite_hour_cost": "PersonalHealthBudgets.__init__ divides by it (ZeroDivisionError, exit 1)",
    "phb.setup_shape": "PersonalHealthBudgets.__init__ divides by it (ZeroDivisionError, exit 1)",
    "advocacy.hours_per_case": "Advocacy.__init__ divides by it (ZeroDivisionError, exit 1)",
    "care_planning.recent_use_half_life_days": "CarePlanning.__init__ divides by it (ZeroDivisionError)",
}


@dataclass(frozen=True)
class Case:
    """Files to write (None: make a folder), arguments after the command, and the problems
    expected on stderr: (file shown, dotted field or None for a whole-file problem, a fragment
    of the message)."""

    files: dict[str, str | None]
    args: tuple[str, ...]
    problems: tuple[tuple[str, str | None, str], ...]
    commands: tuple[str, ...] = ("validate", "run")


CASES: dict[str, Case] = {
    "malformed_yaml": Case(
        {"bad.yaml": "name: bad\nhorizon_days: 30\npopulation: size: 1000\nparameters: {}\n"},
        ("bad.yaml",),
        (("bad.yaml", None, "line 3"),),
    ),
    "unknown_top_level_key": Case(
        {"bad.yaml": valid(extra="horizon: 30\n")},
        ("bad.yaml",),
        (("bad.yaml", "horizon", "unknown key"),),
    ),
    "unknown_nested_key": Case(
        {"bad.yaml": valid(extra="").replace("size: 1000\n", "size: 1000\n  sizes: 1000\n")},
        ("bad.yaml",),
        (("bad.yaml", "population.sizes", "unknown key"),),
    ),
    "unknown_parameter": Case(
        {"bad.yaml": valid(extra="parameters:\n  hospital.bedz: 500\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.hospital.bedz", "unknown parameter"),),
    ),
    "removed_delayed_bed_day_cost": Case(  # issue 10: a delayed day is a bed day, never charged on top
        {"bad.yaml": valid(extra="parameters:\n  costs.delayed_bed_day: 304\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.costs.delayed_bed_day", "unknown parameter"),),
    ),
    "discount_rate_above_one": Case(
        {"bad.yaml": valid(extra="parameters:\n  costs.discount_rate: 3.5\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.costs.discount_rate", "must be <= 1 (rate per year), got 3.5"),),
    ),
    "negative_unit_cost": Case(
        {"bad.yaml": valid(extra="parameters:\n  costs.crisis_managed_at_home: -120\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.costs.crisis_managed_at_home", "must be >= 0 (GBP), got -120"),),
    ),
    "unknown_parameter_in_nested_mapping": Case(
        {"bad.yaml": valid(extra="parameters:\n  hospital:\n    bedz: 500\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.hospital.bedz", "unknown parameter"),),
    ),
    "missing_name": Case(
        {"bad.yaml": "horizon_days: 30\npopulation:\n  size: 1000\n"},
        ("bad.yaml",),
        (("bad.yaml", "name", "required"),),
    ),
    "population_size_not_a_number": Case(
        {"bad.yaml": valid().replace("size: 1000", "size: big")},
        ("bad.yaml",),
        (("bad.yaml", "population.size", "whole number"),),
    ),
    "horizon_days_not_whole": Case(
        {"bad.yaml": valid().replace("horizon_days: 30", "horizon_days: 1.5")},
        ("bad.yaml",),
        (("bad.yaml", "horizon_days", "whole number"),),
    ),
    "parameter_given_as_text": Case(
        {"bad.yaml": valid(extra="parameters:\n  hospital.beds: many\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.hospital.beds", "must be a number"),),
    ),
    "population_too_small": Case(
        {"bad.yaml": valid().replace("size: 1000", "size: 10")},
        ("bad.yaml",),
        (("bad.yaml", "population.size", ">= 1000"),),
    ),
    "population_too_large": Case(
        {"bad.yaml": valid().replace("size: 1000", "size: 2000000")},
        ("bad.yaml",),
        (("bad.yaml", "population.size", "<= 1000000"),),
    ),
    "share_above_one": Case(
        {"bad.yaml": valid(extra="parameters:\n  ae.admit_base: 1.5\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.ae.admit_base", "<= 1"),),
    ),
    "negative_rate": Case(
        {"bad.yaml": valid(extra="parameters:\n  crisis.ae_rate: -0.5\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.crisis.ae_rate", ">= 0"),),
    ),
    "not_a_number_parameter": Case(
        {"bad.yaml": valid(extra="parameters:\n  crisis.ae_rate: .nan\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.crisis.ae_rate", "NaN"),),
    ),
    "fractional_count": Case(
        {"bad.yaml": valid(extra="parameters:\n  hospital.beds: 500.5\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.hospital.beds", "whole number"),),
    ),
    "infinite_count": Case(
        {"bad.yaml": valid(extra="parameters:\n  hospital.beds: .inf\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.hospital.beds", "whole number"),),
    ),
    "missing_file": Case(
        {},
        ("nope.yaml",),
        (("nope.yaml", None, "not found"),),
    ),
    "extends_missing_file": Case(
        {"child.yaml": valid("child", "extends: nothere.yaml\n")},
        ("child.yaml",),
        (("child.yaml", "extends", "nothere.yaml"),),
    ),
    "extends_cycle": Case(
        {"a.yaml": valid("a", "extends: b.yaml\n"), "b.yaml": valid("b", "extends: a.yaml\n")},
        ("a.yaml",),
        (("b.yaml", "extends", "cycle"),),
    ),
    "extends_itself": Case(
        {"a.yaml": valid("a", "extends: a.yaml\n")},
        ("a.yaml",),
        (("a.yaml", "extends", "cycle"),),
    ),
    "scenario_is_a_folder": Case(
        {"folder.yaml": None},
        ("folder.yaml",),
        (("folder.yaml", None, "directory"),),
    ),
    "empty_file": Case(
        {"empty.yaml": ""},
        ("empty.yaml",),
        (("empty.yaml", None, "empty"),),
    ),
    "comments_only": Case(
        {"comments.yaml": "# a scenario to write later\n# name: x\n"},
        ("comments.yaml",),
        (("comments.yaml", None, "comments"),),
    ),
    "list_not_mapping": Case(
        {"list.yaml": "- name: x\n- horizon_days: 30\n"},
        ("list.yaml",),
        (("list.yaml", None, "must be a mapping"),),
    ),
    "parameters_not_a_mapping": Case(
        {"bad.yaml": valid(extra="parameters: [hospital.beds, 500]\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters", "mapping"),),
    ),
    "share_group_not_summing_to_one": Case(
        {"bad.yaml": valid(extra="parameters:\n  frailty.share_fit: 0.9\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.frailty.share_fit", "sum to 1"),),
    ),
    "share_group_broken_in_parent": Case(
        {
            "parent.yaml": valid("parent", "parameters:\n  activation.share_level1: 0.5\n"),
            "child.yaml": "name: child\nextends: parent.yaml\n",
        },
        ("child.yaml",),
        (("child.yaml", "parameters.activation.share_level1", "sum to 1"),),
    ),
    "problem_in_parent_file": Case(
        {
            "parent.yaml": valid("parent", "parameters:\n  hospital.beds: -3\n"),
            "child.yaml": "name: child\nextends: parent.yaml\n",
        },
        ("child.yaml",),
        (("parent.yaml", "parameters.hospital.beds", ">= 0"),),
    ),
    "duplicate_scenario_names": Case(
        {"one.yaml": valid("twin"), "two.yaml": valid("twin")},
        ("one.yaml", "two.yaml"),
        (("two.yaml", "name", "also the name of one.yaml"),),
    ),
    "three_problems_in_one_file": Case(
        {
            "bad.yaml": "name: bad\nhorizon_days: 0\npopulation:\n  size: 10\n"
            "parameters:\n  crisis.ae_rate: -1\n"
        },
        ("bad.yaml",),
        (
            ("bad.yaml", "horizon_days", ">= 1"),
            ("bad.yaml", "population.size", ">= 1000"),
            ("bad.yaml", "parameters.crisis.ae_rate", ">= 0"),
        ),
    ),
    "problems_in_two_files_reported_together": Case(
        {
            "one.yaml": valid("one", "bogus: 1\n"),
            "two.yaml": valid("two", "parameters:\n  ae.admit_base: 2\n"),
        },
        ("one.yaml", "two.yaml"),
        (("one.yaml", "bogus", "unknown key"), ("two.yaml", "parameters.ae.admit_base", "<= 1")),
    ),
    "headline_not_a_scenario": Case(
        {"baseline.yaml": valid("baseline"), "ok.yaml": valid("ok")},
        ("baseline.yaml", "ok.yaml", "--report", "--headline", "nowhere"),
        (("command line", "--headline", "'nowhere'"),),
        commands=("run",),
    ),
    "headline_is_the_baseline": Case(
        {"baseline.yaml": valid("baseline"), "ok.yaml": valid("ok")},
        ("baseline.yaml", "ok.yaml", "--report", "--headline", "baseline"),
        (("command line", "--headline", "besides the baseline"),),
        commands=("run",),
    ),
    "docx_without_report": Case(
        {"ok.yaml": valid("ok")},
        ("ok.yaml", "--docx"),
        (("command line", "--headline/--docx", "need --report"),),
        commands=("run",),
    ),
    "reps_zero": Case(
        {"ok.yaml": valid("ok")},
        ("ok.yaml", "--reps", "0"),
        (("command line", "--reps", ">= 1"),),
        commands=("run",),
    ),
    "workers_zero": Case(
        {"ok.yaml": valid("ok")},
        ("ok.yaml", "--workers", "0"),
        (("command line", "--workers", ">= 1"),),
        commands=("run",),
    ),
    "days_zero": Case(
        {"ok.yaml": valid("ok")},
        ("ok.yaml", "--days", "0"),
        (("command line", "--days", ">= 1"),),
        commands=("run",),
    ),
    "negative_seed": Case(
        {"ok.yaml": valid("ok")},
        ("ok.yaml", "--seed", "-1"),
        (("command line", "--seed", ">= 0"),),
        commands=("run",),
    ),
    "reps_not_a_number": Case(
        {"ok.yaml": valid("ok")},
        ("ok.yaml", "--reps", "ten"),
        (("command line", None, "--reps"),),
        commands=("run",),
    ),
    "baseline_names_no_scenario": Case(
        {"ok.yaml": valid("ok")},
        ("ok.yaml", "--baseline", "basline"),
        (("command line", "--baseline", "basline"),),
        commands=("run",),
    ),
    "events_given_a_value": Case(
        {"ok.yaml": valid("ok")},
        ("ok.yaml", "--events=yes"),
        (("command line", None, "--events"),),
        commands=("run",),
    ),
    "events_with_a_bad_file": Case(
        {"bad.yaml": valid(extra="bogus: 1\n")},
        ("bad.yaml", "--events"),
        (("bad.yaml", "bogus", "unknown key"),),
        commands=("run",),
    ),
    "bad_option_and_bad_file_together": Case(
        {"bad.yaml": valid(extra="bogus: 1\n")},
        ("bad.yaml", "--reps", "0"),
        (("command line", "--reps", ">= 1"), ("bad.yaml", "bogus", "unknown key")),
        commands=("run",),
    ),
    # --- IPC levers -------------------------------------------------------------------------------
    "unknown_lever": Case(
        {"bad.yaml": valid(extra="interventions:\n  care_planing:\n    enabled: true\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.care_planing", "unknown key"),),
    ),
    "unknown_lever_setting": Case(
        {"bad.yaml": valid(extra=CARE_PLANNING_ON + "    coordinator: 3\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.care_planning.coordinator", "unknown key"),),
    ),
    "interventions_not_a_mapping": Case(
        {"bad.yaml": valid(extra="interventions: [care_planning, phb]\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions", "mapping"),),
    ),
    "unknown_targeting_rule": Case(
        {"bad.yaml": valid(extra=CARE_PLANNING_ON + "    targeting: sickest_first\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.care_planning.targeting", "must be one of 'highest_risk'"),),
    ),
    "negative_coordinators": Case(
        {"bad.yaml": valid(extra=CARE_PLANNING_ON + "    coordinators: -2\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.care_planning.coordinators", ">= 0"),),
    ),
    "coordinators_as_text": Case(
        {"bad.yaml": valid(extra=CARE_PLANNING_ON + "    coordinators: seven\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.care_planning.coordinators", "must be a number"),),
    ),
    "enabled_not_true_or_false": Case(
        {"bad.yaml": valid(extra="interventions:\n  peer_support:\n    enabled: 'yes'\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.peer_support.enabled", "must be true or false"),),
    ),
    "enabled_given_as_one": Case(
        {"bad.yaml": valid(extra="interventions:\n  advocacy:\n    enabled: 1\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.advocacy.enabled", "must be true or false"),),
    ),
    "phb_without_care_planning": Case(
        {"bad.yaml": valid(extra="interventions:\n  phb:\n    enabled: true\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.phb.enabled", "needs interventions.care_planning.enabled"),),
    ),
    "phb_left_without_care_planning_by_a_child": Case(
        {
            "parent.yaml": valid("parent", CARE_PLANNING_ON + "  phb:\n    enabled: true\n"),
            "child.yaml": "name: child\nextends: parent.yaml\n"
            "interventions:\n  care_planning:\n    enabled: false\n",
        },
        ("child.yaml",),
        (("child.yaml", "interventions.phb.enabled", "needs interventions.care_planning.enabled"),),
    ),
    "negative_target_budgets": Case(
        {"bad.yaml": valid(extra=CARE_PLANNING_ON + "  phb:\n    enabled: true\n    target_budgets: -5\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.phb.target_budgets", ">= 0"),),
    ),
    "fractional_target_plans": Case(
        {"bad.yaml": valid(extra=CARE_PLANNING_ON + "    target_plans: 2000.5\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.care_planning.target_plans", "whole number"),),
    ),
    "bad_min_frailty": Case(
        {"bad.yaml": valid(extra=CARE_PLANNING_ON + "  phb:\n    enabled: true\n    min_frailty: very\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.phb.min_frailty", "must be one of 'fit'"),),
    ),
    "negative_start_day": Case(
        {"bad.yaml": valid(extra="interventions:\n  start_day: -7\n")},
        ("bad.yaml",),
        (("bad.yaml", "interventions.start_day", ">= 0"),),
    ),
    "lever_parameter_out_of_range": Case(
        {"bad.yaml": valid(extra="parameters:\n  care_planning.contingency_share: 1.5\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.care_planning.contingency_share", "<= 1"),),
    ),
    "negative_lever_parameter": Case(
        {"bad.yaml": valid(extra="parameters:\n  advocacy.uptake_rr: -1\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.advocacy.uptake_rr", ">= 0"),),
    ),
    "phb_spending_shares_not_summing_to_one": Case(
        {"bad.yaml": valid(extra="parameters:\n  phb.share_respite: 0.5\n")},
        ("bad.yaml",),
        (("bad.yaml", "parameters.phb.share_respite", "sum to 1"),),
    ),
    "three_lever_problems_in_one_file": Case(
        {
            "bad.yaml": valid(
                extra=CARE_PLANNING_ON + "    coordinators: -1\n    targeting: nearest\n"
                "  peer_support:\n    groups: -3\n"
            )
        },
        ("bad.yaml",),
        (
            ("bad.yaml", "interventions.care_planning.coordinators", ">= 0"),
            ("bad.yaml", "interventions.care_planning.targeting", "must be one of"),
            ("bad.yaml", "interventions.peer_support.groups", ">= 0"),
        ),
    ),
    # Parameters that divide or are logged: zero is rejected (they used to crash the run).
    **{
        f"zero_{name.replace('.', '_')}": Case(
            {"bad.yaml": valid(extra=ALL_LEVERS_ON + f"parameters:\n  {name}: 0\n")},
            ("bad.yaml",),
            (("bad.yaml", f"parameters.{name}", "> 0"),),
        )
        for name in ZERO_BREAKS
    },
}

BUGS: dict[str, str] = {}  # case id -> known bug (strict xfail); none open


def _params():
    for case_id, case in CASES.items():
        for command in case.commands:
            bug = BUGS.get(case_id)
            marks = [pytest.mark.xfail(reason=bug, strict=True)] if bug else []
            yield pytest.param(command, case, id=f"{case_id}-{command}", marks=marks)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("command", "case"), list(_params()))
def test_bad_input_exits_2_with_one_line_per_problem_and_writes_nothing(
    command, case, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    for name, text in case.files.items():
        if text is None:
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_text(text, encoding="utf-8")
    run_options = ["--out", "out", "--workers", "1", "--no-progress"] if command == "run" else []
    argv = [command, *run_options, *case.args]  # the case's own options come last and win
    before = _snapshot(tmp_path)

    status = main(argv)

    err = capsys.readouterr().err
    lines = err.splitlines()
    assert status == 2, err
    assert "Traceback" not in err
    assert len(lines) == len(case.problems), err
    for file, field, fragment in case.problems:
        prefix = f"{file}: {field}: " if field else f"{file}: "
        matching = [line for line in lines if line.startswith(prefix) and fragment in line]
        assert len(matching) == 1, f"expected one line {prefix}...{fragment}... in:\n{err}"
    assert not (tmp_path / "out").exists()
    assert _snapshot(tmp_path) == before


def test_extends_missing_file_exits_2_naming_the_missing_parent(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "child.yaml").write_text(valid("child", "extends: nothere.yaml\n"))

    status = main(["validate", "child.yaml"])

    err = capsys.readouterr().err
    assert status == 2
    assert "nothere.yaml" in err
    assert "Traceback" not in err


def test_child_population_typo_is_the_only_problem_reported(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "parent.yaml").write_text(valid("parent"))
    child = "name: child\nextends: parent.yaml\npopulation: {sizes: 5}\n"
    (tmp_path / "child.yaml").write_text(child)

    status = main(["validate", "child.yaml"])

    assert status == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["child.yaml: population.sizes: unknown key 'sizes'"]


def test_out_that_is_a_file_exits_2_and_leaves_the_file_alone(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.yaml").write_text(valid("ok"))
    (tmp_path / "out").write_text("keep me")

    status = main(["run", "ok.yaml", "--out", "out", "--workers", "1", "--no-progress"])

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("command line: --out: ")
    assert (tmp_path / "out").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.yaml", "out"]


def test_validate_good_file_exits_0_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.yaml").write_text(valid("ok"))

    status = main(["validate", "ok.yaml"])

    captured = capsys.readouterr()
    assert status == 0
    assert captured.err == ""
    assert captured.out.startswith("ok.yaml: ok")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.yaml"]


def test_python_dash_m_sim_validate_missing_file_exits_2_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sim", "validate", "missing.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == ["missing.yaml: file not found"]
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
