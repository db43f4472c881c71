"""What a user reads: the session header (athlete, drill, plan, date) in the text and the
JSON of ``gait analyze`` and ``gait replay``, folders with other files beside the
recordings, and the text report's wording (no raw Python values, no "-0", a legend)."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from firmware_bridge.session_file import SessionWriter
from firmware_bridge.virtual_pod import VirtualPod, VirtualPodConfig, pod_signals
from gaitcore.feet_clock import ClockAgreement, FeetClockCheck
from gaitcore.quality import Gap
from gaitcore.report import summary_text
from gaitcore.results import SUMMARY_STATS, Analysis, SensorInfo, Stats, Step, Summary
from gaitcore.signals import Placement, Segment, SessionInfo, Side, TimeOrigin
from gaitcore.simulate import SPRINT, simulate_session, write_simulation

from test_virtual_pod import _drive

ROOT = Path(__file__).resolve().parents[1]
PLAN = "3 x 30 m from a standing start\nfull recovery, walk back"
META = {"athlete": "Ada Runner", "drill": "sprint", "plan": PLAN, "started_utc": "2026-12-07T09:14:05.123+00:00",
        "software": "sprintgait test"}


def gait(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "sprintgait", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def session_file(tmp_path_factory):
    """Two virtual pods sprinting 10 s (seed 4, fake clock, no loss), recorded with an
    athlete, a drill, a two-line plan and a start time in the header."""
    path = tmp_path_factory.mktemp("ses") / "sprint.podses"
    pods = [VirtualPod(cfg, *pod_signals(cfg)[:4])
            for cfg in (VirtualPodConfig(foot, "sprint", 4, 1000.0, 10.0) for foot in ("left", "right"))]
    w = SessionWriter.create(path, {**META, "pods": [{"name": f, "placement": f, "framing": "cobs"}
                                                     for f in ("left", "right")]})
    _drive(w, pods, (0.0013, 0.0071), 10.1, np.random.default_rng(4))
    return path


def test_analyze_shows_the_sessions_athlete_drill_plan_and_date(session_file, tmp_path):
    r = gait("analyze", str(session_file), "--no-trajectory", "--out", str(tmp_path / "rep"))
    assert r.returncode == 0, r.stderr
    head = r.stdout.splitlines()[:3]
    assert head[0] == "session: recorded 2026-12-07 09:14 UTC, athlete Ada Runner, drill sprint", head
    assert head[1] == "plan: 3 x 30 m from a standing start" and head[2].strip() == "full recovery, walk back", head
    summary = (tmp_path / "rep" / "summary.txt").read_text()
    assert summary.startswith(head[0] + "\n"), summary[:200]


def test_the_json_carries_a_session_object(session_file):
    r = gait("analyze", str(session_file), "--no-trajectory", "--json")
    assert r.returncode == 0, r.stderr
    ses = json.loads(r.stdout)["session"]
    assert ses == {"athlete": "Ada Runner", "drill": "sprint", "plan": PLAN,
                   "started_utc": "2026-12-07T09:14:05.123+00:00", "simulated": False, "inputs": ["sprint.podses"]}


def test_replay_shows_the_session_header_first(session_file):
    r = gait("replay", str(session_file))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "session: recorded 2026-12-07 09:14 UTC, athlete Ada Runner, drill sprint"
    replayed = json.loads(gait("replay", str(session_file), "--json").stdout)
    analysed = json.loads(gait("analyze", str(session_file), "--json").stdout)
    assert replayed["session"] == analysed["session"] and replayed["session"]["athlete"] == "Ada Runner"


def test_an_input_without_a_session_header_has_a_session_object_of_nulls(tmp_path):
    """A .gaitrec says what its meta says (the simulator's drill, simulated); a CSV says nothing."""
    sim = simulate_session(SPRINT, fs_hz=500.0, duration_s=6.0, seed=2)
    write_simulation(sim, tmp_path / "s.gaitrec")
    ses = json.loads(gait("analyze", str(tmp_path / "s.gaitrec"), "--json", "--no-trajectory").stdout)["session"]
    assert ses == {"athlete": None, "drill": "sprint", "plan": None, "started_utc": None, "simulated": True,
                   "inputs": ["s.gaitrec"]}
    r = gait("export", str(tmp_path / "s.gaitrec"), "--to", "csv", "--out", str(tmp_path / "s.csv"))
    assert r.returncode == 0, r.stderr
    r = gait("analyze", str(tmp_path / "s.csv"), "--fs", "500", "--no-trajectory")
    assert r.returncode == 0, r.stderr
    assert not r.stdout.startswith("session:"), r.stdout[:200]
    ses = json.loads(gait("analyze", str(tmp_path / "s.csv"), "--fs", "500", "--json", "--no-trajectory").stdout)
    assert ses["session"] == {"athlete": None, "drill": None, "plan": None, "started_utc": None, "simulated": False,
                              "inputs": ["s.csv"]}


def test_a_folder_with_a_licence_and_readme_beside_the_recordings_is_read(real_data, tmp_path):
    """Files that are not recordings are skipped, and named in one line; a folder with
    no recording at all is still refused."""
    folder = tmp_path / "IMU"
    shutil.copytree(real_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU", folder)
    (folder / "LICENSE").write_text("MIT License\n\nCopyright ...\n")
    (folder / "README.md").write_text("# Feet and shanks, 128 Hz\n")
    (folder / "notes.txt").write_text("athlete felt fine\n")
    r = gait("analyze", str(folder), "--no-trajectory", "--json")
    assert r.returncode == 0, r.stderr
    assert sorted(s["name"] for s in json.loads(r.stdout)["sensors"]) == ["LF", "LS", "RF", "RS"]
    warnings = [line for line in r.stderr.splitlines() if "skipped" in line]
    assert len(warnings) == 1 and all(n in warnings[0] for n in ("LICENSE", "README.md", "notes.txt")), r.stderr
    empty = tmp_path / "docs"
    empty.mkdir()
    (empty / "README.md").write_text("nothing here\n")
    r = gait("analyze", str(empty))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "holds no recording (README.md)" in r.stderr, r.stderr


def test_a_file_named_on_its_own_that_is_not_a_recording_is_refused(tmp_path):
    (tmp_path / "LICENSE").write_text("MIT License\n")
    r = gait("analyze", str(tmp_path / "LICENSE"))
    assert r.returncode == 2 and "unrecognised content" in r.stderr, r.stderr


def _analysis_of(gaps=(), **figures) -> Analysis:
    """An analysis of two pods with no steps, the given data-quality figures per sensor
    (``clipped_samples=(left, right)`` ...; the rest clean) and gaps."""
    per_sensor = {"repaired_samples": (0, 0), "duplicate_rows": (0, 0), "clipped_samples": (0, 0),
                  "alignment_quality": (1.0, 1.0), "mounting_offset_deg": (None, None),
                  "net_displacement_m": (None, None), "gyro_bias_from_standing": (True, True), **figures}
    sensors = tuple(SensorInfo(name, Placement(side, Segment.FOOT), 1000.0, 1000,
                               **{k: v[i] for k, v in per_sensor.items()})
                    for i, (name, side) in enumerate((("left_pod", Side.LEFT), ("right_pod", Side.RIGHT))))
    none = Stats(0, None, None, None)
    summary = Summary(software="sprintgait test", time_origin=TimeOrigin.FIRST_SAMPLE, n_steps=0, per_foot=(),
                      gaps=tuple(gaps), feet_clock=FeetClockCheck(ClockAgreement.ONE_SOURCE),
                      **{k: none for k in SUMMARY_STATS})
    return Analysis(SessionInfo(), sensors, (), summary)


def test_summary_text_has_no_python_values():
    gaps = [Gap("right_pod", "dropped", t, t + 0.013, 13, bridged=True) for t in (1.0, 2.0)]
    text = summary_text(_analysis_of(
        gaps, clipped_samples=(602, 0), duplicate_rows=(0, 205), repaired_samples=(3, 0),
        mounting_offset_deg=(61.2, None), alignment_quality=(0.5, 1.0)))
    assert not re.search(r"[{}\[\]']", text), text
    assert "left_pod 602" in text and "right_pod 205" in text and "left_pod by 61 deg" in text, text
    assert "(13 samples each" in text, text


def test_numbers_that_round_to_zero_print_without_a_sign(session_file):
    from gaitcore.report import _num, step_table
    assert (_num(-0.004, 2), _num(-0.3, 0), _num(-0.6, 0), _num(0.0, 1)) == ("0.00", "0", "-1", "0.0")
    step = Step(rep=0, foot=Side.LEFT, ic_s=1.0, to_s=1.1, contact_s=0.1, flight_s=None, step_time_s=None,
                step_length_m=-0.001, stride_time_s=None, cadence_spm=None, stride_length_m=0.002, speed_mps=-0.01,
                peak_height_m=-0.002, strike_angle_deg=None, toe_off_angle_deg=None, lateral_excursion_m=None,
                turning_angle_deg=None, position_m=None, shank_angle_peak_deg=None, thigh_angle_peak_deg=None,
                saturated=False, confidence=0.9)
    table = step_table([step])
    assert not re.search(r"-0(?![.\d]*[1-9])", table), table


def test_the_step_table_explains_conf_and_clipped(session_file):
    r = gait("analyze", str(session_file), "--no-trajectory")
    assert "conf " in r.stdout and "confidence 0-1" in r.stdout, r.stdout
    assert "CLIPPED  a sample of the contact hit the sensor's full scale" in r.stdout, r.stdout


def test_a_sensor_of_unknown_foot_is_told_how_to_name_it(real_data):
    """A PyShoe trial's file name says no side: its foot is unknown."""
    r = gait("analyze", str(real_data / "pyshoe_vicon" / "2017-11-27-11-18-11.mat"), "--no-trajectory")
    assert r.returncode == 0, r.stderr
    hint = [line for line in r.stdout.splitlines() if "unknown" in line and "--placement left|right" in line]
    assert len(hint) == 1, r.stdout
    shanks = gait("analyze", str(real_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU"), "--no-trajectory")
    assert shanks.returncode == 0 and "--placement left|right" not in shanks.stdout, shanks.stdout
