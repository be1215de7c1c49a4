"""Typed errors → one translated message (Indonesian/English) and one HTTP status.

Pages show :func:`user_message`; the API answers :func:`api_answer` (status and the ``errors`` list
of its JSON body). Catch :data:`EXPECTED` around a service call; anything else is a bug and is
left to the generic handler (logged, answered 500).

A page's message is worded from the error's data (callsign, statuses, incident, distance), never
from its English line: an error that carries no data the page can word shows only its headline
in Indonesian, and its English line in English.
"""

from __future__ import annotations

from dataclasses import dataclass

from i18n import fmt_num, tr
from incidents import labels
from incidents.validation import ValidationFailed
from layers._errors import GeoDataError
from planning._errors import InvalidParameterError, NoIncidentsError, NoStationsError, PlanningError, SolverError
from routing._errors import OffNetworkError, OutsideServiceAreaError, RoutingError, UnreachableError
from services.incidents import IdempotencyMismatchError, RecommendationError
from store._errors import (
    ConflictError,
    DatabaseUnavailableError,
    InvalidTransitionError,
    NotFoundError,
    StoreError,
    UnitNotAvailableError,
)

__all__ = ["EXPECTED", "ErrorKind", "api_answer", "field_label", "field_messages", "kind_of", "reason_text",
           "status_of", "user_message"]


@dataclass(frozen=True)
class ErrorKind:
    """How one family of errors is shown.

    Attributes
    ----------
    status
        HTTP status of the API answer.
    text_id, text_en
        The user's message (Indonesian, English); the error's reason follows when ``detail``.
    detail
        Follow the headline with the error's reason: worded from the error's data in the user's
        language when it has any (:func:`reason_text`), else its one-line English reason in
        English only (the API's message is always ``api_prefix`` + ``str(exc)``).
    field
        The ``field`` of the API's error entry.
    api_prefix
        Put before ``str(exc)`` in the API's English message.
    """

    status: int
    text_id: str
    text_en: str
    detail: bool = True
    field: str = ""
    api_prefix: str = ""


_VALIDATION = ErrorKind(422, "", "", detail=False)
_UNEXPECTED = ErrorKind(500, "Kesalahan tak terduga; sudah dicatat.", "Unexpected error; it has been logged.",
                        detail=False)
_ROUTE = ErrorKind(422, "Rute tidak dapat dihitung — ", "Cannot route — ", field="location")

#: Most specific first: the first class that ``isinstance`` matches decides.
_KINDS: tuple[tuple[type[BaseException], ErrorKind], ...] = (
    (UnitNotAvailableError, ErrorKind(409, "Unit tidak tersedia lagi — ", "Unit no longer available — ")),
    (InvalidTransitionError, ErrorKind(409, "Perubahan status ditolak — ", "Status change refused — ")),
    (ConflictError, ErrorKind(409, "Ditolak — ", "Refused — ")),
    (NotFoundError, ErrorKind(404, "Tidak ditemukan — ", "Not found — ")),
    (DatabaseUnavailableError, ErrorKind(503, "Basis data tidak dapat dihubungi; coba lagi sebentar.",
                                         "The database cannot be reached; try again shortly.", detail=False,
                                         api_prefix="database error: ")),
    (StoreError, ErrorKind(503, "Kesalahan basis data — ", "Database error — ", api_prefix="database error: ")),
    (IdempotencyMismatchError, ErrorKind(422, "Permintaan ganda ditolak — ", "Repeated request refused — ",
                                         field="Idempotency-Key")),
    (RecommendationError, _ROUTE),
    (OutsideServiceAreaError, _ROUTE),
    (OffNetworkError, _ROUTE),
    (UnreachableError, _ROUTE),
    (RoutingError, ErrorKind(503, "Model perjalanan tidak tersedia — ", "Travel model unavailable — ",
                             api_prefix="travel graph unavailable: ")),
    (NoIncidentsError, ErrorKind(404, "Tidak ada insiden yang cocok dengan filter ini.",
                                 "No incidents match these filters.", detail=False)),
    (NoStationsError, ErrorKind(404, "Tidak ada pos jenis ini di peta (atau tidak dapat dihubungkan ke jaringan).",
                                "No station of this kind (or none can be joined to the travel network).",
                                detail=False)),
    (InvalidParameterError, ErrorKind(422, "Parameter tidak valid: ", "Invalid parameter: ")),
    (SolverError, ErrorKind(422, "Solver optimasi gagal: ", "The optimisation solver failed: ")),
    (PlanningError, ErrorKind(422, "Tidak dapat dihitung: ", "Cannot compute: ")),
    (GeoDataError, ErrorKind(503, "Data peta rusak atau hilang — ", "Map data missing or broken — ")),
)

#: The errors a page or endpoint expects from a service call (each maps to a message and a status).
EXPECTED: tuple[type[Exception], ...] = (ValidationFailed, StoreError, IdempotencyMismatchError, RecommendationError,
                                         RoutingError, PlanningError, GeoDataError)

#: Names of input fields as the user knows them.
_FIELD_LABELS: dict[str, tuple[str, str]] = {
    "lat": ("Lintang", "Latitude"),
    "lon": ("Bujur", "Longitude"),
    "type": ("Jenis kejadian", "Incident type"),
    "priority": ("Prioritas", "Priority"),
    "description": ("Keterangan", "Description"),
    "address": ("Alamat", "Address"),
    "caller_phone": ("Nomor penelepon", "Caller's phone"),
    "call_received_at": ("Waktu panggilan masuk", "Call received at"),
    "call_answered_at": ("Waktu panggilan dijawab", "Call answered at"),
    "q": ("Pencarian", "Search"),
    "status": ("Status", "Status"),
    "outcome": ("Hasil", "Outcome"),
    "note": ("Catatan", "Note"),
    "duplicate_of": ("Duplikat dari", "Duplicate of"),
    "at": ("Waktu", "Time"),
    "recorded_at": ("Waktu posisi", "Position time"),
    "source": ("Sumber", "Source"),
    "unit_id": ("Unit", "Unit"),
    "unit_ids": ("Unit", "Units"),
    "incident_type": ("Jenis insiden", "Incident type"),
    "unit_type": ("Jenis unit", "Unit type"),
    "unit_count": ("Jumlah", "Count"),
    "substitutes": ("Pengganti", "Substitutes"),
    "username": ("Nama pengguna", "User name"),
    "password": ("Kata sandi", "Password"),
    "role": ("Peran", "Role"),
    "file": ("Berkas", "File"),
}


def kind_of(exc: BaseException) -> ErrorKind:
    """How ``exc`` is shown: its :class:`ErrorKind` (unknown errors: 500, "unexpected error")."""
    if isinstance(exc, ValidationFailed):
        return _VALIDATION
    for cls, kind in _KINDS:
        if isinstance(exc, cls):
            return kind
    return _UNEXPECTED


def status_of(exc: BaseException) -> int:
    """The HTTP status for ``exc`` (422 invalid input, 404, 409, 503 unavailable, 500 unexpected)."""
    return kind_of(exc).status


def field_label(field: str, lang: str) -> str:
    """An input field's name in the user's language (``line 3`` → ``baris 3``); unknown names as given."""
    if field.startswith("line "):
        return tr("baris ", "line ", lang) + field.removeprefix("line ")
    label = _FIELD_LABELS.get(field)
    return tr(label[0], label[1], lang) if label else field


def field_messages(exc: ValidationFailed, lang: str) -> list[str]:
    """One ``Field: reason`` line per bad field, in the user's language."""
    return [f"{field_label(e.field, lang)}: {tr(e.message_id, e.message_en, lang)}" if e.field
            else tr(e.message_id, e.message_en, lang) for e in exc.errors]


def user_message(exc: BaseException, lang: str) -> str:
    """The one line a page shows for ``exc`` (never a stack trace), wholly in the user's language."""
    if isinstance(exc, ValidationFailed):
        return "; ".join(field_messages(exc, lang))
    kind = kind_of(exc)
    text = tr(kind.text_id, kind.text_en, lang)
    if not kind.detail:
        return text
    reason = reason_text(exc, lang)
    if reason is not None:
        return text + reason
    if lang == "en" and str(exc):
        return text + str(exc)
    return _headline(text)


def _headline(text: str) -> str:
    """A headline written to be followed by a reason (``"Ditolak — "``), as a sentence (``"Ditolak."``)."""
    return text.rstrip().rstrip("—:").rstrip() + "."


def _point(lon: float, lat: float) -> str:
    """A point as people read GPS coordinates: latitude first (``-3.97500, 122.56000``)."""
    return f"{lat:.5f}, {lon:.5f}"


def _metres(distance_m: float, lang: str) -> str:
    return fmt_num(distance_m, lang) + " m"


def _conflict_reason(exc: ConflictError, lang: str) -> str | None:
    incident = f" #{exc.incident_id}" if exc.incident_id is not None else ""
    unit = labels.unit_label(exc.callsign, None, lang)
    if isinstance(exc, InvalidTransitionError) and exc.current and exc.target:
        return labels.transition_message(exc.callsign, exc.current, exc.target, lang, allowed=exc.allowed)
    if isinstance(exc, UnitNotAvailableError) and exc.callsign:
        if exc.status:
            return f"{exc.callsign}, status: {labels.status_label(exc.status, lang)}"
        return tr(f"{exc.callsign} sudah bertugas", f"{exc.callsign} is already assigned", lang)
    texts: dict[str, tuple[str, str]] = {
        "incident_closed": (f"insiden{incident} sudah ditutup", f"incident{incident} is already closed"),
        "plan_fulfilled": (f"rencana respons insiden{incident} sudah terpenuhi oleh unit yang bertugas",
                           f"the response plan of incident{incident} is already fulfilled by its units"),
        "plan_unfillable": (f"tidak ada unit siaga yang memenuhi rencana respons insiden{incident}",
                            f"no available unit fills the response plan of incident{incident}"),
        "unit_not_assigned": (f"{unit} tidak ditugaskan pada insiden{incident}",
                              f"{unit} is not assigned to incident{incident}"),
        "changed_concurrently": ("unit diubah bersamaan oleh pengguna lain; coba lagi",
                                 "the unit was changed by someone else at the same time; try again"),
        "name_taken": (f"nama pengguna '{exc.name}' sudah dipakai", f"user name '{exc.name}' is taken"),
    }
    pair = texts.get(exc.reason)
    return tr(pair[0], pair[1], lang) if pair else None


def _routing_reason(exc: RoutingError, lang: str) -> str | None:
    if isinstance(exc, OutsideServiceAreaError):
        where, far = _point(exc.lon, exc.lat), _metres(exc.distance_m, lang)
        if getattr(exc, "reason_code", "") == "open_water":
            return tr(f"titik {where} berada di laut, {far} dari daratan kota",
                      f"the point {where} is in the water, {far} from the city's land", lang)
        return tr(f"titik {where} berada di luar wilayah layanan, {far} dari daratan kota",
                  f"the point {where} is outside the service area, {far} from the city's land", lang)
    if isinstance(exc, OffNetworkError):
        where, far = _point(exc.lon, exc.lat), _metres(exc.distance_m, lang)
        code = getattr(exc, "reason_code", "off_network")
        if code == "boat_only":
            return tr(f"titik {where} tidak terjangkau jalan mana pun (hanya dengan perahu)",
                      f"no road reaches the point {where} (boat only)", lang)
        if code == "invalid_position":
            return tr(f"posisi {where} tidak sah", f"the position {where} is not valid", lang)
        return tr(f"titik {where} berjarak {far} dari jalan terdekat",
                  f"the point {where} is {far} from the nearest road", lang)
    if isinstance(exc, UnreachableError):
        return tr("tidak ada jalan yang menghubungkan kedua tempat", "no road connects the two places", lang)
    return None


def reason_text(exc: BaseException, lang: str) -> str | None:
    """The error's reason worded from its data in the user's language; None when it carries none.

    Any error may carry its own wording as ``message_id`` / ``message_en`` attributes.
    """
    own_id, own_en = getattr(exc, "message_id", None), getattr(exc, "message_en", None)
    if isinstance(own_id, str) and isinstance(own_en, str) and own_id and own_en:
        return tr(own_id, own_en, lang)
    if isinstance(exc, ConflictError):
        return _conflict_reason(exc, lang)
    if isinstance(exc, RoutingError):
        return _routing_reason(exc, lang)
    if isinstance(exc, RecommendationError) and isinstance(exc.__cause__, RoutingError):
        return _routing_reason(exc.__cause__, lang)
    return None


def api_answer(exc: BaseException) -> tuple[int, list[dict[str, str]]]:
    """The API's answer to ``exc``: HTTP status and the ``errors`` list (``field``, English ``message``)."""
    if isinstance(exc, ValidationFailed):
        return 422, [e.to_dict() for e in exc.errors]
    kind = kind_of(exc)
    if kind is _UNEXPECTED:
        return 500, [{"field": "", "message": "internal error; it has been logged"}]
    return kind.status, [{"field": kind.field, "message": kind.api_prefix + str(exc)}]
