"""Cross-reference and consistency checks, run on every file that has the right shape.

Each check is a small generator of issues; :func:`check_references` runs all the
checks whose inputs validated, so one load reports every problem: a shape error
in rules.yaml does not hide a broken reference in products.yaml. References into
a file that failed to validate are not checked (the ids are unknown).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import Issue, Said, did_you_mean, plain, what_said
from ..graph import ProductGraph
from ..profile import MEASUREMENT_FIELDS, RULE_FIELDS
from ..vocabulary import (
    ASSESSMENT_STEPS,
    BUNDLE_STAGE,
    CUSTOMER_STAGE,
    KEY_PERSON,
    LIFECYCLE_STAGES,
    MODULES,
    RELATION_KINDS,
    SCORE_COMPONENTS,
    SINGLE_ADVICE,
    VALUE_TYPES,
)
from .limits import branch_paths, check_limits
from .policy_checks import check_policy
from .price_checks import check_prices, check_quantities
from .schema import (
    STAGE_CONDITIONS,
    STAGE_EFFECTS,
    Assessment,
    Catalog,
    Framework,
    Indicator,
    KeyPersonCondition,
    OffersFile,
    Op,
    Product,
    ProductsFile,
    Rule,
    RulesFile,
    When,
)
from .yamlpos import Document

# Rule fields whose values are ids of a framework list.
_ID_FIELDS = {"industry": "industries", "value_type": "value_types", "segment": "segments",
              "customer_class": "customer_classes", "key_person_rank": "key_person_ranks", "premises": "premises"}
_ID_FIELDS["footprint"] = "footprints"  # [B]
# [B] framework lists of ids the lists below do not name (every advice list is a reference kind too)
_MORE_LISTS = ("footprints", "key_person_relations", "account_manager_levels", "managing_levels")

_ID_FIELDS["demand_focus"] = "demand_focuses"  # [A] seed 001 一.1's kinds of demand


def _one(kind: str) -> str:
    """One entry of the framework list ``kind``: industries -> industry."""
    return kind[:-3] + "y" if kind.endswith("ies") else kind[:-2] if kind.endswith("sses") else kind[:-1]


def check_references(fw: Framework | None, assessment: Assessment | None, catalog: Catalog | None,
                     products: ProductsFile | None, rules: RulesFile | None, offers: OffersFile | None,
                     docs: dict[str, Document], root: Path) -> list[Issue]:
    """Every check whose files validated; ``docs`` maps file kinds to their parsed documents."""
    refs = _Refs(fw, catalog, products, offers)
    issues: list[Issue] = []
    if fw is not None:
        issues += _framework(fw, docs["framework"], root)
    if assessment is not None:
        issues += _assessment(assessment, refs, docs["assessment"])
    if products is not None:
        issues += _products(products, refs, docs["products"])
        issues += _graph(products, docs["products"])
        issues += check_prices(products, docs["products"])
    if rules is not None:
        issues += _rules(rules, refs, docs["rules"], products)
        issues += check_quantities(rules, products, docs["rules"])
    if products is not None and rules is not None:
        issues += _unreachable(products, rules, docs["products"])
    if catalog is not None and "catalog" in docs:
        issues += _known_gaps(catalog, products, refs, docs["catalog"])
    if offers is not None and "offers" in docs:
        issues += _duplicates(((("offers", i), o.id) for i, o in enumerate(offers.offers)), docs["offers"], "offer")
    if products is not None and offers is not None and "offers" in docs:
        issues += _shared_ids(products, offers, docs["offers"])
    issues += check_policy(fw, catalog, products, rules, offers, docs)  # pricing and subsidy policy
    issues += check_limits(rules, assessment, docs)
    return issues


def catalog_dirs(root: Path) -> list[str]:
    """Catalog names found under ``root/catalogs``."""
    base = Path(root) / "catalogs"
    return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


class _Refs:
    """Known ids by kind, for reference checks and did-you-mean hints; None where a file did not validate."""

    def __init__(self, fw: Framework | None, catalog: Catalog | None, products: ProductsFile | None,
                 offers: OffersFile | None):
        self.ids: dict[str, set[str] | None] = {"lifecycle_stages": set(LIFECYCLE_STAGES)}
        for kind in ("industries", "segments", "value_types", "customer_classes", "key_person_ranks",
                     "channels", "service_levels", "strategies", "premises"):
            self.ids[kind] = {e.id for e in getattr(fw, kind)} if fw else None
        for kind in (*_MORE_LISTS, *SINGLE_ADVICE.values()):  # [B]
            self.ids.setdefault(kind, {e.id for e in getattr(fw, kind)} if fw else None)
        self.ids["categories"] = {e.id for e in catalog.categories} if catalog else None
        self.ids["demand_focuses"] = {e.id for e in fw.demand_focuses} if fw else None  # [A]
        self.ids["products"] = {p.id for p in products.products} if products else None
        self.ids["offers"] = {o.id for o in offers.offers} if offers else None
        self.item_module = ({i.id: m.id for m in fw.modules for i in m.items}
                            | {s.id: m.id for m in fw.modules for i in m.items for s in i.items}) if fw else {}
        self.ids["needs"] = (set(self.item_module) | {m.id for m in fw.modules}
                             | {n.id for n in fw.key_person_needs}) if fw else None
        self.tiers = {o.id: {t.id for t in o.tiers} for o in offers.offers} if offers else {}
        self.sellable = {p.id for p in products.products if p.sellable} if products else set()

    def check(self, kind: str, value: str, doc: Document, path: tuple[str | int, ...],
              what: str) -> Iterator[Issue]:
        known = self.ids[kind]
        if known is not None and value not in known:
            yield doc.issue(path, "unknown-reference", Said("unknown-reference.id", what=what_said(what),
                                                                  value=value), did_you_mean(value, known))


def _duplicates(entries: Iterable[tuple[tuple[str | int, ...], str]], doc: Document,
                what: str) -> Iterator[Issue]:
    seen: dict[str, tuple[str | int, ...]] = {}
    for path, entity_id in entries:
        if entity_id in seen:
            first = doc.place(seen[entity_id])[0]
            yield doc.issue(path + ("id",), "duplicate-id",
                            Said("duplicate-id.id", what=what_said(what), id=entity_id),
                            Said("hint.duplicate-id", line=first))
        else:
            seen[entity_id] = path


def _framework(fw: Framework, doc: Document, root: Path) -> Iterator[Issue]:
    have = [m.id for m in fw.modules]
    for missing in sorted(set(MODULES) - set(have), key=MODULES.index):
        yield doc.issue(("modules",), "missing-module", Said("missing-module.id", module=missing),
                        Said("hint.missing-module"))
    yield from _missing_vocabulary(doc, ("value_types",), "value_type", VALUE_TYPES, [v.id for v in fw.value_types])
    yield from _missing_vocabulary(doc, ("ranking",), "ranking_weight", SCORE_COMPONENTS, fw.ranking.model_fields_set)
    layers = {layer.id for layer in fw.layers}
    for i, module in enumerate(fw.modules):
        if module.layer not in layers:
            yield doc.issue(("modules", i, "layer"), "unknown-reference",
                            Said("unknown-reference.id", what=what_said("layer"), value=module.layer),
                            did_you_mean(module.layer, layers))
        for j, item in enumerate(module.items):
            if not item.id.startswith(module.id + "."):
                yield doc.issue(("modules", i, "items", j, "id"), "bad-need-id", Said("bad-need-id.item", id=item.id),
                                Said("hint.write-as", id=f"{module.id}.{item.id.split('.')[-1]}"))
            for k, sub in enumerate(item.items):
                if not sub.id.startswith(item.id + "."):
                    yield doc.issue(("modules", i, "items", j, "items", k, "id"), "bad-need-id",
                                    Said("bad-need-id.sub-item", id=sub.id),
                                    Said("hint.write-as", id=f"{item.id}.{sub.id.split('.')[-1]}"))
    yield from _duplicates(((("modules", i), m.id) for i, m in enumerate(fw.modules)), doc, "module")
    yield from _duplicates([*((("modules", i, "items", j), it.id) for i, m in enumerate(fw.modules)
                              for j, it in enumerate(m.items)),
                            *((("modules", i, "items", j, "items", k), sub.id) for i, m in enumerate(fw.modules)
                              for j, it in enumerate(m.items) for k, sub in enumerate(it.items))], doc, "need_item")
    prefix = KEY_PERSON + "."
    for i, need in enumerate(fw.key_person_needs):
        if not need.id.startswith(prefix):
            yield doc.issue(("key_person_needs", i, "id"), "bad-need-id",
                            Said("bad-need-id.key-person", id=need.id, prefix=prefix),
                            Said("hint.bad-need-id.key-person", id=f"{prefix}{need.id.split('.')[-1]}"))
    yield from _duplicates(((("key_person_needs", i), n.id) for i, n in enumerate(fw.key_person_needs)), doc,
                           "key_person_need")
    yield from _duplicates(((("demand_focuses", i), e.id) for i, e in enumerate(fw.demand_focuses)), doc,
                           "demand_focus")  # [A]
    for key in ("industries", "segments", "value_types", "customer_classes", "key_person_ranks",
                "channels", "service_levels", "strategies", "premises"):
        entries = getattr(fw, key)
        yield from _duplicates((((key, i), e.id) for i, e in enumerate(entries)), doc, _one(key))
    for key in _MORE_LISTS:  # [B]
        yield from _duplicates((((key, i), e.id) for i, e in enumerate(getattr(fw, key))), doc, _one(key))
    if not (root / "catalogs" / fw.default_catalog).is_dir():
        yield doc.issue(("default_catalog",), "unknown-catalog",
                        Said("unknown-catalog.default", catalog=fw.default_catalog),
                        did_you_mean(fw.default_catalog, catalog_dirs(root)))


def _missing_vocabulary(doc: Document, path: tuple[str | int, ...], what: str, required: Iterable[str],
                        have: Iterable[str]) -> Iterator[Issue]:
    """An id the code relies on (see ``vocabulary``) that the knowledge does not define; ``what`` names the
    ``issue.missing-vocabulary.<what>`` template and its hint, which says why the code needs it."""
    present = set(have)
    for missing in required:
        if missing not in present:
            yield doc.issue(path, "missing-vocabulary", Said("missing-vocabulary." + what, id=missing),
                            Said("hint.missing-vocabulary." + what))


def _assessment(assessment: Assessment, refs: _Refs, doc: Document) -> Iterator[Issue]:
    yield from _missing_vocabulary(doc, ("steps",), "assessment_step", ASSESSMENT_STEPS,
                                   [s.id for s in assessment.steps])
    for i, step in enumerate(assessment.steps):
        for j, ind in enumerate(step.indicators):
            yield from _indicator(ind, ("steps", i, "indicators", j), doc)  # [A] one check for every indicator
    for i, band in enumerate(assessment.classes):
        yield from refs.check("customer_classes", band.customer_class, doc, ("classes", i, "customer_class"),
                              "customer_class")
    for i, industry in enumerate(assessment.social_value_industries):
        yield from refs.check("industries", industry, doc, ("social_value_industries", i), "industry")
    for i, segment in enumerate(assessment.social_value_segments):
        yield from refs.check("segments", segment, doc, ("social_value_segments", i), "segment")
    yield from _value_evaluation(assessment, doc)


def _indicator(ind: Indicator, path: tuple[str | int, ...], doc: Document) -> Iterator[Issue]:
    numeric = set(MEASUREMENT_FIELDS)
    if ind.field not in numeric:
        yield doc.issue(path + ("field",), "unknown-field", Said("unknown-field.numeric", field=ind.field),
                        did_you_mean(ind.field, numeric))
    if ind.cuts != sorted(ind.cuts):
        yield doc.issue(path + ("cuts",), "unsorted-cuts", Said("unsorted-cuts.cuts"))


def _value_evaluation(assessment: Assessment, doc: Document) -> Iterator[Issue]:
    """[A] The value evaluation's and revenue criterion's indicators and ids (seed 004 3.1, seed 000)."""
    for j, ind in enumerate(assessment.profitability):
        yield from _indicator(ind, ("profitability", j), doc)
    if assessment.operator_revenue is not None:
        yield from _indicator(assessment.operator_revenue, ("operator_revenue",), doc)
    yield from _duplicates(((("it_attitudes", i), e.id) for i, e in enumerate(assessment.it_attitudes)), doc,
                           "it_attitude")
    yield from _duplicates(((("social_influences", i), e.id) for i, e in enumerate(assessment.social_influences)),
                           doc, "social_influence")
    known = {e.id for e in assessment.social_influences}
    for i, influence in enumerate(assessment.authority_influences):
        if influence not in known:
            yield doc.issue(("authority_influences", i), "unknown-reference",
                            Said("unknown-reference.id", what=what_said("social influence"), value=influence),
                            did_you_mean(influence, known))


def _products(products: ProductsFile, refs: _Refs, doc: Document) -> Iterator[Issue]:
    yield from _duplicates(((("products", i), p.id) for i, p in enumerate(products.products)), doc, "product")
    for i, p in enumerate(products.products):
        at: tuple[str | int, ...] = ("products", i)
        yield from refs.check("categories", p.category, doc, at + ("category",), "category")
        for j, item in enumerate(p.need_items):
            yield from refs.check("needs", item, doc, at + ("need_items", j), "need_item")
            module = refs.item_module.get(item)
            if module is not None and module not in p.modules:
                yield doc.issue(at + ("need_items", j), "item-outside-modules",
                                Said("item-outside-modules.item", item=item, module=module),
                                Said("hint.item-outside-modules", module=module))
        for relation in RELATION_KINDS:
            kind = str(relation)
            for j, rel in enumerate(getattr(p, kind)):
                yield from refs.check("products", rel.product, doc, at + (kind, j, "product"), "product")
                if rel.product == p.id:
                    yield doc.issue(at + (kind, j, "product"), "self-relation",
                                    Said("self-relation." + kind, product=p.id))
                elif kind in ("requires", "complements") and _retired(rel.product, refs):
                    code = "requires-retired" if kind == "requires" else "relation-to-retired"
                    yield doc.issue(at + (kind, j, "product"), code,
                                    Said(f"{code}.product", product=p.id, other=rel.product), Said("hint." + code),
                                    severity="error" if kind == "requires" else "warning")
        elig = p.eligibility
        for key, kind in (("industries", "industries"), ("value_types", "value_types"), ("segments", "segments")):
            for j, value in enumerate(getattr(elig, key) or []):
                yield from refs.check(kind, value, doc, at + ("eligibility", key, j), _one(key))
        if elig.min_employees and elig.max_employees and elig.min_employees > elig.max_employees:
            yield doc.issue(at + ("eligibility",), "empty-range", Said("empty-range.employees"))


def gap_covers(gap: str, item: str) -> bool:
    """Whether a known gap naming ``gap`` (a module, an item or a coarse item) covers need item ``item``."""
    return item == gap or item.startswith(gap + ".")


def _known_gaps(catalog: Catalog, products: ProductsFile | None, refs: _Refs, doc: Document) -> Iterator[Issue]:
    served = {item for p in products.products if p.sellable for item in p.need_items} if products else set()
    seen: dict[str, int] = {}
    for i, gap in enumerate(catalog.known_gaps):
        at: tuple[str | int, ...] = ("known_gaps", i, "item")
        if gap.item in seen:
            yield doc.issue(at, "duplicate-id", Said("duplicate-id.known-gap", item=gap.item),
                            Said("hint.first-at", line=doc.place(("known_gaps", seen[gap.item]))[0]))
            continue
        seen[gap.item] = i
        yield from refs.check("needs", gap.item, doc, at, "need_item")
        by = sorted(item for item in served if gap_covers(gap.item, item))
        if by:
            yield doc.issue(at, "known-gap-served", Said("known-gap-served.item", item=gap.item, served=plain(by)),
                            Said("hint.known-gap-served"), severity="warning")


def proposed_products(rules: Iterable[Rule]) -> set[str]:
    """Products some rule proposes or adds to a bundle as an add-on: reachable without a need item."""
    return {ref.product for r in rules for e in r.then for ref in (e.propose, e.add_on) if ref is not None}


def unreachable(products: Iterable[Product], rules: Iterable[Rule]) -> list[str]:
    """Products no need reaches: they list no need item and no rule proposes or adds them."""
    proposed = proposed_products(rules)
    return [p.id for p in products if not p.need_items and p.id not in proposed]


def _unreachable(products: ProductsFile, rules: RulesFile, doc: Document) -> Iterator[Issue]:
    lost = set(unreachable(products.products, rules.rules))
    for i, p in enumerate(products.products):
        if p.id in lost:
            yield doc.issue(("products", i, "need_items"), "unreachable-product",
                            Said("unreachable-product.product", product=p.id), Said("hint.unreachable-product"),
                            severity="warning")


def _retired(pid: str, refs: _Refs) -> bool:
    known = refs.ids["products"]
    return known is not None and pid in known and pid not in refs.sellable


def _shared_ids(products: ProductsFile, offers: OffersFile, doc: Document) -> Iterator[Issue]:
    """Products, offers and tiers share one namespace: rationale and advice name them by id."""
    product_ids = {p.id for p in products.products}
    for i, offer in enumerate(offers.offers):
        for path, entity_id in [(("offers", i), offer.id)] + [(("offers", i, "tiers", j), t.id)
                                                             for j, t in enumerate(offer.tiers)]:
            if entity_id in product_ids:
                yield doc.issue(path + ("id",), "duplicate-id", Said("duplicate-id.product", id=entity_id),
                                Said("hint.duplicate-id.product"))


def _graph(products: ProductsFile, doc: Document) -> Iterator[Issue]:
    by_id = {p.id: p for p in products.products}
    index = {p.id: i for i, p in enumerate(products.products)}
    graph = ProductGraph(by_id)

    def edge_place(a: str, b: str) -> Said:
        j = next(k for k, r in enumerate(by_id[a].requires) if r.product == b)
        line, col = doc.place(("products", index[a], "requires", j))
        return Said("requires-cycle.step", product=a, other=b, where=f"{doc.file}:{line}:{col}")

    for cycle in graph.cycles():
        steps = [edge_place(a, b) for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)]
        yield doc.issue(("products", index[cycle[0]], "requires"), "requires-cycle",
                        Said("requires-cycle.cycle", cycle=" -> ".join(cycle + cycle[:1]),
                             steps=plain(steps, "list.clauses")),
                        Said("hint.requires-cycle"))
    if graph.cycles():
        return
    for pid in by_id:
        pairs = graph.excluded_pairs(graph.required_by(pid) | {pid})
        for a, b in pairs:
            yield doc.issue(("products", index[pid], "requires"), "requires-conflict",
                            Said("requires-conflict.product", product=pid, a=a, b=b), Said("hint.requires-conflict"))


def _rules(rules: RulesFile, refs: _Refs, doc: Document, products: ProductsFile | None) -> Iterator[Issue]:
    yield from _duplicates(((("rules", i), r.id) for i, r in enumerate(rules.rules)), doc, "rule")
    proposed = proposed_products(rules.rules)
    in_bundles = proposed | {p.id for p in products.products if p.need_items} if products else None
    for i, rule in enumerate(rules.rules):
        yield from _when(rule.when, refs, doc, ("rules", i, "when"))
        staged = list(_stage(rule, doc, ("rules", i)))
        yield from staged
        if rule.stage == CUSTOMER_STAGE:
            yield from _never_fires(rule.when, proposed, doc, ("rules", i, "when"), check_products=not staged)
        else:
            yield from _never_fires(rule.when, in_bundles, doc, ("rules", i, "when"), in_bundle=True)
        yield from _contradictions(rule, doc, ("rules", i, "then"))
        for j, effect in enumerate(rule.then):
            at: tuple[str | int, ...] = ("rules", i, "then", j, effect.kind)
            if effect.infer_need:
                yield from refs.check("needs", effect.infer_need.need, doc, at + ("need",), "need")
            for ref in (effect.propose, effect.exclude, effect.add_on, effect.discount):
                if ref is not None:
                    yield from refs.check("products", ref.product, doc, at + ("product",), "product")
            if effect.offer:
                yield from refs.check("offers", effect.offer.offer, doc, at + ("offer",), "offer")
                tiers = refs.tiers.get(effect.offer.offer)
                if tiers is not None and effect.offer.tier not in tiers:
                    yield doc.issue(at + ("tier",), "unknown-reference",
                                    Said("unknown-reference.id", what=what_said("tier"), value=effect.offer.tier),
                                    did_you_mean(effect.offer.tier, tiers))
            for key, kind in SINGLE_ADVICE.items():
                value = getattr(effect, key)
                if value is not None:
                    yield from refs.check(kind, value, doc, at, key.replace("_", " "))


def _stage(rule: Rule, doc: Document, at: tuple[str | int, ...]) -> Iterator[Issue]:
    """Condition parts and effects the rule's stage cannot have (``wrong-stage``)."""
    stage = rule.stage
    other = BUNDLE_STAGE if stage == CUSTOMER_STAGE else CUSTOMER_STAGE
    for path, branch in branch_paths(rule.when, at + ("when",)):
        for part in ("customer", "need", "product", "bundle", "key_person", "rival"):
            if getattr(branch, part) is None or part in STAGE_CONDITIONS[stage]:
                continue
            yield doc.issue(path + (part,), "wrong-stage", Said(f"wrong-stage.{stage}-test", part=part),
                            Said(f"hint.wrong-stage.{stage}-test"))
    for j, effect in enumerate(rule.then):
        if effect.kind not in STAGE_EFFECTS[stage]:
            yield doc.issue(at + ("then", j, effect.kind), "wrong-stage",
                            Said(f"wrong-stage.{stage}-effect", effect=effect.kind.replace("_", " "),
                                 other=what_said("stage " + other)),
                            Said(f"hint.wrong-stage.{stage}-effect", effects=plain(STAGE_EFFECTS[stage])))


def _never_fires(when: When, proposed: set[str] | None, doc: Document, at: tuple[str | int, ...],
                 check_products: bool = True, in_bundle: bool = False) -> Iterator[Issue]:
    """Conditions no customer can meet: empty ranges, empty lists, products no rule proposes.

    At the bundle stage (``in_bundle``) a product condition needs a product some
    bundle can hold: one that covers a need item, or that a rule proposes or adds.
    """
    for k, branch in enumerate(when.any or []):
        yield from _never_fires(branch, proposed, doc, at + ("any", k), check_products, in_bundle)
    ranges: list[tuple[tuple[str, str], str | Said, Any]] = [
        (("customer", name), name, c) for name, c in (when.customer or {}).items()]
    ranges += [(("bundle", name), Said("rule-never-fires.bundle-field", field=name), c)
               for name, c in (when.bundle.fields if when.bundle else {}).items()]
    for where, name, constraint in ranges:
        if not isinstance(constraint, Op):
            continue
        low = max((float(v) for op, v in constraint.operators if op in ("gt", "gte")), default=None)  # type: ignore[arg-type]
        high = min((float(v) for op, v in constraint.operators if op in ("lt", "lte")), default=None)  # type: ignore[arg-type]
        empty = low is not None and high is not None and (
            low > high or (low == high and (constraint.gt is not None or constraint.lt is not None)))
        if empty or constraint.in_ == [] or (constraint.exists is False and len(constraint.operators) > 1):
            yield doc.issue(at + where, "rule-never-fires",
                            Said("rule-never-fires.range", field=name, ops=_ops_text(constraint)),
                            Said("hint.rule-never-fires.range"))
    for j, pid in enumerate(when.product if isinstance(when.product, list) else [when.product] if when.product
                            else []):
        if not check_products or proposed is None or pid in proposed:
            continue
        path = at + ("product", j) if isinstance(when.product, list) else at + ("product",)
        if in_bundle:
            yield doc.issue(path, "rule-never-fires", Said("rule-never-fires.no-bundle", product=pid),
                            Said("hint.rule-never-fires.no-bundle", product=pid), severity="warning")
        else:
            yield doc.issue(path, "rule-never-fires", Said("rule-never-fires.not-proposed", product=pid),
                            Said("hint.rule-never-fires.not-proposed"), severity="warning")


def _ops_text(constraint: Op) -> str:
    parts = [f"{op}: {v:g}" if isinstance(v, float) else f"{op}: {v}" for op, v in constraint.operators]
    return "{" + ", ".join(parts) + "}"


def _contradictions(rule: Rule, doc: Document, at: tuple[str | int, ...]) -> Iterator[Issue]:
    """Effects of one rule that contradict each other."""
    proposes = {e.propose.product for e in rule.then if e.propose}
    single: dict[str, object] = {}
    for j, effect in enumerate(rule.then):
        if effect.exclude and effect.exclude.product in proposes:
            yield doc.issue(at + (j, "exclude", "product"), "contradictory-effects",
                            Said("contradictory-effects.propose-exclude", rule=rule.id, product=effect.exclude.product),
                            Said("hint.contradictory-effects.propose-exclude"))
        kind = effect.kind
        if kind in SINGLE_ADVICE:
            value = getattr(effect, kind)
            if kind in single and single[kind] != value:
                yield doc.issue(at + (j, kind), "contradictory-effects",
                                Said("contradictory-effects.advice", rule=rule.id, kind=kind, first=single[kind],
                                     second=value),
                                Said("hint.contradictory-effects.advice"))
            single[kind] = value
        if effect.offer:
            key = "offer:" + effect.offer.offer
            if key in single and single[key] != effect.offer.tier:
                yield doc.issue(at + (j, "offer"), "contradictory-effects",
                                Said("contradictory-effects.tiers", rule=rule.id, offer=effect.offer.offer),
                                Said("hint.contradictory-effects.tiers"))
            single[key] = effect.offer.tier


def _value(name: str, v: object, want: type, refs: _Refs, doc: Document,
           path: tuple[str | int, ...], shown: str | Said | None = None) -> Iterator[Issue]:
    ok = isinstance(v, bool) if want is bool else (
        isinstance(v, (int, float)) and not isinstance(v, bool) if want is float else isinstance(v, str))
    if not ok:
        kind = {bool: "boolean", float: "number", str: "text"}[want]
        yield doc.issue(path, "wrong-type", Said("wrong-type.compared-" + kind, field=shown or name, value=v),
                        Said({bool: "hint.write-boolean", float: "hint.write-number", str: "hint.write-text"}[want]))
    elif name in _ID_FIELDS:
        yield from refs.check(_ID_FIELDS[name], str(v), doc, path, name.replace("_", " "))
    elif name == "lifecycle_stage":
        yield from refs.check("lifecycle_stages", str(v), doc, path, "lifecycle stage")


def _when(when: When, refs: _Refs, doc: Document, at: tuple[str | int, ...]) -> Iterator[Issue]:
    for k, branch in enumerate(when.any or []):
        yield from _when(branch, refs, doc, at + ("any", k))
    for name, constraint in (when.customer or {}).items():
        path = at + ("customer", name)
        if name not in RULE_FIELDS:
            yield doc.issue(path, "unknown-field", Said("unknown-field.customer", field=name),
                            did_you_mean(name, RULE_FIELDS) or Said("hint.unknown-field", fields=plain(RULE_FIELDS)))
            continue
        ops = constraint.operators if isinstance(constraint, Op) else [("eq", constraint)]
        want = RULE_FIELDS[name]
        for op, value in ops:
            if op == "exists":
                continue
            for v in value if isinstance(value, list) else [value]:
                yield from _value(name, v, want, refs, doc, path + ((op,) if isinstance(constraint, Op) else ()))
    if when.bundle is not None:
        for name, constraint in when.bundle.fields.items():
            ops = constraint.operators if isinstance(constraint, Op) else [("eq", constraint)]
            for op, value in ops:
                if op == "exists":
                    continue
                for v in value if isinstance(value, list) else [value]:
                    yield from _value(name, v, float, refs, doc,
                                      at + ("bundle", name) + ((op,) if isinstance(constraint, Op) else ()),
                                      Said("rule-never-fires.bundle-field", field=name))
        for j, pid in enumerate(when.bundle.not_counting):
            yield from refs.check("products", pid, doc, at + ("bundle", "not_counting", j), "product")
    person = when.key_person  # [B] ranks alone, or a mapping of rank, relation and vip
    parts: list[tuple[tuple[str | int, ...], str, str, str | list[str] | None]] = [
        (at + ("need",), "needs", "need", when.need), (at + ("product",), "products", "product", when.product)]
    if isinstance(person, KeyPersonCondition):
        parts += [(at + ("key_person", "rank"), "key_person_ranks", "key-person rank", person.rank),
                  (at + ("key_person", "relation"), "key_person_relations", "key-person relation", person.relation)]
    else:
        parts.append((at + ("key_person",), "key_person_ranks", "key-person rank", person))
    parts.append((at + ("rival",), "products", "rival product", when.rival))
    for base, kind, what, value in parts:
        values = value if isinstance(value, list) else [value] if value else []
        for j, v in enumerate(values):
            yield from refs.check(kind, v, doc, base + (j,) if isinstance(value, list) else base, what)
