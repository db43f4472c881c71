"""The session plan (gaitcore.plan): what a coach writes, read; and which rep does which item."""
import pytest

from gaitcore.plan import Plan, PlanError, PlannedRep, YARD_M, next_planned, parse_plan, takes_item, try_plan


@pytest.mark.parametrize("text,want", [
    ("2x20 m skips, 20 m high knees, 3 min rest, 6x30 m accel",
     [("skip", 20.0)] * 2 + [("high_knees", 20.0)] + [("acceleration", 30.0)] * 6),
    ("6x30 m fly; 3 min rest", [("sprint", 30.0)] * 6),
    ("fast-feet x3\nbunny hops", [("fast_feet", None)] * 3 + [("bunny_hops", None)]),
    ("2 x 40 yd butt kicks", [("butt_kicks", 40 * YARD_M)] * 2),
    ("high knees 20m x 2, recovery 90 s, A-skip", [("high_knees", 20.0)] * 2 + [("skip", None)]),
    ("Sprint 60 m", [("sprint", 60.0)]),
])
def test_plans_as_coaches_write_them(text, want):
    plan = parse_plan(text)
    assert [(r.drill, None if r.distance_m is None else pytest.approx(r.distance_m)) for r in plan.reps] == want
    assert plan.text == text


@pytest.mark.parametrize("text,item", [
    ("20 m skipz", "20 m skipz"),
    ("2x20 m skips, hihg knees", "hihg knees"),
    ("3 min rest", "3 min rest"),            # no drill at all
    ("0x20 m skips", "0x20 m skips"),
    ("30 m", "30 m"),
])
def test_a_plan_item_that_is_no_drill_is_refused_in_one_line(text, item):
    with pytest.raises(PlanError) as e:
        parse_plan(text)
    assert e.value.item == item and "\n" not in str(e.value) and "gait drills" in str(e.value)
    assert try_plan(text) is None


def planned_items(plan, bouts):
    """The plan's item of each rep (``bouts``: each rep's contact times, in order), by the
    rule the analysis and the live display follow; None for a walk back and after the plan."""
    out, taken = [], 0
    for contacts in bouts:
        item = next_planned(plan, taken)
        took = takes_item(item, contacts)
        out.append(item if took else None)
        taken += took
    return out


def test_walks_back_take_no_item_and_the_plan_runs_out():
    run, walk, lunge = [0.12] * 8, [0.65] * 8, [1.5] * 8
    plan = Plan("p", (PlannedRep("sprint", 30.0), PlannedRep("sprint", 30.0), PlannedRep("skip")))
    got = planned_items(plan, [run, walk, run, walk, run, run])
    assert got == [plan.reps[0], None, plan.reps[1], None, plan.reps[2], None]
    # a planned walk is a rep, not rest
    walks = Plan("w", (PlannedRep("walk"), PlannedRep("sprint")))
    assert planned_items(walks, [walk, walk, run]) == [walks.reps[0], None, walks.reps[1]]
    assert planned_items(None, [walk, run]) == [None, None]
    # planned lunges are taken by a bout of lunges' long contacts, not by the walk back before them
    lunges = Plan("l", (PlannedRep("skip"), PlannedRep("lunges"), PlannedRep("lunges")))
    assert planned_items(lunges, [run, walk, lunge, walk, lunge + [None]]) == [
        lunges.reps[0], None, lunges.reps[1], None, lunges.reps[2]]


def test_the_commands_read_the_plan(tmp_path):
    """gait analyze --plan names the reps and puts the plan's distance among the splits;
    a plan item that is no drill, or an unknown --drill, stops analyze and record in one
    line with exit code 2, writing nothing."""
    import json
    from test_cli import BUNDLED, run
    r = run(["analyze", str(BUNDLED), "--json", "--plan", "30 m accel, 2x20 m skips"])
    assert r.returncode == 0, r.stderr
    reps = json.loads(r.stdout)["reps"]
    assert [(x["drill"], x["drill_source"], x["planned_distance_m"], x["plan_mismatch"]) for x in reps] == [
        ("acceleration", "plan", 30.0, False), ("skip", "plan", 20.0, False), ("skip", "plan", 20.0, True)]
    assert 30.0 in [s["distance_m"] for s in reps[0]["splits"]["at"]]
    for args in (["analyze", str(BUNDLED), "--plan", "20 m skipz", "--out", str(tmp_path / "a")],
                 ["analyze", str(BUNDLED), "--drill", "nodrill", "--out", str(tmp_path / "b")],
                 ["record", "-q", "--pod", "left=/dev/no-such-pod", "--duration", "1", "--plan", "hihg knees",
                  "--out", str(tmp_path / "c.podses")]):
        r = run(args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and r.stderr.startswith("gait: error:"), r.stderr
        assert not any(tmp_path.iterdir()), list(tmp_path.iterdir())


def test_a_planned_drill_done_at_a_walk_is_a_rep_not_a_walk_back():
    """Lunges' contacts are walking-length (1.5 s), so their rep is a bout of walking steps;
    with lunges planned (the catalog marks them ``walking_pace``) it takes its item and is a
    rep; without a plan it reads as a walk back.  The walk back after it is rest either way."""
    from dataclasses import replace

    from gaitcore import analyze
    from gaitcore.simulate import LUNGES, SKIP, WALK, Rep, SessionPlan, simulate_plan
    plan = SessionPlan("lunges", "lunges then skips", "test",
                       (Rep(LUNGES, 12.0), Rep(WALK, 10.0), Rep(SKIP, 20.0)), rest_s=3.0)
    sim = simulate_plan(plan, fs_hz=500.0, seed=3)
    assert "12 m lunges; 3 s standing rest; 10 m walk back (rest)" in sim.recording.session.plan
    out = analyze(sim.recording)
    assert [(r.drill, r.is_rest) for r in out.reps] == [("lunges", False), ("walk", True), ("skip", False)], \
        [(r.drill, r.is_rest, r.recognised) for r in out.reps]
    assert out.reps[0].to_dict()["drill_source"] == "plan" and out.reps[0].recognised.drill == "lunges"
    bare = analyze(replace(sim.recording, session=replace(sim.recording.session, plan=None)))
    assert [(r.drill, r.is_rest) for r in bare.reps] == [("lunges", True), ("walk", True), ("skip", False)]
