"""Foot-IMU simulator with ground truth, for running, sprinting and drills.

No public sprint recording with reference events exists, so sprint and drill
behaviour is shown on this simulator; the real walking data in validation/data
keeps it honest (see benchmarks/validate.py, which runs both).

Model (sagittal plane, rigid foot; units m, s, rad inside, deg/s and m/s^2 out):
- The foot is a rigid segment: heel sole point H (foot-frame origin), ball B at
  ``BALL_M`` ahead of it, the pod on the laces at ``SENSOR_M``.  Pitch ``theta``
  is positive toe-up.
- Stance is a rotation about a fixed ground point: the heel while theta > 0
  (heel rocker), the ball while theta < 0 (heel rise, push-off, and the whole
  stance of a forefoot strike).  Pitch follows piecewise cubic Hermite knots
  (heel strike: theta_ic -> foot flat -> heel-off -> theta_to; forefoot strike:
  theta_ic -> heel drop -> theta_to), so the pitch rate is continuous.  The
  push-off rate peaks ``TO_PEAK_LEAD_S`` before toe-off and has fallen to 85% of
  the peak at toe-off, then recovers at peak / ``TO_RECOVERY_S``: the shape
  measured on gaitmap's real walk (peak 5 ms before the motion-capture TO, 86%
  of the peak at TO, 12% three samples later).  The pitch acceleration is
  continuous at IC, so the heel-strike pitch rate crosses zero with a finite
  slope, as in the real walk.
- Initial contact has an impact phase of ``impact_s``: the contact point's
  velocity decays from the touchdown velocity to zero as (1 - s)^2, which gives
  an abrupt acceleration onset of 2 |v_td| / impact_s at IC.
- Swing is a quintic Hermite from the toe-off state (position, velocity,
  acceleration) to the touchdown state, plus s^3 (1 - s)^3 bumps that set the
  clearance and the pitch excursion (heel recovery, butt kicks, high knees).
- The trajectory is computed on a 16 kHz grid and differentiated there; the
  sensor signals are specific force (a - g) and angular rate in a random
  mounting orientation, low-pass filtered at 0.4 fs (causal, 4th-order
  Butterworth, like an IMU's digital filter: a group delay of about a
  millisecond at 1 kHz, which shifts IC and TO alike), sampled at the output rate, with bias, scale error, white noise and clipping at full scale.

Ground truth: every contact's IC and TO (s), contact time, the foot's sensor
peak height in the following swing, and stride length.

Sessions (``SessionPlan``, ``simulate_plan``): reps of a drill or a sprint from a
standing start (``Rep``), each from standing to a stop with the feet side by side,
standing rest between them, as one continuous recording of both feet; the truth also
holds each rep's start and end.  ``simulate_pod_session`` gives what two reference pods
(firmware/footpod_core.c) would have sampled of it, each at its own times; the pod side
(``firmware_bridge.simulated_session``) writes that as the file they would have sent to
``gait record``: podwire frames of int16 samples, with their arrival times.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.signal import butter, sosfilt, sosfiltfilt

from .errors import UsageError
from .quaternion import rotmat_from_quat
from .signals import GRAVITY_MPS2, Placement, Recording, SensorRecording, Segment, SessionInfo, Side

FINE_HZ = 16000.0
BALL_M = 0.17
SENSOR_M = (0.11, 0.06)  # pod on the laces: ahead of the heel, above the sole
STAND_S = 2.0
START_PUSH_S = 0.35  # the push-off from standing, to the first swing
HEEL_OFF_FRACTION = 0.5   # a heel-strike stance (and the push-off from standing): heel-off at this fraction
FIRST_MOVE_S = HEEL_OFF_FRACTION * START_PUSH_S   # the push-off's first movement (its heel rise) after it starts
STOP_FLAT_S = 0.08   # heel strike to foot flat on the last landing
TO_PEAK_LEAD_S = 0.005
TO_RATE_FRACTION = 0.85
IC_PITCH_ACC = np.radians(5000.0)  # |pitch acceleration| at IC (gaitmap walk: ~25 deg/s per 4.9 ms sample)
HOP_SEGMENT = 0.3    # a hop's swing moves shank and thigh this fraction of a stride's
ANKLE_M = (0.06, 0.09)   # ankle joint from the heel sole point, in the foot frame (forward, up)
SHANK_M = 0.43
THIGH_M = 0.45
SEGMENT_SENSOR = 0.5     # segment pods sit half-way up the segment
HIP_M = 0.92             # hip height (m)
TO_RECOVERY_S = 0.02  # push-off rate recovers with this time constant (gaitmap walk: 86% -> 12% of peak in 15 ms)


class Strike(enum.Enum):
    HEEL = "heel"
    FORE = "fore"


class Pattern(enum.Enum):
    ALTERNATE = "alternate"
    SKIP = "skip"          # two consecutive contacts on the same foot
    TOGETHER = "together"  # both feet at once (bunny hops)


@dataclass(frozen=True)
class Drill:
    name: str
    description: str
    pattern: Pattern
    strike: Strike
    speed_mps: float
    contact_s: float
    step_s: float            # IC to the next contact's IC (any foot)
    theta_ic_deg: float
    theta_to_deg: float
    clearance_m: float       # extra mid-swing height of the heel
    swing_pitch_deg: float   # mid-swing pitch excursion (negative: toe down)
    td_velocity_mps: tuple[float, float]  # contact point (forward, vertical) at touchdown
    impact_s: float
    variability: float = 0.04
    ramp_from: "Drill | None" = None  # acceleration: parameters ramp from this drill
    shank_peak_deg: float = 60.0     # swing: ankle furthest behind the knee (shank from vertical)
    thigh_peak_deg: float = 30.0     # swing: knee furthest ahead of the hip (thigh from vertical)
    # a skip's free foot held at the top of its swing (the swing over the other foot's step
    # and hop), still against the athlete (it travels with the body), HOLD_MIN_S to
    # HOLD_MAX_S, varying by swing (_hold_s)
    hold: bool = False


def _d(**kw) -> Drill:
    return Drill(**kw)


WALK = _d(name="walk", description="walking 1.4 m/s, heel strike", pattern=Pattern.ALTERNATE,
          strike=Strike.HEEL, speed_mps=1.4, contact_s=0.64, step_s=0.55, theta_ic_deg=18,
          theta_to_deg=-55, clearance_m=0.08, swing_pitch_deg=0, td_velocity_mps=(0.3, -0.3),
          impact_s=0.02, shank_peak_deg=55, thigh_peak_deg=25)
JOG = _d(name="jog", description="jogging 3 m/s, rearfoot strike", pattern=Pattern.ALTERNATE,
         strike=Strike.HEEL, speed_mps=3.0, contact_s=0.26, step_s=0.36, theta_ic_deg=12,
         theta_to_deg=-45, clearance_m=0.18, swing_pitch_deg=0, td_velocity_mps=(0.2, -0.7),
         impact_s=0.012, shank_peak_deg=80, thigh_peak_deg=45)
SPRINT = _d(name="sprint", description="max-velocity sprint 9.5 m/s, forefoot, ~95 ms contacts",
            pattern=Pattern.ALTERNATE, strike=Strike.FORE, speed_mps=9.5, contact_s=0.095,
            step_s=0.225, theta_ic_deg=-12, theta_to_deg=-50, clearance_m=0.40,
            swing_pitch_deg=-60, td_velocity_mps=(-1.0, -1.2), impact_s=0.008, shank_peak_deg=105, thigh_peak_deg=75)
TEMPO = _d(name="tempo", description="tempo run 6.5 m/s, midfoot/forefoot, ~140 ms contacts",
           pattern=Pattern.ALTERNATE, strike=Strike.FORE, speed_mps=6.5, contact_s=0.14,
           step_s=0.27, theta_ic_deg=-6, theta_to_deg=-45, clearance_m=0.30, swing_pitch_deg=-45,
           td_velocity_mps=(-0.5, -1.0), impact_s=0.01, shank_peak_deg=95, thigh_peak_deg=62)
ACCEL = _d(name="acceleration", description="acceleration from 4 to 9.5 m/s, contacts 180 -> 95 ms",
           pattern=Pattern.ALTERNATE, strike=Strike.FORE, speed_mps=9.5, contact_s=0.095,
           step_s=0.225, theta_ic_deg=-12, theta_to_deg=-50, clearance_m=0.40, swing_pitch_deg=-60,
           td_velocity_mps=(-1.0, -1.2), impact_s=0.008,
           shank_peak_deg=105, thigh_peak_deg=75,
           ramp_from=_d(name="drive", description="", pattern=Pattern.ALTERNATE, strike=Strike.FORE,
                        speed_mps=4.0, contact_s=0.18, step_s=0.26, theta_ic_deg=-15,
                        theta_to_deg=-55, clearance_m=0.15, swing_pitch_deg=-30,
                        td_velocity_mps=(-0.3, -0.8), impact_s=0.01, shank_peak_deg=80, thigh_peak_deg=55))
SKIP = _d(name="skips", description="A-skips: hop-step, two contacts on each foot in turn",
          pattern=Pattern.SKIP, strike=Strike.FORE, speed_mps=2.0, contact_s=0.13, step_s=0.28,
          theta_ic_deg=-8, theta_to_deg=-40, clearance_m=0.25, swing_pitch_deg=10,
          td_velocity_mps=(-0.3, -1.0), impact_s=0.01, shank_peak_deg=60, thigh_peak_deg=70)
SKIP_HELD = replace(SKIP, name="skips_held", description="A-skips whose free foot is held still high for "
                    "150-300 ms over the other foot's step and hop", hold=True)
HOLD_MIN_S, HOLD_MAX_S = 0.15, 0.30
HOLD_MOVING_S = 0.4     # a held swing still moves this long (s): rising to the hold and falling from it
HOPS = _d(name="bunny_hops", description="bunny hops: both feet together, 0.8 m per hop",
          pattern=Pattern.TOGETHER, strike=Strike.FORE, speed_mps=1.5, contact_s=0.20, step_s=0.55,
          theta_ic_deg=-15, theta_to_deg=-40, clearance_m=0.20, swing_pitch_deg=0,
          td_velocity_mps=(0.0, -1.2), impact_s=0.012, shank_peak_deg=40, thigh_peak_deg=35)
FAST_FEET = _d(name="fast_feet", description="fast feet: tiny steps, 7 steps/s, ~80 ms contacts",
               pattern=Pattern.ALTERNATE, strike=Strike.FORE, speed_mps=1.0, contact_s=0.08,
               step_s=0.143, theta_ic_deg=-10, theta_to_deg=-30, clearance_m=0.04,
               swing_pitch_deg=0, td_velocity_mps=(0.0, -0.6), impact_s=0.008, shank_peak_deg=35, thigh_peak_deg=20)
HIGH_KNEES = _d(name="high_knees", description="high knees: 4 steps/s, foot lifted ~40 cm",
                pattern=Pattern.ALTERNATE, strike=Strike.FORE, speed_mps=1.5, contact_s=0.11,
                step_s=0.25, theta_ic_deg=-12, theta_to_deg=-35, clearance_m=0.40,
                swing_pitch_deg=15, td_velocity_mps=(0.0, -1.5), impact_s=0.01, shank_peak_deg=40, thigh_peak_deg=90)
BUTT_KICKS = _d(name="butt_kicks", description="butt kicks: heel to buttocks, 4 steps/s",
                pattern=Pattern.ALTERNATE, strike=Strike.FORE, speed_mps=1.5, contact_s=0.11,
                step_s=0.24, theta_ic_deg=-10, theta_to_deg=-40, clearance_m=0.45,
                swing_pitch_deg=-80, td_velocity_mps=(0.0, -1.2), impact_s=0.01, shank_peak_deg=130, thigh_peak_deg=20)
POWER_SKIP = _d(name="power_skip", description="power skips: step-hop driven up, ~0.28 s flights, knee and "
                "foot high", pattern=Pattern.SKIP, strike=Strike.FORE, speed_mps=3.0, contact_s=0.17, step_s=0.45,
                theta_ic_deg=-10, theta_to_deg=-45, clearance_m=0.45, swing_pitch_deg=10,
                td_velocity_mps=(-0.3, -1.8), impact_s=0.01, shank_peak_deg=70, thigh_peak_deg=95)
ANKLING = _d(name="ankling", description="ankling (bounce): stiff ~80 ms ball-of-foot contacts rebounding into a "
             "knee lift, 0.2 s flights, 3.5 steps/s", pattern=Pattern.ALTERNATE, strike=Strike.FORE, speed_mps=1.0,
             contact_s=0.08, step_s=0.28, theta_ic_deg=-15, theta_to_deg=-35, clearance_m=0.25, swing_pitch_deg=10,
             td_velocity_mps=(0.0, -1.4), impact_s=0.008, shank_peak_deg=45, thigh_peak_deg=70)
LUNGES = _d(name="lunges", description="walking lunges: 1.1 m steps, one a second, each foot on the ground "
            "~1.5 s through the knee bend", pattern=Pattern.ALTERNATE, strike=Strike.HEEL, speed_mps=1.1,
            contact_s=1.5, step_s=1.0, theta_ic_deg=15, theta_to_deg=-50, clearance_m=0.10, swing_pitch_deg=0,
            td_velocity_mps=(0.2, -0.2), impact_s=0.02, shank_peak_deg=50, thigh_peak_deg=35)
BOUNDING = _d(name="bounding", description="bounding: exaggerated running strides for distance, 2.6 m steps, "
              "~0.3 s flights", pattern=Pattern.ALTERNATE, strike=Strike.FORE, speed_mps=5.5, contact_s=0.17,
              step_s=0.48, theta_ic_deg=-8, theta_to_deg=-50, clearance_m=0.40, swing_pitch_deg=-30,
              td_velocity_mps=(-0.5, -1.5), impact_s=0.01, shank_peak_deg=90, thigh_peak_deg=80)

DRILLS = {d.name: d for d in (WALK, JOG, TEMPO, SPRINT, ACCEL, SKIP, SKIP_HELD, HOPS, FAST_FEET, HIGH_KNEES,
                              BUTT_KICKS, POWER_SKIP, ANKLING, LUNGES, BOUNDING)}


def drill_by_name(name: str) -> Drill:
    try:
        return DRILLS[name]
    except KeyError:
        raise UsageError(f"unknown drill {name!r}; choose one of {', '.join(DRILLS)}") from None


@dataclass(frozen=True)
class ContactPlan:
    foot: str
    ic_s: float
    contact_s: float
    x_m: float          # ground point: heel (heel strike) or ball (forefoot), forward
    drill: Drill
    hop: bool = False   # reached by a hop off the same foot (skips): a low, short flight
    stop: bool = False  # a landing to standing: heel strike, no toe-off (the end of a rep)
    # The first contact of a rep after standing: the foot leaves the ground at this time
    # after a heel rise (None: the single drill's rule in _foot_trajectory).
    start_lift_s: float | None = None
    rep: int = 0                     # the session rep this contact belongs to
    speed_mps: float | None = None   # the athlete's planned speed at this IC (sessions)


@dataclass
class Simulation:
    recording: Recording
    truth: dict
    seed: int
    meta: dict = field(default_factory=dict)


def _lerp_drill(a: Drill, b: Drill, f: float) -> Drill:
    mix = lambda x, y: x + (y - x) * f  # noqa: E731
    return replace(b, speed_mps=mix(a.speed_mps, b.speed_mps), contact_s=mix(a.contact_s, b.contact_s),
                   step_s=mix(a.step_s, b.step_s), theta_ic_deg=mix(a.theta_ic_deg, b.theta_ic_deg),
                   theta_to_deg=mix(a.theta_to_deg, b.theta_to_deg),
                   clearance_m=mix(a.clearance_m, b.clearance_m),
                   swing_pitch_deg=mix(a.swing_pitch_deg, b.swing_pitch_deg),
                   td_velocity_mps=tuple(mix(x, y) for x, y in zip(a.td_velocity_mps, b.td_velocity_mps)),
                   impact_s=mix(a.impact_s, b.impact_s), ramp_from=None,
                   shank_peak_deg=mix(a.shank_peak_deg, b.shank_peak_deg),
                   thigh_peak_deg=mix(a.thigh_peak_deg, b.thigh_peak_deg))


def plan_contacts(drill: Drill, duration_s: float, rng: np.random.Generator) -> list[ContactPlan]:
    """Contact times and places for both feet after a standing start."""
    plans: list[ContactPlan] = []
    t = STAND_S + 0.3
    x = 0.6
    k = 0
    n_ramp = 16
    end = duration_s - max(1.5, drill.contact_s + 0.8)   # room for the last stance and a swing to standing
    foot_cycle = {Pattern.ALTERNATE: ["left", "right"], Pattern.SKIP: ["left", "left", "right", "right"],
                  Pattern.TOGETHER: ["both"]}[drill.pattern]
    while t < end:
        d = drill if drill.ramp_from is None else _lerp_drill(drill.ramp_from, drill, min(1.0, k / n_ramp))
        v = 1.0 + drill.variability * rng.standard_normal(2)
        contact = d.contact_s * v[0]
        step = max(d.step_s * v[1], contact * 1.05 if d.pattern is not Pattern.ALTERNATE else 0.0)
        foot = foot_cycle[k % len(foot_cycle)]
        feet = ["left", "right"] if foot == "both" else [foot]
        for f in feet:
            jitter = 0.004 * rng.standard_normal() if foot == "both" else 0.0
            hop = drill.pattern is Pattern.SKIP and k % 2 == 1
            plans.append(ContactPlan(f, t + jitter, contact, x, d, hop))
        x += d.speed_mps * step
        t += step
        k += 1
    return plans


def _hermite5(p0, v0, a0, p1, v1, a1, T, s):
    """Quintic Hermite on s in [0, 1] over duration T."""
    s2, s3, s4, s5 = s * s, s ** 3, s ** 4, s ** 5
    h0 = 1 - 10 * s3 + 15 * s4 - 6 * s5
    h1 = s - 6 * s3 + 8 * s4 - 3 * s5
    h2 = 0.5 * s2 - 1.5 * s3 + 1.5 * s4 - 0.5 * s5
    h3 = 0.5 * s3 - s4 + 0.5 * s5
    h4 = -4 * s3 + 7 * s4 - 3 * s5
    h5 = 10 * s3 - 15 * s4 + 6 * s5
    return (h0 * p0 + h1 * v0 * T + h2 * a0 * T * T + h3 * a1 * T * T + h4 * v1 * T + h5 * p1)


def _swing_pitch(th0, w0, th1, w1, al1, T, s):
    """Swing pitch: the push-off rate decays as exp(-t / TO_RECOVERY_S) on top of a
    quintic that starts at rest and meets the touchdown pitch, rate and acceleration."""
    tau = TO_RECOVERY_S
    e = lambda tt: w0 * tau * (1 - np.exp(-tt / tau))  # noqa: E731
    eT, e1T, e2T = e(T), w0 * np.exp(-T / tau), -w0 / tau * np.exp(-T / tau)
    return e(s * T) + _hermite5(th0, 0.0, 0.0, th1 - eT, w1 - e1T, al1 - e2T, T, s)


def _hermite3(t, knots):
    """Piecewise cubic Hermite through knots [(t, value, slope), ...]; clamps outside."""
    out = np.empty_like(t)
    for (ta, ya, ma), (tb, yb, mb) in zip(knots[:-1], knots[1:]):
        sel = (t >= ta) & (t <= tb)
        h = tb - ta
        s = (t[sel] - ta) / h
        out[sel] = ((2 * s ** 3 - 3 * s ** 2 + 1) * ya + (s ** 3 - 2 * s ** 2 + s) * h * ma
                    + (-2 * s ** 3 + 3 * s ** 2) * yb + (s ** 3 - s ** 2) * h * mb)
    out[t < knots[0][0]] = knots[0][1]
    out[t > knots[-1][0]] = knots[-1][1]
    return out


def _flat_fraction(c: ContactPlan) -> float:
    """Where in the stance the foot stands still: mid foot-flat (heel strike), heel-down
    (forefoot strike, the foot's least rotation)."""
    return 0.31 if c.drill.strike is Strike.HEEL else 0.35


def _stance_pitch_knots(c: ContactPlan) -> list[tuple[float, float, float]]:
    d = c.drill
    T = c.contact_s
    th_ic = np.radians(d.theta_ic_deg)
    th_to = np.radians(d.theta_to_deg)
    if c.stop:
        return [(0.0, th_ic, 0.0), (STOP_FLAT_S, 0.0, 0.0)]
    lead = min(TO_PEAK_LEAD_S, 0.1 * T)
    if d.strike is Strike.HEEL:
        t_ff, t_ho = 0.12 * T, HEEL_OFF_FRACTION * T
        w_peak = 2.0 * th_to / (T - t_ho)
        return [(0.0, th_ic, 0.0), (t_ff, 0.0, 0.0), (t_ho, 0.0, 0.0),
                (T - lead, th_to - w_peak * lead * 0.93, w_peak), (T, th_to, TO_RATE_FRACTION * w_peak)]
    # Forefoot: the foot still rotates toe-up at touchdown; the heel drops, then push-off.
    w_td = np.radians(150.0)
    t_hd = 0.35 * T
    th_hd = th_ic + 0.5 * w_td * t_hd
    w_peak = 2.0 * (th_to - th_hd) / (T - t_hd)
    return [(0.0, th_ic, w_td), (t_hd, th_hd, 0.0), (T - lead, th_to - w_peak * lead * 0.93, w_peak),
            (T, th_to, TO_RATE_FRACTION * w_peak)]


def _foot_trajectory(plans: list[ContactPlan], t: np.ndarray, y_m: float, x_stand: float):
    """Heel position (n, 3) and pitch (n,) of one foot on the fine grid, its contacts'
    truth and when it first left the ground.  The foot stands at ``x_stand`` until its
    first push-off; a landing to standing (``stop``) stands until the next contact's
    push-off (a session's next rep), and without one after the last contact (a single
    drill) the foot takes one more swing to a heel strike and stands."""
    n = t.shape[0]
    heel = np.zeros((n, 3))
    heel[:, 1] = y_m
    theta = np.zeros(n)
    dt = t[1] - t[0]
    # Stance pieces.
    first = plans[0]

    def stance_eval(c: ContactPlan, tt: np.ndarray):
        knots = _stance_pitch_knots(c)
        th = _hermite3(tt - c.ic_s, knots)
        hx = np.empty_like(tt)
        hz = np.empty_like(tt)
        if c.drill.strike is Strike.HEEL:
            heel_pt = c.x_m
            ball_pt = c.x_m + BALL_M
            on_heel = th >= 0
            hx[on_heel] = heel_pt
            hz[on_heel] = 0.0
            hx[~on_heel] = ball_pt - BALL_M * np.cos(th[~on_heel])
            hz[~on_heel] = -BALL_M * np.sin(th[~on_heel])
        else:
            hx[:] = c.x_m - BALL_M * np.cos(th)
            hz[:] = -BALL_M * np.sin(th)
        # Impact: contact point velocity decays from v_td to zero as (1 - s)^2.
        vx, vz = c.drill.td_velocity_mps
        T = c.drill.impact_s
        s = np.clip((tt - c.ic_s) / T, 0.0, 1.0)
        off = -T * (1 - s) ** 3 / 3.0
        return hx + vx * off, hz + vz * off, th

    def state_at(c: ContactPlan, tt: float):
        probe = tt + np.array([-2, -1, 0, 1, 2]) * dt
        hx, hz, th = stance_eval(c, probe)
        def d(a):  # noqa: E306
            return a[2], (a[3] - a[1]) / (2 * dt), (a[3] - 2 * a[2] + a[1]) / (dt * dt)
        return d(hx), d(hz), d(th)

    def rise_from_standing(c: ContactPlan, lift_s: float, x_heel: float):
        """The push-off from standing before ``c`` (heel rise about the ball, as in gait
        initiation), leaving the ground at ``lift_s``: the swing's start and its state."""
        rise = ContactPlan(c.foot, lift_s - START_PUSH_S, START_PUSH_S, x_heel,
                           replace(c.drill, strike=Strike.HEEL, theta_ic_deg=0.0,
                                   td_velocity_mps=(0.0, 0.0)))
        sel = (t >= rise.ic_s) & (t < lift_s)
        heel[sel, 0], heel[sel, 2], theta[sel] = stance_eval(rise, t[sel])
        return lift_s - 2 * dt, state_at(rise, lift_s - 2 * dt)

    # Standing, then the first push-off, then the first swing.
    if first.start_lift_s is None:
        lift0 = first.ic_s - (2 * first.drill.step_s - first.contact_s
                              if first.drill.pattern is Pattern.ALTERNATE else first.drill.step_s)
        lift0 = max(lift0, STAND_S * 0.75)
    else:
        lift0 = first.start_lift_s
    heel[t < lift0 - START_PUSH_S, 0] = x_stand
    prev_end, prev_state = rise_from_standing(first, lift0, x_stand)
    truth = []
    todo = list(plans)
    standing_at = None   # the stop the foot stands at, until the next rep's first contact
    while todo:
        c = todo.pop(0)
        if standing_at is not None:
            # A stop's stance runs on (standing) until this rep's push-off overwrites it.
            prev_end, prev_state = rise_from_standing(c, c.start_lift_s, standing_at.x_m)
            standing_at = None
        # Swing from prev_end to c.ic_s
        (x1, vx1, _), (z1, vz1, _), (th1, w1, _) = state_at(c, c.ic_s + 1e-9)
        # touchdown velocity: the stance formula's one-sided derivative just after IC
        probe = c.ic_s + np.array([0.0, 1.0]) * dt
        hx, hz, th = stance_eval(c, probe)
        vx1, vz1, w1 = (hx[1] - hx[0]) / dt, (hz[1] - hz[0]) / dt, (th[1] - th[0]) / dt
        x1, z1, th1 = hx[0], hz[0], th[0]
        th3 = _hermite3(c.ic_s - c.ic_s + np.array([0.0, dt, 2 * dt]), _stance_pitch_knots(c))
        al1 = float(np.clip((th3[2] - 2 * th3[1] + th3[0]) / (dt * dt), -IC_PITCH_ACC, IC_PITCH_ACC))
        Tsw = c.ic_s - prev_end
        sel = (t >= prev_end) & (t < c.ic_s)
        held = c.drill.hold and c.drill.pattern is Pattern.SKIP and not c.hop
        (x0, vx0, ax0), (z0, vz0, az0), (th0, w0, al0) = prev_state
        hold_s = min(_hold_s(c.ic_s), Tsw - HOLD_MOVING_S)
        if held and hold_s > 0.0:
            rate = _hold_rate(lambda q, T: _hermite5(x0, vx0, ax0, x1, vx1, 0.0, T, q),
                              Tsw, hold_s, c.drill.speed_mps)
            s, T = _held_swing(t[sel] - prev_end, Tsw, hold_s, dt, rate)
        else:
            s, T = (t[sel] - prev_end) / Tsw, Tsw
        bump = 64.0 * s ** 3 * (1 - s) ** 3
        heel[sel, 0] = _hermite5(x0, vx0, ax0, x1, vx1, 0.0, T, s)
        # A hop leaves the leg extended: the foot rises with the body, g T^2 / 8 (~3 cm).
        clearance = GRAVITY_MPS2 * Tsw ** 2 / 8 if c.hop else c.drill.clearance_m
        excursion = 0.0 if c.hop else np.radians(c.drill.swing_pitch_deg)
        heel[sel, 2] = _hermite5(z0, vz0, az0, z1, vz1, 0.0, T, s) + clearance * bump
        theta[sel] = _swing_pitch(th0, w0, th1, w1, al1, T, s) + excursion * bump
        # Stance
        to = c.ic_s + c.contact_s
        sel = (t >= c.ic_s) & (t < to)
        hx, hz, th = stance_eval(c, t[sel])
        heel[sel, 0] = hx
        heel[sel, 2] = hz
        theta[sel] = th
        peaks = {"shank_peak": np.radians(c.drill.shank_peak_deg) * (HOP_SEGMENT if c.hop else 1.0),
                 "thigh_peak": np.radians(c.drill.thigh_peak_deg) * (HOP_SEGMENT if c.hop else 1.0)}
        if c.stop:
            truth.append({"ic_s": c.ic_s, "to_s": None, "flat_s": c.ic_s + 2 * STOP_FLAT_S, "plan": c, **peaks})
            standing_at = c
            continue
        prev_state = state_at(c, to - 2 * dt)
        prev_end = to - 2 * dt
        truth.append({"ic_s": c.ic_s, "to_s": to, "flat_s": c.ic_s + _flat_fraction(c) * c.contact_s, "plan": c,
                      **peaks})
        if not todo:
            # One more swing after the last contact, to a gentle heel strike and standing.
            land = min(prev_end + max(0.3, 2 * c.drill.step_s - c.contact_s), t[-1] - 0.4)
            x_land = heel[np.searchsorted(t, prev_end) - 1, 0] + 0.5
            todo.append(ContactPlan(c.foot, land, np.inf, x_land, _stop_drill(c.drill), stop=True))
    return heel, theta, truth, lift0


def _hold_s(ic_s: float) -> float:
    """How long a held swing into the contact at ``ic_s`` stays still: from HOLD_MIN_S to
    HOLD_MAX_S, spread over the swings (the golden ratio's fractions of the IC time)."""
    return HOLD_MIN_S + (HOLD_MAX_S - HOLD_MIN_S) * ((ic_s * 0.6180339887 * 7.0) % 1.0)


def _held_timing(Tsw: float, hold_s: float, hold_rate: float) -> tuple[float, float]:
    """A held swing's ease in and out (s; 50 ms, less in a short swing) and its length at
    the rate it moves (s: the integral of the progress rate over the swing)."""
    ramp = min(0.05, (Tsw - hold_s) / 4)
    return ramp, Tsw - (1 - hold_rate) * (hold_s + ramp)


def _held_swing(tt: np.ndarray, Tsw: float, hold_s: float, dt: float, hold_rate: float = 0.0) -> tuple[np.ndarray, float]:
    """The swing's progress 0-1 over its times ``tt`` (s since it began) when the foot is
    held at its top (progress 0.5) for ``hold_s``, moving on at ``hold_rate`` of the swing's
    pace meanwhile, easing in and out (a raised cosine in the progress rate,
    :func:`_held_timing`); and the swing's length at the rate it moves, which scales its end
    velocities to the stance's."""
    ramp, T = _held_timing(Tsw, hold_s, hold_rate)
    a, b = Tsw / 2 - hold_s / 2, Tsw / 2 + hold_s / 2
    rate = np.ones_like(tt)
    rate[(tt >= a) & (tt <= b)] = hold_rate
    into = (tt > a - ramp) & (tt < a)
    rate[into] = hold_rate + (1 - hold_rate) * 0.5 * (1 + np.cos(np.pi * (tt[into] - (a - ramp)) / ramp))
    out = (tt > b) & (tt < b + ramp)
    rate[out] = hold_rate + (1 - hold_rate) * 0.5 * (1 - np.cos(np.pi * (tt[out] - b) / ramp))
    done = np.cumsum(rate) * dt
    return np.clip((done - rate * dt) / T, 0.0, 1.0), T


def _hold_rate(path_x, Tsw: float, hold_s: float, speed_mps: float) -> float:
    """The progress rate (of the swing's pace) at which a foot held under the knee travels
    with the body (``speed_mps``): still against the athlete, not against the ground.
    ``path_x(s, T)`` is the heel's forward position at progress s for a swing of length T."""
    r = 0.0
    for _ in range(20):     # fixed point: the swing's length T depends on the rate
        _, T = _held_timing(Tsw, hold_s, r)
        slope = (path_x(0.5 + 1e-4, T) - path_x(0.5 - 1e-4, T)) / 2e-4      # m per unit of progress
        r = float(np.clip(speed_mps * T / slope, 0.0, 1.0)) if slope > 0 else 0.0
    return r


def _stop_drill(d: Drill) -> Drill:
    """The landing to standing: a gentle heel strike, the foot barely lifted before it."""
    return replace(d, strike=Strike.HEEL, theta_ic_deg=10.0, td_velocity_mps=(0.1, -0.3), impact_s=0.02,
                   clearance_m=0.05, swing_pitch_deg=0.0)


def _segment_angles(truth: list[dict], lift0: float, t: np.ndarray,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sagittal shank and thigh angles from vertical (rad) on the fine grid: positive
    when the distal end is ahead (shank: ankle ahead of the knee; thigh: knee ahead
    of the hip).  Monotone cubic (PCHIP) through knots per stride: at IC the shank
    leans 0.1 and the thigh 0.5 of their swing peaks forward, at TO 0.4 / 0.2 back;
    the swing peaks (shank back at 35% of the swing, thigh forward at 70%) are the
    drill's, 0.3 of them before a hop landing; standing is upright."""
    first = truth[0]
    ks = [(0.0, 0.0, 0.0), (lift0 - START_PUSH_S, 0.0, 0.0),
          (lift0, -0.4 * first["shank_peak"], -0.2 * first["thigh_peak"])]
    prev_to = lift0
    for tr in truth:
        tsw = tr["ic_s"] - prev_to
        vary = 1.0 + 0.05 * rng.standard_normal(2)
        ks.append((prev_to + 0.35 * tsw, -tr["shank_peak"] * vary[0], None))
        ks.append((prev_to + 0.70 * tsw, None, tr["thigh_peak"] * vary[1]))
        ks.append((tr["ic_s"], 0.1 * tr["shank_peak"], 0.5 * tr["thigh_peak"]))
        if tr["to_s"] is None:
            ks.append((tr["ic_s"] + 0.4, 0.0, 0.0))
            break
        ks.append((tr["to_s"], -0.4 * tr["shank_peak"], -0.2 * tr["thigh_peak"]))
        prev_to = tr["to_s"]
    out = []
    for col in (1, 2):
        pts = [(k[0], k[col]) for k in ks if k[col] is not None]
        x, y = np.array(pts).T
        out.append(PchipInterpolator(x, y, extrapolate=False)(np.clip(t, x[0], x[-1])))
    return out[0], out[1]


def _segment_signals(anchor_pos: np.ndarray, angle: np.ndarray, t: np.ndarray, length_m: float,
                     sensor_from_distal: float) -> tuple[np.ndarray, np.ndarray]:
    """Specific force (m/s^2) and rate (deg/s) in the segment frame (x forward, y left,
    z along the segment towards its proximal end) of a sensor ``sensor_from_distal`` of
    the segment's length up from the point ``anchor_pos`` (n x 3; the distal end, or
    the proximal end with a negative fraction), the segment's angle from vertical being
    ``angle`` (rad, distal end ahead positive)."""
    u = np.column_stack([np.sin(angle), np.zeros_like(angle), -np.cos(angle)])  # proximal -> distal
    pos = anchor_pos - sensor_from_distal * length_m * u
    vel = np.gradient(pos, t, axis=0)
    f_w = np.gradient(vel, t, axis=0) + np.array([0.0, 0.0, GRAVITY_MPS2])
    # segment frame: z = -u, x = z rotated -90 deg about y (forward when upright)
    c, s_ = np.cos(angle), np.sin(angle)
    f_seg = np.column_stack([c * f_w[:, 0] + s_ * f_w[:, 2], f_w[:, 1], -s_ * f_w[:, 0] + c * f_w[:, 2]])
    w = np.gradient(angle, t)
    g_seg = np.column_stack([np.zeros_like(w), -np.degrees(w), np.zeros_like(w)])
    return f_seg, g_seg


def _imu(f_ff: np.ndarray, g_ff: np.ndarray, rng: np.random.Generator, sos: np.ndarray, t_out: np.ndarray,
         fs_hz: float, noise: bool, acc_fs: float, gyr_fs: float) -> tuple[np.ndarray, np.ndarray]:
    """A pod's output from the segment-frame specific force and rate on the fine grid:
    random mounting, the IMU's low-pass filter, sampling, bias, scale error, noise and
    clipping (contiguous float64 arrays)."""
    rot_sf_ff = _random_rotation(rng)
    f_sf = sosfilt(sos, f_ff @ rot_sf_ff.T, axis=0)
    g_sf = sosfilt(sos, g_ff @ rot_sf_ff.T, axis=0)
    idx = np.clip(np.round(t_out * FINE_HZ).astype(int), 0, f_ff.shape[0] - 1)
    acc = f_sf[idx]
    gyr = g_sf[idx]
    if noise:
        acc = acc * (1 + 0.01 * rng.standard_normal(3)) + 0.1 * rng.standard_normal(3)
        gyr = gyr * (1 + 0.01 * rng.standard_normal(3)) + 1.0 * rng.standard_normal(3)
        acc = acc + 0.004 * np.sqrt(fs_hz) * rng.standard_normal(acc.shape)
        gyr = gyr + 0.007 * np.sqrt(fs_hz) * rng.standard_normal(gyr.shape)
    return (np.ascontiguousarray(np.clip(acc, -acc_fs, acc_fs)),
            np.ascontiguousarray(np.clip(gyr, -gyr_fs, gyr_fs)))


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q = rng.standard_normal(4)
    q /= np.linalg.norm(q)
    return rotmat_from_quat(q)


def simulate_session(drill: Drill, fs_hz: float = 1000.0, duration_s: float = 12.0, seed: int = 0,
                     acc_range_g: float = 16.0, gyr_range_dps: float = 2000.0,
                     noise: bool = True, segments: tuple[Segment, ...] = ()) -> Simulation:
    """Simulate both feet doing ``drill`` after a 2 s standing start; with ``segments``
    (Segment.SHANK, Segment.THIGH) also a pod half-way up each of those segments on
    both legs, and the truth of their swing peaks (their noise is drawn from a
    second generator, so the foot signals do not depend on ``segments``)."""
    _check_rate(fs_hz)
    if duration_s < STAND_S + 3.0:
        raise UsageError(f"duration {duration_s} s is too short; give at least {STAND_S + 3.0} s")
    rng = np.random.default_rng(seed)
    seg_rng = np.random.default_rng([seed, 1])
    plans = plan_contacts(drill, duration_s, rng)
    t_out = np.arange(int(np.floor(duration_s * fs_hz))) / fs_hz
    # Both feet stand side by side, the heel this far behind the first contact.
    x_stand = plans[0].x_m - (0.35 if plans[0].drill.strike is Strike.HEEL else 0.35 + BALL_M)
    sensors, landings = _simulate_feet(plans, x_stand, duration_s, fs_hz, {"left": t_out, "right": t_out}, rng,
                                       noise, acc_range_g * GRAVITY_MPS2, gyr_range_dps, segments, seg_rng)
    rec = Recording(tuple(sensors), f"simulated {drill.name}")
    truth = {"drill": drill.name, "fs_hz": fs_hz, "seed": seed, "contacts": _contacts_truth(landings, False)}
    return Simulation(rec, truth, seed, {"drill": drill.name, "seed": seed, "simulated": True})


def _check_rate(fs_hz: float) -> None:
    if not 100.0 <= fs_hz <= 4000.0:
        raise UsageError(f"simulation rate {fs_hz} Hz is outside 100-4000 Hz")


@dataclass(frozen=True)
class _Landing:
    """One simulated contact's ground truth, before the step lengths (which pair the feet)."""

    foot: str
    ic_s: float
    to_s: float | None
    flat_x_m: float                  # the sensor's forward position at the foot's still instant
    stride_length_m: float | None
    peak_height_m: float | None
    shank_peak_deg: float | None
    thigh_peak_deg: float | None
    plan: ContactPlan


def _simulate_feet(plans: list[ContactPlan], x_stand: float, duration_s: float, fs_hz: float,
                   t_out: dict[str, np.ndarray], rng: np.random.Generator, noise: bool, acc_fs: float,
                   gyr_range_dps: float, segments: tuple[Segment, ...] = (),
                   seg_rng: np.random.Generator | None = None) -> tuple[list[SensorRecording], list[_Landing]]:
    """Both feet's pods (and the segment pods in ``segments``) sampled at ``t_out`` (per
    foot, s), and every contact's truth, from the contacts ``plans`` after standing at
    ``x_stand``."""
    t = np.arange(0.0, duration_s, 1.0 / FINE_HZ)
    sensors = []
    landings = []
    sos = butter(4, 0.4 * fs_hz, fs=FINE_HZ, output="sos")
    feet = {foot: _foot_trajectory([c for c in plans if c.foot == foot], t, y, x_stand)
            for foot, y in (("left", 0.1), ("right", -0.1))}
    if segments:
        # The hip moves smoothly: forward with the mean of the feet (low-passed at 1 Hz),
        # at a constant height; each thigh pod rotates about it.
        mean_x = 0.5 * (feet["left"][0][:, 0] + feet["right"][0][:, 0])
        hip = np.column_stack([sosfiltfilt(butter(2, 1.0, fs=FINE_HZ, output="sos"), mean_x),
                               np.zeros_like(mean_x), np.full_like(mean_x, HIP_M)])
    for foot, y in (("left", 0.1), ("right", -0.1)):
        heel, theta, truth, lift0 = feet[foot]
        c, s_ = np.cos(theta), np.sin(theta)
        sx, sz = SENSOR_M
        pos = heel.copy()
        pos[:, 0] += c * sx - s_ * sz
        pos[:, 2] += s_ * sx + c * sz
        vel = np.gradient(pos, t, axis=0)
        acc_w = np.gradient(vel, t, axis=0)
        f_w = acc_w + np.array([0.0, 0.0, GRAVITY_MPS2])
        # world -> foot frame: foot x = (cos th, 0, sin th), z = (-sin th, 0, cos th)
        f_ff = np.column_stack([c * f_w[:, 0] + s_ * f_w[:, 2], f_w[:, 1], -s_ * f_w[:, 0] + c * f_w[:, 2]])
        w = np.gradient(theta, t)
        g_ff = np.column_stack([np.zeros_like(w), -np.degrees(w), np.zeros_like(w)])
        acc, gyr = _imu(f_ff, g_ff, rng, sos, t_out[foot], fs_hz, noise, acc_fs, gyr_range_dps)
        sensors.append(SensorRecording(f"{foot}_pod", Placement(Side(foot), Segment.FOOT), float(fs_hz),
                                       np.ascontiguousarray(t_out[foot]), acc, gyr, acc_fs, float(gyr_range_dps)))
        if segments:
            shank, thigh = _segment_angles(truth, lift0, t, seg_rng)
            ankle = heel.copy()
            ankle[:, 0] += c * ANKLE_M[0] - s_ * ANKLE_M[1]
            ankle[:, 2] += s_ * ANKLE_M[0] + c * ANKLE_M[1]
            hip_y = hip + np.array([0.0, y, 0.0])
            for seg, anchor, angle, length, at in ((Segment.SHANK, ankle, shank, SHANK_M, SEGMENT_SENSOR),
                                                   (Segment.THIGH, hip_y, thigh, THIGH_M, -SEGMENT_SENSOR)):
                if seg in segments:
                    f_seg, g_seg = _segment_signals(anchor, angle, t, length, at)
                    a_s, g_s = _imu(f_seg, g_seg, seg_rng, sos, t_out[foot], fs_hz, noise, acc_fs, gyr_range_dps)
                    sensors.append(SensorRecording(f"{foot}_{seg.value}", Placement(Side(foot), seg),
                                                   float(fs_hz), np.ascontiguousarray(t_out[foot]), a_s, g_s,
                                                   acc_fs, float(gyr_range_dps)))
            swing_peaks = []
            for k, tr in enumerate(truth):
                if tr["to_s"] is None or k + 1 == len(truth):
                    swing_peaks.append((None, None))
                    continue
                sw = (t >= tr["to_s"]) & (t <= truth[k + 1]["ic_s"])
                swing_peaks.append((float(np.degrees(-shank[sw].min())), float(np.degrees(thigh[sw].max()))))
        else:
            swing_peaks = [(None, None)] * len(truth)
        # Truth per contact: peak sensor height in the following swing, stride length (none
        # from a landing to standing: the foot's next contact starts another rep).
        sz_stance = pos[:, 2]
        for k, tr in enumerate(truth):
            nxt = truth[k + 1]["ic_s"] if k + 1 < len(truth) else None
            stride = peak = None
            if nxt is not None and tr["to_s"] is not None:
                i_to = int(round(tr["to_s"] * FINE_HZ))
                i_n = int(round(nxt * FINE_HZ))
                # between the instants the foot stands still (heel down / foot flat), where a
                # stride is the same whichever point of the foot is followed
                i_f, i_nf = int(round(tr["flat_s"] * FINE_HZ)), int(round(truth[k + 1]["flat_s"] * FINE_HZ))
                stride = float(np.hypot(*(pos[i_nf, :2] - pos[i_f, :2])))
                peak = float(sz_stance[i_to:i_n].max() - sz_stance[i_f])
            landings.append(_Landing(foot, tr["ic_s"], tr["to_s"], float(pos[int(round(tr["flat_s"] * FINE_HZ)), 0]),
                                     stride, peak, swing_peaks[k][0], swing_peaks[k][1], tr["plan"]))
    return sensors, landings


def _to_um(length_m: float | None) -> float | None:
    """A session's lengths are kept to the micrometre: its truth file then reads the same
    on any machine (the last bits of sin and exp may differ between numpy builds)."""
    return None if length_m is None else round(length_m, 6)


def _contacts_truth(landings: list[_Landing], session: bool) -> list[dict]:
    """The truth's contacts in time order.  Step length: this contact's still-foot position
    along the track minus the other foot's at its latest contact before this one (null
    for the first, and for hops).  A session's contacts also say their rep and the
    athlete's planned speed at the IC."""
    order = sorted(landings, key=lambda c: (round(c.ic_s, 6), c.foot))
    out = []
    for c in order:
        ic_s = round(c.ic_s, 6)
        to_s = None if c.to_s is None else round(c.to_s, 6)
        other = [o.flat_x_m for o in landings if o.foot != c.foot and o.ic_s < ic_s - 1e-9]
        extra = {"rep": c.plan.rep, "speed_mps": round(c.plan.speed_mps, 6)} if session else {}
        out.append({"foot": c.foot, "ic_s": ic_s, "to_s": to_s,
                    "contact_s": None if to_s is None else round(c.to_s - c.ic_s, 6),
                    "stride_length_m": _to_um(c.stride_length_m) if session else c.stride_length_m,
                    "peak_height_m": _to_um(c.peak_height_m) if session else c.peak_height_m,
                    "shank_angle_peak_deg": c.shank_peak_deg, "thigh_angle_peak_deg": c.thigh_peak_deg,
                    "step_length_m": round(c.flat_x_m - other[-1], 6) if other else None, **extra})
    return out


def write_simulation(sim: Simulation, path: Path, truth_path: Path | None = None) -> None:
    from .atomic_file import write_atomic
    from .readers import native
    native.write(Path(path), sim.recording, meta=sim.meta)
    if truth_path is not None:
        text = json.dumps(sim.truth, indent=1) + "\n"
        try:
            write_atomic(truth_path, lambda f: f.write(text.encode("utf-8")))
        except BaseException:
            Path(path).unlink(missing_ok=True)     # the recording without its truth is half the output
            raise


# --- Sessions: reps from standing to standing, with standing rest between them ---

DRIVE = ACCEL.ramp_from          # a sprint's first steps (4 m/s); its figures run on below 4 m/s
STOP_SPEED_MPS = 2.0             # a braking sprint lands to standing once the speed would fall below this
FIRST_LINE_M = 0.35              # a drill's first landing: this far ahead of the standing heel (as plan_contacts)


@dataclass(frozen=True)
class Rep:
    """One rep of a session, from standing to standing: ``drill`` from the start line over
    ``distance_m``, then a stop with the feet side by side (one foot lands to standing, the
    other lands beside it).

    With ``accel_tau_s`` it is a sprint from a standing start: the athlete's speed t after
    the first movement is v(t) = v_max (1 - exp(-t / accel_tau_s)), v_max the drill's speed
    (the mono-exponential model of sprint acceleration: Furusawa, Hill and Parkinson 1927;
    Samozino et al. 2016, Scand J Med Sci Sports 26:648: a sprint start's time constant
    is about 1-1.5 s; a flying sprint's gradual build-up takes a longer one); at
    ``distance_m`` the athlete brakes at ``brake_mps2`` until the speed would fall below
    STOP_SPEED_MPS, and the next landing is the stop.  Contact and step times, pitch
    angles and swing follow the speed, linearly from the drive phase's figures (DRIVE,
    4 m/s; continued down to STOP_SPEED_MPS) to the drill's at v_max, as the simulated
    acceleration does by step count.  The first foot swings one step's time from beside the other, which pushes
    until the first foot lands.  Without ``accel_tau_s`` the drill runs at its own pace
    from the first step, started as the single-drill simulation starts it, and stops
    after the landing that reaches ``distance_m`` (after a skip's hop)."""

    drill: Drill
    distance_m: float
    accel_tau_s: float | None = None
    brake_mps2: float | None = None
    fatigue_from_step: int | None = None   # from this contact of the rep on (0: its first) ...
    fatigue_contact_pct: float = 0.0       # ... every contact is this much longer (injected fatigue)
    right_longer_pct: float = 0.0          # every right-foot contact this much longer (injected asymmetry)
    lift_drop_from_step: int | None = None   # from this contact of the rep on, the swing into each ...
    lift_drop_pct: float = 0.0               # ... lifts the foot this much less (its clearance, in %)
    called: str | None = None   # what the plan calls it (a catalog id or alias); default: the drill's name

    def __post_init__(self):
        if not self.distance_m > 0:
            raise UsageError(f"rep of {self.drill.name}: distance {self.distance_m} m must be positive")
        if self.fatigue_from_step is not None and not (self.fatigue_from_step >= 0
                                                       and 0 < self.fatigue_contact_pct <= 100):
            raise UsageError(f"rep of {self.drill.name}: fatigue from contact {self.fatigue_from_step} by "
                             f"{self.fatigue_contact_pct}%: give a contact from 0 and a lengthening of 0-100%")
        if not 0.0 <= self.right_longer_pct <= 100.0:
            raise UsageError(f"rep of {self.drill.name}: right contacts {self.right_longer_pct}% longer: give 0-100%")
        if self.lift_drop_from_step is not None and not (self.lift_drop_from_step >= 0
                                                         and 0 < self.lift_drop_pct < 100):
            raise UsageError(f"rep of {self.drill.name}: foot lift down {self.lift_drop_pct}% from contact "
                             f"{self.lift_drop_from_step}: give a contact from 0 and a drop of 0-100%")
        if (self.accel_tau_s is None) != (self.brake_mps2 is None):
            raise UsageError(f"rep of {self.drill.name}: a sprint from standing takes both accel_tau_s and "
                             "brake_mps2, a drill at its pace neither")
        if self.accel_tau_s is not None and not (self.accel_tau_s > 0 and self.brake_mps2 > 0):
            raise UsageError(f"rep of {self.drill.name}: accel_tau_s and brake_mps2 must be positive")
        if self.accel_tau_s is not None and self.drill.pattern is not Pattern.ALTERNATE:
            raise UsageError(f"rep of {self.drill.name}: a sprint from standing alternates the feet; "
                             f"{self.drill.name} does not")
        if self.drill.pattern is Pattern.TOGETHER:
            raise UsageError(f"rep of {self.drill.name}: a session's stop lands one foot beside the other, "
                             "so two-footed drills are not simulated in sessions")

    def describe(self) -> str:
        """As a coach writes it in a plan (gaitcore.plan reads it): "20 m skips", "40 m
        sprint" (from standing: its braking to a stop is not planned); a walk is the walk back
        to the start: rest, no item of the plan."""
        if self.drill is WALK:
            return f"{self.distance_m:g} m walk back (rest)"
        what = self.called or self.drill.name.replace("_held", "")
        return f"{self.distance_m:g} m {what.replace('_', ' ')}"


@dataclass(frozen=True)
class SessionPlan:
    """A training session: standing ``lead_s``, the reps with ``rest_s`` of standing
    between them (from the feet together to the next first movement), standing ``tail_s``."""

    name: str
    description: str
    athlete: str
    reps: tuple[Rep, ...]
    lead_s: float = 3.0
    rest_s: float = 10.0
    tail_s: float = 3.0

    def __post_init__(self):
        if not self.reps:
            raise UsageError(f"session {self.name!r} has no reps")
        if min(self.lead_s, self.rest_s, self.tail_s) < 1.0:
            raise UsageError(f"session {self.name!r}: standing before, between and after the reps must be at "
                             "least 1 s each (the analysis measures the gyroscope's bias there)")

    def text(self) -> str:
        """The plan as a coach would write it (the pod session's ``plan``, which
        :func:`gaitcore.plan.parse_plan` reads: its drills name the reps)."""
        parts = [f"{self.lead_s:g} s standing rest"]
        for k, rep in enumerate(self.reps):
            if k:
                parts.append(f"{self.rest_s:g} s standing rest")
            parts.append(rep.describe())
        parts.append(f"{self.tail_s:g} s standing rest")
        return "; ".join(parts)


DEMO_SESSION = SessionPlan(
    "demo", "a 40 m sprint from standing with its braking, 20 m A-skips, 20 m high knees; standing rest between",
    "demo athlete",
    (Rep(SPRINT, 40.0, accel_tau_s=1.3, brake_mps2=3.5), Rep(SKIP, 20.0), Rep(HIGH_KNEES, 20.0)))

SPRINT_SET = SessionPlan(
    "sprint_set", "five 30 m sprints from standing, 20 s apart; the top speed falls 5% at the fourth and 9% at "
    "the fifth (the set's cues)", "demo athlete",
    tuple(Rep(replace(SPRINT, speed_mps=v), 30.0, accel_tau_s=1.2, brake_mps2=4.0)
          for v in (9.5, 9.5, 9.45, 9.0, 8.6)), rest_s=20.0)
DRILL_SET = SessionPlan(
    "drill_set", "A-skips, then A-skips 25% longer in contact; high knees with the right foot 25% slower off the "
    "ground, then with the foot lift down 40% from the 25th contact, then steady; a walk back after each but the "
    "last (the drills' cues)", "demo athlete",
    (Rep(SKIP, 20.0), Rep(WALK, 12.0), Rep(SKIP, 20.0, fatigue_from_step=0, fatigue_contact_pct=25.0),
     Rep(WALK, 12.0), Rep(HIGH_KNEES, 20.0, right_longer_pct=25.0), Rep(WALK, 10.0),
     Rep(HIGH_KNEES, 20.0, lift_drop_from_step=24, lift_drop_pct=40.0), Rep(WALK, 10.0), Rep(HIGH_KNEES, 20.0)),
    rest_s=4.0)

SESSIONS = {p.name: p for p in (DEMO_SESSION, SPRINT_SET, DRILL_SET)}


def session_by_name(name: str) -> SessionPlan:
    try:
        return SESSIONS[name]
    except KeyError:
        raise UsageError(f"unknown session {name!r}; choose one of {', '.join(SESSIONS)}") from None


@dataclass(frozen=True)
class _SprintProfile:
    """Speed and distance covered of a sprint rep t after its first movement (see Rep):
    v_max (1 - exp(-t / tau)) until ``braking_from_s``, where ``distance_m`` is reached,
    then braking at ``brake_mps2`` to a standstill."""

    v_max_mps: float
    tau_s: float
    distance_m: float
    brake_mps2: float
    braking_from_s: float

    @classmethod
    def of(cls, rep: Rep) -> "_SprintProfile":
        from scipy.optimize import brentq
        v, tau = rep.drill.speed_mps, rep.accel_tau_s
        covered = lambda t: v * (t - tau * (1.0 - np.exp(-t / tau))) - rep.distance_m  # noqa: E731
        t_b = float(brentq(covered, 0.0, rep.distance_m / v + 10.0 * tau, xtol=1e-12))
        return cls(v, tau, rep.distance_m, rep.brake_mps2, t_b)

    def _braking_s(self, t: float) -> float:
        v_b = self.v_max_mps * (1.0 - np.exp(-self.braking_from_s / self.tau_s))
        return min(t - self.braking_from_s, v_b / self.brake_mps2)

    def speed_mps(self, t: float) -> float:
        if t <= self.braking_from_s:
            return float(self.v_max_mps * (1.0 - np.exp(-t / self.tau_s)))
        return float(self.speed_mps(self.braking_from_s) - self.brake_mps2 * self._braking_s(t))

    def covered_m(self, t: float) -> float:
        if t <= self.braking_from_s:
            return float(self.v_max_mps * (t - self.tau_s * (1.0 - np.exp(-t / self.tau_s))))
        u = self._braking_s(t)
        return float(self.distance_m + self.speed_mps(self.braking_from_s) * u - 0.5 * self.brake_mps2 * u * u)


def _sprint_drill(top: Drill, v_mps: float) -> Drill:
    """The figures of a sprint's step at speed ``v_mps``: DRIVE's at its speed, ``top``'s at
    ``top.speed_mps``, linear between; below DRIVE's speed the line runs on down to
    STOP_SPEED_MPS."""
    lo = (STOP_SPEED_MPS - DRIVE.speed_mps) / (top.speed_mps - DRIVE.speed_mps)
    f = min(1.0, max(lo, (v_mps - DRIVE.speed_mps) / (top.speed_mps - DRIVE.speed_mps)))
    return _lerp_drill(DRIVE, top, f)


def _first_swing_s(d: Drill, contact_s: float) -> float:
    """A foot's first swing from standing to its first contact (the single drill's rule)."""
    return 2 * d.step_s - contact_s if d.pattern is Pattern.ALTERNATE else d.step_s


def _plan_rep(rep: Rep, index: int, onset_s: float, x_heel_m: float,
              rng: np.random.Generator) -> tuple[list[ContactPlan], dict]:
    """The contacts of one rep whose first movement (the first foot's heel rise) is at
    ``onset_s``, both heels standing at ``x_heel_m``; and the rep's truth."""
    top = rep.drill
    sprint = None if rep.accel_tau_s is None else _SprintProfile.of(rep)
    cycle = {Pattern.ALTERNATE: ("left", "right"), Pattern.SKIP: ("left", "left", "right", "right")}[top.pattern]
    if sprint is None:
        t_ic = START_PUSH_S + _first_swing_s(top, top.contact_s)
        x_line = x_heel_m + FIRST_LINE_M + (0.0 if top.strike is Strike.HEEL else BALL_M)
    else:
        t_ic = START_PUSH_S + _sprint_drill(top, 0.0).step_s   # one step's swing, from beside the other foot
        x_line = x_heel_m + BALL_M
    plans: list[ContactPlan] = []
    x = x_line
    k = 0
    fatigue_ic = lift_ic = None
    while True:
        if sprint is None:
            d, v = top, top.speed_mps
        else:
            v = sprint.speed_mps(t_ic)
            d = _sprint_drill(top, v)
        r = 1.0 + d.variability * rng.standard_normal(2)
        contact = d.contact_s * r[0]
        if rep.fatigue_from_step is not None and k >= rep.fatigue_from_step:
            contact *= 1.0 + rep.fatigue_contact_pct / 100.0
            if fatigue_ic is None:
                fatigue_ic = onset_s + t_ic
        foot = cycle[k % len(cycle)]
        if foot == "right":
            contact *= 1.0 + rep.right_longer_pct / 100.0
        if rep.lift_drop_from_step is not None and k >= rep.lift_drop_from_step:
            d = replace(d, clearance_m=d.clearance_m * (1.0 - rep.lift_drop_pct / 100.0))
            if lift_ic is None:
                lift_ic = onset_s + t_ic
        if sprint is not None:     # the body passes over the stance foot at mid-contact
            x = x_line + sprint.covered_m(t_ic + 0.5 * contact)
        step = max(d.step_s * r[1], contact * 1.05 if d.pattern is not Pattern.ALTERNATE else 0.0)
        lift = None
        if all(c.foot != foot for c in plans):     # the foot's first contact: when it leaves standing
            if k == 0:
                lift = onset_s + START_PUSH_S
            elif sprint is None:
                lift = onset_s + t_ic - _first_swing_s(d, contact)
            else:
                lift = plans[0].ic_s     # the rear foot pushes until the first foot lands
        plans.append(ContactPlan(foot, float(onset_s + t_ic), float(contact), float(x), d,
                                 top.pattern is Pattern.SKIP and k % 2 == 1,
                                 start_lift_s=None if lift is None else float(lift), rep=index,
                                 speed_mps=float(v)))
        t_next = t_ic + step
        if sprint is None:
            x_next = x + top.speed_mps * step
            done = x_next - x_line >= rep.distance_m and (top.pattern is not Pattern.SKIP or k % 2 == 1)
        else:
            x_next = x_line + sprint.covered_m(t_next)
            done = t_next > sprint.braking_from_s and sprint.speed_mps(t_next) < STOP_SPEED_MPS
        if done:
            break
        t_ic, x = t_next, x_next
        k += 1
    # The stop: the other foot lands to standing one step on, this foot lands beside it.
    last = plans[-1]
    other = "right" if last.foot == "left" else "left"
    x_stop = x_next - (0.0 if last.drill.strike is Strike.HEEL else BALL_M)
    v_stop = top.speed_mps if sprint is None else sprint.speed_mps(t_next)
    t_beside = t_ic + contact + max(0.3, 2 * last.drill.step_s - contact)
    stop = _stop_drill(last.drill)
    plans.append(ContactPlan(other, float(onset_s + t_next), np.inf, float(x_stop), stop, stop=True, rep=index,
                             speed_mps=v_stop))
    plans.append(ContactPlan(last.foot, float(onset_s + t_beside), np.inf, float(x_stop), stop, stop=True, rep=index,
                             speed_mps=0.0))
    truth = {"drill": top.name, "distance_m": rep.distance_m, "start_s": round(float(onset_s), 6),
             "end_s": round(float(onset_s + t_beside + 2 * STOP_FLAT_S), 6),
             "braking_from_s": None if sprint is None else round(float(onset_s + sprint.braking_from_s), 6)}
    truth["first_movement_s"] = round(float(onset_s + FIRST_MOVE_S), 6)
    if sprint is not None:
        truth.update(_sprint_truth(sprint))
    if rep.fatigue_from_step is not None:    # (the IC of its first longer contact; None: the rep ended first)
        truth["fatigue_from_s"] = None if fatigue_ic is None else round(float(fatigue_ic), 6)
    if rep.right_longer_pct:
        truth["right_longer_pct"] = rep.right_longer_pct
    if rep.lift_drop_from_step is not None:  # (the IC its lower swing lands at)
        truth["lift_drop_from_s"] = None if lift_ic is None else round(float(lift_ic), 6)
    return plans, truth


SPLITS_M = (5.0, 10.0, 20.0, 30.0, 40.0)
FLYING_M = (10.0, 20.0, 30.0)


def _sprint_truth(sprint: _SprintProfile) -> dict:
    """A sprint rep's splits (s from its first movement, the heel rise FIRST_MOVE_S after the
    profile's start, to when the body has covered each of SPLITS_M it reaches, braking included), its
    fastest window of each of FLYING_M (s), its top speed (m/s) and where it was reached
    (m).  The body is the profile's point, over the stance foot at mid-contact."""
    t = np.arange(0.0, sprint.braking_from_s + sprint.v_max_mps / sprint.brake_mps2, 1e-4)
    covered = np.array([sprint.covered_m(v) for v in t])
    keep = np.concatenate(([True], np.diff(covered) > 0))
    t, covered = t[keep], covered[keep]
    grid = np.arange(0.0, covered[-1], 0.01)
    t_at = np.interp(grid, covered, t)
    flying = {}
    for w in FLYING_M:
        n = int(round(w / 0.01))
        if n < grid.size:
            flying[f"{w:g}"] = round(float(np.min(t_at[n:] - t_at[:-n])), 6)
    return {"splits_s": {f"{d:g}": round(float(np.interp(d, covered, t)) - FIRST_MOVE_S, 6)
                         for d in SPLITS_M if d <= covered[-1]},
            "flying_s": flying, "top_speed_mps": round(sprint.speed_mps(sprint.braking_from_s), 6),
            "top_speed_at_m": sprint.distance_m}


@dataclass(frozen=True)
class SessionContacts:
    """A session plan's contacts in time order, its reps' truth, its length (s)."""

    contacts: tuple[ContactPlan, ...]
    reps: tuple[dict, ...]
    duration_s: float


def plan_session(plan: SessionPlan, rng: np.random.Generator) -> SessionContacts:
    """Every contact of ``plan``'s reps and the reps' truth.  The athlete starts each rep
    where the last one stopped."""
    plans: list[ContactPlan] = []
    reps = []
    onset, x_heel = plan.lead_s, 0.0
    for k, rep in enumerate(plan.reps):
        cs, truth = _plan_rep(rep, k, onset, x_heel, rng)
        plans += cs
        reps.append(truth)
        x_heel = cs[-1].x_m
        onset = truth["end_s"] + plan.rest_s
    return SessionContacts(tuple(plans), tuple(reps), reps[-1]["end_s"] + plan.tail_s)


def simulate_plan(plan: SessionPlan, fs_hz: float = 1000.0, seed: int = 0, acc_range_g: float = 32.0,
                  gyr_range_dps: float = 2000.0, noise: bool = True,
                  first_sample_s: dict[Side, float] | None = None) -> Simulation:
    """Simulate both feet through ``plan``: one continuous recording, standing, rep,
    standing rest, rep, ... (the simulator's model; defaults: the reference pod's
    ranges).  ``first_sample_s``: when each foot's pod takes its first sample on the
    session's clock (pods started a few ms apart; default 0); the motion is one, so
    each pod samples it at its own times.  The truth holds every contact as the
    single-drill truth does, plus its rep and the athlete's planned speed at its IC, and
    each rep's start (first movement), end (feet together, flat) and, for a sprint, when
    braking began."""
    _check_rate(fs_hz)
    starts = {Side.LEFT: 0.0, Side.RIGHT: 0.0, **(first_sample_s or {})}
    if not all(0.0 <= v < plan.lead_s for v in starts.values()):
        raise UsageError(f"first samples at {sorted(starts.values())} s: give times from 0 to the session's "
                         f"{plan.lead_s:g} s of standing before the first rep")
    rng = np.random.default_rng(seed)
    planned = plan_session(plan, rng)
    duration_s = planned.duration_s
    t_out = {side.value: t0 + np.arange(int(np.floor((duration_s - t0) * fs_hz))) / fs_hz
             for side, t0 in starts.items()}
    sensors, landings = _simulate_feet(list(planned.contacts), 0.0, duration_s, fs_hz, t_out, rng, noise,
                                       acc_range_g * GRAVITY_MPS2, gyr_range_dps)
    meta = {"session": plan.name, "athlete": plan.athlete, "plan": plan.text(),
            "drills": [rep.drill.name for rep in plan.reps], "seed": seed, "simulated": True}
    rec = Recording(tuple(sensors), f"simulated session {plan.name}", session=SessionInfo.from_meta(meta))
    truth = {"session": plan.name, "plan": plan.text(), "fs_hz": fs_hz, "seed": seed, "acc_range_g": acc_range_g,
             "gyr_range_dps": gyr_range_dps, "duration_s": round(duration_s, 6), "reps": list(planned.reps),
             "contacts": _contacts_truth(landings, True)}
    return Simulation(rec, truth, seed, meta)


# --- A simulated session as two reference pods sampled it ---

POD_RATES_HZ = (13, 26, 52, 104, 208, 416, 833, 1000, 1666, 3332)   # firmware/footpod_core.c
POD_ACC_RANGES_G = (2, 4, 8, 16, 32)
POD_GYR_RANGES_DPS = (125, 250, 500, 1000, 2000, 4000)


@dataclass(frozen=True)
class SimulatedPod:
    """How one simulated reference pod (USB serial at 921600 baud) was started and kept
    time; times on the session clock (s since the recorder started)."""

    side: Side
    url: str
    connected_s: float       # the recorder opened its port (its 'start' follows at once)
    first_sample_s: float    # its first sample, a little after 'start' reached it
    uptime_us: int           # its own clock at the first sample
    drift_ppm: float         # its clock's rate error
    device_id: bytes


@dataclass(frozen=True)
class PodSimulation:
    """A simulated session and the pods that recorded it."""

    simulation: Simulation
    pods: tuple[SimulatedPod, ...]
    plan: SessionPlan


def simulated_pods(seed: int) -> tuple[SimulatedPod, ...]:
    """The left and right pod of a simulated session, from a generator of their own (the
    motion and the sensor noise do not depend on them): opened 3-12 ms into the session,
    first sample 0.5-2 ms after 'start', clock 1-5 s since power-on and +-30 ppm off."""
    rng = np.random.default_rng([seed, 2])
    pods = []
    for k, side in enumerate((Side.LEFT, Side.RIGHT)):
        connected = float(rng.uniform(0.003, 0.012))
        pods.append(SimulatedPod(side, f"serial:///dev/ttyUSB{k}", round(connected, 6),
                                 round(connected + 0.0002 + float(rng.uniform(0.0005, 0.002)), 6),
                                 int(rng.integers(1_000_000, 5_000_000)), round(float(rng.uniform(-30.0, 30.0)), 3),
                                 bytes(rng.integers(0, 256, 6, dtype=np.uint8))))
    return tuple(pods)


def simulate_pod_session(plan: SessionPlan, fs_hz: float = 1000.0, seed: int = 0, acc_range_g: float = 32.0,
                         gyr_range_dps: float = 2000.0) -> PodSimulation:
    """``plan`` recorded by two reference pods (``simulated_pods``): each samples the one
    motion at its own times; the defaults are the pod's own settings."""
    if fs_hz not in POD_RATES_HZ or acc_range_g not in POD_ACC_RANGES_G or gyr_range_dps not in POD_GYR_RANGES_DPS:
        raise UsageError(f"the reference pod runs at {', '.join(map(str, POD_RATES_HZ))} Hz, "
                         f"+-{'/'.join(map(str, POD_ACC_RANGES_G))} g and +-{'/'.join(map(str, POD_GYR_RANGES_DPS))} "
                         f"deg/s; {fs_hz:g} Hz, {acc_range_g:g} g, {gyr_range_dps:g} deg/s is not among them "
                         "(write a .gaitrec for other settings)")
    pods = simulated_pods(seed)
    sim = simulate_plan(plan, float(fs_hz), seed, float(acc_range_g), float(gyr_range_dps),
                        first_sample_s={p.side: p.first_sample_s for p in pods})
    return PodSimulation(sim, pods, plan)
