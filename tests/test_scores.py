"""A rep's quality score (gaitcore.scores)."""
from dataclasses import replace
from pathlib import Path

import pytest

from gaitcore import analyze, read
from gaitcore.drills import load_catalog
from gaitcore.reps import reps_of, sets_of
from test_reps import BUNDLED

CATALOG = load_catalog(Path("/nonexistent"))


@pytest.fixture(scope="module")
def bundled():
    return analyze(read(BUNDLED))


def test_the_bundled_reps_are_good_ones(bundled):
    """The simulated session's reps are steady and even: each scores 95 or more, with the
    criteria of its drill among the reasons."""
    assert [r.quality.score >= 95 for r in bundled.reps] == [True] * 3, [r.quality for r in bundled.reps]
    sprint, skip, knees = bundled.reps
    assert any("top speed" in x for x in sprint.quality.reasons)
    assert any("contacts under 250 ms" in x for x in skip.quality.reasons)
    assert any("foot lift" in x for x in knees.quality.reasons)
    assert all(any("left/right contact time" in x for x in r.quality.reasons) for r in bundled.reps)
    d = skip.to_dict()
    assert d["quality"] == skip.quality.score and d["reasons"] == list(skip.quality.reasons)


def test_contacts_lengthening_within_a_rep_cost_points(bundled):
    """The A-skips' last third of contacts made 45 ms longer (three times the timing's
    noise): the lengthening criterion scores a third, the rep about 22 points less."""
    skip = bundled.reps[1]
    mine = [s for s in bundled.steps if s.rep == skip.index]
    last = {id(s) for s in mine[len(mine) - len(mine) // 3:]}
    tired = tuple(replace(s, contact_s=s.contact_s + 0.045) if id(s) in last and s.contact_s is not None else s
                  for s in bundled.steps)
    again = reps_of(tired, [r.push_off_s for r in bundled.reps], catalog=CATALOG)[1]
    assert again.recognised.drill == "skip"
    assert any("+4" in x and "first third to its last" in x for x in again.quality.reasons), again.quality
    assert skip.quality.score - again.quality.score > 15, (skip.quality, again.quality)


def test_a_slower_sprint_is_judged_against_the_best(bundled):
    """Two sprint reps, the second at 90% of the first's speed: it meets half the speed
    criterion (the target 95% of the best, zero at 85%)."""
    sprint = [s for s in bundled.steps if s.rep == 0]
    later = [replace(s, rep=1, ic_s=s.ic_s + 30.0, to_s=None if s.to_s is None else s.to_s + 30.0,
                     speed_mps=None if s.speed_mps is None else 0.9 * s.speed_mps) for s in sprint]
    reps = reps_of(tuple(sprint + later), catalog=CATALOG)
    assert [r.drill for r in reps] == ["sprint", "sprint"]
    assert any("top speed 100% of the session's best" in x for x in reps[0].quality.reasons)
    assert any("top speed 90% of the session's best (target 95%)" in x for x in reps[1].quality.reasons)
    assert reps[0].quality.score - reps[1].quality.score == pytest.approx(100 * 0.5 / 3, abs=0.2)
    (s,) = sets_of(reps, CATALOG)
    assert s.drill == "sprint" and s.reps == (0, 1) and s.decrement_pct == pytest.approx(5.0, abs=1e-6)
    assert s.best_top_speed_mps == reps[0].metrics.top_speed_mps
