"""Parse a BPS-style population table per kecamatan ("Kota Kendari Dalam Angka") from CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from field_errors import FieldError, ValidationFailed
from layers.geodata import kecamatan, normalise_name, place_aliases

MAX_ROWS = 100
MAX_POPULATION = 2_000_000
REQUIRED_COLUMNS = ("kecamatan", "population", "year")


@dataclass(frozen=True)
class PopulationRow:
    kecamatan_kode: str
    kecamatan: str
    population: int
    year: int


def _kecamatan_lookup() -> dict[str, tuple[str, str]]:
    kec = kecamatan()
    out = {normalise_name(n): (k, n) for k, n in zip(kec["kode"], kec["nama"])}
    out.update({k: (k, n) for k, n in zip(kec["kode"], kec["nama"])})
    for (kind, alias), canonical in place_aliases().items():
        if kind == "kecamatan" and normalise_name(canonical) in out:
            out[alias] = out[normalise_name(canonical)]
    return out


def parse_population_csv(text: str) -> list[PopulationRow]:
    """Rows ``kecamatan,population,year`` (name, alias or Kemendagri code; header required).

    Raises
    ------
    ValidationFailed
        Listing every bad line (``line N``) with its reason; nothing is returned half-way.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed([FieldError("file", f"kolom wajib tidak ada: {', '.join(missing)}",
                                           f"missing required columns: {', '.join(missing)}")])
    lookup = _kecamatan_lookup()
    errors: list[FieldError] = []
    rows: list[PopulationRow] = []
    seen: dict[str, int] = {}
    for line_no, raw in enumerate(reader, start=2):
        if line_no - 1 > MAX_ROWS:
            errors.append(FieldError("file", f"lebih dari {MAX_ROWS} baris", f"more than {MAX_ROWS} rows"))
            break
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        field = f"line {line_no}"
        name = row.get("kecamatan", "")
        hit = lookup.get(name) or lookup.get(normalise_name(name))
        if hit is None:
            errors.append(FieldError(field, f"kecamatan tidak dikenal: {name!r}", f"unknown kecamatan: {name!r}"))
            continue
        try:
            population = int(row.get("population", "").replace(".", "").replace(",", "").replace(" ", ""))
        except ValueError:
            errors.append(FieldError(field, "jumlah penduduk bukan bilangan bulat", "population is not a whole number"))
            continue
        if not 0 < population <= MAX_POPULATION:
            errors.append(FieldError(field, f"jumlah penduduk di luar 1–{MAX_POPULATION:,}",
                                     f"population outside 1–{MAX_POPULATION:,}"))
            continue
        try:
            year = int(row.get("year", ""))
        except ValueError:
            errors.append(FieldError(field, "tahun bukan bilangan bulat", "year is not a whole number"))
            continue
        if not 1990 <= year <= 2100:
            errors.append(FieldError(field, "tahun di luar 1990–2100", "year outside 1990–2100"))
            continue
        if hit[0] in seen:
            errors.append(FieldError(field, f"{hit[1]} sudah ada di baris {seen[hit[0]]}",
                                     f"{hit[1]} already given on line {seen[hit[0]]}"))
            continue
        seen[hit[0]] = line_no
        rows.append(PopulationRow(hit[0], hit[1], population, year))
    if errors:
        raise ValidationFailed(errors)
    if not rows:
        raise ValidationFailed([FieldError("file", "berkas tidak berisi baris data", "the file has no data rows")])
    return rows
