"""The coach's report: one self-contained HTML5 page of one or more sessions, or of an
athlete's season.

Both pages read the analysis output contract (``Analysis.to_dict()``: ``gait analyze
--json``, report.json, the history database), so a fresh analysis, a saved report and a
stored session render alike.  A page is one file: inline CSS, inline SVG charts
(:mod:`sprintgait.charts`), no JavaScript, no font, image or style from anywhere else, so
it works offline at the track, reads on a phone (the tables scroll in their own boxes)
and prints (a print stylesheet).  Every text that comes from the data (names, plan,
reasons, cues, file names) is HTML-escaped.  The same input gives the same bytes: the
page holds no time of its own making (pass ``generated`` to print one).

With ``anonymise=True`` the athletes become "Athlete A", "Athlete B" ... in the order they
first appear, the input files "recording 1", "recording 2" ..., the pods are named by
where they were worn, and the athletes' and files' names are replaced in the text people
wrote (the plan, a title); the reasons and cues are the analysis's own sentences.

Units on the page: times of steps in ms, split times in s, distances in m, foot lift in
cm, angles in degrees, speeds in m/s; a dash is a value the analysis does not know.
"""
from __future__ import annotations

import html
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone

from gaitcore.drills import default_catalog
from gaitcore.report import start_time_text
from gaitcore.signals import Placement

from . import charts
from .trend import Trend, drill_reps, session_drills, session_value

__all__ = ["Names", "render_history_report", "render_session_report"]

NA = "–"                     # a value the analysis does not know
RELIABLE_RATE_HZ = 200.0     # below it short contacts are found late or merged (gaitcore.report)
LOST_POD_S = 3.0             # one foot's steps ending this much before the other's: its pod may have been lost


# --- names, and names for sharing ---

@dataclass(frozen=True, slots=True)
class Names:
    """How the names in the data are shown: as given, or (``anonymise``) replaced by
    ``aliases``, pairs of (original, shown) for athletes and input files."""

    anonymise: bool = False
    aliases: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, athletes: Sequence[str | None], files: Sequence[str], anonymise: bool) -> Names:
        """Aliases for ``athletes`` (each may be several joined by " / ") and ``files``, in
        the order they first appear."""
        if not anonymise:
            return cls()
        people = list(dict.fromkeys(p.strip() for a in athletes if a for p in a.split(" / ") if p.strip()))
        files_ = list(dict.fromkeys(f for f in files if f))
        pairs = [(p, f"Athlete {_letters(i)}") for i, p in enumerate(people)]
        pairs += [(f, f"recording {i + 1}") for i, f in enumerate(files_)]
        return cls(True, tuple(pairs))

    def athlete(self, name: str | None) -> str | None:
        """An athlete's name as shown (None: not given)."""
        if not name or not self.anonymise:
            return name
        table = dict(self.aliases)
        return " / ".join(table.get(p.strip(), "Athlete ?") for p in name.split(" / "))

    def file(self, name: str) -> str:
        return dict(self.aliases).get(name, "recording") if self.anonymise else name

    def text(self, text: str | None) -> str | None:
        """Text a person wrote (the plan, a title) with every original name in it replaced:
        the names, the files' names and stems, each word of an athlete's name.  The
        analysis's own sentences (reasons, cues) are made from templates and hold none."""
        if not text or not self.anonymise:
            return text
        words = self._words()
        if not words:
            return text
        shown = {w.casefold(): alias for w, alias in words}
        # a name is found between anything but letters and digits (jane_doe: "jane" and "doe")
        found = re.compile("|".join(rf"(?<![^\W_]){re.escape(w)}(?![^\W_])" for w, _ in words), re.I)
        return found.sub(lambda m: shown.get(m.group(0).casefold(), "[name]"), text)

    def _words(self) -> list[tuple[str, str]]:
        """What to find in free text, longest first: the names and files, each file's name
        without its folder and extension, each word of an athlete's name."""
        drills = {w.casefold() for d in default_catalog().drills for w in (d.id, *d.aliases)}
        out = []
        for orig, alias in self.aliases:
            out.append((orig, alias))
            base = re.split(r"[\\/]", orig)[-1]
            stem = base.rsplit(".", 1)[0]
            for part in {base, stem} - {orig}:
                if len(part) >= 4 and not _is_placement(part) and part.casefold() not in drills:
                    out.append((part, alias))
            if alias.startswith("Athlete"):
                out += [(w, alias) for w in re.findall(r"[^\W\d_]{2,}", orig)]
        return sorted(set(out), key=lambda p: (-len(p[0]), p))


def _letters(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA ..."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def _is_placement(word: str) -> bool:
    try:
        Placement.parse(word)
        return True
    except ValueError:
        return False


def _sensor_names(sensors: Sequence[Mapping], names: Names) -> dict[str, str]:
    """Each pod's name as shown: its own, or where it was worn when anonymised (a name the
    sensors list lacks is shown as "pod" then)."""
    if not names.anonymise:
        return _Pods({s.get("name"): s.get("name") for s in sensors}, anonymise=False)
    worn = [str(s.get("placement") or "pod").replace("_", " ") for s in sensors]
    return _Pods({s.get("name"): w + (f" {worn[:i + 1].count(w)}" if worn.count(w) > 1 else "")
                  for i, (s, w) in enumerate(zip(sensors, worn))}, anonymise=True)


class _Pods(dict):
    """Pod names as shown (see :func:`_sensor_names`)."""

    def __init__(self, shown: Mapping[str, str], *, anonymise: bool):
        super().__init__(shown)
        self.anonymise = anonymise

    def __missing__(self, name: str) -> str:
        return "pod" if self.anonymise else str(name)


# --- formatting ---

def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num(value: float | None, digits: int = 0, scale: float = 1.0) -> str:
    """``value * scale`` to ``digits`` decimals; NA for None; no sign on a zero."""
    if value is None:
        return NA
    text = f"{value * scale:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def _int(value: object) -> str:
    return NA if value is None else _e(value)


def _signed(value: float | None, digits: int = 1) -> str:
    return NA if value is None else ("±0" if round(value, digits) == 0 else f"{value:+.{digits}f}")


def _when(iso: str | None) -> str:
    """A session's start (ISO 8601) as the text report gives it; "date unknown" without one."""
    return start_time_text(iso) if iso else "date unknown"


def _get(d: Mapping | None, *keys: str):
    """``d[k1][k2]...``; None where any level is missing or None."""
    for k in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(k)
    return d


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], *, caption: str | None = None,
           row_classes: Sequence[str] = (), text_cols: Sequence[int] = ()) -> str:
    """A table in its own scroll box, under its caption; ``head`` and ``rows`` are HTML already (escaped);
    each row's first cell is its header cell; numbers align right, the first column and
    ``text_cols`` (indices) left."""
    def cls(i: int) -> str:
        return ' class="t"' if i in text_cols else ""
    out = ['<div class="tbl">', f'<p class="tcap">{caption}</p>' if caption else "", '<div class="scroll"><table>']
    out.append("<thead><tr>" + "".join(f'<th scope="col"{cls(i)}>{h}</th>' for i, h in enumerate(head))
               + "</tr></thead><tbody>")
    for i, row in enumerate(rows):
        rc = row_classes[i] if i < len(row_classes) else ""
        out.append((f'<tr class="{rc}">' if rc else "<tr>") + f'<th scope="row">{row[0]}</th>'
                   + "".join(f"<td{cls(j)}>{c}</td>" for j, c in enumerate(row[1:], 1)) + "</tr>")
    out.append("</tbody></table></div></div>")
    return "".join(out)


def _tiles(items: Sequence[tuple[str, ...]]) -> str:
    """Key figures as big numbers: (what, value, unit[, note]) each, HTML already."""
    def tile(k: str, v: str, u: str, note: str = "") -> str:
        return (f'<div class="tile"><div class="k">{k}</div><div class="v">{v}<span class="u">{u}</span></div>'
                + (f'<div class="n">{note}</div>' if note else "") + "</div>")
    return '<div class="tiles">' + "".join(tile(*item) for item in items) + "</div>"


def _figure(svg: str | None, caption: str, missing: str) -> str:
    """A chart with its caption, or the sentence saying why there is none."""
    if svg is None:
        return f'<p class="missing">{missing}</p>'
    return f'<figure class="chart">{svg}<figcaption>{caption}</figcaption></figure>'


def _notes(items: Sequence[str], cls: str = "notes") -> str:
    return f'<ul class="{cls}">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else ""


# --- the session page ---

def render_session_report(analyses: Sequence[Mapping], *,
                          history: Sequence[Sequence[Trend] | None] | None = None,
                          anonymise: bool = False, title: str | None = None, generated: str | None = None) -> str:
    """The HTML page of ``analyses`` (output-contract dicts, one per session, in order).

    ``history``: per session, in the order of ``analyses``, the trends of its athlete's
    sessions up to it (:class:`sprintgait.trend.Trend`, each of one drill and metric,
    oldest first, this session their latest point); its "Compared with earlier sessions"
    part shows them, or says there are none; None for a session that cannot be compared
    (its day unknown).  ``history`` None: no comparison part.  ``anonymise``: replace
    names for sharing (module docstring).  ``title``: the page's title (default: from the
    sessions).  ``generated``: a time (or any text) to print as when the page was made;
    the default prints none, so the same input gives the same page."""
    if history is not None and len(history) != len(analyses):
        raise ValueError(f"history has {len(history)} entries for {len(analyses)} sessions; give one per session")
    names = Names.of([_get(a, "session", "athlete") for a in analyses]
                     + [t.athlete for ts in history or () for t in ts or ()],
                     [f for a in analyses for f in _get(a, "session", "inputs") or ()], anonymise)
    if title is not None:
        tab = heading = names.text(title)
    elif len(analyses) == 1:
        heading, tab = "Session report", f"Session report: {_session_name(analyses[0], names)}"
    else:
        heading = tab = f"Session report: {len(analyses)} sessions"
    body = []
    if len(analyses) > 1:
        body.append('<nav class="toc card"><h2>Sessions</h2><ol>' + "".join(
            f'<li><a href="#s{i + 1}">{_e(_session_name(a, names))}</a></li>' for i, a in enumerate(analyses))
            + "</ol></nav>")
    if not analyses:
        body.append('<p class="missing card">No sessions to show.</p>')
    for i, a in enumerate(analyses):
        body.append(_session(a, f"s{i + 1}", names, None if history is None else _Compared(history[i])))
    software = sorted({str(_get(a, "summary", "software")) for a in analyses if _get(a, "summary", "software")})
    return _page(tab, heading, "".join(body), software, generated)


def _session_name(a: Mapping, names: Names) -> str:
    who = names.athlete(_get(a, "session", "athlete")) or "athlete unknown"
    return f"{who}, {_when(_get(a, 'session', 'started_utc'))}"


@dataclass(frozen=True, slots=True)
class _Compared:
    """A session's trends (None: it cannot be compared)."""

    trends: Sequence[Trend] | None


def _session(a: Mapping, sid: str, names: Names, history: _Compared | None) -> str:
    ses = a.get("session") or {}
    reps = list(a.get("reps") or ())
    steps = list(a.get("steps") or ())
    sensors = list(a.get("sensors") or ())
    pods = _sensor_names(sensors, names)
    out = [f'<section class="session card" id="{sid}">',
           f"<h2>{_e(names.athlete(ses.get('athlete')) or 'Athlete unknown')}"
           f'<span class="when">{_e(_when(ses.get("started_utc")))}</span></h2>',
           _facts(ses, sensors, pods, names),
           _session_tiles(a, reps),
           "<h3>Data quality</h3>", _quality_notes(a, sensors, steps, pods)]
    out.append("<h3>Reps</h3>")
    if not reps:
        n = len(steps)
        out.append('<p class="missing">No reps: the pods saw no bout of steps'
                   + (f" ({n} step{'s' * (n != 1)} found, none in a rep)." if n else ".") + "</p>")
    else:
        out.append(_rep_table(reps, sid))
        out.append(_sets_table(a.get("sets") or ()))
        for r in reps:
            out.append(_rep(r, [s for s in steps if s.get("rep") == r.get("index")], sid, names))
    if history is not None:
        out.append(_comparison(a, sid, names, history.trends))
    out.append("</section>")
    return "".join(out)


def _facts(ses: Mapping, sensors: Sequence[Mapping], pods: Mapping[str, str], names: Names) -> str:
    rows = []
    if ses.get("plan"):
        rows.append(("Plan", f'<span class="plan">{_e(names.text(ses["plan"]))}</span>'))
    rows.append(("Drill", _e(ses.get("drill") or "from the plan, else recognised per rep")))
    if sensors:
        rows.append(("Pods", "; ".join(
            f"{_e(pods[s.get('name')])}: {_e(str(s.get('placement') or '?').replace('_', ' '))}, "
            f"{_num(s.get('fs_hz'), 0)} Hz, {_int(s.get('n_samples'))} samples"
            + (f" ({_num(s['n_samples'] / s['fs_hz'], 1)} s)" if s.get("n_samples") and s.get("fs_hz") else "")
            for s in sensors)))
    files = ses.get("inputs") or ()
    if files:
        rows.append(("Files", ", ".join(_e(names.file(f)) for f in files)))
    if ses.get("simulated"):
        rows.append(("Source", "simulated session"))
    return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _session_tiles(a: Mapping, reps: Sequence[Mapping]) -> str:
    work = [r for r in reps if not r.get("rest")]
    speeds = [v for v in (_get(r, "metrics", "top_speed_mps") for r in work) if v is not None]
    scores = [r["quality"] for r in work if r.get("quality") is not None]
    n_steps = _get(a, "summary", "n_steps") or len(a.get("steps") or ())
    tiles = [("Reps", str(len(work)), ""), ("Steps", _e(n_steps), ""),
             ("Top speed", _num(max(speeds) if speeds else None, 2), " m/s", "fastest stride"),
             ("Contact", _num(_reps_contact_s(work), 0, 1000), " ms", "mean over the reps"),
             ("Quality", _num(statistics.fmean(scores) if scores else None, 0), "/100", "mean of the reps")]
    return _tiles([t for t in tiles if t[1] != NA])


def _reps_contact_s(work: Sequence[Mapping]) -> float | None:
    """The mean contact time over the reps' steps (walks back left out), weighted by steps."""
    got = [(_get(r, "metrics", "contact_s", "mean"), _get(r, "metrics", "contact_s", "n") or 0) for r in work]
    got = [(v, n) for v, n in got if v is not None and n > 0]
    total = sum(n for _, n in got)
    return sum(v * n for v, n in got) / total if total else None


def _quality_notes(a: Mapping, sensors: Sequence[Mapping], steps: Sequence[Mapping],
                   pods: Mapping[str, str]) -> str:
    """What the recording lost or the analysis could not do, from the summary and the steps."""
    sm = a.get("summary") or {}
    pod = (lambda name: _e(pods[name]))
    notes: list[str] = []
    bridged: dict[str, list[Mapping]] = {}
    for g in sm.get("gaps") or ():
        if g.get("bridged"):
            bridged.setdefault(g.get("sensor"), []).append(g)
            continue
        notes.append(f'<span class="warn">Gap</span> in {pod(g.get("sensor"))}: {_e(g.get("kind"))} from '
                     f'{_num(g.get("start_s"), 2)} to {_num(g.get("end_s"), 2)} s ({_int(g.get("n_samples"))} samples '
                     "lost); steps across it are not timed")
    for name, gs in bridged.items():
        notes.append(f"Short drops in {pod(name)}, bridged: {len(gs)} ({sum(g.get('n_samples') or 0 for g in gs)} "
                     "samples in all)")
    for key, what in (("clipped_samples", "samples at full scale (clipped; rebuilt from both sides)"),
                      ("repaired_samples", "single bad samples interpolated"),
                      ("duplicate_rows", "repeated rows dropped")):
        got = {k: v for k, v in (sm.get(key) or {}).items() if v}
        if got:
            notes.append(f"{what.capitalize()}: " + ", ".join(f"{pod(k)} {_e(v)}" for k, v in got.items()))
    clock = sm.get("feet_clock") or {}
    if clock.get("state") == "disagree":
        notes.append('<span class="warn">The two feet\'s pods keep different time</span> (about '
                     f'{_num(abs(clock.get("lag_s") or 0.0), 1)} s apart): flight time, step time and step length are '
                     "left out")
    low = {k: v for k, v in (sm.get("alignment_quality") or {}).items() if v is not None and v < 0.8}
    if low:
        notes.append("Uncertain pod alignment (1 is certain): " + ", ".join(f"{pod(k)} {_num(v, 2)}"
                                                                          for k, v in low.items()))
    unmeasured = [k for k, v in (sm.get("gyro_bias_from_standing") or {}).items() if v is False]
    if unmeasured:
        notes.append(f"No quiet standing at the start of {', '.join(pod(k) for k in unmeasured)}: headings and "
                     "positions drift (stride lengths hardly)")
    slow = [s for s in sensors if s.get("fs_hz") is not None and s["fs_hz"] < RELIABLE_RATE_HZ]
    if slow:
        notes.append(", ".join(f"{pod(s.get('name'))} ({_num(s['fs_hz'], 0)} Hz)" for s in slow)
                     + f" sampled below {RELIABLE_RATE_HZ:g} Hz: short contacts are found late or merged")
    notes += _feet_notes(sensors, steps, _get(sm, "feet_clock", "state") != "disagree")
    if not notes:
        notes.append("No gaps, clipping or other data problems found.")
    return _notes(notes)


def _feet_notes(sensors: Sequence[Mapping], steps: Sequence[Mapping], one_clock: bool) -> list[str]:
    """A foot without a pod or without steps, and (when the feet share a clock) a pod
    whose steps stop long before the other's."""
    feet = [s.get("foot") for s in sensors if s.get("foot") in ("left", "right")]
    last = {f: max((s["ic_s"] for s in steps if s.get("foot") == f and s.get("ic_s") is not None), default=None)
            for f in ("left", "right")}
    out = []
    if len(set(feet)) == 1:
        out.append(f"One foot pod only ({feet[0]}): left/right symmetry and flight time are unavailable")
    for f in ("left", "right"):
        other = "right" if f == "left" else "left"
        if f in feet and last[f] is None and last[other] is not None:
            out.append(f'<span class="warn">No steps of the {f} foot</span>: its pod gave none; left/right '
                       "symmetry is unavailable")
        elif one_clock and last[f] is not None and last[other] is not None and last[other] - last[f] > LOST_POD_S:
            out.append(f'<span class="warn">The {f} foot\'s steps stop at {_num(last[f], 1)} s</span>, the {other} '
                       f"foot's go on to {_num(last[other], 1)} s: the {f} pod may have been lost; later reps show "
                       f"the {other} foot only")
    return out


def _drill_of(r: Mapping) -> str:
    if r.get("rest"):
        return "walk back (rest)"
    return r.get("drill") or "no drill recognised"


def _source_of(r: Mapping) -> str:
    rec = _get(r, "recognised", "drill")
    if r.get("rest"):
        return "recognised"
    if r.get("drill_source") == "plan":
        return "planned" + (f"; looks like {rec}" if r.get("plan_mismatch") and rec else "")
    return "recognised" + (f" ({_num(_get(r, 'recognised', 'confidence'), 0, 100)}%)"
                           if _get(r, "recognised", "confidence") is not None else "")


def _rep_table(reps: Sequence[Mapping], sid: str) -> str:
    head = ["Rep", "Drill", "Top speed m/s", "Contact ms", "Quality /100", "Flight ms", "Cadence /min", "Distance m",
            "Steps", "Cues", "Source"]
    rows, classes = [], []
    for r in reps:
        m = r.get("metrics") or {}
        n = (r.get("index") or 0) + 1
        rows.append([f'<a href="#{sid}-r{n}">{n}</a>', _e(_drill_of(r)), _num(m.get("top_speed_mps"), 2),
                     _num(_get(m, "contact_s", "mean"), 0, 1000), _num(r.get("quality"), 0),
                     _num(_get(m, "flight_s", "mean"), 0, 1000), _num(_get(m, "cadence_spm", "mean"), 0),
                     _num(r.get("distance_m"), 1), _int(r.get("steps")), str(len(r.get("cues") or ())),
                     _e(_source_of(r))])
        classes.append("rest" if r.get("rest") else "")
    return _table(head, rows, caption="Every rep of the session (walks back in grey: rest, not reps)",
                  row_classes=classes, text_cols=(1, 10))


def _sets_table(sets: Sequence[Mapping]) -> str:
    if not sets:
        return ""
    rows = [[_e(x.get("drill")), ", ".join(str(i + 1) for i in x.get("reps") or ()), _num(x.get("quality_mean"), 0),
             _num(x.get("best_top_speed_mps"), 2), _num(x.get("mean_top_speed_mps"), 2),
             _num(x.get("decrement_pct"), 1)] for x in sets]
    return _table(["Drill", "Reps", "Quality /100", "Best top speed m/s", "Mean top speed m/s", "Decrement %"], rows,
                  text_cols=(1,),
                  caption="Sets: the reps of each drill (decrement: how far the set's mean top speed fell short of "
                          "its best)")


# --- one rep ---

def _timed(r: Mapping) -> bool:
    """A rep judged by speed (a sprint or an acceleration) that has splits."""
    if not r.get("splits"):
        return False
    entry = default_catalog().find(r.get("drill"))
    return entry is not None and entry.target("speed_of_best_pct") is not None


def _rep(r: Mapping, steps: Sequence[Mapping], sid: str, names: Names) -> str:
    n = (r.get("index") or 0) + 1
    rid = f"{sid}-r{n}"
    when = (f"{_num(r.get('start_s'), 1)}–{_num(r.get('end_s'), 1)} s ({_num(r.get('duration_s'), 1)} s), "
            f"{_int(r.get('steps', len(steps)))} steps")
    if r.get("distance_m") is not None:
        when += f", {_num(r['distance_m'], 1)} m"
    if r.get("rest_before_s") is not None:
        when += f", after {_num(r['rest_before_s'], 0)} s rest"
    if r.get("rest"):
        return (f'<article class="rep rest" id="{rid}"><h3>Rep {n}: walk back (rest)</h3>'
                f'<p class="meta">{when}; rest between reps, not scored.</p></article>')
    m = r.get("metrics") or {}
    planned = f", {_num(r['planned_distance_m'], 0)} m planned" if r.get("planned_distance_m") is not None else ""
    out = [f'<article class="rep" id="{rid}"><h3>Rep {n}: {_e(_drill_of(r))}{planned}</h3>',
           f'<p class="meta">{when}. {_drill_line(r, names)}</p>']
    timed = _timed(r)
    out.append(_tiles([
        ("Top speed", _num(m.get("top_speed_mps"), 2), " m/s", "fastest stride"),
        ("Contact", _num(_get(m, "contact_s", "mean"), 0, 1000), " ms"),
        ("Flight", _num(_get(m, "flight_s", "mean"), 0, 1000), " ms"),
        ("Cadence", _num(_get(m, "cadence_spm", "mean"), 0), " /min"),
        ("Quality", _num(r.get("quality"), 0), "/100")]))
    cue_steps = _cue_steps(r.get("cues") or (), steps)
    marked = sorted(set(cue_steps) - {0})
    figs = [_figure(charts.contact_flight_chart(steps, key=f"{rid}-contact", cue_steps=marked),
                    "Contact time (top) and flight time (below) of each step"
                    + ("; ▼ where a cue fired." if marked else "."),
                    "No contact times in this rep (no toe-off was found)."),
            _figure(charts.foot_lift_chart(steps, key=f"{rid}-lift"),
                    "How high each foot rose in its swing" + (" and the thigh/shank swing peaks."
                                                               if _angles(steps) else "."),
                    "No foot lift in this rep (it needs the trajectory: analyse without --no-trajectory).")]
    if timed:
        figs.append(_figure(charts.speed_chart(steps, r.get("splits"), start_s=r.get("start_s") or 0.0,
                                               key=f"{rid}-speed"),
                            "Speed of each stride; dotted lines: the split times, dashed: the top speed.",
                            "No stride speeds in this rep."))
    out.append('<div class="charts">' + "".join(figs) + "</div>")
    out.append('<div class="cols">')
    out.append('<div><h4>Left and right</h4>' + _sides(r, steps) + "</div>")
    out.append('<div><h4>Over the rep</h4>' + _over_rep(m) + "</div>")
    out.append("</div>")
    if timed:
        out.append("<h4>Start and splits</h4>" + _splits(r["splits"]))
    out.append(_quality(r, names))
    out.append(_cues(r, cue_steps, names))
    out.append(_step_table(steps))
    out.append("</article>")
    return "".join(out)


def _drill_line(r: Mapping, names: Names) -> str:
    rec = r.get("recognised") or {}
    said = (f"Recognised as {_e(rec.get('drill') or 'no drill')}"
            + (f" ({_num(rec.get('confidence'), 0, 100)}%)" if rec.get("confidence") is not None else "")
            + (f": {_e(rec.get('reason'))}" if rec.get("reason") else "") + ".")
    if r.get("drill_source") == "plan":
        said = "From the plan. " + said
        if r.get("plan_mismatch"):
            said += ' <span class="warn">The rep looks unlike the planned drill.</span>'
    return said


def _cue_steps(cues: Sequence[Mapping], steps: Sequence[Mapping]) -> list[int]:
    """Each cue's step number in the rep (the nearest IC of its foot; 1-based); 0 for a
    cue on the whole rep (no foot: said at its end) or one no step matches."""
    out = []
    for c in cues:
        t = c.get("t_s")
        mine = [(abs(s["ic_s"] - t), i + 1) for i, s in enumerate(steps) if s.get("ic_s") is not None
                and t is not None and c.get("foot") is not None and s.get("foot") == c.get("foot")]
        out.append(min(mine)[1] if mine else 0)
    return out


def _angles(steps: Sequence[Mapping]) -> bool:
    return any(s.get("thigh_angle_peak_deg") is not None or s.get("shank_angle_peak_deg") is not None for s in steps)


# the step figures per foot: (step key, label, unit, digits, scale, asymmetry key or None, when larger)
_SIDE_FIGURES = (("contact_s", "Contact", "ms", 0, 1000.0, "contact_s", "longer"),
                 ("flight_s", "Flight", "ms", 0, 1000.0, "flight_s", "longer"),
                 ("step_length_m", "Step length", "m", 2, 1.0, "step_length_m", "longer"),
                 ("peak_height_m", "Foot lift", "cm", 0, 100.0, "foot_lift_m", "higher"),
                 ("thigh_angle_peak_deg", "Thigh peak", "deg", 0, 1.0, None, ""),
                 ("shank_angle_peak_deg", "Shank peak", "deg", 0, 1.0, None, ""))


def _foot_mean(steps: Sequence[Mapping], foot: str, key: str) -> float | None:
    vals = [s[key] for s in steps if s.get("foot") == foot and s.get(key) is not None
            and (key != "peak_height_m" or s.get("stride_time_s") is not None)]
    return statistics.fmean(vals) if vals else None


def _sides(r: Mapping, steps: Sequence[Mapping]) -> str:
    """Each foot's means and the symmetry index (metrics.asymmetry_pct: + the left's larger)."""
    asym = _get(r, "metrics", "asymmetry_pct") or {}
    feet = [f for f in ("left", "right") if any(s.get("foot") == f for s in steps)]
    rows = []
    for key, label, unit, digits, scale, akey, larger in _SIDE_FIGURES:
        left, right = _foot_mean(steps, "left", key), _foot_mean(steps, "right", key)
        if left is None and right is None:
            continue
        a = asym.get(akey) if akey else None
        if a is None and left is not None and right is not None and left + right:
            a = 100.0 * (left - right) / ((left + right) / 2.0)
        reading = NA if a is None else ("even" if round(a, 1) == 0 else
                                        f"{'left' if a > 0 else 'right'} {larger or 'larger'}")
        rows.append([f"{label} {unit}", _num(left, digits, scale), _num(right, digits, scale), _signed(a),
                     _e(reading)])
    note = ""
    if len(feet) < 2:
        note = (f'<p class="missing">Symmetry unavailable: steps of the {feet[0]} foot only in this rep.</p>'
                if feet else '<p class="missing">Symmetry unavailable: no steps.</p>')
    if not rows:
        return note
    return note + _table(['Figure', '<span class="left">Left</span>', '<span class="right">Right</span>',
                          "L−R %", "Reading"], rows, text_cols=(4,))


# the rep's figures: (metrics key, label, unit, digits, scale)
_REP_FIGURES = (("contact_s", "Contact", "ms", 0, 1000.0), ("flight_s", "Flight", "ms", 0, 1000.0),
                ("cadence_spm", "Cadence", "/min", 0, 1.0), ("stride_length_m", "Stride length", "m", 2, 1.0),
                ("speed_mps", "Speed", "m/s", 2, 1.0), ("foot_lift_m", "Foot lift", "cm", 0, 100.0),
                ("thigh_angle_peak_deg", "Thigh peak", "deg", 0, 1.0),
                ("shank_angle_peak_deg", "Shank peak", "deg", 0, 1.0), ("rsi", "RSI", "", 2, 1.0))


def _over_rep(m: Mapping) -> str:
    """Each figure's mean, CV and first-third to last-third means over the rep."""
    rows = []
    for key, label, unit, digits, scale in _REP_FIGURES:
        t = m.get(key) or {}
        if not t.get("n"):
            continue
        rows.append([f"{label} {unit}".strip(), _num(t.get("mean"), digits, scale), _num(t.get("cv_pct"), 1),
                     _num(t.get("first_third"), digits, scale), _num(t.get("last_third"), digits, scale),
                     _e(t.get("n"))])
    if not rows:
        return '<p class="missing">No step figures in this rep.</p>'
    return _table(["Figure", "Mean", "CV %", "First third", "Last third", "Steps"], rows)


def _splits(sp: Mapping) -> str:
    out = []
    fs = sp.get("first_stride") or {}
    start = [f"First contact {_num(sp.get('first_contact_s'), 2)} s after the first movement"]
    if fs:
        start.append(f"first stride ({_e(fs.get('foot') or '?')}) {_num(fs.get('time_s'), 2)} s"
                     + (f", {_num(fs.get('length_m'), 2)} m" if fs.get("length_m") is not None else ""))
    if sp.get("start_acceleration_mps2") is not None:
        start.append(f"push {_num(sp['start_acceleration_mps2'], 1)} m/s² to {_num(sp.get('first_speed_mps'), 1)} m/s")
    if sp.get("top_speed_mps") is not None:
        start.append(f"the body's top speed over the splits {_num(sp['top_speed_mps'], 2)} ± "
                     f"{_num(sp.get('top_speed_uncertainty_mps'), 2)} m/s at {_num(sp.get('top_speed_at_m'), 0)} m "
                     "(the tiles give the fastest stride's)")
    out.append(f'<p class="meta">{"; ".join(start)}.</p><div class="cols">')
    at = sp.get("at") or ()
    if at:
        out.append(_table(["Distance m", "Time s", "± s"],
                          [[_num(x.get("distance_m"), 0), _num(x.get("time_s"), 2), _num(x.get("uncertainty_s"), 2)]
                           for x in at], caption="Splits: time from the first movement"))
    fly = sp.get("flying") or ()
    if fly:
        out.append(_table(["Flying m", "Time s", "From m", "± s"],
                          [[_num(x.get("window_m"), 0), _num(x.get("time_s"), 2), _num(x.get("from_m"), 1),
                            _num(x.get("uncertainty_s"), 2)] for x in fly], caption="Fastest stretch of each length"))
    if not at and not fly:
        out.append('<p class="missing">No split distance reached.</p>')
    return "".join(out) + "</div>"


def _step_table(steps: Sequence[Mapping]) -> str:
    """Every step of the rep as a table to copy into a spreadsheet, folded away (and printed
    unfolded only if opened)."""
    if not steps:
        return ""
    head = ["Step", "Foot", "IC s", "Contact ms", "Flight ms", "Stride m", "Speed m/s", "Foot lift cm", "Thigh deg",
            "Shank deg"]
    rows = [[str(i + 1), _e(s.get("foot") or NA), _num(s.get("ic_s"), 3), _num(s.get("contact_s"), 0, 1000),
             _num(s.get("flight_s"), 0, 1000), _num(s.get("stride_length_m"), 2), _num(s.get("speed_mps"), 2),
             _num(s.get("peak_height_m"), 0, 100), _num(s.get("thigh_angle_peak_deg"), 1),
             _num(s.get("shank_angle_peak_deg"), 1)] for i, s in enumerate(steps)]
    return (f'<details class="steps"><summary>Every step ({len(steps)})</summary>'
            + _table(head, rows, text_cols=(1,)) + "</details>")


def _quality(r: Mapping, names: Names) -> str:
    q = r.get("quality")
    reasons = [_e(x) for x in r.get("reasons") or ()]
    head = (f'<h4>Quality <span class="score">{_num(q, 0)}<small>/100</small></span></h4>' if q is not None
            else '<h4>Quality</h4><p class="missing">No quality score for this rep (no target of its drill '
            'applies to it: too few steps, one foot, or a drill without targets).</p>')
    return head + _notes(reasons, "reasons")


def _cues(r: Mapping, cue_steps: Sequence[int], names: Names) -> str:
    cues = r.get("cues") or ()
    if not cues:
        return '<h4>Cues</h4><p class="missing">No cue fired in this rep.</p>'
    start = r.get("start_s") or 0.0
    items = []
    for c, n in zip(cues, cue_steps):
        where = f"step {n} ({_e(c['foot'])})" if n else "on the whole rep, at its end" if not c.get("foot") else \
            _e(c["foot"])
        t = c.get("t_s")
        items.append(f"<b>{_e(c.get('text') or '')}</b> <span class=\"meta\">{where}"
                     + (f", {_num(t - start, 1)} s into the rep" if t is not None else "") + "</span>")
    return f"<h4>Cues ({len(cues)})</h4>" + _notes(items, "cues")


# --- comparison with earlier sessions ---

def _comparison(a: Mapping, sid: str, names: Names, history: Sequence[Trend] | None) -> str:
    athlete = _get(a, "session", "athlete")
    drills = session_drills(a)
    day = _day(_get(a, "session", "started_utc"))
    out = ['<div class="compare"><h3>Compared with earlier sessions</h3>']
    if history is None:
        return "".join(out) + ('<p class="missing">Cannot compare: the session\'s date is unknown (and the '
                               'history does not hold it).</p></div>')
    if not drills:
        out.append('<p class="missing">No drill in this session to compare.</p>')
    for drill in drills:
        mine = [t for t in history if t.drill == drill and athlete and _same(t.athlete, athlete)]
        earlier = [t for t in mine if len(t.points) > 1 or (t.points and t.points[0].session_date != day)]
        out.append(f"<h4>{_e(drill)}</h4>")
        if not earlier:
            out.append('<p class="missing">No earlier sessions of this athlete in the history.</p>')
            continue
        for i, t in enumerate(earlier):
            now = session_value(drill_reps(a, drill), t.metric)
            out.append(_trend_card(t, f"{sid}-h{drills.index(drill) + 1}-{i + 1}", now=now.value if now else None))
    out.append("</div>")
    return "".join(out)


def _day(iso: str | None) -> date | None:
    """The UTC date of a session's start; None when unknown or unreadable."""
    try:
        t = datetime.fromisoformat(iso) if iso else None
    except ValueError:
        return None
    if t is not None and t.tzinfo is not None:
        t = t.astimezone(timezone.utc)
    return None if t is None else t.date()


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _trend_card(t: Trend, key: str, *, now: float | None = None, table: bool = False) -> str:
    """One metric's trend: this session, best, typical, the latest change, the chart (and
    with ``table`` every session's value)."""
    m = t.metric
    unit = f" {m.unit}" if m.unit not in ("", "/100") else m.unit
    big = (lambda v: _e(m.format(v).removesuffix(unit)))      # a tile's number; its unit beside it
    best, typical, change = t.best, t.typical(), t.latest_change()
    items = []
    if now is not None:
        items.append(("This session", big(now), _e(unit)))
    if best is not None:
        items.append(("Best", big(best.value), _e(unit), best.session_date.isoformat()))
    if typical is not None:
        items.append(("Typical", big(typical[0]), _e(unit), "median"))
    out = [f'<div class="trend"><h5>{_e(m.label.capitalize())} '
           f'<span class="meta">{"lower" if m.lower_is_better else "higher"} is better, {len(t.points)} '
           f'session{"s" * (len(t.points) != 1)}</span></h5>', _tiles(items)]
    if change is not None:
        out.append(f'<p>Latest session against the typical one before it: <b>{_e(change.describe(m))}</b>.</p>')
    slope = t.slope_per_week()
    if slope is not None and len(t.points) >= 3:
        out.append(f'<p class="meta">Trend {_e(("+" if slope > 0 else "-") + m.format(abs(slope)))} a week '
                   "(least squares over every session).</p>")
    out.append(_figure(charts.trend_chart(t, key=key), "Each session's value with ±2 noise; ★ the best; dashed: "
                       "typical (median).", "No sessions to draw."))
    if table:
        out.append(_table(["Date", f"{_e(m.label.capitalize())}{_e(unit)}", "± (2 noise)", "Reps"],
                          [[p.session_date.isoformat(), big(p.value), NA if p.noise is None else big(2 * p.noise),
                            str(p.n_reps)] for p in t.points]))
    out.append("</div>")
    return "".join(out)


# --- the season page ---

def render_history_report(athlete: str, trends: Sequence[Trend], *, sessions: Sequence[Mapping] = (),
                          anonymise: bool = False, title: str | None = None, generated: str | None = None) -> str:
    """The HTML page of one athlete's season: per drill, each metric's trend
    (:class:`sprintgait.trend.Trend`: best, typical, the latest change against the noise,
    the weekly slope, the chart and a table of every session), then ``sessions`` (the
    athlete's analyses as output-contract dicts, oldest first) as a table.  ``anonymise``,
    ``title`` and ``generated`` as for :func:`render_session_report`."""
    names = Names.of([athlete] + [t.athlete for t in trends] + [_get(a, "session", "athlete") for a in sessions],
                     [f for a in sessions for f in _get(a, "session", "inputs") or ()], anonymise)
    who = names.athlete(athlete) or "athlete unknown"
    tab = f"Season report: {who}" if title is None else names.text(title)
    heading = "Season report" if title is None else tab
    drills = list(dict.fromkeys(t.drill for t in trends))
    dates = sorted({p.session_date for t in trends for p in t.points})
    body = [f'<section class="card"><h2>{_e(who)}</h2>',
            _tiles([("Sessions", str(len(sessions) or len({p.session_id for t in trends for p in t.points})), "",
                     f"{dates[0].isoformat()} to {dates[-1].isoformat()}" if dates else ""),
                    ("Drills", str(len(drills)), "", _e(", ".join(drills)))])]
    if not any(t.points for t in trends):
        body.append('<p class="missing">No sessions of this athlete in the history.</p>')
    body.append("</section>")
    for i, drill in enumerate(drills):
        body.append(f'<section class="card" id="d{i + 1}"><h2>{_e(drill)}</h2>')
        for j, t in enumerate(t for t in trends if t.drill == drill):
            body.append(_trend_card(t, f"d{i + 1}-{j + 1}", table=True))
        body.append("</section>")
    if sessions:
        body.append('<section class="card"><h2>Sessions</h2>' + _sessions_table(sessions, names) + "</section>")
    software = sorted({str(_get(a, "summary", "software")) for a in sessions if _get(a, "summary", "software")})
    return _page(tab, heading, "".join(body), software, generated, _SEASON_KEY)


def _sessions_table(sessions: Sequence[Mapping], names: Names) -> str:
    rows = []
    for a in sessions:
        work = [r for r in a.get("reps") or () if not r.get("rest")]
        speeds = [v for v in (_get(r, "metrics", "top_speed_mps") for r in work) if v is not None]
        scores = [r["quality"] for r in work if r.get("quality") is not None]
        rows.append([_e(_when(_get(a, "session", "started_utc"))), _e(", ".join(session_drills(a)) or NA),
                     str(len(work)), _e(_get(a, "summary", "n_steps") or len(a.get("steps") or ())),
                     _num(max(speeds) if speeds else None, 2), _num(_get(a, "summary", "contact_s", "mean"), 0, 1000),
                     _num(statistics.fmean(scores) if scores else None, 0),
                     _e(", ".join(names.file(f) for f in _get(a, "session", "inputs") or ()) or NA)])
    return _table(["Date", "Drills", "Reps", "Steps", "Top speed m/s", "Contact ms", "Quality /100", "Files"], rows,
                  text_cols=(1, 7))


# --- the page ---

_CSS = """
:root{--left:#0072B2;--right:#D55E00;--ink:#1d232a;--muted:#5d6873;--line:#dde2e7;--bg:#eef1f4;--card:#fff;
--head:#123a5e;--warn:#8a5a00;--warnbg:#fff4d6}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:var(--bg);overflow-wrap:anywhere}
header.page{background:var(--head);color:#fff;padding:14px 14px 12px}
header.page h1{margin:0 auto;max-width:1024px;font-size:1.35rem;line-height:1.25}
header.page p{margin:4px auto 0;max-width:1024px;font-size:.9rem;opacity:.9}
main{max-width:1040px;margin:0 auto;padding:8px}
.card{background:var(--card);border-radius:10px;padding:12px;margin:10px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:1.3rem;margin:.2em 0 .5em}
h2 .when{display:block;font-size:.95rem;font-weight:400;color:var(--muted)}
h3{font-size:1.12rem;margin:1.2em 0 .4em;padding-bottom:3px;border-bottom:2px solid var(--line)}
h4{font-size:1rem;margin:1em 0 .3em}
h5{font-size:1rem;margin:.8em 0 .3em}
a{color:#0b5cad}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 12px;margin:0 0 10px;font-size:.95rem}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
.plan{white-space:pre-line}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(108px,1fr));gap:8px;margin:8px 0 12px}
.tile{border:1px solid var(--line);border-radius:8px;padding:6px 9px;background:#fafbfc;min-width:0}
.tile .k{font-size:.72rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.tile .v{font-size:1.65rem;font-weight:700;line-height:1.15;font-variant-numeric:tabular-nums;white-space:nowrap}
.tile .u{font-size:.8rem;font-weight:400;color:var(--muted)}
.tile .n{font-size:.78rem;color:var(--muted)}
.scroll{overflow-x:auto;max-width:100%;margin:6px 0 10px;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.9rem;font-variant-numeric:tabular-nums}
p.tcap{font-size:.82rem;color:var(--muted);margin:8px 0 -2px}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
thead th{background:#f3f5f7;font-weight:600;vertical-align:bottom}
th:first-child,.t{text-align:left}
td.t{white-space:normal;min-width:8em}
tbody th{font-weight:600}
tr.rest th,tr.rest td{color:#9aa3ab;font-style:italic}
.left{color:var(--left)}.right{color:var(--right)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,330px),1fr));gap:12px;margin:8px 0}
figure.chart{margin:0;min-width:0}
figure.chart svg{display:block;width:100%;height:auto;max-width:560px}
svg *{stroke-linejoin:round;stroke-linecap:butt}
figcaption{font-size:.8rem;color:var(--muted);margin-top:2px}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,330px),1fr));gap:4px 16px}
.cols>div{min-width:0}
.meta{color:var(--muted);font-size:.9rem}
.missing{color:var(--muted);font-style:italic}
.warn{color:var(--warn);font-weight:600}
ul.notes,ul.reasons,ul.cues{margin:4px 0 10px;padding-left:1.2em}
ul.notes li,ul.reasons li,ul.cues li{margin:2px 0}
.score{font-size:1.6rem;margin-left:6px}
.score small{font-size:.8rem;color:var(--muted);font-weight:400}
article.rep{border-top:3px solid var(--head);margin-top:22px;padding-top:4px}
article.rep.rest{border-top:1px dashed var(--line);color:var(--muted)}
article.rep.rest h3{font-size:1rem;border:0}
.trend{border-top:1px solid var(--line);margin-top:10px}
nav.toc ol{margin:0;padding-left:1.4em}
footer{max-width:1040px;margin:0 auto;padding:8px 14px 24px;font-size:.8rem;color:var(--muted)}
@media (min-width:700px){main{padding:12px}.card{padding:16px 20px}header.page{padding:18px 20px}
header.page h1{font-size:1.6rem}.tile .v{font-size:2rem}}
@media print{
@page{margin:14mm}
body{background:#fff;font-size:10.5pt;color:#000}
header.page{background:none;color:#000;padding:0 0 6px;border-bottom:2px solid #000}
main{max-width:none;padding:0}
.card{box-shadow:none;border-radius:0;padding:0;margin:8px 0}
.tile{background:none}
thead th{background:none;border-bottom:1.5px solid #000}
.scroll{overflow:visible}
table{font-size:8.5pt;max-width:100%}
th,td{white-space:normal;overflow-wrap:normal;padding:3px 5px}
a{color:inherit;text-decoration:none}
article.rep{break-before:page;border-top:none}
article.rep.rest{break-before:auto}
figure,table,.tbl,.tiles,.trend,h3,h4{break-inside:avoid}
h3,h4,h5{break-after:avoid}
nav.toc{display:none}
}
"""


_FEET_KEY = ('<span class="left">● left foot</span>, <span class="right">■ right foot</span>; times in s on the '
             "recording's clock; – where a value is unknown.")
_SEASON_KEY = ("Each session's value over its reps of a drill, with ±2 noise (two standard errors); a change "
               "counts when it exceeds that noise.")


def _page(title: str, heading: str, body: str, software: Sequence[str], generated: str | None,
          key: str = _FEET_KEY) -> str:
    """The whole document: ``title`` in the browser's tab, ``heading`` and ``key`` (HTML) on the page."""
    made = "Made with " + (_e(", ".join(software)) if software else "sprintgait")
    if generated:
        made += f", {_e(generated)}"
    return ("<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n"
            f'<body><header class="page"><h1>{_e(heading)}</h1><p>{key}</p></header>\n'
            f"<main>{body}</main>\n"
            f"<footer>{made}.</footer></body></html>\n")

