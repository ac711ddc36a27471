"""Record -> row: pure functions, checked over every sample record and on edge cases."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from discogsography.kinds import Kind
from discogsography.parsing import ParsedRecord
from discogsography.relational.table_rows import RowError, build_rows, rows_from_json
from discogsography.relational.tables import TABLES


def _named(row: tuple[Any, ...], kind: Kind) -> dict[str, Any]:
    return dict(zip(TABLES[kind].columns, row, strict=True))


def _children(record: dict[str, Any], container: str, tag: str) -> list[Any]:
    value = record.get(container)
    return list(value.get(tag, [])) if isinstance(value, dict) else []


def _expected_year(value: str | None) -> int | None:
    # Independent restatement of the rule: four leading digits, 0 means unknown.
    if not value or not re.fullmatch(r"\d{4}(-\d\d){0,2}", value):
        return None
    return int(value[:4]) or None


def test_every_sample_record_builds_rows_with_its_id_hash_and_data(
    all_samples: dict[Kind, list[ParsedRecord]],
) -> None:
    total = 0
    for kind, records in all_samples.items():
        for parsed in records:
            built = build_rows(kind, parsed.data)
            named = _named(built.row, kind)
            assert built.id == parsed.id == named["id"]
            assert built.hash == parsed.sha256 == named["hash"]
            assert orjson.loads(named["data"]) == parsed.data
            assert len(built.row) == len(TABLES[kind].columns)
            for link in TABLES[kind].links:
                for link_row in built.links[link.name]:
                    assert len(link_row) == len(link.columns) and link_row[0] == parsed.id
            total += 1
    assert total > 4000


def test_rows_from_the_json_text_equal_rows_from_the_record(
    all_samples: dict[Kind, list[ParsedRecord]],
) -> None:
    # The consumer's path: only the fields rows read are decoded, and data is the text as sent.
    for kind, records in all_samples.items():
        for parsed in records:
            from_json = rows_from_json(kind, parsed.json)
            from_record = build_rows(kind, parsed.data)
            data_column = TABLES[kind].columns.index("data")
            assert from_json.row[data_column] == parsed.json
            assert orjson.loads(from_json.row[data_column]) == orjson.loads(from_record.row[data_column])
            assert from_json.row[:data_column] == from_record.row[:data_column]
            assert from_json.row[data_column + 1 :] == from_record.row[data_column + 1 :]
            assert from_json.links == from_record.links


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"[1, 2]", "not a JSON object"),
        (b'{"id": 1, "sha256": "h", "title": tru}', "not JSON"),
        (b'{"id": 1, "sha256": "h", "notes": "\xff"}', "not valid UTF-8"),
        (b'{"id": "1", "sha256": "h"}', "without an integer id"),
        (b'{"id": true, "sha256": "h"}', "without an integer id"),
        (b'{"id": 1}', "without a sha256"),
        (b'{"id": 18446744073709551616, "sha256": "h"}', "fits a bigint"),
    ],
)
def test_json_text_that_can_never_be_stored_is_refused_with_its_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        rows_from_json(Kind.RELEASES, raw)


def test_release_columns_follow_the_record(all_samples: dict[Kind, list[ParsedRecord]]) -> None:
    for parsed in all_samples[Kind.RELEASES]:
        record = parsed.data
        named = _named(build_rows(Kind.RELEASES, record).row, Kind.RELEASES)
        assert named["title"] == record.get("title")
        assert named["country"] == record.get("country")
        assert named["year"] == _expected_year(record.get("released"))
        assert named["genres"] == (_children(record, "genres", "genre") or None)
        assert named["styles"] == (_children(record, "styles", "style") or None)
        master = record.get("master_id")
        master_text = master.get("#text") if isinstance(master, dict) else master
        assert named["master_id"] == (int(master_text) if master_text and int(master_text) else None)


def test_release_link_rows_list_labels_and_credits_in_order() -> None:
    record = {
        "id": 7,
        "sha256": "h",
        "labels": {
            "label": [
                {"name": "Rough Trade", "catno": "RTD 1", "id": "51167"},
                {"name": "Rough Trade", "catno": "RTD 2", "id": "51167"},
                {"name": "No Id", "catno": "none"},
            ]
        },
        "artists": {"artist": [{"id": "1", "name": "A", "anv": "Ay", "join": ","}, {"name": "B"}]},
        "extraartists": {"artist": [{"id": "0", "name": "C", "role": "Producer", "tracks": "A1"}]},
    }
    built = build_rows(Kind.RELEASES, record)
    assert built.links["release_labels"] == [
        (7, 0, 51167, "Rough Trade", "RTD 1"),
        (7, 1, 51167, "Rough Trade", "RTD 2"),
        (7, 2, None, "No Id", "none"),
    ]
    assert built.links["release_artists"] == [
        (7, False, 0, 1, "A", "Ay", None, None),
        (7, False, 1, None, "B", None, None, None),
        (7, True, 0, None, "C", None, "Producer", "A1"),
    ]


def test_artist_rows_keep_aliases_members_and_urls(samples_2020: dict[Kind, list[ParsedRecord]]) -> None:
    persuader = next(p for p in samples_2020[Kind.ARTISTS] if p.id == 1)
    built = build_rows(Kind.ARTISTS, persuader.data)
    named = _named(built.row, Kind.ARTISTS)
    assert named["name"] == "The Persuader" and named["real_name"] == "Jesper Dahlbäck"
    assert named["aliases"][:2] == ["Jesper Dahlbäck", "Groove Machine"] and len(named["aliases"]) == 7
    assert built.links["artist_aliases"][0] == (1, 0, 239, "Jesper Dahlbäck")
    group = next(p for p in samples_2020[Kind.ARTISTS] if "members" in p.data)
    members = build_rows(Kind.ARTISTS, group.data).links["artist_members"]
    expected = [(int(m["id"]), m["#text"]) for m in group.data["members"]["name"]]
    assert [(row[2], row[3]) for row in members] == expected


def test_members_given_only_as_bare_ids_keep_their_ids() -> None:
    record = {"id": 3, "sha256": "h", "members": {"id": ["26", "27"]}}
    assert build_rows(Kind.ARTISTS, record).links["artist_members"] == [(3, 0, 26, None), (3, 1, 27, None)]


def test_master_year_zero_is_null_and_main_release_is_an_int(
    samples_2020: dict[Kind, list[ParsedRecord]],
) -> None:
    years = {}
    for parsed in samples_2020[Kind.MASTERS]:
        named = _named(build_rows(Kind.MASTERS, parsed.data).row, Kind.MASTERS)
        years[parsed.data.get("year")] = named["year"]
        assert named["main_release"] == int(parsed.data["main_release"])
    assert years["0"] is None
    assert years["1999"] == 1999


def test_labels_keep_parent_label_and_urls(samples_2025: dict[Kind, list[ParsedRecord]]) -> None:
    label = next(p for p in samples_2025[Kind.LABELS] if "parentLabel" in p.data)
    named = _named(build_rows(Kind.LABELS, label.data).row, Kind.LABELS)
    assert named["parent_label_id"] == int(label.data["parentLabel"]["id"])
    assert named["urls"] == (label.data.get("urls") or {}).get("url")


def test_missing_fields_give_nulls_not_errors() -> None:
    for kind in Kind:
        built = build_rows(kind, {"id": 5, "sha256": "abc"})
        named = _named(built.row, kind)
        assert named["id"] == 5 and named["hash"] == "abc"
        assert all(value is None for column, value in named.items() if column not in ("id", "hash", "data"))
        assert all(rows == [] for rows in built.links.values())


def test_odd_shapes_are_tolerated_and_kept_in_data() -> None:
    record = {
        "id": 9,
        "sha256": "h",
        "title": {"#text": "not a plain string"},
        "genres": "Jazz",
        "styles": {"style": "Bop"},
        "labels": ["wrong"],
        "formats": {"format": [{"name": "CD", "qty": "9" * 64, "text": None}]},
        "released": 1999,
    }
    built = build_rows(Kind.RELEASES, record)
    named = _named(built.row, Kind.RELEASES)
    # The title's text is read although the element is oddly shaped (discogsography.fields).
    assert named["title"] == "not a plain string"
    assert named["genres"] is None and named["styles"] == ["Bop"]
    assert orjson.loads(named["data"]) == record
    assert built.links["release_labels"] == []


@pytest.mark.parametrize("bad_id", [2**63, -1, "12", None, True])
def test_a_record_id_that_cannot_be_stored_is_refused(bad_id: Any) -> None:
    with pytest.raises(RowError):
        build_rows(Kind.LABELS, {"id": bad_id, "sha256": "h"})


def test_a_record_without_hash_is_refused() -> None:
    with pytest.raises(RowError):
        build_rows(Kind.LABELS, {"id": 1})
