"""The two feet's clocks: pairing the feet only when their bouts of contacts line up."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gaitcore.analysis import analyze
from gaitcore.feet_clock import MAX_EDGE_LAG_S, MIN_BOUT_CONTACTS, ClockAgreement, bouts, check_feet_clock
from gaitcore.readers import native, read_recording
from gaitcore.report import summary_text
from gaitcore.signals import Recording
from gaitcore.results import STEP_KEYS
from gaitcore.signals import MAX_STRIDE_S

BUNDLED = Path(__file__).resolve().parents[1] / "recordings" / "sprint_session.podses"


def _alternating(t0: float, t1: float, stride_s: float, phase: float) -> tuple[np.ndarray, np.ndarray]:
    """Contact times of a left foot from t0 to t1 and a right foot half a stride later (+ ``phase``)."""
    left = np.arange(t0, t1, stride_s)
    return left, left + stride_s / 2 + phase


def test_bouts_split_at_the_longest_stride_and_need_enough_contacts():
    assert bouts(np.array([])) == []
    assert bouts(np.array([1.0, 2.0])) == []                     # fewer than MIN_BOUT_CONTACTS
    assert MIN_BOUT_CONTACTS == 3
    ic = np.array([0.0, 1.0, 1.0 + MAX_STRIDE_S, 10.0, 11.0, 12.0, 20.0])
    # a step exactly MAX_STRIDE_S long stays in the bout; the lone contact at 20 s is no bout
    assert bouts(ic) == [(0.0, 1.0 + MAX_STRIDE_S), (10.0, 12.0)]
    assert bouts(ic[::-1].copy()) == bouts(ic)                   # order does not matter


@pytest.mark.parametrize("offset_s", [0.0, 0.4, -0.4, 1.5, -2.5])
def test_offsets_up_to_the_limit_agree(offset_s):
    # two bouts (a walk, a rest of 20 s, a run) with a natural half-stride lag plus the offset
    a1, b1 = _alternating(2.0, 30.0, 1.1, offset_s)
    a2, b2 = _alternating(50.0, 70.0, 0.7, offset_s)
    c = check_feet_clock(np.r_[a1, a2], np.r_[b1, b2])
    assert c.state is ClockAgreement.AGREE
    # the closest edges: the run's (half of 0.7 s) or the walk's (half of 1.1 s), plus the offset
    assert min(abs(c.lag_s - 0.35 - offset_s), abs(c.lag_s - 0.55 - offset_s)) < 1e-9, c


@pytest.mark.parametrize("offset_s", [4.0, -4.0, 9.0, -60.0, 200.0])
def test_offsets_beyond_the_limit_disagree(offset_s):
    a1, b1 = _alternating(2.0, 30.0, 1.1, offset_s)
    a2, b2 = _alternating(50.0, 70.0, 0.7, offset_s)
    c = check_feet_clock(np.r_[a1, a2], np.r_[b1, b2])
    assert c.state is ClockAgreement.DISAGREE, c
    assert abs(c.lag_s) > MAX_EDGE_LAG_S


def test_one_matching_edge_is_enough():
    """A sensor that stops early (a flat battery) ends its bout elsewhere, but its
    start still matches the other foot's."""
    a, b = _alternating(2.0, 60.0, 1.0, 0.0)
    c = check_feet_clock(a, b[b < 25.0])
    assert c.state is ClockAgreement.AGREE and c.lag_s == pytest.approx(0.5)


def test_not_checked_without_a_bout_on_each_foot():
    a, b = _alternating(2.0, 20.0, 1.0, 0.0)
    assert check_feet_clock(a, np.array([])).state is ClockAgreement.NOT_CHECKED
    assert check_feet_clock(a, b[:2]).state is ClockAgreement.NOT_CHECKED
    assert check_feet_clock(a, b[:2]).as_dict() == {"state": "not_checked", "lag_s": None}


def _per_foot_files(tmp_path, shift_right_s: float) -> Recording:
    """The bundled session written as one file per pod, the right pod's clock ``shift_right_s``
    ahead (two loggers started apart), and read back as `gait analyze a b` does."""
    rec = read_recording([BUNDLED])
    paths = []
    for s in rec.sensors:
        if s.placement.side.value == "right":
            s = replace(s, t_s=s.t_s + shift_right_s)
        paths.append(tmp_path / f"{s.name}_{shift_right_s:g}.gaitrec")
        native.write(paths[-1], Recording((s,), "one pod"))
    return read_recording(paths)


CROSS_FOOT = ("flight_s", "step_time_s", "step_length_m")


def test_one_source_is_one_clock():
    """Both feet in one file: not checked, their clock is one even where the bouts would
    disagree (the right pod's samples shifted 5 s within the same file)."""
    rec = read_recording([BUNDLED])
    shifted = Recording(tuple(replace(s, t_s=s.t_s + 5.0) if s.placement.side.value == "right" else s
                              for s in rec.sensors), rec.source).rebased()
    for r in (rec, shifted):
        res = analyze(r, trajectory=False)
        assert res.summary.feet_clock.as_dict() == {"state": "one_source", "lag_s": None}
        assert sum(s.step_time_s is not None for s in res.steps) >= 15
    one_foot = Recording(rec.sensors[:1], rec.source)
    assert analyze(one_foot, trajectory=False).summary.feet_clock.as_dict() == {"state": "not_checked", "lag_s": None}


def test_unsynchronised_files_lose_the_cross_foot_figures_only(tmp_path):
    """One file per pod, the right pod's clock 5 s ahead: every figure of one foot stays,
    the ones pairing the feet are left out, and the summary says why; the same files on
    one clock keep them."""
    same = analyze(_per_foot_files(tmp_path, 0.0))
    apart = analyze(_per_foot_files(tmp_path, 5.0))
    assert same.summary.feet_clock.state is ClockAgreement.AGREE
    assert sum(s.step_time_s is not None for s in same.steps) >= 30
    assert apart.summary.feet_clock.state is ClockAgreement.DISAGREE
    assert apart.summary.feet_clock.lag_s == pytest.approx(same.summary.feet_clock.lag_s + 5.0, abs=0.01)
    assert len(apart.steps) == len(same.steps)
    for s in apart.steps:
        assert all(getattr(s, k) is None for k in CROSS_FOOT), s
    own = [k for k in STEP_KEYS if k not in CROSS_FOOT and k not in ("ic_s", "to_s")]
    # each foot's reps numbered on its own clock: the same reps as on one clock
    assert [s.rep for s in apart.steps if s.foot.value == "left"] == [s.rep for s in same.steps if s.foot.value == "left"]
    for s in apart.steps:
        back = s.ic_s - (5.0 if s.foot.value == "right" else 0.0)
        t = next(t for t in same.steps if t.foot.value == s.foot.value and abs(t.ic_s - back) < 1e-3)
        assert {k: getattr(s, k) for k in own} == {k: getattr(t, k) for k in own}
    text = summary_text(apart)
    assert "keep different time" in text and "5.2 s apart" in text
    assert "keep different time" not in summary_text(same)


def test_bouts_ignore_non_finite_times():
    assert bouts(np.array([1.0, 2.0, np.nan, 3.0])) == [(1.0, 3.0)]


def test_real_feet_on_one_clock(real_data):
    """gaitmap's walk has both feet in one file; TRIPOD's treadmill walk one file per
    sensor from synchronised devices, and its bouts agree."""
    gm = analyze(read_recording([real_data / "gaitmap_example" / "imu_sample.csv"], fs_hz=204.8),
                 trajectory=False).summary.feet_clock
    assert gm.state is ClockAgreement.ONE_SOURCE
    fc = analyze(read_recording([real_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU"]),
                 trajectory=False).summary.feet_clock
    assert fc.state is ClockAgreement.AGREE and abs(fc.lag_s) < 1.0, fc
