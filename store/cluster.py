"""The embedded PostgreSQL + PostGIS cluster under ``var/``, run with Debian's binaries."""

from __future__ import annotations

import glob
import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from store._errors import EmbeddedClusterError, PostGISMissingError

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
DB_NAME = "kendari112"
SUPERUSER = "postgres"
START_TIMEOUT_S = 60

log = logging.getLogger(__name__)


def find_pg_bindir(*, candidates: list[str] | None = None, require_postgis: bool = True) -> Path:
    """Return the newest PostgreSQL ``bin`` directory (with PostGIS available when asked).

    ``PG_BINDIR`` in the environment overrides the search.

    Raises
    ------
    EmbeddedClusterError
        No PostgreSQL server binaries are installed.
    PostGISMissingError
        PostgreSQL is installed but no version has the PostGIS extension.
    """
    if os.environ.get("PG_BINDIR"):
        dirs = [os.environ["PG_BINDIR"]]
    else:
        dirs = candidates if candidates is not None else glob.glob(PG_BIN_GLOB)
    found = [Path(d) for d in dirs if (Path(d) / "initdb").exists()]
    if not found:
        raise EmbeddedClusterError(
            "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin): "
            "install postgresql, or set DATABASE_URL to an existing server"
        )
    found.sort(key=lambda p: _version_key(p.parent.name), reverse=True)
    if not require_postgis:
        return found[0]
    for bindir in found:
        if postgis_control_file(bindir).exists():
            return bindir
    version = found[0].parent.name
    raise PostGISMissingError(
        f"PostGIS is not installed for PostgreSQL {version}: "
        f"apt-get install postgresql-{version}-postgis-3 (or run `make run`, which installs it)"
    )


def _version_key(name: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in name.split("."))
    except ValueError:
        return (0,)


def postgis_control_file(bindir: Path) -> Path:
    """Where Debian puts ``postgis.control`` for the server in ``bindir``."""
    version = bindir.parent.name
    return Path("/usr/share/postgresql") / version / "extension" / "postgis.control"


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@dataclass
class EmbeddedCluster:
    """A private PostgreSQL cluster: created on first use, reused afterwards.

    Parameters
    ----------
    data_dir
        Where the cluster lives (``var/pg`` by default; git-ignored).
    port
        Loopback TCP port it listens on.
    """

    data_dir: Path
    port: int = 54329
    host: str = "127.0.0.1"

    def __post_init__(self) -> None:
        self.data_dir = _reachable_dir(Path(self.data_dir).absolute())
        self.base_dir = self.data_dir.parent
        self.pgdata = self.data_dir / "data"
        self.socket_dir = self.data_dir / "run"
        self.log_file = self.data_dir / "postgres.log"
        self.password_file = self.data_dir / "password"
        self._bindir: Path | None = None
        self.started_here = False

    # -- running commands as the right OS user ---------------------------------------------
    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            self._bindir = find_pg_bindir()
        return self._bindir

    @staticmethod
    def _as_root() -> bool:
        return os.geteuid() == 0

    def _run(self, args: list[str], *, timeout: float = START_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_root():
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)

    def _prepare_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self._as_root():
            try:
                pw = pwd.getpwnam(SUPERUSER)
            except KeyError as exc:
                raise EmbeddedClusterError(
                    "running as root needs the 'postgres' system user (apt-get install postgresql)"
                ) from exc
            for path in (self.data_dir, self.socket_dir):
                os.chown(path, pw.pw_uid, pw.pw_gid)
            os.chmod(self.data_dir, 0o700)
            probe = subprocess.run(
                ["runuser", "-u", SUPERUSER, "--", "test", "-w", str(self.data_dir)],
                capture_output=True, check=False,
            )
            if probe.returncode != 0:
                raise EmbeddedClusterError(
                    f"the 'postgres' user cannot reach {self.data_dir} (a parent directory is not "
                    "traversable, e.g. under /root): clone the project elsewhere or set "
                    "KENDARI112_PG_DIR to a directory it can use"
                )

    # -- life cycle -------------------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def is_running(self) -> bool:
        if not self.initialised:
            return False
        return self.postmaster_pid() is not None

    def _clear_stale_pid_file(self, *, wait_s: float = 10.0) -> None:
        """Remove ``postmaster.pid`` left by a postmaster that died (killed, crashed) once none of
        its processes is attached to its shared memory any more.

        PostgreSQL refuses to start while the PID in that file exists, and a killed postmaster can
        stay a zombie when no init process reaps it (containers).
        """
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists() or self.postmaster_pid() is not None:
            return
        try:
            lines = pidfile.read_text().splitlines()
        except OSError:
            return
        shm = lines[6].split() if len(lines) > 6 else []
        shmid = int(shm[1]) if len(shm) == 2 and shm[1].isdigit() else None
        deadline = time.monotonic() + wait_s
        while shmid is not None and _shm_attached(shmid) > 0:
            if time.monotonic() > deadline:
                raise EmbeddedClusterError(
                    "processes of the previous PostgreSQL server are still running; stop them first")
            time.sleep(0.05)
        pidfile.unlink(missing_ok=True)
        for lock in self.socket_dir.glob(".s.PGSQL.*.lock"):   # same check on the socket's lock file
            if _live_pid_in(lock) is None:
                lock.unlink(missing_ok=True)

    def init(self) -> None:
        """Create the cluster (``initdb``) with a random superuser password kept in ``password``."""
        self._prepare_dirs()
        password = secrets.token_urlsafe(24)
        self.password_file.write_text(password + "\n")
        os.chmod(self.password_file, 0o600)
        pwfile = self.data_dir / "initdb.pw"
        pwfile.write_text(password + "\n")
        if self._as_root():
            pw = pwd.getpwnam(SUPERUSER)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        os.chmod(pwfile, 0o600)
        try:
            result = self._run([
                "initdb", "-D", str(self.pgdata), "-U", SUPERUSER, "--encoding=UTF8",
                "--locale=C.UTF-8", "--auth-local=peer", "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
            ])
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            shutil.rmtree(self.pgdata, ignore_errors=True)
            raise EmbeddedClusterError("initdb failed: " + _last_line(result.stderr or result.stdout))

    def start(self) -> None:
        """Start the server on loopback; raise a clear error when the port is taken."""
        if self.is_running():
            return
        self._clear_stale_pid_file()
        if port_in_use(self.host, self.port):
            raise EmbeddedClusterError(
                f"port {self.port} on {self.host} is already in use by another program: "
                "set KENDARI112_PG_PORT to a free port, or DATABASE_URL to use that server"
            )
        self._prepare_dirs()
        opts = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses={self.host} "
            "-c fsync=on -c shared_buffers=256MB -c max_connections=200"
        )
        result = self._run([
            "pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_file), "-o", opts, "-w",
            "-t", str(START_TIMEOUT_S), "start",
        ], timeout=START_TIMEOUT_S + 10)
        if result.returncode != 0:
            raise EmbeddedClusterError(
                "the embedded PostgreSQL did not start: " + _last_line(self._log_tail() or result.stderr)
            )
        self.started_here = True

    def stop(self) -> None:
        """Stop the server cleanly (fast shutdown: rolls back open transactions)."""
        if self.is_running():
            self._run(["pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop"])

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def url(self, dbname: str = DB_NAME) -> str:
        return (
            f"postgresql://{SUPERUSER}:{self.password()}@{self.host}:{self.port}/{dbname}"
            "?connect_timeout=10"
        )

    def ensure(self, dbname: str = DB_NAME) -> str:
        """Create (first run) and start the cluster, create ``dbname`` with PostGIS; return its
        superuser URL."""
        if not self.initialised:
            self.init()
        self.start()
        ensure_database(self.url("postgres"), dbname)
        return self.url(dbname)

    def role_url(self, role: str, dbname: str = DB_NAME) -> str:
        """URL of ``dbname`` as ``role`` (password from this cluster's ``<role>.password``)."""
        from store import roles

        password = roles.read_secret(roles.secret_file(self.data_dir, role))
        return roles.with_credentials(self.url(dbname), role, password)

    def ensure_owned(self, dbname: str = DB_NAME) -> str:
        """Like :meth:`ensure`, then make ``k112_owner`` own ``dbname`` (PostGIS installed by the
        superuser) and create the login roles ``k112_owner`` and ``k112_app`` with random passwords
        kept in this directory (mode 0600). Returns the owner's URL, for migrations and seeding.
        """
        from store import roles

        super_url = self.ensure(dbname)
        with psycopg.connect(super_url, autocommit=True) as conn:
            with conn.cursor() as cur:
                for role in (roles.OWNER_ROLE, roles.APP_ROLE):
                    path = roles.secret_file(self.data_dir, role)
                    fresh = not path.exists()
                    password = roles.read_secret(path)
                    if fresh or not roles.role_exists(cur, role) or not roles.can_login(
                            self.role_url(role, dbname)):
                        roles.ensure_login_role(cur, role, password)
                cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            with conn.transaction():
                roles.make_owner(conn, roles.OWNER_ROLE)
        return self.role_url(roles.OWNER_ROLE, dbname)

    def postmaster_pid(self) -> int | None:
        """PID of the running postmaster (from ``postmaster.pid``), or None when none runs."""
        return _live_pid_in(self.pgdata / "postmaster.pid")

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return ""


def _live_pid_in(path: Path) -> int | None:
    """The PID on the first line of ``path`` if that process runs (a zombie does not), else None."""
    try:
        pid = int(path.read_text().split("\n", 1)[0].strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    try:  # a zombie (killed, not yet reaped) is not running
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1]
    except (OSError, IndexError):
        state = ""  # no /proc entry to read: trust the signal check above
    return None if state == "Z" else pid


def supervise(cluster: EmbeddedCluster, stop: threading.Event, *,
              on_restart: Callable[[int], None] | None = None, interval_s: float = 0.5) -> int:
    """Keep ``cluster``'s postmaster running until ``stop`` is set; return how many restarts.

    Checks every ``interval_s`` whether the postmaster process is alive; when it died (killed,
    crashed, OOM) it is started again (PostgreSQL replays its WAL: committed data is kept). Each
    restart is logged and counted; ``on_restart(count)`` is called after it. Meant for a daemon
    thread of the process that started the cluster.
    """
    restarts = 0
    failures = 0
    while not stop.wait(interval_s):
        if cluster.postmaster_pid() is not None:
            failures = 0
            continue
        if stop.is_set():
            break
        log.error("embedded PostgreSQL in %s is not running: restarting it", cluster.data_dir)
        t0 = time.monotonic()
        try:
            cluster.start()
        except Exception as exc:  # keep supervising: the next round tries again
            failures += 1
            log.error("restarting the embedded PostgreSQL failed (%d in a row): %s", failures, exc)
            stop.wait(min(10.0, interval_s * 2 ** failures))
            continue
        restarts += 1
        failures = 0
        log.warning("embedded PostgreSQL restarted in %.1f s (restart #%d since start-up)",
                    time.monotonic() - t0, restarts)
        if on_restart is not None:
            try:
                on_restart(restarts)
            except Exception:  # a failing callback must not end the supervision
                log.exception("on_restart callback failed")
    return restarts


class Supervisor:
    """A running :func:`supervise` thread: ``restarts`` so far, ``stop()`` to end it."""

    def __init__(self, cluster: EmbeddedCluster, *, on_restart: Callable[[int], None] | None = None,
                 interval_s: float = 0.5) -> None:
        self.restarts = 0
        self._on_restart = on_restart
        self._stop = threading.Event()
        self._thread = threading.Thread(target=supervise, args=(cluster, self._stop),
                                        kwargs={"on_restart": self._restarted, "interval_s": interval_s},
                                        name="k112-pg-supervisor", daemon=True)

    def _restarted(self, count: int) -> None:
        self.restarts = count
        if self._on_restart is not None:
            self._on_restart(count)

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop supervising (before stopping the cluster on purpose)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)


def start_supervisor(cluster: EmbeddedCluster, *, on_restart: Callable[[int], None] | None = None,
                     interval_s: float = 0.5) -> Supervisor:
    """Supervise ``cluster`` from a daemon thread (see :func:`supervise`)."""
    return Supervisor(cluster, on_restart=on_restart, interval_s=interval_s).start()


#: Where clusters go when the requested directory is below one the postgres user cannot enter.
FALLBACK_ROOT = Path("/var/tmp/kendari112-pg")


def _reachable_dir(requested: Path) -> Path:
    """``requested``, or — as root, when the postgres user cannot traverse to it (a checkout under
    /root) — a directory under FALLBACK_ROOT, linked from ``requested`` so it stays findable."""
    if os.geteuid() != 0:
        return requested
    if requested.is_symlink():
        return requested.resolve()
    requested.parent.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["runuser", "-u", SUPERUSER, "--", "test", "-x", str(requested.parent)],
                           capture_output=True, check=False)
    if probe.returncode == 0:
        return requested
    import hashlib

    digest = hashlib.sha256(str(requested).encode()).hexdigest()[:12]
    target = FALLBACK_ROOT / f"{requested.name}-{digest}"
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(FALLBACK_ROOT, 0o755)
    if not requested.exists():
        requested.symlink_to(target, target_is_directory=True)
    return target


def ensure_database(admin_url: str, dbname: str, *, template: str | None = None) -> None:
    """Create ``dbname`` if it does not exist (connected to the maintenance DB at ``admin_url``)."""
    from psycopg import sql

    deadline = time.monotonic() + 20
    while True:
        try:
            conn = psycopg.connect(admin_url, autocommit=True)
            break
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise EmbeddedClusterError(f"cannot connect to the embedded cluster: {exc}") from exc
            time.sleep(0.2)
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
            if template:
                stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(dbname), sql.Identifier(template)
                )
            conn.execute(stmt)


def _shm_attached(shmid: int) -> int:
    """How many processes are attached to the System V shared memory segment ``shmid`` (0: gone)."""
    try:
        with open("/proc/sysvipc/shm") as fh:
            header = fh.readline().split()
            id_col, n_col = header.index("shmid"), header.index("nattch")
            for line in fh:
                cols = line.split()
                if len(cols) > max(id_col, n_col) and cols[id_col] == str(shmid):
                    return int(cols[n_col])
    except (OSError, ValueError):
        return 0
    return 0


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "no details"
