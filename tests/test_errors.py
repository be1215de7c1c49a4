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
