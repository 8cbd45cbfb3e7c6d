"""A recommendation as flat rows, one per customer and bundle rank, for tables: Parquet files and DataFrames.

The columns (:data:`COLUMNS`) are stable: new ones are added at the end, none is renamed
or dropped without a major version. A customer without a bundle keeps one row, with no
rank and empty products, so a table always holds every customer it was given.
"""

from __future__ import annotations

from typing import Any

from .result import Bundle, Recommendation

__all__ = ["COLUMNS", "flat_rows"]

# name, type (str, int, float, bool; all may be null), meaning
COLUMNS: tuple[tuple[str, type, str], ...] = (
    ("row", int, "The customer's 1-based position in the input."),
    ("customer_id", str, "The profile's id."),
    ("customer_name", str, "The profile's name."),
    ("catalog", str, "The catalog that served it."),
    ("value_type", str, "Assessed value type id (economic, social, dual)."),
    ("customer_class", str, "Assessed class id (a, b, c, d)."),
    ("lifecycle_stage", str, "Lifecycle stage id, stated or derived."),
    ("channel", str, "Sales channel id the rules chose."),
    ("service_level", str, "Service level id the rules chose."),
    ("key_account", bool, "The service level is a key-account one."),
    ("rank", int, "The bundle's rank, 1 best; null when no bundle fits."),
    ("products", str, "The bundle's product ids, ';'-separated, in the bundle's order."),
    ("monthly", float, "The bundle's monthly charges, in yuan, net of discounts."),
    ("one_time", float, "Its one-time charges, in yuan."),
    ("annual_revenue", float, "Twelve months of its monthly charges: what it brings the operator a year."),
    ("stated_coverage", float, "Share of the stated need weight it covers."),
    ("score", float, "Its utility score."),
    ("stated_gaps", str, "Stated need ids it leaves open, ';'-separated."),
    ("optimal", bool, "The search was exhaustive, so bundle 1 is optimal under the utility."),
    ("as_of", str, "The day it was recommended as of (YYYY-MM-DD): the products, prices and offers in force."),
)


def flat_rows(row: int, rec: Recommendation) -> list[dict[str, Any]]:
    """The rows of one customer's recommendation: one per bundle, or one without a bundle."""
    a, adv = rec.assessment, rec.advice
    customer = {
        "row": row, "customer_id": rec.customer_id, "customer_name": rec.customer_name, "catalog": rec.catalog,
        "value_type": a.value_type, "customer_class": a.customer_class, "lifecycle_stage": a.lifecycle.stage,
        "channel": adv.channel.id if adv.channel else None,
        "service_level": adv.service_level.id if adv.service_level else None,
        "key_account": rec.customer.key_account, "optimal": rec.optimal,
        "as_of": rec.as_of.isoformat() if rec.as_of else None,
    }
    bundles: list[Bundle | None] = [*rec.bundles] or [None]
    return [{name: {**customer, **_bundle(b)}.get(name) for name, _, _ in COLUMNS} for b in bundles]


def _bundle(b: Bundle | None) -> dict[str, Any]:
    if b is None:
        return {"products": ""}
    return {"rank": b.rank, "products": ";".join(p.id for p in b.products), "monthly": b.price.recurring_monthly,
            "one_time": b.price.one_time, "annual_revenue": round(12 * b.price.recurring_monthly, 2),
            "stated_coverage": b.stated_coverage, "score": b.score,
            "stated_gaps": ";".join(g.need for g in b.stated_gaps)}
