"""The shipped knowledge says what the seeds say: names as the seeds write them.

The seed copies in ../shared/seeds are web captures: some are machine-converted to
traditional characters with pinyin inserted after some of them (集團(tuán)V網). The
originals are simplified Chinese, so the text is normalised back before comparing.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
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
        name = product.seed_name or product.name["zh"]
        if not any(squash(name) in seed_text(n) for n in seeds):
            wrong.append(f"{product.id}: {name!r} not found in seed(s) {', '.join(seeds)}")
    assert not wrong, "\n".join(wrong)


def test_oa_and_hr_items_are_seed_004s_breakdown() -> None:
    kb = load_knowledge(default_knowledge_dir())
    office = ["日常办公", "资料管理", "会议管理", "行政事务", "信息服务"]
    hr = ["招聘管理", "职务管理", "人力规划", "培训开发", "绩效考核"]
    assert [i.name["zh"] for i in kb.modules["office"].items] == office
    assert [i.name["zh"] for i in kb.modules["hr"].items] == hr
    for item in kb.modules["office"].items + kb.modules["hr"].items:
        assert item.name["zh"] in seed_text("004")


@pytest.mark.parametrize(("module", "count"), [("office", 23), ("hr", 18)])
def test_oa_and_hr_sub_items_are_seed_004s_table_in_its_order(module: str, count: int) -> None:
    """The table's sub-items follow its five group headers word for word and in order."""
    kb = load_knowledge(default_knowledge_dir())
    groups = kb.modules[module].items
    subs = [sub.name["zh"] for item in groups for sub in item.items]
    assert len(subs) == count and all(item.items for item in groups)
    headers = "".join(f"{item.name['zh']}需求" for item in groups)
    assert squash(headers + "".join(subs)) in seed_text("004")
    assert all(sub.id.startswith(item.id + ".") for item in groups for sub in item.items)


def test_a_meeting_notice_and_a_video_conference_are_not_interchangeable() -> None:
    """Seed 004's OA table: 企信通 (上传通知) and 集团短信 serve the notice; 会议电话 and the
    video-conference devices hold the meeting; neither serves the other's sub-item."""
    kb = load_knowledge(default_knowledge_dir())
    notice, held = "office.meeting.notice", "office.meeting.arrangement"
    assert {"qixintong", "group_sms", "meeting_sms_mms"} <= set(kb.products_by_item[notice])
    assert {"conference_call", "video_conference", "video_conf_equipment"} <= set(kb.products_by_item[held])
    assert not {"qixintong", "group_sms", "meeting_sms_mms"} & set(kb.products_by_item[held])
    assert not {"conference_call", "video_conference", "video_conf_equipment"} & set(kb.products_by_item[notice])


# --- figures beyond names (issue 10 item 6): each test reads the figure from the normalised
# seed text and from the knowledge, and asserts they agree. ---

KNOWLEDGE = default_knowledge_dir()


def raw(catalog: str, kind: str) -> Any:
    return yaml.safe_load((KNOWLEDGE / "catalogs" / catalog / f"{kind}.yaml").read_text(encoding="utf-8"))


def rules_of(catalog: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in raw(catalog, "rules")["rules"]}


def found(pattern: str, number: str) -> tuple[str, ...]:
    match = re.search(pattern, seed_text(number))
    assert match, f"seed {number} no longer says {pattern!r}"
    return match.groups()


def test_a8_tiers_are_the_bounds_of_seed_002() -> None:
    """002 6.1.1: 39元-89元(不含)档 / 89元-129元(不含)档 / 129档及以上; 合计消费满129元即可宽带0元赠送."""
    text = seed_text("002")
    closed = [(int(a), int(b)) for a, b in re.findall(r"(\d+)元-(\d+)元\(不含\)档", text)]
    (open_from,) = found(r"(\d+)档及以上", "002")
    (free_from,) = found(r"合计消费满(\d+)元即可宽带0元赠送", "002")
    seed_tiers = [*closed, (int(open_from), None)]
    assert seed_tiers == [(39, 89), (89, 129), (129, None)]

    (offer,) = [o for o in raw("sme", "offers")["offers"] if o["id"] == "a8_self_select"]
    assert [(t["min_monthly"], t.get("max_monthly")) for t in offer["tiers"]] == seed_tiers
    rules = rules_of("sme")
    for (low, high), tier in zip(seed_tiers, offer["tiers"], strict=True):
        (rule,) = [
            r
            for r in rules.values()
            if r.get("stage") == "bundle" and any(e.get("offer", {}).get("tier") == tier["id"] for e in r["then"])
        ]
        assert rule["when"]["product"] == "a8_package"
        spend = rule["when"]["bundle"]["spend"]
        assert (spend["gte"], spend.get("lt")) == (low, high), rule["id"]
        frees = [e["discount"] for e in rule["then"] if "discount" in e]
        if low >= int(free_from):
            assert frees == [{**frees[0], "product": "broadband_8m", "percent": 100}], rule["id"]
        else:
            assert not frees, f"{rule['id']}: broadband is free only from {free_from} yuan"
    kb = load_knowledge(KNOWLEDGE, "sme")
    (price,) = kb.products["a8_package"].prices
    assert price.amount == seed_tiers[0][0], "the package is priced at its entry tier"


def test_handset_subsidy_caps_are_seed_002s() -> None:
    """002 3.3.2: 3G智能机终端补贴不超过80%、3G非智能机不超过50%; 禁止向2G手机提供任何终端补贴."""
    smart, other = (int(n) for n in found(r"3g智能机终端补贴不超过(\d+)%、3g非智能机不超过(\d+)%", "002"))
    assert "禁止向2g手机提供任何终端补贴" in seed_text("002")
    kb = load_knowledge(KNOWLEDGE, "sme")
    caps = {t.name["zh"]: t.max_subsidy_percent for t in kb.framework.handset_types}
    assert caps == {"3G智能机": smart, "3G非智能机": other, "2G手机": 0}
    assert kb.handset_types["smartphone_3g"].max_subsidy_percent == smart
    described = " ".join(p.description["zh"] for p in kb.products["smartphone_3g"].prices if p.description)
    assert re.findall(r"补贴不超过(\d+)%", described) == [str(smart)]


def test_tariff_limits_are_seed_002s() -> None:
    """002 3.3.2: 本地网主推套餐档次不超过10个; 资费项目一般不超过三项; 不设置“月租费”项目."""
    (tiers,) = found(r"本地网主推套餐档次不超过(\d+)个", "002")
    (items,) = found(r"资费项目一般不超过(.)项", "002")
    assert "不设置“月租费”项目" in seed_text("002")
    policy = load_knowledge(KNOWLEDGE, "sme").framework.pricing_policy
    assert policy.max_offer_tiers == int(tiers)
    assert policy.max_public_price_items == "一二三四五".index(items) + 1
    assert policy.forbidden_price_items == ["月租费"]


def test_broadband_tariff_boundary_is_seed_002s_20m() -> None:
    """002 3.3.2: 统一省内20M以下宽带单产品资费; 全国统一20M及以上高速率宽带资费."""
    (below,) = found(r"统一省内(\d+)m以下宽带单产品资费", "002")
    (above,) = found(r"全国统一(\d+)m及以上高速率宽带资费", "002")
    assert below == above
    note = next(e["note"]["zh"] for e in rules_of("sme")["broadband_province_tariff"]["then"] if "note" in e)
    assert re.findall(r"(\d+)M以下", note) == [below] and re.findall(r"(\d+)M及以上", note) == [above]
    assert rules_of("sme")["broadband_province_tariff"]["when"] == {"product": "broadband_8m"}


def test_policy_classes_are_seed_001s_and_price_as_seed_002_says() -> None:
    """001 四.1: 基础通信类产品、行业应用类产品、战略创新类产品; 002 3.3: 保存型和服务型产品多采用竞争性定价策略,
    成长增收型产品多采用客户期望定价策略; 对宽带、转型等战略和成长性产品,应严格控制优惠幅度或者不予优惠."""
    named = found(r"如(基础通信类产品)、(行业应用类产品)、(战略创新类产品),针对不同的产品类别实施不同的营销政策", "001")
    for method in ("竞争性定价", "客户期望定价", "差异化定价"):
        assert method in seed_text("002")
    kb = load_knowledge(KNOWLEDGE, "sme")
    classes = {c.id: c for c in kb.framework.policy_classes}
    assert tuple(c.name["zh"] for c in classes.values()) == named
    assert classes["basic_communication"].pricing["zh"].startswith("竞争性定价")
    assert classes["industry_application"].pricing["zh"].startswith("差异化定价")
    assert classes["strategic_innovation"].pricing["zh"].startswith("客户期望定价")
    assert classes["strategic_innovation"].max_discount_percent == 0  # 不予优惠, the stricter reading
    assert all(c.max_discount_percent is None for c in classes.values() if c.id != "strategic_innovation")


def test_a8_takes_one_to_five_handsets_as_seed_002_says() -> None:
    """002 6.1.1: 新套餐与原家庭套餐的最大差异就是允许1-5部手机用户捆绑."""
    low, high = (int(n) for n in found(r"允许(\d+)-(\d+)部手机用户捆绑", "002"))
    kb = load_knowledge(KNOWLEDGE, "sme")
    assert (low, kb.products["a8_package"].eligibility.max_users) == (1, high)


@pytest.mark.parametrize("catalog", available_catalogs(default_knowledge_dir()))
def test_every_product_has_a_policy_class_and_broadband_is_strategic(catalog: str) -> None:
    """002 3.3.1 names 宽带 a strategic and growth product; every product gets one of 001 四.1's classes."""
    kb = load_knowledge(KNOWLEDGE, catalog)
    assert set(kb.policy_classes) == set(kb.products)
    broadband = [pid for pid, p in kb.products.items() if p.name["zh"].endswith("宽带")]
    assert broadband and all(kb.policy_classes[pid].id == "strategic_innovation" for pid in broadband)


@pytest.mark.parametrize("catalog", ["group", "sme"])
def test_retention_threshold_is_seed_002s_40000_yuan(catalog: str) -> None:
    """002 6.3.1: 对于全业务年收入4万元以上的客户…制定巩固维系预案."""
    (wan,) = found(r"全业务年收入(\d+)万元以上的客户", "002")
    rule = rules_of(catalog)["retention_plan"]
    assert rule["when"] == {"customer": {"annual_spend": {"gte": int(wan) * 10000}}}


@pytest.mark.parametrize("catalog", ["group", "sme"])
def test_direct_sales_from_30_staff_and_100_in_the_capital(catalog: str) -> None:
    """002 4.4: 一般该类客户的规模在30人以上，其中长春分公司主要的目标客户规模在100人."""
    most, capital_size = (int(n) for n in found(r"规模在(\d+)人以上,其中长春分公司主要的目标客户规模在(\d+)人", "002"))
    rules = rules_of(catalog)
    assert rules["channel_direct"]["when"] == {
        "any": [
            {"customer": {"employees": {"gte": most}, "capital_city": False}},
            {"customer": {"employees": {"gte": capital_size}}},
        ]
    }
    assert rules["channel_partner"]["when"] == {
        "any": [
            {"customer": {"employees": {"lt": most}}},
            {"customer": {"employees": {"lt": capital_size}, "capital_city": True}},
        ]
    }
    kb = load_knowledge(KNOWLEDGE, catalog)
    names = {c for c in kb.framework.capital_cities if isinstance(c, str)}
    names |= {n for c in kb.framework.capital_cities if not isinstance(c, str) for n in (c.name["zh"], *c.aliases)}
    assert "长春" in names


@pytest.mark.parametrize("catalog", ["group", "sme"])
def test_vip_card_by_key_person_rank_is_seed_002s(catalog: str) -> None:
    """002 6.3.4: 厅局级…发钻卡；处级…发金卡；科级…发银卡."""
    seed_cards = dict(re.findall(r"(厅局级|处级|科级)或同等级别政企客户关键人发(钻|金|银)卡", seed_text("002")))
    assert seed_cards == {"厅局级": "钻", "处级": "金", "科级": "银"}
    kb = load_knowledge(KNOWLEDGE, catalog)
    rank_zh = {rank.id: rank.name["zh"] for rank in kb.framework.key_person_ranks}
    given: dict[str, str] = {}
    for rule in rules_of(catalog).values():
        notes = [e["note"]["zh"] for e in rule["then"] if "note" in e]
        cards = {c for note in notes for c in re.findall(r"(钻|金|银)(?:石)?卡", note)}
        if "key_person" not in rule["when"] or not cards:
            continue
        (card,) = cards
        ranks = rule["when"]["key_person"]
        for rank in [ranks] if isinstance(ranks, str) else ranks:
            given[rank_zh[rank]] = card
    assert {zh: card for zh, card in given.items() if zh in seed_cards} == seed_cards
    above = [zh for zh in given if zh not in seed_cards]
    assert all(given[zh] == seed_cards["厅局级"] for zh in above), "ranks above 厅局级 get the top card"


def test_no_relation_the_seeds_contradict() -> None:
    """004 3.2 lists 企信通 and 集团短信 side by side for the same needs, and 移动办公 as 短信/彩信/WAP; 001 二.4
    names 物联网应用、视频监控和车务通 side by side. No seed makes one of them exclude or require another."""
    assert "企信通" in seed_text("004") and "集团短信" in seed_text("004")
    assert "物联网应用、视频监控和车务通" in seed_text("001")
    kb = load_knowledge(KNOWLEDGE, "group")
    pairs = {
        (p.id, kind, r.product)
        for p in kb.products.values()
        for kind in ("requires", "excludes")
        for r in getattr(p, kind)
    }
    for bad in [
        ("qixintong", "excludes", "group_sms"),
        ("group_sms", "excludes", "qixintong"),
        ("mobile_office", "requires", "group_sms"),
        ("che_wu_tong", "requires", "iot_platform"),
        ("sfa_ffa", "requires", "data_card"),
    ]:
        assert bad not in pairs, bad


def test_dazhong_is_a_sanctioned_package_not_a_dog() -> None:
    """002 3.3.2: 仅以大众套餐、乐享3G套餐、天翼飞young套餐为移动业务单产品套餐."""
    (named,) = found(r"仅以(.+?)为移动业务单产品套餐", "002")
    packages = {"dazhong_package": "大众套餐", "lexiang_3g": "乐享3g套餐", "feiyoung": "飞young套餐"}
    kb = load_knowledge(KNOWLEDGE, "sme")
    for product, name in packages.items():
        assert name in named
        assert kb.products[product].portfolio != "dog", product


@pytest.mark.parametrize("catalog", available_catalogs(default_knowledge_dir()))
def test_every_relation_and_rule_cites_a_seed_or_says_it_is_a_reading(catalog: str) -> None:
    kb = load_knowledge(KNOWLEDGE, catalog)
    missing = [
        f"{p.id} {kind} {r.product}"
        for p in kb.products.values()
        for kind in ("requires", "excludes", "complements", "replaces")
        for r in getattr(p, kind)
        if not (r.source and (cited(r.source) or r.source.startswith("reading:")))
    ]
    missing += [r["id"] for r in raw(catalog, "rules")["rules"] if not cited(r.get("source"))]
    assert not missing, "\n".join(missing)


PASSAGE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9/]*[\u4e00-\u9fff][\u4e00-\u9fffA-Za-z0-9/]*")


def quoted(source: str) -> list[str]:
    """The Chinese passages of a source: runs of at least four Chinese characters between punctuation."""
    parts = re.split(r"[;；()（）…,，、：:。.\s]+", source)
    return [m.lower() for part in parts for m in PASSAGE.findall(part) if len(re.findall(r"[\u4e00-\u9fff]", m)) >= 4]


@pytest.mark.parametrize("catalog", available_catalogs(default_knowledge_dir()))
def test_relation_and_rule_sources_quote_their_seeds(catalog: str) -> None:
    """Every Chinese passage a relation or rule quotes is in a seed its source cites, word for word."""
    sources = [
        (f"{p['id']} {kind} {r['product']}", r.get("source") or "")
        for p in raw(catalog, "products")["products"]
        for kind in ("requires", "excludes", "complements", "replaces")
        for r in p.get(kind) or []
    ]
    sources += [(r["id"], r.get("source") or "") for r in raw(catalog, "rules")["rules"]]
    wrong = []
    for name, source in sources:
        text = "".join(seed_text(n) for n in cited(source))
        wrong += [f"{name}: {passage!r}" for passage in quoted(source) if passage not in text]
    assert not wrong, "\n".join(wrong)
