"""No raw code and no English sentence in the Indonesian interface.

Every page is rendered in ``id`` (cookie ``k112_lang=id``) for a user allowed to see it, the way the
browser gets it: the app shell from ``/_dash-layout``, the page from Dash's page router, then every
server-side callback of the page through ``/_dash-update-component`` — first as on page load,
then once per input as its trigger (a button pressed, a store changed) with the values the page
holds, and once more with what those answers put on the page. Every text a user can read in the
answers (children, titles, labels, placeholders, options, grid headers and cells, chart names and
hover texts) is checked against the status, type, role, agency and event codes and against
English words and sentences.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from dash._utils import split_callback_id, stringify_id

from app import create_app
from auth.passwords import hash_password
from incidents import labels
from incidents.model import ASSIGNMENT_TRANSITIONS, OUTCOME_LABELS, STATUS_LABELS, Actor
from services import incidents as service
from services.resources import Resources
from store import Database, users

PASSWORD = "secret-pass-112"
#: Role → user name (names without a role's code in them: the user name is shown in the header).
ROLE_USERS = {"dispatcher": "scan-budi", "leadership": "scan-sari", "planner": "scan-rina", "admin": "scan-adi"}
SAME_ORIGIN = {"Origin": "http://localhost"}
ACTOR = Actor("scan", None)

# --- what must not be read in Indonesian ---------------------------------------------------------------
_CATALOG = json.loads(labels.CATALOG_PATH.read_text(encoding="utf-8"))
#: Codes of more than one word: any of them (or any other snake_case word) is a raw code.
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: One-word codes that are English words; shown lower-case as a word they are a raw code.
ONE_WORD_CODES = frozenset({
    *(s for s in (*STATUS_LABELS, *ASSIGNMENT_TRANSITIONS) if "_" not in s),
    *(u["code"] for u in _CATALOG["unit_types"] if "_" not in u["code"]),
    *(t["code"] for t in _CATALOG["incident_types"] if "_" not in t["code"]),
    *(o for o in OUTCOME_LABELS if "_" not in o),
    "dispatcher", "leadership", "planner", "hospital", "landmark", "approximate", "surveyed", "open", "closed",
})
ONE_WORD_RE = re.compile(r"\b(" + "|".join(sorted(ONE_WORD_CODES)) + r")\b")
#: Agency codes where its name belongs (``BPBD``, ``PLN`` and ``PDAM`` are also the names people use).
AGENCY_CODES_RE = re.compile(r"\b(PSC119|DAMKAR|POLICE|PUBLIC_WORKS|DLHK)\b")
#: English that has no place in the Indonesian interface (case-sensitive words and phrases).
ENGLISH_RE = re.compile(r"|".join([
    r"\bnot allowed\b", r"\bis not available\b", r"\bnot available\b", r"\bno longer\b", r"\bdoes not exist\b",
    r"\bis closed\b", r"\balready\b", r"\btry again\b", r"\ballowed next\b", r"\bRefused\b", r"\bNot found\b",
    r"\bCannot\b", r"\bcannot\b", r"\bStatus change\b", r"\bUnexpected\b", r"\berror\b", r"\bfailed\b",
    r"\bPlease\b", r"\bNo route\b", r"\bNo assignment\b", r"\bUnit no\b", r"\bunit \S+ is\b",
    r"\bthe\b", r"\bThe\b", r"\band\b", r"\bof\b", r"\bis\b", r"\bare\b", r"\bnot\b", r"\bwith\b", r"\bwithout\b",
    r"\bfrom\b", r"\byour\b", r"\bmust\b", r"\bshould\b",
    r"\bAvailable\b", r"\bDispatched\b", r"\bEn route\b", r"\bOn scene\b", r"\bTransporting\b", r"\bAt hospital\b",
    r"\bCleared\b", r"\bOut of service\b", r"\bFire engine\b", r"\bAmbulance\b", r"\bPolice patrol\b",
    r"\bWater tanker\b", r"\bPriority\b", r"\bIncident\b", r"\bincident\b",
]))
#: Components whose text is literal technical text (file formats, column names): not checked.
LITERAL_TYPES = frozenset({"Code", "Pre", "Kbd", "Samp"})
#: Component properties a user reads.
TEXT_PROPS = ("children", "title", "label", "placeholder", "alt", "aria-label", "headerName", "tooltip")


def problems_in(text: str) -> list[str]:
    """What is wrong with one visible text in the Indonesian interface (empty when nothing)."""
    plain = re.sub(r"%\{[^}]*\}", " ", re.sub(r"<[^>]+>", " ", text))  # plotly templates and tags
    found = []
    for rule, regex in (("raw code", SNAKE_CASE), ("raw code", ONE_WORD_RE), ("agency code", AGENCY_CODES_RE),
                        ("English", ENGLISH_RE)):
        found += [f"{rule} {m.group(0)!r}" for m in regex.finditer(plain)]
    return found


# --- walking what the app sends ------------------------------------------------------------------------
@dataclass
class Seen:
    """Visible texts collected from a page, each with where it came from."""

    texts: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, text: Any) -> None:
        if isinstance(text, str) and text.strip():
            self.texts.append((where, text))


def _is_component(value: Any) -> bool:
    return isinstance(value, dict) and "type" in value and "props" in value and "namespace" in value


def _component_where(node: Mapping[str, Any], where: str) -> str:
    cid = node["props"].get("id")
    return f"{where} > {node['type']}" + (f"#{stringify_id(cid)}" if cid is not None else "")


def walk_text(value: Any, where: str, seen: Seen) -> None:
    """Collect what a user reads in ``value`` (a component tree, a list, a string)."""
    if isinstance(value, str):
        seen.add(where, value)
    elif isinstance(value, list):
        for item in value:
            walk_text(item, where, seen)
    elif _is_component(value):
        walk_component(value, where, seen)


def walk_component(node: Mapping[str, Any], where: str, seen: Seen) -> None:
    if node["type"] in LITERAL_TYPES:
        return
    props = node["props"]
    here = _component_where(node, where)
    for prop in TEXT_PROPS:
        if prop in props:
            walk_text(props[prop], f"{here}.{prop}", seen)
    if "options" in props:
        walk_options(props["options"], f"{here}.options", seen)
    if isinstance(props.get("figure"), Mapping):
        walk_figure(props["figure"], f"{here}.figure", seen)
    if "columnDefs" in props or "rowData" in props:
        walk_grid(props.get("columnDefs"), props.get("rowData"), here, seen)
    for prop, value in props.items():  # components passed in other properties (tooltips, tabs, labels)
        if prop not in (*TEXT_PROPS, "options", "figure", "rowData", "columnDefs") and (
                _is_component(value) or (isinstance(value, list) and any(_is_component(v) for v in value))):
            walk_text(value, f"{here}.{prop}", seen)


def walk_options(options: Any, where: str, seen: Seen) -> None:
    for option in options or []:
        if isinstance(option, Mapping):
            walk_text(option.get("label"), where, seen)
            seen.add(where + ".title", option.get("title"))
        elif isinstance(option, str):
            seen.add(where, option)


def walk_figure(figure: Mapping[str, Any], where: str, seen: Seen) -> None:
    """Legend names, marker labels, hover texts and every title or annotation of a plotly figure."""
    layout = figure.get("layout") or {}
    for i, trace in enumerate(figure.get("data") or []):
        if not isinstance(trace, Mapping):
            continue
        if _name_visible(trace, layout):
            seen.add(f"{where}.data[{i}].name", trace.get("name"))
        for key in ("text", "hovertext", "hovertemplate", "texttemplate"):
            value = trace.get(key)
            for text in value if isinstance(value, list) else [value]:
                seen.add(f"{where}.data[{i}].{key}", text)
        for key in ("header", "cells"):
            if isinstance(trace.get(key), Mapping):
                for column in trace[key].get("values") or []:
                    for text in column if isinstance(column, list) else [column]:
                        seen.add(f"{where}.data[{i}].{key}", text)
    _walk_layout(figure.get("layout") or {}, f"{where}.layout", seen)


def _name_visible(trace: Mapping[str, Any], layout: Mapping[str, Any]) -> bool:
    """Whether a trace's name is shown: in the legend, or in its hover box."""
    in_legend = trace.get("showlegend", True) is not False and layout.get("showlegend", True) is not False
    template = str(trace.get("hovertemplate") or "")
    info = str(trace.get("hoverinfo") or "all")
    in_hover = info != "skip" and info != "none" and (
        ("<extra>" in template and "<extra></extra>" not in template)
        or (not template and (info == "all" or "name" in info.split("+"))))
    return in_legend or in_hover


def _walk_layout(value: Any, where: str, seen: Seen) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in ("text", "title", "label") and isinstance(item, str):
                seen.add(f"{where}.{key}", item)
            elif key not in ("style", "source", "sources", "layers", "tiles", "meta"):
                _walk_layout(item, f"{where}.{key}", seen)
    elif isinstance(value, list):
        for item in value:
            _walk_layout(item, where, seen)


def walk_grid(column_defs: Any, rows: Any, where: str, seen: Seen) -> None:
    """AG Grid: headers, and the cells of columns shown as they are (no formatter, no renderer)."""
    shown = []
    for col in column_defs or []:
        if not isinstance(col, Mapping):
            continue
        seen.add(f"{where}.columnDefs.headerName", col.get("headerName"))
        seen.add(f"{where}.columnDefs.headerTooltip", col.get("headerTooltip"))
        if col.get("field") and not col.get("hide") and not any(
                k in col for k in ("valueFormatter", "cellRenderer", "valueGetter")):
            shown.append(str(col["field"]))
    for row in rows or []:
        if isinstance(row, Mapping):
            for name in shown:
                seen.add(f"{where}.rowData.{name}", row.get(name))
            tooltip = row.get("tooltip")
            seen.add(f"{where}.rowData.tooltip", tooltip)


# --- a page as the browser would drive it ------------------------------------------------------------
_COUNTERS = ("n_clicks", "n_submit", "n_intervals", "n_blur", "n_dblclicks")
_WILD = ("ALL", "MATCH", "ALLSMALLER")


class PageDriver:
    """Holds the page's components (id → props) and fires its callbacks as the browser would."""

    def __init__(self, client: Any, deps: list[dict[str, Any]], overrides: Mapping[tuple[str, str], Any]) -> None:
        self.client = client
        self.deps = [d for d in deps if not d.get("clientside_function") and "_pages_content" not in d["output"]]
        self.overrides = overrides
        self.props: dict[str, dict[str, Any]] = {}
        self.ids: dict[str, Any] = {}
        self.seen = Seen()
        self.failures: list[str] = []

    # components
    def index(self, value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                self.index(item)
        elif _is_component(value):
            props = value["props"]
            if props.get("id") is not None:
                key = stringify_id(props["id"])
                self.props[key] = props
                self.ids[key] = props["id"]
            for prop_value in props.values():
                if isinstance(prop_value, (list, dict)):
                    self.index(prop_value)

    def _matches(self, pattern: Mapping[str, Any]) -> list[str]:
        out = []
        for key, cid in self.ids.items():
            if isinstance(cid, dict) and set(cid) == set(pattern) and all(
                    (isinstance(v, list) and v and v[0] in _WILD) or cid[k] == v for k, v in pattern.items()):
                out.append(key)
        return out

    def _resolve(self, dep: Mapping[str, Any]) -> tuple[str, list[str]] | None:
        """(``"one"``, [id]) or (``"all"``, [ids]); None when the page does not hold it."""
        raw = dep["id"]
        if raw.startswith("{"):
            pattern = json.loads(raw)
            if any(isinstance(v, list) and v and v[0] in ("MATCH", "ALLSMALLER") for v in pattern.values()):
                return None
            return "all", self._matches(pattern)
        return ("one", [raw]) if raw in self.props else None

    def _value(self, key: str, prop: str) -> Any:
        value = self.props.get(key, {}).get(prop)
        if value is None:
            value = self.overrides.get((key, prop))
        return value

    def _item(self, key: str, prop: str, value: Any) -> dict[str, Any]:
        return {"id": self.ids[key], "property": prop, "value": value}

    # callbacks
    def fire_all(self, *, initial: bool) -> None:
        for dep in self.deps:
            resolved = [self._resolve(d) for d in dep["inputs"]]
            states = [self._resolve(d) for d in dep.get("state", [])]
            outputs = split_callback_id(dep["output"])
            outputs = outputs if isinstance(outputs, list) else [outputs]
            if any(r is None for r in resolved + states):
                continue
            if any(self._resolve({"id": o["id"]}) is None for o in outputs):
                continue
            if initial:
                if not dep.get("prevent_initial_call"):
                    self.fire(dep, resolved, states, outputs, trigger=None)
                continue
            for i, r in enumerate(resolved):
                assert r is not None
                for key in r[1][:12]:
                    self.fire(dep, resolved, states, outputs, trigger=(i, key))

    def fire(self, dep: Mapping[str, Any], resolved: list[Any], states: list[Any], outputs: list[dict[str, str]],
             trigger: tuple[int, str] | None) -> None:
        inputs: list[Any] = []
        changed: list[str] = []
        for i, (d, (kind, keys)) in enumerate(zip(dep["inputs"], resolved)):
            prop = d["property"]
            items = []
            for key in keys:
                value = self._value(key, prop)
                if trigger == (i, key):
                    if prop in _COUNTERS:
                        value = (value or 0) + 1
                    changed.append(f"{key}.{prop}")
                items.append(self._item(key, prop, value))
            inputs.append(items if kind == "all" else items[0])
        state = []
        for d, (kind, keys) in zip(dep.get("state", []), states):
            items = [self._item(k, d["property"], self._value(k, d["property"])) for k in keys]
            state.append(items if kind == "all" else items[0])
        out_specs: list[Any] = []
        for o in outputs:
            prop = o["property"].split("@")[0]
            if o["id"].startswith("{"):
                out_specs.append([{"id": self.ids[k], "property": prop} for k in self._matches(json.loads(o["id"]))])
            else:
                out_specs.append({"id": o["id"], "property": prop})
        body = {"output": dep["output"], "outputs": out_specs if dep["output"].startswith("..") else out_specs[0],
                "inputs": inputs, "state": state, "changedPropIds": changed}
        resp = self.client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)
        first = out_specs[0] if isinstance(out_specs[0], dict) else {"id": "…", "property": "…"}
        name = f"callback {stringify_id(first['id'])}.{first['property']} <- {', '.join(changed) or 'page load'}"
        if resp.status_code == 204:
            return
        if resp.status_code != 200:
            self.failures.append(f"{name}: HTTP {resp.status_code} {resp.get_data(as_text=True)[:300]}")
            return
        answer = resp.get_json().get("response") or {}
        for key, props in answer.items():
            for prop, value in props.items():
                where = f"{name} -> {key}.{prop}"
                self.read_output(key, prop, value, where)

    def read_output(self, key: str, prop: str, value: Any, where: str) -> None:
        if isinstance(value, Mapping) and "__dash_patch_update" in value:
            for op in value.get("operations") or []:
                new = (op.get("params") or {}).get("value")
                if new is not None:
                    self.read_output(key, prop, new, where + " (patch)")
            return
        if prop in TEXT_PROPS:
            walk_text(value, where, self.seen)
        elif prop == "options":
            walk_options(value, where, self.seen)
        elif prop == "figure" and isinstance(value, Mapping):
            walk_figure(value, where, self.seen)
        elif prop in ("rowData", "columnDefs"):
            grid = self.props.get(key, {})
            walk_grid(value if prop == "columnDefs" else grid.get("columnDefs"),
                      value if prop == "rowData" else grid.get("rowData"), where, self.seen)
        if key in self.props and not (isinstance(value, Mapping) and "__dash_patch_update" in value):
            self.props[key][prop] = value
        self.index(value)


# --- the site: a fleet, jobs in every state, one user per role, two crews ----------------------------------
@dataclass(frozen=True)
class Site:
    app: Any
    db: Database
    fleet: dict[str, int]
    fire: int
    medical: int


@pytest.fixture(scope="module")
def site(module_db: Database, seed_fleet: Callable[..., dict[str, int]], places: Any) -> Iterator[Site]:
    db = module_db
    app = create_app({"database_url": db.url, "seed_demo": False, "api_token": "scan-token",
                      "default_language": "id"})
    fleet = seed_fleet(db)
    for role, username in ROLE_USERS.items():
        users.create_user(db, username=username, password_hash=hash_password(PASSWORD), role=role)
    users.create_user(db, username="scan-kru-amb", password_hash=hash_password(PASSWORD), role="crew",
                      unit_id=fleet["AMB-01"], display_name="Kru AMB-01")
    users.create_user(db, username="scan-kru-fe", password_hash=hash_password(PASSWORD), role="crew",
                      unit_id=fleet["FE-01"], display_name="Kru FE-01")
    res = Resources(db)

    def incident(lat_lon: tuple[float, float], type_: str, **extra: Any) -> int:
        data = {"lat": lat_lon[0], "lon": lat_lon[1], "type": type_, **extra}
        return service.create_incident(db, service.prepare_incident(db, res, data), ACTOR).id

    medical = incident(places.mandonga, "medical", description="Lansia pingsan di pasar", address="Jl. Saranani")
    fire = incident(places.kandai, "structure_fire", description="Rumah terbakar, asap tebal")
    incident(places.kandai, "street_light", description="Lampu jalan mati")
    closed = incident(places.mandonga, "traffic_accident", description="Tabrakan motor")
    service.assign_unit(db, medical, fleet["AMB-01"], ACTOR)
    service.set_unit_status(db, fleet["AMB-01"], "en_route", ACTOR)
    service.assign_units(db, fire, [(fleet["FE-01"], None), (fleet["FE-02"], None), (fleet["AMB-02"], None)], ACTOR)
    for status in ("en_route", "on_scene"):
        service.set_unit_status(db, fleet["FE-01"], status, ACTOR)
    for status in ("en_route", "on_scene", "transporting"):
        service.set_unit_status(db, fleet["AMB-02"], status, ACTOR)
    service.set_unit_status(db, fleet["WT-01"], "out_of_service", ACTOR)
    service.assign_unit(db, closed, fleet["POL-01"], ACTOR)
    service.close_incident(db, closed, "false_alarm", ACTOR, note="Tidak ditemukan korban")
    service.record_position(db, fleet["AMB-01"], -3.975, 122.515, source="crew")
    yield Site(app=app, db=db, fleet=fleet, fire=fire, medical=medical)
    app.server.extensions["kendari112"].db.close()


def _client(site: Site, username: str) -> Any:
    client = site.app.server.test_client()
    client.set_cookie("k112_lang", "id")
    resp = client.post("/login", data={"username": username, "password": PASSWORD}, headers=SAME_ORIGIN)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client


def _overrides(site: Site) -> dict[tuple[str, str], Any]:
    """Inputs a user would have filled (only used where the page holds nothing yet)."""
    return {
        ("dispatch-selected", "data"): site.fire,
        ("dispatch-unit", "data"): site.fleet["FE-01"],
        ("dispatch-search", "value"): "Kandai",
        ("dispatch-lat", "value"): -4.03,     # out in the bay: the refusal must be Indonesian too
        ("dispatch-lon", "value"): 122.69,
        ("dispatch-type", "value"): "structure_fire",
        ("admin-plan-unit", "value"): "fire_engine",
    }


#: (user, path) of every page; the dispatch console with and without an incident chosen.
#: Pages that change little come first: the crews (each presses its own buttons while on a job), the
#: dispatch console last (it assigns, changes statuses and closes incidents).
PAGES = [
    ("scan-kru-amb", "/crew"),
    ("scan-kru-fe", "/crew"),
    ("admin", "/admin"),
    ("dispatcher", "/"),
    ("leadership", "/analytics"),
    ("leadership", "/analytics/print"),
    ("admin", "/analytics/data"),
    ("planner", "/planning"),
    ("dispatcher", "/dispatch?incident={fire}"),
    ("dispatcher", "/dispatch"),
]


def drive(site: Site, username: str, path: str) -> PageDriver:
    """Load ``path`` as ``username`` in Indonesian and fire every callback of the page twice over."""
    client = _client(site, ROLE_USERS.get(username, username))
    deps = client.get("/_dash-dependencies").get_json()
    driver = PageDriver(client, deps, _overrides(site))
    shell = client.get("/_dash-layout").get_json()
    walk_text(shell, "shell", driver.seen)
    pathname, _, search = path.format(fire=site.fire).partition("?")
    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": f"?{search}" if search else ""}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}
    resp = client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    page = resp.get_json()["response"]["_pages_content"]["children"]
    assert "access-denied" not in json.dumps(page), f"{username} may not open {path}"
    walk_text(page, f"page {path}", driver.seen)
    driver.index(page)
    driver.fire_all(initial=True)
    driver.fire_all(initial=False)
    driver.fire_all(initial=False)
    return driver


@pytest.mark.parametrize("username, path", PAGES, ids=[f"{u.removeprefix('scan-')}:{p}" for u, p in PAGES])
def test_the_indonesian_interface_shows_no_raw_code_or_english(site: Site, username: str, path: str) -> None:
    driver = drive(site, username, path)
    assert len(driver.seen.texts) > 10
    bad = sorted({f"{where}: {text!r} — {', '.join(problems)}"
                  for where, text in driver.seen.texts if (problems := problems_in(text))})
    assert not driver.failures, "callbacks failed:\n" + "\n".join(driver.failures)
    assert not bad, f"{len(bad)} texts in {path} ({username}) are not Indonesian:\n" + "\n".join(bad[:80])


def test_the_rules_catch_what_users_saw() -> None:
    seen = ["dispatched → at_hospital is not allowed", "AMB-12 (en_route)", "fire_engine", "ambulance",
            "Perubahan status ditolak — unit AMB-12: dispatched → at_hospital is not allowed",
            "Unit tidak tersedia lagi — unit AMB-01 is not available (status: en_route)", "PSC119",
            "Peran: dispatcher", "Status: Available"]
    for text in seen:
        assert problems_in(text), text
    for text in ("AMB-12: Ditugaskan → Di rumah sakit tidak diizinkan (berikutnya: Menuju lokasi, Selesai)",
                 "Unit tidak tersedia lagi — AMB-01, status: Menuju lokasi", "PSC 119 (Dinas Kesehatan)",
                 "BPBD Kota Kendari", "Kru unit", "Status diubah: Menuju lokasi", "Mobil pemadam · Di lokasi",
                 "ETA: jaringan jalan (OpenStreetMap)", "Rencana respons (run card)", "Unit #8"):
        assert not problems_in(text), (text, problems_in(text))
