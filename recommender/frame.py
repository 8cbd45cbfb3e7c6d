"""A customer base as a pandas DataFrame in, its recommendations as one out (``pip install recommender[pandas]``).

One output row per customer and bundle rank, with the stable columns of
:data:`recommender.flat.COLUMNS` plus ``error``: a rejected customer keeps one row with
the problems that refused it, so the output accounts for every input row. Input cells
follow the CSV conventions (:func:`recommender.rows.table_row`): empty, None and NaN
are absent, text in list fields is split on ``;``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from .flat import COLUMNS
from .profile import Source
from .rows import table_row

if TYPE_CHECKING:
    import pandas as pd

    from .recommender import Recommender

__all__ = ["FRAME_COLUMNS", "recommend_frame"]

FRAME_COLUMNS = (*(name for name, _, _ in COLUMNS), "error")
_DTYPES = {str: "string", int: "Int64", float: "Float64", bool: "boolean"}


def recommend_frame(rec: Recommender, df: pd.DataFrame, *, processes: int | None = 1, top_k: int = 3,
                    column_map: dict[str, str] | None = None, numbered: bool = True,
                    as_of: date | None = None) -> pd.DataFrame:
    """Recommend for every row of ``df``; ``column_map`` renames its columns to profile fields.

    ``numbered``: errors name the row's 1-based position in ``df`` (off where it means nothing, as in Spark).
    Every row is recommended as of one day, ``as_of`` or today.
    """
    import pandas as pd

    rows = (table_row(record, Source(line=i if numbered else None), column_map) for i, record in
            enumerate(df.to_dict("records"), start=1))
    out: list[dict[str, Any]] = []
    for item in rec.recommend_many(rows, processes=processes, top_k=top_k, as_of=as_of):
        if item.error is None:
            out += [{**r, "error": None} for r in item.flat_rows()]
        else:
            out.append({"row": item.row, "error": str(item.error)})
    frame = pd.DataFrame(out, columns=list(FRAME_COLUMNS))
    return frame.astype({name: _DTYPES[kind] for name, kind, _ in COLUMNS} | {"error": "string"})
