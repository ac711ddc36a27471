"""Secrets stay secret and SQL stays parameterised, checked on the real services and the source."""

from __future__ import annotations

import ast
import contextlib
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from tests.conftest import REPO
from tests.faults.harness import Expected, Pipeline
from tests.faults.report import OpenScenario
from tests.faults.servers import PrivateServers, free_port
from tests.support.waits import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.rabbitmq]


@pytest.fixture
def broker_user(private: PrivateServers) -> Iterator[tuple[str, str]]:
    name = f"dgtest-{uuid.uuid4().hex[:8]}"
    password = f"Rabbit-Secret-{uuid.uuid4().hex}"
    private.rabbitmq.ctl("add_user", name, password)
    private.rabbitmq.ctl("set_permissions", name, ".*", ".*", ".*")
    yield name, password
    private.rabbitmq.ctl("delete_user", name, check=False)


@pytest.fixture
def database_user(private: PrivateServers) -> Iterator[tuple[str, str]]:
    name = f"dgtest_{uuid.uuid4().hex[:8]}"
    password = f"Postgres-Secret-{uuid.uuid4().hex}"
    admin = private.servers.conninfo()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN SUPERUSER PASSWORD '{password}'")
    yield name, password
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {name}")


def test_passwords_never_reach_logs_or_health(
    # The users are requested first so that they outlive the pipeline's database at teardown.
    database_user: tuple[str, str],
    broker_user: tuple[str, str],
    pipeline: Pipeline,
    expected: Expected,
    private: PrivateServers,
    scenario: OpenScenario,
) -> None:
    entry = scenario(
        "Passwords in the AMQP and PostgreSQL URLs",
        "Both services run with a dedicated RabbitMQ user and PostgreSQL role whose passwords are unique "
        "strings; their logs and every /health answer during the run are searched for them.",
    )
    amqp_user, amqp_password = broker_user
    pg_user, pg_password = database_user
    pipeline.extra_env.update(
        {
            "AMQP_CONNECTION": f"amqp://{amqp_user}:{amqp_password}@127.0.0.1:{private.rabbitmq.port}/",
            "POSTGRES_USERNAME": pg_user,
            "POSTGRES_PASSWORD": pg_password,
            "LOG_LEVEL": "DEBUG",
        }
    )
    ports = {"tableinator": free_port(), "extractor": free_port()}
    answers: dict[str, list[str]] = {service: [] for service in ports}
    stop = threading.Event()

    def poll_health() -> None:
        while not stop.is_set():
            for service, port in ports.items():
                with contextlib.suppress(httpx.HTTPError):
                    answers[service].append(httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).text)
            time.sleep(0.1)

    poller = threading.Thread(target=poll_health, daemon=True)
    poller.start()
    pipeline.start_tableinator(HEALTH_CHECK_PORT=str(ports["tableinator"]))
    pipeline.start_extractor(HEALTH_CHECK_PORT=str(ports["extractor"]))
    assert pipeline.wait_extractor() == 0
    pipeline.wait_all_stored(expected)
    wait_for(lambda: len(answers["tableinator"]) > 5, 30, "the tableinator's health answers")
    assert pipeline.stop(pipeline.tableinator) == 0
    stop.set()
    poller.join()
    logs = pipeline.log_text("extractor") + pipeline.log_text("tableinator")
    bodies = answers["extractor"] + answers["tableinator"]
    assert logs.count("\n") > 20
    for service, answered in answers.items():
        assert len(answered) > 5, f"{service}: {len(answered)} /health answers"
        assert all(isinstance(json.loads(body), dict) for body in answered), service
    for secret in (amqp_password, pg_password):
        assert secret not in logs
        assert not any(secret in body for body in bodies)
    entry.saw(
        "more than 20 log lines, the services run with LOG_LEVEL=DEBUG, and more than 5 /health answers "
        "(JSON) from each service, polled every 0.1 s"
    )
    entry.check("neither password appears in any log line or /health answer")


@pytest.mark.parametrize("service", ["extractor", "tableinator"])
def test_invalid_configuration_errors_hide_passwords(service: str) -> None:
    secret = f"Hidden-{uuid.uuid4().hex}"
    env = {
        "PATH": "/usr/bin:/bin",
        "AMQP_CONNECTION": f"http://user:{secret}@broker.invalid:5672/",  # wrong scheme
        "POSTGRES_PASSWORD": secret,
        "POSTGRES_ADDRESS": "no-port-here",
        "DISCOGS_ROOT": "/tmp",
        "PERIODIC_CHECK_DAYS": "-1",
    }
    args = ["extractor", "--once"] if service == "extractor" else ["tableinator"]
    result = subprocess.run(
        [sys.executable, "-m", "discogsography", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "invalid configuration" in result.stderr
    assert "Traceback" not in result.stderr
    assert secret not in result.stderr + result.stdout
    assert result.stderr.strip().count("\n") == 0, result.stderr


def _string_built_sql(tree: ast.AST) -> list[int]:
    """Line numbers of execute/copy/SQL calls whose query is built by f-string, % or + formatting."""
    offending = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in {"execute", "executemany", "copy", "SQL", "cursor_execute"}:
            continue
        query = node.args[0]
        built = isinstance(query, ast.JoinedStr) or (
            isinstance(query, ast.BinOp) and isinstance(query.op, (ast.Mod, ast.Add))
        )
        formatted = (
            isinstance(query, ast.Call)
            and isinstance(query.func, ast.Attribute)
            and query.func.attr == "format"
            and isinstance(query.func.value, ast.Constant)
        )
        if built or formatted:
            offending.append(node.lineno)
    return offending


def test_sql_is_built_only_from_parameters_and_quoted_identifiers(scenario: OpenScenario) -> None:
    entry = scenario(
        "SQL construction",
        "Every execute, executemany, copy and sql.SQL call in the package is read from the source.",
    )
    files = sorted((REPO / "src").rglob("*.py"))
    offenders = {
        str(path.relative_to(REPO)): lines
        for path in files
        if (lines := _string_built_sql(ast.parse(path.read_text())))
    }
    assert offenders == {}
    assert _string_built_sql(ast.parse('cur.execute(f"SELECT {x}")')) == [1]  # the check can fail
    entry.check(
        f"none of the {len(files)} modules builds a query by string formatting: values are parameters, "
        "names are psycopg.sql.Identifier"
    )
