"""AMQP_CONNECTION with several nodes: reading the list, connecting to one that answers, moving
away from a node that went, and what a service says about the node it is on. The one live node
is the machine's RabbitMQ; the others are ports where nothing listens."""

from __future__ import annotations

import aio_pika
import pytest
import structlog

from discogsography.amqp.broker_check import check_broker
from discogsography.amqp.nodes import BrokerNodes, check_each, node_name
from discogsography.config.amqp_settings import AmqpSettings
from discogsography.config.settings_base import SettingsError, load
from discogsography.runtime import metrics
from discogsography.runtime.redact import redact_url
from tests.faults.servers import free_port
from tests.servers import server_unavailable
from tests.support.servers import AMQP_URL

pytestmark = pytest.mark.rabbitmq


def dead_url() -> str:
    """A node URL where nothing listens (a node that is down)."""
    return f"amqp://guest:s3cret@127.0.0.1:{free_port()}/"


async def live_nodes() -> None:
    try:
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
    except (OSError, aio_pika.exceptions.AMQPError, TimeoutError) as exc:
        server_unavailable(f"RabbitMQ at {redact_url(AMQP_URL)}", exc)
    await connection.close()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("amqp://u:s3cret@a:1/,http://u:s3cret@b:2/", "URL 2 of 2 must be an amqp:// or amqps:// URL"),
        ("amqp://u:s3cret@a:1/,,amqp://u:s3cret@b:2/", "URL 2 of 3 is empty"),
        ("amqp://u:s3cret@a:99999/", "the URL: Port out of range"),
        (" , ", "names no RabbitMQ URL"),
        ("amqp://u:s3cret@a:1/,amqp://", "URL 2 of 2 names no host"),
    ],
)
def test_a_bad_list_is_one_line_naming_the_variable_and_the_url_by_position(value: str, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load(AmqpSettings, amqp_connection=value)
    line = str(raised.value)
    assert line.startswith("invalid configuration: AMQP_CONNECTION: ") and message in line, line
    assert "s3cret" not in line and "\n" not in line


def test_one_url_or_several_are_read_in_order_blanks_ignored() -> None:
    assert BrokerNodes("amqp://a:1/").urls == ["amqp://a:1/"]
    nodes = BrokerNodes(" amqp://u:p@a:1/ , amqps://b/ ")
    assert nodes.urls == ["amqp://u:p@a:1/", "amqps://b/"]
    assert [node_name(url) for url in nodes.urls] == ["a:1", "b:5671"]
    assert nodes.describe() == "amqp://u:***@a:1/, amqps://b/"
    assert redact_url("amqp://u:p@a:1/,amqp://u:q@b:2/") == "amqp://u:***@a:1/,amqp://u:***@b:2/"


async def test_connects_to_a_node_that_answers_stays_there_and_moves_off_a_gone_one_with_one_failover_line() -> (
    None
):
    await live_nodes()
    dead = dead_url()
    served = metrics.activate("tableinator")
    nodes = BrokerNodes(f"{dead},{AMQP_URL}")
    with structlog.testing.capture_logs() as logs:
        connection = await nodes.connect(timeout=5)
        await connection.close()
        assert nodes.current == AMQP_URL and nodes.node == node_name(AMQP_URL)
        # The first connection of a service is no failover.
        assert not [e for e in logs if "failover" in e["event"]]
        # Brief connections stay on the node that works.
        connection = await nodes.connect(timeout=5)
        await connection.close()
        assert nodes.in_order()[0] == AMQP_URL
    text = served.render().decode()
    assert f'discogsography_broker_node{{node="{node_name(AMQP_URL)}"}} 1.0' in text
    assert f'discogsography_broker_node{{node="{node_name(dead)}"}} 0.0' in text

    # A service stays on its node while it answers; when it is gone, the next connection
    # goes to another, and the arrival there is logged once, however many connections follow.
    nodes.arrived(dead)
    assert nodes.in_order()[0] == dead
    with structlog.testing.capture_logs() as logs:
        for _ in range(3):
            connection = await nodes.connect(timeout=5)
            await connection.close()
    failovers = [e for e in logs if "failover" in e["event"]]
    assert failovers == [
        {
            "event": "🔀 RabbitMQ failover",
            "from_node": node_name(dead),
            "to_node": node_name(AMQP_URL),
            "log_level": "warning",
        }
    ]


async def test_no_node_answering_raises_what_the_last_one_said() -> None:
    nodes = BrokerNodes(f"{dead_url()},{dead_url()}")
    with pytest.raises(OSError):
        await nodes.connect(timeout=5)
    assert nodes.current is None


async def test_the_preflight_takes_a_cluster_with_one_node_up_and_names_the_others() -> None:
    await live_nodes()
    dead = dead_url()
    nodes = BrokerNodes(f"{AMQP_URL},{dead}")

    async def check(url: str) -> None:
        connection = await aio_pika.connect(url, timeout=5)
        await connection.close()

    failed = await check_each(nodes, check)
    assert [url for url, _ in failed] == [dead]
    with structlog.testing.capture_logs() as logs:
        await check_broker(f"{dead},{AMQP_URL}")
    [warning] = [e for e in logs if e["log_level"] == "warning"]
    assert list(warning["nodes"]) == [node_name(dead)]
    assert "s3cret" not in str(warning)
    with pytest.raises(Exception, match=r"RabbitMQ at amqp://guest:\*\*\*@"):
        await check_broker(f"{dead_url()},{dead_url()}")
