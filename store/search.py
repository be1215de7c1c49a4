"""Place search for call-takers: kelurahan and kecamatan by name or spelling alias, facilities, landmarks.

Names are compared in a folded form (lower case; hyphens, dots, commas, apostrophes and spaces
removed), so "Wuawua", "wua-wua" and "Wua Wua" all find Wua Wua; ``place_aliases`` adds the
other spellings call-takers use (e.g. "Kessilampe" → Kassilampe, "Kota Lama" → Kendari Caddi).
"""

from __future__ import annotations

import re
from typing import Any

from store.db import Database

#: SQL expression folding a name column the same way :func:`fold` folds the query.
_FOLD_SQL = "regexp_replace(lower({col}), '[^0-9a-z]', '', 'g')"

_SEARCH = f"""
WITH q AS (SELECT %(q)s::text AS q)
SELECT * FROM (
    SELECT 'kelurahan' AS kind, k.nama AS name, kc.nama AS detail, k.nama AS matched,
           ST_X(ST_PointOnSurface(k.geom)) AS lon, ST_Y(ST_PointOnSurface(k.geom)) AS lat,
           CASE WHEN {_FOLD_SQL.format(col='k.nama')} = q.q THEN 0
                WHEN {_FOLD_SQL.format(col='k.nama')} LIKE q.q || '%%' THEN 1 ELSE 3 END AS rank
      FROM kelurahan k JOIN kecamatan kc ON kc.kode = k.kecamatan_kode, q
     WHERE {_FOLD_SQL.format(col='k.nama')} LIKE '%%' || q.q || '%%'
    UNION ALL
    SELECT 'kelurahan', k.nama, kc.nama, a.alias,
           ST_X(ST_PointOnSurface(k.geom)), ST_Y(ST_PointOnSurface(k.geom)),
           CASE WHEN {_FOLD_SQL.format(col='a.alias_norm')} = q.q THEN 0 ELSE 2 END
      FROM place_aliases a JOIN kelurahan k ON k.kode = a.kode JOIN kecamatan kc ON kc.kode = k.kecamatan_kode, q
     WHERE a.kind = 'kelurahan' AND {_FOLD_SQL.format(col='a.alias_norm')} LIKE q.q || '%%'
    UNION ALL
    SELECT 'kecamatan', kc.nama, '', kc.nama,
           ST_X(ST_PointOnSurface(kc.geom)), ST_Y(ST_PointOnSurface(kc.geom)),
           CASE WHEN {_FOLD_SQL.format(col='kc.nama')} = q.q THEN 1 ELSE 4 END
      FROM kecamatan kc, q
     WHERE {_FOLD_SQL.format(col='kc.nama')} LIKE '%%' || q.q || '%%'
    UNION ALL
    SELECT 'kecamatan', kc.nama, '', a.alias,
           ST_X(ST_PointOnSurface(kc.geom)), ST_Y(ST_PointOnSurface(kc.geom)), 4
      FROM place_aliases a JOIN kecamatan kc ON kc.kode = a.kode, q
     WHERE a.kind = 'kecamatan' AND {_FOLD_SQL.format(col='a.alias_norm')} LIKE q.q || '%%'
    UNION ALL
    SELECT CASE WHEN f.category = 'landmark' THEN 'landmark' ELSE 'facility' END, f.name,
           coalesce(kl.nama || ', ', '') || coalesce(kc.nama, ''), f.name,
           ST_X(f.geom), ST_Y(f.geom),
           CASE WHEN {_FOLD_SQL.format(col='f.name')} = q.q THEN 0 ELSE 3 END
      FROM facilities f
      LEFT JOIN kelurahan kl ON kl.kode = f.kelurahan_kode
      LEFT JOIN kecamatan kc ON kc.kode = f.kecamatan_kode, q
     WHERE {_FOLD_SQL.format(col='f.name')} LIKE '%%' || q.q || '%%'
) hits
ORDER BY rank, kind, name
LIMIT %(limit)s
"""


def fold(text: str) -> str:
    """Lower-case and keep only ASCII letters and digits ("Wua-Wua" → "wuawua")."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def search_places(db: Database, query: str, *, limit: int = 12) -> list[dict[str, Any]]:
    """Places whose name or alias contains ``query`` (folded), best matches first.

    Returns
    -------
    list of dict
        ``kind`` (kelurahan, kecamatan, facility, landmark), ``name``, ``detail`` (where it is),
        ``matched`` (the spelling that matched), ``lon``, ``lat`` (a point inside the area, or
        the facility's location).
    """
    folded = fold(query)
    if len(folded) < 2:
        return []
    with db.transaction() as cur:
        cur.execute(_SEARCH, {"q": folded, "limit": limit})
        rows = [dict(r) for r in cur.fetchall()]
    seen: set[tuple[str, str]] = set()
    out = []
    for r in rows:
        key = (r["kind"], r["name"])
        if key in seen:
            continue
        seen.add(key)
        r.pop("rank", None)
        out.append(r)
    return out
