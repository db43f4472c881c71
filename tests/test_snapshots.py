"""Regression snapshots: the analysis of the bundled recording and of the gaitmap
example walk, stored in tests/snapshots/.  A change to any step's numbers fails
here; when the change is intended, rewrite the snapshots with

    UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py

and say in the commit why the numbers moved.  Values are compared to a few units
of their last printed digit, so a different BLAS or LLVM build does not fail the
test but any change of the method does."""
import json
import math
import os
from pathlib import Path

import pytest

from gaitcore.analysis import analyze
from gaitcore.readers import read_recording

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "snapshots"
CASES = {
    "sprint_session": ([ROOT / "recordings" / "sprint_session.podses"], None),
    "gaitmap_imu_sample": ([ROOT / "validation" / "data" / "gaitmap_example" / "imu_sample.csv"], 204.8),
}
# allowed difference per field: two units of the last digit written
TOLERANCE = {"ic_s": 2e-4, "to_s": 2e-4, "contact_s": 2e-4, "flight_s": 2e-4, "step_time_s": 2e-4,
             "stride_time_s": 2e-4, "cadence_spm": 0.02, "stride_length_m": 2e-3, "step_length_m": 2e-3, "speed_mps": 2e-3,
             "peak_height_m": 2e-3, "strike_angle_deg": 0.2, "toe_off_angle_deg": 0.2,
             "lateral_excursion_m": 2e-3, "turning_angle_deg": 0.2, "position_m": 2e-3, "confidence": 2e-3}


def _close(a, b, tol) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b))
    return math.isclose(a, b, rel_tol=0, abs_tol=tol)


@pytest.mark.parametrize("case", sorted(CASES))
def test_analysis_matches_snapshot(case, real_data):
    paths, fs_hz = CASES[case]
    out = analyze(read_recording(paths, fs_hz=fs_hz)).to_dict()
    path = SNAPSHOTS / f"{case}.json"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(json.dumps({"sensors": out["sensors"], "steps": out["steps"]}, indent=0) + "\n")
    snap = json.loads(path.read_text())
    assert out["sensors"] == snap["sensors"]
    got, want = out["steps"], snap["steps"]
    assert len(got) == len(want), f"{case}: {len(got)} steps, snapshot has {len(want)}"
    for k, (g, w) in enumerate(zip(got, want)):
        assert g["foot"] == w["foot"] and g["saturated"] == w["saturated"], f"{case} step {k}: {g} != {w}"
        bad = [f for f, tol in TOLERANCE.items() if not _close(g[f], w[f], tol)]
        assert not bad, f"{case} step {k} ({g['foot']} at {g['ic_s']} s): {bad} moved: {g} != snapshot {w}"
