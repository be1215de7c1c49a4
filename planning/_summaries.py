"""Plain-language summaries of the planning results: what it means for the city first, the method last.

Each summary is a :class:`Summary`: one headline in everyday words (no statistic's name), any
warnings, a few supporting facts with numbers, and the method lines (Gi*, permutations, MCLP,
CBC …) that the page and the report show in a folded section with a link to the documentation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import h3

from i18n import fmt_duration, tr
from planning._format import coordinates, join_names, kind_noun, minutes, model_label, num, pct, type_names
from planning._places import kelurahan_at
from planning.hotspots import clustered_hot
from planning.siting import site_label

#: Below this many incidents a pattern is flagged as unreliable.
FEW_INCIDENTS = 30
#: Where the method is documented (the app serves it at ``/planning/method``).
METHOD_PATH = "/planning/method"


@dataclass(frozen=True)
class Summary:
    """A result in words.

    Attributes
    ----------
    headline
        What it means for the city, in plain words (no method names).
    facts
        Supporting lines with the numbers.
    method
        How it was computed (names of statistics and solvers are fine here).
    warnings
        What to be careful about (approximate station locations, few incidents).
    anchor
        The section of the method page that explains it (``hotspots``, ``coverage``, ``siting``).
    """

    headline: str
    facts: tuple[str, ...] = ()
    method: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    anchor: str = ""

    def lines(self) -> list[str]:
        """Every line, headline first and method last (for plain-text uses)."""
        return [self.headline, *self.warnings, *self.facts, *self.method]


# --- hotspots -------------------------------------------------------------------------------
def _hot_places(view: Any) -> list[tuple[str, int, int]]:
    """Kelurahan of the strongest hot spots: ``(name, incidents in hot cells, confidence)``, most first.

    Only kelurahan reaching the strongest confidence found are named. The incidents' own
    kelurahan are used when known (``view.hot_places``), else the kelurahan of each cell's centre.
    """
    table = getattr(view, "hot_places", None)
    if table is not None:
        places = [(str(r.nama), int(r.count), int(r.confidence)) for r in table.itertuples()]
    else:
        places = _centre_places(view.hotspots.cells)
    if not places:
        return []
    best = max(p[2] for p in places)
    return [p for p in places if p[2] == best]


def _centre_places(cells: Any) -> list[tuple[str, int, int]]:
    """Kelurahan of the centres of clustered hot cells: ``(name, incidents in them, best confidence)``."""
    hot = cells[clustered_hot(cells)]
    if hot.empty:
        return []
    centres = [h3.cell_to_latlng(c) for c in hot.index]
    where = kelurahan_at([c[1] for c in centres], [c[0] for c in centres])
    totals: dict[str, list[int]] = {}
    for (kel, _kec), count, conf in zip(where, hot["count"], hot["confidence"]):
        if kel is None:
            continue
        entry = totals.setdefault(kel, [0, 0])
        entry[0] += int(count)
        entry[1] = max(entry[1], int(conf))
    return sorted(((k, v[0], v[1]) for k, v in totals.items()), key=lambda t: (-t[1], t[0]))


def hotspot_summary(view: Any, lang: str = "id") -> Summary:
    """Where incidents concentrate, in words; the Gi* details go to the method lines."""
    res = view.hotspots
    counts = res.class_counts()
    hot = sum(v for k, v in counts.items() if k.startswith("hot"))
    cold = sum(v for k, v in counts.items() if k.startswith("cold"))
    places = _hot_places(view)
    if places:
        named = places[:3]
        conf = pct(named[0][2] / 100.0, lang, 0)
        names = join_names([p[0] for p in named], lang)
        headline = tr(f"{names} punya jauh lebih banyak insiden daripada sekitarnya — {conf} yakin ini bukan "
                      "kebetulan.",
                      f"{names} have many more incidents than their surroundings — {conf} sure this is not chance.",
                      lang)
    else:
        headline = tr("Insiden tersebar cukup merata: tidak ada kawasan yang menonjol dibanding sekitarnya.",
                      "Incidents are spread fairly evenly: no area stands out from its surroundings.", lang)
    area = tr("±0,1 km²", "±0.1 km²", lang) if res.resolution == 9 else tr("±0,7 km²", "±0.7 km²", lang)
    top = view.kelurahan.head(3)
    facts = [
        tr(f"{num(view.n_incidents, lang)} insiden dianalisis · {num(len(res.cells), lang)} heksagon "
           f"({area} per heksagon)",
           f"{num(view.n_incidents, lang)} incidents analysed · {num(len(res.cells), lang)} hexagons "
           f"({area} each)", lang),
        tr(f"Titik panas: {num(hot, lang)} heksagon (99 %: {num(counts['hot_99'], lang)} · 95 %: "
           f"{num(counts['hot_95'], lang)} · 90 %: {num(counts['hot_90'], lang)}) · titik dingin: {num(cold, lang)} "
           "heksagon",
           f"Hot spots: {num(hot, lang)} hexagons (99%: {num(counts['hot_99'], lang)} · 95%: "
           f"{num(counts['hot_95'], lang)} · 90%: {num(counts['hot_90'], lang)}) · cold spots: {num(cold, lang)} "
           "hexagons", lang),
        tr("Kelurahan dengan insiden terbanyak: ", "Kelurahan with the most incidents: ", lang)
        + ", ".join(f"{n} ({num(int(c), lang)})" for n, c in zip(top["nama"], top["count"])),
    ]
    if len(places) > 3:
        facts.append(tr("Kelompok titik panas juga di: ", "Clusters of hot spots also in: ", lang)
                     + join_names([p[0] for p in places[3:]], lang, limit=8))
    if view.emerging is not None:
        changed = int((view.emerging["change"] != "unchanged").sum())
        new_hot = int((view.emerging["change"] == "new_hot").sum())
        facts.append(tr(f"Dibanding periode pembanding: {num(changed, lang)} heksagon berubah, {num(new_hot, lang)} "
                        "titik panas baru",
                        f"Against the comparison period: {num(changed, lang)} hexagons changed, {num(new_hot, lang)} "
                        "new hot spots", lang))
    warnings = []
    if FEW_INCIDENTS <= view.n_incidents < len(res.cells):
        warnings.append(tr("Rata-rata kurang dari 1 insiden per heksagon: heksagon merah yang berdiri sendiri bisa "
                           "kebetulan — perhatikan kelompoknya, atau pilih heksagon besar.",
                           "Fewer than 1 incident per hexagon on average: a red hexagon standing alone can be "
                           "chance — look at the clusters, or choose large hexagons.", lang))
    if view.n_incidents < FEW_INCIDENTS:
        warnings.append(tr(f"Hanya {num(view.n_incidents, lang)} insiden: pola sebanyak ini bisa saja kebetulan.",
                           f"Only {num(view.n_incidents, lang)} incidents: a pattern from so few can be chance.",
                           lang))
    bw = num(view.density.bandwidth_m, lang)
    method = [
        tr(f"Getis-Ord Gi* (esda) pada heksagon H3 resolusi {res.resolution}, ketetanggaan cincin-1 (heksagon itu "
           f"dan 6 tetangganya); {num(res.permutations, lang)} permutasi bersyarat (seed {res.seed}).",
           f"Getis-Ord Gi* (esda) on H3 hexagons of resolution {res.resolution}, ring-1 contiguity (the hexagon "
           f"and its 6 neighbours); {num(res.permutations, lang)} conditional permutations (seed {res.seed}).", lang),
        tr("«99 % yakin» berarti: dari ribuan penempatan acak insiden yang sama, kurang dari 1 dari 100 menghasilkan "
           "kelompok sepadat ini (nilai p pseudo ≤ 0,01; 95 %: ≤ 0,05; 90 %: ≤ 0,10). Tanpa koreksi uji berganda: "
           "satu heksagon signifikan sendirian dibaca hati-hati, kelompoknya yang bermakna.",
           "“99% sure” means: of thousands of random placements of the same incidents, fewer than 1 in 100 gives a "
           "cluster this dense (pseudo p-value ≤ 0.01; 95%: ≤ 0.05; 90%: ≤ 0.10). No multiple-testing correction: "
           "read a single significant hexagon with care; clusters of them are the finding.", lang),
        tr(f"Kepadatan kernel (KDE) Gauss, bandwidth {bw} m, grid 100 m di UTM 51S.",
           f"Gaussian kernel density (KDE), bandwidth {bw} m, 100 m grid in UTM 51S.", lang),
    ]
    return Summary(headline=headline, facts=tuple(facts), method=tuple(method), warnings=tuple(warnings),
                   anchor="hotspots")


# --- coverage -------------------------------------------------------------------------------
def station_warnings(stations: Sequence[Mapping[str, Any]], kind: str, lang: str) -> list[str]:
    """Say which stations are only approximately placed (and which have an uncertain location)."""
    out = []
    approx = [str(r["name"]) for r in stations if r.get("location_confidence") == "approximate"]
    if approx:
        every = len(approx) == len(stations)
        count = (tr(f"semua {num(len(approx), lang)} {kind_noun(kind, lang)}",
                    f"all {num(len(approx), lang)} {kind_noun(kind, lang)}", lang) if every else
                 tr(f"{num(len(approx), lang)} dari {num(len(stations), lang)} {kind_noun(kind, lang)}",
                    f"{num(len(approx), lang)} of {num(len(stations), lang)} {kind_noun(kind, lang)}", lang))
        verb = "are" if len(approx) > 1 else "is"
        out.append(tr(f"Perhatian: lokasi {count} hanya perkiraan (hanya kecamatannya yang diketahui): "
                      f"{join_names(approx, lang, limit=8)}. Angka cakupan ini indikatif — koreksi lokasinya di "
                      "menu Admin.",
                      f"Caution: {count} {verb} placed approximately (only the kecamatan is known): "
                      f"{join_names(approx, lang, limit=8)}. These coverage figures are indicative — correct the "
                      "locations in Admin.", lang))
    low = [str(r["name"]) for r in stations if r.get("location_confidence") == "low"]
    if low:
        out.append(tr(f"Lokasi kurang pasti: {join_names(low, lang)}.",
                      f"Uncertain location: {join_names(low, lang)}.", lang))
    return out


def coverage_summary(view: Any, lang: str = "id") -> Summary:
    """How much of the city and of its incidents the stations reach within the last band."""
    res = view.result
    last = res.bands_min[-1]
    within = res.within(last)
    beyond_kel = int(res.stats["kelurahan_n"].iloc[-1])
    n_st = len(view.stations)
    noun = kind_noun(view.kind, lang)
    t = minutes(last, lang)
    headline = tr(f"{num(n_st, lang)} {noun} menjangkau {pct(within['incidents_share'], lang)} insiden dan "
                  f"{pct(within['area_share'], lang)} daratan kota dalam {t} menit; {num(beyond_kel, lang)} dari "
                  f"{num(len(res.kelurahan), lang)} kelurahan sebagian besar berada di luar jangkauan itu.",
                  f"The {num(n_st, lang)} {noun} reach {pct(within['incidents_share'], lang)} of incidents and "
                  f"{pct(within['area_share'], lang)} of the city's land within {t} minutes; "
                  f"{num(beyond_kel, lang)} of {num(len(res.kelurahan), lang)} kelurahan lie mostly beyond that.",
                  lang)
    n_inc = int(res.stats["incidents_n"].sum())
    facts = [
        tr(f"Model waktu tempuh: {model_label(res.model, lang)}", f"Travel-time model: {model_label(res.model, lang)}",
           lang),
        tr(f"{num(n_st, lang)} pos · {num(n_inc, lang)} insiden dalam filter · daratan "
           f"{num(res.land_area_km2, lang, 1)} km²",
           f"{num(n_st, lang)} stations · {num(n_inc, lang)} incidents in the filters · land "
           f"{num(res.land_area_km2, lang, 1)} km²", lang),
    ]
    method = [
        tr("Waktu tempuh dari pos terdekat: satu Dijkstra multi-sumber pada graf perjalanan, pos dan insiden "
           "ditempelkan ke jaringan seperti saat pengarahan.",
           "Travel time from the nearest station: one multi-source Dijkstra on the travel graph, stations and "
           "incidents joined to the network as in dispatching.", lang),
        tr(f"Area layanan dari grid {num(res.grid_m, lang)} m di daratan; air tidak pernah dihitung terjangkau. Pita "
           "(bawah, atas] menit.",
           f"Service areas from a {num(res.grid_m, lang)} m grid over the land; water never counts as covered. Bands "
           "are (lower, upper] minutes.", lang),
    ]
    return Summary(headline=headline, facts=tuple(facts), method=tuple(method),
                   warnings=tuple(station_warnings(view.stations, view.kind, lang)), anchor="coverage")


# --- siting ---------------------------------------------------------------------------------
def siting_summary(view: Any, lang: str = "id") -> Summary:
    """What the proposed posts would change, in words; the optimisation details go to the method lines."""
    res = view.result
    t = minutes(res.max_minutes, lang)
    kind = getattr(view, "kind", "")
    noun = kind_noun(kind, lang)
    chosen = res.chosen.to_dict("records")
    sites = [site_label(c, lang) for c in chosen]
    removed = res.existing[res.existing["removed"]]
    n_moved = len(removed)
    gain_pts = (res.covered_share - res.baseline_share) * 100.0
    if res.gain_n > 0:
        moved_id = f", dengan memindahkan {join_names(list(removed['name']), lang)}," if n_moved else ""
        moved_en = f", moving {join_names(list(removed['name']), lang)}," if n_moved else ""
        headline = tr(f"{num(res.k, lang)} {noun} baru di {join_names(sites, lang)}{moved_id} akan menjangkau "
                      f"{num(res.gain_n, lang)} insiden lagi dalam {t} menit: dari {pct(res.baseline_share, lang)} "
                      f"menjadi {pct(res.covered_share, lang)}.",
                      f"{num(res.k, lang)} new {noun} at {join_names(sites, lang)}{moved_en} would bring "
                      f"{num(res.gain_n, lang)} more incidents within {t} minutes: from "
                      f"{pct(res.baseline_share, lang)} to {pct(res.covered_share, lang)}.", lang)
    else:
        headline = tr(f"Tidak ada lokasi kandidat yang menambah insiden terjangkau dalam {t} menit: pos yang ada sudah "
                      f"menjangkau {pct(res.baseline_share, lang)}.",
                      f"No candidate site adds incidents within {t} minutes: today's posts already reach "
                      f"{pct(res.baseline_share, lang)}.", lang)
    moved_line_id = f" dan {num(n_moved, lang)} pos dipindahkan" if n_moved else ""
    moved_line_en = f" and {num(n_moved, lang)} post moved" if n_moved else ""
    source = {"kelurahan": tr("titik kelurahan", "kelurahan points", lang), "grid": tr("grid 2 km", "2 km grid", lang),
              "clicked": tr("titik yang diklik", "clicked points", lang)}.get(res.candidate_source, "")
    facts = [
        tr(f"Hari ini: {num(res.baseline_n, lang)} dari {num(res.n_incidents, lang)} insiden "
           f"({pct(res.baseline_share, lang)}) terjangkau ≤ {t} menit",
           f"Today: {num(res.baseline_n, lang)} of {num(res.n_incidents, lang)} incidents "
           f"({pct(res.baseline_share, lang)}) within {t} min", lang),
        tr(f"Dengan {num(res.k, lang)} pos baru{moved_line_id}: {num(res.covered_n, lang)} "
           f"({pct(res.covered_share, lang)}), tambahan {num(res.gain_n, lang)} insiden "
           f"(+{num(gain_pts, lang, 1)} poin persentase)",
           f"With {num(res.k, lang)} new post(s){moved_line_en}: {num(res.covered_n, lang)} "
           f"({pct(res.covered_share, lang)}), {num(res.gain_n, lang)} more incidents "
           f"(+{num(gain_pts, lang, 1)} percentage points)", lang),
        tr("Lokasi usulan: ", "Proposed sites: ", lang) + ("; ".join(sites) or "—"),
    ]
    if res.relocate:
        facts.append(tr("Pos yang dipindahkan: ", "Post relocated: ", lang)
                     + (join_names(list(removed["name"]), lang) if n_moved else
                        tr("tidak ada (tidak ada pemindahan yang lebih baik)", "none (no move does better)", lang)))
    facts.append(_types_line(view, noun, lang))
    facts.append(tr(f"Dipilih dari {num(len(res.candidates), lang)} kandidat ({source})",
                    f"Chosen from {num(len(res.candidates), lang)} candidates ({source})", lang))
    method = [
        tr(f"Masalah lokasi cakupan maksimal (MCLP), diselesaikan eksak dengan PuLP/CBC (optimal): "
           f"{num(len(res.candidates), lang)} kandidat, {num(res.solution.n_groups, lang)} kelompok permintaan, "
           f"{_seconds(res.solution.solve_s, lang)}.",
           f"Maximal covering location problem (MCLP), solved exactly with PuLP/CBC (optimal): "
           f"{num(len(res.candidates), lang)} candidates, {num(res.solution.n_groups, lang)} demand groups, "
           f"{_seconds(res.solution.solve_s, lang)}.", lang),
        tr("Sebuah insiden terjangkau bila waktu tempuh dari pos ke insiden ≤ T; insiden yang sudah terjangkau pos "
           "saat ini dihitung terjangkau. ", "An incident is covered when the travel time from a post to it is ≤ T; "
           "incidents today's posts already reach count as covered. ", lang)
        + tr("Model waktu tempuh: ", "Travel-time model: ", lang) + model_label(res.model, lang),
        *(tr("Koordinat ", "Coordinates of ", lang) + f"{site_label(c, lang)}: {coordinates(c['lon'], c['lat'], lang)}"
          for c in chosen),
    ]
    return Summary(headline=headline, facts=tuple(facts), method=tuple(method),
                   warnings=tuple(station_warnings(getattr(view, "stations", ()), kind, lang)), anchor="siting")


def _seconds(value_s: float, lang: str) -> str:
    """A solver time: ``0,12 dtk`` below a second, else in minutes and seconds."""
    if value_s >= 1:
        return fmt_duration(value_s, lang)
    return num(value_s, lang, 2) + tr(" dtk", " s", lang)


def _types_line(view: Any, noun: str, lang: str) -> str:
    """Which incident types the what-if counted, and why."""
    codes = tuple(getattr(view, "types", ()) or ())
    if not codes:
        return tr("Insiden yang dihitung: semua jenis dalam filter", "Incidents counted: every type in the filters",
                  lang)
    names = join_names(type_names(codes, getattr(view, "type_names", {}) or {}, lang), lang, limit=6)
    if getattr(view, "types_default", False):
        return tr(f"Insiden yang dihitung: {names} — jenis yang dilayani {noun} menurut rencana respons",
                  f"Incidents counted: {names} — the types {noun} answer under the response plans", lang)
    return tr(f"Insiden yang dihitung: {names}", f"Incidents counted: {names}", lang)



# --- when -----------------------------------------------------------------------------------
def _clock(hour: int) -> str:
    """``19:00`` (as every time in the app, WITA)."""
    return f"{hour % 24:02d}:00"


def _window(hours: Any, width: int, *, busiest: bool) -> int:
    """Start hour of the ``width``-hour window (wrapping midnight) with the most (or fewest) incidents."""
    sums = [sum(hours[(h + i) % 24] for i in range(width)) for h in range(24)]
    pick = max(sums) if busiest else min(sums)
    return sums.index(pick)


def temporal_summary(view: Any, lang: str = "id") -> Summary:
    """When incidents happen, in words: the busiest hours, weekday and month (WITA)."""
    from planning import temporal as tmp

    matrix = view.hour_weekday.to_numpy()
    total = int(matrix.sum())
    if total == 0:
        return Summary(headline=tr("Tidak ada insiden dalam filter ini.", "No incidents in these filters.", lang),
                       anchor="when")
    hours = matrix.sum(axis=0).tolist()
    days = tmp.WEEKDAYS_EN if lang == "en" else tmp.WEEKDAYS_ID
    day = days[int(matrix.sum(axis=1).argmax())]
    start = _window(hours, 3, busiest=True)
    quiet = _window(hours, 3, busiest=False)
    busy = f"{_clock(start)}–{_clock(start + 3)}"
    calm = f"{_clock(quiet)}–{_clock(quiet + 3)}"
    by_month = view.seasonality.by_month.sum(axis=1)
    months = tmp.MONTHS_EN if lang == "en" else tmp.MONTHS_ID
    top = by_month.idxmax()
    month = f"{months[top.month - 1]} {top.year}"
    headline = tr(f"Insiden paling banyak terjadi pukul {busy} WITA dan pada hari {day}; bulan tersibuk: {month} "
                  f"({num(int(by_month.max()), lang)} insiden).",
                  f"Most incidents happen between {busy} WITA and on {day}s; the busiest month was {month} "
                  f"({num(int(by_month.max()), lang)} incidents).", lang)
    share = sum(hours[(start + i) % 24] for i in range(3)) / total
    facts = (tr(f"{num(total, lang)} insiden · {pct(share, lang)} di antaranya pukul {busy} · paling sepi pukul {calm}",
                f"{num(total, lang)} incidents · {pct(share, lang)} of them between {busy} · quietest {calm}", lang),)
    method = (tr("Waktu pembuatan tiket dalam WITA (UTC+8); insiden iseng dan duplikat tidak dihitung. Jam tersibuk: "
                 "jendela 3 jam dengan insiden terbanyak, melewati tengah malam bila perlu.",
                 "Ticket creation time in WITA (UTC+8); prank and duplicate incidents are not counted. Busiest hours: "
                 "the 3-hour window with the most incidents, wrapping midnight when needed.", lang),)
    return Summary(headline=headline, facts=facts, method=method, anchor="when")
