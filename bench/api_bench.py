"""`discogsography serve` under load, beside PostgreSQL's own rate for the same by-id query.

    uv run python bench/api_bench.py                   # 1,000,000 releases, 2 processes, 2 rounds
    uv run python bench/api_bench.py --processes 4 --seconds 30 --rounds 3
    uv run python bench/api_bench.py --profile         # also the by-id scenario under py-spy

The dump: make_dump.py's (cached under bench/out by size), copied with every release title
made distinct (bench/distinct_titles.py), loaded once with `discogsography load --fast` into a
database of its own, ``bench_api_r<N>``, kept for later runs (reused while its comment says it
holds that dump at this schema version; --rebuild loads it again).

Then `serve` (--processes, 2 by default) and, alternating in each round:
  release by id        wrk on /releases/{id}, ids drawn at random from the dense id range
  pgbench by id        the server's own query for it (SELECT data, hash, updated_at FROM releases
                       WHERE id = ...), prepared, over the same range, as many clients as the
                       server's pools hold connections (processes x API_POOL_SIZE)
  artist releases      /artists/{id}/releases?page=P: random artists with main credits, a random
                       page within each one's range (50 a page)
  search, repeated     /database/search?q=TITLE&type=release with a real title, which make_dump
                       repeats in every copy (about one match per 1,000 releases loaded)
  search, distinct     the same with a title that occurs once
  ..., 2 in flight     both searches again with 2 connections (one request per core): a search's
                       own latency; at 32 connections it is mostly the wait behind the others
wrk: 2 threads, 32 connections, bench/api_bench.lua (random line of a request file, percentiles
and errors printed by its `done`). Reported: medians over the rounds of requests/s and p50, p95,
p99 latency, errors (any is a failure: exit status 1), the CPU per request of serve's
processes, the database's backends and the load generator, the ratio API / pgbench for by-id
(per round, side by side), and the server processes' peak RSS (VmHWM). JSON in bench/out/.

--against CHECKOUT: a second `serve` from another checkout (a git worktree of an earlier commit,
with its .venv: `git worktree add /tmp/before REV && (cd /tmp/before && uv sync --frozen)`), run
by id right after ours in every round: the before/after of a change, side by side.

--profile: one more by-id run with py-spy attached to each server process (`record --format
raw`): the collapsed stacks, a speedscope file of them (open at https://www.speedscope.app) and
a text summary of where the time goes (by function and by package), in bench/out/api_profile/.
--profile-scenario NAME (repeatable) profiles that scenario instead, e.g. "search, distinct title".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from distinct_titles import distinct_titles as distinct_dump  # noqa: E402
from distinct_titles import title_word  # noqa: E402
from dumps import build_dump  # noqa: E402
from peers_bench import backends  # noqa: E402
from pipeline_bench import cpu_seconds, descendants  # noqa: E402

from discogsography.api.request_params import MIN_WORD_LENGTH  # noqa: E402
from discogsography.config.api_settings import ApiSettings  # noqa: E402
from discogsography.relational.migrations import migrations, schema_version  # noqa: E402

POSTGRES = "host=127.0.0.1 port=5432 user=postgres"
OUT = HERE / "out" / "api_bench"
LUA = HERE / "api_bench.lua"
OURS = [sys.executable, "-m", "discogsography"]
PER_PAGE = 50
BY_ID = "release by id"
PGBENCH = "pgbench by id"
AGAINST = "release by id, --against"
REFERENCE = "release by id, reference app"
ARTIST = "artist releases"
SEARCH_REPEATED = "search, repeated title"
SEARCH_DISTINCT = "search, distinct title"
LATENCY_CONNECTIONS = 2  # one request in flight per core: a search's own latency, not its queue
RELEASE_QUERY = "SELECT data, hash, updated_at FROM releases WHERE id = :id;"


@dataclass
class Measure:
    scenario: str
    round: int
    requests_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    mean_ms: float
    requests: int
    errors: dict[str, int] = field(default_factory=dict)
    # CPU µs per request of serve's processes, the database's backends and the load generator
    cpu_us: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def database_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


# ---------------------------------------------------------------- the database


def loaded_mark(releases: int, others: int) -> str:
    """What the database's comment says once the load and its VACUUM ANALYZE have finished."""
    version = migrations()[-1].version
    return f"api_bench: dump_r{releases}_o{others}_distinct at schema version {version}"


def prepared_database(releases: int, others: int, rebuild: bool) -> str:
    """The loaded database of this size, loading it when missing, stale or --rebuild."""
    name = f"bench_api_r{releases}"
    mark = loaded_mark(releases, others)
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if row is not None and row[0] == mark and not rebuild:
            print(f"reusing database {name} ({mark})", file=sys.stderr)
            return name
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    dump = distinct_dump(build_dump(releases, others))
    print(f"loading {dump} into {name} ...", file=sys.stderr)
    started = time.monotonic()
    subprocess.run(
        [*OURS, "load", str(dump), "--database-url", database_url(name), "--fast", "--no-progress"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    loaded = time.monotonic() - started
    with psycopg.connect(f"{POSTGRES} dbname={name}", autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")  # visibility map and statistics, as a settled database has
        found = schema_version(conn)
        if found != migrations()[-1].version:
            raise SystemExit(f"{name} is at schema version {found} after the load")
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{mark}'")
    print(
        f"loaded in {loaded:.0f} s, vacuumed in {time.monotonic() - started - loaded:.0f} s", file=sys.stderr
    )
    return name


# ---------------------------------------------------------------- what is requested


@dataclass
class Requests:
    """The request files (one path a line) and the id range pgbench draws from."""

    files: dict[str, Path]
    id_range: tuple[int, int]
    artists: int
    titles: int


def dense_range(conn: psycopg.Connection[Any]) -> tuple[int, int]:
    """The longest run of consecutive release ids (make_dump.py's copies): every id in it exists."""
    row = conn.execute(
        "SELECT min(id), max(id) FROM (SELECT id, id - row_number() OVER (ORDER BY id) AS run"
        " FROM releases) ids GROUP BY run ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise SystemExit("no releases")
    return int(row[0]), int(row[1])


def sampled_requests(name: str, base_url: str, seed: int) -> Requests:
    """Request files for every wrk scenario, from what the database holds."""
    OUT.mkdir(parents=True, exist_ok=True)
    pick = random.Random(seed)
    with psycopg.connect(f"{POSTGRES} dbname={name}", autocommit=True) as conn:
        low, high = dense_range(conn)
        artist_ids = [
            int(row[0])
            for row in conn.execute(
                "SELECT a.id FROM artists a WHERE EXISTS (SELECT 1 FROM release_artists ra"
                " WHERE ra.artist_id = a.id AND NOT ra.extra) ORDER BY random() LIMIT 300"
            ).fetchall()
        ]
        # titles of make_dump's copies (distinct_titles.py appended a word from the id to each)
        sampled = [
            (int(row[0]), str(row[1]))
            for row in conn.execute(
                "SELECT id, title FROM releases TABLESAMPLE SYSTEM (2) WHERE title IS NOT NULL"
                " AND id BETWEEN %s AND %s ORDER BY random() LIMIT 3000",
                (low, high),
            ).fetchall()
        ]
        once = {
            str(row[0])
            for row in conn.execute(
                "SELECT title FROM releases WHERE title = ANY(%s) GROUP BY title HAVING count(*) = 1",
                ([title for _, title in sampled],),
            ).fetchall()
        }
    suffixed = [
        (title, title[: -len(" xxxxxx")])
        for release_id, title in sampled
        if title.endswith(" " + title_word(release_id).decode())
    ]
    if not suffixed:
        raise SystemExit(
            f"{name}: no release title carries distinct_titles.py's word: rebuild it (--rebuild)"
        )
    distinct = sorted({title for title, _ in suffixed if title in once})
    # a title with no word long enough for the trigram indexes is refused (400) by design
    repeated = sorted({base for _, base in suffixed if any(len(w) >= MIN_WORD_LENGTH for w in base.split())})

    files = {
        BY_ID: [f"/releases/{pick.randint(low, high)}" for _ in range(200_000)],
        SEARCH_REPEATED: [_search_path(title) for title in repeated],
        SEARCH_DISTINCT: [_search_path(title) for title in distinct],
    }
    pages = _artist_pages(base_url, artist_ids)
    if not pages:
        raise SystemExit(f"{name}: no artist with releases answered")
    files[ARTIST] = [
        f"/artists/{artist}/releases?{urlencode({'page': pick.randint(1, count), 'per_page': PER_PAGE})}"
        for artist, count in (pick.choice(pages) for _ in range(50_000))
    ]
    written = {}
    for scenario, lines in files.items():
        path = OUT / (re.sub(r"\W+", "_", scenario) + ".txt")
        path.write_text("\n".join(lines) + "\n")
        written[scenario] = path
    return Requests(written, (low, high), len(pages), len(distinct))


def _search_path(title: str) -> str:
    return "/database/search?" + urlencode({"q": title, "type": "release"})


def fetch(url: str, timeout: float = 30) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _artist_pages(base_url: str, artists: list[int]) -> list[tuple[int, int]]:
    """(artist, pages) for those artists whose list is not empty, as the server counts them."""
    found = []
    for artist in artists:
        status, body = fetch(f"{base_url}/artists/{artist}/releases?per_page={PER_PAGE}")
        if status != 200:
            raise SystemExit(f"/artists/{artist}/releases answered {status}: {body}")
        if int(body["pagination"]["items"]) > 0:
            found.append((artist, int(body["pagination"]["pages"])))
    return found


def check_answers(base_url: str, requests: Requests) -> dict[str, Any]:
    """A few requests of each scenario answered as expected; how many items the searches match."""
    matches: dict[str, Any] = {}
    for scenario, path in requests.files.items():
        lines = path.read_text().split()
        items = []
        for line in random.Random(1).sample(lines, min(20, len(lines))):
            status, body = fetch(base_url + line)
            if status != 200:
                raise SystemExit(f"{line} answered {status}: {body}")
            if scenario == BY_ID:
                assert int(line.rsplit("/", 1)[1]) == body["id"], line
            else:
                items.append(int(body["pagination"]["items"]))
                if scenario == SEARCH_DISTINCT and not body["results"]:
                    raise SystemExit(f"{line} found nothing")
        if items:
            matches[scenario] = {"median": statistics.median(items), "min": min(items), "max": max(items)}
    return matches


# ---------------------------------------------------------------- the server


class Server:
    """`discogsography serve` on a free port, its processes' log in bench/out."""

    def __init__(
        self,
        database: str,
        processes: int,
        pool_size: int | None,
        checkout: Path | None = None,
        reference: bool = False,
    ) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": database_url(database), "API_PORT": str(self.port)}
        if pool_size is not None:
            env["API_POOL_SIZE"] = str(pool_size)
        OUT.mkdir(parents=True, exist_ok=True)
        name = "serve.log" if checkout is None else "serve-against.log"
        name = "serve-reference.log" if reference else name
        self.log_path = OUT / name
        self.log = self.log_path.open("wb")
        # --against: the other checkout's own environment and code (its src, not ours).
        python = OURS[0] if checkout is None else str(checkout / ".venv" / "bin" / "python")
        argv = [python, "-m", "discogsography", "serve", "--processes", str(processes)]
        if reference:
            argv = [python, str(HERE / "reference_api.py"), str(self.port), str(processes)]
        self.process = subprocess.Popen(
            argv, env=env, cwd=checkout, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.processes = processes
        self.wait_healthy()

    def wait_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"serve exited ({self.process.returncode}):\n{self.tail()}")
            try:
                status, _ = fetch(f"{self.base_url}/health", timeout=2)
                if status == 200 and len(self.workers()) >= self.processes:
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.3)
        raise SystemExit(f"serve did not answer /health within {seconds:.0f} s:\n{self.tail()}")

    def workers(self) -> list[int]:
        """The processes answering requests: the children running the app (not the supervisor's
        helpers such as multiprocessing's resource tracker)."""
        if self.processes == 1:
            return [self.process.pid]
        return [pid for pid in descendants(self.process.pid) if _runs_app(pid)]

    def peak_rss_mb(self) -> dict[str, float]:
        """Peak RSS (VmHWM) of each process answering requests, and of the supervisor."""
        peaks = {f"process {pid}": _status_mb(pid, "VmHWM") for pid in self.workers()}
        if self.processes > 1:
            peaks["supervisor"] = _status_mb(self.process.pid, "VmHWM")
        return peaks

    def tail(self) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _runs_app(pid: int) -> bool:
    try:
        return b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _status_mb(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ---------------------------------------------------------------- the load generators


class CpuMeter(threading.Thread):
    """CPU seconds used while one measurement runs by serve's processes, the database's backends
    (sampled 5 times a second, so backends that come and go with pgbench are counted) and the load
    generator (this process's waited-for children)."""

    def __init__(self, server: list[int], database: str) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.database = database
        self.first = {pid: cpu_seconds(pid) for pid in [*server, *backends(database)]}
        self.last = dict(self.first)
        self.children = _children_cpu()
        self.stopped = threading.Event()

    def sample(self) -> None:
        for pid in [*self.server, *backends(self.database)]:
            self.first.setdefault(pid, 0.0)  # started during the measurement
            self.last[pid] = cpu_seconds(pid) or self.last.get(pid, 0.0)

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            self.sample()

    def finish(self) -> dict[str, float]:
        self.stopped.set()
        self.join()
        self.sample()
        used = {pid: self.last[pid] - self.first[pid] for pid in self.last}
        server = sum(used[pid] for pid in self.server)
        return {
            "serve": server,
            "postgresql": sum(used.values()) - server,
            "generator": _children_cpu() - self.children,
        }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def metered(server: Server, database: str, run: Callable[..., Measure], *args: Any) -> Measure:
    """``run(*args)``, with the CPU each party spent on it, per request."""
    meter = CpuMeter(server.workers(), database)
    meter.start()
    measured = run(*args)
    used = meter.finish()
    measured.cpu_us = {name: seconds / max(1, measured.requests) * 1e6 for name, seconds in used.items()}
    return measured


def run_wrk(
    args: argparse.Namespace,
    base_url: str,
    scenario: str,
    paths: Path,
    seconds: float,
    rnd: int,
    connections: int | None = None,
) -> Measure:
    connections = connections or args.connections
    argv = [
        "wrk",
        f"--threads={min(args.threads, connections)}",
        f"--connections={connections}",
        f"--duration={seconds:g}s",
        "--timeout=10s",
        "--latency",
        f"--script={LUA}",
        base_url,
    ]
    done = subprocess.run(
        argv, env={**os.environ, "API_BENCH_PATHS": str(paths)}, capture_output=True, text=True, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("API_BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    found = json.loads(line.removeprefix("API_BENCH "))
    errors = {
        key: int(found[key])
        for key in ("connect_errors", "read_errors", "write_errors", "non_2xx_3xx", "timeouts")
        if found[key]
    }
    return Measure(
        scenario,
        rnd,
        found["requests"] / (found["duration_us"] / 1e6),
        found["p50_us"] / 1000,
        found["p95_us"] / 1000,
        found["p99_us"] / 1000,
        found["mean_us"] / 1000,
        int(found["requests"]),
        errors,
    )


def run_pgbench(database: str, id_range: tuple[int, int], clients: int, seconds: float, rnd: int) -> Measure:
    script = OUT / "pgbench_by_id.sql"
    script.write_text(f"\\set id random({id_range[0]}, {id_range[1]})\n{RELEASE_QUERY}\n")
    argv = [
        "pgbench",
        "--no-vacuum",
        "--protocol=prepared",
        f"--client={clients}",
        f"--jobs={min(clients, 2)}",
        f"--time={max(1, round(seconds))}",
        f"--file={script}",
        database_url(database),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    tps = re.search(r"^tps = ([\d.]+)", done.stdout, re.MULTILINE)
    latency = re.search(r"^latency average = ([\d.]+) ms", done.stdout, re.MULTILINE)
    processed = re.search(r"^number of transactions actually processed: (\d+)", done.stdout, re.MULTILINE)
    failed = re.search(r"^number of failed transactions: (\d+)", done.stdout, re.MULTILINE)
    if done.returncode != 0 or not (tps and latency and processed):
        raise SystemExit(f"pgbench failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    errors = {"failed": int(failed.group(1))} if failed and int(failed.group(1)) else {}
    return Measure(
        PGBENCH,
        rnd,
        float(tps.group(1)),
        None,
        None,
        None,
        float(latency.group(1)),
        int(processed.group(1)),
        errors,
    )


# ---------------------------------------------------------------- profile


def py_spy() -> str:
    """py-spy's executable, from PyPI through uv (not a dependency of the project)."""
    found = shutil.which("py-spy")
    if found:
        return found
    uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    done = subprocess.run(
        [
            uv,
            "run",
            "--quiet",
            "--with",
            "py-spy",
            "python",
            "-c",
            "import shutil; print(shutil.which('py-spy'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def profile(args: argparse.Namespace, server: Server, requests: Requests, scenario: str) -> dict[str, Any]:
    """One scenario with py-spy sampling every server process; the stacks summarized."""
    folder = HERE / "out" / "api_profile"
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"\W+", "_", scenario)
    spy = py_spy()
    recorders = {}
    for pid in server.workers():
        raw = folder / f"{stem}_{pid}.txt"
        argv = [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--nonblocking"]
        recorders[pid] = (
            raw,
            subprocess.Popen([*argv, "-o", str(raw)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE),
        )
    time.sleep(2)  # py-spy attached
    measured = run_wrk(args, server.base_url, scenario, requests.files[scenario], args.seconds, 0)
    stacks: Counter[tuple[str, ...]] = Counter()
    for pid, (raw, recorder) in recorders.items():
        recorder.send_signal(signal.SIGINT)
        _, stderr = recorder.communicate(timeout=60)
        if not raw.exists():
            raise SystemExit(f"py-spy wrote nothing for {pid}: {stderr.decode()[-2000:]}")
        for line in raw.read_text().splitlines():
            frames, _, count = line.rpartition(" ")
            if frames and count.isdigit():
                stack = tuple(frame for frame in frames.split(";") if not frame.startswith("process "))
                stacks[stack] += int(count)
    summary = summarize(stacks)
    headline = (
        f"{scenario} under py-spy: {measured.requests_per_s:,.0f} requests/s, p99 {measured.p99_ms:.1f} ms"
    )
    (folder / f"{stem}_summary.txt").write_text(f"{headline}\n\n{summary}")
    (folder / f"{stem}.speedscope.json").write_text(json.dumps(speedscope(stacks, scenario)))
    print(f"\n{headline}; py-spy, {sum(stacks.values()):,} samples, in {folder}/{stem}_*:\n{summary}")
    return {"measure": asdict(measured), "folder": str(folder), "samples": sum(stacks.values())}


FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _function(frame: str) -> str:
    """``function (file)`` without the line, the file from site-packages or the project on."""
    found = FRAME.match(frame)
    if not found:
        return frame
    return f"{found['function']} ({_short(found['file'])})"


def _short(path: str) -> str:
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _package(frame: str) -> str:
    found = FRAME.match(frame)
    path = _short(found["file"]) if found else frame
    parts = path.split("/")
    if parts[0] == "discogsography" and len(parts) > 2:
        return "/".join(parts[:2]) + ("/" + parts[2] if parts[1] == "api" else "")
    if path.startswith(".") or "/" not in path:
        return "python (stdlib)" if path.startswith(".") or path.endswith(".py") else path
    return parts[0]


def summarize(stacks: Counter[tuple[str, ...]], top: int = 30) -> str:
    total = sum(stacks.values()) or 1
    own: Counter[str] = Counter()
    within: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    for stack, count in stacks.items():
        if not stack:
            continue
        own[_function(stack[-1])] += count
        packages[_package(stack[-1])] += count
        for name in {_function(frame) for frame in stack}:
            within[name] += count
    lines = [
        "py-spy samples Python stacks: time in C (uvloop's loop and socket writes, libpq, orjson)",
        "is counted to the Python function that called it.",
        "",
        "where the samples stop (self time), by package:",
    ]
    lines += [f"  {count / total:6.1%}  {name}" for name, count in packages.most_common(top)]
    # where a sample stops in a system call or the event loop's own C code (on a busy machine
    # these include time the process waited for a core after waking a peer)
    waiting = ("RequestResponseCycle.send", "BaseCursor._send_query_prepared", "Runner.run", "wait_async")
    work: Counter[str] = Counter()
    for stack, count in stacks.items():
        if stack and not _function(stack[-1]).startswith(waiting):
            work[_package(stack[-1])] += count
    share = sum(work.values())
    lines += [
        "",
        f"the Python work ({share / total:.0%} of the samples: all but those stopped in socket writes,",
        "libpq's sends and the event loop), by package:",
    ]
    lines += [f"  {count / (share or 1):6.1%}  {name}" for name, count in work.most_common(top)]
    lines += ["", "self time, by function:"]
    lines += [f"  {count / total:6.1%}  {name}" for name, count in own.most_common(top)]
    lines += ["", "time within (the function and what it calls):"]
    lines += [f"  {count / total:6.1%}  {name}" for name, count in within.most_common(top)]
    return "\n".join(lines) + "\n"


def speedscope(stacks: Counter[tuple[str, ...]], scenario: str) -> dict[str, Any]:
    """The stacks as one sampled profile in speedscope's file format."""
    frames: dict[str, int] = {}
    samples, weights = [], []
    for stack, count in stacks.items():
        samples.append([frames.setdefault(_function(frame), len(frames)) for frame in stack])
        weights.append(count)
    return {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {"frames": [{"name": name} for name in frames]},
        "profiles": [
            {
                "type": "sampled",
                "name": f"serve, {scenario}",
                "unit": "none",
                "startValue": 0,
                "endValue": sum(weights),
                "samples": samples,
                "weights": weights,
            }
        ],
        "name": "discogsography serve",
        "exporter": "bench/api_bench.py",
    }


# ---------------------------------------------------------------- report


def median_of(measures: list[Measure], scenario: str, key: str) -> float | None:
    values = [getattr(m, key) for m in measures if m.scenario == scenario and getattr(m, key) is not None]
    return statistics.median(values) if values else None


def table(measures: list[Measure], ratios: list[float]) -> str:
    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f}"

    rows = [
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | mean ms | errors | CPU µs/req: serve"
        " | PostgreSQL | load generator | API / pgbench |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    in_flight = [f"{name}, {LATENCY_CONNECTIONS} in flight" for name in (SEARCH_REPEATED, SEARCH_DISTINCT)]
    by_id = (BY_ID, AGAINST, REFERENCE, PGBENCH)
    for scenario in (*by_id, ARTIST, SEARCH_REPEATED, SEARCH_DISTINCT, *in_flight):
        mine = [m for m in measures if m.scenario == scenario]
        if not mine:
            continue
        rate = median_of(measures, scenario, "requests_per_s") or 0.0
        ratio = f"{statistics.median(ratios):.3f}" if scenario == BY_ID and ratios else ""
        keys = ("p50_ms", "p95_ms", "p99_ms", "mean_ms")
        latencies = " | ".join(ms(median_of(measures, scenario, key)) for key in keys)
        cpu = " | ".join(
            f"{statistics.median(m.cpu_us.get(party, 0.0) for m in mine):,.0f}"
            for party in ("serve", "postgresql", "generator")
        )
        rows.append(
            f"| {scenario} | {rate:,.0f} | {latencies} | {sum(m.failed for m in mine)} | {cpu} | {ratio} |"
        )
    return "\n".join(rows)


def print_round(rnd: int, m: Measure) -> None:
    print(
        f"round {rnd} {m.scenario:<24} {m.requests_per_s:9,.0f}/s  p99 {m.p99_ms or 0:6.1f} ms"
        f"  errors {m.failed}  CPU µs/req { ({k: round(v) for k, v in m.cpu_us.items()}) }",
        file=sys.stderr,
    )


def main() -> int:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--releases", type=int, default=1_000_000)
    options.add_argument(
        "--others", type=int, default=None, help="artists, labels, masters each (releases / 5)"
    )
    options.add_argument("--rebuild", action="store_true", help="load the database again")
    options.add_argument("--processes", type=int, default=2, choices=range(1, 9))
    options.add_argument("--pool-size", type=int, default=None, help="API_POOL_SIZE (the server's default)")
    options.add_argument("--rounds", type=int, default=2)
    options.add_argument("--seconds", type=float, default=15)
    options.add_argument("--warmup", type=float, default=3, help="seconds of each scenario before round 1")
    options.add_argument("--threads", type=int, default=2)
    options.add_argument("--connections", type=int, default=32)
    options.add_argument("--profile", action="store_true", help="also the by-id scenario under py-spy")
    options.add_argument(
        "--against",
        type=Path,
        help="another checkout (with its .venv): its `serve` by id too, alternating with ours each round",
    )
    options.add_argument(
        "--reference",
        action="store_true",
        help="also bench/reference_api.py by id (the least an app on the same stack does), alternating",
    )
    options.add_argument(
        "--only-by-id", action="store_true", help="by id only (with pgbench, --against, --reference)"
    )
    options.add_argument(
        "--profile-scenario",
        action="append",
        choices=[BY_ID, ARTIST, SEARCH_REPEATED, SEARCH_DISTINCT],
        help="profile this scenario instead (repeatable; implies --profile)",
    )
    args = options.parse_args()
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: scripts/setup.sh --bench-api installs it (as root)")
    others = args.others if args.others is not None else max(1000, args.releases // 5)
    pool_size = args.pool_size or int(ApiSettings.model_fields["api_pool_size"].default)
    clients = args.processes * pool_size

    database = prepared_database(args.releases, others, args.rebuild)
    server = Server(database, args.processes, args.pool_size)
    other = Server(database, args.processes, args.pool_size, args.against) if args.against else None
    reference = Server(database, args.processes, args.pool_size, reference=True) if args.reference else None
    measures: list[Measure] = []
    ratios: list[float] = []
    against: list[float] = []  # ours / the other checkout's, by id, per round
    referenced: list[tuple[float, float]] = []  # ours / the reference app's: rate, p99; per round
    try:
        requests = sampled_requests(database, server.base_url, seed=args.releases)
        matches = check_answers(server.base_url, requests)
        low, high = requests.id_range
        print(
            f"ids {low}..{high}; {requests.artists} artists; {requests.titles} distinct titles;"
            f" items matched (median of 20): {json.dumps(matches)}",
            file=sys.stderr,
        )
        load_before = os.getloadavg()
        if args.warmup > 0:
            for scenario, path in requests.files.items():
                run_wrk(args, server.base_url, scenario, path, args.warmup, 0)
        for rnd in range(1, args.rounds + 1):
            api = metered(
                server,
                database,
                run_wrk,
                args,
                server.base_url,
                BY_ID,
                requests.files[BY_ID],
                args.seconds,
                rnd,
            )
            floor = metered(
                server, database, run_pgbench, database, requests.id_range, clients, args.seconds, rnd
            )
            ratios.append(api.requests_per_s / floor.requests_per_s)
            measures += [api, floor]
            if other is not None:
                paths, seconds = requests.files[BY_ID], args.seconds
                theirs = metered(other, database, run_wrk, args, other.base_url, BY_ID, paths, seconds, rnd)
                against.append(api.requests_per_s / theirs.requests_per_s)
                measures.append(replace(theirs, scenario=AGAINST))
            if reference is not None:
                paths, seconds = requests.files[BY_ID], args.seconds
                least = metered(
                    reference, database, run_wrk, args, reference.base_url, BY_ID, paths, seconds, rnd
                )
                referenced.append(
                    (api.requests_per_s / least.requests_per_s, (api.p99_ms or 0) / (least.p99_ms or 1))
                )
                measures.append(replace(least, scenario=REFERENCE))
            if args.only_by_id:
                for m in measures[-(2 + (other is not None) + (reference is not None)) :]:
                    print_round(rnd, m)
                continue
            for scenario in (ARTIST, SEARCH_REPEATED, SEARCH_DISTINCT):
                files = requests.files[scenario]
                measures.append(
                    metered(
                        server, database, run_wrk, args, server.base_url, scenario, files, args.seconds, rnd
                    )
                )
            # At 32 connections a search's latency is mostly its wait behind the 31 others
            # (latency = in flight / rate); with one request per core in flight it is its own.
            for scenario, paths in (
                (SEARCH_REPEATED, requests.files[SEARCH_REPEATED]),
                (SEARCH_DISTINCT, requests.files[SEARCH_DISTINCT]),
            ):
                measured = metered(
                    server,
                    database,
                    run_wrk,
                    args,
                    server.base_url,
                    scenario,
                    paths,
                    args.seconds,
                    rnd,
                    LATENCY_CONNECTIONS,
                )
                measures.append(replace(measured, scenario=f"{scenario}, {LATENCY_CONNECTIONS} in flight"))
            for m in measures[-(7 + (other is not None) + (reference is not None)) :]:
                print_round(rnd, m)
        load_after = os.getloadavg()
        peak = server.peak_rss_mb()
        profiled = {
            scenario: profile(args, server, requests, scenario)
            for scenario in args.profile_scenario or ([BY_ID] if args.profile else [])
        }
    finally:
        server.stop()
        for extra in (other, reference):
            if extra is not None:
                extra.stop()

    print(
        f"\n{args.releases:,} releases, serve --processes {args.processes} (pool {pool_size} each);"
        f" wrk {args.threads} threads, {args.connections} connections; pgbench {clients} clients, prepared;"
        f" {args.rounds} rounds of {args.seconds:g} s, medians"
    )
    print(table(measures, ratios))
    if against:
        print(
            f"by id, ours / {args.against} by round: {', '.join(f'{r:.3f}' for r in against)}"
            f" (median {statistics.median(against):.3f})"
        )
    if referenced:
        rates, tails = [r for r, _ in referenced], [t for _, t in referenced]
        print(
            f"by id, ours / the reference app by round: requests/s {', '.join(f'{r:.3f}' for r in rates)}"
            f" (median {statistics.median(rates):.3f}); p99 {', '.join(f'{t:.3f}' for t in tails)}"
            f" (median {statistics.median(tails):.3f})"
        )
    print(
        f"API / pgbench by round: {', '.join(f'{r:.3f}' for r in ratios)};"
        f" serve's peak RSS (VmHWM): {', '.join(f'{name} {mb:.0f}' for name, mb in peak.items())} MB;"
        f" load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    stamp = time.strftime("%Y%m%d-%H%M%S")
    report = HERE / "out" / f"api_bench_r{args.releases}_{stamp}.json"
    report.write_text(
        json.dumps(
            {
                "arguments": {
                    key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()
                },
                "database": database,
                "id_range": requests.id_range,
                "search_matches": matches,
                "pool_size": pool_size,
                "pgbench_clients": clients,
                "measures": [asdict(m) | {"failed": m.failed} for m in measures],
                "ratios_by_id": ratios,
                "ours_over_against_by_id": against,
                "ours_over_reference_by_id": [{"requests_per_s": r, "p99": t} for r, t in referenced],
                "peak_rss_mb": peak,
                "load_average": [load_before, load_after],
                "profile": profiled,
            },
            indent=2,
        )
    )
    print(f"written to {report}")
    failures = [m for m in measures if m.failed]
    if failures:
        for m in failures:
            print(f"FAILED: {m.scenario} round {m.round}: {m.errors}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
