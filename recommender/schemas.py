"""JSON Schemas for every kind of knowledge file, generated from the models.

Editors with yaml-language-server validate and complete as product teams type,
when a file starts with ``# yaml-language-server: $schema=<path to schema>``.
The schemas ship in ``knowledge/schemas``; a test keeps them equal to the models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .knowledge.schema import Assessment, Catalog, Framework, OffersFile, ProductsFile, RulesFile, Scenario
from .profile import CustomerProfile

FILE_KINDS: dict[str, type[BaseModel]] = {
    "framework": Framework,
    "assessment": Assessment,
    "catalog": Catalog,
    "products": ProductsFile,
    "rules": RulesFile,
    "offers": OffersFile,
    "scenario": Scenario,
    "profile": CustomerProfile,
}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one file kind (see ``FILE_KINDS``)."""
    schema = FILE_KINDS[kind].model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{kind}.schema.json"
    return schema


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(out_dir: str | Path) -> list[Path]:
    """Write ``<kind>.schema.json`` for every file kind into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in FILE_KINDS:
        path = out / f"{kind}.schema.json"
        path.write_text(schema_text(kind), encoding="utf-8")
        written.append(path)
    return written
