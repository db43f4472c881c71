"""The streaming pipeline (gaitcore.Pipeline) fed the pods' samples in chunks, the pods
interleaved, gives the steps the analysis gives for the whole recording."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.realdata import GAITMAP_FS_HZ, REAL_DATA
from gaitcore import Pipeline, analyze, read
from gaitcore.analysis import pod_spec
from gaitcore.errors import UsageError
from gaitcore.pipeline import PodSpec
from gaitcore.readers import read_recording
from gaitcore.signals import Placement
from gaitcore.simulate import drill_by_name, simulate_session

ROOT = Path(__file__).resolve().parents[1]
SEED = 5


def _streamed(rec, seed: int, max_rows: int, trajectory: bool = True) -> tuple:
    """The recording's feet fed through a Pipeline in random chunks (seeded), the pods in
    turn, each ahead of the other by up to a chunk."""
    rng = np.random.default_rng(seed)
    feet = list(rec.sensors)
    pipe = Pipeline([pod_spec(s) for s in feet], trajectory=trajectory)
    at = [0] * len(feet)
    while any(a < s.n_samples for a, s in zip(at, feet)):
        k = int(rng.integers(len(feet)))
        s = feet[k]
        b = min(s.n_samples, at[k] + int(rng.integers(0, max_rows)))
        pipe.feed(s.name, s.t_s[at[k]:b], s.acc_mps2_sf[at[k]:b], s.gyr_dps_sf[at[k]:b])
        at[k] = b
    pipe.finish()
    return tuple(pipe.steps)


def test_the_bundled_session_streamed_gives_the_analysis_steps():
    rec = read(ROOT / "recordings" / "sprint_session.podses")
    steps = analyze(rec).steps
    assert len(steps) > 100
    assert _streamed(rec, SEED, 40) == steps


@pytest.mark.parametrize("drill", ["bunny_hops", "skips", "jog"])
def test_simulated_drills_streamed_give_the_analysis_steps(drill):
    rec = simulate_session(drill_by_name(drill), fs_hz=500.0, duration_s=14.0, seed=SEED).recording
    assert _streamed(rec, SEED + 1, 300) == analyze(rec).steps
    assert _streamed(rec, SEED + 2, 60, trajectory=False) == analyze(rec, trajectory=False).steps


def test_a_real_walk_streamed_gives_the_analysis_steps():
    rec = read_recording([REAL_DATA / "gaitmap_example" / "imu_sample.csv"], fs_hz=GAITMAP_FS_HZ)
    assert _streamed(rec, SEED, 50) == analyze(rec).steps


def test_steps_come_out_while_the_stream_goes_on():
    """Not only at the end: on the bundled session most steps are out before finish()."""
    rec = read(ROOT / "recordings" / "sprint_session.podses")
    feet = list(rec.sensors)
    pipe = Pipeline([pod_spec(s) for s in feet])
    n = min(s.n_samples for s in feet)
    for a in range(0, n, 16):
        for s in feet:
            pipe.feed(s.name, s.t_s[a:a + 16], s.acc_mps2_sf[a:a + 16], s.gyr_dps_sf[a:a + 16])
    before = len(pipe.steps)
    pipe.finish()
    assert before >= 0.9 * len(pipe.steps)


def test_bad_pods_are_refused():
    with pytest.raises(UsageError, match="one pod per foot"):
        Pipeline([PodSpec("a", Placement.parse("left"), 100.0), PodSpec("b", Placement.parse("left"), 100.0)])
    with pytest.raises(UsageError, match="foot pods"):
        Pipeline([PodSpec("a", Placement.parse("left_shank"), 100.0)])
    pipe = Pipeline([PodSpec("left", Placement.parse("left"), 100.0)])
    with pytest.raises(UsageError, match="no pod 'right'"):
        pipe.feed("right", np.zeros(1), np.zeros((1, 3)), np.zeros((1, 3)))


def test_a_pod_that_sends_nothing_leaves_the_other_foots_steps():
    """The right pod never sends a sample: the left foot's steps come out, measured alone
    (no flight or step time), as the analysis of the left pod alone gives them."""
    rec = read(ROOT / "recordings" / "sprint_session.podses")
    left, right = rec.sensors
    pipe = Pipeline([pod_spec(left), pod_spec(right)])
    pipe.feed(left.name, left.t_s, left.acc_mps2_sf, left.gyr_dps_sf)
    pipe.finish()
    alone = analyze(replace(rec, sensors=(left,))).steps
    assert len(pipe.steps) == len(alone) > 50
    assert tuple(pipe.steps) == alone
