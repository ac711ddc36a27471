"""The bundled sample records, parsed once per test session, for the answer mapping tests."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from discogsography.parsing import DumpParser
from tests.conftest import SAMPLES_2020, SAMPLES_2025

ERAS = {"2020": SAMPLES_2020, "2025": SAMPLES_2025}
Record = Mapping[str, Any]


@cache
def sample_records(era: str, kind: str) -> tuple[Record, ...]:
    """Every record of one bundled sample dump file, in file order."""
    (path,) = sorted(ERAS[era].glob(f"*_{kind}.xml.gz"))
    return tuple(parsed.data for parsed in DumpParser(path))


def raw_items(record: Record | None, container: str, item: str) -> list[Any]:
    """The dump's own list under a container, read plainly (independent of the mapping's helpers)."""
    wrapper = (record or {}).get(container) or {}
    found = wrapper.get(item) or []
    return [one for one in found if one is not None]


def raw_text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("#text")
    return "" if value is None else value
