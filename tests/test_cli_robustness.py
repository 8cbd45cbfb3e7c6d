"""No input makes the command print a traceback: user errors exit 1, usage errors 2, bugs 3 in one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recommender.recommender import default_knowledge_dir

from .conftest import EXAMPLES, edit


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "recommender", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def bad_profiles(tmp: Path) -> dict[str, Path]:
    """Profile files a user might hand over by mistake, one per way of being wrong."""
    files = {
        "huge budget": "name: x\nindustry: finance\nemployees: 50\nbudget_monthly: 1e16\n",
        "infinite spend": "name: x\nindustry: finance\nemployees: 50\nannual_spend: .inf\n",
        "json 1e400": '{"name": "x", "industry": "finance", "employees": 50, "company_revenue": 1e400}',
        "escape in name": 'name: "\\e[31mred\\r\\nforged"\nindustry: finance\nemployees: 50\n',
        "alias bomb": "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
        "deep nesting": "a: " + "[" * 5000 + "]" * 5000 + "\n",
        "huge integer": "name: x\nindustry: finance\nemployees: " + "9" * 5000 + "\n",
        "tag": "name: !include /etc/passwd\nindustry: finance\nemployees: 50\n",
        "not a mapping": "- a\n- b\n",
        "empty": "",
        "binary": "\x00\x01\x02",
    }
    out = {}
    for label, text in files.items():
        path = tmp / (label.replace(" ", "_") + ".yaml")
        path.write_text(text, encoding="utf-8")
        out[label] = path
    gbk = tmp / "gbk.yaml"
    gbk.write_bytes("name: 某公司\nindustry: finance\nemployees: 50\n".encode("gbk"))
    out["gbk"] = gbk
    return out


def test_bad_profile_files_exit_1_with_located_issues(tmp_path: Path) -> None:
    for label, path in bad_profiles(tmp_path).items():
        result = run("recommend", str(path))
        assert result.returncode == 1, (label, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, label
        assert f"{path}" in result.stderr and "error [" in result.stderr, (label, result.stderr)
        assert "\x1b" not in result.stderr, label


def test_paths_that_are_not_profile_files_exit_1(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path / "missing.yaml", tmp_path):
        result = run("recommend", str(path), timeout=30)
        assert result.returncode in (1, 2), (path, result.stderr)
        assert "Traceback" not in result.stderr, path


@pytest.mark.parametrize("command", ["test", "coverage", "validate"])
def test_a_missing_or_empty_knowledge_directory_exits_1(command: str, tmp_path: Path) -> None:
    for directory in (tmp_path / "nonexistent", tmp_path):
        result = run(command, str(directory))
        assert result.returncode == 1, (command, directory, result.stdout, result.stderr)
        assert "framework.yaml" in result.stdout + result.stderr
        assert "0 passed, 0 failed" not in result.stdout


def test_a_knowledge_directory_without_scenarios_is_no_passing_test(tmp_path: Path) -> None:
    root = tmp_path / "k"
    shutil.copytree(default_knowledge_dir(), root)
    shutil.rmtree(root / "scenarios")
    result = run("test", str(root))
    assert result.returncode == 1 and "no scenario files" in result.stderr


def test_a_scenario_with_an_unsafe_number_is_refused_by_every_command(tmp_path: Path) -> None:
    root = tmp_path / "k"
    shutil.copytree(default_knowledge_dir(), root)
    scenario = root / "scenarios/grp_bank_client_notices.yaml"
    edit(scenario, "  budget_monthly: 8000\n", "  budget_monthly: 1e16\n")
    located = f"{scenario}:12:19: error [out-of-range] at profile.budget_monthly"
    validate = run("validate", str(root))
    assert validate.returncode == 1 and located in validate.stdout, validate.stdout
    for command in (("test", str(root)), ("coverage", str(root)), ("diff", str(default_knowledge_dir()), str(root))):
        result = run(*command)
        assert result.returncode in (0, 1), (command, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr, command
    assert "out of range" in run("test", str(root)).stdout


def test_an_internal_error_is_one_line_with_exit_3_and_debug_shows_the_traceback() -> None:
    inject = ("import sys, recommender.recommender as r\n"
              "def broken(*args, **kwargs):\n    raise ZeroDivisionError('injected bug')\n"
              "r.Recommender.recommend = broken\n"
              "from recommender.cli import main\nsys.argv[0] = 'recommender'\nmain()\n")
    args = ["recommend", str(EXAMPLES / "bank.yaml")]
    plain = subprocess.run([sys.executable, "-c", inject, *args], capture_output=True, text=True, timeout=60)
    assert plain.returncode == 3
    assert plain.stderr.count("\n") == 1 and "internal error (ZeroDivisionError): injected bug" in plain.stderr
    assert "--debug" in plain.stderr and "Traceback" not in plain.stderr
    debug = subprocess.run([sys.executable, "-c", inject, "--debug", *args], capture_output=True, text=True,
                           timeout=60)
    assert debug.returncode == 3 and "Traceback" in debug.stderr and "injected bug" in debug.stderr
