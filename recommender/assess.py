"""Customer assessment (seed 004, 3.1): three-step measurement, value type, class.

Each indicator scores 1-5 by quintile against a reference population (cut
points live in ``assessment.yaml``; :func:`quintile_cuts` recomputes them from a
list of customers); each step is the arithmetic mean of all its indicators.

An indicator the profile does not give is not skipped: it counts at the
assessment's ``missing_score`` (the median quintile, 3), so a customer known
only by head-count cannot score like one whose every indicator is high. How many
indicators are known is the class's confidence (``coverage``); a class band
may require a minimum coverage, below which the next band down applies.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from statistics import quantiles
from typing import Any

from .knowledge.base import KnowledgeBase
from .knowledge.schema import Assessment, ClassBand, Framework
from .profile import CustomerProfile
from .result import CustomerAssessment, StepScore
from .vocabulary import DUAL, ECONOMIC, SCALE, SOCIAL


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


def class_band(score: float, coverage: float, bands: Sequence[ClassBand]) -> ClassBand | None:
    """The highest band whose score and coverage thresholds the customer meets."""
    for band in sorted(bands, key=lambda b: (-b.min_score, -b.min_known)):
        if score >= band.min_score and coverage >= band.min_known:
            return band
    return None


def city_key(name: str) -> str:
    """A city name compared ignoring case, width and spaces: '长春市', 'Changchun', ' changchun '."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def capital_city(city: str | None, fw: Framework) -> bool:
    """Whether ``city`` names one of the framework's capital cities (by id, name or alias)."""
    if not city:
        return False
    names: set[str] = set()
    for entry in fw.capital_cities:
        if isinstance(entry, str):
            names.add(city_key(entry))
        else:
            names.update(city_key(n) for n in (entry.id, entry.name_zh, entry.name_en, *entry.aliases))
    return city_key(city) in names


def social_value(profile: CustomerProfile, spec: Assessment) -> bool:
    """Seed 004 3.1 社会价值型 (非盈利权威组织): an industry or segment the assessment lists."""
    return profile.industry in spec.social_value_industries or (
        profile.segment is not None and profile.segment in spec.social_value_segments)


def assess(profile: CustomerProfile, kb: KnowledgeBase) -> CustomerAssessment:
    spec = kb.assessment
    steps = []
    known = total = 0
    for step in spec.steps:
        scores: dict[str, int] = {}
        missing: list[str] = []
        for ind in step.indicators:
            value = getattr(profile, ind.field)
            if value is None:
                missing.append(ind.field)
            else:
                scores[ind.field] = quintile_score(float(value), ind.cuts)
        mean = round((sum(scores.values()) + spec.missing_score * len(missing)) / len(step.indicators), 4)
        known, total = known + len(scores), total + len(step.indicators)
        steps.append(StepScore(id=step.id, name_zh=step.name_zh, name_en=step.name_en,
                               score=mean, indicators=scores, missing=missing))
    step_scores = [s.score for s in steps if s.score is not None]
    score = round(sum(step_scores) / len(step_scores), 4) if step_scores else None
    coverage = round(known / total, 4) if total else 0.0
    by_score = granted = None
    if score is not None:
        by_score = class_band(score, 1.0, spec.classes)
        granted = class_band(score, coverage, spec.classes)
    scale = next((s.score for s in steps if s.id == SCALE), None)
    if profile.value_type is not None:
        value_type, assessed = profile.value_type, False
    elif social_value(profile, spec):
        value_type, assessed = SOCIAL, True
    elif scale is not None and scale >= spec.dual_value_min_score:
        value_type, assessed = DUAL, True
    else:
        value_type, assessed = ECONOMIC, True
    ranks = {r.id: r.level for r in kb.framework.key_person_ranks}
    top = max((p.rank for p in profile.key_persons), key=lambda r: (ranks.get(r, 0), r), default=None)
    return CustomerAssessment(
        steps=steps, score=score, coverage=coverage,
        class_by_score=by_score.customer_class if by_score else None,
        customer_class=granted.customer_class if granted else None,
        value_type=value_type, value_type_assessed=assessed,
        capital_city=capital_city(profile.city, kb.framework), key_person_rank=top)


def customer_fact(profile: CustomerProfile, assessment: CustomerAssessment, kb: KnowledgeBase) -> dict[str, Any]:
    """The flat fact rules test (see ``profile.RULE_FIELDS``); absent values are left out."""
    levels = {r.id: r.level for r in kb.framework.key_person_ranks}
    fact: dict[str, Any] = {
        "industry": profile.industry, "employees": profile.employees, "footprint": profile.footprint,  # [B]
        "company_revenue": profile.company_revenue, "annual_spend": profile.annual_spend,
        "monthly_spend": round(profile.annual_spend / 12, 2) if profile.annual_spend is not None else None,
        "value_type": assessment.value_type, "segment": profile.segment,
        "lifecycle_stage": profile.lifecycle_stage, "budget_monthly": profile.budget_monthly,
        "region": profile.region, "city": profile.city, "capital_city": assessment.capital_city,
        "premises": profile.premises,
        "customer_class": assessment.customer_class, "key_person_rank": assessment.key_person_rank,
        "key_person_level": levels.get(assessment.key_person_rank or ""),
        "score": assessment.score, "assessment_coverage": assessment.coverage,
        "existing_count": len(profile.existing_products),
    }
    for step in assessment.steps:
        fact[f"{step.id}_score"] = step.score
    return {k: v for k, v in fact.items() if v is not None}
