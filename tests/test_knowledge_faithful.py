"""The shipped knowledge says what the seeds say: names as the seeds write them.

The seed copies in ../shared/seeds are web captures: some are machine-converted to
traditional characters with pinyin inserted after some of them (集團(tuán)V網). The
originals are simplified Chinese, so the text is normalised back before comparing.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from opencc import OpenCC

from recommender import load_knowledge
from recommender.knowledge import available_catalogs
from recommender.recommender import default_knowledge_dir

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside this checkout")


@cache
def seed_text(number: str) -> str:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    text = PINYIN.sub("", path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", "", OpenCC("t2s").convert(text)).lower()


def cited(source: str | None) -> list[str]:
    return sorted(set(re.findall(r"\b(00[0-4])\b", source or "")))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


@pytest.mark.parametrize("catalog", available_catalogs(default_knowledge_dir()))
def test_every_product_name_is_written_as_in_a_seed_it_cites(catalog: str) -> None:
    kb = load_knowledge(default_knowledge_dir(), catalog)
    wrong = []
    for product in kb.products.values():
        seeds = cited(product.source)
        assert seeds, f"{product.id} cites no seed"
        if not any(squash(product.name_zh) in seed_text(n) for n in seeds):
            wrong.append(f"{product.id}: {product.name_zh!r} not found in seed(s) {', '.join(seeds)}")
    assert not wrong, "\n".join(wrong)


def test_oa_and_hr_items_are_seed_004s_breakdown() -> None:
    kb = load_knowledge(default_knowledge_dir())
    office = ["日常办公", "资料管理", "会议管理", "行政事务", "信息服务"]
    hr = ["招聘管理", "职务管理", "人力规划", "培训开发", "绩效考核"]
    assert [i.name_zh for i in kb.modules["office"].items] == office
    assert [i.name_zh for i in kb.modules["hr"].items] == hr
    for item in kb.modules["office"].items + kb.modules["hr"].items:
        assert item.name_zh in seed_text("004")
