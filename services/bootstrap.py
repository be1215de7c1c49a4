"""Prepare a database for the app: read and validate the shipped geodata, then let the store migrate and load it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from layers import geodata
from store import bootstrap as store_bootstrap
from store.db import Database
from store.reference import GeographyRows


def geography_rows() -> GeographyRows:
    """The shipped boundaries, aliases and facilities as plain rows (validated by ``layers.geodata``)."""
    kec = geodata.kecamatan()
    kel = geodata.kelurahan()
    return GeographyRows(
        kecamatan=tuple((r.kode, r.nama, r.geometry.wkt, float(r.area_km2)) for r in kec.itertuples()),
        kelurahan=tuple((r.kode, r.nama, r.kecamatan_kode, r.geometry.wkt, float(r.area_km2))
                        for r in kel.itertuples()),
        aliases=tuple((kind, alias_norm, canonical)
                      for (kind, alias_norm), canonical in geodata.place_aliases().items()),
        facilities=tuple({"name": f.name, "category": f.category, "agency_code": f.agency_code,
                          "address": f.address, "phone": f.phone, "lon": f.lon, "lat": f.lat,
                          "location_confidence": f.location_confidence, "source": f.source,
                          "licence": f.licence} for f in geodata.facilities()),
    )


def prepare(db: Database, *, app_url: str | None = None, secrets_dir: Path | None = None) -> dict[str, Any]:
    """Migrate ``db``, load the reference catalog and the geography when missing, set up the app role."""
    return store_bootstrap.prepare(db, geography=geography_rows(), app_url=app_url, secrets_dir=secrets_dir)
