"""Seeded generators over a knowledge base's own vocabulary: customers, and large catalogs cloned from one.

Used by the tests (the differential test, ``tests/test_engine_differential.py``) and the
benchmarks (``bench_engine.py``, ``bench_scale.py``), from this one place. Customers are drawn so that
rules fire: numbers sit on, just below and just above the thresholds the rules
test as often as anywhere else, texts are the values the rules compare with, and
needs, products, key persons and rivals come from the framework and the catalog.
``benchmarks/customers.py`` draws a realistic customer base for throughput instead;
these customers aim at the rules' edges, which a realistic base rarely reaches.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from recommender.errors import KnowledgeError
from recommender.evaluation import rule_branches
from recommender.knowledge.base import KnowledgeBase
from recommender.knowledge.loader import load_knowledge
from recommender.knowledge.schema import Op
from recommender.vocabulary import LIFECYCLE_STAGES

__all__ = ["Keep", "clone_catalog", "customers", "loadable_clone", "rule_constants", "scale_plan", "scaled_catalog"]

# libyaml's C loader and dumper where PyYAML has them: a 1,000-product catalog is 5 MB of YAML
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# Profile fields drawn as money, counts and year-on-year growth.
_MONEY = ("company_revenue", "annual_spend", "budget_monthly", "it_investment")
_COUNTS = ("it_staff", "managed_customers", "partners", "solution_types")
_GROWTHS = ("employee_growth", "revenue_growth", "it_investment_growth", "it_staff_growth", "spend_growth")
# Whether to keep a rule's clone in a copy (rule as read from rules.yaml, copy number from 1).
Keep = Callable[[dict[str, Any], int], bool]


def rule_constants(kb: KnowledgeBase) -> dict[str, list[Any]]:
    """Every constant a customer condition compares a field with, by field."""
    out: dict[str, set[Any]] = {}
    for rule in kb.rules:
        for branch in rule_branches(rule.when):
            for name, constraint in (branch.customer or {}).items():
                ops = constraint.operators if isinstance(constraint, Op) else [("eq", constraint)]
                for op, value in ops:
                    if op != "exists":
                        out.setdefault(name, set()).update(value if isinstance(value, list) else [value])
    return {k: sorted(v, key=repr) for k, v in out.items()}


def _number(r: random.Random, constants: list[Any], low: float, high: float, integer: bool = False) -> float:
    """On a rule's threshold, just beside it, or anywhere in [low, high] (log-uniform above 1)."""
    numbers = [c for c in constants if isinstance(c, (int, float)) and not isinstance(c, bool)]
    if numbers and r.random() < 0.5:
        value = r.choice(numbers) + r.choice((0, 0, -1, 1, -0.5, 0.5, -0.01, 0.01))
    elif high > 10 and r.random() < 0.8:
        value = 10 ** r.uniform(0, math.log10(high))
    else:
        value = r.uniform(low, high)
    value = min(max(value, low), high)
    return int(round(value)) if integer else round(value, r.choice((0, 2, 4)))


def _some(r: random.Random, pool: list[str], most: int) -> list[str]:
    return r.sample(pool, min(len(pool), r.choice([0, 0, 1, 1, 2, 3, most])))


def customers(kb: KnowledgeBase, count: int, seed: int = 12) -> Iterator[dict[str, Any]]:
    """``count`` profiles (as mappings) drawn with ``seed``; each is valid for ``kb`` apart from rare
    combinations check_profile refuses, which a caller skips."""
    r = random.Random(seed)
    fw, assessment = kb.framework, kb.assessment
    constants = rule_constants(kb)
    industries = [i.id for i in fw.industries]
    needs = sorted(kb.need_group)
    products = sorted(kb.products)
    ranks = [k.id for k in fw.key_person_ranks]
    relations = [k.id for k in fw.key_person_relations]
    cities = sorted({str(c) for c in constants.get("city", [])}
                    | {c if isinstance(c, str) else c.id for c in fw.capital_cities} | {"elsewhere"})
    regions = sorted({str(c) for c in constants.get("region", [])} | {"north", "south"})

    def maybe(p: float = 0.6) -> bool:
        return r.random() < p

    def pick(entries: list[Any]) -> str | None:
        return r.choice(entries).id if entries and maybe() else None

    for i in range(count):
        p: dict[str, Any] = {"name": f"generated {i}", "industry": r.choice(industries),
                             "employees": _number(r, constants.get("employees", []), 2, 200000, integer=True)}
        for name in _MONEY:
            if maybe():
                p[name] = float(_number(r, constants.get(name, []) + constants.get("monthly_spend", []) * 12
                                        if name == "annual_spend" else constants.get(name, []), 0, 5e8))
        if "annual_spend" in p and maybe(0.5):
            p["telecom_spend"] = round(p["annual_spend"] * r.uniform(1, 3), 2)
        for name in _COUNTS:
            if maybe(0.4):
                p[name] = _number(r, [], 0, 5000, integer=True)
        for name in _GROWTHS:
            if maybe(0.3):
                p[name] = round(r.uniform(-0.5, 1.5), 3)
        if maybe(0.3):
            p["profit_margin"] = round(r.uniform(-0.3, 0.5), 3)
        if maybe(0.4):
            p["lifecycle_stage"] = r.choice(LIFECYCLE_STAGES)
        if maybe(0.3):
            p["tenure_months"] = r.randrange(0, 240)
        if maybe(0.3):
            p["products_change"] = r.randrange(-5, 6)
        for name, entries in (("value_type", fw.value_types), ("segment", fw.segments),
                              ("footprint", fw.footprints), ("premises", fw.premises),
                              ("demand_focus", fw.demand_focuses), ("it_attitude", assessment.it_attitudes)):
            value = pick(entries)
            if value is not None:
                p[name] = value
        if maybe(0.5):
            p["city"] = r.choice(cities)
        if maybe(0.3):
            p["region"] = r.choice(regions)
        if assessment.social_influences and maybe(0.3):
            p["social_influence"] = _some(r, [s.id for s in assessment.social_influences], 3)
        p["needs"] = _some(r, needs, 6)
        owned = _some(r, products, 4)
        p["existing_products"] = owned
        rest = [x for x in products if x not in owned]
        p["rival_products"] = _some(r, rest, 3)
        p["former_products"] = _some(r, [x for x in rest if x not in p["rival_products"]], 2)
        if maybe(0.2):
            p["excluded_products"] = _some(r, rest, 2)
        for name in ("sites", "mobile_users", "fleet_size"):
            if maybe(0.3):
                p[name] = r.randrange(1, 500)
        if maybe(0.2):
            p["budget_one_time"] = float(r.randrange(0, 200000))
        if ranks and maybe(0.5):
            p["key_persons"] = [{"rank": r.choice(ranks), "relations": _some(r, relations, 3),
                                 "vip": maybe(0.3)} for _ in range(r.choice((1, 1, 2, 3)))]
        yield p


def clone_catalog(source: Path, target: Path, catalog: str, copies: int,
                  keep: Keep = lambda rule, copy: True) -> None:
    """A knowledge directory at ``target``: ``source`` with ``catalog``'s products and rules ``copies`` times,
    the clones' ids suffixed (``_c1`` ...) and every reference inside a clone pointing at the same clone,
    so the clones chain among themselves as the originals do; ``keep(rule, copy)`` may leave a rule's clone
    out. Offers and other catalogs stay as they are."""
    shutil.copytree(source, target)
    folder = target / "catalogs" / catalog
    products_doc, rules_doc = _documents(folder)
    ids = {p["id"] for p in products_doc["products"]}
    products, rules = list(products_doc["products"]), list(rules_doc["rules"])
    for k in range(1, copies):
        rename = {i: f"{i}_c{k}" for i in ids}
        products += [_renamed(p, rename) for p in products_doc["products"]]
        rules += [dict(_renamed(rule, rename), id=f"{rule['id']}_c{k}") for rule in rules_doc["rules"] if keep(rule, k)]
    products_doc["products"], rules_doc["rules"] = products, rules
    for name, doc in (("products.yaml", products_doc), ("rules.yaml", rules_doc)):
        (folder / name).write_text(yaml.dump(doc, Dumper=_DUMPER, allow_unicode=True, sort_keys=False),
                                   encoding="utf-8")


def scale_plan(source: Path, catalog: str, products: int, rules_per_product: float = 0.8) -> tuple[int, Keep]:
    """How to clone ``source``'s ``catalog`` to about ``products`` products with about ``rules_per_product``
    rules each: the copies to make, and which rule clones to keep (the original rules whole, then the same
    share of each copy's, chosen by a hash of the clone's id, so equal arguments give an equal directory)."""
    products_doc, rules_doc = _documents(source / "catalogs" / catalog)
    originals, base_rules = len(products_doc["products"]), len(rules_doc["rules"])
    copies = max(1, round(products / originals))
    wanted = rules_per_product * copies * originals - base_rules
    share = min(1.0, max(0.0, wanted / (base_rules * (copies - 1)))) if copies > 1 else 1.0
    return copies, lambda rule, k: zlib.crc32(f"{rule['id']}_c{k}".encode()) < share * 2**32


def scaled_catalog(source: Path, target: Path, catalog: str, products: int, rules_per_product: float = 0.8) -> int:
    """:func:`clone_catalog` to the size :func:`scale_plan` gives; returns the copies made."""
    copies, keep = scale_plan(source, catalog, products, rules_per_product)
    clone_catalog(source, target, catalog, copies, keep)
    return copies


def _documents(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A catalog folder's products and rules documents."""
    return tuple(yaml.load((folder / name).read_text(encoding="utf-8"), Loader=_LOADER)  # type: ignore[return-value]
                 for name in ("products.yaml", "rules.yaml"))


def loadable_clone(source: Path, target: Path, catalog: str, copies: int,
                   dropped: dict[str, int] | None = None, keep: Keep = lambda rule, copy: True,
                   ) -> tuple[KnowledgeBase, list[str]]:
    """:func:`clone_catalog`, less the rule clones durable-rules cannot take: while ``validate`` refuses a clone
    past one of its fixed limits (``engine-limit``), that rule's clones from that copy on are left out.
    ``dropped`` (rule id -> first copy left out) is a starting guess, which saves rounds of validation;
    ``keep`` leaves rule clones out from the start, as in :func:`clone_catalog`.
    Returns the knowledge and the rule ids left out (their clones from that copy on)."""
    dropped = dict(dropped or {})
    while True:
        if target.exists():
            shutil.rmtree(target)
        clone_catalog(source, target, catalog, copies,
                      lambda rule, k: k < dropped.get(rule["id"], copies) and keep(rule, k))
        try:
            return load_knowledge(target, catalog, cache=False), [f"{r}_c{k}.." for r, k in sorted(dropped.items())]
        except KnowledgeError as exc:
            text = (target / "catalogs" / catalog / "rules.yaml").read_text(encoding="utf-8")
            rules = yaml.load(text, Loader=_LOADER)["rules"]
            over = {rules[int(m.group(1))]["id"] for i in exc.issues
                    if i.code == "engine-limit" and (m := re.match(r"rules\[(\d+)\]", i.path))}
            clones = [rid.rsplit("_c", 1) for rid in over if "_c" in rid]
            if not clones or len(clones) < len(over) or any(i.code != "engine-limit" for i in exc.issues):
                raise
            for base, k in clones:
                dropped[base] = min(dropped.get(base, copies), int(k))


def _renamed(value: Any, rename: dict[str, str]) -> Any:
    """``value`` with every product id (a string equal to one) replaced, in any nesting."""
    if isinstance(value, dict):
        return {k: _renamed(v, rename) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, rename) for v in value]
    return rename.get(value, value) if isinstance(value, str) else value
