"""The analysis's thresholds and noise figures, as frozen values one can pass to
:func:`gaitcore.analyze` (``params=``).

Every field names its unit (or its docstring does) and says where its default comes
from: a measurement (``docs/findings.md`` holds the comparisons), a physical bound, or,
where nothing was compared, that it was set by hand.  The defaults are what ``gait
analyze`` uses; a field changed moves the results the way its docstring says.

* :class:`EventParams`: the contact detector (:mod:`gaitcore._events_kernel`) and its
  swing-artefact rule (:func:`gaitcore.events.drop_swing_artefacts`).
* :class:`StepParams`: how contacts become steps (:mod:`gaitcore.steps`).
* :class:`InsParams`: the foot trajectory's filter (:mod:`gaitcore.trajectory`).
* :class:`SplitParams`: a rep's start and its splits (:mod:`gaitcore.splits`).
* :class:`Params`: the four together.

This module needs numpy only, so building parameters compiles nothing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from .errors import UsageError
from .signals import GRAVITY_MPS2, MAX_STRIDE_S


def _check(obj, fraction: tuple[str, ...] = (), signed: tuple[str, ...] = ()) -> None:
    """Refuse a field that is not a finite positive number (``fraction``: at most 1;
    ``signed``: any finite number)."""
    for f in fields(obj):
        v = getattr(obj, f.name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise UsageError(f"{type(obj).__name__}.{f.name} must be a finite number, got {v!r}")
        if v <= 0 and f.name not in signed:
            raise UsageError(f"{type(obj).__name__}.{f.name} must be a positive finite number, got {v!r}")
        if f.name in fraction and v > 1:
            raise UsageError(f"{type(obj).__name__}.{f.name} is a fraction of a peak, at most 1, got {v!r}")


@dataclass(frozen=True, slots=True)
class EventParams:
    """Thresholds of the contact detector (cycle: stance, push-off, toe-off, swing,
    initial contact; the method is in :mod:`gaitcore._events_kernel`)."""

    swing_dps: float = 40.0
    """Toe-up pitch rate (deg/s) that, after ``swing_angle_deg`` of toe-up rotation, proves
    the foot swings and so confirms the toe-off.  Set by hand; not compared."""
    swing_angle_deg: float = 5.0
    """Toe-up rotation (deg) since the push-off that proves a swing.  Impact ringing never
    reaches it; the slowest real swings (PyShoe walks) turn the foot 6-10 deg."""
    lobe_band_dps: float = 20.0
    """A toe-down lobe of the pitch rate ends when the rate is back within this (deg/s) of
    zero.  Set by hand; not compared."""
    push_dps: float = 60.0
    """Toe-down peak rate (deg/s) a push-off must exceed to be a toe-off.  Set by hand; not
    compared."""
    peak_fraction: float = 0.5
    """The swing's toe-up peak has passed once the rate falls below this fraction of it;
    the landing is searched for after that.  Set by hand; not compared."""
    to_fraction: float = 0.75
    """Toe-off: the push-off rate back to this fraction of its peak.  Chosen on the gaitmap
    walk, where every fraction from 0.5 to 0.8 is within 10 ms of the motion capture."""
    impact_jerk_mps3: float = 10000.0
    """Jerk (m/s^3) of a landing's impact, about 1 g per ms: above the terminal swing's jerk
    of gait (real walk: at most 11000)."""
    impact_jerk_swing_mps3: float = 30000.0
    """Jerk (m/s^3) that ends a swing before its toe-up peak has passed (a forefoot landing
    while the foot still rotates toe-up); the real walks' largest in a swing: 23400."""
    impact_spike_mps2: float = 12.0 * GRAVITY_MPS2
    """... or a jerk over ``impact_jerk_mps3`` into a specific force over this (m/s^2): the
    real walks' swing outlier reached 7.7 g; a 200 Hz hop landing, 24000 m/s^3 into 15 g."""
    min_contact_s: float = 0.05
    """Shorter than any real contact (elite sprint contacts: 80 ms and more): a push-off
    sooner after the landing is not its toe-off."""
    min_impact_after_to_s: float = 0.05
    """An impact this soon (s) after the toe-off is the push-off's ringing, not a landing.
    Set by hand; not compared."""
    confirm_s: float = 0.1
    """A toe-down crossing is a landing unless, within this (s) and before any impact, the
    foot turns toe-up again: PyShoe jogging stride error 11.3% without it, 7.6% with it."""
    reject_dps: float = 60.0
    """... turns toe-up faster than this (deg/s): a mid-swing pitch reversal, as in jogging,
    not a heel strike.  Set by hand; not compared."""
    slap_dps: float = 20.0
    """A crossing within ``confirm_s`` of an impact that pulled the foot down (a foot braked in
    the air) stands at ``confirm_s`` only if by then the foot turned toe-down faster than this
    (deg/s: flat after a heel strike) or an impact came.  Of the real walks' and jogs' 1456
    crossings, 1440 turn so within 0.1 s; a free foot held still in the air (simulated
    A-skips) turns under 2 deg/s."""
    held_s: float = 0.5
    """... without either it waits (the foot may be held in the air): it is a landing at a
    push-off (toe-down faster than ``push_dps``) or once it has waited this long (s), longer
    than an A-skip's free foot is held (150-300 ms); a jerk or a toe-up turn faster than
    ``reject_dps`` drops it (the foot leaves its hold), and the landing is searched for from
    ``min_impact_after_to_s`` after that."""
    push_angle_deg: float = 25.0
    """Within one toe-down lobe, a push-off that had turned the foot this far toe-down (deg)
    by the time its rate fell back to ``to_fraction`` of its peak ended the contact: a deeper
    toe-down turn after it in the same lobe is the swing's (a butt kick's heel driven up), not
    the push-off.  A shallower first turn (a heel strike's slap, 10-20 deg) is not a push-off
    yet, and the deeper turn after it is.  Simulated butt kicks of 0.13-0.16 s contacts turn
    about 32-40 deg by then and their swing deeper still: without the rule 20 and 66 of 70
    toe-offs fall in the swing, with it none.  Any value from 15 to 30 deg leaves the 43 real
    recordings and the simulator's 15 drills (200-1600 Hz, seeds 1-3) as they are."""
    landing_up_mps2: float = 1.5 * GRAVITY_MPS2
    """A landing pushes the foot up: an impact is a landing only if, within ``landing_wait_s``
    of its onset, the specific force along the foot's up exceeds this (m/s^2) before it falls
    under ``pulled_down_mps2``.  Simulated drills (11 drills, 200-1600 Hz, seeds 1-2): all 2462
    landings' impacts reached 1.6 g, 2460 of them first, within 10 ms; a free foot stopped
    hard in the air is pulled down first (122 of its 124 impacts)."""
    pulled_down_mps2: float = 0.0
    """... falls under this (m/s^2): the foot accelerated down harder than gravity pulls it
    (or a rising foot braked harder than gravity), which no landing does."""
    landing_wait_s: float = 0.02
    """... within this (s) of its onset: the simulated landings' longest wait was 10 ms (at
    200 Hz); an impact that neither rises nor falls by then is not a landing."""

    @property
    def report_delay_s(self) -> float:
        """The longest (s) an IC can be reported after it happened: a crossing waits up to
        ``held_s``, or ``confirm_s`` for an impact that takes ``landing_wait_s`` to push the foot up."""
        return max(self.held_s, self.confirm_s + self.landing_wait_s)
    min_swing_s: float = 0.1
    """No foot swings faster (the simulator's shortest swing, a skip's hop, 0.11 s; fast feet
    0.18 s): of the two contacts around a shorter swing the less still one is dropped."""
    less_still_by: float = 1.15
    """... when it is less still by this factor (median gyroscope norm over the stance):
    PyShoe's false contacts 1.19-7.5 times their neighbours', the simulator's skips 1.03-1.08."""

    def __post_init__(self):
        _check(self, fraction=("peak_fraction", "to_fraction"), signed=("pulled_down_mps2",))
        if self.pulled_down_mps2 >= self.landing_up_mps2:
            raise UsageError(f"EventParams.pulled_down_mps2 ({self.pulled_down_mps2}) must be below "
                             f"landing_up_mps2 ({self.landing_up_mps2})")


@dataclass(frozen=True, slots=True)
class StepParams:
    """How contacts become steps: timing, pairing of the feet, confidence."""

    max_contact_s: float = 2.0
    """A contact longer is standing, not a step's stance: no ``to_s``, no pace, and the
    strides into and out of it are anchored at its ends.  Set by hand (a stop between reps,
    a pause); not compared."""
    max_stride_s: float = MAX_STRIDE_S
    """The longest stride of any gait (s): contacts of one foot further apart are no stride,
    and no step or flight time is longer."""
    together_s: float = 0.1
    """Two landings closer than this (s), the second before the first foot leaves, are one
    landing on both feet (bunny hops, a two-footed stop): no foot swings faster (the
    simulator's shortest swing, a skip's hop, is 0.11 s).  A threshold with a cliff."""
    strong_swing_dps: float = 150.0
    """Swing peak rate (deg/s) that earns a contact full confidence for its swing (less
    scales it down).  Set by hand; not compared."""
    strong_push_dps: float = 150.0
    """Push-off peak rate (deg/s) that earns full confidence for the push-off.  Set by hand;
    not compared."""
    rep_pause_s: float = 3.0
    """No contact of either foot for longer than this (s) ends a rep (gaitcore.reps): longer
    than any stride (``max_stride_s``), so a rep's own contacts never part by it.  Set by
    hand; not compared."""
    reconstructed_factor: float = 0.9
    """Confidence factor of a stride integrated across rebuilt (clipped) samples.  Set by
    hand; not compared."""

    def __post_init__(self):
        _check(self, fraction=("reconstructed_factor",))


@dataclass(frozen=True, slots=True)
class InsParams:
    """Noise figures of the foot trajectory's filter (zero-velocity-aided INS): continuous
    noise densities and the starting uncertainties.  Angles and rates are in radians here,
    as the filter works in them."""

    sigma_acc: float = 0.5
    """Accelerometer noise density, m/s^2/sqrt(Hz).  Set by hand; not compared."""
    sigma_gyr: float = math.radians(1.0)
    """Gyroscope noise density, rad/s/sqrt(Hz) (1 deg/s/sqrt(Hz)).  Set by hand; not compared."""
    sigma_acc_bias: float = 0.01
    """Accelerometer bias random walk, m/s^2/sqrt(s).  Set by hand; not compared."""
    sigma_gyr_bias: float = math.radians(0.05)
    """Gyroscope bias random walk across the sensor's up, rad/s/sqrt(s) (0.05 deg/s/sqrt(s)).
    Priors and walks the x-io loops cannot tell apart move their closures 40-300 mm; none
    meets both loops' targets (docs/findings.md)."""
    p0_pos: float = 1e-3
    """Starting position uncertainty, m.  Set by hand; not compared."""
    p0_vel: float = 0.01
    """Starting velocity uncertainty, m/s (the filter starts at a zero-velocity sample).
    Set by hand; not compared."""
    p0_tilt: float = math.radians(2.0)
    """Starting tilt uncertainty, rad (2 deg; the tilt comes from a stance's specific force).
    Set by hand; not compared."""
    p0_yaw: float = math.radians(0.1)
    """Starting heading uncertainty, rad (0.1 deg: the start's heading defines the frame).
    Set by hand; not compared."""
    p0_acc_bias: float = 0.3
    """Starting accelerometer bias uncertainty, m/s^2.  Set by hand; not compared."""
    p0_gyr_bias: float = math.radians(1.0)
    """Starting gyroscope bias uncertainty across the sensor's up, rad/s (1 deg/s); as
    ``sigma_gyr_bias``, one of the choices the x-io loops cannot tell apart."""
    p0_gyr_bias_up: float = math.radians(0.1)
    """... along the sensor's up, rad/s (0.1 deg/s), at each start of the filter: zero-velocity
    updates cannot observe it (a heading rate); gaitmap heading drift +0.04 / -0.11 deg/s with
    it against +0.29 / -0.38 with 1 deg/s, and any value from 0.01 to 0.1 gives the same."""
    sigma_gyr_bias_up: float = math.radians(0.005)
    """Gyroscope bias random walk along the sensor's up, rad/s/sqrt(s) (0.005 deg/s/sqrt(s));
    0.0005-0.005 give the same headings (it is the prior that matters)."""
    sigma_level: float = 0.02
    """m: how closely each stance's height equals the previous stance's (level ground).
    Set by hand; not compared."""

    def __post_init__(self):
        _check(self)


@dataclass(frozen=True, slots=True)
class SplitParams:
    """A rep's start and splits (:mod:`gaitcore.splits`)."""

    distances_m: tuple[float, ...] = (5.0, 10.0, 20.0, 30.0, 40.0)
    """The split distances, m from the start: the usual timing-gate lines of sprint testing."""
    flying_m: tuple[float, ...] = (10.0, 20.0, 30.0)
    """The flying windows, m: each one's fastest time anywhere in the rep."""
    stride_error_pct: float = 3.1
    """The trajectory's stride-length error, % (the MAE on the real PyShoe jogging against
    VICON, docs/accuracy.md), taken as a systematic error of every distance: a split's
    uncertainty is this share of its distance, over the speed there."""
    moving_dps: float = 15.0
    """deg/s: the foot moves when its angular rate, averaged over ``smooth_s``, is above
    this; above a standing foot's noise and sway (the bundled, simulated session's standing
    feet: under 2 deg/s) and within the first 10 ms of a heel rise.  Set by hand; the
    simulated rise's first movement is found 0-8 ms late with it (benchmarks/results/splits.txt)."""
    smooth_s: float = 0.01
    """s: the moving average the angular rate is read through.  Set by hand."""
    max_rise_s: float = 1.0
    """s: how long before its toe-off a push-off from standing may begin; a foot moving
    longer (shuffling into the start) has no first movement found, and the rep no splits."""

    def __post_init__(self):
        for name in ("distances_m", "flying_m"):
            v = getattr(self, name)
            if not (isinstance(v, tuple) and all(isinstance(d, (int, float)) and not isinstance(d, bool)
                                                 and math.isfinite(d) and d > 0 for d in v)):
                raise UsageError(f"SplitParams.{name} must be a tuple of positive distances in m, got {v!r}")
        for name in ("stride_error_pct", "moving_dps", "smooth_s", "max_rise_s"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise UsageError(f"SplitParams.{name} must be a positive finite number, got {v!r}")


@dataclass(frozen=True, slots=True)
class Params:
    """Every parameter of an analysis; each part defaults to its defaults."""

    events: EventParams = field(default_factory=EventParams)
    steps: StepParams = field(default_factory=StepParams)
    ins: InsParams = field(default_factory=InsParams)
    splits: SplitParams = field(default_factory=SplitParams)

    def __post_init__(self):
        for f, kind in (("events", EventParams), ("steps", StepParams), ("ins", InsParams),
                        ("splits", SplitParams)):
            if not isinstance(getattr(self, f), kind):
                raise UsageError(f"Params.{f} must be an {kind.__name__}, got {type(getattr(self, f)).__name__}")

    @classmethod
    def of(cls, given: "Params | EventParams | StepParams | InsParams | SplitParams | None") -> "Params":
        """``given`` as a whole :class:`Params`: None is the defaults; one part alone
        (an :class:`EventParams`, a :class:`StepParams`, an :class:`InsParams`) comes with
        the defaults of the others."""
        if given is None:
            return cls()
        if isinstance(given, cls):
            return given
        for f, kind in (("events", EventParams), ("steps", StepParams), ("ins", InsParams),
                        ("splits", SplitParams)):
            if isinstance(given, kind):
                return cls(**{f: given})
        raise UsageError(f"params must be a gaitcore Params, EventParams, StepParams, InsParams or SplitParams, "
                         f"not {type(given).__name__}")
