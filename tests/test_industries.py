"""Every industry the seeds name has a rule of its own and a scenario citing a seed (issue 10 item 4).

Seed 000 segments by 政府机关、金融系统、保险行业、酒店宾馆、工业园区; seed 001 names 农信通 and 校讯通;
seed 003 制造业大客户; seed 004 3.1's matrix names 金融、物流运输、石化、政府、零售消费品、电力、电子、医疗保健.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from recommender import load_knowledge
from recommender.recommender import default_knowledge_dir
from recommender.scenarios import load_scenarios

SEED_INDUSTRIES = ["hospitality", "industrial_park", "manufacturing", "insurance", "education", "healthcare",
                   "agriculture", "logistics", "power", "petrochemical", "retail", "finance", "government",
                   "electronics"]


def industries_tested(when: Any) -> Iterator[str]:
    """The industries a rule condition names (customer.industry eq / in, also inside any)."""
    customer = getattr(when, "customer", None) or {}
    constraint = customer.get("industry") if isinstance(customer, dict) else None
    if isinstance(constraint, str):
        yield constraint
    elif constraint is not None:
        for op in ("eq", "in_"):
            value = getattr(constraint, op, None)
            if isinstance(value, str):
                yield value
            elif value:
                yield from value
    for alternative in getattr(when, "any", None) or []:
        yield from industries_tested(alternative)


@pytest.mark.parametrize("industry", SEED_INDUSTRIES)
def test_industry_has_a_rule_and_a_scenario(industry: str) -> None:
    kb = load_knowledge(default_knowledge_dir(), "group")
    assert industry in {i.id for i in kb.framework.industries}
    rules = [r for r in kb.rules if industry in set(industries_tested(r.when))]
    assert rules, f"no group rule conditions on {industry}"
    assert all(r.source and r.source.strip() for r in rules)
    scenarios = [s.scenario for s in load_scenarios(default_knowledge_dir())
                 if s.scenario.profile.get("industry") == industry]
    assert scenarios, f"no scenario for {industry}"
    assert all(s.source[:3] in {"000", "001", "002", "003", "004"} for s in scenarios)
