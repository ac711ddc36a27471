"""Conditional requests: an answer's ETag and Last-Modified, and whether the client's copy is current.

The ETag of a record's answer is its dump sha256 (a master's also takes its main release's), so
it changes exactly when a refresh changes the record; Last-Modified is when the tables last
stored it (``updated_at``). A client that sends back either gets 304 with no body.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime


def entity_tag(*hashes: str) -> str:
    """A strong ETag (quoted) from one record's sha256, or from several that make one answer."""
    if len(hashes) == 1:
        return f'"{hashes[0]}"'
    return '"' + hashlib.sha256("/".join(hashes).encode()).hexdigest() + '"'


@functools.lru_cache(maxsize=4096)  # records stored by one batch share their time
def http_date(moment: datetime) -> str:
    """An HTTP date (RFC 9110: GMT, whole seconds)."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _tags(header: str) -> list[str]:
    # Weak or strong, a matching tag means the same bytes here: every ETag is a content hash.
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def not_modified(
    etag: str, modified: datetime, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """True when the client's copy is current (answer 304). If-None-Match wins when both are sent."""
    if if_none_match is not None:
        tags = _tags(if_none_match)
        return "*" in tags or etag in tags
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False  # an unreadable date is ignored, as RFC 9110 says
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified.replace(microsecond=0) <= since
