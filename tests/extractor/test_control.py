"""The shared retryer and stop signal as the extractor uses them, and marker bookkeeping (no servers)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import pytest

from discogsography.amqp.topology import Topology
from discogsography.dumps.file_stats import FileStats
from discogsography.dumps.marker_book import MarkerBook
from discogsography.dumps.state_marker import StateMarker
from discogsography.extractor.startup_checks import wait_for_broker
from discogsography.runtime.retry import Stopped, retrying
from discogsography.runtime.stop_signal import StopSignal
from tests.support.waits import within


async def _tries(
    stop: StopSignal, attempts: int | None, fail: type[Exception], **kwargs: object
) -> list[float]:
    moments: list[float] = []
    async for attempt in retrying(stop, attempts=attempts, initial=0.01, **kwargs):  # type: ignore[arg-type]
        with attempt:
            moments.append(time.monotonic())
            raise fail("boom")
    return moments


def test_retrying_gives_up_after_its_tries_and_raises_the_error_itself() -> None:
    with pytest.raises(ConnectionError, match="boom"):
        asyncio.run(_tries(StopSignal(), 3, ConnectionError, worth_retrying=lambda exc: True))


def test_retrying_does_not_retry_what_is_not_worth_it() -> None:
    calls: list[BaseException] = []

    def worth(exc: BaseException) -> bool:
        calls.append(exc)
        return False

    with pytest.raises(ValueError):
        asyncio.run(_tries(StopSignal(), None, ValueError, worth_retrying=worth))
    assert len(calls) == 1


def test_a_stop_ends_an_endless_retry_without_waiting_out_the_backoff() -> None:
    async def run() -> None:
        stop = StopSignal()
        asyncio.get_running_loop().call_later(0.2, stop.set)  # during the first backoff
        with pytest.raises(Stopped):
            async for attempt in retrying(stop, attempts=None, initial=30.0, worth_retrying=lambda exc: True):
                with attempt:
                    raise ConnectionError("down")

    # The first backoff is 30 s: returning within the 10 s wait limit means the stop cut it short.
    asyncio.run(within(run(), 10, "the retry loop after a stop"))


def test_waiting_for_a_closed_port_returns_false_on_stop() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again once the block ends

    async def run() -> bool:
        stop = StopSignal()
        asyncio.get_running_loop().call_later(0.5, stop.set)
        return await wait_for_broker(
            f"amqp://guest:guest@127.0.0.1:{port}/", Topology("x-"), stop, attempts=None, initial=0.05
        )

    assert asyncio.run(within(run(), 10, "waiting for the broker after a stop")) is False


def test_the_book_saves_every_change_it_makes(tmp_path: Path) -> None:
    book = MarkerBook.open(tmp_path, "20991201")
    name = "discogs_20991201_labels.xml.gz"
    stats = FileStats(records_read=7, records_published=7, messages_published=1, new=7)
    steps = [
        lambda: book.start_download(4),
        lambda: book.start_file_download(name),
        lambda: book.file_downloaded(name, 123),
        book.complete_download,
        lambda: book.start_processing(4),
        lambda: book.start_file(name, "full", None),
        lambda: book.file_progress(name, "full", None, stats),
        lambda: book.complete_file(name, "full", None, stats),
        lambda: book.completion_sent(name),
        book.complete_extraction,
    ]
    for step in steps:
        step()
        saved = StateMarker.load(StateMarker.path_for(tmp_path, "20991201"))
        assert saved is not None
        assert json.loads(saved.model_dump_json()) == json.loads(book.marker.model_dump_json())
    assert book.is_complete and book.entry(name).completion_sent and book.entry(name).new == 7
    reopened = MarkerBook.open(tmp_path, "20991201")
    assert reopened.is_complete
    assert not MarkerBook.open(tmp_path, "20991201", fresh=True).is_complete
