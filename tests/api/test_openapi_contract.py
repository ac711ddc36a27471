"""The OpenAPI document `serve` publishes, checked by schemathesis against the running server:
no 5xx, every status code and content type documented, every answer matching its schema.

Bounded: 15 examples per operation, derandomized under CI (the Hypothesis profile of
tests/conftest.py), so the file runs in seconds.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.api.conftest import SECRET, Served

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

EXAMPLES = 15
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def operations(served: Served) -> list[Any]:
    document = served.json("/openapi.json")
    assert document["servers"] == [{"url": served.url}]
    schema = schemathesis.openapi.from_dict(document)
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, schemathesis.core.result.Ok), result
        found.append(result.ok())
    assert len(found) == 8
    return found


def test_every_operation_keeps_to_the_document(api_2020: Served) -> None:
    session = requests.Session()
    statuses: dict[str, set[int]] = {}
    for operation in operations(api_2020):

        @settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call_and_validate(base_url=api_2020.url, session=session, checks=CHECKS)
            assert SECRET not in response.text
            statuses.setdefault(case.operation.label, set()).add(response.status_code)

        check()
    # The examples reached the records, not only the 404s and 400s.
    assert 200 in statuses["GET /releases/{id}"] or 200 in statuses["GET /database/search"]
    assert 200 in statuses["GET /database/search"]


def test_known_records_answers_match_the_schema(api_2020: Served) -> None:
    schema = schemathesis.openapi.from_dict(api_2020.json("/openapi.json"))
    session = requests.Session()
    for path, operation in (
        ("/releases/1", "/releases/{id}"),
        ("/masters/129684", "/masters/{id}"),
        ("/masters/129684/versions", "/masters/{id}/versions"),
        ("/artists/1", "/artists/{id}"),
        ("/artists/92/releases", "/artists/{id}/releases"),
        ("/labels/5", "/labels/{id}"),
        ("/labels/5/releases", "/labels/{id}/releases"),
    ):
        record_id = int(path.split("/")[2])
        case = schema[operation]["GET"].Case(path_parameters={"id": record_id})
        response = case.call_and_validate(base_url=api_2020.url, session=session, checks=CHECKS)
        assert response.status_code == 200, path
        assert json.loads(response.text)
