"""recommend_frame: a DataFrame of customers in, one row per customer and bundle rank out."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from recommender import Recommender
from recommender.flat import flat_rows
from recommender.frame import FRAME_COLUMNS


def test_a_frame_in_a_frame_out_with_every_customer(rec: Recommender) -> None:
    df = pd.DataFrame([
        {"客户编号": "a", "name": "某城市商业银行", "industry": "finance", "employees": np.int64(900),
         "annual_spend": math.nan, "needs": "transmission.dedicated_line;office.meeting"},
        {"客户编号": "b", "name": "坏行", "industry": "financ", "employees": 1, "annual_spend": 5.0, "needs": None},
        {"客户编号": "c", "name": "某中学", "industry": "education", "employees": 120, "annual_spend": 30000.0,
         "needs": ["customer.notification"]},
    ])
    out = rec.recommend_frame(df, top_k=2, column_map={"客户编号": "id"})
    assert tuple(out.columns) == FRAME_COLUMNS
    assert set(out["row"]) == {1, 2, 3}  # every customer accounted for
    bad = out[out["row"] == 2]
    assert len(bad) == 1 and "unknown industry 'financ'" in bad["error"].iloc[0]
    assert "annual_spend" not in bad["error"].iloc[0]  # only the real problems; NaN elsewhere is absent, not < 0
    bank = rec.recommend({"id": "a", "name": "某城市商业银行", "industry": "finance", "employees": 900,
                          "needs": ["transmission.dedicated_line", "office.meeting"]}, top_k=2)
    expected = flat_rows(1, bank)
    got = out[out["row"] == 1].drop(columns="error").astype(object).where(out[out["row"] == 1].notna(), None)
    assert got.to_dict("records") == expected
    school = out[out["row"] == 3]
    assert school["customer_id"].iloc[0] == "c" and school["error"].isna().all()
