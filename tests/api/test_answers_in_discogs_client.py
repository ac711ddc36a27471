"""python3-discogs-client reads our answers as it reads the real API's: served from memory by its
own MemoryFetcher, so no server is needed."""

from __future__ import annotations

import json
from typing import Any

import discogs_client
from discogs_client.fetchers import MemoryFetcher

from discogsography.api import artist_answer, label_answer, master_answer, release_answer
from discogsography.api.answer_links import Links
from tests.api.answer_samples import sample_records

BASE = "http://127.0.0.1:8080"


def client_over(answers: dict[str, dict[str, Any]]) -> Any:
    client = discogs_client.Client("discogsography-tests")
    client._base_url = BASE
    client._fetcher = MemoryFetcher({url: (json.dumps(a).encode(), 200) for url, a in answers.items()})
    return client


def test_the_client_reads_a_release_its_master_artists_and_label() -> None:
    links = Links(BASE)
    record = sample_records("2020", "releases")[0]
    master_record = {"id": 1660109, "main_release": "1", "title": "Stockholm", "year": "1999"}
    artist_record = sample_records("2020", "artists")[0]
    label_record = next(r for r in sample_records("2020", "labels") if r["id"] == 5)
    client = client_over(
        {
            links.release(1): release_answer.release(record, links),
            links.master(1660109): master_answer.master(master_record, links, record),
            links.artist(artist_record["id"]): artist_answer.artist(artist_record, links),
            links.label(5): label_answer.label(label_record, links),
        }
    )
    release = client.release(1)
    assert release.title == "Stockholm"
    assert [a.name for a in release.artists] == ["The Persuader"]
    assert [label.name for label in release.labels] == ["Svek"]
    assert release.tracklist[0].title == "Östermalm"
    assert release.videos[0].duration == 296
    assert release.master.title == "Stockholm"
    assert [t.position for t in release.master.tracklist] == [t.position for t in release.tracklist]
    artist = client.artist(artist_record["id"])
    assert artist.name == artist_record["name"]
    assert client.label(5).name == "Svek"
    assert release.labels[0].name == "Svek"
