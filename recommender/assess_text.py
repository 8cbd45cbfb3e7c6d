"""The assessment's lines in the rationale, in each language: which indicators decided the value type, the
class and the lifecycle stage (seed 004 3.1 集团客户价值评估, 3.2 不同周期划分标准; seed 000).

Rendered from the result alone, so a stored result explains itself without the knowledge base.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .messages import Messages, message

if TYPE_CHECKING:
    from .knowledge.schema import Named, Text
    from .result import CustomerAssessment, Evidence, Lang

def criterion_name(criterion: str, messages: Messages) -> Text:
    """The name of a class criterion or economic dimension, in every language of ``messages``."""
    return messages.text(f"criterion.{criterion}")


def attitude_name(attitude: Named, messages: Messages) -> Text:
    """The name of an IT attitude as an economic dimension: 信息化态度(创新型) ..."""
    return messages.text("criterion.it_attitude_named", label=messages.text("criterion.it_attitude"),
                         name=attitude.name)


def _t(key: str, lang: Lang, **kw: object) -> str:
    return message(f"assess.{key}", lang, **kw)


def _name(e: Evidence, lang: Lang) -> str:
    return e.name.get(lang)


def _sep(lang: Lang) -> str:
    return message("list.sep", lang)


def value_line(a: CustomerAssessment, lang: Lang) -> str:
    """Which indicators decided the value type (seed 004 3.1)."""
    v = a.value
    head = _t("labelled", lang, label=_t("value", lang), text="")
    sep = message("list.clauses", lang)
    if v.basis == "stated":
        return head + _t("stated", lang)
    if v.basis == "authority" and v.authority is not None:
        return head + _t("authority", lang, name=_name(v.authority, lang))
    parts = _sep(lang).join(_t("scored", lang, name=_name(p, lang), score=f"{p.score:.2f}")
                            for p in v.economic_parts if p.score is not None)
    text = _t("economic_value", lang, score=f"{v.economic:.2f}", parts=parts,
              level=_t("high" if v.economic_high else "low", lang))
    if v.social is None:
        return head + text + sep + _t("by_scale", lang, verdict=_t("large" if v.social_high else "not_large", lang))
    names = _sep(lang).join(_name(e, lang) for e in v.social) or _t("social_none", lang)
    return head + text + sep + _t("social_value", lang, names=names, level=_t("high" if v.social_high else "low", lang))


def class_line(a: CustomerAssessment, lang: Lang) -> str:
    """The class criteria of seed 000 and their mean."""
    parts = _sep(lang).join(_t("scored", lang, name=c.name.get(lang), score=f"{c.score:.2f}")
                            for c in a.class_criteria if c.score is not None)
    score = f" = {a.class_score:.2f}" if a.class_score is not None else ""
    return _t("labelled", lang, label=_t("class", lang), text=parts + score)


def lifecycle_line(a: CustomerAssessment, lang: Lang) -> str | None:
    """The lifecycle stage when it was derived, with what it was derived from (seed 004 3.2)."""
    lc = a.lifecycle
    if not lc.derived or lc.stage is None:
        return None
    basis = _sep(lang).join(_t(k, lang, v=v) for k, v in lc.basis.items())
    stage = message(f"assess.stage.{lc.stage}", lang)
    return _t("lifecycle_line", lang, label=_t("lifecycle", lang), stage=stage,
              derived=_t("derived", lang, basis=basis))


def assessment_lines(a: CustomerAssessment, lang: Lang) -> list[str]:
    """Lines under the assessment: value evaluation, class criteria, a derived lifecycle stage."""
    lines = [value_line(a, lang), class_line(a, lang)]
    stage = lifecycle_line(a, lang)
    return lines + ([stage] if stage else [])
