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
from typing import Any, Literal

from .assess_text import attitude_name, criterion_name
from .knowledge.base import KnowledgeBase
from .knowledge.schema import Assessment, ClassBand, Framework, Named, Step, Text
from .profile import CustomerProfile
from .result import CustomerAssessment, Evidence, LifecycleEvidence, StepScore, ValueEvaluation
from .vocabulary import DUAL, ECONOMIC, IT_INVESTMENT, SCALE, SOCIAL

# [A] Ids of what the class and the economic value are made of, besides the measurement steps.
CUSTOMER_SCALE, OPERATOR_REVENUE, SOCIAL_INFLUENCE, PROFITABILITY, IT_ATTITUDE = (
    "customer_scale", "operator_revenue", "social_influence", "profitability", "it_attitude")


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
            names.update(city_key(n) for n in (entry.id, *entry.name.root.values(), *entry.aliases))
    return city_key(city) in names


def _named(entity: Named | StepScore, score: float | None = None) -> Evidence:
    return Evidence(id=entity.id, name=entity.name, score=score)


def authority(profile: CustomerProfile, kb: KnowledgeBase) -> Evidence | None:
    """Seed 004 3.1 社会价值型 (非盈利权威组织): the industry or segment the assessment lists, if any."""
    spec, fw = kb.assessment, kb.framework
    if profile.industry in spec.social_value_industries:
        return next((_named(e) for e in fw.industries if e.id == profile.industry), None)
    if profile.segment is not None and profile.segment in spec.social_value_segments:
        return next((_named(e) for e in fw.segments if e.id == profile.segment), None)
    return None


def measure(profile: CustomerProfile, step: Step, missing_score: float) -> StepScore:
    """A step: each indicator by quintile, the mean over all of them, a missing one at ``missing_score``."""
    scores: dict[str, int] = {}
    missing: list[str] = []
    for ind in step.indicators:
        value = getattr(profile, ind.field)
        if value is None:
            missing.append(ind.field)
        else:
            scores[ind.field] = quintile_score(float(value), ind.cuts)
    mean = round((sum(scores.values()) + missing_score * len(missing)) / len(step.indicators), 4)
    return StepScore(id=step.id, name=step.name, score=mean, indicators=scores,
                     missing=missing)


def influences(profile: CustomerProfile, kb: KnowledgeBase, authority_of: Evidence | None) -> list[str] | None:
    """The social influences the customer holds: those it lists, else an authority's own (None: unknown)."""
    spec = kb.assessment
    if profile.social_influence is not None:
        given = set(profile.social_influence)
    elif authority_of is not None and spec.authority_influences:
        given = set(spec.authority_influences)
    else:
        return None
    return [e.id for e in spec.social_influences if e.id in given]  # in the assessment's order


def influence_criterion(profile: CustomerProfile, kb: KnowledgeBase, held: list[str] | None) -> StepScore:
    """Seed 000's 社会影响力: each influence scores 5 when held, 1 when the profile's list leaves it out.

    An influence neither listed nor implied by an authority is unknown and counts at the median, like a
    missing indicator; an authority that lists nothing holds its ``authority_influences`` and the others
    stay unknown.
    """
    spec = kb.assessment
    listed = profile.social_influence is not None
    scores: dict[str, int] = {}
    missing: list[str] = []
    for entry in spec.social_influences:
        if held is not None and entry.id in held:
            scores[entry.id] = 5
        elif listed:
            scores[entry.id] = 1
        else:
            missing.append(entry.id)
    mean = round((sum(scores.values()) + spec.missing_score * len(missing)) / len(spec.social_influences), 4)
    return StepScore(id=SOCIAL_INFLUENCE, name=criterion_name(SOCIAL_INFLUENCE, kb.messages), score=mean,
                     indicators=scores, missing=missing)


def class_criteria(profile: CustomerProfile, kb: KnowledgeBase, scale: StepScore,
                   held: list[str] | None) -> list[StepScore]:
    """Seed 000: A/B/C/D by 客户规模、收入规模、社会影响力 (customer scale, operator revenue, influence).

    Customer scale is the measurement system's scale step; revenue is what the customer brings the
    operator (annual_spend: seed 000's 一高, high ARPU, and 对运营商的收入贡献大); influence is the
    social value's indicators (seed 004 3.1).
    """
    spec = kb.assessment
    out = [scale.model_copy(update={"id": CUSTOMER_SCALE, "name": criterion_name(CUSTOMER_SCALE, kb.messages)})]
    if spec.operator_revenue is not None:
        revenue = Step(id=OPERATOR_REVENUE, name=criterion_name(OPERATOR_REVENUE, kb.messages),
                       indicators=[spec.operator_revenue])
        out.append(measure(profile, revenue, spec.missing_score))
    if spec.social_influences:
        out.append(influence_criterion(profile, kb, held))
    return out


def economic_value(profile: CustomerProfile, kb: KnowledgeBase, steps: dict[str, StepScore]) -> list[Evidence]:
    """Seed 004 3.1 经济价值: 企业规模、盈利水平、信息化态度、信息化投入, each dimension the profile gives.

    Scale is always known (head-count is required); IT investment and profitability count when the
    profile gives one of their indicators, the attitude when it names one. A dimension the profile says
    nothing about is left out rather than counted at the median, so a customer known by scale alone is
    valued by its scale, as before the value evaluation.
    """
    spec = kb.assessment
    parts = [_named(steps[SCALE], steps[SCALE].score)]
    invest = steps.get(IT_INVESTMENT)
    if invest is not None and invest.indicators:
        parts.append(_named(invest, invest.score))
    if spec.profitability and any(getattr(profile, i.field) is not None for i in spec.profitability):
        profit = measure(profile, Step(id=PROFITABILITY, name=criterion_name(PROFITABILITY, kb.messages),
                                       indicators=spec.profitability), spec.missing_score)
        parts.append(_named(profit, profit.score))
    attitude = next((a for a in spec.it_attitudes if a.id == profile.it_attitude), None)
    if attitude is not None:
        parts.append(Evidence(id=IT_ATTITUDE, name=attitude_name(attitude, kb.messages), score=attitude.score))
    return parts


def value_evaluation(profile: CustomerProfile, kb: KnowledgeBase, steps: dict[str, StepScore],
                     authority_of: Evidence | None, held: list[str] | None) -> tuple[str, ValueEvaluation]:
    """Seed 004 3.1: 按照市场需求潜力 ... 社会经济双重价值型、经济价值型、社会价值型.

    A stated value type wins; a non-profit authority (by industry or segment) is of social value.
    Otherwise economic value is high from ``dual_value_min_score`` and social value when the customer
    holds ``social_value_min`` influences: both -> dual, social only -> social, else economic. When the
    profile lists no influence, the seed's own example decides: a large group (大行业、大集团, scale
    step at the threshold) with high economic value is of dual value.
    """
    spec = kb.assessment
    parts = economic_value(profile, kb, steps)
    economic = round(sum(p.score or 0 for p in parts) / len(parts), 4)
    economic_high = economic >= spec.dual_value_min_score
    names = {e.id: e for e in spec.social_influences}
    social = None if held is None else [_named(names[i]) for i in held if i in names]
    social_high = social is not None and len(social) >= spec.social_value_min
    basis: Literal["stated", "authority", "indicators", "large_group"]
    if profile.value_type is not None:
        basis, value_type = "stated", profile.value_type
    elif authority_of is not None:
        basis, social_high, value_type = "authority", True, SOCIAL
    elif profile.social_influence is not None:
        basis = "indicators"
        value_type = DUAL if economic_high and social_high else SOCIAL if social_high else ECONOMIC
    else:  # the seed's example: a large group (大行业、大集团) is of dual value
        social_high = (steps[SCALE].score or 0) >= spec.dual_value_min_score
        basis, value_type = "large_group", DUAL if economic_high and social_high else ECONOMIC
    return value_type, ValueEvaluation(basis=basis, economic=economic, economic_parts=parts,
                                       economic_high=economic_high, social=social, social_high=social_high,
                                       authority=authority_of)


def lifecycle_stage(profile: CustomerProfile, kb: KnowledgeBase) -> LifecycleEvidence:
    """Seed 004 3.2 不同周期划分标准, when the profile states no stage.

    E 流失: former products and none owned now (集团客户退出移动服务). A 新客户: joined fewer than
    ``new_months`` ago (从集团客户入网到购买开始增长). Then the purchase trend: B 成长 when spend grows
    by ``growth_min`` or more, or the product range widens without spend falling (购买范围扩大，购买量
    大幅增长); D 衰退 when spend falls to ``decline_max`` or below, or the range narrows without spend
    rising (购买范围和规模缩小); C 成熟 when a trend is given and is neither (非常稳定，业务购买完整成熟);
    when spend and range disagree, spend decides. The capture lists the shrinking criterion under C
    and the stable one under D, against the stages' names and strategies; read by the names (see
    docs/concepts/customers.md). No trend and no tenure: no stage.
    """
    if profile.lifecycle_stage is not None:
        return LifecycleEvidence(stage=profile.lifecycle_stage, derived=False)
    spec = kb.assessment.lifecycle
    if profile.former_products and not profile.existing_products:
        return LifecycleEvidence(stage="churned", derived=True, basis={
            "former_products": len(profile.former_products), "existing_products": 0})
    if profile.tenure_months is not None and profile.tenure_months < spec.new_months:
        return LifecycleEvidence(stage="new", derived=True, basis={"tenure_months": profile.tenure_months})
    growth, change = profile.spend_growth, profile.products_change
    basis = {k: float(v) for k, v in (("spend_growth", growth), ("products_change", change)) if v is not None}
    if not basis:
        return LifecycleEvidence(stage=None, derived=False)
    up = growth is not None and growth >= spec.growth_min
    down = growth is not None and growth <= spec.decline_max
    if not up and not down and change:  # spend flat or unknown: the product range decides
        up, down = change > 0 and (growth is None or growth >= 0), change < 0 and (growth is None or growth <= 0)
    stage = "growth" if up else "decline" if down else "mature"
    return LifecycleEvidence(stage=stage, derived=True, basis=basis)


def assess(profile: CustomerProfile, kb: KnowledgeBase) -> CustomerAssessment:
    spec = kb.assessment
    steps = [measure(profile, step, spec.missing_score) for step in spec.steps]
    step_scores = [s.score for s in steps if s.score is not None]
    score = round(sum(step_scores) / len(step_scores), 4) if step_scores else None
    by_id = {s.id: s for s in steps}
    authority_of = authority(profile, kb)
    held = influences(profile, kb, authority_of)
    criteria = class_criteria(profile, kb, by_id[SCALE], held)
    class_score = round(sum(c.score or 0 for c in criteria) / len(criteria), 4)
    known = sum(len(c.indicators) for c in criteria)
    total = known + sum(len(c.missing) for c in criteria)
    coverage = round(known / total, 4) if total else 0.0
    by_score = class_band(class_score, 1.0, spec.classes)
    granted = class_band(class_score, coverage, spec.classes)
    value_type, value = value_evaluation(profile, kb, by_id, authority_of, held)
    ranks = {r.id: r.level for r in kb.framework.key_person_ranks}
    top = max((p.rank for p in profile.key_persons), key=lambda r: (ranks.get(r, 0), r), default=None)
    return CustomerAssessment(
        steps=steps, score=score, class_criteria=criteria, class_score=class_score, coverage=coverage,
        class_by_score=by_score.customer_class if by_score else None,
        customer_class=granted.customer_class if granted else None,
        value_type=value_type, value_type_assessed=value.basis != "stated", value=value,
        lifecycle=lifecycle_stage(profile, kb), names=assessment_names(kb.framework, value_type, by_score, granted),
        capital_city=capital_city(profile.city, kb.framework), key_person_rank=top)


def assessment_names(fw: Framework, value_type: str, *bands: ClassBand | None) -> dict[str, Text]:
    """[A] Names of the value type and the classes, by id, for a rationale without ids."""
    ids = {value_type, *(b.customer_class for b in bands if b is not None)}
    return {e.id: e.name for e in (*fw.value_types, *fw.customer_classes) if e.id in ids}


def customer_fact(profile: CustomerProfile, assessment: CustomerAssessment, kb: KnowledgeBase) -> dict[str, Any]:
    """The flat fact rules test (see ``profile.RULE_FIELDS``); absent values are left out."""
    levels = {r.id: r.level for r in kb.framework.key_person_ranks}
    fact: dict[str, Any] = {
        "industry": profile.industry, "employees": profile.employees, "footprint": profile.footprint,  # [B]
        "company_revenue": profile.company_revenue, "annual_spend": profile.annual_spend,
        "monthly_spend": round(profile.annual_spend / 12, 2) if profile.annual_spend is not None else None,
        "value_type": assessment.value_type, "segment": profile.segment,
        "lifecycle_stage": assessment.lifecycle.stage, "budget_monthly": profile.budget_monthly,
        "region": profile.region, "city": profile.city, "capital_city": assessment.capital_city,
        "premises": profile.premises,
        "customer_class": assessment.customer_class, "key_person_rank": assessment.key_person_rank,
        "key_person_level": levels.get(assessment.key_person_rank or ""),
        "score": assessment.score, "assessment_coverage": assessment.coverage,
        "existing_count": len(profile.existing_products),
    }
    for step in assessment.steps:
        fact[f"{step.id}_score"] = step.score
    fact["demand_focus"] = profile.demand_focus  # [A] seed 001 一.1
    return {k: v for k, v in fact.items() if v is not None}
