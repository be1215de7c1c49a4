"""HTML pieces of the network admin page (pages/network.py) and the ETA accuracy page.

Plain functions of the data and ``lang``; numbers through :func:`i18n.fmt_num`, times in WITA.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import html

from field_errors import ValidationFailed
from i18n import fmt_duration, fmt_num, fmt_wita, tr
from layers.network_traces import connector_kind_label, period_text, reason_label
from web.errors import user_message

#: Road classes of the networks (imported OSM / RBI, the approximate lattice, connectors): (id, en).
ROAD_CLASS_LABELS: dict[str, tuple[str, str]] = {
    "*": ("Semua kelas jalan", "Every road class"),
    "arterial": ("Jalan arteri", "Arterial road"),
    "collector": ("Jalan kolektor", "Collector road"),
    "local": ("Jalan lokal", "Local road"),
    "other": ("Jalan lain", "Other road"),
    "footpath": ("Jalan setapak", "Footpath"),
    "motorway": ("Jalan bebas hambatan", "Motorway"),
    "trunk": ("Jalan nasional utama", "Trunk road"),
    "primary": ("Jalan primer", "Primary road"),
    "secondary": ("Jalan sekunder", "Secondary road"),
    "tertiary": ("Jalan tersier", "Tertiary road"),
    "unclassified": ("Jalan tanpa kelas", "Unclassified road"),
    "residential": ("Jalan permukiman", "Residential street"),
    "service": ("Jalan layanan", "Service road"),
    "living_street": ("Jalan lingkungan", "Living street"),
    "track": ("Jalan tanah", "Track"),
    "road": ("Jalan", "Road"),
    "lattice": ("Kisi daratan (model perkiraan)", "Land lattice (approximate model)"),
    "bridge": ("Jembatan", "Bridge"),
    "ferry": ("Penyeberangan feri", "Ferry"),
    "link": ("Ruas penghubung", "Missing link"),
    "connector_link": ("Sambungan ke penghubung", "Link to a connector"),
    "—": ("Tidak diketahui", "Unknown"),
}
#: Fields of a correction as the admin knows them: (id, en).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "kind": ("Jenis koreksi", "Correction kind"),
    "name": ("Nama", "Name"),
    "reason": ("Alasan", "Reason"),
    "source": ("Sumber", "Source"),
    "geometry": ("Bentuk di peta", "Shape on the map"),
    "a": ("Titik pertama", "First point"),
    "b": ("Titik kedua", "Second point"),
    "connector_kind": ("Jenis penghubung", "Connector kind"),
    "length_m": ("Panjang (m)", "Length (m)"),
    "speed_kmh": ("Kecepatan (km/jam)", "Speed (km/h)"),
    "crossing_s": ("Waktu menyeberang", "Crossing time"),
    "waiting_s": ("Waktu menunggu", "Waiting time"),
    "starts_at": ("Mulai", "From"),
    "ends_at": ("Sampai", "Until"),
    "road_class": ("Kelas jalan", "Road class"),
    "start_hour": ("Jam mulai", "Start hour"),
    "end_hour": ("Jam selesai", "End hour"),
    "factor": ("Faktor kecepatan", "Speed factor"),
    "from": ("Dari tanggal", "From date"),
    "to": ("Sampai tanggal", "To date"),
    "band": ("Rentang jam", "Hour band"),
    "incident_id": ("Insiden", "Incident"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "connector": ("Penghubung", "Connector"),
    "closure": ("Penutupan", "Closure"),
    "speed_factor": ("Faktor kecepatan", "Speed factor"),
}
MODEL_LABELS: dict[str, tuple[str, str]] = {
    "road": ("Jaringan jalan hasil impor", "Imported road network"),
    "approximate": ("Model perkiraan (kisi daratan + jembatan)", "Approximate model (land lattice + bridges)"),
}


def road_class_label(name: str | None, lang: str) -> str:
    """A road class in the user's language (an unknown class: its name with spaces)."""
    pair = ROAD_CLASS_LABELS.get(name or "—")
    return tr(pair[0], pair[1], lang) if pair else str(name).replace("_", " ")


def field_label(name: str, lang: str) -> str:
    pair = FIELD_LABELS.get(name)
    return tr(pair[0], pair[1], lang) if pair else name.replace("_", " ")


def ok(text: str, element_id: str = "network-ok") -> Any:
    return html.Span(text, className="k112-ok", id=element_id)


def failure(exc: BaseException, lang: str) -> Any:
    """A refusal: one line per bad field (``id="network-err-<field>"``), or the error's one line."""
    if isinstance(exc, ValidationFailed):
        return html.Ul([html.Li(f"{field_label(e.field, lang)}: {tr(e.message_id, e.message_en, lang)}"
                                if e.field else tr(e.message_id, e.message_en, lang),
                                id=f"network-err-{e.field or 'form'}", className="k112-error")
                        for e in exc.errors], className="network-errors")
    return html.Span(user_message(exc, lang), className="k112-error", id="network-err-form")


def _fact(label: str, value: Any) -> Any:
    return html.Tr([html.Th(label), html.Td(value if value not in (None, "") else "—")])


def applied_text(entry: Mapping[str, Any], lang: str) -> str:
    """What a correction did to the loaded network, from its data."""
    kind = entry.get("kind")
    if kind in ("bridge", "ferry", "link"):
        if entry.get("applied"):
            return tr("ditambahkan (tidak ada di data jalan)", "added (not in the road data)", lang)
        if entry.get("existing_path_m") is not None:
            path = fmt_num(float(entry["existing_path_m"]), lang)
            return tr(f"dilewati: jaringan sudah menghubungkan kedua ujung (jalur {path} m)",
                      f"skipped: the network already joins both ends (a path of {path} m)", lang)
        return tr("dilewati: tidak ada simpul jaringan di dekat ujungnya", "skipped: no network node near its ends",
                  lang)
    if kind == "closure":
        n = fmt_num(float(entry.get("edges_closed") or 0), lang)
        return tr(f"berlaku: {n} arah ruas jalan ditutup", f"in force: {n} road segment directions closed", lang)
    if kind == "speed_factor":
        n = fmt_num(float(entry.get("edges") or 0), lang)
        return tr(f"berlaku pada {n} ruas", f"applied to {n} segments", lang)
    return tr("diterapkan", "applied", lang) if entry.get("applied") else tr("tidak diterapkan", "not applied", lang)


def _applied_name(entry: Mapping[str, Any], lang: str) -> str:
    kind = str(entry.get("kind") or "")
    if kind in ("bridge", "ferry", "link"):
        label = connector_kind_label(kind, lang)
    elif kind == "closure":
        label = tr("Penutupan", "Closure", lang) + ": " + reason_label(entry.get("reason"), lang)
    elif kind == "speed_factor":
        label = tr("Faktor kecepatan", "Speed factor", lang)
    else:
        label = kind
    origin = tr("bawaan", "shipped", lang) if entry.get("origin") == "shipped" else tr("admin", "admin", lang)
    name = entry.get("name") or ""
    return f"{label}{' — ' + str(name) if name else ''} ({origin})"


def network_card(view: Any, lang: str) -> Any:
    """Model, source, licence, attribution, size and import facts of the network in use."""
    net = view.network
    model = net.get("model")
    pair = MODEL_LABELS.get(str(model))
    source, licence, attribution = net.get("source"), net.get("licence"), net.get("attribution")
    if model == "approximate" and lang != "en":  # the lattice's own facts, worded here
        source = "Model perkiraan Kendari 112 (tanpa data jalan)"
        licence = "kisi daratan di atas poligon kelurahan bawaan (data proyek)"
        attribution = ["diturunkan dari poligon kelurahan bawaan, lihat ", html.Code("geo_data/SOURCES.md")]
    rows = [
        _fact(tr("Model", "Model", lang), tr(pair[0], pair[1], lang) if pair else model),
        _fact(tr("Sumber data", "Data source", lang), source),
        _fact(tr("Lisensi", "Licence", lang), licence),
        _fact(tr("Atribusi", "Attribution", lang), attribution),
        _fact(tr("Simpul / ruas", "Nodes / edges", lang),
              f"{fmt_num(net.get('nodes'), lang)} / {fmt_num(net.get('edges'), lang)}"),
    ]
    imp = view.imported or {}
    summary = view.import_summary or {}
    if imp:
        rows.append(_fact(tr("Berkas impor", "Imported file", lang),
                          f"{imp.get('file', '—')} ({imp.get('format', '—')}, {imp.get('mapping', '—')})"))
        rows.append(_fact(tr("Diimpor", "Imported", lang), imp.get("imported_at")))
    if summary:
        km = fmt_num(float(summary.get("kept_length_m") or 0) / 1000, lang, digits=1)
        rows.append(_fact(tr("Panjang jalan dipakai", "Road length used", lang), f"{km} km"))
        rows.append(_fact(tr("Ujung garis disambung", "Line ends joined", lang),
                          fmt_num((summary.get("joined_node_to_node") or 0) + (summary.get("joined_node_to_segment")
                                                                              or 0), lang)))
    if model == "approximate":
        note = tr("ETA dari model perkiraan hanyalah taksiran. Impor lapisan jalan (make import-roads) untuk "
                  "produksi.", "ETAs of the approximate model are estimates. Import a road layer "
                  "(make import-roads) for production.", lang)
    else:
        note = tr("Sumber dan lisensi ini ditampilkan bersama setiap ETA dan laporan.",
                  "This source and licence are shown with every ETA and report.", lang)
    applied = [html.Li([html.B(_applied_name(e, lang)), " — ", applied_text(e, lang)]) for e in view.applied]
    return html.Div([
        html.Table(html.Tbody(rows), className="k112-table network-facts"),
        html.P(note, className="network-note"),
        html.H4(tr("Koreksi yang diterapkan pada jaringan ini", "Corrections applied to this network", lang)),
        html.Ul(applied, id="network-applied") if applied else html.P(tr("Tidak ada.", "None.", lang)),
    ], id="network-info")


def _when(value: Any) -> str:
    return fmt_wita(value) if value is not None else "—"


def hour_text(hour: float) -> str:
    """``7.5`` → ``07:30``."""
    minutes = round(float(hour) * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _details(row: Mapping[str, Any], lang: str) -> str:
    kind = row.get("kind")
    if kind == "closure":
        period = period_text(row.get("starts_at"), row.get("ends_at"), lang)
        return f"{reason_label(row.get('reason'), lang)} · {period}"
    if kind == "connector":
        text = connector_kind_label(row.get("connector_kind"), lang)
        if row.get("length_m"):
            text += f" · {fmt_num(float(row['length_m']), lang)} m"
        if row.get("crossing_s") is not None:
            text += f" · {fmt_num(float(row['crossing_s']) / 60, lang, digits=1)} " + tr("mnt", "min", lang)
        elif row.get("speed_kmh"):
            text += f" · {fmt_num(float(row['speed_kmh']), lang)} " + tr("km/jam", "km/h", lang)
        return text
    if kind == "speed_factor":
        start, end = float(row.get("start_hour") or 0), float(row.get("end_hour") or 0)
        return (f"{road_class_label(row.get('road_class'), lang)} · {hour_text(start)}–{hour_text(end)} WITA · × "
                f"{fmt_num(float(row.get('factor') or 0), lang, digits=2)}")
    return ""


def corrections_table(rows: Sequence[Any], lang: str) -> Any:
    """Stored corrections (active and proposed) with retire / activate buttons."""
    if not rows:
        return html.P(tr("Belum ada koreksi tersimpan.", "No stored corrections yet.", lang), id="network-list-empty")
    body = []
    for view in rows:
        row = view.to_dict()
        status = row["status"]
        if status == "proposed":
            state = tr("usulan", "proposed", lang)
        elif row.get("active_now"):
            state = tr("berlaku", "in force", lang)
        else:
            state = tr("terjadwal / berakhir", "scheduled / ended", lang)
        buttons = [html.Button(tr("Cabut", "Retire", lang), id={"type": "network-retire", "index": row["id"]},
                               className="network-small")]
        if status == "proposed":
            buttons.insert(0, html.Button(tr("Aktifkan", "Activate", lang),
                                          id={"type": "network-activate", "index": row["id"]},
                                          className="network-small"))
        kind = KIND_LABELS.get(row["kind"], (row["kind"], row["kind"]))
        body.append(html.Tr([
            html.Td(f"#{row['id']}"), html.Td(tr(kind[0], kind[1], lang)), html.Td(row.get("name") or "—"),
            html.Td(_details(row, lang)), html.Td(state),
            html.Td(f"{row.get('created_by') or '—'}, {_when(view.created_at)}"), html.Td(buttons),
        ], id=f"network-row-{row['id']}"))
    head = [tr("No.", "No.", lang), tr("Jenis", "Kind", lang), tr("Nama", "Name", lang), tr("Rincian", "Details", lang),
            tr("Status", "Status", lang), tr("Dibuat oleh", "Created by", lang), ""]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
                      className="k112-table", id="network-list-table")


def repair_list(view: Any, lang: str) -> Any:
    """The dropped road pieces of the import (longest first), each with a 'connect' button."""
    if view.network.get("model") != "road":
        return html.P(tr("Tidak ada jaringan jalan hasil impor, jadi tidak ada laporan perbaikan.",
                         "No imported road network, so there is no repair report.", lang), id="network-repair-none")
    if not view.dropped:
        return html.P(tr("Impor tidak membuang potongan jalan apa pun.", "The import dropped no road piece.", lang),
                      id="network-repair-none")
    total_km = fmt_num(view.dropped_length_m / 1000, lang, digits=1)
    head = html.P(tr(f"{fmt_num(view.dropped_total, lang)} potongan jalan tidak tersambung dua arah ke jaringan "
                     f"utama dan dibuang ({total_km} km). Hubungkan dengan penghubung bila potongan itu memang "
                     "tersambung di lapangan.",
                     f"{fmt_num(view.dropped_total, lang)} road pieces are not connected both ways to the main "
                     f"network and were dropped ({total_km} km). Connect one with a connector when it is connected "
                     "on the ground.", lang))
    rows = []
    for piece in view.dropped:
        lon, lat = piece.centroid
        gap = piece.gap_m if piece.gap_m is not None else piece.nearest_kept_m
        rows.append(html.Tr([
            html.Td(f"#{piece.rank}"), html.Td(f"{fmt_num(piece.length_m, lang)} m"),
            html.Td(fmt_num(piece.nodes, lang)), html.Td(f"{lat:.5f}, {lon:.5f}"),
            html.Td("—" if gap is None else f"{fmt_num(float(gap), lang, digits=1)} m"),
            html.Td(html.Button(tr("Hubungkan", "Connect", lang), id={"type": "network-join", "index": piece.rank - 1},
                                className="network-small", disabled=piece.join_from is None)),
        ]))
    table = html.Table([
        html.Thead(html.Tr([html.Th(h) for h in (
            tr("No.", "No.", lang), tr("Panjang", "Length", lang), tr("Simpul", "Nodes", lang),
            tr("Lokasi (lintang, bujur)", "Location (lat, lon)", lang), tr("Jarak ke jaringan", "Gap to network", lang),
            "")])),
        html.Tbody(rows)], className="k112-table", id="network-repair-table")
    return html.Div([head, table])


# --- ETA accuracy report ------------------------------------------------------------------------------
def _ratio(value: float | None, lang: str) -> str:
    return "—" if value is None else fmt_num(value, lang, digits=2)


def _stats_table(rows: Sequence[Any], first: str, lang: str, table_id: str, *,
                 key_label: Any = None) -> Any:
    head = [first, tr("Perjalanan", "Trips", lang), tr("Rasio median (tercatat / prediksi)",
                                                       "Median ratio (recorded / predicted)", lang),
            tr("Galat absolut p90", "p90 absolute error", lang), tr("Median tercatat", "Median recorded", lang),
            tr("Median prediksi", "Median predicted", lang)]
    body = [html.Tr([html.Td(key_label(s.key) if key_label else s.key), html.Td(fmt_num(s.trips, lang)),
                     html.Td(_ratio(s.median_ratio, lang)), html.Td(fmt_duration(s.p90_abs_error_s, lang)),
                     html.Td(fmt_duration(s.median_recorded_s, lang)),
                     html.Td(fmt_duration(s.median_predicted_s, lang))])
            for s in rows]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)], className="k112-table",
                      id=table_id)


def _fits_table(report: Any, can_apply: bool, lang: str) -> Any:
    head = [tr("Jam (WITA)", "Hours (WITA)", lang), tr("Perjalanan", "Trips", lang),
            tr("Median prediksi / tercatat", "Median predicted / recorded", lang),
            tr("Faktor usulan (0,3–1,5)", "Suggested factor (0.3–1.5)", lang),
            tr("Faktor yang sudah berlaku", "Factors already in force", lang), ""]
    body = []
    for fit in report.fits:
        in_force = report.factors_in_force.get(fit.label, ())
        force_text = ", ".join(f"{road_class_label(f.get('road_class'), lang)} × "
                               f"{fmt_num(float(f.get('factor') or 0), lang, digits=2)}" for f in in_force) or "—"
        if fit.factor is None:
            factor_text = tr("terlalu sedikit perjalanan", "too few trips", lang)
        else:
            factor_text = fmt_num(fit.factor, lang, digits=2) + (tr(" (dibatasi)", " (bounded)", lang)
                                                                 if fit.bounded else "")
        button: Any = ""
        if can_apply and fit.factor is not None:
            button = html.Button(tr("Terapkan sebagai koreksi", "Apply as a correction", lang),
                                 id={"type": "accuracy-apply", "index": fit.band}, className="network-small")
        body.append(html.Tr([html.Td(f"{fit.label} WITA"), html.Td(fmt_num(fit.trips, lang)),
                             html.Td(_ratio(fit.raw, lang)), html.Td(factor_text), html.Td(force_text),
                             html.Td(button)]))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)], className="k112-table",
                      id="accuracy-fits")


def synthetic_note(report: Any, lang: str) -> Any:
    """The demo-data warning: on synthetic trips the report checks the synthetic model only."""
    if not report.synthetic_trips:
        return ""
    share = fmt_num(report.synthetic_trips, lang) + " / " + fmt_num(report.trips, lang)
    text = tr(f"Perhatian: {share} perjalanan adalah data demo sintetis (synthetic = true). Pada data demo laporan "
              "ini hanya memeriksa model perjalanan sintetis pembangkit data demo, bukan kota yang sebenarnya.",
              f"Note: {share} trips are synthetic demo data (synthetic = true). On demo data this report only "
              "checks the demo generator's synthetic travel model, not the real city.", lang)
    return html.P(text, className="network-warning", id="accuracy-synthetic")


def accuracy_result(report: Any, can_apply: bool, lang: str) -> Any:
    """The whole report: what was compared, overall figures, per band (with fitted factors), kecamatan, class."""
    net = report.network
    start = fmt_wita(report.period.start, date=True)
    end = fmt_wita(report.period.end, date=True)
    facts = tr(f"{fmt_num(report.trips, lang)} perjalanan (berangkat {start} s.d. {end}); "
               f"{fmt_num(report.evaluated, lang)} dapat diprediksi. Asal: posisi unit saat ditugaskan "
               f"({fmt_num(report.from_position, lang)}) atau markasnya ({fmt_num(report.from_home, lang)}).",
               f"{fmt_num(report.trips, lang)} trips (set off {start} to {end}); "
               f"{fmt_num(report.evaluated, lang)} could be predicted. Origin: the unit's position at dispatch "
               f"({fmt_num(report.from_position, lang)}) or its home station ({fmt_num(report.from_home, lang)}).",
               lang)
    model = MODEL_LABELS.get(str(net.get("model")))
    described = [net.get("source"), net.get("licence")] if net.get("model") != "approximate" or lang == "en" else []
    network = tr("Jaringan: ", "Network: ", lang) + " · ".join(
        str(v) for v in (tr(model[0], model[1], lang) if model else net.get("model"), *described) if v)
    parts: list[Any] = [synthetic_note(report, lang), html.P(facts, id="accuracy-facts"),
                        html.P(network, className="network-note")]
    if report.capped:
        parts.append(html.P(tr("Hanya perjalanan terbaru yang dipakai (batas jumlah).",
                               "Only the most recent trips are used (size limit).", lang), className="network-note"))
    overall = report.overall
    ratio, p90 = _ratio(overall.median_ratio, lang), fmt_duration(overall.p90_abs_error_s, lang)
    parts.append(html.P(tr(f"Seluruhnya: rasio median {ratio} (di atas 1: perjalanan lebih lama dari prediksi), "
                           f"galat absolut p90 {p90}.",
                           f"Overall: median ratio {ratio} (above 1: trips take longer than predicted), "
                           f"p90 absolute error {p90}.", lang), id="accuracy-overall"))
    parts += [
        html.H4(tr("Per rentang jam (WITA) dan faktor kecepatan usulan", "By hour band (WITA) and suggested speed "
                   "factors", lang)),
        html.P(tr("Faktor usulan = median prediksi / tercatat, dibatasi 0,3–1,5; disimpan sebagai faktor kecepatan "
                  "untuk semua kelas jalan pada rentang itu (tercatat di audit, dapat dicabut) dan dikalikan dengan "
                  "faktor yang sudah berlaku.",
                  "Suggested factor = median predicted / recorded, bounded to 0.3–1.5; stored as a speed factor for "
                  "every road class in that band (audited, can be retired) and multiplied with the factors already "
                  "in force.", lang), className="network-note"),
        _fits_table(report, can_apply, lang),
        _stats_table(report.by_band, tr("Jam (WITA)", "Hours (WITA)", lang), lang, "accuracy-by-band"),
        html.H4(tr("Per kecamatan", "By kecamatan", lang)),
        _stats_table(report.by_kecamatan, tr("Kecamatan", "Kecamatan", lang), lang, "accuracy-by-kecamatan"),
        html.H4(tr("Per kelas jalan (ruas tempat insiden bergabung)", "By road class (the edge the incident joins)",
                   lang)),
        _stats_table(report.by_road_class, tr("Kelas jalan", "Road class", lang), lang, "accuracy-by-class",
                     key_label=lambda key: road_class_label(key, lang)),
    ]
    return html.Div(parts)
