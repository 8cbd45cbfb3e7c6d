"""On/off switches read from the environment (``RECOMMENDER_CACHE=0``, ``RECOMMENDER_GC_FREEZE=off``)."""

from __future__ import annotations

import os

__all__ = ["switched_on"]

_OFF = frozenset({"0", "false", "no", "off"})


def switched_on(name: str) -> bool:
    """Whether the switch ``name`` is on: it is unless the variable says 0, false, no or off."""
    return os.environ.get(name, "1").strip().lower() not in _OFF
