"""The pipeline on a three-node RabbitMQ cluster against one broker, and what a node's death costs.

    uv run python bench/cluster_bench.py                 # 2 pairs, 3 kills of each kind
    uv run python bench/cluster_bench.py --pairs 3 --kills 5
    uv run python bench/cluster_bench.py --pairs 0 --whose tableinator-a   # one failover time only

Everything runs on this machine, on servers of the benchmark's own (the fault suite's: a private
PostgreSQL, a private single RabbitMQ node, and a private three-node cluster, tests/faults/), with
the fault suite's dump of 100,000 records (20,000 releases, 30,000 artists, 30,000 labels, 20,000
masters), one extractor and two tableinators, as tests/faults/test_cluster.py runs them.

- Rate: a single broker and the cluster alternate, ``--pairs`` times; each run is timed from the
  extractor's start until every record is in its table. The ratio cluster / single is per pair.
- Failover: ``--kills`` runs in which the node the extractor publishes to is killed (SIGKILL) with
  30 to 70 % of the records published, timed from the kill to the next record the broker confirms
  to the extractor (its /metrics, polled every 10 ms); and as many in which tableinator A's node
  is killed with 20 to 70 % stored, timed to the next message tableinator A acknowledges after
  its commit (its /metrics, polled every 10 ms): the first record it stored from a delivery on its
  new node. Each kind's times are printed with their median.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import httpx  # noqa: E402
from tests.faults.cluster import PrivateCluster, booting_cluster  # noqa: E402
from tests.faults.harness import Expected, Pipeline  # noqa: E402
from tests.faults.servers import PrivateServers, private_servers  # noqa: E402
from tests.faults.test_cluster import CLUSTER_DUMP, Services, wait_records  # noqa: E402
from tests.support.dumps import make_dump  # noqa: E402
from tests.support.servers import Servers  # noqa: E402

WHOSE = ("extractor", "tableinator-a")


def run_rate(
    dump: Path, work: Path, private: PrivateServers, urls: dict[str, str], expected: Expected
) -> float:
    """Records per second through the pipeline with each service on ``urls[name]``."""
    servers = Servers(
        postgres_address=private.postgres.servers().postgres_address, amqp_url=urls["extractor"]
    )
    pipeline = Pipeline(dump, work, servers)
    try:
        began = time.monotonic()
        for name in ("tableinator-a", "tableinator-b"):
            pipeline.start_service(name, ["tableinator"], AMQP_CONNECTION=urls[name])
        pipeline.start_extractor(AMQP_CONNECTION=urls["extractor"])
        pipeline.wait_all_stored(expected, 600)
        return expected.total / (time.monotonic() - began)
    finally:
        pipeline.close()


def acked_by(services: Services, name: str) -> int:
    """Messages a tableinator has acknowledged after their commit (its /metrics; -1 when it does
    not answer). A batch being written when its node died still commits, but its ack cannot
    reach the broker (the deliveries come again), so it is not counted: the next ack is of a
    record stored from a delivery on the new node."""
    try:
        text = services.get(name, "/metrics").text
    except httpx.HTTPError:
        return -1
    return sum(
        int(float(value))
        for value in re.findall(
            r'^discogsography_messages_total\{[^}]*outcome="acked"[^}]*\} (\S+)$', text, re.M
        )
    )


def run_kill(
    dump: Path, work: Path, private: PrivateServers, cluster: PrivateCluster, expected: Expected, whose: str
) -> float:
    """Seconds from the death of ``whose`` service's node to its next record published or stored."""
    servers = Servers(
        postgres_address=private.postgres.servers().postgres_address, amqp_url=cluster.url_list()
    )
    pipeline = Pipeline(dump, work, servers)
    services = Services(pipeline, cluster)
    try:
        services.start()
        went = services.wait_on_their_nodes()
        total = expected.total
        if whose == "extractor":
            read = services.published
            wait_records(read, int(total * 0.3), int(total * 0.7), "publishing under way")
        else:

            def read() -> int:
                return acked_by(services, whose)

            wait_records(services.stored, int(total * 0.2), int(total * 0.7), "records being stored")
        killed = time.monotonic()
        went[whose].kill()  # returns once the node's process is gone, its sockets with it
        before = read()  # what was counted on the old node, up to its death
        while read() <= before:
            if time.monotonic() - killed > 120:
                raise AssertionError(f"{whose}: nothing more after 120 s")
            time.sleep(0.01)
        elapsed = time.monotonic() - killed
        pipeline.wait_all_stored(expected, 600)
        return elapsed
    finally:
        pipeline.close()
        cluster.restore()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument(
        "--whose",
        choices=WHOSE,
        action="append",
        help="whose node is killed (repeatable; default: the extractor's, then tableinator A's)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as tmp, private_servers() as private:
        work = Path(tmp)
        with booting_cluster() as cluster:
            dump = make_dump(work / "dump", CLUSTER_DUMP, date="20300201", level=1)
            expected = Expected.of(dump)
            cluster.ready()
            single = {name: private.rabbitmq.url for name in ("extractor", "tableinator-a", "tableinator-b")}
            clustered = {
                "extractor": cluster.url_list(0),
                "tableinator-a": cluster.url_list(1),
                "tableinator-b": cluster.url_list(2),
            }
            ratios = []
            for pair in range(args.pairs):
                one = run_rate(dump, work / f"single{pair}", private, single, expected)
                three = run_rate(dump, work / f"cluster{pair}", private, clustered, expected)
                ratios.append(three / one)
                line = f"pair {pair + 1}: single broker {one:,.0f} records/s, cluster {three:,.0f} records/s"
                print(f"{line}, ratio {three / one:.2f}", flush=True)
            if ratios:
                listed = ", ".join(f"{ratio:.2f}" for ratio in ratios)
                print(f"cluster / single: {listed}; median {statistics.median(ratios):.2f}")
            for whose in args.whose or WHOSE:
                gaps = []
                for i in range(args.kills):
                    gaps.append(run_kill(dump, work / f"kill-{whose}-{i}", private, cluster, expected, whose))
                    print(f"{whose}'s node killed, run {i + 1}: {gaps[-1]:.2f} s", flush=True)
                what = "published" if whose == "extractor" else "stored"
                print(
                    f"{whose}'s node killed -> next record {what}: "
                    f"{', '.join(f'{g:.2f}' for g in gaps)} s; median {statistics.median(gaps):.2f} s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
