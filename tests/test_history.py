"""The history database (sprintgait.history): sessions stored once, migrations from the
first schema version, owner-only files, two importing processes, an import killed
mid-way, forgetting an athlete, rebuilding from the recordings; and the commands
``gait import``, ``gait analyze --save`` and ``gait history``.

Recordings are simulated sessions (seeds 1-4, reported in the fixture) of two athletes.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from gaitcore.simulate import SKIP, SPRINT, Rep, SessionPlan, simulate_plan, write_simulation
from sprintgait.cli import main
from sprintgait.history import MIGRATIONS, SCHEMA_VERSION, History, HistoryError, Outcome, _pack, _unpack
from sprintgait.ingest import ImportOptions, analyse_recording
from sprintgait.trend import Metric

ROOT = Path(__file__).resolve().parents[1]
ANN, ZED = "Ann Example", "Zelda Quux"
SEEDS = {1: ANN, 2: ANN, 3: ANN, 4: ZED}
DAYS = {1: date(2026, 3, 2), 2: date(2026, 3, 9), 3: date(2026, 3, 16), 4: date(2026, 3, 3)}


def _plan(athlete: str) -> SessionPlan:
    return SessionPlan("t", "a sprint and skips", athlete,
                       (Rep(SPRINT, 30.0, accel_tau_s=1.2, brake_mps2=4.0), Rep(SKIP, 15.0)), rest_s=4.0)


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> dict[int, Path]:
    """One simulated session per seed (500 Hz), dated by its file's time."""
    d = tmp_path_factory.mktemp("recordings")
    out = {}
    for seed, athlete in SEEDS.items():
        p = d / f"session{seed}.gaitrec"
        write_simulation(simulate_plan(_plan(athlete), fs_hz=500.0, seed=seed), p)
        t = time.mktime(DAYS[seed].timetuple()) + 12 * 3600
        os.utime(p, (t, t))
        out[seed] = p
    return out


@pytest.fixture(scope="module")
def items(recordings):
    return {seed: analyse_recording([p]) for seed, p in recordings.items()}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts(h: History) -> dict:
    return {t: h.count(t) for t in ("athletes", "sessions", "recordings", "reps", "steps")}


def _expected_counts(stored) -> dict:
    return {"athletes": len({i.athlete for i in stored}), "sessions": len(stored), "recordings": len(stored),
            "reps": sum(len(i.analysis["reps"]) for i in stored),
            "steps": sum(len(i.analysis["steps"]) for i in stored)}


def test_a_session_is_stored_once_whole(tmp_path, items):
    with History.open(tmp_path / "h.sqlite") as h:
        got = h.store(items[1])
        assert got.outcome is Outcome.ADDED and got.athlete == ANN and got.session_date == DAYS[1]
        assert h.store(items[1]).outcome is Outcome.UNCHANGED
        assert _counts(h) == _expected_counts([items[1]])
        assert h.analysis(got.session_id) == items[1].analysis      # the contract, as analysed
        steps = h._conn.execute("SELECT contact_s, foot FROM steps WHERE session_id = ? ORDER BY idx",
                                (got.session_id,)).fetchall()
        assert steps == [(s["contact_s"], s["foot"]) for s in items[1].analysis["steps"]]
        assert h.check() == "ok" and h.schema_version == SCHEMA_VERSION


def _as_version(item, version: str):
    a = item.analysis
    return replace(item, analysis={**a, "summary": {**a["summary"], "software": f"sprintgait {version}"}})


def test_a_newer_analysis_replaces_an_older_one_and_not_the_other_way(tmp_path, items):
    old, new = _as_version(items[2], "0.0.1"), _as_version(items[2], "9.0.0")
    with History.open(tmp_path / "h.sqlite") as h:
        assert h.store(old).outcome is Outcome.ADDED
        got = h.store(new)
        assert got.outcome is Outcome.REPLACED and got.software == "sprintgait 9.0.0"
        kept = h.store(old)
        assert kept.outcome is Outcome.KEPT_NEWER and kept.software == "sprintgait 9.0.0"
        assert h.store(old, force=True).software == "sprintgait 0.0.1"
        other = replace(items[2], options=ImportOptions(drill="sprint"))
        assert h.store(other).outcome is Outcome.REPLACED       # analysed with other options
        assert _counts(h) == _expected_counts([items[2]])


def test_files_are_readable_by_their_owner_only(tmp_path, items):
    path = tmp_path / "data" / "history.sqlite"
    with History.open(path) as h:
        h.store(items[1])
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert p.exists(), p
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, (p, oct(p.stat().st_mode))
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def _store_v1(path: Path, item) -> None:
    """A session as the first schema version's writer stored it (its columns spelt out)."""
    c = sqlite3.connect(path, isolation_level=None)
    a = item.analysis
    c.execute("BEGIN")
    c.execute("INSERT INTO athletes (name) VALUES (?)", (item.athlete,))
    sid = c.execute("INSERT INTO sessions (athlete_id, digest, session_date, date_source, started_utc, drill, plan, "
                    "software, imported_utc, options_json, n_samples, analysis_json) VALUES "
                    "(1, ?, ?, ?, NULL, NULL, ?, ?, '2026-01-01T00:00:00+00:00', ?, ?, ?)",
                    (item.source.digest, item.session_date.isoformat(), item.date_source.value,
                     a["session"]["plan"], a["summary"]["software"], json.dumps(item.options.to_dict()),
                     item.n_samples, _pack(a))).lastrowid
    c.execute("INSERT INTO recordings VALUES (?, 0, ?, ?)", (sid, item.source.paths[0], item.source.sizes_bytes[0]))
    for r in a["reps"]:
        m = r["metrics"]
        c.execute("INSERT INTO reps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (sid, r["index"], r["drill"], int(r["rest"]), r["start_s"], r["duration_s"], r["steps"],
                   r["distance_m"], r["quality"], m["top_speed_mps"], m["contact_s"]["mean"], m["flight_s"]["mean"],
                   m["stride_length_m"]["mean"], m["rsi"]["mean"], m["asymmetry_pct"]["contact_s"]))
    for i, s in enumerate(a["steps"]):
        c.execute("INSERT INTO steps (session_id, idx, rep, foot, ic_s, to_s, contact_s, saturated, confidence) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (sid, i, s["rep"], s["foot"], s["ic_s"], s["to_s"], s["contact_s"], int(s["saturated"]),
                   s["confidence"]))
    c.execute("COMMIT")
    c.close()


# the first schema version as it shipped (files of it exist): changing it is a new migration instead
V1_SHA256 = "cfc82845e408d30b5bc335a4168c76041b54325a52e4a5ca8ffaa452f97b0016"


def test_migrations_take_a_first_version_file_to_the_current_one(tmp_path, items):
    assert [m.version for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))
    assert hashlib.sha256(MIGRATIONS[0].sql.encode()).hexdigest() == V1_SHA256
    path = tmp_path / "h.sqlite"
    with History.open(path, upto=1) as h:
        assert h.schema_version == 1
        cols = [r[1] for r in h._conn.execute("PRAGMA table_info(reps)")]
        assert "split10_s" not in cols
    _store_v1(path, items[1])
    with History.open(path) as h:
        assert h.schema_version == SCHEMA_VERSION
        assert _counts(h) == _expected_counts([items[1]])
        rows = h._conn.execute("SELECT idx, split10_s, flying20_s FROM reps ORDER BY idx").fetchall()
        want = []
        for r in items[1].analysis["reps"]:
            sp = r["splits"] or {"at": [], "flying": []}
            want.append((r["index"], next((a["time_s"] for a in sp["at"] if a["distance_m"] == 10.0), None),
                         next((a["time_s"] for a in sp["flying"] if a["window_m"] == 20.0), None)))
        assert rows == want and want[0][2] is not None      # (the sprint has its flying 20 m)
        assert h.store(items[2]).outcome is Outcome.ADDED    # and the migrated file takes new sessions
        assert len(h.trend(ANN, Metric.SPLIT10, "sprint").points) == 2
        assert h.check() == "ok"


def test_a_file_of_a_newer_version_or_no_database_is_refused_in_one_line(tmp_path):
    newer = tmp_path / "newer.sqlite"
    c = sqlite3.connect(newer)
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    c.close()
    with pytest.raises(HistoryError, match="newer than this gait's"):
        History.open(newer)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(HistoryError, match="is not a history database"):
        History.open(junk)
    with pytest.raises(HistoryError, match="no history here yet"):
        History.open(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()


_CHILD_STORE = """
import pickle, sys
from sprintgait.history import History
items = pickle.load(open(sys.argv[2], "rb"))
with History.open(sys.argv[1]) as h:
    for k in range(int(sys.argv[3])):
        for it in items:
            h.store(it, force=True)
"""


def test_two_processes_storing_at_once_neither_corrupt_nor_lose_a_row(tmp_path, items):
    """Two real processes store two sessions each 15 times over (every store replaces the
    session's rows), at once, then two import the same four with the command line at once."""
    db = tmp_path / "h.sqlite"
    History.open(db).close()
    script = tmp_path / "store.py"
    script.write_text(_CHILD_STORE)
    halves = []
    for k, seeds in enumerate(((1, 2), (3, 4))):      # each process its own sessions: a lost one shows
        halves.append(tmp_path / f"items{k}.pickle")
        halves[-1].write_bytes(pickle.dumps([items[s] for s in seeds]))
    procs = [subprocess.Popen([sys.executable, str(script), str(db), str(half), "15"], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True) for half in halves]
    for p in procs:
        assert p.wait(timeout=600) == 0, p.stderr.read()
    with History.open(db) as h:
        assert _counts(h) == _expected_counts(list(items.values()))
        assert h.check() == "ok"
        assert sorted(s.session_date for s in h.sessions()) == sorted(DAYS.values())
    db2 = tmp_path / "h2.sqlite"
    files = [str(items[s].source.paths[0]) for s in sorted(items)]
    procs = [subprocess.Popen([sys.executable, "-m", "sprintgait", "import", "--db", str(db2), "-q", *order],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for order in (files, files[::-1])]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        assert "4 of 4 stored" in out
    with History.open(db2) as h:
        assert _counts(h) == _expected_counts(list(items.values()))
        assert h.check() == "ok"


_CHILD_KILLED = """
import os, sys, time
import sprintgait.history as hist
from sprintgait.ingest import analyse_recording
item = analyse_recording([sys.argv[2]])
rows = hist._step_rows
def half_then_hang(sid, steps):
    for i, row in enumerate(rows(sid, steps)):
        if i == len(steps) // 2:
            open(sys.argv[3], "w").close()
            time.sleep(600)
        yield row
hist._step_rows = half_then_hang
with hist.History.open(sys.argv[1]) as h:
    h.store(item)
"""


def test_an_import_killed_mid_way_leaves_no_half_session(tmp_path, items, recordings):
    db = tmp_path / "h.sqlite"
    with History.open(db) as h:
        h.store(items[1])
        before = _counts(h)
    script, marker = tmp_path / "killed.py", tmp_path / "half-written"
    script.write_text(_CHILD_KILLED)
    p = subprocess.Popen([sys.executable, str(script), str(db), str(recordings[2]), str(marker)], cwd=ROOT,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert p.poll() is None, p.stderr.read()
        assert time.monotonic() < deadline, "the child never reached the middle of its steps"
        time.sleep(0.05)
    with History.open(db) as h:      # the half-written session is not visible to a reader meanwhile
        assert _counts(h) == before
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    with History.open(db) as h:
        assert _counts(h) == before and h.check() == "ok"
        orphans = h._conn.execute("SELECT COUNT(*) FROM steps WHERE session_id NOT IN (SELECT id FROM sessions)")
        assert orphans.fetchone()[0] == 0
        assert h.store(items[2]).outcome is Outcome.ADDED


def test_forget_erases_an_athlete_and_the_reports_made_of_them(tmp_path, items, recordings):
    db = tmp_path / "h.sqlite"
    report, changed = tmp_path / "zed-report.html", tmp_path / "overwritten.html"
    report.write_text("a report")
    changed.write_text("a report")
    with History.open(db) as h:
        for it in items.values():
            h.store(it)
        h.add_derived([ZED], report, "report")
        h.add_derived([ZED], changed, "report")
    changed.write_text("the user's own document, written over the report since")
    before = {s: _digest(p) for s, p in recordings.items()}
    held = b"".join(f.read_bytes() for f in (db, Path(f"{db}-wal")) if f.exists())
    assert ZED.encode() in held                      # (what the check below looks for is there to find)
    assert main(["history", "--db", str(db), "--forget", ZED]) == 0
    assert not report.exists() and changed.exists()
    assert {s: _digest(p) for s, p in recordings.items()} == before     # the recordings are the user's
    with History.open(db) as h:
        assert not h.has_athlete(ZED) and h.has_athlete(ANN)
        assert _counts(h) == _expected_counts([items[1], items[2], items[3]])
    for f in (db, Path(f"{db}-wal")):
        if f.exists():
            assert ZED.encode() not in f.read_bytes(), f"{f.name} still holds the name"
    assert main(["history", "--db", str(db), "--forget", ZED]) == 2


def test_forget_lists_the_recordings_it_leaves(tmp_path, items, recordings, capsys):
    db = tmp_path / "h.sqlite"
    with History.open(db) as h:
        h.store(items[4])
    assert main(["history", "--db", str(db), "--forget", ZED]) == 0
    out = capsys.readouterr().out
    assert f"erased {ZED}: 1 session(s)" in out and str(recordings[4].resolve()) in out


def test_rebuild_analyses_every_session_again_from_its_recording(tmp_path, items, recordings, capsys):
    db = tmp_path / "h.sqlite"
    gone = tmp_path / "gone.gaitrec"
    gone.write_bytes(recordings[3].read_bytes())
    with History.open(db) as h:
        h.store(_as_version(items[1], "0.0.1"))
        h.store(_as_version(analyse_recording([gone]), "0.0.1"))
    gone.unlink()
    assert main(["history", "--db", str(db), "--rebuild", "-q"]) == 2
    captured = capsys.readouterr()
    assert "1 of 2 stored" in captured.out and "gone.gaitrec" in captured.err
    with History.open(db) as h:
        software = {s.recordings[0]: s.software for s in h.sessions()}
        assert software[str(recordings[1].resolve())] != "sprintgait 0.0.1"
        assert software[str(gone.resolve())] == "sprintgait 0.0.1"     # kept as it was, said in the errors


def test_trend_and_history_command(tmp_path, items, capsys):
    db = tmp_path / "h.sqlite"
    with History.open(db) as h:
        for it in items.values():
            h.store(it)
        t = h.trend(ANN, Metric.CONTACT, "sprint")
        assert [p.session_date for p in t.points] == [DAYS[1], DAYS[2], DAYS[3]]
        means = [it.analysis["reps"][0]["metrics"]["contact_s"]["mean"] for it in (items[1], items[2], items[3])]
        assert [p.value for p in t.points] == pytest.approx(means)
        assert h.trend(ANN, Metric.CONTACT, "sprint", upto=DAYS[2]).points == t.points[:2]
        assert h.trend(ANN, Metric.CONTACT, "sprint", exclude=items[2].source.digest).points == (t.points[0],
                                                                                                 t.points[2])
        assert h.drills(ANN) == ["skip", "sprint"]
    assert main(["history", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"{ANN}: 3 session(s), 2026-03-02 to 2026-03-16" in out and f"{ZED}: 1 session(s)" in out
    assert main(["history", ANN, "--db", str(db), "--metric", "flying20", "--drill", "sprint"]) == 0
    out = capsys.readouterr().out
    assert "flying 20 m" in out and "latest against the typical session before it" in out and "noise" in out
    assert main(["history", "Nobody", "--db", str(db)]) == 2
    assert main(["history", ANN, "--db", str(db), "--metric", "rsi", "--drill", "lunges"]) == 2
    assert "no reactive strength index" in capsys.readouterr().err


def test_analyze_save_and_import(tmp_path, recordings, capsys):
    db = tmp_path / "h.sqlite"
    assert main(["analyze", str(recordings[1]), "--save", "--db", str(db), "-q"]) == 0
    assert f"history: added: {ANN}, 2026-03-02" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,recording\n1,2,3\n")
    assert main(["import", str(recordings[1]), str(bad), str(recordings[4]), "--db", str(db), "-q",
                 "--date", "2026-04-01"]) == 2
    captured = capsys.readouterr()
    assert "2 of 3 stored" in captured.out and "bad.csv" in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    with History.open(db) as h:
        assert sorted(s.session_date for s in h.sessions()) == [date(2026, 4, 1)] * 2


def test_a_session_without_an_athlete_is_refused_before_anything_is_written(tmp_path, capsys):
    p = tmp_path / "anon.gaitrec"
    sim = simulate_plan(_plan("x"), fs_hz=500.0, seed=5)
    write_simulation(replace(sim, meta={k: v for k, v in sim.meta.items() if k != "athlete"}), p)
    db = tmp_path / "h.sqlite"
    assert main(["analyze", str(p), "--save", "--db", str(db), "-q"]) == 2
    err = capsys.readouterr().err
    assert "names no athlete; give --athlete NAME" in err and len(err.strip().splitlines()) == 1
    assert not db.exists()
    assert main(["analyze", str(p), "--date", "2026-01-01"]) == 2          # --date is for --save
    assert main(["analyze", str(p), "--save", "--athlete", "Bo Test", "--db", str(db), "-q"]) == 0
    with History.open(db) as h:
        assert [a.name for a in h.athletes()] == ["Bo Test"]


def test_history_without_a_database_says_so(tmp_path, capsys):
    assert main(["history", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no history here yet" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite").exists()


def test_the_stored_analysis_round_trips(items):
    assert _unpack(_pack(items[1].analysis)) == items[1].analysis


def test_a_folder_recording_with_notes_beside_it_is_stored_and_rebuilt(tmp_path, capsys):
    """A real TRIPOD walk given as its folder of sensor files, with a notes file in it."""
    import shutil
    folder = tmp_path / "IMU"
    shutil.copytree(ROOT / "validation" / "data" / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU", folder)
    (folder / "notes.txt").write_text("treadmill, preferred speed\n")
    db = tmp_path / "h.sqlite"
    assert main(["import", str(folder), "--athlete", "Sub FZ", "--date", "2020-02-01", "--db", str(db), "-q"]) == 0
    with History.open(db) as h:
        assert [Path(p).name for p in h.sessions()[0].recordings] == ["LF.csv", "LS.csv", "RF.csv", "RS.csv"]
    capsys.readouterr()
    assert main(["history", "--db", str(db), "--rebuild", "-q"]) == 0
    assert "1 of 1 stored" in capsys.readouterr().out
    with History.open(db) as h:
        s = h.sessions()[0]
        assert (s.athlete, s.session_date, s.n_steps > 50) == ("Sub FZ", date(2020, 2, 1), True)
