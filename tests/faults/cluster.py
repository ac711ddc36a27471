"""A three-node RabbitMQ cluster of the tests' own, on this machine (servers.py's node, three times).

The nodes are ``cluster<N>-<pid>@localhost``, each with its own AMQP and distribution ports, data
and log directories under one temporary directory, and one Erlang cookie for the three. Nodes 2
and 3 join node 1 (``stop_app``, ``join_cluster``, ``start_app``). Nothing of the machine's own
broker (its node, its port 5672, its cookie) is touched. ``restore`` brings back whatever a test
stopped or killed, so one cluster serves a whole module.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.faults.servers import READY_TIMEOUT, PrivateRabbit, free_port

SIZE = 3


@dataclass
class QuorumQueue:
    name: str
    leader: str  # the node, e.g. cluster1-123@localhost
    members: list[str]
    online: list[str]


@dataclass
class PrivateCluster:
    nodes: list[PrivateRabbit]

    def url_list(self, *first: int) -> str:
        """AMQP_CONNECTION naming every node, those at the positions ``first`` first."""
        order = [*first, *(i for i in range(len(self.nodes)) if i not in first)]
        return ",".join(self.nodes[i].url for i in order)

    def by_address(self, address: str) -> PrivateRabbit:
        """The node of a ``host:port`` as /health names it."""
        port = int(address.rpartition(":")[2])
        [node] = [node for node in self.nodes if node.port == port]
        return node

    def by_name(self, name: str) -> PrivateRabbit:
        [node] = [node for node in self.nodes if node.node == name]
        return node

    def running_nodes(self, via: PrivateRabbit | None = None) -> list[str]:
        """The cluster's running members as one running node sees them."""
        via = via or next(node for node in self.nodes if node.running)
        status = json.loads(via.ctl("cluster_status", "--formatter", "json").stdout)
        return sorted(status.get("running_nodes", []))

    def ready(self) -> None:
        """Every node answering, nodes 2 and 3 joined to node 1 (once)."""
        for node in self.nodes:
            node.wait_ready()
        if len(self.running_nodes()) < len(self.nodes):
            self.join()

    def join(self) -> None:
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", first.node)
            node.ctl("start_app")
            node.wait_ready()
        self.wait_whole()

    def wait_whole(self) -> None:
        names = sorted(node.node for node in self.nodes)
        deadline = time.monotonic() + READY_TIMEOUT
        while (seen := self.running_nodes()) != names:
            if time.monotonic() > deadline:
                raise AssertionError(f"the cluster did not come together: {seen} of {names}")
            time.sleep(0.2)

    def restore(self) -> None:
        """Every node running and in the cluster again (after a test killed or stopped some)."""
        for node in self.nodes:
            if not node.running:
                node.launch()
        for node in self.nodes:
            node.ensure_running()
        self.wait_whole()

    def quorum_queues(self, prefix: str) -> dict[str, QuorumQueue]:
        """The quorum queues whose names start with ``prefix``, with their leader and members."""
        via = next(node for node in self.nodes if node.running)
        rows: list[dict[str, Any]] = json.loads(
            via.ctl(
                "list_queues", "name", "type", "leader", "members", "online", "--formatter", "json"
            ).stdout
        )
        return {
            row["name"]: QuorumQueue(
                row["name"], row["leader"], sorted(row["members"]), sorted(row["online"])
            )
            for row in rows
            if row["name"].startswith(prefix) and row["type"] == "quorum"
        }

    def kill(self, *nodes: PrivateRabbit) -> None:
        """SIGKILL to several nodes at once (no client reaches one between the kills)."""
        for node in nodes:
            os.kill(node.beam_pid(), 9)
        for node in nodes:
            assert node.process is not None
            node.process.wait(timeout=READY_TIMEOUT)

    def stop(self) -> None:
        """Ends every node at once (SIGKILL: its data goes with the directory anyway)."""
        for node in self.nodes:
            if node.running:
                with contextlib.suppress(Exception):
                    node.kill()
        for node in self.nodes:
            if node.running:  # not booted far enough to have written its pid file
                node.stop()


@contextlib.contextmanager
def booting_cluster() -> Iterator[PrivateCluster]:
    """Three nodes launched in a fresh temporary directory, not yet answering nor joined
    (``ready`` does that), so that other work can run while they boot; at the end they are
    stopped and the directory removed."""
    directory = Path(tempfile.mkdtemp(prefix=f"dgtest-cluster-{os.getpid()}-"))
    cookie = secrets.token_hex(16).upper()
    nodes = []
    for number in range(1, SIZE + 1):
        home = directory / f"rabbit{number}"
        home.mkdir()
        nodes.append(
            PrivateRabbit(
                home, free_port(), free_port(), node=f"cluster{number}-{os.getpid()}@localhost", cookie=cookie
            )
        )
    cluster = PrivateCluster(nodes)
    try:
        for node in nodes:
            node.init()
            node.launch()  # the three boot at once
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
