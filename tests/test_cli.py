"""The command line, run as a user would: a real process, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import EXAMPLES


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "recommender", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_recommend_text_and_json() -> None:
    text = run("recommend", str(EXAMPLES / "bank.yaml"), "--top-k", "2", "--lang", "zh")
    assert text.returncode == 0, text.stderr
    assert "方案 1" in text.stdout and "方案 2" in text.stdout and "方案 3" not in text.stdout
    as_json = run("recommend", str(EXAMPLES / "bank.yaml"), "--format", "json")
    assert as_json.returncode == 0
    data = json.loads(as_json.stdout)
    assert data["customer_id"] == "icbc-yunnan" and len(data["bundles"]) == 3


def test_bad_profile_exits_1_with_located_issues_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nindustry: financ\nemployees: 1\nneeds: [ofice]\n", encoding="utf-8")
    result = run("recommend", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}:2:11: error [unknown-reference] at industry" in result.stderr
    assert f"{bad}:3:12: error [out-of-range] at employees" in result.stderr
    assert f"{bad}:4:9: error [unknown-reference] at needs[0]" in result.stderr
    assert "did you mean 'finance' or 'insurance'?" in result.stderr
    assert "two or more people (seed 004, 3.1)" in result.stderr


def test_missing_file_and_bad_knowledge_exit_1(tmp_path: Path) -> None:
    assert run("recommend", str(tmp_path / "nope.yaml")).returncode == 1
    result = run("recommend", str(EXAMPLES / "bank.yaml"), "--knowledge", str(tmp_path))
    assert result.returncode == 1 and "not a knowledge directory" in result.stderr


def test_usage_errors_exit_2() -> None:
    assert run("recommend").returncode == 2
    assert run("recommend", str(EXAMPLES / "bank.yaml"), "--format", "xml").returncode == 2
    assert run("recommend", str(EXAMPLES / "bank.yaml"), "--top-k", "0").returncode == 2


def test_validate_reports_clean_default_knowledge() -> None:
    result = run("validate")
    assert result.returncode == 0
    assert "0 errors, 0 warnings" in result.stdout
