"""The route label of a path: few values, ids left out, anything else `other`."""

from __future__ import annotations

import pytest

from discogsography.api.api_metrics import route_label


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/releases/1", "releases"),
        ("/masters/9", "masters"),
        ("/masters/9/versions", "masters/versions"),
        ("/artists/1/releases", "artists/releases"),
        ("/labels/1/releases", "labels/releases"),
        ("/labels/abc", "labels"),
        ("/releases/1/releases", "other"),
        ("/masters/9/releases", "other"),
        ("/releases", "other"),
        ("/releases/1/2/3", "other"),
        ("/database/search", "database/search"),
        ("/health", "health"),
        ("/metrics", "metrics"),
        ("/openapi.json", "openapi.json"),
        ("/", "root"),
        ("/nope", "other"),
        ("/health/", "other"),
        ("", "other"),
    ],
)
def test_route_label(path: str, label: str) -> None:
    assert route_label(path) == label
