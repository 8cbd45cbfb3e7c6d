"""Left-out lists on a big catalog: the products that matter listed, the rest counted by reason.

The big catalog is today's group catalog cloned (``benchmarks.generated.clone_catalog``): each clone
of a product has the original's need items, prices and relations among its own clones, so a customer
leaves the clones of a product out for the reason it leaves the original out, and a bundle leaves out
many times more products than :data:`left_out.LIST_ALL`. The full list to compare with is the same
recommendation, through the same engine, with the limit raised past the catalog's size.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchmarks.generated import clone_catalog
from recommender import Recommender, left_out
from recommender.recommender import default_knowledge_dir
from recommender.result import Bundle, Recommendation

COPIES = 6  # 366 products: a bundle leaves out about a hundred, past the 60 listed whole
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Recommender:
    target = tmp_path_factory.mktemp("big") / "k"
    clone_catalog(default_knowledge_dir(), target, "group", COPIES)
    return Recommender.from_path(target, "group", engine="compiled")


def _profile() -> dict[str, Any]:
    """The logistics example, who also excludes a product and owns one (they must stay listed by name)."""
    profile = yaml.safe_load((EXAMPLES / "logistics.yaml").read_text(encoding="utf-8"))
    return {**profile, "excluded_products": ["che_wu_tong_c3"], "existing_products": ["conference_call_c2"]}


def _both(rec: Recommender, monkeypatch: pytest.MonkeyPatch) -> tuple[Recommendation, Recommendation]:
    """The recommendation as shipped, and the same with every left-out product listed."""
    limited = rec.recommend(_profile())
    with monkeypatch.context() as m:
        m.setattr(left_out, "LIST_ALL", 10**9)
        full = rec.recommend(_profile())
    return limited, full


def test_a_big_catalog_lists_what_matters_and_counts_the_rest(big: Recommender,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    limited, full = _both(big, monkeypatch)
    assert [b.products for b in limited.bundles] == [b.products for b in full.bundles]  # the limit moves no bundle
    for short, whole in zip(limited.bundles, full.bundles, strict=True):
        everything = {x.product: x for x in whole.left_out}
        assert len(everything) > left_out.LIST_ALL and not whole.left_out_counts
        # a listed product keeps its reason and sentence; every other one is counted under its reason
        assert all(everything[x.product] == x for x in short.left_out)
        listed = {x.product for x in short.left_out}
        unlisted = Counter(x.reason for pid, x in everything.items() if pid not in listed)
        assert short.left_out_counts == dict(unlisted) and sum(unlisted.values()) > 0
        # the customer's own choices and the rules' verdicts are always listed
        for x in whole.left_out:
            if x.reason in ("customer_excluded", "already_owned", "rule_exclusion"):
                assert x.product in listed, x
        assert {"che_wu_tong_c3", "conference_call_c2"} & everything.keys() <= listed
        assert len(short.left_out) < len(whole.left_out) / 2


def test_of_a_products_clones_the_original_is_listed_first(big: Recommender, monkeypatch: pytest.MonkeyPatch) -> None:
    """A product's clones tie with it on needs served, proposals and price, so the id decides: the original
    (its id a prefix of theirs) comes first. Where a clone is listed for a reason, so is the original."""
    limited, full = _both(big, monkeypatch)
    for short, whole in zip(limited.bundles, full.bundles, strict=True):
        listed = {x.product for x in short.left_out}
        reasons = {x.product: x.reason for x in whole.left_out}
        checked = 0
        for pid in listed:
            base = pid.split("_c")[0]
            if pid != base and reasons.get(base) == reasons[pid] and reasons[pid] not in left_out.NAMED:
                assert base in listed, (pid, base, reasons[pid])
                checked += 1
        assert checked or not short.left_out_counts


def test_the_texts_say_how_many_are_not_listed(big: Recommender) -> None:
    rec = big.recommend(_profile())
    bundle: Bundle = rec.bundles[0]
    n = sum(bundle.left_out_counts.values())
    zh, en = rec.rationale_text("zh", detail=True), rec.rationale_text("en", detail=True)
    assert f"另有{n}款产品未逐一列出，其中" in zh
    assert f"{n} more products left out are not listed: " in en
    if "not_chosen" in bundle.left_out_counts:
        assert f"未选入方案{bundle.left_out_counts['not_chosen']}款" in zh
    assert '"left_out_counts"' in rec.model_dump_json()


def test_the_shipped_catalogs_list_every_product_left_out() -> None:
    """61 products leave at most a few dozen out: every one listed, and the result has no count at all."""
    for catalog in ("group", "sme"):
        rec = Recommender.default(catalog, engine="compiled")
        for path in sorted(EXAMPLES.glob("*.yaml")):
            result = rec.recommend(rec.load_profile(path)) if catalog == "group" or path.stem == "small_shop" else None
            if result is None:
                continue
            assert all(not b.left_out_counts and len(b.left_out) <= left_out.LIST_ALL for b in result.bundles)
            assert "left_out_counts" not in result.model_dump_json()
