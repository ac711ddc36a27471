"""Discogs' pagination object, and where a page falls in lists served one after another."""

from __future__ import annotations

from discogsography.api.paging import Page, pagination
from discogsography.api.record_store import slices


def url(number: int) -> str:
    return f"u{number}"


def test_pages_of_a_list() -> None:
    assert Page(1, 10).pages(0) == 1
    assert Page(1, 10).pages(10) == 1
    assert Page(1, 10).pages(11) == 2
    assert Page(3, 7).offset == 14


def test_the_first_middle_last_and_beyond_pages() -> None:
    assert pagination(Page(1, 10), 25, url) == {
        "page": 1,
        "pages": 3,
        "per_page": 10,
        "items": 25,
        "urls": {"next": "u2", "last": "u3"},
    }
    assert pagination(Page(2, 10), 25, url)["urls"] == {
        "first": "u1",
        "prev": "u1",
        "next": "u3",
        "last": "u3",
    }
    assert pagination(Page(3, 10), 25, url)["urls"] == {"first": "u1", "prev": "u2"}
    # A page beyond the list points back at its last page.
    assert pagination(Page(9, 10), 25, url)["urls"] == {"first": "u1", "prev": "u3"}
    assert pagination(Page(1, 10), 0, url) == {"page": 1, "pages": 1, "per_page": 10, "items": 0, "urls": {}}


def test_a_page_across_two_lists() -> None:
    assert slices(Page(1, 5), [3, 10]) == [(0, 3, 0), (1, 2, 0)]
    assert slices(Page(2, 5), [3, 10]) == [(1, 5, 2)]
    assert slices(Page(3, 5), [3, 10]) == [(1, 3, 7)]
    assert slices(Page(4, 5), [3, 10]) == []
    assert slices(Page(1, 5), [0, 0, 2]) == [(2, 2, 0)]


def test_every_item_of_lists_is_on_exactly_one_page() -> None:
    for counts in ([0], [7], [3, 0, 5], [1, 1, 1, 1], [10, 10]):
        for per_page in (1, 2, 3, 5, 50):
            items = [(index, n) for index, count in enumerate(counts) for n in range(count)]
            seen = []
            for number in range(1, Page(1, per_page).pages(sum(counts)) + 2):
                for index, limit, offset in slices(Page(number, per_page), counts):
                    seen += [(index, n) for n in range(offset, offset + limit)]
            assert seen == items, (counts, per_page)
