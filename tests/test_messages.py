"""Sentences are written once per wording and fields, and never served for other fields or wording.

A result repeats the same sentences for every customer (``covers the need: Conference call``), so
:func:`messages.text` remembers each by key and fields; a field that may read differently next
time (a lambda) is written afresh, and each table of messages remembers its own wording.
"""

from __future__ import annotations

from functools import partial
from itertools import count
from pathlib import Path

from recommender import Recommendation, Recommender
from recommender.messages import Messages, listed, messages, priced, text, using


def test_the_same_sentence_is_written_once_and_another_field_gives_another(rec: Recommender) -> None:
    kb = rec.knowledge
    with using(kb.messages):
        first = text("reason.need", need=partial(kb.name, "office.meeting"))
        again = text("reason.need", need=partial(kb.name, "office.meeting"))
        other = text("reason.need", need=partial(kb.name, "transmission.voice"))
    assert again is first
    assert first.get("en") == f"covers the need: {kb.name('office.meeting', 'en')}"
    assert other.get("en") == f"covers the need: {kb.name('transmission.voice', 'en')}"
    assert other.get("zh") == f"满足需求：{kb.name('transmission.voice', 'zh')}"


def test_amounts_and_lists_are_told_apart_by_what_they_say() -> None:
    one = text("left_out.not_chosen", needs=listed(["a", "b"], _echo))
    other = text("left_out.not_chosen", needs=listed(["a", "c"], _echo, "list.or"))
    assert "a, b" in one.get("en") and "a or c" in other.get("en")
    assert text("budget.over_month_alone", amount=priced(1200), limit=priced(1000)).get("zh") \
        != text("budget.over_month_alone", amount=priced(1200.5), limit=priced(1000)).get("zh")
    # an int and a float with the same value read differently
    assert text("quantity.by_rule", rule=1).get("en") != text("quantity.by_rule", rule=1.0).get("en")


def test_a_lambda_field_is_read_afresh_every_time() -> None:
    calls = count(1)
    first = text("quantity.by_rule", rule=lambda lang: f"R{next(calls)}")
    second = text("quantity.by_rule", rule=lambda lang: f"R{next(calls)}")
    assert "R1" in first.get("zh") and "R2" in first.get("en") and "R3" in second.get("zh")


def test_each_table_remembers_its_own_wording() -> None:
    package = Messages.package()
    reworded = Messages(("zh", "en"), {"zh": messages("zh"), "en": {**messages("en"), "reason.need": "needed: {need}"}})
    with using(package):
        shipped = text("reason.need", need="x")
    with using(reworded):
        own = text("reason.need", need="x")
    assert (shipped.get("en"), own.get("en")) == ("covers the need: x", "needed: x")


def _echo(item: str, lang: str) -> str:
    return item


def test_a_reworded_knowledge_gets_its_own_reasons_after_the_shipped_ones(rec: Recommender, kb_copy: Path) -> None:
    profile = {"name": "Banque du Yunnan", "industry": "finance", "employees": 3000, "sites": 12,
               "needs": ["transmission.dedicated_line"], "budget_monthly": 30000}
    shipped = rec.recommend(profile)  # remembers the shipped sentences and the reasons made of them first
    (kb_copy / "messages").mkdir()
    (kb_copy / "messages" / "en.yaml").write_text('reason.need: "meets the stated need {need}"\n', encoding="utf-8")
    reworded = Recommender.from_path(kb_copy).recommend(profile)
    again = rec.recommend(profile)

    def need_reasons(result: Recommendation) -> list[str]:
        return [r.text.get("en") for p in result.bundles[0].products for r in p.reasons if r.kind == "need"]

    assert need_reasons(reworded) and all(t.startswith("meets the stated need ") for t in need_reasons(reworded))
    assert all(t.startswith("covers the need: ") for t in need_reasons(shipped) + need_reasons(again))
    assert again.model_dump_json() == shipped.model_dump_json()
