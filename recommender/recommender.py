"""The facade: wires knowledge, engine, bundling, ranking and explanation together."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

from .assess import assess, customer_fact
from .bundling import Constraints, classify, search
from .diagnose import Constraint, diagnose
from .engine import Evaluation, RuleEngine
from .errors import Positions, ProfileError
from .explain import bundle_model, fired_rules
from .knowledge.base import KnowledgeBase
from .knowledge.loader import load_knowledge
from .profile import CustomerProfile, read_profile_file, reference_issues
from .result import Advice, AdviceChoice, CustomerAssessment, NeedResult, Note, OfferChoice, Recommendation


def default_knowledge_dir() -> Path:
    """The knowledge shipped with the package (or the repository's, in a source checkout)."""
    packaged = Path(str(files("recommender"))) / "_knowledge"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "knowledge"


class Recommender:
    """Recommends ranked, explained product bundles for group customers.

    Thread-safe: calls may come from many threads; :meth:`reload` swaps the
    knowledge atomically and a failed reload keeps the old knowledge serving.
    """

    def __init__(self, knowledge: KnowledgeBase):
        self._state = (knowledge, RuleEngine(knowledge))
        self._reload_lock = threading.Lock()

    @classmethod
    def default(cls, catalog: str | None = None) -> Recommender:
        """The default knowledge base; ``catalog`` picks one of its catalogs."""
        return cls.from_path(default_knowledge_dir(), catalog)

    @classmethod
    def from_path(cls, path: str | Path, catalog: str | None = None) -> Recommender:
        """A product team's knowledge directory (raises :class:`KnowledgeError`)."""
        return cls(load_knowledge(path, catalog))

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._state[0]

    def reload(self, path: str | Path | None = None, catalog: str | None = None) -> KnowledgeBase:
        """Load new knowledge and swap it in; on error raise and keep the current one."""
        with self._reload_lock:
            current = self._state[0]
            kb = load_knowledge(path or current.root, catalog or current.catalog.id)
            self._state = (kb, RuleEngine(kb))
            return kb

    def parse_profile(self, data: Mapping[str, Any] | CustomerProfile, *, file: str | None = None,
                      positions: Positions | None = None) -> CustomerProfile:
        """Check a profile's shape and ids against this knowledge; one :class:`ProfileError` lists all."""
        kb = self._state[0]
        raw = data.model_dump() if isinstance(data, CustomerProfile) else data
        issues = reference_issues(raw, kb, file, positions)
        if isinstance(data, CustomerProfile):
            profile = data
        else:
            try:
                profile = CustomerProfile.parse(data, file=file, positions=positions)
            except ProfileError as exc:
                raise ProfileError(sorted(exc.issues + tuple(issues), key=lambda i: (i.line or 0, i.path))) from None
        if issues:
            raise ProfileError(issues)
        return profile

    def load_profile(self, path: str | Path) -> CustomerProfile:
        """Read a profile file; errors name file:line:column."""
        data, file, positions = read_profile_file(path)
        return self.parse_profile(data, file=file, positions=positions)

    def recommend(self, profile: CustomerProfile | Mapping[str, Any], top_k: int = 3) -> Recommendation:
        """The ``top_k`` best bundles for ``profile`` with rationale (raises :class:`ProfileError`)."""
        if top_k < 1:
            raise ValueError("top_k must be at least 1")
        kb, engine = self._state
        profile = self.parse_profile(profile)
        assessment = assess(profile, kb)
        ev = engine.evaluate(customer_fact(profile, assessment, kb), {n: 1.0 for n in profile.needs},
                             tuple(p.rank for p in profile.key_persons))
        cons = Constraints(budget=profile.budget_monthly, excluded=frozenset(profile.excluded_products),
                           owned=frozenset(profile.existing_products))
        strategy = _strategy_kind(kb, ev)
        seeds, left_out = classify(kb, profile, assessment, ev, cons)
        found, _exact = search(kb, ev, cons, seeds, top_k, strategy)
        bundles = [bundle_model(kb, ev, f, rank, tuple(seeds), left_out, cons)
                   for rank, f in enumerate(found, start=1)]
        diagnosis = None
        if not bundles:
            diagnosis = _diagnose(kb, profile, assessment, ev, cons, strategy)
        return Recommendation(
            customer_id=profile.id, customer_name=profile.name, catalog=kb.catalog.id,
            knowledge=kb.fingerprint, assessment=assessment, needs=_needs(kb, ev),
            bundles=bundles, advice=_advice(kb, ev), fired_rules=fired_rules(kb, ev.firings),
            diagnosis=diagnosis)


def _strategy_kind(kb: KnowledgeBase, ev: Evaluation) -> str | None:
    if ev.strategy is None:
        return None
    return next(s.kind for s in kb.framework.strategies if s.id == ev.strategy.value)


def _needs(kb: KnowledgeBase, ev: Evaluation) -> list[NeedResult]:
    return [NeedResult(id=n, module=kb.need_module[n], name_zh=kb.names[n].name_zh, name_en=kb.names[n].name_en,
                       weight=w, sources=list(ev.need_sources.get(n, ()))) for n, w in ev.needs.items()]


def _advice(kb: KnowledgeBase, ev: Evaluation) -> Advice:
    def choice(c: Any) -> AdviceChoice | None:
        if c is None:
            return None
        entity = kb.names[c.value]
        return AdviceChoice(id=c.value, name_zh=entity.name_zh, name_en=entity.name_en, rule=c.rule)

    offers = []
    for offer_id, c in ev.offers.items():
        tier = next(t for t in kb.offers[offer_id].tiers if t.id == c.value)
        offers.append(OfferChoice(offer=offer_id, tier=tier.id, name_zh=f"{kb.offers[offer_id].name_zh} {tier.name_zh}",
                                  name_en=f"{kb.offers[offer_id].name_en} {tier.name_en}", benefits=tier.benefits,
                                  rule=c.rule))
    return Advice(channel=choice(ev.channel), service_level=choice(ev.service_level), strategy=choice(ev.strategy),
                  offers=offers, notes=[Note(rule=r, text=t) for r, t in ev.notes])


def _diagnose(kb: KnowledgeBase, profile: CustomerProfile, assessment: CustomerAssessment, ev: Evaluation,
              cons: Constraints, strategy: str | None) -> Any:
    constraints: list[Constraint] = []
    if cons.budget is not None:
        constraints.append(("budget", ""))
    constraints += [("excluded", p) for p in sorted(cons.excluded)]
    constraints += [("owned", p) for p in sorted(cons.owned)]

    def relaxed(kept: frozenset[Constraint]) -> Constraints:
        return Constraints(budget=cons.budget if ("budget", "") in kept else None,
                           excluded=frozenset(p for k, p in kept if k == "excluded"),
                           owned=frozenset(p for k, p in kept if k == "owned"))

    def feasible(kept: frozenset[Constraint]) -> bool:
        c = relaxed(kept)
        seeds, _ = classify(kb, profile, assessment, ev, c)
        return bool(search(kb, ev, c, seeds, 1, strategy)[0])

    def min_budget(kept: frozenset[Constraint]) -> float | None:
        c = relaxed(kept - {("budget", "")})
        seeds, _ = classify(kb, profile, assessment, ev, c)
        prices = [sum(kb.products[p].price("recurring") for p in ({s} | kb.graph.required_by(s)) - c.owned)
                  for s in seeds]
        return min(prices) if prices else None

    return diagnose(constraints, feasible, kb, cons.budget, min_budget, no_needs=not ev.needs)
