"""Every issue code is registered and documented in docs/errors.md (what, example, fix)."""

from __future__ import annotations

import re
from pathlib import Path

from recommender.errors import CODES

DOC = Path(__file__).resolve().parent.parent / "docs" / "errors.md"


def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## `([a-z0-9-]+)`\s*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_code_has_a_reference_entry() -> None:
    documented = sections()
    assert sorted(documented) == sorted(CODES)
    for code, body in documented.items():
        for heading in ("**What it means**", "**Example**", "**Fix**"):
            assert heading in body, f"{code}: missing {heading}"


def test_every_code_used_in_the_source_is_registered() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (DOC.parent.parent / "recommender").rglob("*.py"))
    used = set(re.findall(r'"([a-z0-9]+(?:-[a-z0-9]+)+)"', source)) & {c for c in CODES} | {
        c for c in re.findall(r'code="([a-z0-9-]+)"', source)}
    assert used <= set(CODES)


def test_chinese_reference_has_the_same_codes_and_messages() -> None:
    zh = DOC.with_name("errors.zh.md").read_text(encoding="utf-8")
    parts = re.split(r"^## `([a-z0-9-]+)`\s*$", zh, flags=re.MULTILINE)
    documented = dict(zip(parts[1::2], parts[2::2], strict=True))
    assert list(documented) == list(sections())
    for code, body in documented.items():
        for heading in ("**含义**", "**示例**", "**修复**"):
            assert heading in body, f"{code}: missing {heading}"
    english_blocks = re.findall(r"```text\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert all(block in zh for block in english_blocks)  # the tool's messages, quoted unchanged
