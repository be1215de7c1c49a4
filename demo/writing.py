"""Writing stage of the demo data: read the inputs, generate, check and write in one transaction."""

from __future__ import annotations

import logging
from datetime import datetime

import shapely

from demo._common import Progress, StageClock
from demo.generator import generate
from demo.model import (
    ACTOR,
    DESCRIPTION,
    DemoData,
    DemoInputs,
    IncidentType,
    Kelurahan,
    PlanRow,
    Station,
    UnitType,
)
from store import ConflictError, Database, demo as demo_store

log = logging.getLogger(__name__)


def to_terminal(line: str) -> None:
    """Print one progress line at once (start-up and benchmark output)."""
    print(f"demo data: {line}", flush=True)


def seed_if_empty(db: Database, *, seed: int = 112, months: int = 12, now: datetime | None = None,
                  progress: Progress | None = None) -> dict[str, int]:
    """Seed the demo fleet and ``months`` of history when there are no units and no incidents.

    Every row is marked: ``synthetic = true`` on units, calls and incidents; events carry
    ``actor = 'demo'`` and ``data->>'synthetic' = 'true'``. Concurrent start-ups seed once (an
    advisory lock is held for the whole transaction).

    Parameters
    ----------
    db
        The database (schema, catalog and geography already loaded).
    seed
        Random seed: the same seed and ``now`` give the same rows (apart from serial ids).
    months
        Length of the history, ending at ``now``.
    now
        End of the history (timezone-aware); default: the current time.
    progress
        Receives one line per stage (name, rows, seconds); default: printed to the terminal.

    Returns
    -------
    dict
        Rows written per table; empty when the database already held units or incidents.
    """
    with db.transaction() as cur:
        if demo_store.lock_and_has_data(cur):
            log.info("demo data: units or incidents exist, nothing seeded")
            return {}
        return _seed(cur, seed=seed, months=months, now=now, progress=progress)


def seed(db: Database, *, seed: int = 112, months: int = 12, now: datetime | None = None,
         n_incidents: int | None = None, with_events: bool = True, bulk: bool = False,
         progress: Progress | None = None) -> dict[str, int]:
    """Seed demo data into an empty database; for benchmarks, with an exact incident count.

    Parameters
    ----------
    db, seed, months, now, progress
        As for :func:`seed_if_empty`.
    n_incidents
        Exact number of incidents (``None``: the calibrated volume, ~25,000 a year). All rates
        scale with it, so 1,000,000 incidents come with ~2.3 million calls.
    with_events
        Also write the append-only event history (~8 rows per incident); the projection
        columns of incidents and assignments are always filled.
    bulk
        Load for speed (benchmarks): the kelurahan each point was drawn in is written directly
        instead of by the spatial-join trigger, and, when the role is a superuser, the per-row
        foreign-key checks are skipped for the load (see :func:`store.demo.write`). References
        are checked in Python before writing (:meth:`demo.model.DemoData.check`).

    Returns
    -------
    dict
        Rows written per table.

    Raises
    ------
    ConflictError
        The database already holds units or incidents.
    """
    with db.transaction() as cur:
        if demo_store.lock_and_has_data(cur):
            raise ConflictError("the database already holds units or incidents; "
                                "demo data is only written into an empty one")
        return _seed(cur, seed=seed, months=months, now=now, n_incidents=n_incidents,
                     with_events=with_events, bulk=bulk, progress=progress)


def load_inputs(cur: demo_store.Cursor) -> DemoInputs:
    """Read what the generator needs: geography, stations, incident/unit types, response plans.

    Parameters
    ----------
    cur
        A cursor (dict rows).

    Returns
    -------
    DemoInputs
    """
    ref = demo_store.read_reference(cur)
    kel = tuple(
        Kelurahan(r["kode"], r["nama"], r["kecamatan_kode"], r["kecamatan"], float(r["area_km2"]),
                  shapely.from_wkb(r["wkb"]))
        for r in ref.kelurahan
    )
    stations = tuple(Station(r["id"], r["name"], r["category"], float(r["lon"]), float(r["lat"]), r["kecamatan"])
                     for r in ref.facilities)
    types = tuple(IncidentType(r["code"], r["agency_code"], int(r["default_priority"]), bool(r["is_emergency"]))
                  for r in ref.incident_types)
    unit_types = tuple(UnitType(r["code"], r["agency_code"]) for r in ref.unit_types)
    plans = tuple(PlanRow(r["incident_type"], r["unit_type"], int(r["unit_count"]), tuple(r["substitutes"] or ()))
                  for r in ref.plans)
    return DemoInputs(kel, stations, types, unit_types, plans)


def to_rows(data: DemoData) -> demo_store.DemoRows:
    """The generated tables as the rows the store writes (after :meth:`DemoData.check`).

    Parameters
    ----------
    data
        Generated demo data.

    Returns
    -------
    store.demo.DemoRows

    Raises
    ------
    DemoDataError
        The tables are inconsistent.
    """
    data.check()
    return demo_store.DemoRows(units=data.units, calls=data.calls, incidents=data.incidents,
                               assignments=data.assignments, events=data.events,
                               description=DESCRIPTION, actor=ACTOR)


def _seed(cur: demo_store.Cursor, *, seed: int, months: int, now: datetime | None,
          n_incidents: int | None = None, with_events: bool = True, bulk: bool = False,
          progress: Progress | None = None) -> dict[str, int]:
    report = to_terminal if progress is None else progress
    volume = "calibrated volume" if n_incidents is None else f"{n_incidents:,} incidents"
    report(f"generating {months} months, seed {seed}, {volume}{', bulk load' if bulk else ''}")
    clock = StageClock(report)
    inputs = load_inputs(cur)
    clock.done("inputs", f"{len(inputs.kelurahan):,} kelurahan")
    data = generate(inputs, seed=seed, months=months, now=now, n_incidents=n_incidents,
                    with_events=with_events, progress=report)
    rows = to_rows(data)
    generated_s = clock.total_s()
    report(f"generated in {generated_s:.1f} s; writing")
    counts = demo_store.write(cur, rows, bulk=bulk, progress=report)
    written_s = clock.total_s() - generated_s
    report(f"written in {written_s:.1f} s: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()))
    log.info("demo data: %s (generated in %.1f s, written in %.1f s)", counts, generated_s, written_s)
    return counts
