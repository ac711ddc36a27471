"""`pipeline` gives its services their usual health ports, or a free one when a port is taken."""

from __future__ import annotations

import socket

from discogsography.pipeline.pipeline_run import _health_port


def _free() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_port_asked_for_when_it_is_free() -> None:
    port = _free()
    assert _health_port("extractor", port) == port


def test_a_free_port_when_the_one_asked_for_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))  # as the services bind
        taken.listen()
        port = int(taken.getsockname()[1])
        chosen = _health_port("tableinator", port)
    assert chosen != port and chosen > 0


def test_zero_asks_for_any_free_port() -> None:
    assert _health_port("extractor", 0) > 0
