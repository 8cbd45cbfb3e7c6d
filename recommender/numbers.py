"""The numbers the library accepts, and how they reach durable-rules.

durable-rules reads facts and rule constants as JSON text written by Python's
``json.dumps``. Its number parser accepts an exponent only after a fraction
(``1.0e+16`` but not ``1e+16``), knows no ``Infinity`` or ``NaN`` and keeps
integers in 64 bits; anything else crashes the process or raises a raw C error.
Python writes a float without an exponent exactly when ``1e-4 <= |x| < 1e16``
(or ``x == 0``), so every number is kept finite, below :data:`MAX_NUMBER` in
magnitude, and rounded to :data:`DECIMALS` places before it reaches the engine.
"""

from __future__ import annotations

import math

from .errors import Said

# Far above any real figure (10^15 yuan is a thousand trillion) and far below 1e16,
# where Python starts writing floats with an exponent.
MAX_NUMBER = 10**15
# Finer than a fen or a basis point; a rounded float never prints with an exponent.
DECIMALS = 4


def number_problem(value: float) -> Said | None:
    """Why ``value`` cannot be used as a number here, or None when it can."""
    if isinstance(value, float) and not math.isfinite(value):
        return Said("out-of-range.not-finite", value=value)
    if abs(value) >= MAX_NUMBER:
        return Said("out-of-range.too-large", value=value, limit=f"{MAX_NUMBER:,}")
    return None


def engine_number(value: int | float) -> int | float:
    """``value`` as durable-rules can parse it; raises ValueError for a number it cannot."""
    problem = number_problem(value)
    if problem:
        raise ValueError(str(problem))
    if isinstance(value, float):
        return round(value, DECIMALS) + 0.0  # "+ 0.0" turns -0.0 into 0.0
    return value
