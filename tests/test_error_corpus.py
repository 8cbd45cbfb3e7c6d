"""Golden error messages for a corpus of broken knowledge directories.

Each case in ``tests/corpus/<name>.yaml`` edits a copy of the default knowledge
(replacing text in a file, writing a file in a given encoding, deleting one, or
putting a named pipe, a symbolic link or a padded file in its place) and
the issues the loader reports
must equal ``tests/corpus/<name>.golden`` (paths shown relative to the copy), in English; each
must read in Chinese too (its ``text`` and ``hint_text``).
Refresh the golden files after a deliberate change with:

    RECOMMENDER_UPDATE_GOLDEN=1 pytest tests/test_error_corpus.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from recommender import KnowledgeError, load_knowledge
from recommender.errors import Issue
from recommender.recommender import default_knowledge_dir

from .child import run_child

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = sorted(CORPUS.glob("*.yaml"))
_HAN = re.compile("[\u4e00-\u9fff]")
_RENDER = """
    import json, sys
    from pathlib import Path
    from tests.test_error_corpus import render
    print(json.dumps(render(Path(sys.argv[1]), sys.argv[2] or None)))  # ASCII, whatever the locale
"""


def render(root: Path, catalog: str | None) -> str:
    return lines(loaded_issues(root, catalog), root)


def loaded_issues(root: Path, catalog: str | None) -> tuple[Issue, ...]:
    try:
        kb = load_knowledge(root, catalog)
    except KnowledgeError as exc:
        return exc.issues
    return tuple(kb.warnings)


def lines(issues: tuple[Issue, ...], root: Path) -> str:
    return "".join(str(i).replace(str(root) + "/", "") + "\n" for i in issues)


def assert_chinese(issues: tuple[Issue, ...]) -> None:
    """Every issue reads in Chinese too: its message and hint, not the English ones copied."""
    for issue in issues:
        zh, hint = issue.text.get("zh", ""), (issue.hint_text or {}).get("zh")
        assert _HAN.search(zh) and zh != issue.message, f"{issue.code}: no Chinese message in {issue.text}"
        assert issue.hint is None or (hint and _HAN.search(hint)), f"{issue.code}: no Chinese hint: {issue.hint}"


def apply(case: dict, root: Path) -> None:  # type: ignore[type-arg]
    for edit in case["edits"]:
        path = root / edit["file"]
        if "write" in edit:  # optional "encoding" saves it as, say, GBK, as Windows tools do
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(edit["write"], encoding=edit.get("encoding", "utf-8"))
        elif "delete" in edit:
            path.unlink()
        elif "fifo" in edit:  # a named pipe: a reader that opens it blindly waits forever
            path.unlink()
            os.mkfifo(path)
        elif "symlink" in edit:  # the target is relative to the link's folder, as `ln -s` takes it
            path.unlink()
            path.symlink_to(edit["symlink"])
        elif "size" in edit:  # padded with NUL bytes to this size (sparse: no disk used)
            os.truncate(path, edit["size"])
        else:
            text = path.read_text(encoding="utf-8")
            assert text.count(edit["replace"]) == 1, f"{edit['replace']!r} must occur once in {edit['file']}"
            path.write_text(text.replace(edit["replace"], edit["with"]), encoding="utf-8")


@pytest.mark.parametrize("case_file", CASES, ids=lambda p: p.stem)
def test_golden_errors(case_file: Path, tmp_path: Path) -> None:
    case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    root = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), root)
    apply(case, root)
    if any("fifo" in edit for edit in case["edits"]):  # a hang would fail this case, not stop pytest
        run = run_child(_RENDER, str(root), case.get("catalog") or "", timeout=60)
        assert run.returncode == 0, str(run)
        got = json.loads(run.stdout)
    else:
        issues = loaded_issues(root, case.get("catalog"))
        assert_chinese(issues)
        got = lines(issues, root)
    golden = case_file.with_suffix(".golden")
    if os.environ.get("RECOMMENDER_UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert got, "the case must produce at least one issue"
    assert got == golden.read_text(encoding="utf-8")
    for code in case["codes"]:
        assert f"[{code}]" in got, f"{case_file.stem} must show {code}"


def test_corpus_covers_thirty_kinds() -> None:
    codes = {code for case in CASES for code in yaml.safe_load(case.read_text(encoding="utf-8"))["codes"]}
    assert len(codes) >= 30, sorted(codes)
