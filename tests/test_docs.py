"""The documentation's code runs, and every public name is documented.

Every ```python block of a page runs, top to bottom, in one namespace per page
with the repository root as working directory, as a reader would run them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_hooks" not in p.parts)
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def pages_with_code() -> list[Path]:
    return [p for p in PAGES if BLOCK.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", pages_with_code(), ids=lambda p: str(p.relative_to(DOCS)))
def test_page_code_runs(page: Path, tmp_path: Path) -> None:
    blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
    script = tmp_path / "page.py"
    script.write_text("\n\n".join(blocks), encoding="utf-8")
    # Run under another name than __main__, so `if __name__ == "__main__":` servers stay off.
    runner = f"import runpy; runpy.run_path({str(script)!r}, run_name='docs_page')"
    result = subprocess.run([sys.executable, "-c", runner], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, f"{page}:\n{result.stderr[-3000:]}"


def test_readme_example_runs(tmp_path: Path) -> None:
    blocks = BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    script = tmp_path / "readme.py"
    script.write_text("\n\n".join(blocks), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Recommended bundle:" in result.stdout and len(result.stdout.splitlines()) < 60  # the brief, not a dump


def test_set_up_commands_agree_everywhere() -> None:
    commands = re.findall(r"^```bash\n(python3 -m venv .*?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"),
                          re.MULTILINE)
    assert len(commands) >= 2
    install_and_run, tests = commands[0], commands[1]
    assert "recommender recommend examples/" in install_and_run
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")  # CI runs exactly the README's tests
    home = (DOCS / "index.md").read_text(encoding="utf-8")
    assert install_and_run in home and tests in home
