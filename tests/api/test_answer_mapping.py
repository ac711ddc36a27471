"""Every bundled sample record, of both dump eras, mapped to every answer it feeds: the answer
validates against its pydantic model and its JSON Schema, and carries the record's values."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

from discogsography.api import artist_answer, label_answer, master_answer, release_answer
from discogsography.api.answer_links import Links
from discogsography.api.answer_models import (
    Artist,
    ArtistRelease,
    Label,
    LabelRelease,
    Master,
    MasterVersion,
    Release,
    SearchResult,
    component_schemas,
)
from tests.api.answer_samples import ERAS, Record, raw_items, raw_text, sample_records

BASE = "http://127.0.0.1:8080"
LINKS = Links(BASE + "/")  # a trailing slash is dropped
era_names = pytest.mark.parametrize("era", sorted(ERAS))


@cache
def schema_validator(name: str) -> jsonschema.Draft202012Validator:
    document = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": component_schemas()}}
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


def assert_valid(model: type[BaseModel], answer: dict[str, Any]) -> None:
    """The model accepts the answer and declares all of it (undeclared fields would be dropped),
    and the published JSON Schema accepts it too."""
    assert model.model_validate(answer).model_dump(exclude_unset=True) == answer
    schema_validator(model.__name__).validate(answer)


def assert_credits(answer: list[dict[str, Any]], record: Record | None, container: str) -> None:
    credited = raw_items(record, container, "artist")
    assert [c["name"] for c in answer] == [raw_text(a.get("name")) for a in credited]
    assert [c["anv"] for c in answer] == [raw_text(a.get("anv")) for a in credited]
    assert [c["join"] for c in answer] == [raw_text(a.get("join")) for a in credited]
    assert [c["role"] for c in answer] == [raw_text(a.get("role")) for a in credited]
    assert [c["id"] for c in answer] == [int(a.get("id") or 0) for a in credited]
    for one in answer:
        assert one["resource_url"] == (f"{BASE}/artists/{one['id']}" if one["id"] else "")


def assert_tracks(answer: list[dict[str, Any]], record: Record | None) -> None:
    tracks = raw_items(record, "tracklist", "track") or raw_items(record, "sub_tracks", "track")
    assert [t["position"] for t in answer] == [raw_text(t.get("position")) for t in tracks]
    assert [t["title"] for t in answer] == [raw_text(t.get("title")) for t in tracks]
    assert [t["duration"] for t in answer] == [raw_text(t.get("duration")) for t in tracks]
    for mapped, track in zip(answer, tracks, strict=True):
        assert_credits(mapped.get("artists", []), track, "artists")
        assert_credits(mapped.get("extraartists", []), track, "extraartists")
        if raw_items(track, "sub_tracks", "track"):
            assert mapped["type_"] == "index"
            assert_tracks(mapped["sub_tracks"], track)
        else:
            assert mapped["type_"] in {"track", "heading"}
            assert "sub_tracks" not in mapped


def assert_videos(answer: list[dict[str, Any]], record: Record) -> None:
    videos = raw_items(record, "videos", "video")
    assert [v["uri"] for v in answer] == [v["src"] for v in videos]
    assert [v["title"] for v in answer] == [raw_text(v.get("title")) for v in videos]
    assert [v["description"] for v in answer] == [raw_text(v.get("description")) for v in videos]
    assert [v["duration"] for v in answer] == [int(v["duration"]) for v in videos]
    assert [v["embed"] for v in answer] == [v["embed"] == "true" for v in videos]


def dump_year(date: Any) -> int:
    head = raw_text(date)[:4]
    return int(head) if head.isdigit() else 0


@era_names
def test_release_answers_carry_the_records_values(era: str) -> None:
    for record in sample_records(era, "releases"):
        answer = release_answer.release(record, LINKS)
        assert_valid(Release, answer)
        release_id = record["id"]
        assert answer["id"] == release_id
        assert answer["resource_url"] == f"{BASE}/releases/{release_id}"
        assert answer["uri"].startswith(f"https://www.discogs.com/release/{release_id}-")
        for key in ("title", "country", "status", "data_quality"):
            assert answer[key] == raw_text(record.get(key))
        assert answer.get("notes", "") == raw_text(record.get("notes"))
        assert answer.get("released", "") == raw_text(record.get("released"))
        assert answer["year"] == dump_year(record.get("released"))
        assert_credits(answer["artists"], record, "artists")
        assert_credits(answer["extraartists"], record, "extraartists")
        labels = raw_items(record, "labels", "label")
        assert [x["catno"] for x in answer["labels"]] == [raw_text(x.get("catno")) for x in labels]
        assert [x["name"] for x in answer["labels"]] == [raw_text(x.get("name")) for x in labels]
        assert [x["id"] for x in answer["labels"]] == [int(x["id"]) for x in labels]
        assert all(x["resource_url"] == f"{BASE}/labels/{x['id']}" for x in answer["companies"])
        companies = raw_items(record, "companies", "company")
        assert [x["entity_type_name"] for x in answer["companies"]] == [
            x["entity_type_name"] for x in companies
        ]
        assert [x["name"] for x in answer["series"]] == [
            raw_text(x.get("name")) for x in raw_items(record, "series", "series")
        ]
        formats = raw_items(record, "formats", "format")
        assert [f["name"] for f in answer["formats"]] == [raw_text(f.get("name")) for f in formats]
        assert [f.get("descriptions", []) for f in answer["formats"]] == [
            raw_items(f, "descriptions", "description") for f in formats
        ]
        assert answer["genres"] == raw_items(record, "genres", "genre")
        assert answer["styles"] == raw_items(record, "styles", "style")
        identifiers = raw_items(record, "identifiers", "identifier")
        assert [(i["type"], i["value"], i.get("description", "")) for i in answer["identifiers"]] == [
            (raw_text(i.get("type")), raw_text(i.get("value")), raw_text(i.get("description")))
            for i in identifiers
        ]
        assert_videos(answer["videos"], record)
        assert_tracks(answer["tracklist"], record)
        # 2025+ dumps write master_id "0" for a release without master.
        master = int(raw_text(record.get("master_id")) or 0)
        if master:
            assert answer["master_id"] == master
            assert answer["master_url"] == f"{BASE}/masters/{answer['master_id']}"
        else:
            assert "master_id" not in answer
            assert "master_url" not in answer


@era_names
def test_release_lists_and_search_results(era: str) -> None:
    for record in sample_records(era, "releases"):
        labels = raw_items(record, "labels", "label")
        found = release_answer.search_result(record, LINKS)
        assert_valid(SearchResult, found)
        assert found["type"] == "release"
        assert found["title"].endswith(" - " + raw_text(record.get("title")))
        assert found["uri"].startswith(f"/release/{record['id']}")
        assert found["label"] == [raw_text(x.get("name")) for x in labels]
        assert found["catno"] == (raw_text(labels[0].get("catno")) if labels else "")
        assert found["barcode"] == [
            raw_text(i.get("value"))
            for i in raw_items(record, "identifiers", "identifier")
            if i.get("type") == "Barcode"
        ]
        assert found.get("year", "0") == str(dump_year(record.get("released")))

        version = master_answer.version(record, LINKS)
        assert_valid(MasterVersion, version)
        assert version["title"] == raw_text(record.get("title"))
        assert version["resource_url"] == f"{BASE}/releases/{record['id']}"

        appearance = artist_answer.artist_release(record, "release", LINKS, "Main")
        assert_valid(ArtistRelease, appearance)
        assert (appearance["type"], appearance["role"]) == ("release", "Main")
        assert appearance["year"] == dump_year(record.get("released"))

        for label in labels:
            item = label_answer.label_release(record, LINKS, int(label["id"]))
            assert_valid(LabelRelease, item)
            catalog_numbers = [raw_text(x.get("catno")) for x in labels if x["id"] == label["id"]]
            assert item["catno"] == catalog_numbers[0]
            assert item["title"] == raw_text(record.get("title"))


@era_names
def test_master_answers_carry_the_records_values(era: str) -> None:
    releases = {r["id"]: r for r in sample_records(era, "releases")}
    for record in sample_records(era, "masters"):
        main_release = releases.get(int(record["main_release"]))
        answer = master_answer.master(record, LINKS, main_release)
        assert_valid(Master, answer)
        assert answer["id"] == record["id"]
        assert answer["main_release"] == int(record["main_release"])
        assert answer["main_release_url"] == f"{BASE}/releases/{record['main_release']}"
        assert answer["versions_url"] == f"{BASE}/masters/{record['id']}/versions"
        assert answer["uri"].startswith(f"https://www.discogs.com/master/{record['id']}-")
        assert answer["year"] == int(record["year"])
        assert answer["title"] == record["title"]
        assert answer.get("notes", "") == raw_text(record.get("notes"))
        assert answer["genres"] == raw_items(record, "genres", "genre")
        assert answer["styles"] == raw_items(record, "styles", "style")
        assert_credits(answer["artists"], record, "artists")
        assert_videos(answer["videos"], record)
        assert_tracks(answer["tracklist"], main_release)

        found = master_answer.search_result(record, LINKS)
        assert_valid(SearchResult, found)
        assert (found["type"], found["master_id"]) == ("master", record["id"])

        appearance = artist_answer.artist_release(record, "master", LINKS, "Main")
        assert_valid(ArtistRelease, appearance)
        assert appearance["main_release"] == int(record["main_release"])
        assert appearance["resource_url"] == f"{BASE}/masters/{record['id']}"


@era_names
def test_artist_answers_carry_the_records_values(era: str) -> None:
    for record in sample_records(era, "artists"):
        answer = artist_answer.artist(record, LINKS)
        assert_valid(Artist, answer)
        assert answer["name"] == record["name"]
        assert answer.get("realname", "") == raw_text(record.get("realname"))
        assert answer["profile"] == raw_text(record.get("profile"))
        assert answer["urls"] == raw_items(record, "urls", "url")
        assert answer["namevariations"] == raw_items(record, "namevariations", "name")
        assert answer["releases_url"] == f"{BASE}/artists/{record['id']}/releases"
        for container in ("aliases", "members", "groups"):
            related = raw_items(record, container, "name")
            assert [a["id"] for a in answer[container]] == [int(a["id"]) for a in related]
            assert [a["name"] for a in answer[container]] == [raw_text(a) for a in related]
            assert all(a["resource_url"] == f"{BASE}/artists/{a['id']}" for a in answer[container])

        found = artist_answer.search_result(record, LINKS)
        assert_valid(SearchResult, found)
        assert (found["type"], found["title"]) == ("artist", record["name"])


@era_names
def test_label_answers_carry_the_records_values(era: str) -> None:
    for record in sample_records(era, "labels"):
        answer = label_answer.label(record, LINKS)
        assert_valid(Label, answer)
        assert answer["name"] == raw_text(record.get("name"))
        assert answer["profile"] == raw_text(record.get("profile"))
        assert answer["contact_info"] == raw_text(record.get("contactinfo"))
        assert answer["urls"] == [u for u in raw_items(record, "urls", "url") if u]
        sublabels = [s for s in raw_items(record, "sublabels", "label") if isinstance(s, dict)]
        assert [(s["id"], s["name"]) for s in answer["sublabels"]] == [
            (int(s["id"]), s["#text"]) for s in sublabels
        ]
        parent = record.get("parentLabel")
        if parent:
            assert answer["parent_label"] == {
                "id": int(parent["id"]),
                "name": parent["#text"],
                "resource_url": f"{BASE}/labels/{parent['id']}",
            }
        else:
            assert "parent_label" not in answer

        found = label_answer.search_result(record, LINKS)
        assert_valid(SearchResult, found)
        assert found["type"] == "label"
