"""A pg_auto_failover formation on loopback: a monitor and two PostgreSQL + PostGIS nodes.

Runs Debian's ``pg_autoctl`` (package ``postgresql-15-auto-failover``) as the ``postgres`` user when
started as root, with its configuration, state and pid files under one project directory
(``var/ha``), small memory settings (three clusters on one machine) and fast failure detection.
With two data nodes the primary commits synchronously to the secondary (``ANY 1``): a commit the
client saw is on both nodes, and the monitor promotes the secondary when the primary dies.

This is the one-machine demonstration and test set-up; docs/operations.md describes the same
formation on two machines and a monitor.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from contextlib import suppress as _suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from store._errors import StoreError
from store.cluster import DB_NAME, SUPERUSER, _reachable_dir, find_pg_bindir, port_in_use

log = logging.getLogger(__name__)

#: Monitor settings for fast failure detection (defaults: 5 s period, 20 s unhealthy, 30 s demote).
FAST_MONITOR = {
    "pgautofailover.health_check_period": "1000",
    "pgautofailover.health_check_retry_delay": "500",
    "pgautofailover.health_check_timeout": "1000",
    "pgautofailover.node_considered_unhealthy_timeout": "5000",
    "pgautofailover.primary_demote_timeout": "10000",
}
#: A node demotes itself after this long without the monitor and the other node (seconds).
FAST_NETWORK_PARTITION_TIMEOUT_S = 5
#: Memory for each of the three clusters on one machine (pg_autoctl would take 25 % of RAM each).
SMALL_MEMORY = {"shared_buffers": "128MB", "effective_cache_size": "1GB", "maintenance_work_mem": "64MB",
                "work_mem": "16MB", "wal_keep_size": "256MB"}
NODE_NAMES = ("node1", "node2")


class HAError(StoreError):
    """The pg_auto_failover formation could not be created, started or queried."""


def find_pg_autoctl() -> str:
    path = shutil.which("pg_autoctl") or ("/usr/bin/pg_autoctl" if Path("/usr/bin/pg_autoctl").exists() else None)
    if path is None:
        raise HAError("pg_autoctl not found: apt-get install postgresql-15-auto-failover "
                      "(`make ha-demo` installs it)")
    return path


@dataclass
class HAFormation:
    """Monitor + node1 + node2 under ``base_dir`` on 127.0.0.1 (``monitor_port`` and the two next)."""

    base_dir: Path
    monitor_port: int = 54340
    dbname: str = DB_NAME
    fast: bool = True
    _procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.base_dir = _reachable_dir(Path(self.base_dir).absolute())
        self.node_ports = {"node1": self.monitor_port + 1, "node2": self.monitor_port + 2}
        self.log_dir = self.base_dir / "logs"
        self._bindir: Path | None = None

    # -- paths and commands -----------------------------------------------------------------------
    def pgdata(self, name: str) -> Path:
        return self.base_dir / name

    @property
    def monitor_url(self) -> str:
        return f"postgres://autoctl_node@127.0.0.1:{self.monitor_port}/pg_auto_failover?sslmode=require"

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            self._bindir = find_pg_bindir()
        return self._bindir

    def _env_args(self) -> list[str]:
        return ["env", f"PATH={self.bindir}:/usr/local/bin:/usr/bin:/bin",
                f"XDG_CONFIG_HOME={self.base_dir / 'xdg' / 'config'}",
                f"XDG_DATA_HOME={self.base_dir / 'xdg' / 'data'}",
                f"TMPDIR={self.base_dir / 'tmp'}", f"HOME={self.base_dir}", "LANG=C.UTF-8"]

    def _cmd(self, *args: str) -> list[str]:
        cmd = [*self._env_args(), find_pg_autoctl(), *args]
        return ["runuser", "-u", SUPERUSER, "--", *cmd] if os.geteuid() == 0 else cmd

    def _autoctl(self, *args: str, timeout: float = 180, log_name: str | None = None) -> str:
        result = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout,
                                cwd=self.base_dir, check=False)
        if log_name:
            (self.log_dir / log_name).write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            tail = [ln for ln in (result.stderr or result.stdout).splitlines() if ln.strip()][-3:]
            raise HAError(f"pg_autoctl {args[0]} {args[1] if len(args) > 1 else ''} failed: " + " | ".join(tail))
        return result.stdout

    def _prepare_dirs(self) -> None:
        for sub in ("xdg/config", "xdg/data", "tmp", "logs"):
            (self.base_dir / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam(SUPERUSER)
            for path in [self.base_dir, *self.base_dir.rglob("*")]:
                if not path.is_symlink():
                    os.chown(path, pw.pw_uid, pw.pw_gid)
        os.chmod(self.base_dir, 0o700)

    def _append_settings(self, name: str, settings: dict[str, str]) -> None:
        """Add settings to a stopped cluster's postgresql.auto.conf (what ALTER SYSTEM writes)."""
        path = self.pgdata(name) / "postgresql.auto.conf"
        lines = [ln for ln in path.read_text().splitlines()
                 if ln.split("=", 1)[0].strip() not in settings]
        lines += [f"{k} = '{v}'" for k, v in settings.items()]
        path.write_text("\n".join(lines) + "\n")

    # -- life cycle -------------------------------------------------------------------------------
    @property
    def created(self) -> bool:
        return all((self.pgdata(n) / "PG_VERSION").exists() for n in ("monitor", *NODE_NAMES))

    def create(self, *, timeout_s: float = 180) -> None:
        """Create (or start again) the monitor and both nodes; wait for primary + secondary."""
        for port in (self.monitor_port, *self.node_ports.values()):
            if port_in_use("127.0.0.1", port) and not self.created:
                raise HAError(f"port {port} on 127.0.0.1 is already in use: choose another HA port range")
        self._prepare_dirs()
        if not (self.pgdata("monitor") / "PG_VERSION").exists():
            self._autoctl("create", "monitor", "--pgdata", str(self.pgdata("monitor")),
                          "--pgport", str(self.monitor_port), "--hostname", "127.0.0.1",
                          "--listen", "127.0.0.1", "--auth", "trust", "--ssl-self-signed",
                          log_name="create-monitor.log")
            self._append_settings("monitor", {**SMALL_MEMORY, **(FAST_MONITOR if self.fast else {})})
        self.run("monitor")
        self._wait(lambda: self._monitor_ready(), timeout_s, "the monitor did not start")
        for name in NODE_NAMES:
            if not (self.pgdata(name) / "PG_VERSION").exists():
                self._autoctl("create", "postgres", "--pgdata", str(self.pgdata(name)),
                              "--pgport", str(self.node_ports[name]), "--hostname", "127.0.0.1",
                              "--listen", "127.0.0.1", "--name", name, "--dbname", self.dbname,
                              "--auth", "trust", "--ssl-self-signed", "--monitor", self.monitor_url,
                              timeout=timeout_s, log_name=f"create-{name}.log")
                self._append_settings(name, SMALL_MEMORY)
                if self.fast:
                    self._autoctl("config", "set", "--pgdata", str(self.pgdata(name)),
                                  "timeout.network_partition_timeout", str(FAST_NETWORK_PARTITION_TIMEOUT_S))
            self.run(name)
            if name == "node1":
                self._wait(lambda: self.primary() is not None, timeout_s, "node1 did not become primary")
        self.wait_healthy(timeout_s)

    def run(self, name: str) -> None:
        """Start ``pg_autoctl run`` for ``name`` (monitor/node1/node2) in its own process group."""
        proc = self._procs.get(name)
        if proc is not None and proc.poll() is None:
            return
        log_file = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        self._procs[name] = subprocess.Popen(self._cmd("run", "--pgdata", str(self.pgdata(name))),
                                             stdout=log_file, stderr=subprocess.STDOUT, cwd=self.base_dir,
                                             start_new_session=True)
        log_file.close()

    def kill(self, name: str) -> None:
        """kill -9 the whole node: its pg_autoctl, its postmaster and every backend."""
        proc = self._procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            with _suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        pid = self._postmaster_pid(name)
        if pid is not None:   # started by another process: its whole process group
            with _suppress(ProcessLookupError):
                group = os.getpgid(pid)
                if group != os.getpgid(0):
                    os.killpg(group, signal.SIGKILL)
            time.sleep(0.1)
            pid = self._postmaster_pid(name)
        if pid is not None:
            with _suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def exited(self) -> list[str]:
        """Names whose ``pg_autoctl run`` (started here) is no longer running."""
        return [name for name, proc in self._procs.items() if proc.poll() is not None]

    def stop(self, *, timeout_s: float = 20) -> None:
        """Stop every process of the formation (nodes first, then the monitor); data is kept."""
        for name in (*NODE_NAMES, "monitor"):
            proc = self._procs.pop(name, None)
            if proc is not None and proc.poll() is None:
                with _suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout_s)
                except subprocess.TimeoutExpired:
                    with _suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)
            elif (self.pgdata(name) / "PG_VERSION").exists() and self._postmaster_pid(name) is not None:
                # started by another process (a previous run): ask its pg_autoctl to stop
                with _suppress(HAError, subprocess.TimeoutExpired):
                    self._autoctl("stop", "--pgdata", str(self.pgdata(name)), timeout=timeout_s)
                deadline = time.monotonic() + timeout_s
                while self._postmaster_pid(name) is not None and time.monotonic() < deadline:
                    time.sleep(0.2)
            pid = self._postmaster_pid(name)
            if pid is not None:   # last resort: the postmaster takes its backends with it
                with _suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def destroy(self) -> None:
        """Stop everything and delete ``base_dir``."""
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def _postmaster_pid(self, name: str) -> int | None:
        try:
            pid = int((self.pgdata(name) / "postmaster.pid").read_text().split("\n", 1)[0])
            os.kill(pid, 0)
            stat = Path(f"/proc/{pid}/stat").read_text()
            return None if stat.split(") ", 1)[1].startswith("Z") else pid
        except (OSError, ValueError, IndexError):
            return None

    # -- state ------------------------------------------------------------------------------------
    def _monitor_ready(self) -> bool:
        try:
            with psycopg.connect(self.monitor_url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def state(self) -> list[dict[str, Any]]:
        """The monitor's view: one dict per node (name, port, reported and assigned state, health)."""
        try:
            with psycopg.connect(self.monitor_url, connect_timeout=2, autocommit=True) as conn:
                rows = conn.execute(
                    "SELECT nodename, nodeport, reportedstate::text, goalstate::text, health"
                    " FROM pgautofailover.node ORDER BY nodeid").fetchall()
        except psycopg.Error:
            return []
        return [{"name": r[0], "port": r[1], "reported": r[2], "assigned": r[3], "health": r[4]} for r in rows]

    def primary(self) -> str | None:
        """The node the monitor has as (wait_)primary/single and that reports it, if any."""
        for node in self.state():
            if node["reported"] in ("primary", "wait_primary", "single") and node["assigned"] == node["reported"]:
                return str(node["name"])
        return None

    def healthy(self) -> bool:
        """One primary and one secondary, both as the monitor wants them."""
        states = sorted((n["reported"], n["assigned"]) for n in self.state())
        return states == [("primary", "primary"), ("secondary", "secondary")]

    def wait_healthy(self, timeout_s: float = 120) -> None:
        self._wait(self.healthy, timeout_s, "the formation did not reach primary + secondary")

    def _wait(self, check: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not check():
            for name, proc in self._procs.items():
                if proc.poll() is not None:
                    raise HAError(f"{what}: pg_autoctl {name} exited (see {self.log_dir / (name + '.log')})")
            if time.monotonic() > deadline:
                raise HAError(f"{what} within {timeout_s:.0f} s: {self.state()}")
            time.sleep(0.2)

    def uri(self, user: str = SUPERUSER) -> str:
        """Multi-host URL of the formation's database (read-write node), connecting as ``user``."""
        hosts = ",".join(f"127.0.0.1:{p}" for p in self.node_ports.values())
        return (f"postgresql://{user}@{hosts}/{self.dbname}"
                "?target_session_attrs=read-write&sslmode=require")

    def show_uri(self) -> str:
        """What ``pg_autoctl show uri`` says (the formation's own multi-host URL)."""
        out = self._autoctl("show", "uri", "--formation", "default", "--pgdata", str(self.pgdata("monitor")))
        return out.strip()

    def synchronous_standby_names(self) -> str:
        primary = self.primary()
        if primary is None:
            return ""
        url = f"postgresql://{SUPERUSER}@127.0.0.1:{self.node_ports[primary]}/{self.dbname}?sslmode=require"
        with psycopg.connect(url, connect_timeout=2) as conn:
            row = conn.execute("SHOW synchronous_standby_names").fetchone()
        return str(row[0]) if row else ""

    def events_json(self) -> list[dict[str, Any]]:
        """The monitor's event log (state changes), newest last."""
        out = self._autoctl("show", "events", "--count", "50", "--json", "--pgdata", str(self.pgdata("monitor")))
        data = json.loads(out or "[]")
        return data if isinstance(data, list) else []

