"""Small builders for parser tests: write a dump file from XML text."""

from __future__ import annotations

import gzip
from pathlib import Path


def write_dump(directory: Path, name: str, xml: bytes | str, *, compress: bool = True) -> Path:
    data = xml.encode() if isinstance(xml, str) else xml
    path = directory / name
    if compress:
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path
