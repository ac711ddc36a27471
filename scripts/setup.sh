#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: uv, the locked Python
# dependencies and, with --services, what the main job needs running locally (PostgreSQL and
# RabbitMQ); with --test-services also MariaDB (the cache's catalog tests) and Chromium (the
# dashboard's browser test); with --bench-api PostgreSQL and wrk (`make bench-api`).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

ensure_uv() {
  if command -v uv >/dev/null 2>&1; then return; fi
  export PATH="$HOME/.local/bin:$PATH"
  if command -v uv >/dev/null 2>&1; then return; fi
  log "installing uv from PyPI"
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  hash -r
}

apt_install() {
  # Only as root on Debian; one apt-get update per run.
  [ "$(id -u)" = 0 ] || { log "not root: cannot install $*"; return 1; }
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do port_open "$port" && return 0; sleep 1; done
  log "$name did not open port $port"; return 1
}

ensure_postgres() {
  if port_open 5432; then return; fi
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql postgresql-contrib
  log "starting PostgreSQL"
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_port 5432 PostgreSQL
}

ensure_rabbitmq() {
  if port_open 5672; then return; fi
  command -v rabbitmq-server >/dev/null 2>&1 || apt_install rabbitmq-server
  log "starting RabbitMQ"
  rabbitmq-server -detached || true
  wait_port 5672 RabbitMQ
  # The broker accepts connections a moment before it serves them.
  for _ in $(seq 1 30); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
}

ensure_mariadb() {
  if port_open 3306; then return; fi
  command -v mariadbd >/dev/null 2>&1 || apt_install mariadb-server
  log "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  wait_port 3306 MariaDB
}

ensure_chromium() {
  # The dashboard's page is tested in headless Chromium (Debian's package, no browser download).
  if command -v chromium >/dev/null 2>&1; then return; fi
  log "installing Chromium (for the dashboard's browser test)"
  apt_install chromium
}

ensure_wrk() {
  # The HTTP load generator of bench/api_bench.py (Debian's package); pgbench comes with PostgreSQL.
  if command -v wrk >/dev/null 2>&1; then return; fi
  log "installing wrk (for make bench-api)"
  apt_install wrk
}

ensure_uv
uv sync --frozen --quiet
case "${1:-}" in
  "") ;;
  --services)
    ensure_postgres
    ensure_rabbitmq
    ;;
  --test-services)
    ensure_postgres
    ensure_rabbitmq
    ensure_mariadb
    ensure_chromium
    ;;
  --bench-api)
    ensure_postgres
    ensure_wrk
    ;;
  *)
    log "usage: scripts/setup.sh [--services | --test-services | --bench-api]"
    exit 1
    ;;
esac
