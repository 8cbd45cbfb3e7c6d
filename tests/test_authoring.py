"""The authoring functions as a library: validate, scenarios, coverage and diff return data the CLI prints."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from recommender import authoring
from recommender.recommender import default_knowledge_dir

from .conftest import edit


def _scenarios_of(catalog: str) -> int:
    """Scenario files written for ``catalog``, read straight from the YAML (no catalog: the default one)."""
    framework = yaml.safe_load((default_knowledge_dir() / "framework.yaml").read_text(encoding="utf-8"))
    default = framework["default_catalog"]
    files = sorted((default_knowledge_dir() / "scenarios").glob("*.yaml"))
    return sum((yaml.safe_load(f.read_text(encoding="utf-8")).get("catalog") or default) == catalog for f in files)


def test_validate_returns_every_catalog_and_the_located_problems(kb_copy: Path) -> None:
    shipped = authoring.validate()
    assert shipped.ok and set(shipped.catalogs) == {"group", "sme"} and shipped.issues == ()
    edit(kb_copy / "catalogs" / "sme" / "products.yaml", '"Wangpu shop assistant"}\n    category: marketing\n',
         '"Wangpu shop assistant"}\n    category: marketting\n')
    broken = authoring.validate(kb_copy)
    assert not broken.ok and set(broken.catalogs) == {"group"}  # the group catalog still loads
    issue = next(i for i in broken.issues if i.code == "unknown-reference")
    assert issue.file and issue.file.endswith("catalogs/sme/products.yaml") and issue.line
    assert broken.errors >= 1 and f"{broken.errors} errors" in broken.summary()


def test_scenarios_and_coverage_as_data() -> None:
    outcomes = authoring.run_scenarios()
    assert len(outcomes) == _scenarios_of("group") + _scenarios_of("sme") and all(o.passed for o in outcomes)
    reports = authoring.coverage()
    assert len(reports) == 2 and all(r.complete for r in reports)


def test_diff_covers_every_catalog_and_runs_each_catalogs_own_scenarios(kb_copy: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(kb_copy, old)
    # seed 002 6.1.1: 5人以下本地互打免费; move the threshold to see the SME scenarios move
    rules = kb_copy / "catalogs" / "sme" / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    start = text.index("  - id: a8_small_team_free_calls")
    block = text[start:text.index("  - id: ", start + 10)]
    assert "lte: 5" in block
    rules.write_text(text.replace(block, block.replace("lte: 5", "lte: 6")), encoding="utf-8")
    diffs = {d.catalog: d for d in authoring.diff(old, kb_copy)}
    assert set(diffs) == {"group", "sme"}  # the SME catalog is no longer skipped
    assert not diffs["group"].changed and diffs["group"].checked == _scenarios_of("group")
    sme = diffs["sme"]
    assert sme.checked == _scenarios_of("sme")  # its own scenarios, not the group's
    assert any(c.kind == "rule" and "a8_small_team_free_calls" in c.changed for c in sme.entities)
    only = authoring.diff(old, kb_copy, catalog="sme")
    assert [d.catalog for d in only] == ["sme"] and only[0].checked == _scenarios_of("sme")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "recommender", *args], capture_output=True, text=True, timeout=300)


def test_diff_exit_code_as_git_does(kb_copy: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(kb_copy, old)
    assert _cli("diff", str(old), str(kb_copy), "--exit-code").returncode == 0
    edit(kb_copy / "catalogs" / "group" / "products.yaml", "zh: 会议电话,", "zh: 电话会议,")
    changed = _cli("diff", str(old), str(kb_copy), "--exit-code", "--catalog", "group")
    assert changed.returncode == 1 and "~ product conference_call: name" in changed.stdout
    assert _cli("diff", str(old), str(kb_copy), "--catalog", "group").returncode == 0  # without the flag
