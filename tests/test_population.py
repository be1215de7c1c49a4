"""BPS population table import: good file stored whole, every bad line reported, nothing half-way."""

from __future__ import annotations

import pytest

from layers.population import parse_population_csv
from services import admin as admin_ops
from store import Database, geo

GOOD = "kecamatan,population,year\nPoasia,40054,2021\nWua Wua,\"31.200\",2021\n74.71.08,45000,2021\n"


def test_parse_names_aliases_and_codes() -> None:
    rows = parse_population_csv(GOOD)
    assert [(r.kecamatan, r.population, r.year) for r in rows] == [
        ("Poasia", 40054, 2021), ("Wua-Wua", 31200, 2021), ("Kadia", 45000, 2021)]


def test_every_bad_line_is_listed() -> None:
    text = ("kecamatan,population,year\nAtlantis,5,2021\nPoasia,lots,2021\nKadia,100,1890\n"
            "Mandonga,-4,2021\nNambo,100,2021\nnambo,200,2021\n")
    with pytest.raises(admin_ops.ValidationFailed) as info:
        parse_population_csv(text)
    fields = [e.field for e in info.value.errors]
    assert fields == ["line 2", "line 3", "line 4", "line 5", "line 7"]
    assert "unknown kecamatan" in info.value.errors[0].message_en
    assert "already given on line 6" in info.value.errors[-1].message_en


@pytest.mark.parametrize("text", ["", "name,pop\nPoasia,1\n", "kecamatan,population,year\n"])
def test_bad_files(text: str) -> None:
    with pytest.raises(admin_ops.ValidationFailed):
        parse_population_csv(text)


def test_import_is_all_or_nothing_and_shown_on_the_map(db: Database) -> None:
    with pytest.raises(admin_ops.ValidationFailed):
        admin_ops.import_population(db, GOOD + "Atlantis,5,2021\n", actor="admin", actor_user_id=None)
    with db.transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM kecamatan WHERE population IS NOT NULL")
        assert cur.fetchone()["n"] == 0
    assert admin_ops.import_population(db, GOOD, actor="admin", actor_user_id=None) == 3
    feats = {f["properties"]["nama"]: f["properties"] for f in geo.area_layers(db)["kecamatan"]["geojson"]["features"]}
    assert feats["Poasia"]["population"] == 40054 and feats["Poasia"]["population_year"] == 2021
    assert feats["Baruga"]["population"] is None
    with db.transaction() as cur:
        cur.execute("SELECT data FROM events WHERE kind = 'import'")
        assert cur.fetchone()["data"]["what"] == "population"
