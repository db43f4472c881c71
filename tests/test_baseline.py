"""The athlete's bests from earlier sessions (gaitcore.baseline) in the reps' quality."""
import json
import subprocess
import sys

import pytest

from gaitcore import analyze, read
from gaitcore.baseline import Baseline, DrillBest, read_baseline
from gaitcore.errors import UsageError
from test_reps import BUNDLED, ROOT


def _earlier(path, athlete="demo athlete", reps=()):
    path.write_text(json.dumps({"session": {"athlete": athlete}, "reps": list(reps)}))
    return path


def _rep(drill, speed=None, lift=None, rest=False):
    return {"drill": drill, "rest": rest, "metrics": {"top_speed_mps": speed, "foot_lift_m": {"mean": lift}}}


def test_the_bests_of_earlier_analyses(tmp_path):
    a = _earlier(tmp_path / "a.json", reps=[_rep("sprint", 9.8), _rep("high_knees", None, 0.41),
                                            _rep("walk", 1.5, None, rest=True)])
    b = _earlier(tmp_path / "b.json", reps=[_rep("sprint", 10.2, None), _rep("high_knees", 4.0, 0.38)])
    base = read_baseline([a, b], "demo athlete")
    assert base.top_speed_mps("sprint") == 10.2 and base.foot_lift_m("high_knees") == 0.41
    assert base.top_speed_mps("walk") is None and base.top_speed_mps("skip") is None
    assert base.sessions == (str(a), str(b)) and base.athlete == "demo athlete"


@pytest.mark.parametrize("text, says", [
    ("{}", "not the JSON of a gait analysis"),
    ("not json", "not the JSON of a gait analysis"),
    ('{"session": {"athlete": "B. Other"}, "reps": []}', "a session of 'B. Other', not of 'demo athlete'"),
])
def test_a_file_that_is_no_baseline_is_refused_in_one_line(tmp_path, text, says):
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(UsageError, match=says) as e:
        read_baseline([path], "demo athlete")
    assert str(path) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(UsageError, match="cannot read it"):
        read_baseline([tmp_path / "missing.json"])


def test_the_quality_counts_the_earlier_best():
    """The bundled session's sprint rep is its own best (9.5 m/s simulated); against an
    earlier best of 10.5 m/s it is at 90% of it, below the 95% target, and its quality
    falls; the drills with no earlier best keep their score."""
    alone = analyze(read(BUNDLED))
    base = Baseline((DrillBest("sprint", 10.5, None),), ("earlier.json",), "demo athlete")
    with_base = analyze(read(BUNDLED), baseline=base)
    sprint, sprint0 = with_base.reps[0], alone.reps[0]
    ratio = 100.0 * sprint.metrics.top_speed_mps / 10.5
    assert 88.0 < ratio < 92.0
    assert f"top speed {ratio:.0f}% of your best over this session and 1 earlier one (target 95%)" \
        in sprint.quality.reasons, sprint.quality.reasons
    assert "top speed 100% of the session's best (target 95%)" in sprint0.quality.reasons
    assert sprint.quality.score < sprint0.quality.score - 5.0
    assert [r.quality.score for r in with_base.reps[1:]] == [r.quality.score for r in alone.reps[1:]]


def test_gait_analyze_takes_a_baseline(tmp_path):
    run = (lambda *a: subprocess.run([sys.executable, "-m", "sprintgait", "analyze", str(BUNDLED), *a],
                                     capture_output=True, text=True, cwd=ROOT))
    first = run("--json")
    assert first.returncode == 0, first.stderr
    (tmp_path / "earlier.json").write_text(first.stdout)
    again = run("--json", "--baseline", str(tmp_path / "earlier.json"))
    assert again.returncode == 0, again.stderr
    reasons = [x for r in json.loads(again.stdout)["reps"] for x in r["reasons"]]
    assert "top speed 100% of your best over this session and 1 earlier one (target 95%)" in reasons, reasons
    out = tmp_path / "report"
    bad = run("--baseline", str(_earlier(tmp_path / "other.json", athlete="B. Other")), "--out", str(out))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "not of 'demo athlete'" in bad.stderr, bad.stderr
    assert not out.exists()
