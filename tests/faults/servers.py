"""A PostgreSQL and a RabbitMQ of the fault suite's own, so that restarting them harms nobody.

Both live in one temporary directory (data, logs, configuration), listen on free ports of
127.0.0.1, and are started once per session and removed at its end. The suite runs beside any
other test on the machine: it never touches the shared servers (5432, 5672) or their nodes.

PostgreSQL: initdb and pg_ctl of the installed major version, trust authentication, fsync off.
As root, the server runs as the ``postgres`` user (PostgreSQL refuses root).
RabbitMQ: a node of its own (``fault-<pid>@localhost``, its own Erlang cookie under the
directory), no plugins. A broker outage is ``stop_app`` then ``start_app``: about 2 s, where a
node start takes about 5.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import psycopg

from tests.support.servers import Servers

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
READY_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else POSTGRES_BIN


def _wait(check: Callable[[], None], what: str, timeout: float = READY_TIMEOUT) -> None:
    """Until ``check()`` returns without raising; the last error is in the timeout's message."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not answer within {timeout:.0f} s: {exc}") from exc
            time.sleep(0.2)


@dataclass
class PrivatePostgres:
    directory: Path
    port: int

    def __post_init__(self) -> None:
        self.bin = _postgres_bin()
        self.data = self.directory / "data"
        self.log = self.directory / "postgresql.log"
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, timeout=READY_TIMEOUT, user=self.user)

    def _options(self) -> str:
        return (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.directory}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )

    def init(self) -> None:
        if self.user is not None:
            shutil.chown(self.directory, self.user, self.user)
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync", "--locale=C.UTF-8",
        )  # fmt: skip

    def pg_ctl(self, *args: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *args)

    def start(self) -> None:
        self.pg_ctl("-o", self._options(), "start")
        self.wait_ready()

    def restart(self) -> None:
        """A fast restart (open connections are cut), then wait until it answers again."""
        try:
            self.pg_ctl("-o", self._options(), "-m", "fast", "restart")
        finally:
            self.ensure_running()

    def ensure_running(self) -> None:
        status = [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        if subprocess.run(status, check=False, capture_output=True, user=self.user).returncode != 0:
            self.pg_ctl("-o", self._options(), "start")
        self.wait_ready()

    def wait_ready(self) -> None:
        def connect() -> None:
            with psycopg.connect(self.servers().conninfo(), connect_timeout=5) as conn:
                conn.execute("SELECT 1")

        _wait(connect, f"the private PostgreSQL on port {self.port}")

    def stop(self) -> None:
        self.pg_ctl("-m", "immediate", "stop")

    def servers(self) -> Servers:
        return Servers(postgres_address=f"127.0.0.1:{self.port}")


@dataclass
class PrivateRabbit:
    directory: Path
    port: int
    dist_port: int
    node: str = ""  # default: fault-<pid>@localhost
    cookie: str | None = None  # the Erlang cookie, when nodes must share one (a cluster)

    def __post_init__(self) -> None:
        self.node = self.node or f"fault-{os.getpid()}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self.output = self.directory / "server.out"
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        d = self.directory
        return {
            **os.environ,
            "HOME": str(d),  # the Erlang cookie of this node and its rabbitmqctl
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(d / "mnesia"),
            "RABBITMQ_LOG_BASE": str(d / "log"),
            "RABBITMQ_CONFIG_FILE": str(d / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(d / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(d / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(d / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(d / "rabbitmq.pid"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def init(self) -> None:
        d = self.directory
        (d / "mnesia").mkdir()
        (d / "log").mkdir()
        (d / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\nloopback_users.guest = true\n"
        )
        (d / "rabbitmq-env.conf").write_text("")
        (d / "enabled_plugins").write_text("[].\n")
        if self.cookie is not None:  # HOME is the directory: the node and its rabbitmqctl read it
            cookie = d / ".erlang.cookie"
            cookie.write_text(self.cookie)
            cookie.chmod(0o400)

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        self.process = subprocess.Popen(
            [str(RABBITMQ_BIN / "rabbitmq-server")],
            env=self.env(),
            cwd=self.directory,
            stdout=self.output.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RABBITMQ_BIN / "rabbitmqctl"), "-q", "-n", self.node, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=READY_TIMEOUT,
            check=check,
        )

    def outage(self) -> None:
        """``stop_app`` then ``start_app``: every connection is cut; then wait until it answers."""
        try:
            self.ctl("stop_app")
        finally:
            self.ensure_running()

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()
            return
        self.ctl("start_app", check=False)  # a no-op on a running application
        self.wait_ready()

    def wait_ready(self) -> None:
        def connect() -> None:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"rabbitmq-server exited: {self.output.read_text()[-2000:]}")
            asyncio.run(_amqp_answers(self.url))

        # aiormq logs every refused connection attempt; refusals are expected here.
        quiet = logging.getLogger("aiormq.connection")
        level, quiet.level = quiet.level, logging.CRITICAL
        try:
            _wait(connect, f"the private RabbitMQ on port {self.port}")
        finally:
            quiet.setLevel(level)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the node's Erlang VM (as a crash or a lost machine would end it); returns
        once its rabbitmq-server has exited."""
        assert self.process is not None
        os.kill(self.beam_pid(), 9)
        self.process.wait(timeout=READY_TIMEOUT)

    def beam_pid(self) -> int:
        """The node's Erlang VM (the pid file it writes when it boots)."""
        return int((self.directory / "rabbitmq.pid").read_text().split()[0])

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(Exception):
            self.ctl("stop", check=False)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=30)


async def _amqp_answers(url: str) -> None:
    connection = await aio_pika.connect(url, timeout=5)
    await connection.close()


@dataclass
class PrivateServers:
    postgres: PrivatePostgres
    rabbitmq: PrivateRabbit

    @property
    def servers(self) -> Servers:
        return Servers(postgres_address=self.postgres.servers().postgres_address, amqp_url=self.rabbitmq.url)


@contextlib.contextmanager
def private_servers() -> Iterator[PrivateServers]:
    """Start both in a fresh temporary directory; stop them and remove it afterwards."""
    directory = Path(tempfile.mkdtemp(prefix=f"dgtest-faults-{os.getpid()}-"))
    directory.chmod(0o755)
    (directory / "postgresql").mkdir()
    (directory / "rabbitmq").mkdir()
    postgres = PrivatePostgres(directory / "postgresql", free_port())
    rabbitmq = PrivateRabbit(directory / "rabbitmq", free_port(), free_port())
    try:
        rabbitmq.init()
        rabbitmq.launch()  # it boots while PostgreSQL is made
        postgres.init()
        postgres.start()
        rabbitmq.wait_ready()
        yield PrivateServers(postgres, rabbitmq)
    finally:
        try:
            rabbitmq.stop()
        finally:
            with contextlib.suppress(Exception):
                postgres.stop()
            shutil.rmtree(directory, ignore_errors=True)
