"""Result parts that recur from customer to customer, made once.

A recommendation for one customer repeats what it said for the last: the reason a
product covers a need, a rule's firing on the same inputs, a product left out for
the same reason. They are frozen models, so results share them; building them
again is most of what writing a result costs.

A key names what decides the part: values, and knowledge objects (a rule, a
remembered sentence) by their id. The entry keeps those objects alive, so no other
object takes their id while it lasts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

__all__ = ["remembered"]

M = TypeVar("M")
_KEPT = 16384
_parts: dict[Hashable, tuple[object, object]] = {}


def remembered(key: Hashable, named: object, build: Callable[[], M]) -> M:
    """The part ``build`` makes, made once per ``key``; ``named``: the objects ``key`` names by id."""
    found = _parts.get(key)
    if found is None:
        if len(_parts) >= _KEPT:  # endless quantities and inputs on a long-running server: start over
            _parts.clear()
        found = _parts[key] = (named, build())
    return found[1]  # type: ignore[return-value]
