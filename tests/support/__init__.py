"""Helpers every test folder shares, one definition each.

- ``servers``: where the test servers are (one AMQP URL, one PostgreSQL address), the
  environment a service subprocess gets, databases made and dropped (what a test does when a
  server does not answer is tests/servers.py);
- ``dumps``: dumps built by bench/make_dump.py;
- ``amqp``: queue depths read from the broker;
- ``waits``: waiting for a condition, in plain and in async code;
- ``ci``: whether the run is CI (``CI=true`` or ``CI=1`` only).
"""
