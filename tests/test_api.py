"""The Python API: ``gaitcore.read``, ``gaitcore.Recording.from_arrays``, ``gaitcore.analyze``
with parameters, and the typed results (``Analysis``, ``Step`` ...) with their JSON,
numpy and pandas forms."""
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gaitcore
from gaitcore.errors import GaitError, UsageError
from gaitcore.params import EventParams, InsParams, Params, StepParams
from gaitcore.report import to_json
from gaitcore.results import STEP_COLUMNS, STEP_KEYS, Analysis, Step
from gaitcore.signals import GRAVITY_MPS2, CLOCK_SOURCE_META, Side
from gaitcore.simulate import SPRINT, simulate_session

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "sprint_session.podses"


@pytest.fixture(scope="module")
def sprint():
    """8 s of simulated sprint at 500 Hz (seed 3) and its analysis."""
    sim = simulate_session(SPRINT, fs_hz=500.0, duration_s=8.0, seed=3)
    return sim, gaitcore.analyze(sim.recording)


@pytest.fixture(scope="module")
def bundled():
    return gaitcore.analyze(gaitcore.read(BUNDLED))


def _arrays(sim) -> dict:
    return {s.placement.side.value: (s.t_s, s.acc_mps2_sf, s.gyr_dps_sf) for s in sim.recording.sensors}


# --- import ---

def test_import_gaitcore_loads_nothing_heavy():
    """``import gaitcore`` and naming its types and parameters imports no numba and no
    analysis module; the functions load when first used."""
    code = ("import sys, gaitcore; gaitcore.Params; gaitcore.EventParams(); gaitcore.Analysis; gaitcore.Step; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'numba' or m in "
            "('gaitcore.analysis', 'gaitcore.events', 'gaitcore.steps', 'gaitcore.trajectory')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]", r.stdout


def test_every_exported_name_resolves():
    for name in gaitcore.__all__:
        assert getattr(gaitcore, name) is not None, name
    assert {"read", "analyze", "Recording", "Analysis", "Step", "Contact", "SensorInfo", "Params", "EventParams",
            "StepParams", "InsParams"} <= set(gaitcore.__all__)
    with pytest.raises(AttributeError):
        gaitcore.no_such_name


# --- reading and analysing ---

def test_read_and_analyze_the_bundled_recording(bundled):
    """``gaitcore.read`` takes one path (or several) and ``analyze`` gives typed steps whose
    JSON is what ``gait analyze --json`` prints."""
    assert isinstance(bundled, Analysis) and len(bundled.steps) == 126
    first = bundled.steps[0]
    assert isinstance(first, Step) and first.foot is Side.LEFT and 0.05 < first.contact_s < 0.3
    assert [s.ic_s for s in bundled.steps] == sorted(s.ic_s for s in bundled.steps)
    r = subprocess.run([sys.executable, "-m", "sprintgait", "analyze", str(BUNDLED), "--json", "-q"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert to_json(bundled) == r.stdout


def test_read_with_a_placement_per_file(real_data):
    rec = gaitcore.read(real_data / "pyshoe_vicon" / "2017-11-27-11-11-24.mat", placement="right_foot")
    assert [str(s.placement) for s in rec.sensors] == ["right_foot"]
    rec = gaitcore.read([real_data / "gaitmap_example" / "imu_sample.csv"], fs_hz=204.8)
    assert [s.placement.side for s in rec.sensors] == [Side.LEFT, Side.RIGHT]


def test_results_are_frozen(bundled):
    step = bundled.steps[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.contact_s = 0.1
    with pytest.raises(dataclasses.FrozenInstanceError):
        bundled.summary.n_steps = 0
    assert not hasattr(step, "__dict__")    # slots: no stray attributes either


def test_summary_by_foot_and_sensor(bundled):
    left = bundled.summary.foot("left")
    assert left is bundled.summary.foot(Side.LEFT) and left.n_steps == 63
    d = bundled.to_dict()["summary"]
    assert d["per_foot"]["left"]["contact_s"] == {"n": left.contact_s.n, "mean": left.contact_s.mean,
                                                   "sd": left.contact_s.sd, "median": left.contact_s.median}
    assert bundled.per_sensor("clipped_samples") == d["clipped_samples"]
    with pytest.raises(GaitError, match="not a foot"):
        bundled.summary.foot("middle")
    with pytest.raises(GaitError, match="not a sensor figure"):
        bundled.per_sensor("speed")


def test_steps_table_holds_the_steps(bundled):
    """One row per step, the columns of steps.csv, None as NaN, the position in three columns."""
    table = bundled.steps_table()
    assert table.dtype.names == STEP_COLUMNS and table.shape == (len(bundled.steps),)
    assert table["foot"].tolist() == [s.foot.value for s in bundled.steps]
    assert table["saturated"].dtype == np.bool_ and table["saturated"].sum() == 13
    assert table["rep"].dtype == np.int64 and table["rep"].tolist() == [s.rep for s in bundled.steps]
    for row, step in zip(table, bundled.steps):
        d = step.to_dict()
        pos = d.pop("position_m") or [None] * 3
        d.update(position_x_m=pos[0], position_y_m=pos[1], position_z_m=pos[2])
        for k, v in d.items():
            if k == "foot":
                continue
            assert (np.isnan(row[k]) if v is None else row[k] == v), (k, row[k], v)


def test_steps_frame_is_the_table_in_pandas(bundled):
    import pandas     # (the test extras install it)
    frame = bundled.steps_frame()
    assert isinstance(frame, pandas.DataFrame) and list(frame.columns) == list(STEP_COLUMNS)
    assert len(frame) == len(bundled.steps) and frame["contact_s"].iloc[0] == bundled.steps[0].contact_s


def test_steps_frame_without_pandas_says_what_to_install(bundled, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)     # an import of it now fails
    with pytest.raises(GaitError, match="pip install pandas"):
        bundled.steps_frame()


# --- a recording from arrays ---

def test_from_arrays_analyses_as_the_recording_they_came_from(sprint):
    """The simulator's arrays given as a dict give the same steps as its recording; the
    feet come from the keys, both on one clock, the arrays copied as contiguous float64."""
    sim, direct = sprint
    arrays = {k: tuple(a.copy() for a in v) for k, v in _arrays(sim).items()}
    s0 = sim.recording.sensors[0]
    rec = gaitcore.Recording.from_arrays(arrays, fs_hz=500.0, acc_range_mps2=s0.acc_range_mps2,
                                         gyr_range_dps=s0.gyr_range_dps)
    assert [s.name for s in rec.sensors] == ["left", "right"]
    assert [s.placement.side for s in rec.sensors] == [Side.LEFT, Side.RIGHT]
    assert len({s.meta[CLOCK_SOURCE_META] for s in rec.sensors}) == 1
    for s in rec.sensors:
        assert s.acc_mps2_sf.dtype == np.float64 and s.acc_mps2_sf.flags.c_contiguous
    got = gaitcore.analyze(rec)
    assert got.steps == direct.steps
    assert got.summary.feet_clock.state.value == "one_source"
    arrays["left"][1][:] = 0.0                 # the caller's arrays stay the caller's
    assert np.abs(rec.sensors[0].acc_mps2_sf).max() > 0


def test_from_arrays_counts_time_from_the_first_sample(sprint):
    sim, direct = sprint
    later = {k: (t + 1000.0, acc, gyr) for k, (t, acc, gyr) in _arrays(sim).items()}
    rec = gaitcore.Recording.from_arrays(later, fs_hz=500.0)
    assert rec.sensors[0].t_s[0] == 0.0 and rec.t0_s == 1000.0


@pytest.mark.parametrize("change, message", [
    (lambda a: {"left": a["left"][:2]}, "three arrays"),
    (lambda a: {"left": (a["left"][0], a["left"][1][:, :2], a["left"][2])}, "shape"),
    (lambda a: {"left": (a["left"][0][:-1], a["left"][1], a["left"][2])}, "one row of x, y, z per time stamp"),
    (lambda a: {"middle": a["left"]}, "unknown placement"),
    (lambda a: {"left": (a["left"][0], a["left"][1] / GRAVITY_MPS2, a["left"][2])}, "in g?"),
    (lambda a: {"left": (a["left"][0], a["left"][1], np.radians(a["left"][2]))}, "in rad/s?"),
    (lambda a: {"left": (a["left"][0], a["left"][1], a["left"][2] * 1000)}, "faster than any foot turns"),
    (lambda a: {"left": (a["left"][0] * 1000, a["left"][1], a["left"][2])}, "where fs_hz is 500"),
    (lambda a: {"left": (a["left"][0][::-1], a["left"][1], a["left"][2])}, "does not increase"),
    (lambda a: {}, "as a dict"),
])
def test_from_arrays_refuses_what_cannot_be_a_foot_pod(sprint, change, message):
    sim, _ = sprint
    with pytest.raises(UsageError, match=message) as err:
        gaitcore.Recording.from_arrays(change(_arrays(sim)), fs_hz=500.0)
    assert "\n" not in str(err.value)


def test_from_arrays_refuses_a_rate_or_range_that_is_not_one(sprint):
    sim, _ = sprint
    with pytest.raises(UsageError, match="fs_hz"):
        gaitcore.Recording.from_arrays(_arrays(sim), fs_hz=0.0)
    with pytest.raises(UsageError, match="acc_range_mps2"):
        gaitcore.Recording.from_arrays(_arrays(sim), fs_hz=500.0, acc_range_mps2=-1.0)


# --- parameters ---

def test_default_params_give_the_default_analysis(sprint):
    sim, direct = sprint
    assert gaitcore.analyze(sim.recording, params=Params()) == direct
    assert gaitcore.analyze(sim.recording, params=EventParams()) == direct


def test_event_thresholds_reach_the_kernel(sprint):
    """The toe-off at 50% of the push-off's peak rate instead of 75% comes later: every
    contact lasts longer.  (Thresholds compiled into the kernel would leave it as it was.)"""
    sim, direct = sprint
    later = gaitcore.analyze(sim.recording, params=EventParams(to_fraction=0.5))
    assert len(later.steps) == len(direct.steps)
    pairs = [(a.contact_s, b.contact_s) for a, b in zip(direct.steps, later.steps) if a.contact_s is not None]
    assert len(pairs) >= 15 and all(b > a for a, b in pairs), pairs


def test_event_params_stream_as_they_run_once(sprint):
    sim, _ = sprint
    p = Params(events=EventParams(to_fraction=0.6, confirm_s=0.08))
    assert to_json(gaitcore.analyze(sim.recording, params=p, chunk_size=97)) == \
        to_json(gaitcore.analyze(sim.recording, params=p))


def test_a_longer_max_contact_reports_the_rests_as_contacts(bundled):
    """The bundled session's two 10 s rests are contacts over 2 s (standing: no toe-off
    reported); allowed 20 s, each foot's rest has its contact time."""
    rec = gaitcore.read(BUNDLED)
    long = gaitcore.analyze(rec, trajectory=False, params=StepParams(max_contact_s=20.0))
    rests = [s for s in long.steps if s.contact_s is not None and s.contact_s > 5.0]
    assert len(rests) == 4, rests
    short = {(s.foot, s.ic_s): s for s in bundled.steps}
    assert all(short[(s.foot, s.ic_s)].to_s is None for s in rests)


def test_ins_params_reach_the_filter(sprint):
    sim, direct = sprint
    loose = gaitcore.analyze(sim.recording, params=InsParams(sigma_level=2.0))
    assert [s.ic_s for s in loose.steps] == [s.ic_s for s in direct.steps]
    assert [s.peak_height_m for s in loose.steps] != [s.peak_height_m for s in direct.steps]


@pytest.mark.parametrize("make, message", [
    (lambda: EventParams(swing_dps=-40.0), "EventParams.swing_dps must be a positive finite number"),
    (lambda: EventParams(to_fraction=1.5), "at most 1"),
    (lambda: EventParams(pulled_down_mps2=float("inf")), "EventParams.pulled_down_mps2 must be a finite number"),
    (lambda: EventParams(pulled_down_mps2=20.0), "pulled_down_mps2 .20.0. must be below landing_up_mps2"),
    (lambda: StepParams(max_contact_s=float("nan")), "StepParams.max_contact_s"),
    (lambda: InsParams(sigma_acc=0.0), "InsParams.sigma_acc"),
    (lambda: Params(events=StepParams()), "Params.events must be an EventParams"),
    (lambda: Params.of({"swing_dps": 40.0}), "params must be a gaitcore Params"),
])
def test_bad_params_are_refused_in_one_line(make, message):
    with pytest.raises(UsageError, match=message):
        make()


def test_every_threshold_has_its_docstring():
    """Each field of the parameter classes has a docstring in the class source (its unit,
    and where its default comes from)."""
    import inspect
    for cls in (EventParams, StepParams, InsParams):
        src = inspect.getsource(cls)
        for f in dataclasses.fields(cls):
            after = src.split(f"    {f.name}: float", 1)[1].split("\n", 2)[1].strip()
            assert after.startswith('"""'), (cls.__name__, f.name)


def test_the_json_of_an_analysis_is_plain_json(sprint):
    _, direct = sprint
    d = direct.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert list(d["steps"][0]) == list(STEP_KEYS)
