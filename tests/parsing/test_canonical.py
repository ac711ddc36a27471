"""The sha256 of a record: canonical, stable, sensitive to every field."""

from __future__ import annotations

import hashlib
import json

import orjson
from hypothesis import given
from hypothesis import strategies as st

from discogsography.parsing import DumpParser
from discogsography.parsing.canonical import canonical_json, hashed_line, record_sha256
from tests.conftest import SAMPLES_2020, sample_files

# The hash of release 1 of the 2020-08-06 sample. Pinned so that a change of serialiser, of
# Python version or of the record rules that alters hashes cannot pass unnoticed.
RELEASE_1_SHA256 = "2c46f512887bf3f4ab5e4b342a69d6ed90069611d5d1e3b897d7d601640c08cb"


def stdlib_canonical(record: dict[str, object]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_canonical_json_matches_the_documented_stdlib_form_on_every_sample() -> None:
    for path in sample_files():
        for parsed in DumpParser(path):
            record = {k: v for k, v in parsed.data.items() if k != "sha256"}
            assert canonical_json(record) == stdlib_canonical(record), (path, parsed.id)
            assert parsed.sha256 == hashlib.sha256(stdlib_canonical(record)).hexdigest()


def test_pinned_hash_of_a_real_release() -> None:
    first = next(iter(DumpParser(SAMPLES_2020 / "discogs_20200806_releases.xml.gz")))
    assert first.id == 1
    assert first.sha256 == RELEASE_1_SHA256


def test_hash_ignores_an_existing_sha256_key() -> None:
    record = {"id": 1, "title": "x"}
    assert record_sha256({**record, "sha256": "whatever"}) == record_sha256(record)


def test_key_order_does_not_change_the_hash() -> None:
    assert record_sha256({"id": 1, "a": "x", "b": None}) == record_sha256({"b": None, "a": "x", "id": 1})


def test_hashed_line_is_the_record_with_its_hash() -> None:
    record = {"id": 7, "title": "Ökörszem", "genres": {"genre": ["Jazz"]}}
    digest, line = hashed_line(record)
    assert orjson.loads(line) == {**record, "sha256": digest}
    assert digest == record_sha256(record)


json_scalars = st.none() | st.text(max_size=20)
records = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), records, max_size=6), st.text(max_size=10))
def test_changing_any_field_changes_the_hash(fields: dict[str, object], new_value: str) -> None:
    record = {"id": 1, **{k: v for k, v in fields.items() if k not in ("id", "sha256")}}
    before = record_sha256(record)
    for key, old_value in record.items():
        if old_value == new_value:
            continue
        changed = {**record, key: new_value}
        assert record_sha256(changed) != before
