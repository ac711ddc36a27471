"""JSON Schemas of the four record kinds, shipped with the package (docs/records.md)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from discogsography.kinds import Kind


def load_schema(kind: Kind | str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind's records."""
    name = f"{Kind(kind).value}.schema.json"
    schema: dict[str, Any] = json.loads(resources.files(__package__).joinpath(name).read_text("utf-8"))
    return schema
