"""Cross-reference and consistency checks, run on every file that has the right shape.

Each check is a small generator of issues; :func:`check_references` runs all the
checks whose inputs validated, so one load reports every problem: a shape error
in rules.yaml does not hide a broken reference in products.yaml. References into
a file that failed to validate are not checked (the ids are unknown).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import Issue, did_you_mean
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
            yield doc.issue(path, "unknown-reference", f"unknown {what} {value!r}", did_you_mean(value, known))


def _duplicates(entries: Iterable[tuple[tuple[str | int, ...], str]], doc: Document,
                what: str) -> Iterator[Issue]:
    seen: dict[str, tuple[str | int, ...]] = {}
    for path, entity_id in entries:
        if entity_id in seen:
            first = doc.place(seen[entity_id])[0]
            yield doc.issue(path + ("id",), "duplicate-id", f"{what} id {entity_id!r} is used twice",
                            f"the first one is at line {first}; ids must be unique")
        else:
            seen[entity_id] = path


def _framework(fw: Framework, doc: Document, root: Path) -> Iterator[Issue]:
    have = [m.id for m in fw.modules]
    for missing in sorted(set(MODULES) - set(have), key=MODULES.index):
        yield doc.issue(("modules",), "missing-module", f"module {missing!r} is missing",
                        "the framework has exactly nine modules (seed 004, 3.2)")
    yield from _missing_vocabulary(doc, ("value_types",), "value type", VALUE_TYPES, [v.id for v in fw.value_types],
                                   "the assessment assigns it (seed 004 3.1); rules and eligibility test it")
    yield from _missing_vocabulary(doc, ("ranking",), "ranking weight", SCORE_COMPONENTS, fw.ranking.model_fields_set,
                                   "every component of a bundle's score needs its weight (0 switches it off)")
    layers = {layer.id for layer in fw.layers}
    for i, module in enumerate(fw.modules):
        if module.layer not in layers:
            yield doc.issue(("modules", i, "layer"), "unknown-reference", f"unknown layer {module.layer!r}",
                            did_you_mean(module.layer, layers))
        for j, item in enumerate(module.items):
            if not item.id.startswith(module.id + "."):
                yield doc.issue(("modules", i, "items", j, "id"), "bad-need-id",
                                f"need item {item.id!r} must start with its module id",
                                f"write it as '{module.id}.{item.id.split('.')[-1]}'")
            for k, sub in enumerate(item.items):
                if not sub.id.startswith(item.id + "."):
                    yield doc.issue(("modules", i, "items", j, "items", k, "id"), "bad-need-id",
                                    f"sub-item {sub.id!r} must start with its item id",
                                    f"write it as '{item.id}.{sub.id.split('.')[-1]}'")
    yield from _duplicates(((("modules", i), m.id) for i, m in enumerate(fw.modules)), doc, "module")
    yield from _duplicates([*((("modules", i, "items", j), it.id) for i, m in enumerate(fw.modules)
                              for j, it in enumerate(m.items)),
                            *((("modules", i, "items", j, "items", k), sub.id) for i, m in enumerate(fw.modules)
                              for j, it in enumerate(m.items) for k, sub in enumerate(it.items))], doc, "need item")
    prefix = KEY_PERSON + "."
    for i, need in enumerate(fw.key_person_needs):
        if not need.id.startswith(prefix):
            yield doc.issue(("key_person_needs", i, "id"), "bad-need-id",
                            f"key-person need {need.id!r} must start with {prefix!r}",
                            f"write it as '{prefix}{need.id.split('.')[-1]}': key persons' needs are not module items")
    yield from _duplicates(((("key_person_needs", i), n.id) for i, n in enumerate(fw.key_person_needs)), doc,
                           "key-person need")
    yield from _duplicates(((("demand_focuses", i), e.id) for i, e in enumerate(fw.demand_focuses)), doc,
                           "demand focus")  # [A]
    for key in ("industries", "segments", "value_types", "customer_classes", "key_person_ranks",
                "channels", "service_levels", "strategies", "premises"):
        entries = getattr(fw, key)
        yield from _duplicates((((key, i), e.id) for i, e in enumerate(entries)), doc, key[:-1])
    for key in _MORE_LISTS:  # [B]
        yield from _duplicates((((key, i), e.id) for i, e in enumerate(getattr(fw, key))), doc, key[:-1])
    if not (root / "catalogs" / fw.default_catalog).is_dir():
        yield doc.issue(("default_catalog",), "unknown-catalog",
                        f"default catalog {fw.default_catalog!r} has no directory under catalogs/",
                        did_you_mean(fw.default_catalog, catalog_dirs(root)))


def _missing_vocabulary(doc: Document, path: tuple[str | int, ...], what: str, required: Iterable[str],
                        have: Iterable[str], why: str) -> Iterator[Issue]:
    """An id the code relies on (see ``vocabulary``) that the knowledge does not define."""
    present = set(have)
    for missing in required:
        if missing not in present:
            yield doc.issue(path, "missing-vocabulary", f"{what} {missing!r} is missing", why)


def _assessment(assessment: Assessment, refs: _Refs, doc: Document) -> Iterator[Issue]:
    yield from _missing_vocabulary(doc, ("steps",), "assessment step", ASSESSMENT_STEPS,
                                   [s.id for s in assessment.steps],
                                   "the three steps of seed 004 3.1 keep these ids: the value type reads 'scale' "
                                   "and rules test <step>_score")
    for i, step in enumerate(assessment.steps):
        for j, ind in enumerate(step.indicators):
            yield from _indicator(ind, ("steps", i, "indicators", j), doc)  # [A] one check for every indicator
    for i, band in enumerate(assessment.classes):
        yield from refs.check("customer_classes", band.customer_class, doc, ("classes", i, "customer_class"),
                              "customer class")
    for i, industry in enumerate(assessment.social_value_industries):
        yield from refs.check("industries", industry, doc, ("social_value_industries", i), "industry")
    for i, segment in enumerate(assessment.social_value_segments):
        yield from refs.check("segments", segment, doc, ("social_value_segments", i), "segment")
    yield from _value_evaluation(assessment, doc)


def _indicator(ind: Indicator, path: tuple[str | int, ...], doc: Document) -> Iterator[Issue]:
    numeric = set(MEASUREMENT_FIELDS)
    if ind.field not in numeric:
        yield doc.issue(path + ("field",), "unknown-field", f"{ind.field!r} is not a numeric profile field",
                        did_you_mean(ind.field, numeric))
    if ind.cuts != sorted(ind.cuts):
        yield doc.issue(path + ("cuts",), "unsorted-cuts", "cut points must be in ascending order")


def _value_evaluation(assessment: Assessment, doc: Document) -> Iterator[Issue]:
    """[A] The value evaluation's and revenue criterion's indicators and ids (seed 004 3.1, seed 000)."""
    for j, ind in enumerate(assessment.profitability):
        yield from _indicator(ind, ("profitability", j), doc)
    if assessment.operator_revenue is not None:
        yield from _indicator(assessment.operator_revenue, ("operator_revenue",), doc)
    yield from _duplicates(((("it_attitudes", i), e.id) for i, e in enumerate(assessment.it_attitudes)), doc,
                           "IT attitude")
    yield from _duplicates(((("social_influences", i), e.id) for i, e in enumerate(assessment.social_influences)),
                           doc, "social influence")
    known = {e.id for e in assessment.social_influences}
    for i, influence in enumerate(assessment.authority_influences):
        if influence not in known:
            yield doc.issue(("authority_influences", i), "unknown-reference",
                            f"unknown social influence {influence!r}", did_you_mean(influence, known))


def _products(products: ProductsFile, refs: _Refs, doc: Document) -> Iterator[Issue]:
    yield from _duplicates(((("products", i), p.id) for i, p in enumerate(products.products)), doc, "product")
    for i, p in enumerate(products.products):
        at: tuple[str | int, ...] = ("products", i)
        yield from refs.check("categories", p.category, doc, at + ("category",), "category")
        for j, item in enumerate(p.need_items):
            yield from refs.check("needs", item, doc, at + ("need_items", j), "need item")
            module = refs.item_module.get(item)
            if module is not None and module not in p.modules:
                yield doc.issue(at + ("need_items", j), "item-outside-modules",
                                f"need item {item!r} belongs to module {module!r}, which the product does not list",
                                f"add {module!r} to modules")
        for relation in RELATION_KINDS:
            kind = str(relation)
            for j, rel in enumerate(getattr(p, kind)):
                yield from refs.check("products", rel.product, doc, at + (kind, j, "product"), "product")
                if rel.product == p.id:
                    yield doc.issue(at + (kind, j, "product"), "self-relation", f"{p.id!r} {kind} itself")
                elif kind in ("requires", "complements") and _retired(rel.product, refs):
                    yield doc.issue(
                        at + (kind, j, "product"), "requires-retired" if kind == "requires" else "relation-to-retired",
                        f"{p.id!r} {kind} {rel.product!r}, which is not for sale",
                        "a product that requires a retired one can never be sold" if kind == "requires"
                        else "point the relation at the product that replaced it",
                        severity="error" if kind == "requires" else "warning")
        elig = p.eligibility
        for key, kind in (("industries", "industries"), ("value_types", "value_types"), ("segments", "segments")):
            for j, value in enumerate(getattr(elig, key) or []):
                yield from refs.check(kind, value, doc, at + ("eligibility", key, j), key[:-1])
        if elig.min_employees and elig.max_employees and elig.min_employees > elig.max_employees:
            yield doc.issue(at + ("eligibility",), "empty-range", "min_employees is above max_employees")


def gap_covers(gap: str, item: str) -> bool:
    """Whether a known gap naming ``gap`` (a module, an item or a coarse item) covers need item ``item``."""
    return item == gap or item.startswith(gap + ".")


def _known_gaps(catalog: Catalog, products: ProductsFile | None, refs: _Refs, doc: Document) -> Iterator[Issue]:
    served = {item for p in products.products if p.sellable for item in p.need_items} if products else set()
    seen: dict[str, int] = {}
    for i, gap in enumerate(catalog.known_gaps):
        at: tuple[str | int, ...] = ("known_gaps", i, "item")
        if gap.item in seen:
            yield doc.issue(at, "duplicate-id", f"known gap {gap.item!r} is declared twice",
                            f"the first one is at line {doc.place(('known_gaps', seen[gap.item]))[0]}")
            continue
        seen[gap.item] = i
        yield from refs.check("needs", gap.item, doc, at, "need item")
        by = sorted(item for item in served if gap_covers(gap.item, item))
        if by:
            yield doc.issue(at, "known-gap-served",
                            f"{gap.item!r} is declared a known gap, but products of the catalog serve {', '.join(by)}",
                            "remove the known gap, or narrow it to the items no product serves", severity="warning")


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
                            f"no need reaches {p.id!r}: it lists no need item and no rule proposes it",
                            "list the need items it serves in need_items", severity="warning")


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
                yield doc.issue(path + ("id",), "duplicate-id", f"id {entity_id!r} is also a product id",
                                "offers, tiers and products need distinct ids")


def _graph(products: ProductsFile, doc: Document) -> Iterator[Issue]:
    by_id = {p.id: p for p in products.products}
    index = {p.id: i for i, p in enumerate(products.products)}
    graph = ProductGraph(by_id)

    def edge_place(a: str, b: str) -> str:
        j = next(k for k, r in enumerate(by_id[a].requires) if r.product == b)
        line, col = doc.place(("products", index[a], "requires", j))
        return f"{a} requires {b} ({doc.file}:{line}:{col})"

    for cycle in graph.cycles():
        steps = [edge_place(a, b) for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)]
        yield doc.issue(("products", index[cycle[0]], "requires"), "requires-cycle",
                        "requires cycle: " + " -> ".join(cycle + cycle[:1]) + "; " + "; ".join(steps),
                        "a product cannot need itself, even through others; remove one of these requires")
    if graph.cycles():
        return
    for pid in by_id:
        pairs = graph.excluded_pairs(graph.required_by(pid) | {pid})
        for a, b in pairs:
            yield doc.issue(("products", index[pid], "requires"), "requires-conflict",
                            f"{pid!r} can never be sold: it needs both {a!r} and {b!r}, which exclude each other",
                            "remove the exclusion or one of the requires")


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
                    yield doc.issue(at + ("tier",), "unknown-reference", f"unknown tier {effect.offer.tier!r}",
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
            if stage == CUSTOMER_STAGE:
                message = (f"a customer-stage rule cannot test {part!r}: it runs before the search, so it would "
                           "chain on a proposal that may be in no bundle")
                hint = ("write 'stage: bundle' to run it on the chosen bundle, where 'product' means a product "
                        "in the bundle; turn a 'propose' into an 'add_on'")
            else:
                message = (f"a bundle-stage rule cannot test {part!r}; it tests the customer, products in the "
                           "bundle, the bundle and key persons")
                hint = "test the need in a customer-stage rule, or test the product that covers it"
            yield doc.issue(path + (part,), "wrong-stage", message, hint)
    for j, effect in enumerate(rule.then):
        if effect.kind not in STAGE_EFFECTS[stage]:
            yield doc.issue(at + ("then", j, effect.kind), "wrong-stage",
                            f"a {stage}-stage rule cannot {effect.kind.replace('_', ' ')}: that is an effect of "
                            f"the {other} stage",
                            f"{stage}-stage effects: {', '.join(STAGE_EFFECTS[stage])}"
                            + ("; write 'stage: bundle' for a rule on the chosen bundle" if stage == CUSTOMER_STAGE
                               else "; move it to a customer-stage rule"))


def _never_fires(when: When, proposed: set[str] | None, doc: Document, at: tuple[str | int, ...],
                 check_products: bool = True, in_bundle: bool = False) -> Iterator[Issue]:
    """Conditions no customer can meet: empty ranges, empty lists, products no rule proposes.

    At the bundle stage (``in_bundle``) a product condition needs a product some
    bundle can hold: one that covers a need item, or that a rule proposes or adds.
    """
    for k, branch in enumerate(when.any or []):
        yield from _never_fires(branch, proposed, doc, at + ("any", k), check_products, in_bundle)
    ranges = [(("customer", name), name, c) for name, c in (when.customer or {}).items()]
    ranges += [(("bundle", name), f"the bundle's {name}", c)
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
                            f"no value of {name} satisfies {_ops_text(constraint)}",
                            "check the bounds: gte/gt must be below lte/lt, and 'in' needs at least one value")
    for j, pid in enumerate(when.product if isinstance(when.product, list) else [when.product] if when.product
                            else []):
        if not check_products or proposed is None or pid in proposed:
            continue
        path = at + ("product", j) if isinstance(when.product, list) else at + ("product",)
        if in_bundle:
            yield doc.issue(path, "rule-never-fires", f"no bundle can hold {pid!r}, so this condition never holds",
                            f"{pid!r} covers no need item and no rule proposes or adds it", severity="warning")
        else:
            yield doc.issue(path, "rule-never-fires", f"no rule proposes {pid!r}, so this condition never holds",
                            "a product condition matches products proposed by other rules; add a rule that "
                            "proposes it, or test a customer field instead", severity="warning")


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
                            f"rule {rule.id!r} both proposes and excludes {effect.exclude.product!r}",
                            "keep one of the two effects")
        kind = effect.kind
        if kind in SINGLE_ADVICE:
            value = getattr(effect, kind)
            if kind in single and single[kind] != value:
                yield doc.issue(at + (j, kind), "contradictory-effects",
                                f"rule {rule.id!r} sets {kind} to both {single[kind]!r} and {value!r}",
                                "a rule sets each piece of advice once")
            single[kind] = value
        if effect.offer:
            key = "offer:" + effect.offer.offer
            if key in single and single[key] != effect.offer.tier:
                yield doc.issue(at + (j, "offer"), "contradictory-effects",
                                f"rule {rule.id!r} chooses two tiers of offer {effect.offer.offer!r}",
                                "a rule chooses one tier per offer")
            single[key] = effect.offer.tier


def _value(name: str, v: object, want: type, refs: _Refs, doc: Document,
           path: tuple[str | int, ...]) -> Iterator[Issue]:
    ok = isinstance(v, bool) if want is bool else (
        isinstance(v, (int, float)) and not isinstance(v, bool) if want is float else isinstance(v, str))
    if not ok:
        yield doc.issue(path, "wrong-type", f"{name} is compared with {v!r}, but it holds "
                        + {bool: "true/false", float: "a number", str: "text"}[want],
                        {bool: "write true or false", float: "write a number without quotes",
                         str: "write the value as text"}[want])
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
            yield doc.issue(path, "unknown-field", f"customers have no field {name!r} a rule can test",
                            did_you_mean(name, RULE_FIELDS) or "fields a rule can test: " + ", ".join(RULE_FIELDS))
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
                    yield from _value(f"the bundle's {name}", v, float, refs, doc,
                                      at + ("bundle", name) + ((op,) if isinstance(constraint, Op) else ()))
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
