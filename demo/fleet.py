"""Fleet stage of the demo data: units of each type based at the city's stations, with call signs."""

from __future__ import annotations

import numpy as np

from demo._common import FloatArray, IntArray, zone_of
from demo._errors import DemoInputError
from demo.model import DemoInputs, Station, Table

#: Hospitals as longitude, latitude and bay zone arrays (index = hospital number).
Hospitals = tuple[FloatArray, FloatArray, IntArray]


def build_fleet(inputs: DemoInputs, rng: np.random.Generator) -> Table:
    """Units at their stations.

    Ambulances at every puskesmas (+2 at hospitals), 7 fire engines over the Damkar posts (2 at
    the main post), 2 water tankers, 2 rescue units, 2-3 police patrols per polsek, 3 BPBD
    rapid-response units. Unit types missing from the catalog are left out.

    Parameters
    ----------
    inputs
        Stations and unit types.
    rng
        The fleet's random stream (patrols per polsek).

    Returns
    -------
    dict
        Per unit: ``callsign``, ``unit_type``, ``agency_code``, ``home_facility_id``,
        ``home_lon``, ``home_lat``, ``home_zone``.

    Raises
    ------
    DemoInputError
        No station can host a unit.
    """
    by_cat: dict[str, list[Station]] = {}
    for s in sorted(inputs.stations, key=lambda s: s.facility_id):
        by_cat.setdefault(s.category, []).append(s)
    known_types = {u.code: u.agency_code for u in inputs.unit_types}
    homes: list[tuple[str, str, Station]] = []   # (prefix, unit_type, station)

    def add(prefix: str, unit_type: str, station: Station, count: int = 1) -> None:
        if unit_type in known_types:
            homes.extend((prefix, unit_type, station) for _ in range(count))

    for s in by_cat.get("puskesmas", []):
        add("AMB", "ambulance", s)
    for s in by_cat.get("hospital", [])[:2]:
        add("AMB", "ambulance", s)
    posts = by_cat.get("fire_post", [])
    for i, s in enumerate(posts):
        add("DMK", "fire_engine", s, 2 if i == 0 else 1)
    for i in sorted({0, 3 % len(posts)} if posts else ()):
        add("TNK", "water_tanker", posts[i])
    for i in sorted({0, 1 % len(posts)} if posts else ()):
        add("RSC", "rescue", posts[i])
    for s in by_cat.get("police_station", []):
        add("POL", "police_patrol", s, int(rng.integers(2, 4)))
    bpbd = by_cat.get("bpbd_post", [])
    for i in range(3 if bpbd else 0):
        add("BPBD", "bpbd_rescue", bpbd[i % len(bpbd)])
    if not homes:
        raise DemoInputError("no stations to base units at (facilities table empty?)")

    counters: dict[str, int] = {}
    callsign = []
    for prefix, _, _ in homes:
        counters[prefix] = counters.get(prefix, 0) + 1
        callsign.append(f"{prefix}-{counters[prefix]:02d}")
    stations = [h[2] for h in homes]
    return {
        "callsign": np.array(callsign, dtype=object),
        "unit_type": np.array([h[1] for h in homes], dtype=object),
        "agency_code": np.array([known_types[h[1]] for h in homes], dtype=object),
        "home_facility_id": np.array([s.facility_id for s in stations], dtype=np.int64),
        "home_lon": np.array([s.lon for s in stations]),
        "home_lat": np.array([s.lat for s in stations]),
        "home_zone": zone_of([s.kecamatan for s in stations]),
    }


def hospitals(inputs: DemoInputs) -> Hospitals:
    """The hospitals that ambulances take patients to, in facility id order.

    Parameters
    ----------
    inputs
        The stations.

    Returns
    -------
    tuple of numpy.ndarray
        Longitude, latitude and bay zone per hospital.
    """
    stations = sorted(inputs.stations, key=lambda s: s.facility_id)
    hosp_st = [s for s in stations if s.category == "hospital"]
    return (np.array([s.lon for s in hosp_st]), np.array([s.lat for s in hosp_st]),
            zone_of([s.kecamatan for s in hosp_st]))
