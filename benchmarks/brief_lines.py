"""How readable is the text an account manager gets? The brief against the full audit text.

For every scenario in knowledge/scenarios, every example profile in examples/ and every
row of examples/customers.csv, this recommends through the real engine and prints, for
the detail text (before:
``rationale_text(lang, detail=True)``) and the brief (after: ``rationale_text(lang)``),
the line count, the share of lines holding an id (snake_case or dotted) or, in
Chinese, an English word, and the internal jargon found. English words a catalog
itself writes in a Chinese name (IDC, PWLAN, 400, SFA/FFA) and the Latin class
letters of the framework (B类集团客户) are allowed, and so are the few Latin terms the
seeds write in Chinese (VIP, LBS, FFA, SLA); the customer's own name is not
checked. tests/test_brief.py asserts the brief's side of it. Run:

    python benchmarks/brief_lines.py [--knowledge DIR]
"""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Iterator
from pathlib import Path

from recommender import CustomerProfile, Recommendation, Recommender, parse_profile
from recommender.knowledge.loader import available_catalogs
from recommender.result import Lang
from recommender.scenarios import load_scenarios

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CATALOGS = {"small_shop": "sme"}  # examples not of the default catalog (tests/conftest.py)
JARGON = ("问题产品", "瘦狗产品", "明星产品", "现金牛", "金牛产品", "种子资料", "规则", "示意价格")
# Latin terms the seeds themselves write in Chinese text: 002/004 VIP客户经理, 004 LBS and FFA, 003 SLA需求预测
SEED_TERMS = frozenset({"VIP", "LBS", "FFA", "SLA"})
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_TOKEN = re.compile(r"[A-Za-z0-9_.]+")

def cases(knowledge: Path) -> Iterator[tuple[str, Recommender, CustomerProfile]]:
    """Every scenario and example profile, with the recommender of its catalog."""
    recommenders = {c: Recommender.from_path(knowledge, c) for c in available_catalogs(knowledge)}
    default = Recommender.from_path(knowledge)
    for loaded in load_scenarios(knowledge):
        rec = recommenders[loaded.scenario.catalog] if loaded.scenario.catalog else default
        yield loaded.scenario.id, rec, parse_profile(loaded.scenario.profile)
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        catalog = EXAMPLE_CATALOGS.get(path.stem)
        rec = recommenders[catalog] if catalog else default
        yield f"examples/{path.name}", rec, rec.load_profile(path)
    with (ROOT / "examples" / "customers.csv").open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            yield f"examples/customers.csv:{row['id']}", default, _csv_profile(row)


def _csv_profile(row: dict[str, str]) -> CustomerProfile:
    """A row of examples/customers.csv as a profile, read as docs/tutorials/csv.md reads it."""
    data: dict[str, object] = {k: v.strip() for k, v in row.items() if v and v.strip()}
    data["needs"] = [n for n in str(data.get("needs", "")).split(";") if n]
    return parse_profile(data)


def allowed_words(recommenders: list[Recommender]) -> set[str]:
    """The Latin words the knowledge itself writes in Chinese names: products' and the customer classes'."""
    names = [p.name["zh"] for r in recommenders for p in r.knowledge.products.values()]
    names += [c.name["zh"] for r in recommenders for c in r.knowledge.framework.customer_classes]
    return {w for name in names for w in _WORD.findall(name)} | SEED_TERMS


def line_flags(text: str, lang: Lang, customer: str, allowed: set[str]) -> list[tuple[bool, bool, list[str]]]:
    """Per line: holds an id; holds an English word (zh only); the jargon in it. The customer's name is skipped."""
    out = []
    for line in text.replace(customer, "").splitlines():
        tokens = [t.strip(".") for t in _TOKEN.findall(line)]
        has_id = any("_" in t or ("." in t and re.search("[A-Za-z]", t)) for t in tokens)
        english = lang == "zh" and any(w not in allowed for w in _WORD.findall(line))
        out.append((has_id, english, [j for j in JARGON if j in line] if lang == "zh" else []))
    return out


def _stats(result: Recommendation, lang: Lang, detail: bool, allowed: set[str]) -> tuple[int, float, int]:
    """Lines, share of lines with an id or English, jargon found."""
    flags = line_flags(result.rationale_text(lang, detail=detail), lang, result.customer_name, allowed)
    flagged = sum(1 for has_id, english, _ in flags if has_id or english)
    return len(flags), flagged / max(len(flags), 1), sum(len(j) for _, _, j in flags)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    args = parser.parse_args()
    rows = list(cases(args.knowledge))
    allowed = allowed_words(list({id(r): r for _, r, _ in rows}.values()))
    head = ("lines", "", "ids/English", "", "jargon", "")
    print(f"{'':52} {'':4} " + " ".join(f"{h:>11}" for h in head))
    print(f"{'case':52} {'lang':4} " + " ".join(f"{h:>11}" for h in ("before", "after") * 3))
    stats: dict[Lang, list[tuple[tuple[int, float, int], tuple[int, float, int]]]] = {"zh": [], "en": []}
    for label, rec, profile in rows:
        result = rec.recommend(profile, top_k=3)
        for lang in stats:
            before, after = _stats(result, lang, True, allowed), _stats(result, lang, False, allowed)
            stats[lang].append((before, after))
            print(f"{label:52} {lang:4} {before[0]:11} {after[0]:11} {before[1]:11.0%} {after[1]:11.0%} "
                  f"{before[2]:11} {after[2]:11}")
    print()
    for lang, pairs in stats.items():
        n = len(pairs)
        lines = [f"{min(p[i][0] for p in pairs)}-{max(p[i][0] for p in pairs)}" for i in (0, 1)]
        shares = [f"{sum(p[i][1] for p in pairs) / n:.0%}" for i in (0, 1)]
        jargon = [str(sum(p[i][2] for p in pairs)) for i in (0, 1)]
        print(f"{f'ALL {n} cases (lines min-max, mean share, total jargon)':52} {lang:4} "
              + " ".join(f"{x:>11}" for x in (*lines, *shares, *jargon)))


if __name__ == "__main__":
    main()
