"""Intervals, the nearest-rank fractile, targets and periods against hand-computed fixtures (pure)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from analytics import fractiles, report
from analytics._errors import FilterError, TargetsError
from analytics.intervals import in_unit_population, interval_values, seconds_between
from analytics.period import WITA, Filters, days_period, kpi_windows, parse_filters
from analytics.targets import DEFAULT_RULES, Targets, from_json

T0 = datetime(2026, 3, 2, 8, 0, 0, tzinfo=WITA)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- intervals ----------------------------------------------------------------------------------
def test_intervals_of_one_incident_by_hand() -> None:
    stamps = {"call_received_at": at(0), "call_answered_at": at(12.7), "created_at": at(60),
              "first_dispatched_at": at(90), "first_en_route_at": at(140), "first_on_scene_at": at(540)}
    assert interval_values(stamps) == {"answer": 12, "processing": 77, "turnout": 50, "travel": 400, "total": 540}


def test_missing_and_out_of_order_stamps_are_incomplete() -> None:
    stamps = {"call_received_at": at(0), "call_answered_at": None, "first_dispatched_at": at(90),
              "first_en_route_at": at(80), "first_on_scene_at": at(300)}
    got = interval_values(stamps)
    assert got["answer"] is None            # missing stamp
    assert got["processing"] is None        # needs call_answered
    assert got["turnout"] is None           # en route before dispatched: negative -> excluded
    assert got["travel"] == 220
    assert got["total"] == 300


def test_seconds_floor_and_zero() -> None:
    assert seconds_between(at(0), at(0)) == 0
    assert seconds_between(at(0), at(0.999)) == 0
    assert seconds_between(at(0), at(59.999999)) == 59
    assert seconds_between(at(1), at(0)) is None
    assert seconds_between(None, at(0)) is None


def test_unit_population() -> None:
    assert in_unit_population(emergency=True, outcome=None)
    assert in_unit_population(emergency=True, outcome="false_alarm")
    assert not in_unit_population(emergency=True, outcome="prank")
    assert not in_unit_population(emergency=False, outcome=None)


# --- fractiles ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("values", "p", "expected"), [
    ([], 0.5, None),                              # empty period
    ([None, None], 0.9, None),
    ([42], 0.5, 42), ([42], 0.9, 42),             # a single incident
    ([5, 5, 5, 10], 0.5, 5),                      # ties: rank ceil(2) = 2
    ([5, 5, 5, 10], 0.9, 10),                     # rank ceil(3.6) = 4
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5, 5),    # rank 5
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9),    # rank 9 (no interpolation)
    ([10, 1, 7], 0.9, 10),                        # rank ceil(2.7) = 3
    ([3, None, 1], 0.5, 1),                       # None ignored: [1, 3], rank 1
    ([7, 8], 0.0, 7),                             # p = 0: the first value
])
def test_nearest_rank_by_hand(values: list[int | None], p: float, expected: int | None) -> None:
    assert fractiles.nearest_rank(values, p) == expected


def test_histogram_gives_the_same_fractile() -> None:
    rng = random.Random(5)
    for _ in range(200):
        values = [rng.randint(0, 40) for _ in range(rng.randint(1, 60))]
        hist: dict[int, int] = {}
        for v in values:
            hist[v] = hist.get(v, 0) + 1
        for p in (0.5, 0.9, 0.95, 0.1):
            assert fractiles.from_histogram(hist, p) == fractiles.nearest_rank(values, p)


def test_summary_within_target_and_completeness() -> None:
    s = fractiles.summarize("answer", [10, 20, None, 15, None], [15, 15, 15, 15, 15], population=5)
    assert (s.n, s.population, s.p50_s, s.p90_s) == (3, 5, 15, 20)
    assert s.within_target_share == round(2 / 3, 4)
    assert s.completeness_share == 0.6
    empty = fractiles.summarize("answer", [], [], population=0)
    assert empty.p50_s is None and empty.within_target_share is None and empty.completeness_share is None


# --- targets ----------------------------------------------------------------------------------
def test_default_targets_follow_the_standards() -> None:
    t = Targets()
    assert t.resolve("answer").target_s == 15
    assert t.resolve("processing").target_s == 60
    assert t.resolve("turnout", incident_type="medical", agency="PSC119").target_s == 60
    assert t.resolve("turnout", incident_type="structure_fire", agency="DAMKAR").target_s == 80
    assert t.resolve("travel").target_s == 240
    assert t.resolve("total", agency="DAMKAR").target_s == 900


def test_most_specific_rule_wins_and_round_trips() -> None:
    doc = Targets().to_json()
    doc["rules"].append({"interval": "total", "target_s": 420, "incident_type": "medical", "goal_share": 0.9})
    doc["rules"].append({"interval": "total", "target_s": 600, "agency": "PSC119"})
    t = from_json(doc, known_agencies={"PSC119", "DAMKAR"}, known_types={"medical"})
    assert t.resolve("total", incident_type="medical", agency="PSC119").target_s == 420
    assert t.resolve("total", incident_type="other", agency="PSC119").target_s == 600
    assert t.resolve("total", incident_type="x", agency="POLICE").target_s == 900
    assert from_json(t.to_json()) == t
    assert t.uniform_target("answer", [("medical", "PSC119"), ("crime", "POLICE")]) == 15
    assert t.uniform_target("total", [("medical", "PSC119"), ("crime", "POLICE")]) is None


@pytest.mark.parametrize("rules", [
    [{"interval": "speed", "target_s": 10}],
    [{"interval": "answer", "target_s": -1}],
    [{"interval": "answer", "target_s": 1.5}],
    [{"interval": "answer", "target_s": 15, "goal_share": 1.5}],
    [{"interval": "answer", "target_s": 15, "agency": "NOPE"}],
    [{"interval": "answer", "target_s": 15}, {"interval": "answer", "target_s": 20}],
    [{"interval": "answer", "target_s": 15}],      # defaults for the other intervals missing
])
def test_bad_targets_are_refused(rules: list[dict]) -> None:
    with pytest.raises(TargetsError):
        from_json({"rules": rules}, known_agencies={"DAMKAR"})


def test_every_default_rule_names_its_source() -> None:
    assert all(r.source for r in DEFAULT_RULES)


# --- periods -----------------------------------------------------------------------------------
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)   # 10:00 WITA


def test_dates_are_wita_days_and_to_is_inclusive() -> None:
    f = parse_filters({"from": "2026-03-01", "to": "2026-03-02"}, now=NOW)
    assert f.start == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert f.end == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert (f.first_day, f.last_day) == (date(2026, 3, 1), date(2026, 3, 2))
    prev = f.previous()
    assert prev.end == f.start and prev.length == f.length
    assert parse_filters(f.to_query(), now=NOW) == f


def test_filters_round_trip_through_the_query_string() -> None:
    s, e = days_period(date(2026, 1, 1), date(2026, 1, 31))
    f = Filters(s, e, ("medical", "crime"), "PSC119", "74.71.01")
    assert parse_filters(f.to_query(), now=NOW) == f


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"),
    ({"from": "2026-03-05", "to": "2026-03-01"}, "to"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),
    ({"from": "2026-03-01T08:00:00"}, "from"),                  # no offset
    ({"type": "unicorn"}, "type"), ({"agency": "NOPE"}, "agency"), ({"kecamatan": "99"}, "kecamatan"),
])
def test_bad_filters_name_the_field(params: dict, field: str) -> None:
    with pytest.raises(FilterError) as exc:
        parse_filters(params, now=NOW, known_types={"medical"}, known_agencies={"PSC119"},
                      known_kecamatan={"74.71.01"})
    assert exc.value.field == field


def test_kpi_windows_in_wita() -> None:
    windows = {k: (s, e) for k, s, e in kpi_windows(NOW)}
    assert windows["today"][0] == datetime(2026, 3, 10, 0, 0, tzinfo=WITA)
    assert windows["7d"][1] - windows["7d"][0] == timedelta(days=7)


def test_formatting() -> None:
    assert report.fmt_seconds(75) == "1:15" and report.fmt_seconds(3725) == "1:02:05"
    assert report.fmt_seconds(None) == "—"
    assert report.fmt_change(110, 100) == "+10 %" and report.fmt_change(90, 100) == "−10 %"
    assert report.fmt_change(5, 0) == "—"


# --- honest numbers: formats, small samples, zero bases, CSV headers -----------------------------
def _summary(key: str, n: int, p90: int | None, within: float | None, population: int | None = None):
    return fractiles.IntervalSummary(key, n, n if population is None else population, p90, p90, within,
                                     None if not n else 1.0)


def _dashboard(n: int, *, previous_n: int = 0, calls_before: int = 0, incidents: int = 1160, linked: bool = False,
               agency: str | None = None):
    from analytics.model import CallHandling, Dashboard, GroupRow, Kpi, LeagueRow, Names

    f = Filters(*days_period(date(2026, 3, 1), date(2026, 3, 31)), agency=agency)
    names = Names(kecamatan={"74.71.01": "Mandonga", "74.71.02": "Baruga"}, kelurahan={},
                  types={"medical": ("Kegawatdaruratan medis", "Medical emergency")},
                  agencies={"PSC119": ("PSC 119 (Dinas Kesehatan)", "PSC 119 (Health Office)")},
                  type_agency={"medical": "PSC119"}, emergency_types=frozenset({"medical"}))
    row = GroupRow(None, incidents, {k: _summary(k, n, 852 if n else None, 0.912 if n else None)
                                     for k in ("answer", "processing", "turnout", "travel", "total")})
    before = GroupRow(None, previous_n, {k: _summary(k, previous_n, 900 if previous_n else None, 0.8)
                                         for k in ("answer", "processing", "turnout", "travel", "total")})
    calls = CallHandling(total=5982, answered=3744, unanswered=2238, by_class={"valid": 4760, "prank": 1222},
                         answer=_summary("answer", 3744, 12, 0.91), standards=[], daily=[], linked_only=linked)
    kec = [GroupRow("74.71.01", 300, {"total": _summary("total", 300, 1500, 0.5)}),
           GroupRow("74.71.02", 5, {"total": _summary("total", 5, 4000, 0.0)})]
    return Dashboard(filters=f, targets=Targets(), names=names,
                     kpis=[Kpi("period", f.start, f.end, 5982, incidents, 900, calls_before, 3, 0)],
                     overall=row, by_kecamatan=kec, by_kelurahan=[], by_type=[], by_agency=[], heatmap=[], daily=[],
                     weekly=[], calls=calls, league=[LeagueRow("PSC119", 1160, 673, 0.5802, 30 * 3600, 2 * 86400)],
                     previous_overall=before)


def test_numbers_follow_the_language_everywhere() -> None:
    d = _dashboard(1160)
    kpi_id = report.kpi_table(d, "id").rows[0]
    kpi_en = report.kpi_table(d, "en").rows[0]
    assert (kpi_id["calls"], kpi_id["incidents"]) == ("5.982", "1.160")
    assert (kpi_en["calls"], kpi_en["incidents"]) == ("5,982", "1,160")
    intervals = report.intervals_table(d, "id").rows[4]
    assert intervals["within"] == "91,2 %" and intervals["p90"] == "14 mnt 12 dtk"
    assert report.intervals_table(d, "en").rows[4]["within"] == "91.2%"
    league = report.league_table(d, "id").rows[0]
    assert (league["closure"], league["close_p50"], league["close_p90"]) == ("58,0 %", "1 hari 6 jam", "2 hari")
    assert report.league_table(d, "en").rows[0]["close_p50"] == "1 day 6 h"


def test_csv_headers_are_in_the_chosen_language_with_units() -> None:
    d = _dashboard(1160)
    id_head = report.intervals_table(d, "id").to_csv().splitlines()[0]
    en_head = report.intervals_table(d, "en").to_csv().splitlines()[0]
    assert id_head == ("Interval,p50 (detik),p90 (detik),Target (detik),% dalam target (porsi 0–1),"
                       "Sasaran (porsi 0–1),Kelengkapan (porsi 0–1),n (jumlah)")
    assert en_head.startswith("Interval,p50 (seconds),p90 (seconds),Target (seconds),% within target (share 0–1)")
    stored = report.intervals_table(d, "en").to_store()
    assert report.csv_from_store(stored).splitlines()[0] == en_head
    assert report.intervals_table(d, "en").to_csv().splitlines()[5].startswith("total,852,852,900,0.912")


def test_changes_against_tiny_or_empty_bases_are_new() -> None:
    assert report.change_text(51968, 0, "id") == "baru" and report.change_text(51968, 0, "en") == "new"
    assert report.change_text(30, 12, "id") == "baru"              # below the smallest sample
    assert report.change_text(0, 0, "id") == "—"
    assert report.change_text(110, 100, "id") == "+10 %" and report.change_text(90, 100, "en") == "−10%"
    assert report.kpi_table(_dashboard(1160), "id").rows[0]["incidents_change"] == "baru"   # 3 before
    assert report.kpi_table(_dashboard(1160, calls_before=4000), "id").rows[0]["calls_change"] == "+50 %"


def test_small_samples_are_greyed_and_say_so() -> None:
    from analytics import overview

    few = overview.build(_dashboard(7), "id")
    assert all(t.status == "few" for t in few.tiles)
    assert all(t.within == "terlalu sedikit insiden" and "Terlalu sedikit insiden (n = 7)" in t.sentence
               for t in few.tiles)
    assert report.intervals_table(_dashboard(7), "id").row_classes == ("k112-an-few",) * 5
    enough = overview.build(_dashboard(1160, previous_n=400), "id")
    total = next(t for t in enough.tiles if t.key == "total")
    assert total.status == "ok" and total.sentence == "9 dari 10 unit pertama tiba dalam 14 mnt 12 dtk sejak " \
                                                      "panggilan masuk."
    assert total.trend_class == "better" and total.trend.startswith("▼ 48 dtk lebih cepat")
    assert next(t for t in overview.build(_dashboard(1160), "id").tiles if t.key == "total").trend_class == "new"
    # Baruga has 5 incidents: not ranked among the slowest, and said so
    areas = overview.worst_areas_card(_dashboard(1160), "id")
    assert [line.label for line in areas.lines] == ["Mandonga"] and "1 kecamatan" in areas.note
    # the configured smallest sample
    custom = from_json({**Targets().to_json(), "min_n": 5})
    assert custom.min_n == 5 and from_json(custom.to_json()) == custom
    with pytest.raises(TargetsError):
        from_json({**Targets().to_json(), "min_n": 0})


def test_the_sentence_names_the_units_of_the_agency() -> None:
    from analytics import overview

    ambulances = overview.build(_dashboard(1160, agency="PSC119"), "id")
    assert next(t for t in ambulances.tiles if t.key == "total").sentence.startswith("9 dari 10 ambulans tiba dalam")
    english = overview.build(_dashboard(1160, agency="PSC119"), "en")
    assert next(t for t in english.tiles if t.key == "total").sentence == \
        "9 of 10 ambulances arrived within 14 min 12 s of the call."


def test_calls_say_which_filters_they_follow() -> None:
    from analytics import overview

    all_calls = overview.calls_card(_dashboard(1160), "id")
    assert all_calls.note == "Semua panggilan pada periode ini." and all_calls.lines[0].value == "5.982"
    linked = overview.calls_card(_dashboard(1160, linked=True, agency="PSC119"), "id")
    assert "hanya panggilan yang menjadi insiden" in linked.note
    assert linked.lines[0].label == "Panggilan (jadi insiden)"
    assert not any("iseng" in line.label for line in linked.lines)


def test_colour_scales_start_at_zero() -> None:
    from analytics import figures
    from analytics.model import GroupRow

    rows = [GroupRow("74.71.01", 30, {"total": _summary("total", 30, 12, 0.9)})]
    geo = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"kode": "74.71.01"},
                                                      "geometry": {"type": "Point", "coordinates": [122.5, -4.0]}}]}
    fig = figures.choropleth(geo, rows, {"74.71.01": "Mandonga"}, measure="p90", title="", map_style="white-bg",
                             lang="id", target_s=900)
    assert fig.data[0].zmin == 0 and fig.data[0].zmax >= 15
    heat = figures.heatmap([], lang="id")
    assert heat.data[0].zmin == 0
