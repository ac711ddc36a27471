"""Packing a file's records into messages (pure: no broker, no file)."""

from __future__ import annotations

import pytest

from discogsography.amqp.messages import Deletions, Increment, RawBatch, decode_raw
from discogsography.extractor.index import CHANGED, NEW, UNCHANGED
from discogsography.extractor.message_packing import (
    CHUNK_TARGET_RECORDS,
    PROGRESS_EVERY_RECORDS,
    chunk_records,
    fill_messages,
    next_progress_at,
    pack_deletions,
    pack_records,
    select_changed,
)
from discogsography.kinds import Kind

STEP = Increment("20990201", "20990101")


def _line(record_id: int) -> bytes:
    return b'{"sha256":"' + b"a" * 64 + b'","id":%d}' % record_id


def test_whole_messages_are_sent_and_the_rest_waits_for_the_next_chunk() -> None:
    lines = [_line(n) for n in range(7)]
    messages, carry = fill_messages([], lines, 3)
    assert messages == [lines[0:3], lines[3:6]] and carry == lines[6:]
    more = [_line(n) for n in range(7, 9)]
    messages, carry = fill_messages(carry, more, 3)
    assert messages == [[lines[6], *more]] and carry == []


def test_fewer_lines_than_a_message_are_all_carried() -> None:
    assert fill_messages([_line(1)], [_line(2)], 3) == ([], [_line(1), _line(2)])


def test_an_incremental_chunk_keeps_only_new_and_changed_records() -> None:
    lines = [_line(n) for n in range(4)]
    selection = select_changed(lines, [NEW, UNCHANGED, CHANGED, UNCHANGED])
    assert selection.lines == [lines[0], lines[2]]
    assert (selection.new, selection.changed, selection.unchanged) == (1, 1, 2)


def test_a_packed_batch_counts_its_records_and_its_size() -> None:
    lines = [_line(1), _line(2)]
    packed = pack_records(Kind.LABELS, lines, STEP)
    assert (packed.records, packed.removed, packed.batch, packed.size) == (2, 0, True, len(packed.body))
    raw = decode_raw(packed.body)
    assert isinstance(raw, RawBatch) and raw.records == lines and raw.increment == STEP


def test_a_single_record_in_full_mode_is_no_batch() -> None:
    packed = pack_records(Kind.LABELS, [_line(1)], None)
    assert (packed.amqp_type, packed.body, packed.records, packed.batch) == ("record", _line(1), 1, False)


def test_packed_deletions_count_the_ids_they_remove() -> None:
    packed = pack_deletions(Kind.ARTISTS, [3, 5, 8], STEP)
    assert (packed.records, packed.removed, packed.batch) == (0, 3, False)
    deletions = decode_raw(packed.body)
    assert isinstance(deletions, Deletions) and deletions.ids == [3, 5, 8]


@pytest.mark.parametrize("per_message", [1, 7, 100, CHUNK_TARGET_RECORDS, 5 * CHUNK_TARGET_RECORDS])
def test_a_chunk_is_a_whole_number_of_messages_near_the_target(per_message: int) -> None:
    records = chunk_records(per_message)
    assert records % per_message == 0
    assert records <= max(per_message, CHUNK_TARGET_RECORDS)


def test_progress_is_reported_at_the_next_multiple_of_its_step() -> None:
    assert next_progress_at(0) == PROGRESS_EVERY_RECORDS
    assert next_progress_at(PROGRESS_EVERY_RECORDS) == 2 * PROGRESS_EVERY_RECORDS
    assert next_progress_at(PROGRESS_EVERY_RECORDS * 3 + 1) == 4 * PROGRESS_EVERY_RECORDS
