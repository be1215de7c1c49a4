#!/usr/bin/env python3
"""`make ha-demo`: a pg_auto_failover formation on this machine and the app against it.

Starts (creating it on first use) a monitor and two PostgreSQL + PostGIS nodes on loopback under
``var/ha`` (ports 54340-54342, or --port and the two next), then ``app.py run`` with the multi-host
``DATABASE_URL`` (``target_session_attrs=read-write``): the app prepares the database on the primary
as the owner and serves as the app role. Prints every state change the monitor reports. A node
whose processes died is started again after 10 s (as systemd would), and rejoins as secondary.

In another terminal: ``.venv/bin/python scripts/ha_demo.py --kill-primary`` kills -9 the primary
node (pg_autoctl, postmaster, backends); the secondary takes over in about 15 s.
Ctrl-C stops the app and the formation (data kept in var/ha); ``--clean`` deletes it.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import _setup  # noqa: F401  (puts the project on sys.path)

from settings import ROOT_DIR, VAR_DIR
from store._errors import StoreError
from store.ha import NODE_NAMES, HAFormation

HA_DIR = VAR_DIR / "ha"
RESTART_AFTER_S = 10.0


def _stop(*_: object) -> None:
    raise KeyboardInterrupt


def _describe(state: list[dict[str, object]]) -> str:
    return "  ".join(f"{n['name']}:{n['reported']}" + ("" if n["reported"] == n["assigned"] else f"→{n['assigned']}")
                     for n in state) or "monitor not answering"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("KENDARI112_HA_PORT", "54340")),
                        help="monitor port (the nodes use the two next ports)")
    parser.add_argument("--clean", action="store_true", help="stop and delete the formation in var/ha")
    parser.add_argument("--kill-primary", action="store_true", help="kill -9 the current primary node")
    parser.add_argument("--no-app", action="store_true", help="run the formation only")
    args = parser.parse_args(argv)
    formation = HAFormation(HA_DIR, monitor_port=args.port)
    if args.clean:
        formation.destroy()
        print(f"removed {HA_DIR}")
        return 0
    if args.kill_primary:
        primary = formation.primary()
        if primary is None:
            print("error: no primary (is `make ha-demo` running?)", file=sys.stderr)
            return 2
        formation.kill(primary)
        print(f"killed {primary} (kill -9 of its pg_autoctl, postmaster and backends) at {time.strftime('%X')}")
        return 0

    signal.signal(signal.SIGTERM, _stop)
    app = None
    try:
        t0 = time.monotonic()
        print(f"starting the formation in {HA_DIR} (monitor :{args.port}, nodes :{args.port + 1}, "
              f":{args.port + 2}) …", flush=True)
        formation.create()
        print(f"formation ready in {time.monotonic() - t0:.1f} s: {_describe(formation.state())}")
        print(f"synchronous_standby_names = {formation.synchronous_standby_names()!r}")
        print(f"DATABASE_URL={formation.uri()}", flush=True)
        if not args.no_app:
            env = dict(os.environ, DATABASE_URL=formation.uri())
            env.pop("KENDARI112_APP_DATABASE_URL", None)
            app = subprocess.Popen([sys.executable, str(ROOT_DIR / "app.py"), "run"], cwd=ROOT_DIR, env=env)
        print("kill the primary from another terminal: .venv/bin/python scripts/ha_demo.py --kill-primary",
              flush=True)
        last = ""
        died_at: dict[str, float] = {}
        while True:
            if app is not None and app.poll() is not None:
                print(f"the app exited ({app.returncode})")
                return int(app.returncode or 0)
            now = _describe(formation.state())
            if now != last:
                print(f"{time.strftime('%X')}  {now}", flush=True)
                last = now
            for name in formation.exited():
                if name == "monitor" or name in NODE_NAMES:
                    died_at.setdefault(name, time.monotonic())
                    if time.monotonic() - died_at[name] >= RESTART_AFTER_S:
                        print(f"{time.strftime('%X')}  starting {name} again (it rejoins as secondary)", flush=True)
                        formation.run(name)
                        died_at.pop(name)
            time.sleep(1.0)
    except KeyboardInterrupt:
        print("stopping", flush=True)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if app is not None and app.poll() is None:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(20)
            except subprocess.TimeoutExpired:
                app.kill()
        formation.stop()
        print(f"formation stopped (data kept in {HA_DIR}; `make ha-clean` deletes it)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
