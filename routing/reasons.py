"""Routing reason codes as text people read, in Indonesian (default) or English.

The routing package flags and refuses points with stable codes (``reason_code`` of a snapped
point, a candidate unit or a typed error); this module turns such a code, with the numbers it
carries, into one short phrase. Pure text: no request, no database; ``lang`` is a parameter.

=======================  ==================================================================
code                     meaning
=======================  ==================================================================
``open_water``           the point lies in the bay or the sea, away from the shore
``outside_service_area`` the point lies outside the city's service area
``boat_only``            land that no road, bridge or ferry reaches (Pulau Bungkutoko)
``off_network``          the point cannot be joined to the travel network
``separate_land``        the unit and the incident are on land pieces no road joins
``no_open_road``         every road between them is closed (closures)
``beyond_limit``         farther than the search limit (90 minutes)
``off_road``             joined by an off-road leg of ``distance_m`` (a flag, not a refusal)
``invalid_position``     the reported position is not a valid coordinate
=======================  ==================================================================
"""

from __future__ import annotations

from i18n import fmt_num, tr

#: Every code :func:`routing_reason_text` words (others are shown as a generic phrase).
REASON_CODES: tuple[str, ...] = (
    "open_water", "outside_service_area", "boat_only", "off_network", "separate_land", "no_open_road",
    "beyond_limit", "off_road", "invalid_position",
)


def _km(distance_m: float | None, lang: str) -> str:
    """``1.234`` m → ``1,2 km`` (id) / ``1.2 km`` (en); below 1 km in whole metres."""
    if distance_m is None:
        return "—"
    if abs(float(distance_m)) < 1000:
        return fmt_num(float(distance_m), lang) + " m"
    return fmt_num(float(distance_m) / 1000.0, lang, digits=1) + " km"


def routing_reason_text(code: str | None, lang: str, **values: float | str | None) -> str:
    """One phrase for a routing reason code, worded in ``lang`` (``"id"`` or ``"en"``).

    Parameters
    ----------
    code
        A reason code (see the module docs); ``None`` or an unknown code gives a generic phrase.
    lang
        ``"id"`` (Bahasa Indonesia) or ``"en"``.
    values
        Numbers the phrase can carry: ``distance_m`` (off-road leg, distance from land or road),
        ``minutes`` (the search limit of ``beyond_limit``), ``speed_kmh`` (off-road speed).

    Returns
    -------
    str
        E.g. ``routing_reason_text("off_road", "id", distance_m=1200)`` → ``"di luar jalan 1,2 km"``.
    """
    distance = values.get("distance_m")
    dist_m = float(distance) if isinstance(distance, (int, float)) else None
    far = _km(dist_m, lang)
    if code == "off_road":
        text = tr(f"di luar jalan {far}", f"off-road {far}", lang)
        speed = values.get("speed_kmh")
        if isinstance(speed, (int, float)):
            kmh = fmt_num(float(speed), lang)
            text += tr(f" (dengan {kmh} km/jam)", f" (at {kmh} km/h)", lang)
        return text
    if code == "open_water":
        if dist_m is not None:
            return tr(f"di perairan terbuka, {far} dari daratan", f"in open water, {far} from land", lang)
        return tr("di perairan terbuka", "in open water", lang)
    if code == "outside_service_area":
        if dist_m is not None:
            return tr(f"di luar wilayah layanan, {far} dari daratan kota",
                      f"outside the service area, {far} from the city's land", lang)
        return tr("di luar wilayah layanan", "outside the service area", lang)
    if code == "boat_only":
        return tr("hanya terjangkau dengan perahu (tidak ada jalan, jembatan atau feri)",
                  "reachable by boat only (no road, bridge or ferry)", lang)
    if code == "off_network":
        if dist_m is not None:
            return tr(f"tidak terhubung ke jaringan perjalanan ({far} dari jalan terdekat)",
                      f"not on the travel network ({far} from the nearest road)", lang)
        return tr("tidak terhubung ke jaringan perjalanan", "not on the travel network", lang)
    if code == "separate_land":
        return tr("daratan terpisah: tidak ada jalan atau jembatan yang menghubungkan",
                  "separate land pieces: no road or bridge connects them", lang)
    if code == "no_open_road":
        return tr("tidak ada jalan yang terbuka (jalan ditutup)", "no open road (roads closed)", lang)
    if code == "beyond_limit":
        minutes = values.get("minutes")
        if isinstance(minutes, (int, float)):
            limit = fmt_num(float(minutes), lang)
            return tr(f"lebih dari {limit} menit dari lokasi", f"more than {limit} min away", lang)
        return tr("di luar batas waktu pencarian", "beyond the search limit", lang)
    if code == "invalid_position":
        return tr("posisi tidak sah", "the position is not valid", lang)
    return tr("rute tidak dapat dihitung", "no route can be computed", lang)


__all__ = ["REASON_CODES", "routing_reason_text"]
