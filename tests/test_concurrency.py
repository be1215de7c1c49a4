"""No double assignment: 20 simultaneous POSTs for one unit against the real server → exactly one 201."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from store import Database

ATTEMPTS = 20


def _post(base: str, path: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer live-test-token",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _race(base: str, calls: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(calls))
    results: list[tuple[int, dict] | None] = [None] * len(calls)

    def worker(i: int) -> None:
        barrier.wait()
        results[i] = _post(base, *calls[i])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


def _active_assignments(db: Database, unit_id: int) -> int:
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM assignments WHERE unit_id = %s AND status <> 'cleared'", (unit_id,))
        return int(cur.fetchone()["n"])


def test_twenty_simultaneous_assignments_of_one_unit(live_app, add_unit, places) -> None:
    unit = add_unit(live_app.db)
    mandonga = places.mandonga
    incidents = []
    for i in range(ATTEMPTS):  # different incidents, the worst case for a per-incident lock
        status, body = _post(live_app.base_url, "/api/v1/incidents",
                             {"lat": mandonga[0] + 0.004 * (i % 5), "lon": mandonga[1] + 0.004 * (i // 5),
                              "type": "medical"})
        assert status == 201, body
        incidents.append(body["id"])
    results = _race(live_app.base_url, [(f"/api/v1/incidents/{inc}/assignments", {"unit_id": unit})
                                        for inc in incidents])
    codes = sorted(code for code, _ in results)
    assert codes.count(201) == 1 and codes.count(409) == ATTEMPTS - 1, codes
    assert all("not available" in body["errors"][0]["message"] for code, body in results if code == 409)
    assert _active_assignments(live_app.db, unit) == 1
    with live_app.db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM events WHERE kind = 'unit_dispatched' AND unit_id = %s", (unit,))
        assert cur.fetchone()["n"] == 1


def test_twenty_simultaneous_assignments_to_one_incident(live_app, add_unit, places) -> None:
    unit = add_unit(live_app.db)
    status, body = _post(live_app.base_url, "/api/v1/incidents", {"lat": places.kandai[0], "lon": places.kandai[1],
                                                                 "type": "medical"})
    assert status == 201
    results = _race(live_app.base_url, [(f"/api/v1/incidents/{body['id']}/assignments", {"unit_id": unit})] * ATTEMPTS)
    codes = [code for code, _ in results]
    assert codes.count(201) == 1 and codes.count(409) == ATTEMPTS - 1, codes
    assert _active_assignments(live_app.db, unit) == 1


@pytest.mark.parametrize("status", ["en_route"])
def test_racing_status_changes_apply_once(live_app, add_unit, status: str) -> None:
    unit = add_unit(live_app.db)
    _, inc = _post(live_app.base_url, "/api/v1/incidents", {"lat": -3.99, "lon": 122.53, "type": "medical"})
    assert _post(live_app.base_url, f"/api/v1/incidents/{inc['id']}/assignments", {"unit_id": unit})[0] == 201
    results = _race(live_app.base_url, [(f"/api/v1/units/{unit}/status", {"status": status})] * 10)
    codes = [code for code, _ in results]
    assert codes.count(200) == 1 and codes.count(409) == 9, codes
