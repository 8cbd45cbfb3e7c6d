"""The YAML reader is bounded: every hostile file gives a located issue, fast, never a crash or a hang.

Inputs that once raised RecursionError, ran into MemoryError or hung (deep nesting,
alias bombs, named pipes) are read in a child process with a timeout, so a
regression fails the test instead of stopping pytest.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from recommender import KnowledgeError, ProfileError, load_knowledge, load_profile
from recommender.knowledge.yamlpos import MAX_DEPTH, MAX_FILE_BYTES, MAX_REPEATS, load_file, parse
from recommender.recommender import default_knowledge_dir
from recommender.scenarios import load_scenarios

from .child import run_child

# Reads one file (or a knowledge directory, its scenarios, a profile) and prints its issues as JSON
# with the seconds the read took, timed inside the child so start-up does not count.
_READ = """
    import json, sys, time
    from pathlib import Path
    from recommender import KnowledgeError, ProfileError, load_knowledge, load_profile
    from recommender.knowledge.yamlpos import load_file
    from recommender.scenarios import load_scenarios
    kind, path = sys.argv[1], Path(sys.argv[2])
    start = time.perf_counter()
    try:
        if kind == "file":
            issues = load_file(path, path.name).issues
        elif kind == "knowledge":
            load_knowledge(path)
            issues = []
        elif kind == "scenarios":
            load_scenarios(path)
            issues = []
        else:
            load_profile(path)
            issues = []
    except (KnowledgeError, ProfileError) as exc:
        issues = exc.issues
    print(json.dumps({"seconds": time.perf_counter() - start, "issues": [i.model_dump() for i in issues]}))
"""


def read_in_child(kind: str, path: Path) -> list[dict[str, Any]]:
    """The issues of reading ``path`` as ``kind``, asserting the read ended within two seconds."""
    run = run_child(_READ, kind, str(path), timeout=60)
    assert run.returncode == 0, str(run)
    out = json.loads(run.stdout)
    assert out["seconds"] < 2, out
    return out["issues"]  # type: ignore[no-any-return]


def read_text_in_child(text: str, tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "bound.yaml"
    path.write_text(text, encoding="utf-8")
    return read_in_child("file", path)


def knowledge_copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), root)
    return root


def codes_at(issues: list[dict[str, Any]]) -> list[tuple[str, int | None, int | None]]:
    return [(i["code"], i["line"], i["column"]) for i in issues]


@pytest.mark.parametrize(("text", "column"), [
    ("[" * 100_000, 1001),          # libyaml's own limit stops the scan here: still far past ours
    ("{a: " * 100_000, 4 * MAX_DEPTH + 1),
    ("- " * 100_000, 2 * MAX_DEPTH + 1),
    ("a: " + "[" * 999 + "]" * 999, 3 + MAX_DEPTH),  # the mapping is the first level
    ("a: " + "[" * 500 + "]" * 500, 3 + MAX_DEPTH),
], ids=["flow-100k", "mapping-100k", "block-100k", "999-closed", "500-closed"])
def test_deep_nesting_is_one_located_issue(text: str, column: int, tmp_path: Path) -> None:
    """Nesting past 64 levels, even 100,000 deep, is one yaml-too-deep issue at the first level too many."""
    assert codes_at(read_text_in_child(text, tmp_path)) == [("yaml-too-deep", 1, column)]


def test_deep_block_indentation_is_located_at_its_line() -> None:
    """Block mappings nested by indentation stop at line 65, the first level too many."""
    text = "".join(" " * i + f"k{i}:\n" for i in range(100)) + " " * 100 + "end\n"
    doc = parse(text, "deep.yaml")
    assert [(i.code, i.line) for i in doc.issues] == [("yaml-too-deep", MAX_DEPTH + 1)]
    assert doc.data is None


def test_nesting_at_the_limit_still_reads() -> None:
    """Exactly 64 levels read as data, so the limit never cuts a file that is merely deep."""
    doc = parse("[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH, "deep.yaml")
    assert doc.issues == []
    value = doc.data
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == [1]


def test_alias_bomb_is_refused_without_expanding(tmp_path: Path) -> None:
    """A 2 KB 'billion laughs' file is refused in milliseconds, listing at most MAX_REPEATS aliases."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    assert len(text) < 2048
    issues = read_text_in_child(text, tmp_path)
    assert {i["code"] for i in issues} == {"yaml-alias"}
    assert len(issues) == MAX_REPEATS
    assert codes_at(issues)[:2] == [("yaml-alias", 1, 4), ("yaml-alias", 2, 4)]


def test_self_referring_alias_is_located(tmp_path: Path) -> None:
    """``a: &a [*a]`` (once a RecursionError) is an anchor and an alias issue, each at its column."""
    issues = read_text_in_child("a: &a [*a]\n", tmp_path)
    assert codes_at(issues) == [("yaml-alias", 1, 4), ("yaml-alias", 1, 8)]


@pytest.mark.parametrize("number", ["9" * 5000, "12345678901234567890", "9223372036854775808",
                                    "-9223372036854775809", "0x" + "f" * 17, "0o" + "7" * 30])
def test_huge_integers_are_located_not_raised(number: str) -> None:
    """Integers beyond 64 bits (once a ValueError past 4,300 digits) are a located huge-integer issue."""
    doc = parse(f"name: x\namount: {number}\n", "p.yaml")
    assert [(i.code, i.line, i.column, i.path) for i in doc.issues] == [("huge-integer", 2, 9, "amount")]
    assert len(doc.issues[0].message) < 120  # a 5,000-digit number is shortened, not echoed


def test_integers_at_the_64_bit_limits_still_read() -> None:
    """The largest and smallest 64-bit integers read as numbers (their range is the models' concern)."""
    doc = parse("big: 9223372036854775807\nsmall: -9223372036854775808\n", "p.yaml")
    assert doc.issues == [] and doc.data == {"big": 2**63 - 1, "small": -(2**63)}


@pytest.mark.parametrize(("text", "where"), [
    ("name: 集团\vV网\n", [(1, 9)]),
    ("a: 1\nb: x\x00y\x1bz\n", [(2, 5), (2, 7)]),
    ("\ufeffa: \x0c\n", [(1, 4)]),            # the byte order mark takes no column, as in libyaml
    ("a: 1\r\nb: \x7f\n", [(2, 4)]),
    ("a: \ufffe\n", [(1, 4)]),
])
def test_control_characters_are_located(text: str, where: list[tuple[int, int]]) -> None:
    """Every character YAML forbids is a control-character issue at its line and column."""
    doc = parse(text, "c.yaml")
    assert [(i.code, i.line, i.column) for i in doc.issues] == [("control-character", *w) for w in where]
    assert doc.data is None


def test_control_characters_are_listed_at_most_max_repeats_times() -> None:
    """A file full of NUL bytes gives a short list, not one issue per byte."""
    assert len(parse("\x00" * 100_000, "nul.yaml").issues) == MAX_REPEATS


def test_a_fifo_as_a_knowledge_file_is_located_not_a_hang(tmp_path: Path) -> None:
    """A named pipe in place of rules.yaml is a not-a-file issue, found without opening it."""
    root = knowledge_copy(tmp_path)
    rules = root / "catalogs" / "group" / "rules.yaml"
    rules.unlink()
    os.mkfifo(rules)
    issues = read_in_child("knowledge", root)
    assert [(i["code"], i["file"]) for i in issues] == [("not-a-file", str(rules))]


def test_a_fifo_among_the_scenarios_is_located_not_a_hang(tmp_path: Path) -> None:
    """A named pipe under scenarios/ is a not-a-file issue naming it."""
    root = knowledge_copy(tmp_path)
    pipe = root / "scenarios" / "zz-pipe.yaml"
    os.mkfifo(pipe)
    assert [(i["code"], i["file"]) for i in read_in_child("scenarios", root)] == [("not-a-file", str(pipe))]


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_a_profile_that_is_not_a_file_is_located_not_a_hang(kind: str, tmp_path: Path) -> None:
    """A pipe, a folder or /dev/zero given as a profile is a not-a-file profile error."""
    path = tmp_path / "profile.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path = Path("/dev/zero")
    issues = read_in_child("profile", path)
    assert [(i["code"], i["file"]) for i in issues] == [("not-a-file", str(path))]


def test_a_symlink_out_of_the_knowledge_is_refused_without_its_content(tmp_path: Path) -> None:
    """A knowledge file linking outside the root is refused, and nothing of the target is shown."""
    root = knowledge_copy(tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\nrules: []\n", encoding="utf-8")
    rules = root / "catalogs" / "group" / "rules.yaml"
    rules.unlink()
    rules.symlink_to(secret)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    assert [(i.code, i.file) for i in caught.value.issues] == [("outside-knowledge", str(rules))]
    assert "hunter2" not in str(caught.value) and str(secret) not in str(caught.value)


def test_a_linked_folder_out_of_the_knowledge_is_refused(tmp_path: Path) -> None:
    """A catalog folder that is a link to elsewhere has each of its files refused."""
    root = knowledge_copy(tmp_path)
    outside = tmp_path / "elsewhere"
    shutil.move(root / "catalogs" / "group", outside)
    (root / "catalogs" / "group").symlink_to(outside)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root, "group")
    assert {i.code for i in caught.value.issues} == {"outside-knowledge"}
    assert len(caught.value.issues) == 4  # catalog, products, rules, offers


def test_a_scenario_linking_out_of_the_knowledge_is_refused(tmp_path: Path) -> None:
    """A scenario file linking outside the root is refused before it is read."""
    root = knowledge_copy(tmp_path)
    (tmp_path / "secret.yaml").write_text("id: hunter2\n", encoding="utf-8")
    link = root / "scenarios" / "zz-link.yaml"
    link.symlink_to(tmp_path / "secret.yaml")
    with pytest.raises(KnowledgeError) as caught:
        load_scenarios(root)
    assert [(i.code, i.file) for i in caught.value.issues] == [("outside-knowledge", str(link))]
    assert "hunter2" not in str(caught.value)


def test_a_symlink_inside_the_knowledge_still_reads(tmp_path: Path) -> None:
    """Links that stay inside the knowledge directory are followed as before."""
    root = knowledge_copy(tmp_path)
    rules = root / "catalogs" / "group" / "rules.yaml"
    rules.rename(root / "group-rules.yaml")
    rules.symlink_to("../../group-rules.yaml")
    assert load_knowledge(root, "group").rules


@pytest.mark.parametrize(("value", "tag"), [
    ("!include /etc/passwd", "!include"),
    ("!!python/object:os.system x", "!!python/object:os.system"),
    ("!!python/object/apply:os.system [ls]", "!!python/object/apply:os.system"),
    ("!!str 010", "!!str"),
    ("!!int '7'", "!!int"),
    ("! text", "!"),
])
def test_tags_are_located_errors(value: str, tag: str) -> None:
    """Every explicit tag, standard ones included, is a yaml-tag error at its place, never applied."""
    doc = parse(f"name: x\nextra: {value}\n", "t.yaml")
    assert [(i.code, i.line, i.column, i.path) for i in doc.issues] == [("yaml-tag", 2, 8, "extra")]
    assert f"'{tag}'" in doc.issues[0].message


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    """A file one byte over 10 MiB is a file-too-large issue, found from its size alone."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n")
    os.truncate(path, MAX_FILE_BYTES + 1)
    assert [i.code for i in load_file(path, "big.yaml").issues] == ["file-too-large"]
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert [i.code for i in caught.value.issues] == ["file-too-large"]


def test_a_file_at_the_size_cap_is_read(tmp_path: Path) -> None:
    """A file of exactly 10 MiB is read (here: a comment padding a small mapping)."""
    path = tmp_path / "cap.yaml"
    head = b"a: 1\n#"
    path.write_bytes(head + b"x" * (MAX_FILE_BYTES - len(head)))
    doc = load_file(path, "cap.yaml")
    assert doc.issues == [] and doc.data == {"a": 1}


def test_a_second_document_is_located() -> None:
    """A '---' starting a second document is a yaml-syntax issue at that line."""
    doc = parse("a: 1\n---\nb: 2\n", "two.yaml")
    assert [(i.code, i.line) for i in doc.issues] == [("yaml-syntax", 2)]
