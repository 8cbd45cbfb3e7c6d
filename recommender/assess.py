"""Customer assessment (seed 004, 3.1): three-step measurement, value type, class.

Each indicator scores 1-5 by quintile against a reference population (cut
points live in ``assessment.yaml``; :func:`quintile_cuts` recomputes them from a
list of customers); each step is the mean of its scored indicators.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from statistics import quantiles
from typing import Any

from .knowledge.base import KnowledgeBase
from .knowledge.schema import Assessment
from .profile import CustomerProfile
from .result import CustomerAssessment, StepScore

SOCIAL, DUAL, ECONOMIC = "social", "dual", "economic"


def quintile_score(value: float, cuts: Sequence[float]) -> int:
    """1 for the bottom fifth of the reference population ... 5 for the top fifth."""
    return bisect_right(list(cuts), value) + 1


def quintile_cuts(values: Sequence[float]) -> list[float]:
    """The four cut points that split ``values`` into five equal groups."""
    if len(values) < 5:
        raise ValueError("need at least five reference values to cut into quintiles")
    return [round(c, 6) for c in quantiles(values, n=5, method="inclusive")]


def recompute_cuts(spec: Assessment, customers: Sequence[CustomerProfile]) -> Assessment:
    """``spec`` with every indicator's cut points recomputed from a reference population.

    Seed 004 scores each indicator by quintile "over the customer base"; pass that
    base here. Indicators with fewer than five known values keep their cut points.
    """
    steps = []
    for step in spec.steps:
        indicators = []
        for ind in step.indicators:
            values = [float(v) for c in customers if (v := getattr(c, ind.field)) is not None]
            cuts = quintile_cuts(values) if len(values) >= 5 else ind.cuts
            indicators.append(ind.model_copy(update={"cuts": cuts}))
        steps.append(step.model_copy(update={"indicators": indicators}))
    return spec.model_copy(update={"steps": steps})


def assess(profile: CustomerProfile, kb: KnowledgeBase) -> CustomerAssessment:
    spec = kb.assessment
    steps = []
    for step in spec.steps:
        scores = {ind.field: quintile_score(float(value), ind.cuts) for ind in step.indicators
                  if (value := getattr(profile, ind.field)) is not None}
        mean = round(sum(scores.values()) / len(scores), 4) if scores else None
        steps.append(StepScore(id=step.id, name_zh=step.name_zh, name_en=step.name_en,
                               score=mean, indicators=scores))
    known = [s.score for s in steps if s.score is not None]
    score = round(sum(known) / len(known), 4) if known else None
    customer_class = None
    if score is not None:
        for band in sorted(spec.classes, key=lambda b: -b.min_score):
            if score >= band.min_score:
                customer_class = band.customer_class
                break
    scale = next((s.score for s in steps if s.id == "scale"), None)
    if profile.value_type is not None:
        value_type, assessed = profile.value_type, False
    elif profile.industry in spec.social_value_industries:
        value_type, assessed = SOCIAL, True
    elif scale is not None and scale >= spec.dual_value_min_score:
        value_type, assessed = DUAL, True
    else:
        value_type, assessed = ECONOMIC, True
    ranks = {r.id: r.level for r in kb.framework.key_person_ranks}
    top = max((p.rank for p in profile.key_persons), key=lambda r: (ranks.get(r, 0), r), default=None)
    return CustomerAssessment(
        steps=steps, score=score, customer_class=customer_class, value_type=value_type,
        value_type_assessed=assessed,
        capital_city=bool(profile.city and profile.city in kb.framework.capital_cities),
        key_person_rank=top)


def customer_fact(profile: CustomerProfile, assessment: CustomerAssessment, kb: KnowledgeBase) -> dict[str, Any]:
    """The flat fact rules test (see ``profile.RULE_FIELDS``); absent values are left out."""
    levels = {r.id: r.level for r in kb.framework.key_person_ranks}
    fact: dict[str, Any] = {
        "industry": profile.industry, "employees": profile.employees,
        "company_revenue": profile.company_revenue, "annual_spend": profile.annual_spend,
        "monthly_spend": round(profile.annual_spend / 12, 2) if profile.annual_spend is not None else None,
        "value_type": assessment.value_type, "segment": profile.segment,
        "lifecycle_stage": profile.lifecycle_stage, "budget_monthly": profile.budget_monthly,
        "region": profile.region, "city": profile.city, "capital_city": assessment.capital_city,
        "customer_class": assessment.customer_class, "key_person_rank": assessment.key_person_rank,
        "key_person_level": levels.get(assessment.key_person_rank or ""),
        "score": assessment.score, "existing_count": len(profile.existing_products),
    }
    for step in assessment.steps:
        fact[f"{step.id}_score"] = step.score
    return {k: v for k, v in fact.items() if v is not None}
