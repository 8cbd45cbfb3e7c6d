"""The assessment's lines in the rationale, in zh and en: which indicators decided the value type, the
class and the lifecycle stage (seed 004 3.1 集团客户价值评估, 3.2 不同周期划分标准; seed 000).

Rendered from the result alone, so a stored result explains itself without the knowledge base.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .messages import message

if TYPE_CHECKING:
    from .knowledge.schema import Named
    from .result import CustomerAssessment, Evidence, Lang

def criterion_names(criterion: str) -> dict[str, str]:
    """``name_zh`` and ``name_en`` of a class criterion or economic dimension."""
    return {"name_zh": message(f"criterion.{criterion}", "zh"), "name_en": message(f"criterion.{criterion}", "en")}


def attitude_names(attitude: Named) -> dict[str, str]:
    """Names of an IT attitude as an economic dimension: 信息化态度(创新型) ..."""
    label = criterion_names("it_attitude")
    return {"name_zh": f"{label['name_zh']}({attitude.name_zh})", "name_en": f"{label['name_en']} ({attitude.name_en})"}


def _t(key: str, lang: Lang, **kw: object) -> str:
    return message(f"assess.{key}", lang, **kw)


def _name(e: Evidence, lang: Lang) -> str:
    return e.name_zh if lang == "zh" else e.name_en


def _sep(lang: Lang) -> str:
    return message("list.sep", lang)


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
    stage = message(f"assess.stage.{lc.stage}", lang)
    if lang == "zh":
        return f"{_t('lifecycle', lang)}：{stage}（{_t('derived', lang, basis=basis)}）"
    return f"{_t('lifecycle', lang)}: {stage}, {_t('derived', lang, basis=basis)}"


def assessment_lines(a: CustomerAssessment, lang: Lang) -> list[str]:
    """Lines under the assessment: value evaluation, class criteria, a derived lifecycle stage."""
    lines = [value_line(a, lang), class_line(a, lang)]
    stage = lifecycle_line(a, lang)
    return lines + ([stage] if stage else [])
