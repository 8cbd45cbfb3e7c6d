"""What it would take to cover a stated need a bundle leaves open, and what sets a bundle apart.

Stated needs come first in the ranking, so a stated need a bundle leaves open
means no bundle within the hard constraints covers it (for bundle 1) or the
alternative chose another way. The account manager is told what would change
that: the monthly budget that would fit the cheapest product covering it, or the
exclusion, conflict or policy that blocks every product that could.
"""

from __future__ import annotations

from .bundling import Constraints, added_price, covered_by, covers
from .engine import Evaluation
from .knowledge.base import KnowledgeBase
from .knowledge.schema import Text
from .result import Bundle, LeftOut, NeedGap
from .vocabulary import STATED

# Left-out reasons that a bigger budget would not cure.
_BLOCKING = ("rule_exclusion", "customer_excluded", "retired", "portfolio", "ineligible", "conflict",
             "dependency_unavailable")


def stated_gaps(kb: KnowledgeBase, ev: Evaluation, products: frozenset[str], cons: Constraints,
                left_out: dict[str, LeftOut]) -> list[NeedGap]:
    """Each stated need ``products`` (with what the customer owns) leaves open, with its remedy."""
    present = products | (cons.owned & kb.products.keys())
    items = {i for pid in present for i in kb.products[pid].need_items}
    gaps = []
    for need, sources in ev.need_sources.items():
        if STATED not in sources or covered_by(need, items):
            continue
        name = kb.names[need]
        gaps.append(NeedGap(need=need, name_zh=name.name_zh, name_en=name.name_en,
                            remedy=_remedy(kb, need, present, cons, left_out)))
    return gaps


def _remedy(kb: KnowledgeBase, need: str, present: frozenset[str], cons: Constraints,
            left_out: dict[str, LeftOut]) -> Text:
    candidates = sorted(p for p, product in kb.products.items() if covers(product, need) and p not in present)
    open_ = [p for p in candidates if p not in left_out or left_out[p].reason not in _BLOCKING]
    clashing = [p for p in open_ if kb.graph.clashes(p) & present]
    fitting = [p for p in open_ if p not in clashing]
    if fitting:
        cost = {p: added_price(kb, p, present, cons) for p in fitting}
        pid = min(fitting, key=lambda p: (cost[p].recurring, cost[p].one_time, p))
        extra = cost[pid].recurring
        prices = cons.prices(kb)
        spend = sum(prices.product(p).recurring for p in sorted(present - cons.owned)) + extra
        if cons.budget is not None and spend > cons.budget + 1e-9:
            return Text(zh=f"月预算提高到{spend:g}元，即可加入{kb.name(pid, 'zh')}（每月{extra:g}元）",
                        en=f"raise the monthly budget to {spend:g} yuan to add {kb.name(pid, 'en')} "
                           f"({extra:g} yuan/month)")
        return Text(zh=f"可加入{kb.name(pid, 'zh')}（每月{extra:g}元）；本方案采用了其他产品组合",
                    en=f"add {kb.name(pid, 'en')} ({extra:g} yuan/month); this bundle takes another way")
    if clashing:
        pid = clashing[0]
        other = sorted(kb.graph.clashes(pid) & present)[0]
        return Text(zh=f"{kb.name(pid, 'zh')}与本方案中的{kb.name(other, 'zh')}不能同时办理",
                    en=f"{kb.name(pid, 'en')} excludes {kb.name(other, 'en')} in this bundle")
    if candidates:
        pid = candidates[0]
        why = left_out[pid].text
        return Text(zh=f"{kb.name(pid, 'zh')}：{why.zh}", en=f"{kb.name(pid, 'en')}: {why.en}")
    return Text(zh="目录中没有覆盖该需求的产品", en="no product in the catalog covers it")


def distinction(first: Bundle, other: Bundle) -> Text:
    """One line on what sets ``other`` apart from bundle 1 (or what bundle 1 is)."""
    if other.rank == first.rank:
        if not first.stated_gaps:
            return Text(zh="推荐方案：满足客户提出的全部需求，综合评分最高",
                        en="recommended: covers every stated need and scores best")
        return Text(zh="推荐方案：在预算内满足客户所提需求最多，综合评分最高",
                    en="recommended: covers the most stated needs within the budget and scores best")
    mine, theirs = {p.id: p for p in other.products}, {p.id: p for p in first.products}
    added = [mine[p] for p in sorted(mine.keys() - theirs.keys())]
    dropped = [theirs[p] for p in sorted(theirs.keys() - mine.keys())]
    delta = round(other.price.recurring_monthly - first.price.recurring_monthly, 2)
    zh, en = [], []
    if added and dropped:
        zh.append(f"以{'、'.join(p.name_zh for p in added)}代替{'、'.join(p.name_zh for p in dropped)}")
        en.append(f"{', '.join(p.name_en for p in added)} instead of {', '.join(p.name_en for p in dropped)}")
    elif added:
        zh.append(f"增加{'、'.join(p.name_zh for p in added)}")
        en.append(f"adds {', '.join(p.name_en for p in added)}")
    elif dropped:
        zh.append(f"去掉{'、'.join(p.name_zh for p in dropped)}")
        en.append(f"without {', '.join(p.name_en for p in dropped)}")
    if delta:
        zh.append(f"每月{'多' if delta > 0 else '省'}{abs(delta):g}元")
        en.append(f"{abs(delta):g} yuan/month {'more' if delta > 0 else 'less'}")
    gained = sorted({g.need for g in first.stated_gaps} - {g.need for g in other.stated_gaps})
    if gained:
        names = {g.need: g for g in first.stated_gaps}
        zh.append(f"另可满足{'、'.join(names[n].name_zh for n in gained)}")
        en.append(f"also covers {', '.join(names[n].name_en for n in gained)}")
    missing = sorted({g.need for g in other.stated_gaps} - {g.need for g in first.stated_gaps})
    if missing:
        names = {g.need: g for g in other.stated_gaps}
        zh.append(f"无法满足{'、'.join(names[n].name_zh for n in missing)}")
        en.append(f"leaves out {', '.join(names[n].name_en for n in missing)}")
    return Text(zh="与方案1相比：" + "；".join(zh), en="compared with bundle 1: " + "; ".join(en))
