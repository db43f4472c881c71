"""Live analysis (firmware_bridge.live): steps as records arrive, replay equal to live,
and `gait replay` equal to `gait analyze`."""
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from firmware_bridge.live import (CatchUp, LiveStep, Notice, Status, TimingLine, Withdrawn, as_dict, final_steps,
                                  replay, replays_what_was_shown)
from firmware_bridge.live_display import item_line, step_line
from firmware_bridge.protocol import decode, encode
from firmware_bridge.session_file import KIND_RX, Record, SessionWriter, read_session
from firmware_bridge.virtual_pod import SAMPLES_PER_FRAME, VirtualPod, VirtualPodConfig, pod_signals, to_counts
from gaitcore.analysis import analyze
from gaitcore.cues import CueParams, walking
from gaitcore.readers import read_recording
from gaitcore.report import summary_text
from gaitcore.signals import Placement, Recording, Segment, Side, TimeOrigin
from gaitcore.steps import MAX_CONTACT_S

from test_virtual_pod import _drive, emulated_pods

ROOT = Path(__file__).resolve().parents[1]
SEED = 3
BASELINE = CueParams().baseline_steps


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Two virtual pods sprinting for 12 s, 1% of frames lost, receipt jitter 0.5-3 ms
    (fake clock, seed 7)."""
    path = tmp_path_factory.mktemp("live") / "sprint.podses"
    pods = []
    for foot in ("left", "right"):
        cfg = VirtualPodConfig(foot, "sprint", SEED, 1000.0, 12.0, loss=0.01)
        pods.append(VirtualPod(cfg, *pod_signals(cfg)[:4]))
    w = SessionWriter.create(path, {"pods": [{"name": f, "placement": f, "framing": "cobs"}
                                             for f in ("left", "right")]})
    _drive(w, pods, (0.0021, 0.0137), 12.1, np.random.default_rng(7))
    return path


def test_live_steps_are_the_analysis_contacts(session):
    s = read_session(session)
    items = replay(s.records, s.meta)
    steps = final_steps(items)
    rec = read_recording([session])
    out = analyze(rec)
    assert any(isinstance(i, Notice) and "lost" in i.text for i in items)   # the lost frames are told
    # the report's times are the ones shown live: the session's clock, not its first sample's
    assert rec.time_origin is TimeOrigin.SESSION_START and out.summary.time_origin is TimeOrigin.SESSION_START
    assert min(x.t_s[0] for x in rec.sensors) > 0.0005
    assert "times in s since the session's start" in summary_text(out)
    for foot in ("left", "right"):
        live = [x for x in steps if x.foot == foot]
        batch = [x for x in out.steps if x.foot.value == foot]
        assert len(live) == len(batch) >= 15, (foot, len(live), len(batch))
        for x, y in zip(live, batch):
            assert abs(x.ic_s - y.ic_s) < 0.001, (foot, x.ic_s, y.ic_s)
            assert (x.contact_s is None) == (y.contact_s is None)
            if x.contact_s is not None:
                assert abs(x.contact_s - y.contact_s) < 0.001, (foot, x, y)
    # later steps carry the cross-foot values and the rep's baseline
    assert any(x.flight_before_s is not None and x.cadence_spm is not None for x in steps)
    # and the stride into them, from the pod's running trajectory: the analysis's (its times
    # are the pod's sample clock where the analysis's are the session's fitted one)
    for foot in ("left", "right"):
        live = [x for x in steps if x.foot == foot]
        batch = [x for x in out.steps if x.foot.value == foot]
        pairs = [(x.last_stride_m, y.stride_length_m, x.last_speed_mps, y.speed_mps)
                 for x, y in zip(live[1:], batch[:-1])]
        assert all(a is not None for p in pairs[:-1] for a in p) and len(pairs) >= 15
        assert all(abs(a - b) <= 0.0011 for a, b, _, _ in pairs if b is not None), pairs
        assert all(abs(c / d - 1) < 0.005 for _, _, c, d in pairs if d is not None), pairs
    assert any(x.contact_change_pct is not None for x in steps)


def _flights_and_steps_as_analysis(live: list, batch: list) -> tuple[int, int]:
    """Each flight shown before a contact is the analysis's flight after the contact before
    it, each step time the analysis's for the contact (within 0.5 ms); returns how many of
    each were compared.  Not after either foot's last contact: the analysis never confirms
    the toe-off of a foot that stands at the end, live shows the one its detector holds."""
    by_ic = sorted(batch, key=lambda y: y.ic_s)
    end_s = min(max(y.ic_s for y in batch if y.foot.value == f) for f in ("left", "right"))
    n_flight = n_step = 0
    for x in live:
        if x.ic_s > end_s + 1e-3:
            continue
        here = min(by_ic, key=lambda y: abs(y.ic_s - x.ic_s) + (y.foot.value != x.foot))
        prev = [y for y in by_ic if y.ic_s < x.ic_s - 1e-3]   # (the JSON rounds to 0.1 ms)
        if x.flight_before_s is not None:
            assert prev and prev[-1].flight_s is not None, (x, prev[-1:])
            assert abs(prev[-1].flight_s - x.flight_before_s) < 5e-4, (x, prev[-1])
            n_flight += 1
        if x.step_time_s is not None:
            assert here.step_time_s is not None and abs(here.step_time_s - x.step_time_s) < 5e-4, (x, here)
            n_step += 1
    return n_flight, n_step


def _order_faults(items: list) -> list:
    """The new step lines (not revisions) shown before a line of the same pod that came
    later, or before a line of another pod that came later without a catch-up line
    heading them (a block of the pod's steps under a CatchUp line lasts until a line of
    another pod, or one of its own that is not older than the others' shown ones)."""
    newest, block, faults = {}, None, []
    for it in items:
        if isinstance(it, CatchUp):
            block = it.pod
        elif isinstance(it, LiveStep) and not it.revised:
            if it.ic_s < newest.get(it.pod, -np.inf):
                faults.append(("own", it.pod, round(it.ic_s, 3), round(newest[it.pod], 3)))
            ahead = max((t for pod, t in newest.items() if pod != it.pod), default=-np.inf)
            if it.ic_s >= ahead:
                block = None
            elif block != it.pod:
                faults.append(("across", it.pod, round(it.ic_s, 3), round(ahead, 3)))
            newest[it.pod] = max(newest.get(it.pod, -np.inf), it.ic_s)
    return faults


def _session_late_right(path: Path, drill: str, late_s: float, duration_s: float = 16.0) -> tuple[list, dict]:
    """Two virtual pods (seed 3, 1% frames lost) whose right pod's first ``late_s`` of
    frames never arrived (it connected late), written to ``path``: its records and metadata."""
    src = path.with_name(path.stem + "_src.podses")
    pods = []
    for foot in ("left", "right"):
        cfg = VirtualPodConfig(foot, drill, SEED, 1000.0, duration_s, loss=0.01)
        pods.append(VirtualPod(cfg, *pod_signals(cfg)[:4]))
    meta = {"pods": [{"name": f, "placement": f, "framing": "cobs"} for f in ("left", "right")]}
    _drive(SessionWriter.create(src, meta), pods, (0.0021, 0.0137), duration_s + 0.1, np.random.default_rng(7))
    s = read_session(src)
    w = SessionWriter.create(path, s.meta)
    for r in s.records:
        if not (r.pod == 1 and r.t_ns * 1e-9 < late_s):
            w.record(r.kind, r.pod, r.t_ns, r.payload)
    w.close()
    s = read_session(path)
    return s.records, s.meta


def test_both_warm_up_backlogs_show_merged_in_time_order(session):
    """The sprint's pods learn how they sit 0.5 s apart (left at 5.0 s, right at 5.5 s):
    left's steps wait for right's, and both backlogs show as one, in time order, every
    step after the first with its flight and step time from the other foot's contacts
    before it, as the analysis has them (the first pod's backlog had none, the other
    foot's contacts not being known yet, and showed before the other's older steps)."""
    s = read_session(session)
    items = replay(s.records, s.meta)
    assert _order_faults(items) == []
    ready = [i for i in items if isinstance(i, Status) and "ready" in i.text]
    assert [i.pod for i in ready] == ["left", "right"] and ready[1].t_s - ready[0].t_s < 1.0, ready
    assert any(isinstance(i, Status) and i.pod == "left" and "wait" in i.text and "right" in i.text for i in items)
    steps = final_steps(items)
    backlog = [x for x in steps if x.ic_arrival_s < ready[1].t_s]
    assert {x.foot for x in backlog} == {"left", "right"} and len(backlog) >= 12, backlog
    assert [x.ic_s for x in backlog] == sorted(x.ic_s for x in backlog)
    assert all(x.flight_before_s is not None and x.step_time_s is not None for x in backlog[1:]), backlog
    batch = analyze(read_recording([session])).steps
    n_flight, n_step = _flights_and_steps_as_analysis(steps, batch)
    assert n_flight >= 35 and n_step >= 35, (n_flight, n_step)


@pytest.mark.parametrize("drill", ["sprint", "bunny_hops"])
def test_steps_show_in_time_order_or_under_a_catch_up_line(drill, tmp_path):
    """Two pods without --mounting-from whose warm-ups end more than WARMUP_HOLD_S apart
    (the right pod connected 4 s late, seed 3: it learns how it sits 4 s after left):
    each pod's steps show in time order, and right's backlog, older than left's steps
    shown meanwhile, comes under one catch-up line saying from when, up to which of
    left's steps, and why; then both feet go on in time order (bunny hops land on both
    feet within a few ms).  Each contact's last line is still the analysis's contact."""
    path = tmp_path / f"{drill}.podses"
    records, meta = _session_late_right(path, drill, 4.0)
    items = replay(records, meta)
    assert _order_faults(items) == []
    assert _baseline_faults(items) == []     # the block's "vs rep start": the rep's first four contacts in time
    told = [i for i in items if isinstance(i, CatchUp)]
    assert told and told[0].pod == "right" and told[0].ahead_pod == "left", told
    assert "mounting was learned later" in told[0].text and "catching up" in item_line(told[0])
    first = items.index(told[0])
    block = [i for i in items[first + 1:] if isinstance(i, LiveStep)][:5]
    assert block[0].pod == "right" and block[0].ic_s == told[0].from_s < told[0].ahead_s
    assert all(i.ic_s < told[0].ahead_s for i in block if i.pod == "right")
    # the lines before it were left's alone: it said that right's would follow late
    assert any(isinstance(i, Status) and i.pod == "right" and "catching up" in i.text for i in items[:first])
    steps = final_steps(items)
    out = analyze(read_recording([path]))
    for foot in ("left", "right"):
        live = [x for x in steps if x.foot == foot]
        batch = [x for x in out.steps if x.foot.value == foot]
        assert len(live) == len(batch) >= 10, (foot, len(live), len(batch))
        for x, y in zip(live, batch):
            assert abs(x.ic_s - y.ic_s) < 0.001, (foot, x.ic_s, y.ic_s)
            assert (x.contact_s is None) == (y.contact_s is None)


def test_a_contact_without_a_toe_off_says_why(session):
    """The sprint ends with both feet down: right's last contact, and left's, shown early
    from its push-off, never find a toe-off before the session ends.  Their last lines
    say so (not "toe-off found later"), and equal the analysis's contacts (none).  A
    contact that found none before the foot's next one says that."""
    s = read_session(session)
    items = replay(s.records, s.meta)
    steps = final_steps(items)
    open_end = [x for x in steps if x.open_at_end]
    assert {x.foot for x in open_end} == {"left", "right"} and all(x.contact_s is None for x in open_end)
    for x in open_end:
        assert "the session ended before its toe-off" in step_line(x), step_line(x)
    assert any(x.revised for x in open_end)         # left's, shown early with a 61 ms contact
    lines = [step_line(i) for i in items if isinstance(i, LiveStep)]
    assert not any("found later" in x for x in lines if " contact     - ms" in x), lines[-3:]
    batch = analyze(read_recording([session])).steps
    for x in open_end:
        y = min(batch, key=lambda y: abs(y.ic_s - x.ic_s) + (y.foot.value != x.foot))
        assert y.contact_s is None and abs(y.ic_s - x.ic_s) < 0.001, (x, y)
    mid = replace(open_end[0], open_at_end=False, revised=False)
    assert "(no toe-off found before the next contact)" in step_line(mid)
    assert "(revised: no toe-off found before the next contact)" in step_line(replace(mid, revised=True))
    found = replace(steps[5], revised=True)
    assert found.contact_s is not None and "(revised: toe-off found later)" in step_line(found)


DEMO = ROOT / "recordings" / "sprint_session.podses"


@pytest.fixture(scope="module")
def demo():
    """The bundled session replayed: the items shown, the analysis's steps (timing only) and
    the plan's truth (3 s standing; a 40 m sprint braking to a stop; 10 s standing; 20 m
    A-skips; 10 s standing; 20 m high knees; 3 s standing)."""
    s = read_session(DEMO)
    truth = json.loads(DEMO.with_name("sprint_session.truth.json").read_text())
    return replay(s.records, s.meta), analyze(read_recording([DEMO]), trajectory=False).steps, truth


def _truth_contact(x: LiveStep, truth: dict) -> dict:
    c = min(truth["contacts"], key=lambda c: abs(c["ic_s"] - x.ic_s) + (c["foot"] != x.foot))
    assert c["foot"] == x.foot and abs(c["ic_s"] - x.ic_s) < 0.01, (x, c)
    return c


def test_live_reps_are_the_analysis_reps(demo):
    """Each step's rep as live showed it is the analysis's (gaitcore.reps, one rule): the
    bundled session's three reps, in the truth's order."""
    items, batch, truth = demo
    steps = final_steps(items)
    assert len(steps) == len(batch)
    for x in steps:
        y = min(batch, key=lambda y: abs(y.ic_s - x.ic_s) + (y.foot.value != x.foot))
        assert x.rep == y.rep == _truth_contact(x, truth)["rep"], (x, y)
    assert sorted({x.rep for x in steps}) == [0, 1, 2]


def test_standing_between_reps_is_shown_as_the_foot_at_rest(demo):
    """Each foot's last contact of a rep is the athlete standing, longer than MAX_CONTACT_S:
    its line says in plain words that the foot came to rest, with no contact time, as the
    analysis has it (no to_s: standing, not a step); no line shows a longer contact time
    (the 10.8 s rest after the sprint read as a 10773 ms contact), and every contact's
    last line is the analysis's."""
    items, batch, truth = demo
    lines = [i for i in items if isinstance(i, LiveStep)]
    too_long = [step_line(x) for x in lines if x.contact_s is not None and x.contact_s > MAX_CONTACT_S]
    assert not too_long, too_long
    steps = final_steps(items)
    stops = [_truth_contact(x, truth) for x in steps if "came to rest" in step_line(x)]
    assert stops == [c for c in truth["contacts"] if c["to_s"] is None] and len(stops) == 6, stops
    for x in steps:
        if "came to rest" in step_line(x):
            assert x.at_rest and x.contact_s is None and x.to_arrival_s is None, x
    for foot in ("left", "right"):
        live = [x for x in steps if x.foot == foot]
        mine = [y for y in batch if y.foot.value == foot]
        assert len(live) == len(mine) == 63, (foot, len(live), len(mine))
        for x, y in zip(live, mine):
            assert abs(x.ic_s - y.ic_s) < 0.001, (x, y)
            assert (x.contact_s is None) == (y.contact_s is None), (x, y)
            if x.contact_s is not None:
                assert abs(x.contact_s - y.contact_s) < 0.001, (x, y)


def test_a_rep_ends_when_the_athlete_stands(demo):
    """Every line is in the rep the coach sees, the plan's: a foot's stop belongs to the rep
    it ended (the right foot's stop after the sprint was the first line of rep 2, shown
    after the skips had begun), and it is shown before the next rep's first line."""
    items, _, truth = demo
    lines = [i for i in items if isinstance(i, LiveStep)]
    wrong = [(step_line(x), _truth_contact(x, truth)["rep"] + 1) for x in lines
             if x.rep != _truth_contact(x, truth)["rep"]]
    assert not wrong, wrong
    for rep in (0, 1):
        stops = [k for k, x in enumerate(items) if isinstance(x, LiveStep) and x.rep == rep and x.at_rest]
        first_of_next = next(k for k, x in enumerate(items) if isinstance(x, LiveStep) and x.rep == rep + 1)
        assert len(stops) == 2 and max(stops) < first_of_next, (rep, stops, first_of_next)


def _baseline_faults(items: list) -> list:
    """The new step lines whose "vs rep start" baseline is not the median contact time of the
    first CueParams.baseline_steps contacts in time of its rep among the lines shown before it (each
    contact's latest line, walking steps left out; none when the step is itself among the first ones)."""
    known, faults = {}, []
    for it in items:
        if isinstance(it, Withdrawn):
            known.pop((it.pod, it.ic_s), None)
        elif isinstance(it, LiveStep):
            if not it.revised:
                first = sorted((ic, c) for (_, ic), (rep, c) in known.items()
                               if rep == it.rep and c is not None and not walking(c) and ic < it.ic_s)[:BASELINE]
                want = float(np.median([c for _, c in first])) if len(first) == BASELINE else None
                if (want is None) != (it.baseline_contact_s is None) \
                        or want is not None and abs(want - it.baseline_contact_s) > 1e-9:
                    faults.append((it.pod, round(it.ic_s, 3), it.rep, it.baseline_contact_s, want))
            known[(it.pod, it.ic_s)] = (it.rep, it.contact_s)
    return faults


def test_a_reps_baseline_is_its_own_first_four_contacts(demo):
    """After each rest, "vs rep start" compares with the rep's own first four contacts (the
    right foot's 11 s stop was the skips' baseline, so every skip read -95%); no standing
    contact enters a baseline, and the first skips and high knees are within a few percent
    of theirs."""
    items, _, _ = demo
    assert _baseline_faults(items) == []
    steps = final_steps(items)
    for rep in (1, 2):
        mine = sorted((x for x in steps if x.rep == rep and x.contact_s is not None), key=lambda x: x.ic_s)
        base = float(np.median([x.contact_s for x in mine[:BASELINE]]))
        assert 0.09 < base < 0.15, (rep, base)
        after = mine[BASELINE:BASELINE + 8]
        assert all(x.baseline_contact_s == pytest.approx(base, abs=1e-9) for x in after), (rep, base, after)
        assert all(abs(x.contact_change_pct) < 10.0 for x in after), [step_line(x) for x in after]


def test_vs_rep_start_in_a_catch_up_block_is_the_reps_first_four_contacts_in_time(session, tmp_path):
    """Left's mounting comes from an earlier session, right learns how it sits in this one:
    left's steps show while it does, and right's backlog follows under a catch-up line.
    Right's first contacts are among the rep's first four in time, so its first two lines
    show no change from the rep's start, and the later ones compare with those four (they
    compared with the first four shown, left's alone)."""
    from calibration.mounting import mountings_from_session
    cals = mountings_from_session(session, ["left"])
    s = read_session(session)
    path = tmp_path / "left_mounted.podses"
    w = SessionWriter.create(path, {**s.meta, "mounting": {k: c.to_dict() for k, c in cals.items()}})
    for r in s.records:
        w.record(r.kind, r.pod, r.t_ns, r.payload)
    w.close()
    s = read_session(path)
    items = replay(s.records, s.meta)
    told = [i for i in items if isinstance(i, CatchUp)]
    assert told and told[0].pod == "right" and "mounting was learned later" in told[0].text, told
    block = [i for i in items[items.index(told[0]) + 1:] if isinstance(i, LiveStep)][:4]
    assert [i.pod for i in block] == ["right"] * 4
    left = sorted(i.ic_s for i in items if isinstance(i, LiveStep) and i.pod == "left")
    assert block[0].ic_s < left[1] and block[1].ic_s < left[2]      # among the rep's first four
    assert block[0].contact_change_pct is None and block[1].contact_change_pct is None, block[:2]
    assert _order_faults(items) == [] and _baseline_faults(items) == []


def test_a_stop_shown_early_is_revised_to_the_foot_at_rest(tmp_path):
    """The 12 s sprint (seed 3, 1% of frames lost) with its final standing held 3 s longer:
    left's stop, shown early from its braking push-off (a 61 ms contact), is revised to say
    that the foot came to rest as soon as the athlete has stood MAX_CONTACT_S on it, not when
    the session ends; both stops are the analysis's contacts without a contact time."""
    path = tmp_path / "stands.podses"
    pods = []
    for foot in ("left", "right"):
        cfg = VirtualPodConfig(foot, "sprint", SEED, 1000.0, 12.0, loss=0.01)
        acc, gyr, acc_g, gyr_dps = pod_signals(cfg)[:4]
        held = 3000                                   # 3 s more of its last sample: standing
        pods.append(VirtualPod(cfg, np.concatenate([acc, np.repeat(acc[-1:], held, axis=0)]),
                               np.concatenate([gyr, np.repeat(gyr[-1:], held, axis=0)]), acc_g, gyr_dps))
    w = SessionWriter.create(path, {"pods": [{"name": f, "placement": f, "framing": "cobs"}
                                             for f in ("left", "right")]})
    _drive(w, pods, (0.0021, 0.0137), 15.1, np.random.default_rng(7))
    s = read_session(path)
    shown, _ = _when_shown(s.records, s.meta)
    (_, early), (t_rest, rest) = [(t, i) for t, i in shown if isinstance(i, LiveStep) and i.pod == "left"][-2:]
    assert early.contact_s is not None and early.contact_s < 0.1 and not early.at_rest, early
    assert rest.ic_s == early.ic_s and rest.revised and rest.at_rest and rest.contact_s is None, rest
    assert MAX_CONTACT_S < t_rest - rest.ic_s < MAX_CONTACT_S + 0.05, t_rest - rest.ic_s
    assert "(revised: came to rest" in step_line(rest)
    steps = final_steps(replay(s.records, s.meta))
    batch = analyze(read_recording([path]), trajectory=False).steps
    assert [(x.foot, x.at_rest) for x in steps[-2:]] == [("left", True), ("right", True)], steps[-2:]
    for foot in ("left", "right"):
        live = [x for x in steps if x.foot == foot]
        mine = [y for y in batch if y.foot.value == foot]
        assert len(live) == len(mine) >= 15
        for x, y in zip(live, mine):
            assert (x.contact_s is None) == (y.contact_s is None), (x, y)


def _hops_live_and_analysis(path: Path, duration_s: float) -> tuple[list, dict]:
    """Two virtual pods doing bunny hops (seed 3) written to ``path``: the items live shows
    and the analysis."""
    pods = []
    for foot in ("left", "right"):
        cfg = VirtualPodConfig(foot, "bunny_hops", SEED, 1000.0, duration_s)
        pods.append(VirtualPod(cfg, *pod_signals(cfg)[:4]))
    w = SessionWriter.create(path, {"pods": [{"name": f, "placement": f, "framing": "cobs"}
                                             for f in ("left", "right")]})
    _drive(w, pods, (0.0021, 0.0137), duration_s + 0.1, np.random.default_rng(7))
    s = read_session(path)
    return replay(s.records, s.meta), analyze(read_recording([path]))


def test_live_cadence_is_per_stride_as_in_the_analysis(tmp_path):
    """Bunny hops (seed 3): both feet land within a few ms, so a cadence per step read
    thousands of steps a minute for the second foot.  Live shows two steps per the
    stride that just ended, the analysis's cadence of the contact before."""
    items, out = _hops_live_and_analysis(tmp_path / "hops.podses", 12.0)
    steps = final_steps(items)
    for foot in ("left", "right"):
        live = [x for x in steps if x.foot == foot]
        batch = [x for x in out.steps if x.foot.value == foot]
        assert len(live) == len(batch) >= 12 and live[0].cadence_spm is None, foot
        for x, y in zip(live[1:], batch):
            assert abs(x.cadence_spm - y.cadence_spm) < 0.5 and x.cadence_spm < 300, (foot, x, y)
    # the analysis's step times: the few ms between the two landings, whichever foot was first
    assert all(x.step_time_s is None or x.step_time_s < 0.03 for x in out.steps)


def test_each_hop_landing_carries_the_few_ms_between_the_feet(tmp_path):
    """Bunny hops (seed 3, 30 s): both feet land within a few ms, and each one's step time
    is the few ms between the two landings, as in the analysis, whichever foot landed
    first: the one that did counts the partner's landing while that foot is still down
    (it was paired with the partner's previous landing: a whole hop, 0.52-0.55 s)."""
    items, out = _hops_live_and_analysis(tmp_path / "hops.podses", 30.0)
    n = 0
    for x in final_steps(items):
        y = min(out.steps, key=lambda y: abs(y.ic_s - x.ic_s) + (y.foot.value != x.foot))
        if x.step_time_s is not None:
            assert abs(x.step_time_s - y.step_time_s) < 5e-4, (x, y)
            n += 1
    # the backlog left showed before right's contacts were known (right learned how it sits
    # 3.3 s after left, past WARMUP_HOLD_S) had none: each gets it from a timing line after
    # right's older steps caught up
    k = next(k for k, i in enumerate(items) if isinstance(i, CatchUp))
    untimed = {(i.pod, i.ic_s) for i in items[:k] if isinstance(i, LiveStep) and i.step_time_s is None}
    timed = {(i.pod, i.ic_s) for i in items[k:] if isinstance(i, TimingLine) and i.step_time_s is not None}
    assert len(untimed) >= 5 and untimed <= timed and {p for p, _ in untimed} == {"left"}, (untimed, timed)
    assert all(x.step_time_s is not None for x in final_steps(items)[1:])
    assert n >= 2 * 30, n
    assert sum(x.step_time_s is not None for x in out.steps) >= 2 * 12 - 1


def _cadence_as_analysis(live: list, batch: list) -> int:
    """Each shown step's cadence is the analysis's for the contact before (both None or
    within 0.5 steps/min); returns how many were compared with a value."""
    assert len(live) == len(batch)
    for x, prev in zip(live[1:], batch):
        assert (x.cadence_spm is None) == (prev.cadence_spm is None), (x, prev)
        if x.cadence_spm is not None:
            assert abs(x.cadence_spm - prev.cadence_spm) < 0.5, (x, prev)
    return sum(x.cadence_spm is not None for x in live)


def test_live_cadence_after_a_withdrawn_swing_artefact(real_data, tmp_path):
    """PyShoe jogging trial 11-13-41 sent through one pod: a contact shown and then withdrawn
    as a swing artefact does not start the next stride (it read 1530 steps/min)."""
    sensor = read_recording([real_data / "pyshoe_vicon" / "2017-11-27-11-13-41.mat"]).sensors[0]
    path = tmp_path / "jog.podses"
    _pod_session(path, sensor, 200)
    s = read_session(path)
    items = replay(s.records, s.meta)
    assert any(isinstance(i, Withdrawn) for i in items)
    assert _cadence_as_analysis(final_steps(items), analyze(read_recording([path])).steps) >= 15


def _unlike_the_analysis(live: list, batch: list) -> list:
    """Each difference between a step's last shown figures and the analysis's (field, IC,
    foot, live, analysis): its contact time and step time, the flight before it (the
    analysis's flight of the step before it, either foot's) and the cadence of the stride
    that ended at it (the analysis's of this foot's contact before).  Known on one side only
    is a difference; values differ past 0.5 ms, or 0.1 steps/min (the live session clock is
    a causal offset, the analysis's a fit over the session: docs/pipeline.md)."""
    order = sorted(batch, key=lambda y: (y.ic_s, y.foot.value))
    out = []
    for x in live:
        k = min(range(len(order)), key=lambda k: abs(order[k].ic_s - x.ic_s) + (order[k].foot.value != x.foot))
        y = order[k]
        own = [z for z in order[:k] if z.foot == y.foot]
        want = {"contact_s": y.contact_s, "step_time_s": y.step_time_s,
                "flight_before_s": order[k - 1].flight_s if k else None,
                "cadence_spm": own[-1].cadence_spm if own else None}
        for f, v in want.items():
            got = getattr(x, f)
            tol = 0.1 if f == "cadence_spm" else 5e-4
            if (got is None) != (v is None) or got is not None and abs(got - v) > tol:
                out.append((f, round(x.ic_s, 4), x.foot, got, v))
    return out


@pytest.mark.parametrize("drill", ["skips", "fast_feet", "butt_kicks"])
def test_each_step_ends_as_the_analysis_has_it_with_frame_loss(drill, tmp_path):
    """Two virtual pods (seed 3, 20 s, 2% of frames lost, one loss of each pod too long to
    bridge): every step's last shown contact time, step time, flight and cadence are the
    analysis's, and known exactly where the analysis knows them: a contact whose stance
    a loss cuts has no contact time, an interval across such a loss is unknown once the
    pipeline's contacts stage has the stretch, and in butt kicks right's steps, shown
    before left learned how it sits, get their timing when left's older steps catch up."""
    path = tmp_path / f"{drill}.podses"
    pods = []
    for foot in ("left", "right"):
        cfg = VirtualPodConfig(foot, drill, SEED, 1000.0, 20.0, loss=0.02)
        pods.append(VirtualPod(cfg, *pod_signals(cfg)[:4]))
    _drive(SessionWriter.create(path, {"pods": [{"name": f, "placement": f, "framing": "cobs"}
                                                for f in ("left", "right")]}),
           pods, (0.0021, 0.0137), 20.1, np.random.default_rng(7))
    s = read_session(path)
    items = replay(s.records, s.meta)
    lost_ms = [int(i.text.split("(")[1].split()[0]) for i in items if isinstance(i, Notice) and "lost" in i.text]
    assert sum(ms > 20 for ms in lost_ms) >= 2, lost_ms
    live = final_steps(items)
    batch = analyze(read_recording([path])).steps
    assert len(live) == len(batch) >= 55
    assert _unlike_the_analysis(live, batch) == []
    assert sum(x.step_time_s is None for x in live) >= 2       # (the first, and across the losses)
    if drill == "butt_kicks":
        timed = [i for i in items if isinstance(i, TimingLine)]
        assert any(isinstance(i, CatchUp) for i in items) and timed
        assert "timed again" in item_line(timed[0]) and f"{timed[0].ic_s:8.2f} s" in item_line(timed[0])


def test_live_cadence_and_flight_not_across_lost_frames(tmp_path):
    """A jog (seed 3) whose left pod loses 0.25 s of frames holding a landing: no cadence
    for the stride across it (it read half the cadence), as in the analysis, and every flight
    shown is the analysis's."""
    src, path = tmp_path / "jog.podses", tmp_path / "lost.podses"
    pods = []
    for foot in ("left", "right"):
        cfg = VirtualPodConfig(foot, "jog", SEED, 1000.0, 14.0)
        pods.append(VirtualPod(cfg, *pod_signals(cfg)[:4]))
    meta = {"pods": [{"name": f, "placement": f, "framing": "cobs"} for f in ("left", "right")]}
    _drive(SessionWriter.create(src, meta), pods, (0.0021, 0.0137), 14.1, np.random.default_rng(7))
    s = read_session(src)
    w = SessionWriter.create(path, s.meta)
    for r in s.records:
        if r.kind == KIND_RX and not (r.pod == 0 and 8.0 <= r.t_ns * 1e-9 < 8.25):
            w.rx(r.pod, r.t_ns, r.payload)
    w.close()
    s = read_session(path)
    live = final_steps(replay(s.records, s.meta))
    batch = analyze(read_recording([path])).steps
    left = [x for x in live if x.foot == "left"]
    after = next(x for x in left if x.ic_s > 8.25)
    assert after.cadence_spm is None, after
    # every flight and step shown is the analysis's, and none spans the loss
    for x in live:
        for since in (x.flight_before_s, x.step_time_s):
            assert since is None or x.ic_s - since >= 8.25 or x.ic_s <= 8.0, x
    assert min(_flights_and_steps_as_analysis(live, batch)) >= 10
    for foot in ("left", "right"):
        _cadence_as_analysis([x for x in live if x.foot == foot], [y for y in batch if y.foot.value == foot])


def test_the_warm_up_is_told_before_its_steps(session):
    """Without a mounting, each pod says at once that it is learning how it sits, then
    that it is ready, and only then shows its steps (the backlog); the pod ready first
    says that its steps wait for the other's warm-up."""
    s = read_session(session)
    items = replay(s.records, s.meta)
    for pod in ("left", "right"):
        mine = [i for i in items if getattr(i, "pod", None) == pod and isinstance(i, (Status, LiveStep))]
        status = [k for k, i in enumerate(mine) if isinstance(i, Status)]
        assert "learning how the pod sits" in mine[0].text, mine[:3]
        ready = [k for k in status if "ready" in mine[k].text]
        assert len(ready) == 1 and not any(isinstance(i, LiveStep) for i in mine[:ready[0]])
        assert all(isinstance(i, LiveStep) for i in mine[max(status) + 1:]) and max(status) <= ready[0] + 1, mine[:10]
        assert "learned from" in mine[ready[0]].text
        # a line every 10 s of data while it lasts: the 12 s sprint is learned well before
        texts = [mine[k].text for k in status]
        assert "ready" in texts[1] and len(texts) == (3 if pod == "left" else 2), texts
        assert pod == "right" or "steps wait up to 3 s for right" in texts[2]


def test_a_standing_pod_is_told_it_is_still_warming_up(tmp_path):
    """A pod that only stands for 25 s: a status line every 10 s, no steps, and at the
    end the mounting is fixed on what there was, and that is said."""
    from gaitcore.signals import SensorRecording
    fs, n = 200.0, 5000
    rng = np.random.default_rng(SEED)
    standing = SensorRecording("right", Placement(Side.RIGHT, Segment.FOOT), fs, np.arange(n) / fs,
                               np.array([0.0, 0.0, 9.81]) + rng.normal(0, 0.02, (n, 3)), rng.normal(0, 0.3, (n, 3)))
    path = tmp_path / "standing.podses"
    _pod_session(path, standing, 200)
    s = read_session(path)
    items = replay(s.records, s.meta)
    status = [i.text for i in items if isinstance(i, Status)]
    assert not any(isinstance(i, LiveStep) for i in items)
    assert "learning" in status[0] and sum("still learning" in x for x in status) == 2, status
    assert "fixed on 0 strides" in status[-1] and len(status) == 4, status


def test_a_session_recorded_before_status_lines_still_replays_as_shown():
    step = {"type": "LiveStep", "pod": "left", "ic_s": 1.0}
    status = {"type": "Status", "pod": "left", "t_s": 0.1, "text": "learning"}
    assert replays_what_was_shown([step], [status, step])           # an older session: none recorded
    assert replays_what_was_shown([status, step], [status, step, step])
    assert not replays_what_was_shown([status, step], [step])
    assert not replays_what_was_shown([step], [status, dict(step, ic_s=1.1)])


def test_a_session_shown_before_time_order_replays_pod_by_pod():
    """A session shown live when each pod's backlog came as it was ready (its step lines
    have no open_at_end) had other flights and rep figures for them: it replays as shown
    pod by pod, on what the order does not change, in the order each pod showed them; a
    session shown in time order is compared line by line."""
    def step(pod, ic_s, contact_s, flight_s=None):
        return {"type": "LiveStep", "pod": pod, "foot": pod, "ic_s": ic_s, "contact_s": contact_s,
                "flight_before_s": flight_s, "rep": 0, "revised": False}
    status = {"type": "Status", "pod": "left", "t_s": 0.1, "text": "learning"}
    wait = {"type": "Status", "pod": "left", "t_s": 5.0, "text": "its steps wait"}
    lost = {"type": "Notice", "pod": "right", "t_s": 5.2, "text": "right: 13 samples lost (13 ms)"}
    old = [status, step("left", 2.3, 0.1), lost, step("left", 2.7, 0.1), step("right", 2.5, 0.1)]
    new = [status, wait, lost, *[dict(d, open_at_end=False, at_rest=False) for d in
                                 (step("left", 2.3, 0.1), step("right", 2.5, 0.1, 0.1), step("left", 2.7, 0.1, 0.1))]]
    assert replays_what_was_shown(old, new)
    assert replays_what_was_shown(old[:4], new)                     # killed
    assert not replays_what_was_shown([*old[:4], step("right", 2.5, 0.11)], new)
    assert not replays_what_was_shown([*old[:4], step("right", 2.6, 0.1)], new)
    assert not replays_what_was_shown([dict(status, text="other"), *old[1:]], new)
    assert not replays_what_was_shown([*old[:2], step("left", 2.7, 0.1), step("left", 2.3, 0.1)], new)
    assert replays_what_was_shown(new, [*new, step("left", 3.1, 0.1)])
    assert not replays_what_was_shown([new[0], new[2], new[4], new[3]], new)


def test_a_session_shown_before_the_foot_at_rest_replays_pod_by_pod():
    """A session shown before standing contacts were shown at rest (its step lines have no
    at_rest) showed the 10.8 s standing after a sprint as a contact, at its toe-off, the
    other foot's stop after the next rep's first step (a catch-up block), in rep 2: it
    replays as shown pod by pod, a line now at rest against one with a contact time over
    MAX_CONTACT_S (or none); a shorter contact time, or another contact, is refused."""
    def step(pod, ic_s, contact_s, rep=0, **kw):
        return {"type": "LiveStep", "pod": pod, "foot": pod, "ic_s": ic_s, "ic_arrival_s": round(ic_s + 0.005, 4),
                "to_arrival_s": None if contact_s is None else round(ic_s + contact_s + 0.005, 4),
                "contact_s": contact_s, "rep": rep, "revised": False, "open_at_end": False, **kw}
    catch_up = {"type": "CatchUp", "pod": "right", "t_s": 22.15, "from_s": 11.06, "ahead_pod": "left",
                "ahead_s": 21.85, "text": "right: catching up"}
    old = [step("left", 10.24, 0.193), step("right", 10.52, 0.203), step("left", 10.8, 10.7734),
           step("left", 21.85, 0.124, 1), catch_up, step("right", 11.06, 11.0754, 1), step("left", 22.13, 0.134, 1)]
    new = [dict(d, at_rest=False) for d in old[:2]] + [
        dict(old[2], ic_s=10.8001, contact_s=None, to_arrival_s=None, rep=0, at_rest=True),
        dict(old[5], ic_s=11.0599, contact_s=None, to_arrival_s=None, rep=0, at_rest=True),
        *[dict(d, at_rest=False) for d in (old[3], old[6])]]
    assert replays_what_was_shown(old, new)
    assert replays_what_was_shown(old[:4], new)                                # killed
    assert replays_what_was_shown([*old[:2], dict(old[2], contact_s=None, open_at_end=True)], new)   # at the end
    assert not replays_what_was_shown([*old[:2], dict(old[2], contact_s=0.15)], new)
    assert not replays_what_was_shown([*old[:2], dict(old[2], ic_arrival_s=10.9)], new)
    assert not replays_what_was_shown([*old[:2], dict(old[2], ic_s=10.81)], new)
    assert not replays_what_was_shown([*old[:3], dict(old[3], contact_s=0.125)], new)
    # a session shown with lines at rest is compared line by line
    assert replays_what_was_shown(new[:3], new) and not replays_what_was_shown([*new[:2], new[3], new[2]], new)


def _when_shown(records, meta) -> tuple[list, dict]:
    """(receipt time of the record that produced it, item) for every item shown, and
    when each pod's detector ended its warm-up (it then reports the steps so far at once)."""
    from firmware_bridge.live import feed, new_live_state
    state, out, aligned = new_live_state(meta), [], {}
    for r in records:
        items, state = feed(state, r)
        out += [(r.t_ns * 1e-9, i) for i in items]
        for p in state.pods:
            if p.name not in aligned and p.events is not None and p.events.alignment is not None:
                aligned[p.name] = r.t_ns * 1e-9
    return out, aligned


def test_steps_are_shown_at_the_toe_off_not_mid_swing(session):
    """A sprint step appears within 20 ms of the arrival of the frame holding its
    toe-off (the detector confirms a toe-off only mid-swing, 150-200 ms later), and
    on this simulated sprint no early step needed revising."""
    s = read_session(session)
    shown, aligned = _when_shown(s.records, s.meta)
    steps = [(t, i) for t, i in shown if isinstance(i, LiveStep)]
    timed = [(t, i) for t, i in steps if i.to_arrival_s is not None and i.ic_arrival_s > aligned[i.pod]]
    assert len(timed) >= 10 and not any(i.revised for _, i in steps)
    late = [(round(t - i.to_arrival_s, 3), i.ic_s) for t, i in timed if t - i.to_arrival_s > 0.020]
    assert not late, late


def _pod_session(path, sensor, rate_hz: int):
    """A one-pod session of a real recording sent through the virtual pod's wire format."""
    acc, gyr = to_counts(sensor, 16, 2000)
    cfg = VirtualPodConfig("right", "jog", SEED, float(rate_hz), sensor.n_samples / rate_hz)
    w = SessionWriter.create(path, {"pods": [{"name": "right", "placement": "right", "framing": "cobs"}]})
    _drive(w, [VirtualPod(cfg, acc, gyr, 16, 2000)], (0.0,), sensor.n_samples / rate_hz + 0.2,
           np.random.default_rng(7))


def test_live_on_real_jogging_revises_early_steps_to_the_analysis(real_data, tmp_path):
    """Real heel-strike jogging (PyShoe, 200 Hz): a foot slap can look like a push-off,
    so some steps shown early are revised; each contact's last line equals the analysis."""
    sensor = read_recording([real_data / "pyshoe_vicon" / "2017-11-27-11-12-18.mat"]).sensors[0]
    path = tmp_path / "jog.podses"
    _pod_session(path, sensor, 200)
    s = read_session(path)
    items = replay(s.records, s.meta)
    live = final_steps(items)
    batch = analyze(read_recording([path])).steps
    assert len(live) == len(batch) >= 15
    for x, y in zip(live, batch):
        assert (x.contact_s is None) == (y.contact_s is None)
        if x.contact_s is not None:
            assert abs(x.contact_s - y.contact_s) < 0.006, (x, y)   # one sample at 200 Hz
    revised = [i for i in items if isinstance(i, LiveStep) and i.revised]
    assert revised and len(revised) < len(live) / 3, len(revised)


def test_live_reads_a_movesense_sensor_like_the_analysis(tmp_path):
    """A Movesense sensor's IMU6 packets (8 samples, 208 Hz, a u32 millisecond clock that
    wraps mid-session and runs 0.3% fast, one packet lost, one notified twice): the
    live contacts are the analysis's (the analysis fits the rate the stamps show, live
    uses the subscribed one: 0.3% of a contact)."""
    from firmware_bridge.devices import movesense
    from gaitcore.simulate import drill_by_name, simulate_session

    sim = simulate_session(drill_by_name("sprint"), fs_hz=208.0, duration_s=14.0, seed=SEED)
    sensor = next(x for x in sim.recording.sensors if x.placement.side.value == "left")
    real_hz, spp, start_ms = 208.0 * 1.003, 8, 2 ** 32 - 4000
    path = tmp_path / "movesense.podses"
    w = SessionWriter.create(path, {"pods": [{"name": "left", "url": "ble://Movesense 1?device=movesense&rate=208",
                                              "framing": "movesense"}]})
    rng = np.random.default_rng(11)
    for p in range(sensor.n_samples // spp):
        k0 = p * spp
        stamp = int(np.floor(start_ms + k0 / real_hz * 1000.0)) & 0xFFFFFFFF
        msg = movesense.encode_imu6(1, stamp, sensor.acc_mps2_sf[k0:k0 + spp], sensor.gyr_dps_sf[k0:k0 + spp])
        t_rx = (k0 + spp - 1) / real_hz + 0.01 + rng.exponential(0.005)
        if p == 200:
            continue                                   # lost on the radio
        w.rx(0, int(t_rx * 1e9), msg)
        if p == 250:
            w.rx(0, int((t_rx + 0.001) * 1e9), msg)    # notified twice
    w.close()
    s = read_session(path)
    items = replay(s.records, s.meta)
    live = final_steps(items)
    batch = analyze(read_recording([path])).steps
    assert any(isinstance(i, Notice) and "8 samples lost" in i.text for i in items)
    assert len(live) == len(batch) >= 15, (len(live), len(batch))
    for x, y in zip(live, batch):
        assert (x.contact_s is None) == (y.contact_s is None)
        if x.contact_s is not None:
            assert abs(x.contact_s - y.contact_s) < 0.001, (x, y)


def _movesense_session(path, sensor, gyr_dps):
    from firmware_bridge.devices import movesense
    w = SessionWriter.create(path, {"pods": [{"name": "left", "url": "ble://Movesense 1?device=movesense&rate=208",
                                              "framing": "movesense"}]})
    spp = 8
    for p in range(sensor.n_samples // spp):
        k0 = p * spp
        msg = movesense.encode_imu6(1, int(k0 / 208.0 * 1000.0), sensor.acc_mps2_sf[k0:k0 + spp], gyr_dps[k0:k0 + spp])
        w.rx(0, int(((k0 + spp - 1) / 208.0 + 0.01) * 1e9), msg)
    w.close()
    return read_session(path)


@pytest.mark.parametrize("row", [1500, 1503, 1504])   # mid-packet, a packet's last, a packet's first
def test_live_repairs_an_unreadable_sample_like_the_analysis(row, tmp_path):
    """A float stream (Movesense) can carry a value no IMU gives (its decoder refuses a
    packet holding NaN): live reads it as the analysis does (a lone bad row interpolated,
    told in one line), so the contacts do not move; taken as motion, a 1e30 moved a sprint
    contact by 5 ms, and taken as a gap it lost one."""
    from gaitcore.simulate import drill_by_name, simulate_session

    sim = simulate_session(drill_by_name("sprint"), fs_hz=208.0, duration_s=14.0, seed=SEED)
    sensor = next(x for x in sim.recording.sensors if x.placement.side.value == "left")
    s = _movesense_session(tmp_path / "clean.podses", sensor, sensor.gyr_dps_sf)
    clean = final_steps(replay(s.records, s.meta))
    for bad in (1e30, -2e5):
        gyr = sensor.gyr_dps_sf.copy()
        gyr[row, 1] = bad
        path = tmp_path / f"bad{row}.podses"
        path.unlink(missing_ok=True)
        s = _movesense_session(path, sensor, gyr)
        items = replay(s.records, s.meta)
        notices = [i.text for i in items if isinstance(i, Notice) and "unreadable" in i.text]
        assert notices == ["left: 1 unreadable samples (not a number, or past 1000 g or 100,000 deg/s), "
                           "1 of them interpolated"], notices
        live = final_steps(items)
        batch = analyze(read_recording([path])).steps
        assert len(live) == len(clean) == len(batch) >= 20
        for x, c, y in zip(live, clean, batch):
            assert x.ic_s == pytest.approx(c.ic_s, abs=1e-3)
            assert x.ic_s == pytest.approx(y.ic_s, abs=1e-3)     # both on the session's clock
            assert (x.contact_s is None) == (y.contact_s is None)
            if x.contact_s is not None:
                assert abs(x.contact_s - y.contact_s) < 0.001, (x, y)


def test_a_mounting_from_an_earlier_session_shows_steps_from_the_first_stride(session, tmp_path):
    """The same pods with the mounting found in an earlier session (here: the fixture's
    own): no warm-up, so every step, the first ones too, appears within 20 ms of its
    toe-off's arrival, and the analysis of the new session starts from the same mounting
    (its contacts are the live ones)."""
    from calibration.mounting import mountings_from_session, mountings_of
    cals = mountings_from_session(session, ["left", "right"])
    s = read_session(session)
    path = tmp_path / "mounted.podses"
    w = SessionWriter.create(path, {**s.meta, "mounting": {k: c.to_dict() for k, c in cals.items()}})
    for r in s.records:
        w.record(r.kind, r.pod, r.t_ns, r.payload)
    w.close()
    assert set(mountings_of(read_session(path).meta)) == {"left", "right"}
    s2 = read_session(path)
    shown, _ = _when_shown(s2.records, s2.meta)
    assert not any(isinstance(i, Notice) and "differently" in i.text for _, i in shown)
    steps = [(t, i) for t, i in shown if isinstance(i, LiveStep) and i.to_arrival_s is not None]
    first_ic = min(i.ic_s for _, i in steps)
    assert first_ic < 2.6     # the first stride after the 2 s standing start (with warm-up: from about 4 s on)
    late = [(round(t - i.to_arrival_s, 3), i.ic_s) for t, i in steps if t - i.to_arrival_s > 0.020]
    assert not late, late
    live = final_steps(replay(s2.records, s2.meta))
    out = analyze(read_recording([path]))
    batch = out.steps
    assert all(v is not None and v < 5.0 for v in out.per_sensor("mounting_offset_deg").values()), out.summary
    assert len(live) == len(batch) >= 35
    for x, y in zip(live, batch):
        assert (x.contact_s is None) == (y.contact_s is None)
        if x.contact_s is not None:
            assert abs(x.contact_s - y.contact_s) < 0.001, (x, y)


def test_a_pod_strapped_differently_from_its_mounting_is_told(session, tmp_path):
    """The mounting given is 60 deg off how the pod sits: once the session's own strides
    show it, the display says so."""
    from calibration.mounting import mountings_from_session
    cals = {k: c.to_dict() for k, c in mountings_from_session(session, ["left", "right"]).items()}
    c, sn = np.cos(np.radians(60.0)), np.sin(np.radians(60.0))
    turn = np.array([[c, -sn, 0.0], [sn, c, 0.0], [0.0, 0.0, 1.0]])
    cals["left"]["rot_ff_sf"] = (turn @ np.array(cals["left"]["rot_ff_sf"])).tolist()
    s = read_session(session)
    items = replay(s.records, {**s.meta, "mounting": cals})
    told = [i for i in items if isinstance(i, Notice) and "differently" in i.text]
    assert [i.pod for i in told] == ["left"] and "sits 60 deg differently" in told[0].text, told
    # and the analysis of such a session says so too
    path = tmp_path / "off.podses"
    w = SessionWriter.create(path, {**s.meta, "mounting": cals})
    for r in s.records:
        w.record(r.kind, r.pod, r.t_ns, r.payload)
    w.close()
    out = analyze(read_recording([path]))
    off = out.per_sensor("mounting_offset_deg")
    assert 55.0 < off["left"] < 65.0 and off["right"] < 5.0, off
    assert "strapped differently" in summary_text(out)


def test_a_damaged_mounting_is_refused_in_one_line(session, tmp_path):
    s = read_session(session)
    path = tmp_path / "bad.podses"
    w = SessionWriter.create(path, {**s.meta, "mounting": {"left": {"kind": "mounting", "version": 1, "pod": "left",
                                                                      "rot_ff_sf": [[1, 0, 0], [0, 2, 0], [0, 0, 1]]}}})
    w.close()
    r = subprocess.run([sys.executable, "-m", "sprintgait", "replay", str(path)], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 2 and "not a rotation matrix" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_any_split_of_the_received_bytes_shows_the_same(session):
    s = read_session(session)
    ref = [as_dict(i) for i in replay(s.records, s.meta)]
    rng = np.random.default_rng(5)
    for _ in range(3):
        split = []
        for r in s.records:
            if r.kind == KIND_RX and len(r.payload) > 2:
                cuts = sorted(set(rng.integers(1, len(r.payload), size=rng.integers(1, 4)).tolist()))
                parts = [r.payload[a:b] for a, b in zip([0, *cuts], [*cuts, len(r.payload)])]
                split += [Record(r.kind, r.pod, r.t_ns, p) for p in parts]
            else:
                split.append(r)
        assert [as_dict(i) for i in replay(split, s.meta)] == ref


def test_a_session_read_with_other_files_counts_from_the_first_sample(session, tmp_path):
    """A session's clock starts at its own 0, which another file's does not share, so read
    together they are put on their first sample like any set of files, and where that was
    in their clocks is kept in ``t0_s``."""
    from gaitcore.readers import native
    from gaitcore.simulate import drill_by_name, simulate_session
    sim = simulate_session(drill_by_name("jog"), fs_hz=500.0, duration_s=6.0, seed=SEED).recording
    shank = replace(sim.sensors[0], name="left_shank", placement=Placement(Side.LEFT, Segment.SHANK),
                    t_s=sim.sensors[0].t_s + 5.0)
    native.write(tmp_path / "shank.gaitrec", Recording((shank,), "later"))
    one = read_recording([session])
    both = read_recording([session, tmp_path / "shank.gaitrec"])
    first = min(x.t_s[0] for x in one.sensors)
    assert both.time_origin is TimeOrigin.FIRST_SAMPLE and both.t0_s == first > 0
    assert min(x.t_s[0] for x in both.sensors) == 0.0
    assert "times in s since the first sample" in summary_text(analyze(both, trajectory=False))


def test_replay_json_equals_analyze_json(session):
    run = [sys.executable, "-m", "sprintgait"]
    a = subprocess.run(run + ["analyze", str(session), "--json"], capture_output=True, cwd=ROOT)
    b = subprocess.run(run + ["replay", str(session), "--speed", "max", "--json"], capture_output=True, cwd=ROOT)
    assert a.returncode == b.returncode == 0, (a.stderr, b.stderr)
    assert a.stdout == b.stdout and len(json.loads(a.stdout)["steps"]) >= 30


def test_gait_live_with_virtual_pods_then_replay_shows_the_same(tmp_path):
    """End to end in real time: two `gait pod emulate` on pseudo-terminals, `gait live`
    (with the pods' mounting from an earlier session) records and shows until every frame
    of the drill is in the session file, then Ctrl-C; the session holds what was shown,
    and `gait replay` shows the same lines and ends with the same analysis as `gait
    analyze`."""
    from test_virtual_pod import DURATION, _sent, gait_until_every_frame
    out = tmp_path / "live.podses"
    earlier = tmp_path / "earlier.podses"     # the same pods, recorded before (fake clock): their mounting
    w = SessionWriter.create(earlier, {"pods": [{"name": f, "placement": f, "framing": "cobs"}
                                                for f in ("left", "right")]})
    _drive(w, [VirtualPod(c, *pod_signals(c)[:4]) for c in (VirtualPodConfig(f, "sprint", SEED, 1000.0, 10.0)
                                                            for f in ("left", "right"))],
           (0.0, 0.005), 10.1, np.random.default_rng(7))
    losses = {"left": 0.0, "right": 0.005}
    want = {foot: _sent(foot, loss).frames_sent for foot, loss in losses.items()}
    with emulated_pods("sprint", SEED, DURATION, losses) as paths:
        r = gait_until_every_frame(["live", "--pod", f"left={paths[0]}", "--pod", f"right={paths[1]}",
                                    "--duration", "3600", "--out", str(out), "--drill", "sprint",
                                    "--mounting-from", str(earlier)], out, want)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(" contact ") >= 20, r.stdout
    assert set(read_session(out).meta["mounting"]) == {"left", "right"}
    assert "differently" not in r.stdout
    first = min(float(x.split()[0]) for x in r.stdout.splitlines() if " contact " in x)
    streaming = min(r.t_ns for r in read_session(out).records if r.kind == KIND_RX) * 1e-9
    assert first - streaming < 3.0, (streaming, r.stdout)      # from the first stride: no warm-up
    rp = subprocess.run([sys.executable, "-m", "sprintgait", "replay", str(out)], capture_output=True, text=True,
                        cwd=ROOT)
    assert rp.returncode == 0, rp.stderr
    assert "replay matches what was shown live" in rp.stdout, rp.stdout
    live_lines = [x for x in r.stdout.splitlines() if " contact " in x]
    replay_lines = [x for x in rp.stdout.splitlines() if " contact " in x and " rep " in x]
    assert live_lines == replay_lines[:len(live_lines)]


@pytest.mark.parametrize("args,msg", [
    (["replay", "/nonexistent.podses"], "not found"),
    (["live", "--pod", "left", "--out", "/tmp/never.podses"], "NAME=URL"),
    (["live", "--pod", "left=loop://", "--out", "x", "--sound", "/nonexistent.wav"], "sound file"),
    (["live", "--pod", "left=loop://", "--out", "x", "--plan", "@/nonexistent.txt"], "cannot read"),
    (["live", "--pod", "left=loop://", "--out", "x", "--mounting-from", "/nonexistent.podses"], "not found"),
])
def test_bad_live_and_replay_arguments(args, msg, tmp_path):
    r = subprocess.run([sys.executable, "-m", "sprintgait", *args], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and msg in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "x").exists()


def test_a_killed_gait_live_replays_what_it_had_shown(tmp_path):
    """SIGKILL `gait live` mid-session (after steps were shown): the session opens, and
    `gait replay` shows the same lines that had been shown up to the kill."""
    import signal
    import time
    out = tmp_path / "killed.podses"
    with emulated_pods("sprint", SEED, 30.0, {"left": 0.0, "right": 0.005}) as paths:
        live = subprocess.Popen([sys.executable, "-m", "sprintgait", "live", "--pod", f"left={paths[0]}", "--pod",
                                 f"right={paths[1]}", "--duration", "3600", "--out", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        # polls until steps were shown, however long that takes (it would record for an hour;
        # the limit only catches a hang); the assertions do not depend on the timing
        try:
            give_up = time.monotonic() + 300.0
            while not out.exists() or out.read_bytes().count(b'"LiveStep"') < 20:
                assert time.monotonic() < give_up and live.poll() is None, live.poll()
                time.sleep(0.1)
        finally:
            live.send_signal(signal.SIGKILL)
            live.wait()
    assert live.returncode == -signal.SIGKILL     # killed mid-session, not ended
    s = read_session(out)
    shown = sum(b'"shown"' in r.payload for r in s.records)
    assert shown >= 20
    rp = subprocess.run([sys.executable, "-m", "sprintgait", "replay", str(out)], capture_output=True, text=True,
                        cwd=ROOT)
    assert rp.returncode == 0, rp.stderr
    assert f"replay matches what was shown live ({shown} lines)" in rp.stdout, rp.stdout


def test_live_gyro_bias_is_the_analysis_standing_calibration(real_data, tmp_path):
    """The x-io short walk stands 14.6 s while its gyro warms up (vertical rate -0.21 deg/s in
    the first second, -0.02 in the last): live takes the bias over the whole standing, as
    the analysis does, not over its first seconds."""
    from firmware_bridge.live import feed, new_live_state
    from gaitcore.trajectory import standing_gyro_bias
    sensor = read_recording([real_data / "xio_gait_tracking" / "short_walk.csv"],
                            placements=["right_foot"]).sensors[0]
    path = tmp_path / "walk.podses"
    _pod_session(path, sensor, 400)
    s = read_session(path)
    state = new_live_state(s.meta)
    for r in s.records:
        _, state = feed(state, r)
    live = np.degrees(state.pods[0].pipe.stride.gyr_bias0_rad_s)
    recorded = read_recording([path]).sensors[0]
    batch = np.degrees(standing_gyro_bias(recorded.acc_mps2_sf, recorded.gyr_dps_sf, recorded.fs_hz))
    first = recorded.gyr_dps_sf[:int(3.5 * recorded.fs_hz)].mean(axis=0)
    assert np.abs(first - batch).max() > 0.05          # the first seconds are not the standing's bias
    assert np.allclose(live, batch, atol=1e-9), (live, batch)


class _PodLosingOneSample(VirtualPod):
    """A pod whose every ``every``-th data frame leaves out its first sample (a sensor
    FIFO overrun): holes of a single sample, which a clean clock must report, not absorb."""

    every = 17

    def due_frames(self, now: float) -> list[bytes]:
        out = []
        for raw in super().due_frames(now):
            f = decode(raw)
            if f.sample_index > 0 and (f.sample_index // SAMPLES_PER_FRAME) % self.every == 0:
                f = replace(f, sample_index=f.sample_index + 1, t_us=f.t_us + round(1e6 / f.odr_hz),
                            acc_raw=f.acc_raw[1:], gyr_raw=f.gyr_raw[1:],
                            mag_raw=None if f.mag_raw is None else f.mag_raw[1:])
                raw = encode(f)
            out.append(raw)
        return out


def test_single_lost_samples_live_like_the_analysis(tmp_path):
    """Live time is the pod's sample index, a clean clock: a one-sample hole is a lost
    sample in live as in the analysis (with the 1.5-period tolerance of jittery clocks
    live absorbed it, and each hole put the later contacts a sample early: 5 ms by the
    end of this sprint)."""
    path = tmp_path / "holes.podses"
    pods = []
    for foot in ("left", "right"):
        cfg = VirtualPodConfig(foot, "sprint", SEED, 1000.0, 12.0)
        pods.append(_PodLosingOneSample(cfg, *pod_signals(cfg)[:4]))
    w = SessionWriter.create(path, {"pods": [{"name": f, "placement": f, "framing": "cobs"} for f in ("left", "right")]})
    _drive(w, pods, (0.0021, 0.0137), 12.1, np.random.default_rng(7))
    out = analyze(read_recording([path]))
    holes = [g for g in out.summary.gaps if g.n_samples == 1]
    assert len(holes) >= 80 and all(g.kind == "dropped" and g.bridged for g in out.summary.gaps), \
        out.summary.gaps
    s = read_session(path)
    steps = final_steps(replay(s.records, s.meta))
    for foot in ("left", "right"):
        live = [x for x in steps if x.foot == foot]
        batch = [x for x in out.steps if x.foot.value == foot]
        assert len(live) == len(batch) >= 15, (foot, len(live), len(batch))
        for x, y in zip(live, batch):    # both on the session's clock
            assert abs(x.ic_s - y.ic_s) < 0.0005, (foot, x.ic_s, y.ic_s)
            assert (x.contact_s is None) == (y.contact_s is None)
            if x.contact_s is not None:
                assert abs(x.contact_s - y.contact_s) < 0.001, (foot, x, y)
