"""Result parts that recur from customer to customer, made once.

A recommendation for one customer repeats what it said for the last: the reason a
product covers a need, a rule's firing on the same inputs, a product left out for
the same reason. They are frozen models, so results share them; building them
again is most of what writing a result costs. They are kept with the knowledge
(its messages, which its dated views share), so they go when it goes.

A key names what decides the part: values, and knowledge objects (a rule, a
remembered sentence) by their id. The entry keeps those objects alive, so no other
object takes their id while it lasts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .knowledge.base import KnowledgeBase

__all__ = ["remembered"]

M = TypeVar("M")
# The first parts met, kept for good: the frequent ones come early, and every object kept is one more for
# each full garbage collection to scan, so a small memo that stops growing costs least.
_KEPT = 4096


def remembered(kb: KnowledgeBase, key: Hashable, named: object, build: Callable[[], M]) -> M:
    """The part ``build`` makes, made once per ``key`` while ``kb`` lives; ``named``: the objects ``key`` names
    by id."""
    parts = kb.messages.parts
    found = parts.get(key)
    if found is None:
        if len(parts) >= _KEPT:
            return build()
        found = parts[key] = (named, build())
    return found[1]  # type: ignore[return-value]
