"""Customer bases that outgrow one machine: recommendations as a Spark job (``pip install recommender[spark]``).

:func:`recommend_spark` maps each partition through :func:`recommender.frame.recommend_frame`
with ``mapInPandas``. Every Python worker loads the knowledge once (by directory and
catalog) and keeps it for the partitions it runs, so a job loads it once per worker,
not per row. The output has the columns of :data:`recommender.frame.FRAME_COLUMNS`:
one row per customer and bundle rank, a rejected customer with its ``error``. Spark
keeps no input order, so ``row`` is null; join on ``customer_id``.

The knowledge directory must be readable at the same path on every executor (a shared
file system, or the default knowledge, which ships inside the package).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .flat import COLUMNS
from .frame import recommend_frame
from .recommender import Recommender, default_knowledge_dir
from .validity import checked_day

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["local_session", "recommend_spark", "spark_schema"]

_loaded: dict[tuple[str, str | None], Recommender] = {}


def spark_schema() -> Any:
    """The output's Spark schema: flat.COLUMNS and ``error``."""
    from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType

    kinds = {str: StringType(), int: LongType(), float: DoubleType(), bool: BooleanType()}
    return StructType([StructField(name, kinds[kind], True) for name, kind, _ in COLUMNS]
                      + [StructField("error", StringType(), True)])


def recommend_spark(df: DataFrame, knowledge_dir: str | Path | None = None, *, catalog: str | None = None,
                    top_k: int = 3, column_map: dict[str, str] | None = None, as_of: date | None = None) -> DataFrame:
    """Recommend for every row of the Spark DataFrame ``df`` (cells as in a CSV); lazy, like any Spark transform.

    Every row is recommended as of one day: ``as_of``, else today when this is called (on the driver, so
    executors running past midnight or in another time zone agree).
    """
    root = str(Path(knowledge_dir or default_knowledge_dir()).resolve())
    day = checked_day(as_of)

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        key = (root, catalog)
        if key not in _loaded:  # once per Python worker, kept across the partitions it runs
            _loaded[key] = Recommender.from_path(root, catalog)
        rec = _loaded[key]
        for batch in batches:
            out = recommend_frame(rec, batch, processes=1, top_k=top_k, column_map=column_map, numbered=False,
                                 as_of=day)
            out["row"] = None
            yield out

    return df.mapInPandas(run, spark_schema())


def local_session(cores: int = 2) -> SparkSession:
    """A Spark session on this machine (``local[cores]``), kept off the network: for tests and trials."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers run this Python, which has the package
    return (SparkSession.builder.master(f"local[{cores}]").appName("recommender")
            .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", str(cores))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
