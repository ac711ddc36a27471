"""Errors of the cache pipeline, shown to the user as one line."""

from __future__ import annotations

from discogsography.errors import DiscogsographyError


class CacheError(DiscogsographyError):
    """A cache step cannot run: missing input, bad option combination, database refusing."""
