"""Explained product-bundle recommendations for telecom group customers.

>>> from recommender import Recommender, CustomerProfile
>>> rec = Recommender.default()
"""

from . import brief, detail  # noqa: F401 - they register the renderers Recommendation.rationale_text uses
from .errors import EngineError, Issue, KnowledgeError, ProfileError, RecommenderError
from .knowledge import KnowledgeBase, load_knowledge
from .profile import CustomerProfile, KeyPerson, Source, load_profile, parse_profile
from .proposal import render_proposal
from .recommender import Recommender
from .result import Bundle, Recommendation

__all__ = [
    "Bundle",
    "CustomerProfile",
    "EngineError",
    "Issue",
    "KeyPerson",
    "KnowledgeBase",
    "KnowledgeError",
    "ProfileError",
    "Recommendation",
    "Recommender",
    "RecommenderError",
    "Source",
    "load_knowledge",
    "load_profile",
    "parse_profile",
    "render_proposal",
]
