from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from discogsography.amqp.topology import Topology
from tests.extractor.helpers import delete_topology
from tests.support.dumps import make_dump
from tests.support.servers import AMQP_URL


@pytest.fixture(scope="session")
def amqp_url() -> str:
    return AMQP_URL


@pytest.fixture
def topology() -> Iterator[Topology]:
    """A queue/exchange name prefix of its own for each test, deleted afterwards."""
    topology = Topology(prefix=f"test-extractor-{uuid.uuid4().hex[:10]}-")
    yield topology
    asyncio.run(delete_topology(AMQP_URL, topology))


@pytest.fixture(scope="session")
def small_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 records per kind (real sample records, fresh ids), with a valid CHECKSUM."""
    return make_dump(tmp_path_factory.mktemp("dump") / "discogs-2099", 40)
