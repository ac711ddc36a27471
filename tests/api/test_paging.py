"""Discogs' pagination object, and where a page falls in lists served one after another."""

from __future__ import annotations

from discogsography.api.list_query import PageWalk
from discogsography.api.paging import Page, pagination


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


def read_page(counts: list[int], page: Page, cap: int) -> tuple[int, list[tuple[int, int]]]:
    """What the record store does with a PageWalk, over lists of ``counts`` items."""
    walk = PageWalk(page.offset, page.per_page, cap)
    got: list[tuple[int, int]] = []
    for index, count in enumerate(counts):
        asked = walk.ask()
        if asked is None:
            break
        limit, offset, left = asked
        held = min(count, left)
        records = list(range(offset, min(offset + limit, held)))
        walk.took(held, len(records))
        got += [(index, n) for n in records]
    return walk.total, got


def test_a_page_across_two_lists() -> None:
    assert read_page([3, 10], Page(1, 5), 100) == (13, [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)])
    assert read_page([3, 10], Page(2, 5), 100) == (13, [(1, n) for n in range(2, 7)])
    assert read_page([3, 10], Page(3, 5), 100) == (13, [(1, n) for n in range(7, 10)])
    assert read_page([3, 10], Page(4, 5), 100) == (13, [])
    assert read_page([0, 0, 2], Page(1, 5), 100) == (2, [(2, 0), (2, 1)])
    # The cap counts the lists together: the second list is read only up to what is left.
    assert read_page([8, 10], Page(2, 5), 10) == (10, [(0, 5), (0, 6), (0, 7), (1, 0), (1, 1)])


def test_every_item_of_lists_is_on_exactly_one_page() -> None:
    for counts in ([0], [7], [3, 0, 5], [1, 1, 1, 1], [10, 10]):
        for per_page in (1, 2, 3, 5, 50):
            items = [(index, n) for index, count in enumerate(counts) for n in range(count)]
            seen: list[tuple[int, int]] = []
            for number in range(1, Page(1, per_page).pages(sum(counts)) + 2):
                total, got = read_page(counts, Page(number, per_page), 1000)
                assert total == sum(counts)
                seen += got
            assert seen == items, (counts, per_page)
