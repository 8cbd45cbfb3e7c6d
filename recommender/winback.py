"""Winning back what a customer left (seed 004 3.2, stage E: 是赢回客户还是放棄？制定新的优惠计划).

A churned customer's former products are the first thing to offer back: the
customer knows them, and each is a service the competitor now provides. Before
bundling, every former product that is still for sale is proposed with a high
fit, and the need items it served become needs of the customer, so the search
brings it back unless something better covers the same needs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from .engine import Evaluation
from .knowledge.base import KnowledgeBase
from .vocabulary import KEY_PERSON, WON_BACK

WIN_BACK = WON_BACK  # the source of what this module adds, next to "stated" and rule ids
FIT = 0.9  # as high as the strongest rule proposals: the customer chose this product once
NEED_WEIGHT = 0.6  # below stated needs (1.0): the customer has not asked for it again


def with_former_products(kb: KnowledgeBase, ev: Evaluation, former: Collection[str],
                         owned: Collection[str]) -> Evaluation:
    """``ev`` with the customer's former products proposed and the needs they served inferred."""
    back = sorted(p for p in set(former) - set(owned) if p in kb.products and kb.products[p].sellable)
    if not back:
        return ev
    needs, need_sources = dict(ev.needs), dict(ev.need_sources)
    proposals, proposal_sources = dict(ev.proposals), dict(ev.proposal_sources)
    for pid in back:
        proposals[pid] = max(proposals.get(pid, 0.0), FIT)
        proposal_sources[pid] = tuple(sorted({*proposal_sources.get(pid, ()), WIN_BACK}))
        for item in kb.products[pid].need_items:
            # a key person's needs belong to a person the profile names, not to the product
            if item not in needs and kb.need_group[item] != KEY_PERSON:
                needs[item] = NEED_WEIGHT
                need_sources[item] = (WIN_BACK,)
    return replace(ev, needs=dict(sorted(needs.items())), need_sources=dict(sorted(need_sources.items())),
                   proposals=dict(sorted(proposals.items())), proposal_sources=dict(sorted(proposal_sources.items())))
