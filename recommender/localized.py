"""A text in several languages, the one shape every name and sentence has.

Its own module, free of the knowledge package, so the message files
(:mod:`recommender.messages`), the knowledge models and the result models all
use it without importing one another.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, RootModel, ValidationInfo, field_validator

__all__ = ["LANG_PATTERN", "Text"]

# A language code (zh, en, fr, pt-BR): framework.yaml declares which a knowledge base uses.
LANG_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


class Text(RootModel[dict[str, Annotated[str, Field(min_length=1)]]]):
    """A text in several languages: ``{zh: 会议电话, en: Conference call}``.

    The shape is checked here; that every language framework.yaml declares is
    present, and no other, is checked with the knowledge (``missing-language``),
    so one load lists every gap. ``Text(zh=..., en=...)`` builds one in code.
    """

    # Editors see the key shape; which languages are declared is the knowledge's to say.
    model_config = ConfigDict(strict=True, frozen=True,
                              json_schema_extra={"propertyNames": {"pattern": LANG_PATTERN}})
    root: dict[str, Annotated[str, Field(min_length=1)]] = Field(min_length=1)

    @field_validator("root")
    @classmethod
    def _declared_order(cls, root: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        # The loader passes framework.yaml's languages, so every text lists them in declared order
        # whatever order a file writes them in: JSON stays in one order and the fallback is the first.
        order = (info.context or {}).get("languages") or ()
        return {**{lang: root[lang] for lang in order if lang in root}, **root}

    def get(self, lang: str) -> str:
        """The text in ``lang``; in its first language when it has none in ``lang``.

        Knowledge that validates has every declared language, and code builds
        texts in declared order, so the fallback is the first declared language;
        it serves results stored before a language was added.
        """
        return self.root[lang] if lang in self.root else next(iter(self.root.values()))

    def __getitem__(self, lang: str) -> str:
        """The text in ``lang``; KeyError when it has none (no fallback)."""
        return self.root[lang]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.root)
