"""Scenario files: customers with expected outcomes, run against the real engine.

A scenario lives in ``<knowledge>/scenarios/<name>.yaml``. Running one builds the
recommendation and compares it with ``expect``; every mismatch is reported with
the scenario, what was expected, what came out and the rules that fired, so a
product team sees which rule to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import get_args

from .diagnose import fastdiag
from .engine import EngineName
from .errors import Issue, KnowledgeError, Positions, ProfileError, Said, did_you_mean, what_said
from .knowledge.base import KnowledgeBase
from .knowledge.languages import check_texts
from .knowledge.loader import available_catalogs, validate_document
from .knowledge.schema import BundleExpectation, Scenario
from .knowledge.yamlpos import Document, load_file
from .profile import Source, parse_profile, reference_issues
from .recommender import Recommender
from .result import Bundle, LeftOutReason, Recommendation
from .text import clean_text, text_lines
from .validity import checked_day
from .vocabulary import SINGLE_ADVICE


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    file: str
    profile_positions: Positions = field(default_factory=dict)  # so profile errors name their line
    expect_place: tuple[int, int] = (1, 1)
    positions: Positions = field(default_factory=dict)  # of the whole file, so its texts' problems name lines


@dataclass
class Outcome:
    loaded: LoadedScenario
    failures: list[str] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    as_of: date | None = None  # the day it ran as of

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario

    @property
    def file(self) -> str:
        return self.loaded.file

    @property
    def passed(self) -> bool:
        return not self.failures

    blamed: list[str] | None = None
    diagnosed: bool = False

    def report(self) -> str:
        head = f"{'PASS' if self.passed else 'FAIL'} {self.scenario.id} ({self.file})"
        if self.passed:
            return clean_text(head)
        lines = [head] + [f"    - {f}" for f in self.failures]
        lines.append(f"    rules fired: {', '.join(self.fired) or '(none)'}")
        if self.blamed is not None:
            lines.append(f"    to blame (smallest set whose removal makes it pass): {', '.join(self.blamed)}")
        elif self.diagnosed:
            lines.append("    to blame: no rule or relation; removing them all does not help, so prices "
                         "or ranking weights decide")
        return text_lines(lines)


def load_scenarios(root: str | Path) -> list[LoadedScenario]:
    """Every scenario under ``root/scenarios``, validated; raises :class:`KnowledgeError` listing all issues."""
    issues: list[Issue] = []
    loaded = []
    seen: dict[str, str] = {}
    for path in sorted((Path(root) / "scenarios").glob("*.yaml")):
        doc = load_file(path, str(path), Path(root))  # a scenario linking out of the knowledge is refused
        issues.extend(doc.issues)
        if any(i.severity == "error" for i in doc.issues):
            continue
        scenario = validate_document(doc, Scenario, issues)
        if scenario is None:
            continue
        if scenario.id in seen:
            issues.append(doc.issue(("id",), "duplicate-id", Said("duplicate-id.scenario", id=scenario.id),
                                    Said("hint.duplicate-id.scenario", file=seen[scenario.id])))
        seen[scenario.id] = str(path)
        inside = {key[1:]: pos for key, pos in doc.positions.items() if key[:1] == ("profile",)}
        expect_line, expect_column = doc.place(("expect",))
        loaded.append(LoadedScenario(scenario, str(path), inside, (expect_line or 1, expect_column or 1),
                                     doc.positions))
    if any(i.severity == "error" for i in issues):
        raise KnowledgeError(issues)
    return loaded


def _source(loaded: LoadedScenario) -> Source:
    return Source(file=loaded.file, positions=loaded.profile_positions)


def scenario_day(scenario: Scenario, as_of: date | None = None) -> date:
    """The day a scenario runs as of: its own ``as_of``, else the run's, else today."""
    return scenario.as_of or checked_day(as_of)


def run_scenario(rec: Recommender, loaded: LoadedScenario, as_of: date | None = None) -> Outcome:
    """Recommend for the scenario's customer (as of :func:`scenario_day`) and compare with its expectations."""
    scenario = loaded.scenario
    outcome = Outcome(loaded, as_of=scenario_day(scenario, as_of))
    try:
        profile = parse_profile(scenario.profile, source=_source(loaded), knowledge=rec.knowledge)
        result = rec.recommend(profile, top_k=scenario.top_k, as_of=outcome.as_of)
    except Exception as exc:  # noqa: BLE001 - a broken scenario is a failure to report, not a crash
        outcome.failures.append(f"could not run: {exc}")
        return outcome
    outcome.fired = [r.rule for r in result.fired_rules]
    outcome.failures = unknown_ids(scenario, rec.knowledge) + compare(scenario, result)
    return outcome


def unknown_ids(scenario: Scenario, kb: KnowledgeBase) -> list[str]:
    """Every id ``scenario`` expects that ``kb`` does not know, said in English."""
    return [str(said) for said in unknown_said(scenario, kb)]


def unknown_said(scenario: Scenario, kb: KnowledgeBase) -> list[Said]:
    """Expectations naming ids the knowledge does not have (a typo would otherwise pass silently)."""
    e = scenario.expect
    fw = kb.framework
    checks: list[tuple[str, list[str], set[str]]] = [
        ("product", [p for b in (e.top_bundle, e.any_bundle) if b
                     for p in b.include + b.exclude + list(b.quantities) + list(b.left_out) + list(b.prices)
                     + list(b.policy)],
         set(kb.products)),
        ("rule", e.rules_fired + e.rules_not_fired + e.notes
         + [r for b in (e.top_bundle, e.any_bundle) if b for r in b.notes], set(kb.rule_index)),
        ("need", e.needs, set(kb.need_module)),
        *((kind.replace("_", " "), [v] if (v := getattr(e, kind)) else [], {c.id for c in getattr(fw, entries)})
          for kind, entries in SINGLE_ADVICE.items()),  # [B] channel, service level, strategy ...
        ("value type", [e.value_type] if e.value_type else [], {c.id for c in fw.value_types}),
        ("customer class", [e.customer_class] if e.customer_class else [], {c.id for c in fw.customer_classes}),
        ("offer", list(e.offers) + [o for b in (e.top_bundle, e.any_bundle) if b for o in b.offers], set(kb.offers)),
        ("tier", list(e.offers.values()) + [t for b in (e.top_bundle, e.any_bundle) if b for t in b.offers.values()],
         {t.id for o in kb.offers.values() for t in o.tiers}),
        ("left-out reason", [r for b in (e.top_bundle, e.any_bundle) if b for r in b.left_out.values()],
         set(get_args(LeftOutReason))),
        ("pricing policy", [v for b in (e.top_bundle, e.any_bundle) if b for v in b.policy.values()],
         {c.id for c in fw.policy_classes} | {t.id for t in fw.handset_types}),
    ]
    out = []
    for what, values, known in checks:
        for value in values:
            if value not in known:
                hint = did_you_mean(value, known)
                said = Said("unknown-reference.expect", what=what_said(what), value=value)
                out.append(Said("unknown-reference.with-hint", message=said, hint=hint) if hint else said)
    return out


def compare(scenario: Scenario, result: Recommendation) -> list[str]:
    """Every way ``result`` differs from what ``scenario`` expects."""
    e = scenario.expect
    failures: list[str] = []
    bundles = [[p.id for p in b.products] for b in result.bundles]
    if e.no_bundle is not None and e.no_bundle != (not bundles):
        failures.append(f"expected {'no bundle' if e.no_bundle else 'bundles'}, got {len(bundles)} bundle(s)")
    if e.top_bundle is not None:
        failures += _bundle(e.top_bundle, bundles[:1], "the top bundle")
        failures += _sized(e.top_bundle, result.bundles[:1], "the top bundle")
        failures += _staged(e.top_bundle, result.bundles[:1], "the top bundle")
    if e.any_bundle is not None:
        failures += _bundle(e.any_bundle, bundles, "any bundle")
        failures += _sized(e.any_bundle, result.bundles, "any bundle")
        failures += _staged(e.any_bundle, result.bundles, "any bundle")
    needs = {n.id for n in result.needs}
    failures += [f"expected need {n!r}; needs were {sorted(needs)}" for n in e.needs if n not in needs]
    fired = {r.rule for r in result.fired_rules}
    failures += [f"expected rule {r!r} to fire" for r in e.rules_fired if r not in fired]
    failures += [f"expected rule {r!r} not to fire" for r in e.rules_not_fired if r in fired]
    advice = result.advice
    for key in SINGLE_ADVICE:  # [B]
        want, got = getattr(e, key), getattr(advice, key)
        got_id = got.id if got is not None else None
        if want is not None and got_id != want:
            failures.append(f"expected {key} {want!r}, got {got_id!r}")
    top = result.bundles[0] if result.bundles else None  # what bundle-stage rules said of the recommendation
    offers = {o.offer: o.tier for o in [*advice.offers, *(top.offers if top else [])]}
    failures += [f"expected offer {o!r} tier {t!r}, got {offers.get(o)!r}" for o, t in e.offers.items()
                 if offers.get(o) != t]
    notes = {n.rule for n in [*advice.notes, *(top.notes if top else [])]}
    failures += [f"expected the note of rule {r!r}" for r in e.notes if r not in notes]
    a = result.assessment
    if e.value_type is not None and a.value_type != e.value_type:
        failures.append(f"expected value type {e.value_type!r}, got {a.value_type!r}")
    if e.customer_class is not None and a.customer_class != e.customer_class:
        failures.append(f"expected customer class {e.customer_class!r}, got {a.customer_class!r}")
    return failures


def _bundle(expected: BundleExpectation, bundles: list[list[str]], where: str) -> list[str]:
    if not bundles:
        return [f"expected {where} to exist, but there is no bundle"]
    failures = []
    for pid in expected.include:
        if not any(pid in b for b in bundles):
            failures.append(f"expected product {pid!r} in {where}; got {bundles if len(bundles) > 1 else bundles[0]}")
    for pid in expected.exclude:
        if any(pid in b for b in bundles):
            failures.append(f"expected product {pid!r} not in {where}")
    return failures


def _sized(expected: BundleExpectation, bundles: list[Bundle], where: str) -> list[str]:
    """Quantities and left-out reasons a bundle (any of ``bundles``) must show."""
    failures = []
    for pid, want in expected.quantities.items():
        got = sorted({p.quantity for b in bundles for p in b.products if p.id == pid})
        if want not in got:
            failures.append(f"expected {pid!r} in quantity {want} in {where}; got {got or 'not in it'}")
    for pid, reason in expected.left_out.items():
        reasons = sorted({x.reason for b in bundles for x in b.left_out if x.product == pid})
        if reason not in reasons:
            failures.append(f"expected {pid!r} left out of {where} as {reason!r}; got {reasons or 'not left out'}")
    return failures


def _staged(expected: BundleExpectation, bundles: list[Bundle], where: str) -> list[str]:
    """Offer tiers, notes and net prices the bundle-stage rules must give a bundle (any of ``bundles``)."""
    failures = []
    for offer, tier in expected.offers.items():
        got = sorted({o.tier for b in bundles for o in b.offers if o.offer == offer})
        if tier not in got:
            failures.append(f"expected offer {offer!r} tier {tier!r} on {where}; got {got or 'none'}")
    for rule in expected.notes:
        if not any(n.rule == rule for b in bundles for n in b.notes):
            failures.append(f"expected the note of rule {rule!r} on {where}")
    for pid, want in expected.prices.items():
        net = sorted({round(p.recurring - sum(d.amount for d in b.discounts if d.product == pid
                                              and d.priceType == "recurring"), 2)
                      for b in bundles for p in b.products if p.id == pid})
        if not any(abs(n - want) < 0.005 for n in net):
            failures.append(f"expected {pid!r} at {want:g} yuan/month in {where}; got {net or 'not in it'}")
    for pid, policy in expected.policy.items():  # pricing classes and subsidy caps (price_policy.py)
        got = sorted({x.policy for b in bundles for x in b.pricing_policy if pid in x.products})
        if policy not in got:
            failures.append(f"expected {pid!r} under the {policy!r} pricing policy in {where}; got {got or 'none'}")
    return failures


def run_all(root: str | Path, engine: EngineName = "auto", as_of: date | None = None
            ) -> dict[str, tuple[Recommender, list[Outcome]]]:
    """Run every scenario of ``root`` on its catalog with ``engine`` (as of :func:`scenario_day`); results
    grouped by catalog id."""
    groups: dict[str, tuple[Recommender, list[Outcome]]] = {}
    # Loading the default catalog first refuses a directory that holds no knowledge,
    # which would otherwise pass as "0 scenarios, 0 failed".
    recommenders: dict[str | None, Recommender] = {None: Recommender.from_path(root, engine=engine)}
    for loaded in load_scenarios(root):
        wanted = loaded.scenario.catalog
        if wanted not in recommenders:
            recommenders[wanted] = Recommender.from_path(root, wanted, engine)
        rec = recommenders[wanted]
        groups.setdefault(rec.knowledge.catalog.id, (rec, []))[1].append(run_scenario(rec, loaded, as_of))
    for catalog in available_catalogs(Path(root)):
        if catalog not in groups:
            groups[catalog] = (Recommender.from_path(root, catalog, engine), [])
    return dict(sorted(groups.items()))


Component = tuple[str, str]  # ("rule", id) | ("requires", "a>b") | ("excludes", "a|b")


def blame(rec: Recommender, loaded: LoadedScenario, limit: int = 40, as_of: date | None = None
          ) -> list[str] | None:
    """The smallest set of rules and relations whose removal makes a failing scenario pass.

    FastDiag over the rules that fired and the relations of the products involved;
    each question ("does it pass without these?") runs the real engine on a copy
    of the knowledge. None when removing all of them does not help either: then
    prices or ranking weights decide, not a rule or relation.
    """
    kb, day = rec.knowledge, scenario_day(loaded.scenario, as_of)
    try:
        profile = parse_profile(loaded.scenario.profile, source=_source(loaded), knowledge=kb)
        result = rec.recommend(profile, top_k=loaded.scenario.top_k, as_of=day)
    except Exception:  # noqa: BLE001 - a profile that does not load has nothing to blame
        return None
    involved = {p.id for b in result.bundles for p in b.products}
    e = loaded.scenario.expect
    involved |= {p for b in (e.top_bundle, e.any_bundle) if b for p in b.include + b.exclude}
    components: list[Component] = [("rule", r.rule) for r in result.fired_rules]
    for pid in sorted(involved & kb.products.keys()):
        components += [("requires", f"{pid}>{d}") for d in kb.graph.direct[pid]]
        components += [("excludes", "|".join(sorted((pid, o)))) for o in sorted(kb.graph.excludes_of[pid])]
    components = sorted(set(components))[:limit]

    def passes(kept: frozenset[Component]) -> bool:
        trial = _without(kb, set(components) - kept)
        try:
            trial_rec = Recommender(trial, rec.engine)  # the backend the scenario failed on
            outcome = compare(loaded.scenario, trial_rec.recommend(profile, top_k=loaded.scenario.top_k, as_of=day))
        except Exception:  # noqa: BLE001 - a knowledge copy the engine rejects does not pass
            return False
        return not outcome

    found = fastdiag(components, passes)
    return None if found is None else [f"{kind} {name}" for kind, name in sorted(found)]


def _without(kb: KnowledgeBase, removed: set[Component]) -> KnowledgeBase:
    """A copy of ``kb`` without some rules, requires edges and exclusions."""
    rules = tuple(r for r in kb.rules if ("rule", r.id) not in removed)
    products = {}
    for pid, p in kb.products.items():
        requires = [r for r in p.requires if ("requires", f"{pid}>{r.product}") not in removed]
        excludes = [r for r in p.excludes if ("excludes", "|".join(sorted((pid, r.product)))) not in removed]
        products[pid] = p.model_copy(update={"requires": requires, "excludes": excludes})
    return replace(kb, rules=rules, products=products)


def scenario_issues(root: str | Path, knowledge: dict[str, KnowledgeBase]) -> list[Issue]:
    """Problems in the scenario files: their shape, and ids their expectations name.

    ``knowledge`` maps catalog ids to loaded knowledge; scenarios of other catalogs
    get only the shape check.
    """
    try:
        loaded = load_scenarios(root)
    except KnowledgeError as exc:
        return list(exc.issues)
    default = next(iter(knowledge.values())).framework.default_catalog if knowledge else None
    issues = []
    for entry in loaded:
        kb = knowledge.get(entry.scenario.catalog or default or "")
        if kb is None:
            continue
        line, column = entry.expect_place
        issues += [Issue(code="unknown-reference", message=message, file=entry.file, line=line, column=column,
                         path="expect") for message in unknown_said(entry.scenario, kb)]
        issues += check_texts(entry.scenario, list(kb.languages), Document(entry.file, None, entry.positions))
        found = reference_issues(entry.scenario.profile, kb, entry.file, entry.profile_positions)
        try:
            parse_profile(entry.scenario.profile, source=_source(entry))
        except ProfileError as exc:
            found += exc.issues
        issues += [i.model_copy(update={"path": f"profile.{i.path}"}) for i in found]
    return issues
