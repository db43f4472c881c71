"""``gait report``: sessions given as recordings, report.json files and batch results;
the comparison with the athlete's earlier sessions from the history; the season page;
owner-only files that ``gait history --forget`` removes; anonymised copies; PDF.

Recordings are simulated sessions (500 Hz, seeds 1-3) of one athlete.
"""
from __future__ import annotations

import os
import stat
import time
from datetime import date
from pathlib import Path

import pytest

from gaitcore.simulate import SKIP, SPRINT, Rep, SessionPlan, simulate_plan, write_simulation
from sprintgait.cli import main

ATHLETE = "Ann Example"


@pytest.fixture(scope="module")
def sessions(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("rec")
    out = []
    for seed, day in ((1, date(2026, 5, 4)), (2, date(2026, 5, 11)), (3, date(2026, 5, 18))):
        plan = SessionPlan("t", "a sprint and skips", ATHLETE,
                           (Rep(SPRINT, 30.0, accel_tau_s=1.2, brake_mps2=4.0), Rep(SKIP, 15.0)), rest_s=4.0)
        p = d / f"s{seed}.gaitrec"
        write_simulation(simulate_plan(plan, fs_hz=500.0, seed=seed), p)
        t = time.mktime(day.timetuple()) + 12 * 3600
        os.utime(p, (t, t))
        out.append(p)
    return out


def _private(p: Path) -> bool:
    return stat.S_IMODE(p.stat().st_mode) == 0o600


def test_a_report_of_a_recording_compares_it_with_the_earlier_sessions(tmp_path, sessions, capsys):
    db = tmp_path / "h.sqlite"
    out = tmp_path / "r.html"
    assert main(["report", str(sessions[2]), "--out", str(out), "--db", str(db)]) == 0
    alone = out.read_text()
    assert ATHLETE in alone and "Compared with earlier sessions" not in alone     # no history: no comparison
    assert main(["import", *map(str, sessions), "--db", str(db), "-q"]) == 0
    assert main(["report", str(sessions[2]), "--out", str(out), "--db", str(db)]) == 0
    page = out.read_text()
    assert "Compared with earlier sessions" in page and "2026-05-04" in page and "2026-05-11" in page
    assert _private(out)
    capsys.readouterr()
    assert main(["history", "--db", str(db), "--forget", ATHLETE]) == 0
    assert not out.exists() and "removed 1 report(s)" in capsys.readouterr().out


def test_report_json_and_batch_results_render_as_the_recording_does(tmp_path, sessions):
    rep_dir, batch_out = tmp_path / "analysis", tmp_path / "batch"
    assert main(["analyze", str(sessions[0]), "--out", str(rep_dir), "-q"]) == 0
    root = tmp_path / "tree"
    root.mkdir()
    (root / "s1.gaitrec").write_bytes(sessions[0].read_bytes())
    assert main(["batch", str(root), "--out", str(batch_out), "-q"]) == 0
    pages = []
    for src in (sessions[0], rep_dir / "report.json", batch_out / "s1.gaitrec.gait.json"):
        out = tmp_path / f"{src.name}.html"
        assert main(["report", str(src), "--out", str(out), "--db", str(tmp_path / "none.sqlite")]) == 0
        pages.append(out.read_text())
    assert pages[0] == pages[1] == pages[2]


def test_the_season_page_and_anonymised_reports(tmp_path, sessions):
    db = tmp_path / "h.sqlite"
    assert main(["import", *map(str, sessions), "--db", str(db), "-q"]) == 0
    out = tmp_path / "season.html"
    assert main(["report", "--history", ATHLETE, "--out", str(out), "--db", str(db)]) == 0
    page = out.read_text()
    assert "Season report" in page and page.count("<svg") >= 4 and ATHLETE in page
    anon = tmp_path / "anon.html"
    assert main(["report", "--history", ATHLETE, "--out", str(anon), "--db", str(db), "--anonymise"]) == 0
    shared = anon.read_text()
    assert ATHLETE not in shared and "Ann" not in shared and "s1.gaitrec" not in shared
    assert "Athlete A" in shared
    assert main(["report", str(sessions[0]), "--out", str(anon), "--db", str(db), "--anonymise"]) == 0
    assert ATHLETE not in anon.read_text() and sessions[0].name not in anon.read_text()


def test_bad_report_requests_are_one_line_and_write_nothing(tmp_path, sessions, capsys):
    out = tmp_path / "r.html"
    assert main(["report", "--out", str(out)]) == 2
    assert main(["report", str(tmp_path / "missing.gaitrec"), "--out", str(out)]) == 2
    junk = tmp_path / "x.json"
    junk.write_text('{"a": 1}')
    assert main(["report", str(junk), "--out", str(out)]) == 2
    assert main(["report", "--history", "Nobody", "--out", str(out), "--db", str(tmp_path / "none.sqlite")]) == 2
    assert main(["report", str(sessions[0]), "--out", str(tmp_path / "no" / "r.html")]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 5 and all(e.startswith("gait: error: ") for e in errors)
    assert not out.exists() and not (tmp_path / "none.sqlite").exists()


def test_a_pdf_report_is_printed_by_chromium(tmp_path, sessions):
    import shutil
    assert shutil.which("chromium"), "Chromium is missing: run scripts/test.sh, which installs it with apt-get"
    out = tmp_path / "r.pdf"
    assert main(["report", str(sessions[1]), "--out", str(out), "--db", str(tmp_path / "none.sqlite")]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000 and _private(out)


def test_a_report_json_is_compared_with_the_other_sessions_not_itself(tmp_path, sessions):
    db = tmp_path / "h.sqlite"
    assert main(["import", *map(str, sessions), "--db", str(db), "-q"]) == 0
    assert main(["analyze", str(sessions[2]), "--out", str(tmp_path / "a"), "-q"]) == 0
    out = tmp_path / "r.html"
    assert main(["report", str(tmp_path / "a" / "report.json"), "--out", str(out), "--db", str(db)]) == 0
    page = out.read_text()
    assert "lower is better, 3 sessions" in page and "4 sessions" not in page


def test_a_session_stored_under_a_given_name_is_reported_and_compared_under_it(tmp_path, sessions):
    """Recordings that name no athlete (the research formats) are stored with --athlete:
    their report takes the stored name, compares with the stored sessions and is forgotten
    with them."""
    from dataclasses import replace as dc_replace
    anon = []
    for seed, day in ((4, "2026-06-01"), (5, "2026-06-08")):
        plan = SessionPlan("t", "a sprint and skips", "x",
                           (Rep(SPRINT, 30.0, accel_tau_s=1.2, brake_mps2=4.0), Rep(SKIP, 15.0)), rest_s=4.0)
        sim = simulate_plan(plan, fs_hz=500.0, seed=seed)
        p = tmp_path / f"anon{seed}.gaitrec"
        write_simulation(dc_replace(sim, meta={k: v for k, v in sim.meta.items() if k != "athlete"}), p)
        db = tmp_path / "h.sqlite"
        assert main(["import", str(p), "--athlete", "Cy Given", "--date", day, "--db", str(db), "-q"]) == 0
        anon.append(p)
    out = tmp_path / "r.html"
    assert main(["report", str(anon[1]), "--out", str(out), "--db", str(db)]) == 0
    page = out.read_text()
    assert "Cy Given" in page and "Compared with earlier sessions" in page and "2026-06-01" in page
    assert "No earlier sessions" not in page
    assert main(["history", "--db", str(db), "--forget", "Cy Given"]) == 0
    assert not out.exists()
