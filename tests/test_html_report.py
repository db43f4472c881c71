"""The HTML report (sprintgait.html_report, sprintgait.charts) without a browser: the same
input gives the same bytes, data is escaped, nothing is fetched from anywhere, names can be
replaced for sharing, every chart is drawn SVG within its size budget, and sessions that
lack something (no reps, one foot, a lost pod, unknown values) render and say so.

The analyses are real ones of short simulated sessions (500 Hz) and of the bundled demo
session; the helpers below build them once per process (tests/test_report_browser.py
uses them too)."""
from __future__ import annotations

import copy
import functools
import html
import json
import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gaitcore import read, simulate
from gaitcore.analysis import analyze
from gaitcore.signals import Segment
from sprintgait import charts
from sprintgait.html_report import render_history_report, render_session_report
from sprintgait.trend import Metric, Trend, TrendPoint, drill_reps, session_drills, session_value

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "sprint_session.podses"
ATHLETE = "Jane Doe"
FILE = "jane_doe_2024-05-03.podses"
EVIL = "<script>alert(1)</script>"
DATA_COLOURS = tuple(c.lower() for c in (charts.LEFT_COLOUR, charts.RIGHT_COLOUR, charts.BEST_COLOUR))
CHART_BUDGET = 40_000      # bytes a chart


# --- the analyses (each built once; callers copy before changing one) ---

def _cut(sensor, keep):
    return replace(sensor, t_s=sensor.t_s[keep], acc_mps2_sf=sensor.acc_mps2_sf[keep],
                   gyr_dps_sf=sensor.gyr_dps_sf[keep])


def _plan(athlete: str, sprint_mps: float = 9.5) -> simulate.SessionPlan:
    """A 20 m sprint from standing, then 10 m of high knees whose contacts lengthen (cues)."""
    return simulate.SessionPlan(
        "report_test", "a short session for the report's tests", athlete,
        (simulate.Rep(replace(simulate.SPRINT, speed_mps=sprint_mps), 20.0, accel_tau_s=1.2, brake_mps2=4.0),
         simulate.Rep(simulate.HIGH_KNEES, 10.0, fatigue_from_step=8, fatigue_contact_pct=35.0)),
        lead_s=2.0, rest_s=3.0, tail_s=1.5)


@functools.lru_cache(maxsize=None)
def _recording():
    rec = simulate.simulate_plan(_plan(ATHLETE), fs_hz=500, seed=3).recording
    return replace(rec, session=replace(rec.session, inputs=(FILE,), started_utc="2024-05-03T16:30:00+00:00"))


@functools.lru_cache(maxsize=None)
def _session() -> str:
    return json.dumps(analyze(_recording()).to_dict())


def session_analysis() -> dict:
    """The short session: a sprint (splits) and high knees with two cues; both feet."""
    return json.loads(_session())


@functools.lru_cache(maxsize=None)
def _single_foot() -> str:
    rec = _recording()
    return json.dumps(analyze(replace(rec, sensors=rec.sensors[:1])).to_dict())


def single_foot_analysis() -> dict:
    """The short session with the right pod left out: left steps only."""
    return json.loads(_single_foot())


@functools.lru_cache(maxsize=None)
def _lost_pod() -> str:
    rec = _recording()
    left, right = rec.sensors
    end = right.t_s[-1]
    lost = _cut(right, (right.t_s < 0.35 * end) | (right.t_s > 0.7 * end))
    return json.dumps(analyze(replace(rec, sensors=(left, lost))).to_dict())


def lost_pod_analysis() -> dict:
    """The short session whose right pod drops out from 35% to 70% of it (a gap)."""
    return json.loads(_lost_pod())


@functools.lru_cache(maxsize=None)
def _stopped_pod() -> str:
    rec = _recording()
    left, right = rec.sensors
    return json.dumps(analyze(replace(rec, sensors=(left, _cut(right, right.t_s < 0.5 * right.t_s[-1])))).to_dict())


def stopped_pod_analysis() -> dict:
    """The short session whose right pod stops half-way."""
    return json.loads(_stopped_pod())


@functools.lru_cache(maxsize=None)
def _no_reps() -> str:
    rec = _recording()
    return json.dumps(analyze(replace(rec, sensors=tuple(_cut(s, s.t_s < 1.8) for s in rec.sensors))).to_dict())


def no_reps_analysis() -> dict:
    """The short session's first 1.8 s: the athlete standing, no step."""
    return json.loads(_no_reps())


@functools.lru_cache(maxsize=None)
def _segments() -> str:
    sim = simulate.simulate_session(simulate.HIGH_KNEES, fs_hz=500, duration_s=7.0, seed=1,
                                    segments=(Segment.SHANK, Segment.THIGH))
    return json.dumps(analyze(sim.recording).to_dict())


def segments_analysis() -> dict:
    """High knees with a shank and a thigh pod on each leg: swing peak angles."""
    return json.loads(_segments())


@functools.lru_cache(maxsize=None)
def _demo() -> str:
    return json.dumps(analyze(read(BUNDLED)).to_dict())


def demo_analysis() -> dict:
    """The bundled demo session (recordings/sprint_session.podses)."""
    return json.loads(_demo())


# the metrics the tests follow (every one would give the same pages, with more charts to draw)
METRICS = (Metric.CONTACT, Metric.FLYING20, Metric.QUALITY)


def trends_of(athlete: str, dated: list[tuple[date, dict]], metrics=METRICS) -> list[Trend]:
    """The ``metrics`` of every drill over ``dated`` analyses, as the history gives them."""
    out = []
    drills = dict.fromkeys(d for _, a in dated for d in session_drills(a))
    for drill in drills:
        for metric in metrics:
            pts = []
            for i, (day, a) in enumerate(dated):
                v = session_value(drill_reps(a, drill), metric)
                if v is not None:
                    pts.append(TrendPoint(i + 1, day, v.value, v.noise, v.n_reps))
            if pts:
                out.append(Trend(athlete, metric, drill, tuple(pts)))
    return out


HISTORY_DATES = (date(2024, 4, 2), date(2024, 4, 12), date(2024, 4, 23))


@functools.lru_cache(maxsize=None)
def _earlier() -> str:
    out = []
    for k, (day, v) in enumerate(zip(HISTORY_DATES, (9.0, 9.2, 9.4))):
        rec = simulate.simulate_plan(_plan(ATHLETE, v), fs_hz=500, seed=10 + k).recording
        rec = replace(rec, session=replace(rec.session, started_utc=f"{day.isoformat()}T17:00:00+00:00",
                                           inputs=(f"jane_doe_{day.isoformat()}.podses",)))
        out.append(analyze(rec).to_dict())
    return json.dumps(out)


def history_of_athlete() -> tuple[list[dict], list[Trend]]:
    """Three earlier sessions of the athlete and the session itself (its latest, on
    2024-05-03), with their trends."""
    sessions = json.loads(_earlier()) + [session_analysis()]
    days = list(HISTORY_DATES) + [date(2024, 5, 3)]
    return sessions, trends_of(ATHLETE, list(zip(days, sessions)))


# --- reading the page ---

class _Page(HTMLParser):
    """The page's elements: tag counts, attributes, tables and whether every element closed."""

    VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "source", "wbr"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.errors: list[str] = []
        self.attrs: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.attrs.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.attrs.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:]}")
            return
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)

    def tags(self, name: str) -> list[dict]:
        return [a for t, a in self.attrs if t == name]


def svgs_of(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.S)


def _check_page(page: str) -> _Page:
    """What every page must be: well-formed, self-contained, with real tables."""
    parsed = _Page(page)
    assert not parsed.errors and not parsed.open, (parsed.errors, parsed.open)
    assert page.startswith("<!DOCTYPE html>")
    assert parsed.tags("meta")[1] == {"name": "viewport", "content": "width=device-width, initial-scale=1"}
    assert "@media print" in page
    for tag in ("script", "link", "img", "iframe", "object", "embed", "image"):
        assert not parsed.tags(tag), f"<{tag}> in a self-contained page"
    for tag, attrs in parsed.attrs:
        for key in ("src", "href", "srcset", "action", "poster", "data"):
            if key in attrs:
                assert attrs[key].startswith("#"), f"<{tag} {key}={attrs[key]!r}> points outside the page"
    assert not re.search(r"url\(\s*['\"]?(?!#)", page), "a CSS or SVG url() to outside the page"
    assert "@import" not in page and "@font-face" not in page
    assert len(parsed.tags("table")) == page.count("<thead>") and page.count("<th") >= len(parsed.tags("table"))
    return parsed


# --- the tests ---

@pytest.fixture(scope="module")
def session_page() -> str:
    return render_session_report([session_analysis()])


@pytest.fixture(scope="module")
def demo_page() -> str:
    return render_session_report([demo_analysis()])


@pytest.fixture(scope="module")
def season_page() -> str:
    sessions, trends = history_of_athlete()
    return render_history_report(ATHLETE, trends, sessions=sessions)


@pytest.fixture(scope="module")
def compared_page() -> str:
    return render_session_report([session_analysis()], history=[history_of_athlete()[1]])


def test_the_same_input_gives_the_same_page(session_page, season_page):
    a = session_analysis()
    # report.json and the history database hold the same contract: read back, the page is the same
    assert render_session_report([json.loads(json.dumps(a, indent=1))]) == session_page
    sessions, trends = history_of_athlete()
    assert render_history_report(ATHLETE, trends, sessions=sessions) == season_page
    assert "generated" not in session_page
    page = render_session_report([a], generated="made 2024-06-01 09:00")
    assert "made 2024-06-01 09:00" in page and page.replace(", made 2024-06-01 09:00", "") == session_page


def test_the_page_is_self_contained(session_page, demo_page, season_page, compared_page):
    for page in (session_page, demo_page, season_page, compared_page):
        _check_page(page)
        assert "http://" not in page and "https://" not in page and "//" not in re.sub(r"<svg\b.*?</svg>", "", page,
                                                                                           flags=re.S)


def test_text_from_the_data_is_escaped():
    a = session_analysis()
    a["session"].update(athlete=EVIL, plan=EVIL, drill=EVIL, inputs=[EVIL + ".podses"])
    a["sensors"][0]["name"] = EVIL
    a["summary"]["clipped_samples"] = {EVIL: 3}
    rep = a["reps"][1]
    rep["reasons"].append(EVIL)
    rep["cues"][0]["text"] = EVIL
    rep["recognised"]["reason"] = EVIL
    a["sets"][0]["drill"] = EVIL
    page = render_session_report([a], title=EVIL)
    _check_page(page)
    assert "<script" not in page.lower()
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 9
    trends = history_of_athlete()[1][:2]
    evil_trends = [replace(t, athlete=EVIL, drill=EVIL) for t in trends]
    page = render_history_report(EVIL, evil_trends, sessions=[a])
    _check_page(page)
    assert "<script" not in page.lower() and "&lt;script&gt;" in page


def test_anonymise_replaces_every_name():
    a, b = session_analysis(), session_analysis()
    a["session"]["plan"] += f"; {ATHLETE} leads off"
    b["session"].update(athlete="Zofia Kowalczyk", inputs=["zofia_kowalczyk_run.podses"])
    plain = render_session_report([a, b])
    assert ATHLETE in plain and FILE in plain and "Zofia Kowalczyk" in plain
    page = render_session_report([a, b], anonymise=True)
    _check_page(page)
    for name in (ATHLETE, "Jane", "Doe", FILE, "jane_doe", "Zofia", "Kowalczyk", "zofia_kowalczyk"):
        assert name.lower() not in page.lower(), name
    assert "Athlete A" in page and "Athlete B" in page and "recording 1" in page and "recording 2" in page
    assert page.index("Athlete A") < page.index("Athlete B")      # in the order they first appear
    assert "Athlete A leads off" in page                          # the name in the plan's text too
    # the same athletes in the history
    sessions, trends = history_of_athlete()
    page = render_session_report([session_analysis()], history=[trends[:1]], anonymise=True)
    assert "Jane" not in page and "Doe" not in page and "Compared with earlier sessions" in page
    page = render_history_report(ATHLETE, trends[:2], sessions=sessions, anonymise=True)
    _check_page(page)
    assert "jane" not in page.lower() and "doe" not in page.lower() and "Athlete A" in page


def _chart_checks(page: str) -> list[int]:
    """Each chart's size (bytes), after checking it is an accessible, drawn SVG."""
    sizes = []
    for svg in svgs_of(page):
        assert re.match(r'<svg viewBox="[\d. ]+" role="img" aria-label="[^"]+" style="[^"]+"><title>[^<]+</title>',
                        svg), svg[:200]
        assert "<?xml" not in svg and "DOCTYPE" not in svg and "<metadata" not in svg and "xmlns" not in svg
        paths = re.findall(r'<path d="M [^"]+"[^>]*>|<use [^>]+>', svg)
        assert any(c.lower() in p.lower() for p in paths for c in DATA_COLOURS), "no data drawn"
        sizes.append(len(svg.encode()))
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "an id twice on the page: the charts' clip paths would mix"
    return sizes


def test_every_chart_is_a_drawn_svg_within_budget(demo_page, session_page):
    demo = _chart_checks(demo_page)
    # the demo: three reps (a sprint, skips, high knees), each contact+flight and foot lift; the sprint's speed
    assert len(demo) == 7 == demo_page.count('<figure class="chart">')
    assert max(demo) < CHART_BUDGET, demo
    print(f"\ndemo report {len(demo_page.encode()) / 1000:.0f} KB, charts (KB): "
          + ", ".join(f"{s / 1000:.1f}" for s in demo))
    assert len(demo_page.encode()) < 300_000
    short = _chart_checks(session_page)
    assert len(short) == 5 and max(short) < CHART_BUDGET


def test_a_page_of_the_session(session_page):
    page = session_page
    text = " ".join(_Page(page).text)
    for what in ("Session report", ATHLETE, "2024-05-03 16:30 UTC", "20 m sprint", FILE, "right_pod",
                 "Top speed", "Rep 1: sprint, 20 m planned", "Rep 2: high_knees, 10 m planned", "Start and splits",
                 "Flying m", "Left and right", "Over the rep", "Quality"):
        assert what in text, what
    # the per-rep summary table: a row per rep, with the cues counted
    table = re.search(r'<p class="tcap">Every rep.*?</table>', page, flags=re.S).group(0)
    assert table.count("<tr>") + table.count("<tr ") == 3 and table.count('<th scope="col"') == 11
    # the cues where they fired: in the list and on the contact chart (▼)
    a = session_analysis()
    for c in a["reps"][1]["cues"]:
        assert c["text"].replace("'", "&#x27;") in page
    assert "Cues (2)" in page and "No cue fired in this rep." in page
    assert "No earlier sessions" not in page and "Compared with" not in page     # no history given


def test_a_session_without_reps_says_so():
    a = no_reps_analysis()
    assert a["reps"] == [] and a["steps"] == []
    page = render_session_report([a])
    _check_page(page)
    assert "No reps: the pods saw no bout of steps." in page and "<svg" not in page
    # a contract with steps but no reps (a stored session from an older analysis)
    b = session_analysis()
    b["reps"], b["sets"] = [], []
    page = render_session_report([b], history=[[]])
    _check_page(page)
    assert "No reps: the pods saw no bout of steps (" in page and "No drill in this session to compare." in page


def test_a_session_of_one_foot():
    a = single_foot_analysis()
    assert {s["foot"] for s in a["steps"]} == {"left"}
    page = render_session_report([a])
    _check_page(page)
    assert "One foot pod only (left)" in page
    assert page.count("Symmetry unavailable: steps of the left foot only in this rep.") == 2
    svgs = svgs_of(page)
    assert svgs and all(charts.RIGHT_COLOUR.lower() not in s for s in svgs)
    assert all(charts.LEFT_COLOUR.lower() in s for s in svgs)
    # no flight time without the other foot: the contact chart has one panel
    assert page.count('aria-label="Contact time per step, by foot"') == 2 and "Flight time after" not in page


def test_a_session_with_a_lost_pod():
    a = lost_pod_analysis()
    assert any(not g["bridged"] for g in a["summary"]["gaps"])
    page = render_session_report([a])
    _check_page(page)
    assert re.search(r'<span class="warn">Gap</span> in right_pod: dropped from [\d.]+ to [\d.]+ s '
                     r"\(\d+ samples lost\)", page)
    _chart_checks(page)
    b = stopped_pod_analysis()
    page = render_session_report([b])
    _check_page(page)
    assert re.search(r"The right foot's steps stop at [\d.]+ s</span>, the left foot's go on", page)


def _null_numbers(x, keep=("index", "rep", "foot", "ic_s", "steps", "n", "drill", "rest")):
    """``x`` with every number that the contract allows to be None set to None."""
    if isinstance(x, dict):
        return {k: (v if k in keep else _null_numbers(v)) for k, v in x.items()}
    if isinstance(x, list):
        return [_null_numbers(v) for v in x]
    return None if isinstance(x, float) else x


def test_unknown_values_render_as_unknown():
    a = session_analysis()
    a["steps"] = [_null_numbers(s) for s in a["steps"]]
    a["reps"] = [dict(_null_numbers(r), splits=None, quality=None, reasons=[], recognised={}) for r in a["reps"]]
    a["summary"] = _null_numbers(a["summary"])
    a["sensors"] = [dict(s, fs_hz=None) for s in a["sensors"]]
    a["sets"] = [_null_numbers(x) for x in a["sets"]]
    a["session"] = {k: None for k in a["session"]}
    page = render_session_report([a])
    _check_page(page)
    for what in ("Athlete unknown", "date unknown", "No contact times in this rep", "No foot lift in this rep",
                 "No quality score for this rep"):
        assert what in page, what
    assert "<svg" not in page
    # and the smallest contract there is
    page = render_session_report([{"session": {}, "sensors": [], "steps": [], "reps": [], "summary": {}}])
    _check_page(page)
    assert "No reps" in page


def test_a_session_without_trajectory_has_no_lift():
    a = analyze(_recording(), trajectory=False).to_dict()
    page = render_session_report([a])
    _check_page(page)
    assert page.count("No foot lift in this rep") == 2 and len(svgs_of(page)) == 2


def test_thigh_and_shank_angles_are_shown():
    a = segments_analysis()
    assert any(s["thigh_angle_peak_deg"] is not None for s in a["steps"])
    page = render_session_report([a])
    _check_page(page)
    assert "Thigh and shank swing peaks" in page and "Thigh peak deg" in page and "Shank peak deg" in page


def test_comparison_with_earlier_sessions(compared_page):
    sessions, trends = history_of_athlete()
    assert len(sessions) == 4 and {t.drill for t in trends} == {"sprint", "high_knees"}
    page = compared_page
    assert "Compared with earlier sessions" in page
    contact = next(t for t in trends if t.drill == "sprint" and t.metric is Metric.CONTACT)
    assert f"<b>{html.escape(contact.latest_change().describe(Metric.CONTACT))}</b>" in page
    assert f"Best</div><div class=\"v\">{Metric.CONTACT.format(contact.best.value).removesuffix(' s')}" in page
    n = sum(len(t.points) > 1 for t in trends)
    assert len(svgs_of(page)) == 5 + n
    # another athlete's trends are not this athlete's history
    page = render_session_report([no_reps_analysis(), session_analysis()],
                                 history=[[replace(t, athlete="Someone Else") for t in trends]] * 2)
    assert page.count("No earlier sessions of this athlete in the history.") == 2


def test_a_page_of_the_season(season_page):
    sessions, trends = history_of_athlete()
    page = season_page
    parsed = _check_page(page)
    assert "Season report" in page and ATHLETE in page
    assert len(svgs_of(page)) == len(trends)
    _chart_checks(page)
    # each trend's table: a row per session; the sessions' table: one per session
    assert len(parsed.tags("table")) == len(trends) + 1
    for day in ("2024-04-02", "2024-04-12", "2024-04-23", "2024-05-03"):
        assert day in page
    empty = render_history_report("Nobody", [])
    _check_page(empty)
    assert "No sessions of this athlete in the history." in empty


def test_charts_are_deterministic_and_alone():
    a = session_analysis()
    steps = [s for s in a["steps"] if s["rep"] == 0]
    one = charts.contact_flight_chart(steps, key="k")
    assert one == charts.contact_flight_chart(steps, key="k")
    other = charts.contact_flight_chart(steps, key="other")
    assert other != one and set(re.findall(r'id="([^"]+)"', one)).isdisjoint(re.findall(r'id="([^"]+)"', other))
    import matplotlib
    before = dict(matplotlib.rcParams)
    charts.speed_chart(steps, a["reps"][0]["splits"], start_s=a["reps"][0]["start_s"], key="s")
    assert dict(matplotlib.rcParams) == before           # no global style changed
    assert charts.contact_flight_chart([], key="e") is None and charts.foot_lift_chart([], key="e") is None
    assert charts.speed_chart([], None, start_s=0.0, key="e") is None
    assert charts.trend_chart(Trend("x", Metric.QUALITY, "sprint", ()), key="e") is None
    single = Trend("x", Metric.QUALITY, "sprint", (TrendPoint(1, date(2024, 1, 1), 80.0, None, 1),))
    assert "<svg" in charts.trend_chart(single, key="one")


def test_deep_copies_are_left_alone():
    """Rendering changes nothing in the analyses it reads."""
    a = session_analysis()
    before = copy.deepcopy(a)
    render_session_report([a], anonymise=True)
    assert a == before


# --- what a review found ---

def test_each_session_is_compared_with_its_own_trends():
    """Two sessions of one athlete on one page: each section shows the trends that end at
    it, not the other's (the trends differ in their days)."""
    sessions, trends = history_of_athlete()
    a, b = sessions[-2], sessions[-1]
    days_a = list(HISTORY_DATES)
    ta = trends_of(ATHLETE, list(zip(days_a, sessions[:3])))
    page = render_session_report([a, b], history=[ta, trends])
    s1 = page[page.index('id="s1"'):page.index('id="s2"')]
    s2 = page[page.index('id="s2"'):]
    assert "4 sessions" not in s1 and "lower is better, 3 sessions" in s1      # a's trends end at a
    assert "lower is better, 4 sessions" in s2
    with pytest.raises(ValueError, match="one per session"):
        render_session_report([a, b], history=[ta])


def test_a_session_that_cannot_be_compared_says_why():
    page = render_session_report([session_analysis()], history=[None])
    assert "Cannot compare: the session&#x27;s date is unknown" in page or "Cannot compare: the session's date" in page


def test_anonymising_leaves_drills_and_the_analysis_sentences_alone():
    a = session_analysis()
    a["session"] = {**a["session"], "athlete": "Mei Best", "inputs": ["sprint.podses"],
                    "plan": "Best and Mei: Wu 4x20 m sprint"}
    page = render_session_report([a], anonymise=True)
    plan = re.search(r'<span class="plan">(.*?)</span>', page).group(1)
    assert "Mei" not in plan and "Best" not in plan and "sprint" in plan
    assert "sprint.podses" not in page and "Mei Best" not in page
    assert "of the session&#x27;s best" in page or "of the session's best" in page      # the reasons, as made
    b = session_analysis()
    b["session"] = {**b["session"], "athlete": "Mei Wu", "plan": "Wu: 20 m sprint"}
    plan = re.search(r'<span class="plan">(.*?)</span>', render_session_report([b], anonymise=True)).group(1)
    assert "Wu" not in plan


def test_feet_on_clocks_that_disagree_are_no_lost_pod():
    a = stopped_pod_analysis()
    assert "may have been lost" in render_session_report([a])
    a["summary"] = {**a["summary"], "feet_clock": {**(a["summary"].get("feet_clock") or {}), "state": "disagree"}}
    assert "may have been lost" not in render_session_report([a])


def test_a_drill_named_with_dollars_is_text_in_a_chart():
    _, trends = history_of_athlete()
    svg = charts.trend_chart(replace(trends[0], drill="a$^$b"), key="dollar")
    assert svg is not None and "a$^$b" in html.unescape(svg)


def test_every_step_is_in_a_table_to_copy():
    a = session_analysis()
    page = render_session_report([a])
    rows = re.findall(r'<details class="steps"><summary>Every step \((\d+)\)</summary>', page)
    reps = [r for r in a["reps"] if not r["rest"]]
    assert [int(n) for n in rows] == [sum(1 for s in a["steps"] if s["rep"] == r["index"]) for r in reps]
