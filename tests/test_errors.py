"""web/errors.py: every typed error has a message in both languages and one HTTP status; the API's
JSON answers keep their statuses and shape."""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any

import flask
import pytest

import layers._errors
import planning._errors
import routing._errors
import store._errors
from api._common import install_error_handlers
from incidents.validation import FieldError, ValidationFailed
from services import incidents as incident_service
from web import errors

_MODULES: tuple[ModuleType, ...] = (store._errors, routing._errors, planning._errors, layers._errors)


def _typed_error_classes() -> list[type[Exception]]:
    found: list[type[Exception]] = [ValidationFailed, incident_service.RecommendationError,
                                    incident_service.IdempotencyMismatchError]
    for module in _MODULES:
        found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, Exception) and cls.__module__ == module.__name__]
    return found


def _make(cls: type[Exception]) -> Exception:
    if cls is ValidationFailed:
        return ValidationFailed([FieldError("lat", "wajib berupa angka", "must be a number")])
    try:
        return cls("the reason <b>")
    except TypeError:
        return cls("the reason <b>", lon=122.56, lat=-3.975, distance_m=712.0)  # type: ignore[call-arg]


TYPED = _typed_error_classes()


@pytest.mark.parametrize("cls", TYPED, ids=lambda c: c.__name__)
def test_every_typed_error_maps_to_a_status_and_two_messages(cls: type[Exception]) -> None:
    exc = _make(cls)
    assert isinstance(exc, errors.EXPECTED)
    assert errors.status_of(exc) in (404, 409, 422, 503)
    text_id, text_en = errors.user_message(exc, "id"), errors.user_message(exc, "en")
    assert text_id and text_en and "Traceback" not in text_id + text_en
    if cls is not ValidationFailed and errors.kind_of(exc).text_id != errors.kind_of(exc).text_en:
        assert text_id != text_en


def test_specific_before_general() -> None:
    assert errors.status_of(store._errors.UnitNotAvailableError("x")) == 409
    assert errors.user_message(store._errors.UnitNotAvailableError("AMB-01"), "id").startswith(
        "Unit tidak tersedia lagi")
    assert errors.user_message(store._errors.InvalidTransitionError("x"), "id").startswith("Perubahan status ditolak")
    assert errors.user_message(store._errors.InvalidTransitionError("x"), "en").startswith("Status change refused")
    assert errors.status_of(store._errors.NotFoundError("x")) == 404
    assert errors.status_of(store._errors.DatabaseUnavailableError("down")) == 503
    assert errors.status_of(planning._errors.NoIncidentsError("none")) == 404
    assert errors.status_of(planning._errors.SolverError("infeasible")) == 422
    assert errors.status_of(routing._errors.RoutingConfigError("bad file")) == 503
    assert errors.status_of(_make(routing._errors.OutsideServiceAreaError)) == 422
    assert errors.status_of(RuntimeError("bug")) == 500


def test_validation_message_names_fields_in_the_users_language() -> None:
    exc = ValidationFailed([FieldError("lat", "wajib berupa angka", "must be a number"),
                            FieldError("caller_phone", "format tidak sah", "invalid format"),
                            FieldError("line 3", "tahun bukan bilangan bulat", "year is not a whole number")])
    assert errors.user_message(exc, "id") == ("Lintang: wajib berupa angka; Nomor penelepon: format tidak sah; "
                                              "baris 3: tahun bukan bilangan bulat")
    assert errors.user_message(exc, "en") == ("Latitude: must be a number; Caller's phone: invalid format; "
                                              "line 3: year is not a whole number")
    assert errors.field_label("something_else", "id") == "something_else"


# --- the API's JSON answers ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client() -> Any:
    app = flask.Flask(__name__)
    bp = flask.Blueprint("api_errors_test", __name__, url_prefix="/api/v1")

    @bp.get("/raise/<int:index>")
    def raise_it(index: int) -> Any:
        raise CASES[index][0]

    app.register_blueprint(bp)
    install_error_handlers(app)
    return app.test_client()


CASES: list[tuple[Exception, int, list[dict[str, str]]]] = [
    (ValidationFailed([FieldError("lat", "wajib berupa angka", "must be a number")]), 422,
     [{"field": "lat", "message": "must be a number"}]),
    (store._errors.NotFoundError("incident 9 does not exist"), 404,
     [{"field": "", "message": "incident 9 does not exist"}]),
    (store._errors.ConflictError("incident 9 is closed"), 409, [{"field": "", "message": "incident 9 is closed"}]),
    (store._errors.UnitNotAvailableError("unit AMB-01 is not available"), 409,
     [{"field": "", "message": "unit AMB-01 is not available"}]),
    (store._errors.InvalidTransitionError("en_route → at_hospital is not allowed"), 409,
     [{"field": "", "message": "en_route → at_hospital is not allowed"}]),
    (store._errors.DatabaseUnavailableError("connection refused"), 503,
     [{"field": "", "message": "database error: connection refused"}]),
    (store._errors.StoreError("disk full"), 503, [{"field": "", "message": "database error: disk full"}]),
    (incident_service.RecommendationError("the point is 712 m from land"), 422,
     [{"field": "location", "message": "the point is 712 m from land"}]),
    (planning._errors.NoIncidentsError("no incidents"), 404, [{"field": "", "message": "no incidents"}]),
    (planning._errors.InvalidParameterError("k too large"), 422, [{"field": "", "message": "k too large"}]),
    (RuntimeError("a bug"), 500, [{"field": "", "message": "internal error; it has been logged"}]),
]


@pytest.mark.parametrize("index", range(len(CASES)), ids=lambda i: type(CASES[i][0]).__name__)
def test_api_answers_keep_their_status_and_shape(client: Any, index: int) -> None:
    _, status, body = CASES[index]
    resp = client.get(f"/api/v1/raise/{index}")
    assert resp.status_code == status
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.get_json() == {"errors": body}
    assert errors.api_answer(CASES[index][0]) == (status, body)


# --- pages: every message wholly in the user's language ---------------------------------------------
#: English that must never reach the Indonesian interface through an error message.
ENGLISH = ("not allowed", "not available", "is closed", "does not exist", "refused", "try again", "allowed next",
           "the ", " is ", "reason")


def _indonesian_only(text: str) -> bool:
    return not any(word in text.lower() for word in ENGLISH)


def test_a_refused_status_change_is_worded_in_the_users_language() -> None:
    exc = store._errors.InvalidTransitionError(
        "unit AMB-12: dispatched → at_hospital is not allowed; allowed next: en_route, cleared",
        callsign="AMB-12", current="dispatched", target="at_hospital", allowed=("en_route", "cleared"))
    assert errors.user_message(exc, "id") == ("Perubahan status ditolak — AMB-12: Ditugaskan → Di rumah sakit "
                                              "tidak diizinkan (berikutnya: Menuju lokasi, Selesai)")
    assert errors.user_message(exc, "en") == ("Status change refused — AMB-12: Dispatched → At hospital is not "
                                              "allowed (next: En route, Cleared)")
    assert errors.api_answer(exc) == (409, [{"field": "", "message": str(exc)}])   # the API keeps its codes


def test_conflicts_from_the_services_are_worded_from_their_data() -> None:
    E = store._errors
    cases = [
        (E.UnitNotAvailableError("unit AMB-01 is not available (status: en_route)", callsign="AMB-01",
                                 status="en_route"),
         "Unit tidak tersedia lagi — AMB-01, status: Menuju lokasi",
         "Unit no longer available — AMB-01, status: En route"),
        (E.ConflictError("incident 7 is closed", reason="incident_closed", incident_id=7),
         "Ditolak — insiden #7 sudah ditutup", "Refused — incident #7 is already closed"),
        (E.ConflictError("x", reason="plan_fulfilled", incident_id=7),
         "Ditolak — rencana respons insiden #7 sudah terpenuhi oleh unit yang bertugas", None),
        (E.ConflictError("x", reason="plan_unfillable", incident_id=7),
         "Ditolak — tidak ada unit siaga yang memenuhi rencana respons insiden #7", None),
        (E.ConflictError("x", reason="unit_not_assigned", incident_id=7, callsign="FE-01"),
         "Ditolak — FE-01 tidak ditugaskan pada insiden #7", "Refused — FE-01 is not assigned to incident #7"),
        (E.ConflictError("x", reason="changed_concurrently"),
         "Ditolak — unit diubah bersamaan oleh pengguna lain; coba lagi", None),
        (E.ConflictError("user name 'budi' is taken", reason="name_taken", name="budi"),
         "Ditolak — nama pengguna 'budi' sudah dipakai", "Refused — user name 'budi' is taken"),
    ]
    for exc, text_id, text_en in cases:
        assert errors.user_message(exc, "id") == text_id
        if text_en is not None:
            assert errors.user_message(exc, "en") == text_en
        assert errors.api_answer(exc)[1][0]["message"] == str(exc)


def test_an_error_without_data_shows_no_english_in_indonesian() -> None:
    E = store._errors
    for exc in (E.ConflictError("incident 9 is closed"), E.NotFoundError("incident 9 does not exist"),
                E.UnitNotAvailableError("unit 3 already has an active assignment"), E.StoreError("disk full"),
                planning._errors.InvalidParameterError("k too large"), routing._errors.RoutingConfigError("bad file"),
                incident_service.RecommendationError("no route")):
        text_id = errors.user_message(exc, "id")
        assert str(exc) not in text_id and _indonesian_only(text_id) and text_id.endswith("."), text_id
        assert errors.user_message(exc, "en").endswith(str(exc))
    assert errors.user_message(E.ConflictError("incident 9 is closed"), "id") == "Ditolak."
    assert errors.user_message(E.NotFoundError("incident 9 does not exist"), "id") == "Tidak ditemukan."


def test_places_refused_by_routing_are_worded_with_latitude_first() -> None:
    bay = routing._errors.OutsideServiceAreaError("(122.56000, -3.97500) is 1712 m from the city's land",
                                                  lon=122.56, lat=-3.975, distance_m=1712.0, reason_code="open_water")
    assert errors.user_message(bay, "id") == ("Rute tidak dapat dihitung — titik -3.97500, 122.56000 berada di laut, "
                                              "1.712 m dari daratan kota")
    assert errors.user_message(bay, "en") == ("Cannot route — the point -3.97500, 122.56000 is in the water, "
                                              "1,712 m from the city's land")
    try:
        try:
            raise routing._errors.OffNetworkError("far", lon=122.5, lat=-3.9, distance_m=800.0)
        except routing._errors.RoutingError as inner:
            raise incident_service.RecommendationError(str(inner)) from inner
    except incident_service.RecommendationError as wrapped:
        assert errors.user_message(wrapped, "id") == ("Rute tidak dapat dihitung — titik -3.90000, 122.50000 "
                                                      "berjarak 800 m dari jalan terdekat")
        assert errors.api_answer(wrapped) == (422, [{"field": "location", "message": "far"}])
    unreachable = routing._errors.UnreachableError("no path")
    assert errors.user_message(unreachable, "id").endswith("tidak ada jalan yang menghubungkan kedua tempat")


def test_an_error_may_carry_its_own_wording() -> None:
    exc = planning._errors.InvalidParameterError("k must be at most 12")
    exc.message_id, exc.message_en = "k paling banyak 12", "k must be at most 12"  # type: ignore[attr-defined]
    assert errors.user_message(exc, "id") == "Parameter tidak valid: k paling banyak 12"
    assert errors.user_message(exc, "en") == "Invalid parameter: k must be at most 12"


@pytest.mark.parametrize("cls", TYPED, ids=lambda c: c.__name__)
def test_no_typed_error_puts_english_in_the_indonesian_interface(cls: type[Exception]) -> None:
    text_id = errors.user_message(_make(cls), "id")
    assert "the reason" not in text_id and _indonesian_only(text_id), text_id
