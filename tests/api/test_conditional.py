"""ETags, HTTP dates and whether a client's copy is current (304)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

from discogsography.api.conditional import entity_tag, http_date, not_modified

STORED = datetime(2026, 3, 1, 12, 30, 15, 750_000, tzinfo=UTC)
ETAG = '"abc"'


def test_entity_tags() -> None:
    assert entity_tag("abc") == '"abc"'
    assert entity_tag("a", "b") == '"' + hashlib.sha256(b"a/b").hexdigest() + '"'
    assert entity_tag("a", "b") != entity_tag("a", "c")
    assert entity_tag("a", "") != entity_tag("a")


def test_http_dates_are_gmt_whole_seconds() -> None:
    assert http_date(STORED) == "Sun, 01 Mar 2026 12:30:15 GMT"
    assert http_date(STORED.astimezone(timezone(timedelta(hours=5)))) == "Sun, 01 Mar 2026 12:30:15 GMT"


def test_if_none_match() -> None:
    assert not_modified(ETAG, STORED, '"abc"', None)
    assert not_modified(ETAG, STORED, 'W/"abc"', None)
    assert not_modified(ETAG, STORED, '"x", "abc"', None)
    assert not_modified(ETAG, STORED, "*", None)
    assert not not_modified(ETAG, STORED, '"abd"', None)
    assert not not_modified(ETAG, STORED, "", None)
    # If-None-Match wins over a date that alone would say current.
    assert not not_modified(ETAG, STORED, '"old"', http_date(STORED))


def test_if_modified_since() -> None:
    assert not not_modified(ETAG, STORED, None, None)
    assert not_modified(ETAG, STORED, None, "Sun, 01 Mar 2026 12:30:15 GMT")  # sub-seconds dropped
    assert not_modified(ETAG, STORED, None, "Mon, 02 Mar 2026 00:00:00 GMT")
    assert not not_modified(ETAG, STORED, None, "Sun, 01 Mar 2026 12:30:14 GMT")
    assert not_modified(ETAG, STORED, None, "Sun, 01 Mar 2026 12:30:15")  # no zone: GMT
    for unreadable in ("yesterday", "", "Sun, 99 Foo 2026", "\x00"):
        assert not not_modified(ETAG, STORED, None, unreadable)
