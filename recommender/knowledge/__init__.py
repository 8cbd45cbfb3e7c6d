"""Knowledge files: loading with positions, validation, the frozen knowledge base."""

from .base import KnowledgeBase
from .loader import available_catalogs, load_knowledge

__all__ = ["KnowledgeBase", "available_catalogs", "load_knowledge"]
