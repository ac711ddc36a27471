"""Which incremental messages apply to a database, and what a refusal says (pure)."""

from __future__ import annotations

from discogsography.amqp.messages import Increment
from discogsography.dumps.names import version_of_dump_file
from discogsography.kinds import Kind
from discogsography.relational.table_versions import applies, refusal

STEP = Increment("20260201", "20260101")


def test_an_increment_applies_at_its_base_or_once_it_is_reached() -> None:
    assert applies("20260101", STEP)
    assert applies("20260201", STEP)  # a late message of a refresh another tableinator finished
    assert not applies("20251201", STEP)
    assert not applies(None, STEP)


def test_a_refusal_names_both_versions() -> None:
    reason = refusal(Kind.RELEASES, "20251201", STEP)
    assert reason.startswith("releases:")
    assert "20260201" in reason and "base 20260101" in reason and "version 20251201" in reason
    assert "no recorded version" in refusal(Kind.LABELS, None, STEP)


def test_the_version_of_a_dump_file_name() -> None:
    assert version_of_dump_file("discogs_20260101_releases.xml.gz") == "20260101"
    assert version_of_dump_file("releases.xml.gz") is None
