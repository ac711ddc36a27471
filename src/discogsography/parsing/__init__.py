"""Streaming Discogs XML to records: the heart every service shares."""

from discogsography.parsing.parser import DumpParser, ParseStats
from discogsography.parsing.records import ParsedRecord

__all__ = ["DumpParser", "ParseStats", "ParsedRecord"]
