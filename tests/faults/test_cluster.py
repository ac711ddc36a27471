"""The pipeline on a three-node RabbitMQ cluster loses a node, not a record.

One cluster (cluster.py) serves the module; every test brings back what it stopped or killed.
Each fault runs on a dump of 100,000 records in all (20,000 releases, 30,000 artists, 30,000
labels, 20,000 masters) with one extractor and two tableinators, each given the nodes in another
order so that each starts on a node of its own: the extractor on node 1, tableinator A on node 2,
tableinator B on node 3 (their /health says so, and the test reads it there). After each fault:
the tables equal a fresh ``load`` of the dump (a digest of every row of every table), every
record is stored once with its hash, no dead letters, nothing left in the queues, the marker says
completed, and each service whose node went logged its failover exactly once (the others none).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import psycopg
import pytest

from discogsography.amqp.topology import Topology, remove_prefix
from discogsography.extractor.publish_channel import check_broker
from discogsography.extractor.publisher import FilePublisher, PublishOptions
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser
from tests.faults.cluster import PrivateCluster, booting_cluster
from tests.faults.harness import Expected, Pipeline, verify
from tests.faults.report import OpenScenario, Scenario
from tests.faults.servers import PrivateRabbit, PrivateServers, free_port
from tests.support.dumps import make_dump
from tests.support.servers import Servers
from tests.support.waits import wait_for
from tests.support.waits import wait_for_async as wait_async
from tests.tableinator.tableinator_helpers import publish_records, running, service_settings

pytestmark = [pytest.mark.cluster, pytest.mark.faults, pytest.mark.postgres, pytest.mark.rabbitmq]

# 100,000 records in all: the minimum, counted across the four kinds.
# Releases cost PostgreSQL the most (link tables, seven indexes): a fifth of the records.
CLUSTER_DUMP = {"releases": 20_000, "artists": 30_000, "labels": 30_000, "masters": 20_000}
FAILOVER = "RabbitMQ failover"
SERVICES = ("extractor", "tableinator-a", "tableinator-b")
FIRST_NODE = {"extractor": 0, "tableinator-a": 1, "tableinator-b": 2}
SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "discogs_20200806"


@pytest.fixture(scope="module")
def booting() -> Iterator[PrivateCluster]:
    """The nodes, launched first: they boot while the dump is made."""
    with booting_cluster() as launched:
        yield launched


@pytest.fixture(scope="module")
def cluster(booting: PrivateCluster) -> PrivateCluster:
    booting.ready()
    return booting


@pytest.fixture
def whole_cluster(cluster: PrivateCluster) -> Iterator[PrivateCluster]:
    """The module's cluster, whole at the start of the test and brought back whole after it."""
    cluster.restore()
    yield cluster
    cluster.restore()


@pytest.fixture(scope="module")
def cluster_dump(tmp_path_factory: pytest.TempPathFactory, booting: PrivateCluster) -> Path:
    return make_dump(tmp_path_factory.mktemp("dump100k"), CLUSTER_DUMP, date="20300201", level=1)


@pytest.fixture(scope="module")
def cluster_expected(cluster_dump: Path) -> Expected:
    return Expected.of(cluster_dump)


@pytest.fixture(scope="module")
def fresh_load(cluster_dump: Path, private: PrivateServers) -> dict[str, str]:
    """The row digests of every table after a plain ``load`` of the dump (no broker)."""
    servers = private.postgres.servers()
    database = "dgtest_cluster_fresh_load"
    servers.drop_database(database)
    conninfo = servers.create_database(database)
    try:
        subprocess.run(
            [sys.executable, "-m", "discogsography", "load", *map(str, sorted(cluster_dump.glob("*.xml.gz"))),
             "--database-url", conninfo, "--no-progress"],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        return table_digests(conninfo)
    finally:
        servers.drop_database(database)


@pytest.fixture
def cluster_pipeline(
    cluster_dump: Path, tmp_path: Path, private: PrivateServers, whole_cluster: PrivateCluster
) -> Iterator[Pipeline]:
    servers = Servers(
        postgres_address=private.postgres.servers().postgres_address, amqp_url=whole_cluster.url_list()
    )
    run = Pipeline(cluster_dump, tmp_path, servers)
    try:
        yield run
    finally:
        run.close()


# Bookkeeping of how the tables were filled, not data: migrations applied (with their times)
# and ``load``'s resume state.
NOT_DATA = {"schema_version", "load_state"}


def table_digests(conninfo: str) -> dict[str, str]:
    """Per data table, an md5 over the md5 of every row (all columns but ``updated_at``), in row
    order, and the row count."""
    digests = {}
    with psycopg.connect(conninfo) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        for table in tables:
            if table in NOT_DATA:
                continue
            columns = [
                row[0]
                for row in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name = %s AND column_name <> 'updated_at' ORDER BY ordinal_position",
                    (table,),
                )
            ]
            listed = ", ".join(f'"{column}"' for column in columns)
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
                f'FROM (SELECT md5(r::text) AS h FROM (SELECT {listed} FROM "{table}") r) d'
            ).fetchone()
            assert row is not None
            digests[table] = f"{row[0]} rows, {row[1]}"
    return digests


# --- the services ---------------------------------------------------------------------------


class Services:
    """The extractor and the two tableinators of one test, each on its own health port."""

    def __init__(self, pipeline: Pipeline, cluster: PrivateCluster) -> None:
        self.pipeline = pipeline
        self.cluster = cluster
        self.ports = {name: free_port() for name in SERVICES}
        self._published = 0

    def env(self, name: str) -> dict[str, str]:
        return {
            "AMQP_CONNECTION": self.cluster.url_list(FIRST_NODE[name]),
            "HEALTH_CHECK_PORT": str(self.ports[name]),
        }

    def start(self) -> None:
        self.pipeline.start_service("tableinator-a", ["tableinator"], **self.env("tableinator-a"))
        self.pipeline.start_service("tableinator-b", ["tableinator"], **self.env("tableinator-b"))
        self.pipeline.start_extractor(**self.env("extractor"))

    def get(self, name: str, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.ports[name]}{path}", timeout=5)

    def node(self, name: str) -> PrivateRabbit | None:
        """The node the service's /health names (None before it connected or when it cannot answer)."""
        try:
            address = self.get(name, "/health").json().get("broker_node")
        except (httpx.HTTPError, ValueError):
            return None
        return self.cluster.by_address(address) if address else None

    def published(self) -> int:
        """Records the broker has confirmed to the extractor (its /metrics; the last reading
        again when it does not answer this time)."""
        try:
            text = self.get("extractor", "/metrics").text
        except httpx.HTTPError:
            return self._published
        self._published = sum(
            int(float(value))
            for value in re.findall(
                r'^discogsography_records_total\{[^}]*service="extractor"[^}]*\} (\S+)$', text, re.M
            )
        )
        return self._published

    def process(self, name: str) -> subprocess.Popen[bytes]:
        process = self.pipeline.extractor if name == "extractor" else self.pipeline.others[name]
        assert process is not None
        return process

    def state(self, name: str) -> str:
        """What a service is doing, for a failed wait: exit status, /health, its last log lines."""
        try:
            health = self.get(name, "/health").text[:300]
        except httpx.HTTPError as exc:
            health = f"no answer ({type(exc).__name__})"
        tail = self.pipeline.log_text(name).splitlines()[-8:]
        return "\n  ".join([f"{name}: exit status {self.process(name).poll()}, /health {health}", *tail])

    def stored(self) -> int:
        return sum(self.pipeline.row_count(kind) for kind in Kind)

    def wait_on_their_nodes(self) -> dict[str, PrivateRabbit]:
        """Until each service has connected: each on the node its list names first."""
        where: dict[str, PrivateRabbit] = {}

        def connected() -> bool:
            # Each as first seen: the extractor may be done and gone before a tableinator connects.
            for name in SERVICES:
                if name not in where and (node := self.node(name)) is not None:
                    where[name] = node
                elif name not in where and self.process(name).poll() is not None:
                    raise AssertionError(f"{name} ended before it connected:\n{self.state(name)}")
            return len(where) == len(SERVICES)

        try:
            wait_for(connected, 120, "every service connected (its /health naming a node)")
        except AssertionError as exc:
            waiting = "\n".join(self.state(name) for name in SERVICES if name not in where)
            raise AssertionError(f"{exc}; still waiting:\n{waiting}") from None
        nodes = dict(where)
        assert {name: node.node for name, node in nodes.items()} == {
            name: self.cluster.nodes[FIRST_NODE[name]].node for name in SERVICES
        }
        return nodes

    def finish(self, expected: Expected) -> None:
        pipeline = self.pipeline
        assert pipeline.wait_extractor() == 0, pipeline.warnings("extractor")
        pipeline.wait_all_stored(expected, 300)
        wait_for(
            lambda: pipeline.queue_depths()[pipeline.topology.queue(Kind.RELEASES)] == 0, 60, "drained queues"
        )
        for name in ("tableinator-a", "tableinator-b"):
            assert pipeline.stop(pipeline.others[name]) == 0, pipeline.warnings(name)

    def failovers(self) -> dict[str, int]:
        return {name: self.pipeline.log_text(name).count(FAILOVER) for name in SERVICES}


def wait_records(read: Callable[[], int], low: int, high: int, what: str) -> int:
    """Until ``low <= read() < high``; returns the reading (polled every 20 ms)."""
    seen = [0]

    def between() -> bool:
        seen[0] = read()
        return low <= seen[0] < high

    wait_for(between, 120, what, 0.02)
    return seen[0]


def holds_still(read: Callable[[], int], span: float, timeout: float, what: str) -> int:
    """Until ``read()`` has not changed for ``span`` seconds; returns the value it held."""
    deadline = time.monotonic() + timeout
    value, since = read(), time.monotonic()
    while time.monotonic() - since < span:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)
        now = read()
        if now != value:
            value, since = now, time.monotonic()
    return value


def check_after(
    entry: Scenario,
    services: Services,
    expected: Expected,
    fresh_load: dict[str, str],
    went: dict[str, PrivateRabbit],
    lost: set[str],
) -> None:
    """The promises after a fault: verify's, the tables equal to a fresh load, one failover line
    for each service whose node went, none for the others."""
    pipeline = services.pipeline
    entry.check(*verify(pipeline, expected))
    assert table_digests(pipeline.conninfo) == fresh_load
    entry.check("every table equals a fresh `load` of the dump (a digest of every row, `updated_at` aside)")
    wanted = {name: int(went[name].node in lost) for name in SERVICES}
    assert services.failovers() == wanted, {name: pipeline.warnings(name) for name in SERVICES}
    entry.check("each service whose node went logged `🔀 RabbitMQ failover` exactly once; the others never")


# --- the tests -------------------------------------------------------------------------------


def test_queues_are_quorum_queues_with_a_replica_on_each_node(whole_cluster: PrivateCluster) -> None:
    topology = Topology("dgtest-cluster-members-")
    asyncio.run(check_broker(whole_cluster.url_list(), topology))
    queues = whole_cluster.quorum_queues(topology.prefix)
    names = sorted(node.node for node in whole_cluster.nodes)
    assert sorted(queues) == sorted(
        name for kind in Kind for name in (topology.queue(kind), topology.dead_letter_queue(kind))
    )
    for queue in queues.values():
        assert queue.members == names, queue
        assert queue.online == names, queue
    asyncio.run(remove_prefix(whole_cluster.url_list(), topology.prefix))


async def test_a_consumer_whose_channel_the_broker_closes_is_attached_again(
    whole_cluster: PrivateCluster,
    private: PrivateServers,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A consumer can stop while its connection stays up: the broker closes its channel (a
    channel error; after a loss of majority, the client closes it when a basic.get times out).
    The tableinator attaches the kind again on a fresh channel of the same connection, says so
    once, and stores what comes next; nothing is dead-lettered."""
    servers = private.postgres.servers()
    database = f"dgtest_cluster_lost_{os.getpid()}"
    servers.drop_database(database)
    conninfo = servers.create_database(database)
    topology = Topology(f"dgtest-cluster-lost-{os.getpid()}-")
    lines = [parsed.json for parsed in DumpParser(next(SAMPLES.glob("*_labels.xml.gz")))][:600]
    settings = service_settings(
        database,
        topology.prefix,
        postgres_address=servers.postgres_address,
        postgres_username=servers.postgres_user,
        amqp_connection=whole_cluster.url_list(),
    )

    def stored() -> int:
        with psycopg.connect(conninfo) as conn:
            row = conn.execute("SELECT count(*) FROM labels").fetchone()
        return int(row[0]) if row else 0

    try:
        async with running(settings) as service:
            consumer = service.consumers[Kind.LABELS]
            node = service.broker.nodes.node
            connection = await aio_pika.connect(whole_cluster.nodes[0].url)
            try:
                channel = await connection.channel()
                await publish_records(channel, topology, Kind.LABELS, lines[:300])
                await wait_async(lambda: stored() == 300, 60, "the first records stored")
                held = consumer.binding.channel
                with contextlib.suppress(aio_pika.exceptions.ChannelClosed):
                    await held.declare_queue(f"{topology.prefix}no-such-queue", passive=True)
                assert held.is_closed  # the broker closed the consumer's channel (404)
                await publish_records(channel, topology, Kind.LABELS, lines[300:])
                await wait_async(lambda: stored() == 600, 60, "records stored after the channel closed")
                assert consumer.binding.channel not in (None, held)
                assert service.broker.nodes.node == node  # no failover: the connection stayed up
                assert service.broker.connected
                assert consumer.stats.dead_lettered == 0
            finally:
                await connection.close()
        # The service runs in this process, so its lines go where the suite's logging setup left
        # them (stdout, stderr, or only the logging module's records): once in whichever has them.
        captured = capsys.readouterr()
        sinks = (captured.out, captured.err, caplog.text)
        assert max(sink.count("RabbitMQ stopped a consumer, consuming again") for sink in sinks) == 1
    finally:
        await remove_prefix(whole_cluster.nodes[0].url, topology.prefix)  # the service stopped first
        servers.drop_database(database)


def test_a_file_complete_whose_node_died_is_sent_on_another_node(whole_cluster: PrivateCluster) -> None:
    """The node the extractor publishes to dies between a file's last record and its
    file_complete: the publish meets a channel closed with its connection, and the
    file_complete goes to another node (it used to wait for the next cycle)."""
    topology = Topology(f"dgtest-cluster-complete-{os.getpid()}-")
    path = next(SAMPLES.glob("*_labels.xml.gz"))

    async def publish_and_lose_the_node() -> tuple[int, list[str | None]]:
        await check_broker(whole_cluster.url_list(), topology)
        publisher = FilePublisher(
            path, path.name, whole_cluster.url_list(), topology, PublishOptions(), stop=threading.Event()
        )
        async with publisher:
            stats = await publisher.publish_records()
            node = whole_cluster.by_address(publisher.nodes.node or "")
            node.kill()
            exchange: Any = publisher._exchange  # of the connection to the node killed
            await wait_async(
                lambda: exchange.channel.is_closed, 30, "the publishing channel closed with its node"
            )
            await publisher.send_file_complete(stats.records_published, version="20200806")
            assert publisher.nodes.node != node.node
        connection = await aio_pika.connect(whole_cluster.by_address(publisher.nodes.node or "").url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.get_queue(topology.queue(Kind.LABELS))
            types = []
            while (message := await queue.get(no_ack=True, fail=False)) is not None:
                types.append(message.type)
        return stats.messages_published, types

    try:
        published, types = asyncio.run(publish_and_lose_the_node())
    finally:
        whole_cluster.restore()
        asyncio.run(remove_prefix(whole_cluster.url_list(), topology.prefix))
    assert types.count("file_complete") == 1
    assert len(types) == published + 1


def run_with_fault(
    pipeline: Pipeline,
    cluster: PrivateCluster,
    expected: Expected,
    fresh_load: dict[str, str],
    entry: Scenario,
    fault: Callable[[Services, dict[str, PrivateRabbit]], set[str]],
) -> None:
    """Start the three services, let ``fault`` strike (it returns the nodes it took down for
    good, by name), let the load finish, check."""
    services = Services(pipeline, cluster)
    services.start()
    went = services.wait_on_their_nodes()
    lost = fault(services, went)
    services.finish(expected)
    # The nodes come back before the check: a quorum queue keeps the consumers of a node it
    # cannot reach (suspected down) until that node tells it they are gone.
    cluster.restore()
    check_after(entry, services, expected, fresh_load, went, lost)


def test_the_node_the_extractor_publishes_to_is_killed_mid_file(
    cluster_pipeline: Pipeline,
    whole_cluster: PrivateCluster,
    cluster_expected: Expected,
    fresh_load: dict[str, str],
    scenario: OpenScenario,
) -> None:
    entry = scenario(
        "Cluster: the extractor's node killed mid-file",
        "SIGKILL to the RabbitMQ node the extractor publishes to (one of three), while it publishes "
        "the dump; two tableinators consume from the other nodes.",
    )

    def fault(services: Services, went: dict[str, PrivateRabbit]) -> set[str]:
        total = cluster_expected.total
        before = wait_records(services.published, int(total * 0.3), int(total * 0.7), "publishing under way")
        node = went["extractor"]
        node.kill()
        entry.saw(
            "killed with 30 to 70 % of the records published (the extractor's /metrics counting "
            "confirmed records)"
        )
        wait_for(lambda: services.published() > before, 120, "publishing again")
        moved = services.node("extractor")
        assert moved is not None and moved.node != node.node
        entry.saw("the extractor went on publishing on another node (its /health names it)")
        return {node.node}

    run_with_fault(cluster_pipeline, whole_cluster, cluster_expected, fresh_load, entry, fault)


def test_the_node_a_tableinator_consumes_from_is_killed_mid_file(
    cluster_pipeline: Pipeline,
    whole_cluster: PrivateCluster,
    cluster_expected: Expected,
    fresh_load: dict[str, str],
    scenario: OpenScenario,
) -> None:
    entry = scenario(
        "Cluster: a tableinator's node killed mid-file",
        "SIGKILL to the RabbitMQ node tableinator A consumes from (one of three) while the records "
        "are being stored; the extractor and tableinator B are on the other nodes.",
    )

    def fault(services: Services, went: dict[str, PrivateRabbit]) -> set[str]:
        total = cluster_expected.total
        wait_records(services.stored, int(total * 0.2), int(total * 0.7), "records being stored")
        node = went["tableinator-a"]
        node.kill()
        entry.saw("killed with 20 to 70 % of the records stored")
        wait_for(
            lambda: (services.node("tableinator-a") or node).node != node.node, 120, "tableinator A moved"
        )
        entry.saw(
            "tableinator A connected to another node by itself (its /health names it); what it held "
            "unacknowledged came back to the queues and was stored once"
        )
        return {node.node}

    run_with_fault(cluster_pipeline, whole_cluster, cluster_expected, fresh_load, entry, fault)


def test_the_releases_queue_leader_is_killed(
    cluster_pipeline: Pipeline,
    whole_cluster: PrivateCluster,
    cluster_expected: Expected,
    fresh_load: dict[str, str],
    scenario: OpenScenario,
) -> None:
    entry = scenario(
        "Cluster: the releases queue's leader killed",
        "SIGKILL to the node that leads the releases quorum queue, while the dump is published and "
        "stored; the services on that node, whichever they are, move.",
    )
    releases = cluster_pipeline.topology.queue(Kind.RELEASES)

    def fault(services: Services, went: dict[str, PrivateRabbit]) -> set[str]:
        total = cluster_expected.total
        wait_records(services.published, int(total * 0.3), int(total * 0.9), "publishing under way")
        leader = whole_cluster.by_name(whole_cluster.quorum_queues(releases)[releases].leader)
        leader.kill()
        new: list[str] = []

        def elected() -> bool:
            queue = whole_cluster.quorum_queues(releases).get(releases)
            new[:] = [queue.leader] if queue is not None else []
            return bool(new) and new[0] != leader.node

        wait_for(elected, 120, "a new leader of the releases queue")
        entry.saw("the queue elected a new leader among the two nodes left")
        return {leader.node}

    run_with_fault(cluster_pipeline, whole_cluster, cluster_expected, fresh_load, entry, fault)


@contextlib.contextmanager
def holding_writes(conninfo: str) -> Iterator[None]:
    """PostgreSQL takes no more rows into the kinds' tables until the block ends (a lock the
    tableinators' writes wait for; reads go on), then takes them again: the tableinators go on
    consuming and hold what they were delivered, unacknowledged, as during a slow commit."""
    with psycopg.connect(conninfo) as conn:  # one transaction: the lock is held until it ends
        tables = ", ".join(kind.value for kind in Kind)
        conn.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.rollback()


def test_a_node_stopped_then_restarted_rejoins_while_the_load_goes_on(
    cluster_pipeline: Pipeline,
    whole_cluster: PrivateCluster,
    cluster_expected: Expected,
    fresh_load: dict[str, str],
    scenario: OpenScenario,
) -> None:
    entry = scenario(
        "Cluster: a node stopped, restarted, rejoining",
        "The node tableinator B consumes from is stopped the way an operator stops it (`rabbitmqctl "
        "stop`: its clients are told the connection is closed) while the dump is published and stored; "
        "the node is started again at once and rejoins the cluster during the load (the other scenarios "
        "kill their nodes with SIGKILL). From the stop until "
        "the node is back PostgreSQL holds the tableinators' writes (a lock on the kinds' tables), so "
        "that the restart falls inside the load however fast this machine stores.",
    )

    def fault(services: Services, went: dict[str, PrivateRabbit]) -> set[str]:
        total = cluster_expected.total
        wait_records(services.stored, 1, int(total * 0.3), "records being stored")
        node = went["tableinator-b"]
        with holding_writes(services.pipeline.conninfo):
            stored = services.stored()
            node.stop()
            wait_for(
                lambda: (services.node("tableinator-b") or node).node != node.node, 120, "tableinator B moved"
            )
            entry.saw("tableinator B moved to another node by itself (its /health names it)")
            node.start()
            whole_cluster.wait_whole()
            assert services.stored() == stored < total
        entry.saw(
            "the node was started again and back in the cluster with records still to store "
            "(writes held meanwhile: the restart lands inside the load on any machine)"
        )
        wait_for(lambda: services.stored() > stored, 120, "records stored after the restart")
        prefix = services.pipeline.topology.prefix

        def replicas_online() -> bool:
            queues = whole_cluster.quorum_queues(prefix).values()
            return len(queues) == 8 and all(node.node in queue.online for queue in queues)

        wait_for(replicas_online, 120, "every queue's replica on the restarted node online")
        entry.saw(
            "the restarted node was a running member of the cluster again, and every queue's replica on it online"
        )
        return {node.node}

    run_with_fault(cluster_pipeline, whole_cluster, cluster_expected, fresh_load, entry, fault)


def test_two_of_three_nodes_down_publishing_blocks_then_resumes(
    cluster_pipeline: Pipeline,
    whole_cluster: PrivateCluster,
    cluster_expected: Expected,
    fresh_load: dict[str, str],
    scenario: OpenScenario,
) -> None:
    entry = scenario(
        "Cluster: two of three nodes down (no quorum)",
        "SIGKILL to two of the three nodes (the extractor's and tableinator A's) mid-file; after a "
        "while one of them is started again, the other later.",
    )

    def fault(services: Services, went: dict[str, PrivateRabbit]) -> set[str]:
        total = cluster_expected.total
        wait_records(services.published, int(total * 0.3), int(total * 0.7), "publishing under way")
        first, second = went["extractor"], went["tableinator-a"]
        whole_cluster.kill(first, second)
        survivor = went["tableinator-b"]
        wait_for(
            lambda: services.node("extractor") is survivor and services.node("tableinator-a") is survivor,
            120,
            "the extractor and tableinator A on the one node left",
        )
        held = holds_still(services.published, 3.0, 120, "publishing to stop (no quorum)")
        assert held < total and services.pipeline.extractor is not None
        assert services.pipeline.extractor.poll() is None
        entry.saw(
            "with one node of three the extractor, on the node left, had nothing more confirmed "
            "(its confirmed count held still for 3 s mid-file, the process still running)"
        )
        second.start()
        wait_for(lambda: services.published() > held, 180, "publishing again")
        entry.saw("once a second node was back (a quorum again), publishing resumed by itself")
        first.launch()  # it boots while the load goes on; the cluster is whole again before the checks
        return {first.node, second.node}

    run_with_fault(cluster_pipeline, whole_cluster, cluster_expected, fresh_load, entry, fault)
