"""Human-readable and file reports of an analysis (:class:`~gaitcore.results.Analysis`):
the text table and summary, the JSON output contract, steps.csv."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Sequence

from .align import REMOUNT_DEG
from .atomic_file import make_private_dirs, write_atomic
from .feet_clock import ClockAgreement
from .params import StepParams
from .drills import default_catalog
from .reps import Rep
from .splits import Splits
from .results import STEP_COLUMNS, Analysis, Step
from .signals import SessionInfo, Side, TimeOrigin

STEP_FIELDS = list(STEP_COLUMNS)   # steps.csv's columns


def to_json(analysis: Analysis) -> str:
    """The output contract as JSON text (``--json``, report.json)."""
    return json.dumps(analysis.to_dict(), indent=1, allow_nan=False) + "\n"


def _ms(x):
    return "" if x is None else f"{1000 * x:.0f}"


def _num(x: float | None, digits: int) -> str:
    """``x`` to ``digits`` decimals; a value that rounds to zero prints without a sign."""
    if x is None:
        return ""
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def _per_sensor(counts: dict) -> str:
    """``{"left_pod": 602, "right_pod": 0}`` as ``left_pod 602``: the sensors with any."""
    return ", ".join(f"{name} {n:g}" for name, n in counts.items())


def session_header(ses: SessionInfo) -> str:
    """Who, what and when of a session as text; empty when the input carries none."""
    parts = []
    if ses.started_utc:
        parts.append(f"recorded {start_time_text(ses.started_utc)}")
    if ses.athlete:
        parts.append(f"athlete {ses.athlete}")
    if ses.drill:
        parts.append(f"drill {ses.drill}")
    if ses.simulated:
        parts.append("simulated")
    lines = [f"session: {', '.join(parts)}"] if parts else []
    if ses.plan:
        plan = ses.plan.splitlines()
        lines.append(f"plan: {plan[0]}")
        lines.extend(f"      {line}" for line in plan[1:])
    return "\n".join(lines) + "\n" if lines else ""


def start_time_text(iso: str) -> str:
    """An ISO 8601 time as the recorder wrote it (UTC), to the minute; as given if unreadable."""
    from datetime import datetime, timezone
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M UTC")


STEP_LEGEND = ("conf     confidence 0-1: swing and push-off strength, agreement with this foot's neighbouring "
               "contacts;\n         lower when clipped\n"
               "CLIPPED  a sample of the contact hit the sensor's full scale: rebuilt from both sides; the timing "
               "holds,\n         amplitudes there are uncertain")


def step_table(steps: Sequence[Step]) -> str:
    """One line per step (and the legend of its columns)."""
    segs = [k for k in ("thigh_angle_peak_deg", "shank_angle_peak_deg")
            if any(getattr(s, k) is not None for s in steps)]
    head = "".join(f"{k.split('_')[0] + ' deg':>11}" for k in segs)
    lines = [f"{'#':>4}{'rep':>4} {'foot':<6}{'IC s':>9}{'contact ms':>12}{'flight ms':>11}"
             f"{'step ms':>9}{'step m':>8}{'cadence':>9}{'stride m':>10}{'m/s':>7}{'lift cm':>9}{head}{'conf':>6}  flags"]
    for i, s in enumerate(steps, 1):
        flags = "CLIPPED" if s.saturated else ""
        cad = "" if s.cadence_spm is None else f"{s.cadence_spm:.0f}"
        lines.append(f"{i:>4}{s.rep + 1:>4} {s.foot.value:<6}{s.ic_s:>9.3f}{_ms(s.contact_s):>12}"
                     f"{_ms(s.flight_s):>11}{_ms(s.step_time_s):>9}{_num(s.step_length_m, 2):>8}{cad:>9}"
                     f"{_num(s.stride_length_m, 2):>10}{_num(s.speed_mps, 1):>7}"
                     f"{_num(None if s.peak_height_m is None else 100 * s.peak_height_m, 0):>9}"
                     + "".join(f"{_num(getattr(s, k), 0):>11}" for k in segs) +
                     f"{s.confidence:>6.2f}  {flags}")
    if steps:
        lines.append(STEP_LEGEND)
    return "\n".join(lines) + "\n"


# the lowest rate the contact timing was validated at (docs/accuracy.md); at 100 Hz the
# simulated fast feet lose half their contacts and tempo's ICs come 40-50 ms late
RELIABLE_RATE_HZ = 200.0


def _rep_line(r: Rep) -> str:
    """A rep in one line: its drill (planned, or recognised), when, how far, and its main
    figures (contact time from its first third to its last, flight, top speed, foot lift,
    the feet's contact-time asymmetry)."""
    m = r.metrics
    if r.planned is not None:
        what = r.planned + (f" (looks like {r.recognised.drill})" if r.plan_mismatch else "")
    elif r.is_rest:
        what = "walk (recognised: rest between reps, not a rep)"
    else:
        what = f"{r.recognised.drill or 'no drill recognised'} (recognised)"
    line = f"  rep {r.index + 1}: {what}, {r.start_s:.2f}-{r.end_s:.2f} s ({r.duration_s:.1f} s), {r.n_steps} steps"
    if r.distance_m is not None:
        line += f", {r.distance_m:.1f} m"
    if r.rest_before_s is not None:
        line += f", after {r.rest_before_s:.1f} s rest"
    c = m.contact_s
    if c.n:
        line += f"; contact {_ms(c.mean)} ms"
        if c.first_third is not None and c.last_third is not None:
            line += f" ({_ms(c.first_third)} -> {_ms(c.last_third)})"
    if m.flight_s.n:
        line += f", flight {_ms(m.flight_s.mean)} ms"
    entry = default_catalog().find(r.drill)
    timed = r.splits is not None and entry is not None and entry.target("speed_of_best_pct") is not None
    if m.top_speed_mps is not None and not timed:     # (a timed rep's is on its splits line)
        line += f", top speed {m.top_speed_mps:.1f} m/s"
    if m.foot_lift_m.n:
        line += f", foot lift {100 * m.foot_lift_m.mean:.0f} cm"
    if m.asymmetry_pct.contact_s is not None:
        line += f", contact L-R {m.asymmetry_pct.contact_s:+.1f}%"
    if r.quality.score is not None:
        line += f"; quality {r.quality.score:.0f}/100"
    if timed:
        line += "\n" + _splits_line(r.splits)
    return line


def _splits_line(sp: Splits) -> str:
    """A sprint rep's start and splits in one line (times from the first movement, with
    their uncertainty from the trajectory's stride-length error)."""
    f = sp.first_stride
    line = (f"    start {sp.first_movement_s:.2f} s: first contact {sp.first_contact_s:.2f} s after the first "
            f"movement; first stride ({f.foot.value}) {f.time_s:.2f} s")
    if f.length_m is not None:
        line += f", {f.length_m:.2f} m"
    if sp.start_acceleration_mps2 is not None:
        line += f"; push {sp.start_acceleration_mps2:.1f} m/s² to {sp.first_speed_mps:.1f} m/s"
    if sp.at:
        line += "; splits " + ", ".join(f"{x.distance_m:g} m {x.time_s:.2f}" for x in sp.at)
        line += f" s (+- {sp.at[0].uncertainty_s:.2f} to {sp.at[-1].uncertainty_s:.2f})"
    if sp.flying:
        line += "; fastest " + ", ".join(f"{x.window_m:g} m {x.time_s:.2f}" for x in sp.flying) + " s"
    if sp.top_speed_mps is not None:
        line += (f"; top speed {sp.top_speed_mps:.1f} +- {sp.top_speed_uncertainty_mps:.1f} m/s at "
                 f"{sp.top_speed_at_m:.0f} m")
    return line


def summary_text(analysis: Analysis) -> str:
    """The sensors, each foot's summary and the warnings, as text."""
    sm = analysis.summary
    out = []
    for sen in analysis.sensors:
        out.append(f"sensor {sen.name}: {sen.placement}, {sen.fs_hz:g} Hz, {sen.n_samples} samples")
    unknown = [sen.name for sen in analysis.sensors if sen.placement.side is Side.UNKNOWN]
    if unknown:
        out.append(f"  warning: the foot of {', '.join(unknown)} is unknown (its name says no side), so its steps have "
                   "no flight, step time or step length with the other foot; name the side with --placement "
                   "left|right (one per file, in order) or in the file or sensor name (left_..., LF.csv)")
    since = "the session's start" if sm.time_origin is TimeOrigin.SESSION_START else "the first sample"
    out.append(f"steps: {sm.n_steps} (times in s since {since})")
    for pf in sm.per_foot:
        c, fl, cad = pf.contact_s, pf.flight_s, pf.cadence_spm
        line = f"  {pf.foot.value:<7} {pf.n_steps:>4} contacts"
        if c.n:
            sd = f" +- {1000 * c.sd:.0f}" if c.sd is not None else ""
            line += f", contact {1000 * c.mean:.0f}{sd} ms"
        if fl.n:
            line += f", flight {1000 * fl.mean:.0f} ms"
        if cad.n:
            line += f", cadence {cad.mean:.0f} steps/min"
        if pf.stride_length_m.n:
            # medians: the strides into a stop or out of a standing start would pull a mean off the pace
            line += (f", median stride {_num(pf.stride_length_m.median, 2)} m at {_num(pf.speed_mps.median, 1)} m/s,"
                     f" foot lift {_num(100 * pf.peak_height_m.median, 0)} cm")
        for stats, what in ((pf.thigh_angle_peak_deg, "thigh peak"), (pf.shank_angle_peak_deg, "shank peak")):
            if stats.n:
                line += f", {what} {_num(stats.mean, 0)} deg"
        if pf.n_saturated:
            line += f", {pf.n_saturated} clipped"
        out.append(line)
    if analysis.reps:
        out.append(f"reps: {len(analysis.reps)} (bouts of contacts between standing or a {StepParams().rep_pause_s:g} s "
                   "pause; from the push-off when they begin standing)")
    for r in analysis.reps:
        out.append(_rep_line(r))
    for x in analysis.sets:
        line = f"  set of {x.drill}: {len(x.reps)} rep{'s' if len(x.reps) > 1 else ''}"
        if x.quality_mean is not None:
            line += f", quality {x.quality_mean:.0f}/100"
        if x.decrement_pct is not None:
            line += f", best top speed {x.best_top_speed_mps:.1f} m/s, decrement {x.decrement_pct:.1f}%"
        out.append(line)
    bridged: dict[str, list] = {}
    for g in (g.as_dict() for g in sm.gaps):    # (times as the JSON gives them)
        if g["bridged"]:
            bridged.setdefault(g["sensor"], []).append(g)   # a few lost packets: one line for them all
            continue
        out.append(f"  gap in {g['sensor']}: {g['kind']} {g['start_s']:.3f}-{g['end_s']:.3f} s "
                   f"({g['n_samples']} samples)")
    for name, gs in bridged.items():
        n = [g["n_samples"] for g in gs]
        each = f"{min(n)}" if min(n) == max(n) else f"{min(n)}-{max(n)}"
        out.append(f"  short drops in {name}, bridged: {len(gs)} ({each} samples each, {sum(n)} in all; "
                   f"first {gs[0]['start_s']:.3f} s, last {gs[-1]['start_s']:.3f} s; each listed in the JSON)")
    dup = {k: v for k, v in analysis.per_sensor("duplicate_rows").items() if v}
    if dup:
        out.append(f"  repeated rows dropped (same time stamp and values as the row before): {_per_sensor(dup)}")
    rep = {k: v for k, v in analysis.per_sensor("repaired_samples").items() if v}
    if rep:
        out.append(f"  single bad samples interpolated: {_per_sensor(rep)}")
    clip = {k: v for k, v in analysis.per_sensor("clipped_samples").items() if v}
    if clip:
        out.append(f"  samples at full scale (clipped; rebuilt from both sides): {_per_sensor(clip)}")
    off = {k: v for k, v in analysis.per_sensor("mounting_offset_deg").items() if v is not None and v > REMOUNT_DEG}
    if off:
        offs = ", ".join(f"{name} by {deg:.0f} deg" for name, deg in off.items())
        out.append(f"  warning: pods strapped differently from the mounting the session started from ({offs}); "
                   "analyse a recording made without --mounting-from")
    if sm.feet_clock.state is ClockAgreement.DISAGREE:
        out.append(f"  warning: the two feet's sensors keep different time (their walking starts and stops "
                   f"{abs(sm.feet_clock.as_dict()['lag_s']):.1f} s apart at the closest): flight time, step time "
                   "and step length are left out; analyse sensors that share a clock (one pod session, or devices "
                   "synchronised before recording)")
    unmeasured = [k for k, v in analysis.per_sensor("gyro_bias_from_standing").items() if not v]
    if unmeasured:
        out.append(f"  warning: no quiet standing at the start of {', '.join(unmeasured)}: the gyroscope's bias "
                   "was not measured, so headings, turns and positions drift with it (stride lengths hardly); "
                   "start recordings with 1 s of standing")
    slow = [f"{sen.name} ({sen.fs_hz:g} Hz)" for sen in analysis.sensors if sen.fs_hz < RELIABLE_RATE_HZ]
    if slow:
        out.append(f"  warning: {', '.join(slow)} sampled below {RELIABLE_RATE_HZ:g} Hz, where short contacts "
                   "(sprints, fast feet) are found late or merged; the accuracy measured starts at 200 Hz, and "
                   "sprint work wants 500 Hz or more")
    low = {k: v for k, v in analysis.per_sensor("alignment_quality").items() if v < 0.8}
    if low:
        out.append(f"  warning: uncertain sensor alignment ({', '.join(f'{k} {v:.2f}' for k, v in low.items())}, "
                   "1 is certain): no still stance or few strides; steps may be missed or misplaced")
    return "\n".join(out) + "\n"


def steps_csv(steps: Sequence[Step]) -> str:
    """steps.csv: a row per step, :data:`STEP_FIELDS`; None is an empty cell."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=STEP_FIELDS, lineterminator="\n")
    w.writeheader()
    for s in steps:
        row = s.to_dict()
        p = row.pop("position_m", None) or [None, None, None]
        row.update(position_x_m=p[0], position_y_m=p[1], position_z_m=p[2])
        w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in STEP_FIELDS})
    return buf.getvalue()


def write_report(analysis: Analysis, out_dir: Path) -> list[Path]:
    """Write report.json, steps.csv and summary.txt; each file appears whole or not at all."""
    out_dir = Path(out_dir)
    # every text first: a value that cannot be written leaves no folder behind
    files = {"report.json": to_json(analysis), "steps.csv": steps_csv(analysis.steps),
             "summary.txt": session_header(analysis.session) + summary_text(analysis) + "\n"
             + step_table(analysis.steps)}
    make_private_dirs(out_dir)
    written = []
    for name, text in files.items():
        final = out_dir / name
        write_atomic(final, lambda f: f.write(text.encode("utf-8")), private=True)
        written.append(final)
    return written
