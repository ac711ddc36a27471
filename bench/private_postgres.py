"""A PostgreSQL 15 instance of the benchmark's own, for server-wide settings.

Settings such as max_wal_size or checkpoint_timeout apply to a whole server; trying them on the
shared one would change it for everybody testing there. This starts a throwaway server instead:
``initdb`` into a temporary directory (trust authentication, user postgres), then ``pg_ctl start``
on a port of its own with the settings to try given as ``-c name=value``, and ``pg_ctl stop``
after each run, so every run starts from the same cold server with exactly its own settings.
initdb refuses to run as root; as root the server runs as the system's ``postgres`` user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

BIN = Path(os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int, *, with_reaped_children: bool = False) -> float:
    """User plus system seconds of a process (and of its reaped children), 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


class PrivatePostgres:
    def __init__(self, port: int) -> None:
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="dgprivate-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.running = False
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    @property
    def conninfo(self) -> str:
        """The base connection string (no dbname), as the benchmarks' POSTGRES."""
        return f"host=127.0.0.1 port={self.port} user=postgres"

    def start(self, settings: dict[str, str] | None = None) -> None:
        options = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.root}",
        ]
        options += [f"-c {name}={value}" for name, value in (settings or {}).items()]
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o", " ".join(options), "start")
        self.running = True

    def cpu_seconds(self) -> float:
        """CPU time the server has used since it started: the postmaster, the children it has
        reaped (exited backends), and the children running now (checkpointer, WAL writer, ...)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        total = _cpu(postmaster, with_reaped_children=True)
        for task in Path(f"/proc/{postmaster}/task").glob("*/children"):
            total += sum(_cpu(int(child)) for child in task.read_text().split())
        return total

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            self.running = False

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(BIN / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
