"""No input crashes the loaders: random and mutated YAML always gives located issues."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender import KnowledgeError, ProfileError, load_knowledge
from recommender.knowledge.yamlpos import parse
from recommender.profile import Source, parse_profile
from recommender.recommender import default_knowledge_dir

FILES = ["framework.yaml", "assessment.yaml", "catalogs/group/products.yaml", "catalogs/group/rules.yaml",
         "catalogs/sme/offers.yaml", "catalogs/group/catalog.yaml"]
TEXTS = {f: (default_knowledge_dir() / f).read_text(encoding="utf-8") for f in FILES}
TOKENS = [":", "-", " ", "\n", "  ", "{", "}", "[", "]", "'", '"', "#", "&a", "*a", "!!", "yes", "010", "~",
          "id: x", "requires", "- product: nope", "\t", "|", ">", "？", "，",
          # characters YAML forbids, tags, anchors and aliases, deep brackets, huge numbers
          "\x00", "\x07", "\x0b", "\x1b", "\x7f", "\ufffe", "!include /etc/passwd", "!!python/object:os.system ",
          "!!str ", "! ", "&a [*a]", "<<: *a", "*b", "[" * 70, "{a: " * 70, "9" * 5000, "0x" + "f" * 40, "---\n"]


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(FILES))
    text = TEXTS[name]
    for _ in range(draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=True)
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        kind = draw(st.sampled_from(["delete_line", "duplicate_line", "swap", "insert", "cut"]))
        if kind == "delete_line" and lines:
            del lines[i]
        elif kind == "duplicate_line" and lines:
            lines.insert(i, lines[i])
        elif kind == "swap" and len(lines) > 1:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert" and lines:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(TOKENS)) + lines[i][at:]
        elif kind == "cut":
            text = text[: draw(st.integers(0, len(text)))]
            continue
        text = "".join(lines)
    return name, text


def assert_located(exc: KnowledgeError | ProfileError) -> None:
    assert exc.issues
    for issue in exc.issues:
        assert issue.code and issue.message and issue.file


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(mutation=mutations())
def test_mutated_knowledge_gives_located_issues_never_a_crash(mutation: tuple[str, str], tmp_path: Path) -> None:
    name, text = mutation
    root = tmp_path / "k"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(default_knowledge_dir(), root)
    (root / name).write_text(text, encoding="utf-8")
    try:
        load_knowledge(root)
    except KnowledgeError as exc:
        assert_located(exc)
        for issue in exc.issues:
            if issue.code not in ("missing-file", "unknown-catalog"):
                assert issue.line is not None, str(issue)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=300),
                      st.lists(st.sampled_from(TOKENS + ["a", "1", "x: "]), max_size=40).map("".join)))
def test_random_text_never_crashes_the_yaml_reader(text: str) -> None:
    doc = parse(text, "random.yaml")
    for issue in doc.issues:
        assert issue.file == "random.yaml" and issue.code and issue.line is not None, str(issue)


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.sampled_from(["name", "industry", "employees", "needs", "budget_monthly",
                                             "key_persons", "colour", "lifecycle_stage"]),
                            st.one_of(st.none(), st.integers(-5, 10**6), st.text(max_size=12),
                                      st.lists(st.text(max_size=8), max_size=3), st.floats(allow_nan=False))))
def test_random_profiles_give_profile_errors_never_a_crash(data: dict) -> None:  # type: ignore[type-arg]
    try:
        parse_profile(data, source=Source(file="p.yaml"))
    except ProfileError as exc:
        assert_located(exc)


def test_knowledge_files_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    root = tmp_path / "k"
    shutil.copytree(default_knowledge_dir(), root)
    catalog = root / "catalogs" / "group" / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8") + (
        f'extra: !!python/object/apply:os.system ["touch {marker}"]\n'), encoding="utf-8")
    try:
        load_knowledge(root)
    except KnowledgeError as exc:
        assert [i.code for i in exc.issues] == ["yaml-tag"]
    assert not marker.exists()
