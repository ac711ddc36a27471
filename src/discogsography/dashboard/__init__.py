"""`discogsography dashboard`: one live web page for operators (docs/dashboard.md).

``sources`` reads the services' /health and /metrics, the queues, PostgreSQL's statistics and the
state marker; ``state`` and ``rates`` turn those readings into the page's JSON (pure, tested
without servers); ``server`` samples on a timer and serves the page, its assets and the JSON.
"""
