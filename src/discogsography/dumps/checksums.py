"""CHECKSUM.txt: ``<64 hex> <name>`` per line, one or two spaces, an optional ``*`` (binary mode)."""

from __future__ import annotations

import re

from discogsography.errors import DiscogsographyError

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class ChecksumError(DiscogsographyError):
    """A CHECKSUM file that cannot be used, or a file whose hash does not match it."""


def parse_checksums(text: str) -> dict[str, str]:
    """File name -> lowercase sha256. Blank lines are ignored; any other malformed line is an error."""
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not _HEX64.match(fields[0]):
            raise ChecksumError(f"CHECKSUM line {number} is not '<sha256> <file name>': {line[:120]!r}")
        digest, name = fields[0].lower(), fields[1].removeprefix("*")
        sums[name] = digest
    if not sums:
        raise ChecksumError("CHECKSUM file lists no files")
    return sums
