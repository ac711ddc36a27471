"""The ports the services listen on by default, for the settings, the pipeline and the dashboard."""

from __future__ import annotations

EXTRACTOR_HEALTH_PORT = 8000  # the extractor's /health and /metrics
TABLEINATOR_HEALTH_PORT = 8002  # the tableinator's /health and /metrics
DASHBOARD_PORT = 8003  # the dashboard's page
API_PORT = 8080  # `serve`: the local Discogs API, its /health and /metrics


def local_url(port: int) -> str:
    """A service on this machine, as the dashboard reaches it by default."""
    return f"http://127.0.0.1:{port}"
