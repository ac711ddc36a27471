"""Paged lists as SQL: a list is the ordered ids of its records; one query reads a page and the count.

Pure. Every list the API serves (a master's versions, an artist's or label's releases, each
kind's share of a search) is an ``IdList``: a query giving its records' ids in order, and the
table they are in. ``page`` reads the count (up to the item cap) and the page's records in one
statement, so the list's index or trigram condition is evaluated once per request, and only the
page's rows are read from the table. A list served after another (an artist's masters, then
their other releases; a search's kinds) is walked with ``PageWalk``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

# The capped ids are counted by a window over them, then the page is cut and joined to its rows.
_PAGE = sql.SQL(
    "SELECT r.data, page.total FROM (SELECT id, total FROM (SELECT id, count(*) OVER () AS total"
    " FROM ({ids} LIMIT %s) capped) counted ORDER BY id LIMIT %s OFFSET %s) page"
    " JOIN {table} r ON r.id = page.id ORDER BY r.id"
)
_COUNT = sql.SQL("SELECT count(*) FROM ({ids} LIMIT %s) capped")


@dataclass(frozen=True, slots=True)
class IdList:
    """A list: ``ids`` selects its records' ids as ``id``, in id order; they are rows of ``table``."""

    ids: sql.Composable
    params: tuple[Any, ...]
    table: str

    def page(self, limit: int, offset: int, cap: int) -> tuple[sql.Composed, tuple[Any, ...]]:
        """The page's records with the list's count (up to ``cap``) on each row."""
        query = _PAGE.format(ids=self.ids, table=sql.Identifier(self.table))
        return query, (*self.params, cap, limit, offset)

    def count(self, cap: int) -> tuple[sql.Composed, tuple[Any, ...]]:
        """The list's count up to ``cap``, for when the page holds no row to carry it."""
        return _COUNT.format(ids=self.ids), (*self.params, cap)


@dataclass(slots=True)
class PageWalk:
    """One page out of lists served one after another, each counted as it is read.

    ``ask`` says what to read of the next list: (limit, offset, cap), limit 0 when the page is
    full and only the count is wanted; None once the item cap is reached. ``took`` records what
    that list held and gave.
    """

    start: int
    wanted: int
    cap: int
    total: int = 0

    def ask(self) -> tuple[int, int, int] | None:
        left = self.cap - self.total
        if left <= 0:
            return None
        return self.wanted, self.start, left

    def took(self, count: int, got: int) -> None:
        self.total += count
        self.wanted -= got
        self.start = max(0, self.start - count)
