"""Foot trajectory against real references (validation/data).

The issue's bars are not all met yet: those are strict xfails, so they stay visible
and turn red the day they pass.  The plain tests guard the figures measured now
(README) against regression.
"""
import pytest

from benchmarks.realdata import gaitmap_stride_accuracy, pyshoe_stride_accuracy, xio_loop_closure


@pytest.fixture(scope="module")
def gaitmap(real_data):
    return gaitmap_stride_accuracy(real_data)


@pytest.fixture(scope="module")
def pyshoe(real_data):
    return pyshoe_stride_accuracy("jog", real_data)


def test_gaitmap_stride_length_guard(gaitmap):
    st, mae_m, bias_m = gaitmap
    assert st.n_strides >= 50
    assert mae_m <= 0.035 and abs(bias_m) <= 0.02, gaitmap


def test_gaitmap_stride_length_bar(gaitmap):
    """The bar: MAE <= 3 cm over >= 50 strides (gaitmap 2.6's own pipeline: 4 cm)."""
    assert gaitmap[0].n_strides >= 50 and gaitmap[1] <= 0.03, gaitmap


def test_xio_loops_guard(real_data):
    for name, limit in (("short_walk", 0.15), ("long_walk", 0.35)):
        c = xio_loop_closure(name, real_data)
        assert c.n_contacts >= (15 if name == "short_walk" else 35)
        assert c.net_displacement_m is not None and c.net_displacement_m <= limit, c


def test_xio_short_loop_bar(real_data):
    """The bar: the 21 m loop closes within 40 mm (the publisher's method: 82 mm)."""
    assert xio_loop_closure("short_walk", real_data).net_displacement_m < 0.040


@pytest.mark.xfail(strict=True, reason="the long loop ends 246 mm from the start, the bar is 150 mm (README)")
def test_xio_long_loop_bar(real_data):
    assert xio_loop_closure("long_walk", real_data).net_displacement_m < 0.150


def test_gaitmap_heading_drift(real_data):
    """The heading of our strides against the motion-capture heels' over the 37 s walk:
    0.04 and -0.11 deg/s (left, right) with the gyro bias along the sensor's up held at its
    prior, 0.29 and -0.38 deg/s while the filter learned it from the zero-velocity updates."""
    from benchmarks.realdata import gaitmap_heading_drift
    drift = gaitmap_heading_drift(real_data)
    assert len(drift) == 2 and all(d.n_strides >= 25 for d in drift), drift
    assert all(abs(d.drift_dps) <= 0.15 and d.sd_deg <= 3.5 for d in drift), drift


def test_pyshoe_jogging_guard(pyshoe):
    straight = [a for a in pyshoe if a.name in ("2017-11-27-11-11-24", "2017-11-27-11-11-53",
                                                 "2017-11-27-11-14-03")]
    # these three meet the 2% since the gyroscope's extra filter lag is matched
    assert all(a.n_strides >= 10 and a.mae_pct <= 2.0 for a in straight), straight
    assert pyshoe[-1].name == "all" and pyshoe[-1].mae_pct <= 3.5, pyshoe[-1]


def test_pyshoe_false_contacts_dropped(real_data):
    # 11-18-11 had four late-swing "contacts" (VICON: foot moving at 1.2-1.9 m/s) that split
    # strides; without them it is 3.6% instead of 13.4%
    from benchmarks.realdata import pyshoe_stride_accuracy
    trial = next(a for a in pyshoe_stride_accuracy("jog", real_data) if a.name == "2017-11-27-11-18-11")
    assert trial.max_pct < 20.0 and trial.mae_pct < 5.0, trial


def test_pyshoe_walking_guard(real_data):
    from benchmarks.realdata import pyshoe_stride_accuracy
    walk = pyshoe_stride_accuracy("walk", real_data)
    assert walk[-1].n_strides >= 450 and walk[-1].mae_pct <= 3.2, walk[-1]
    assert sum(a.mae_pct <= 2.0 for a in walk[:-1]) >= 13, [(a.name, round(a.mae_pct, 2)) for a in walk]


@pytest.mark.xfail(strict=True, reason="jogging stride MAE is 3.1% overall, 0.9-9.6% per trial, bar 2% (README)")
def test_pyshoe_jogging_bar(pyshoe):
    assert all(a.mae_pct <= 2.0 for a in pyshoe)


def test_gaitmap_step_length(real_data):
    """Step length between the feet against both heels' motion capture (no bar is set;
    1.65 cm MAE measured, guarded at 2.5 cm)."""
    from benchmarks.realdata import gaitmap_step_length_accuracy
    a = gaitmap_step_length_accuracy()
    assert a.n_steps >= 55 and a.n_steps == a.n_ref, a
    assert a.mae_m <= 0.025 and abs(a.bias_m) <= 0.02, a


@pytest.mark.parametrize("kind", ["walk", "jog"])
def test_pyshoe_foot_lift_at_the_vicon_point(real_data, kind):
    """Foot lift against VICON's, ours carried to the VICON point by our own attitude (the
    issue sets no bar on real data; walking / jogging bias -0.8 / -0.1 cm, MAE 1.2 / 1.5 cm
    measured, guarded at 1.5 / 2; at the IMU itself, 4 cm above the point, +2.0 / +3.3 cm)."""
    from benchmarks.realdata import PYSHOE_VICON_POINT_SF_M, pyshoe_lift_accuracy
    a = pyshoe_lift_accuracy(kind, PYSHOE_VICON_POINT_SF_M)
    assert a.n_strides >= 250 and abs(a.bias_cm) <= 1.5 and a.mae_cm <= 2.0, a


@pytest.mark.parametrize("kind", ["walk", "jog"])
def test_pyshoe_lateral_excursion(real_data, kind):
    """Lateral excursion against the VICON path's by the same definition (the issue sets no
    bar; walking / jogging bias -0.6 / -0.6 cm, MAE 0.8 / 1.0 cm measured, guarded at 1 / 1.5)."""
    from benchmarks.realdata import pyshoe_lateral_accuracy
    a = pyshoe_lateral_accuracy(kind)
    assert a.n_strides >= 200 and abs(a.bias_cm) <= 1.0 and a.mae_cm <= 1.5, a


def test_no_toe_off_angle_without_a_toe_off(real_data):
    """TRIPOD's walk ends standing: contacts over 2 s report no toe-off, so no angle at one."""
    from gaitcore.analysis import analyze
    from gaitcore.readers import read_recording
    steps = analyze(read_recording([real_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU"])).steps
    open_ended = [s for s in steps if s.to_s is None]
    assert len(open_ended) >= 2
    assert all(s.toe_off_angle_deg is None for s in open_ended), open_ended
    assert sum(s.toe_off_angle_deg is not None for s in steps) > 0.9 * len(steps)


def test_short_bridged_drops_are_one_summary_line(real_data):
    """The x-io short walk loses 1-4 samples 165 times: one line says so, longer gaps keep
    theirs; its 205 repeated rows are another line."""
    from gaitcore.analysis import analyze
    from gaitcore.readers import read_recording
    from gaitcore.report import summary_text
    result = analyze(read_recording([real_data / "xio_gait_tracking" / "short_walk.csv"]))
    text = summary_text(result)
    assert len(result.summary.gaps) == 165
    assert "gap in" not in text
    assert "short drops in short_walk, bridged: 165 (1-4 samples each, 244 in all" in text, text
    assert "repeated rows dropped (same time stamp and values as the row before): short_walk 205" in text


def test_no_stride_length_without_a_stride_time(real_data):
    """PyShoe 11-49-29 pauses standing between its laps: the displacement from a pause to
    the next contact has no stride time (over 3 s), so it is no stride length either."""
    from gaitcore.analysis import analyze
    from gaitcore.readers import read_recording
    steps = analyze(read_recording([real_data / "pyshoe_vicon" / "2017-11-22-11-49-29.mat"])).steps
    assert sum(s.stride_time_s is None for s in steps) >= 4
    assert all(s.stride_length_m is None for s in steps if s.stride_time_s is None)
    assert sum(s.stride_length_m is not None for s in steps) >= len(steps) - 8
