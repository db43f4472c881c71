"""``gait report``: the HTML (or PDF) a coach opens on a phone or prints, of sessions
(recordings, report.json files or gait batch results) and of an athlete's season."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gaitcore.atomic_file import write_atomic
from gaitcore.errors import GaitError

from .history_commands import db_arg
from .trend import Metric, Trend, TrendPoint, drill_reps, session_drills, session_value

# the figures a session's comparison with the athlete's earlier ones shows, per drill (each where the
# session gives it: the split times on reps with splits)
COMPARED = (Metric.CONTACT, Metric.QUALITY, Metric.FLYING20, Metric.SPLIT10)
# the season page: every metric
SEASON = tuple(Metric)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def add_parser(sub, input_args) -> None:
    r = sub.add_parser("report", help="an HTML report of sessions (or an athlete's season) for the phone or print",
                       description="Write one self-contained HTML file (charts inlined, no network, phone-sized, "
                       "printable) of each SESSION: a recording (analysed now), a report.json (gait analyze --out) "
                       "or a gait batch result; with the history, each session is compared with the athlete's "
                       "earlier ones.  --history ATHLETE renders the athlete's season from the history instead.")
    r.add_argument("sessions", nargs="*", metavar="SESSION", help="recordings, report.json files or batch results")
    r.add_argument("--out", type=Path, required=True, metavar="FILE", help="the report to write (.html or .pdf)")
    r.add_argument("--format", choices=["html", "pdf"], default=None,
                   help="html (default), or pdf (printed by a Chromium on this machine)")
    r.add_argument("--history", metavar="ATHLETE", help="the athlete's season from the history, instead of sessions")
    r.add_argument("--anonymise", "--anonymize", action="store_true",
                   help="replace athletes' names and file names (Athlete A, recording 1) for sharing")
    r.add_argument("--fs", type=float, metavar="HZ", help="sampling rate, for recordings without time stamps")
    r.add_argument("--athlete", metavar="NAME",
                   help="the athlete, for sessions that name none and are not in the history under a name")
    db_arg(r)


@dataclass(frozen=True, slots=True)
class _Session:
    analysis: dict
    day: date | None
    digest: str | None


def _is_json(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(64).lstrip().startswith(b"{")


def load_session(path: Path, fs_hz: float | None = None) -> _Session:
    """A SESSION argument: a batch result, a report.json, or a recording (analysed)."""
    from .batch import RESULT_FORMAT
    from .ingest import session_day, source_of
    if not path.exists():
        raise GaitError(f"{path}: no such file or folder; give a recording, a report.json or a batch result")
    if path.is_file() and _is_json(path):
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise GaitError(f"{path}: not readable JSON ({err}); give a report.json of gait analyze") from None
        if isinstance(d, dict) and d.get("format") == RESULT_FORMAT:
            return _Session(d["analysis"], date.fromisoformat(d["history"]["session_date"]), d["source"]["digest"])
        if isinstance(d, dict) and all(k in d for k in ("session", "steps", "summary")):
            started = (d.get("session") or {}).get("started_utc")
            return _Session(d, _day(started), None)
        raise GaitError(f"{path}: JSON but no analysis (report.json of gait analyze) nor batch result")
    from gaitcore.analysis import analyze
    from gaitcore.readers import read_recording
    src = source_of([path])
    rec = read_recording([str(path)], fs_hz=fs_hz)      # (an athlete is not needed: in_history names it)
    return _Session(analyze(rec).to_dict(), session_day(rec.session.started_utc, None, src.paths)[0], src.digest)


def _day(started_utc: str | None) -> date | None:
    from datetime import datetime
    try:
        return datetime.fromisoformat(started_utc).date() if started_utc else None
    except ValueError:
        return None


def in_history(h, s: _Session, athlete: str | None) -> _Session:
    """The session as the history knows it: stored (by its recording, or a report.json's
    contacts), under the athlete and day it is stored with; else named ``athlete`` where
    it names none."""
    ref = None if h is None else h.find(s.digest, s.analysis)
    name = ref.athlete if ref is not None else (s.analysis.get("session") or {}).get("athlete") or athlete
    a = s.analysis
    if name and (a.get("session") or {}).get("athlete") != name:
        a = {**a, "session": {**(a.get("session") or {}), "athlete": name}}
    return _Session(a, s.day, s.digest) if ref is None else _Session(a, ref.session_date, ref.digest)


def comparisons(h, s: _Session) -> list[Trend] | None:
    """The trends of a session's athlete and drills: the other stored sessions of its day
    and before (not this one), then this session as the latest point.  None without the
    session's day (a report.json without a start time that the history does not hold)."""
    athlete = (s.analysis.get("session") or {}).get("athlete")
    if h is None or not athlete or not h.has_athlete(athlete):
        return []
    if s.day is None:
        return None
    out = []
    for drill in session_drills(s.analysis):
        reps = drill_reps(s.analysis, drill)
        for earlier in h.trends(athlete, drill, COMPARED, upto=s.day, exclude=s.digest):
            now = session_value(reps, earlier.metric)
            if now is None or not earlier.points:
                continue
            out.append(Trend(athlete, earlier.metric, drill,
                             earlier.points + (TrendPoint(-1, s.day, now.value, now.noise, now.n_reps),)))
    return out


def report(args) -> int:
    from .history import History, default_db_path
    from .html_report import render_history_report, render_session_report
    fmt = args.format or ("pdf" if args.out.suffix.lower() == ".pdf" else "html")
    if args.history is None and not args.sessions:
        raise GaitError("give the SESSION(s) to report, or --history ATHLETE for an athlete's season")
    if args.history is not None and args.sessions:
        raise GaitError("--history ATHLETE renders the season from the history; give it without SESSIONs")
    from .cli import _output_file
    _output_file(args.out, "--out")
    browser = _browser() if fmt == "pdf" else None
    db_path = args.db if args.db is not None else default_db_path()
    h = History.open(db_path, create=False) if (db_path.exists() or args.history is not None) else None
    try:
        if args.history is not None:
            if not h.has_athlete(args.history):
                names = ", ".join(a.name for a in h.athletes()) or "none yet"
                raise GaitError(f"no athlete {args.history!r} in the history {h.path} (athletes: {names})")
            rows = h.sessions(args.history)
            trends = [t for d in h.drills(args.history) for t in h.trends(args.history, d, SEASON) if t.points]
            page = render_history_report(args.history, trends, sessions=[h.analysis(r.session_id) for r in rows],
                                         anonymise=args.anonymise)
            athletes = [args.history]
        else:
            sessions = [in_history(h, load_session(Path(p), args.fs), args.athlete) for p in args.sessions]
            page = render_session_report([s.analysis for s in sessions],
                                         history=None if h is None else [comparisons(h, s) for s in sessions],
                                         anonymise=args.anonymise)
            athletes = [a for a in dict.fromkeys((s.analysis.get("session") or {}).get("athlete")
                                                 for s in sessions) if a]
        data = page.encode("utf-8") if fmt == "html" else _pdf(page, browser)
        try:
            write_atomic(args.out, lambda f: f.write(data), private=True)
        except OSError as err:
            raise GaitError(f"cannot write {args.out}: {err.strerror}; nothing was written") from None
        if h is not None:
            h.add_derived(athletes, args.out, "report")      # (gait history --forget removes it)
    finally:
        if h is not None:
            h.close()
    print(f"wrote {args.out}: {len(data) / 1024:.0f} KB{' (anonymised)' if args.anonymise else ''}")
    return 0


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise GaitError("--format pdf prints through Chromium, and none is installed here (apt-get install chromium); "
                    "or write --format html and print it from a browser")


def _pdf(page: str, browser: str) -> bytes:
    """The page printed to PDF by headless Chromium (its print stylesheet applies)."""
    with tempfile.TemporaryDirectory(prefix="gait-report-") as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_text(page, encoding="utf-8")
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", src.as_uri()]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            raise GaitError(f"{browser} did not print the report within 2 minutes; write --format html") from None
        if not out.exists() or out.stat().st_size == 0:
            why = (run.stderr.strip().splitlines() or ["no output"])[-1]
            raise GaitError(f"{browser} could not print the report ({why}); write --format html")
        return out.read_bytes()
