"""The assessment's lines in the rationale, in zh and en: which indicators decided the value type, the
class and the lifecycle stage (seed 004 3.1 集团客户价值评估, 3.2 不同周期划分标准; seed 000).

Rendered from the result alone, so a stored result explains itself without the knowledge base.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .knowledge.schema import Named
    from .result import CustomerAssessment, Evidence, Lang

# Names of what the class and the economic value are made of besides the measurement steps.
_CRITERIA = {
    "customer_scale": {"zh": "客户规模", "en": "Customer scale"},
    "operator_revenue": {"zh": "收入规模", "en": "Revenue to the operator"},
    "social_influence": {"zh": "社会影响力", "en": "Social influence"},
    "profitability": {"zh": "盈利水平", "en": "Profitability"},
    "it_attitude": {"zh": "信息化态度", "en": "IT attitude"},
}

# Seed 004 3.2's names of the stages A-E.
_STAGES = {
    "new": {"zh": "新客户", "en": "new customer (A)"},
    "growth": {"zh": "成长客户", "en": "growing customer (B)"},
    "mature": {"zh": "成熟客户", "en": "mature customer (C)"},
    "decline": {"zh": "衰退客户", "en": "declining customer (D)"},
    "churned": {"zh": "流失客户", "en": "churned customer (E)"},
}

_L = {
    "value": {"zh": "价值评估", "en": "Value evaluation"},
    "stated": {"zh": "价值类型由客户资料给定", "en": "value type as the profile states"},
    "authority": {"zh": "属非盈利权威组织（{name}），为社会价值型",
                  "en": "a non-profit authority ({name}), so of social value"},
    "economic_value": {"zh": "经济价值{score}（{parts}），{level}", "en": "economic value {score} ({parts}): {level}"},
    "high": {"zh": "属高", "en": "high"},
    "low": {"zh": "不高", "en": "not high"},
    "social_value": {"zh": "社会影响力：{names}，{level}", "en": "social influence: {names}, {level}"},
    "social_none": {"zh": "无", "en": "none"},
    "by_scale": {"zh": "未提供社会影响力，{verdict}", "en": "no social influence given: {verdict}"},
    "large": {"zh": "按规模视为大行业、大集团", "en": "a large group by its scale"},
    "not_large": {"zh": "规模未达大集团", "en": "scale short of a large group"},
    "class": {"zh": "等级依据", "en": "Class criteria"},
    "lifecycle": {"zh": "生命周期", "en": "Lifecycle stage"},
    "derived": {"zh": "由{basis}推得", "en": "derived from {basis}"},
    "tenure_months": {"zh": "入网{v:g}个月", "en": "{v:g} months since joining"},
    "spend_growth": {"zh": "年消费变化{v:+.0%}", "en": "spend change {v:+.0%}"},
    "products_change": {"zh": "产品数变化{v:+g}项", "en": "product range change {v:+g}"},
    "former_products": {"zh": "曾用产品{v:g}项", "en": "{v:g} former products"},
    "existing_products": {"zh": "在用产品{v:g}项", "en": "{v:g} current products"},
}


def criterion_names(criterion: str) -> dict[str, str]:
    """``name_zh`` and ``name_en`` of a class criterion or economic dimension."""
    return {"name_zh": _CRITERIA[criterion]["zh"], "name_en": _CRITERIA[criterion]["en"]}


def attitude_names(attitude: Named) -> dict[str, str]:
    """Names of an IT attitude as an economic dimension: 信息化态度(创新型) ..."""
    label = _CRITERIA["it_attitude"]
    return {"name_zh": f"{label['zh']}({attitude.name_zh})", "name_en": f"{label['en']} ({attitude.name_en})"}


def _t(key: str, lang: Lang, **kw: object) -> str:
    return _L[key][lang].format(**kw)


def _name(e: Evidence, lang: Lang) -> str:
    return e.name_zh if lang == "zh" else e.name_en


def _sep(lang: Lang) -> str:
    return "、" if lang == "zh" else ", "


def value_line(a: CustomerAssessment, lang: Lang) -> str:
    """Which indicators decided the value type (seed 004 3.1)."""
    v = a.value
    head = f"{_t('value', lang)}: " if lang == "en" else f"{_t('value', lang)}："
    sep = "；" if lang == "zh" else "; "
    if v.basis == "stated":
        return head + _t("stated", lang)
    if v.basis == "authority" and v.authority is not None:
        return head + _t("authority", lang, name=_name(v.authority, lang))
    parts = _sep(lang).join(f"{_name(p, lang)}{' ' if lang == 'en' else ''}{p.score:.2f}"
                            for p in v.economic_parts if p.score is not None)
    text = _t("economic_value", lang, score=f"{v.economic:.2f}", parts=parts,
              level=_t("high" if v.economic_high else "low", lang))
    if v.social is None:
        return head + text + sep + _t("by_scale", lang, verdict=_t("large" if v.social_high else "not_large", lang))
    names = _sep(lang).join(_name(e, lang) for e in v.social) or _t("social_none", lang)
    return head + text + sep + _t("social_value", lang, names=names, level=_t("high" if v.social_high else "low", lang))


def class_line(a: CustomerAssessment, lang: Lang) -> str:
    """The class criteria of seed 000 and their mean."""
    space = " " if lang == "en" else ""
    parts = _sep(lang).join(f"{c.name_zh if lang == 'zh' else c.name_en}{space}{c.score:.2f}"
                            for c in a.class_criteria if c.score is not None)
    score = f" = {a.class_score:.2f}" if a.class_score is not None else ""
    return f"{_t('class', lang)}{': ' if lang == 'en' else '：'}{parts}{score}"


def lifecycle_line(a: CustomerAssessment, lang: Lang) -> str | None:
    """The lifecycle stage when it was derived, with what it was derived from (seed 004 3.2)."""
    lc = a.lifecycle
    if not lc.derived or lc.stage is None:
        return None
    basis = _sep(lang).join(_t(k, lang, v=v) for k, v in lc.basis.items())
    stage = _STAGES[lc.stage][lang]
    if lang == "zh":
        return f"{_t('lifecycle', lang)}：{stage}（{_t('derived', lang, basis=basis)}）"
    return f"{_t('lifecycle', lang)}: {stage}, {_t('derived', lang, basis=basis)}"


def assessment_lines(a: CustomerAssessment, lang: Lang) -> list[str]:
    """Lines under the assessment: value evaluation, class criteria, a derived lifecycle stage."""
    lines = [value_line(a, lang), class_line(a, lang)]
    stage = lifecycle_line(a, lang)
    return lines + ([stage] if stage else [])
