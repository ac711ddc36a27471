"""Streaming Discogs XML to records: the heart every service shares."""

from discogsography.parsing.parser import DumpParser, ParsedRecord, ParseStats

__all__ = ["DumpParser", "ParseStats", "ParsedRecord"]
