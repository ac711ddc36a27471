"""The reference app's one transformation: a repeated element of a record as a list."""

from __future__ import annotations

from reference_api import _items


def test_several_items_stay_a_list() -> None:
    record = {"genres": {"genre": ["Rock", "Pop"]}}
    assert _items(record, "genres", "genre") == ["Rock", "Pop"]


def test_one_item_becomes_a_list_of_one() -> None:
    record = {"labels": {"label": {"id": "5", "name": "Svek"}}}
    assert _items(record, "labels", "label") == [{"id": "5", "name": "Svek"}]


def test_an_absent_container_or_item_is_an_empty_list() -> None:
    assert _items({}, "styles", "style") == []
    assert _items({"styles": None}, "styles", "style") == []
    assert _items({"styles": {}}, "styles", "style") == []
