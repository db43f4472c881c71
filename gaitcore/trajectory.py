"""Foot trajectory: zero-velocity-aided INS with a smoother, and per-stride geometry.

Units: position m, velocity m/s, angles deg (public) / rad (kernel), rates deg/s in,
rad/s in the kernel.  The filter is :mod:`gaitcore._ins_kernel` (error-state Kalman
filter with zero-velocity updates, RTS smoother in Bryson-Frazier form between
zero-velocity runs).

Zero velocity is taken where the events say the foot is on the ground, not from a
fixed window: inside each contact (IC to TO) the first and last ``EDGE_FRACTION``
are skipped (the touchdown artefact: the foot still slides and rolls just after IC;
and the push-off before TO), and of the rest the samples rotating less than
max(``ZV_GYR_DPS``, ``ZV_MIN_FACTOR`` x the contact's least rotation) are used.  A
90 ms sprint contact at 1 kHz so gives a few samples around its least-rotating
instant, a walking stance its whole foot-flat.  Their velocity noise grows with the
rotation rate (a foot pivoting on the ball moves its sensor at rate x lever arm).
Quiet standing (:func:`gaitcore.align.still_mask`) is zero velocity as well.  Each
stance's least rotating sample also carries the level-ground update (its height equals
the previous stance's) and anchors the strides on either side.  A contact longer than
``StepParams.max_contact_s`` is standing (a stop between reps, a pause; its toe-off is the
next rep's push-off): the filter treats it as any stance, but the strides into and out of
it are anchored at quiet standing next to them, where the foot came to rest and where it
pushes off again, not at the stance's quietest instant, which may lie anywhere in a rest
of minutes (:func:`zero_velocity`).

``trajectory_step(state, chunk...) -> (TrajectoryChunk, state)`` streams like the
event detector: the smoother works on intervals that end where a zero-velocity run
ends, so the output does not depend on how the input is cut.  Its zero-velocity
flags come from the events, so a live caller feeds a sample once the contact around
it is complete (its toe-off seen): about one stride behind the event detector.  The state's large
interval buffer is shared between a state and its successor (copying megabytes
per chunk would defeat streaming); a state can therefore be advanced only once,
which is checked.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _geometry_kernel as G
from . import _ins_kernel as K
from ._align_kernel import trailing_mean_rows
from .align import still_mask
from .errors import UsageError
from .events import Event, EventKind
from .params import InsParams
from .quality import CLIP_MARGIN
from .signals import GRAVITY_MPS2, MAX_STRIDE_S, SensorRecording, true_runs
from .steps import MAX_CONTACT_S

EDGE_FRACTION = 0.2
ZV_GYR_DPS = 20.0
ZV_MIN_FACTOR = 1.5
ZV_SIGMA_MPS = 0.02
LEVER_M = 0.1
BUFFER_S = 8.0
STAND_START_S = 0.5
STAND_MIN_S = 1.0
# standing is judged on means over this long: the per-sample tolerances of still_mask meet a
# noise that grows with the square root of the rate, and at 1.6 kHz broke the simulator's
# standing starts into pieces shorter than STAND_MIN_S on 64 of 120 feet (0 at 200 Hz)
STAND_MEAN_S = 0.005
MAX_OVERSHOOT = 3.0
# the uncertainty of a sample's unresolved part, in units of that part (see unresolved_sigma)
UNRESOLVED_GAIN = 1.0
# Sensor metadata key: time constant (s) of the first-order low-pass that a device applies to its
# gyroscope beyond its accelerometer (a reader that knows its device sets it; absent: 0).
GYRO_FILTER_META = "gyro_filter_s"


@dataclass(eq=False)   # one shared object: compared by identity, not by its arrays
class _Buffers:
    """The smoother's interval buffer, shared by a state and the state after it
    (mutable on purpose: ``generation`` counts the advances; see the module docstring)."""

    x: np.ndarray
    P: np.ndarray
    F: np.ndarray
    K: np.ndarray
    z: np.ndarray
    upd: np.ndarray
    Kh: np.ndarray
    zh: np.ndarray
    updh: np.ndarray
    generation: int = 0


def _new_buffers(cap: int) -> _Buffers:
    """Room for ``cap`` samples between two smoother runs."""
    return _Buffers(np.empty((cap, K.N_X)), np.empty((cap, K.N_OUT, K.N_E)), np.empty((cap, K.F_SIZE)),
                    np.empty((cap, K.N_E, 3)), np.empty((cap, 3)), np.zeros(cap, dtype=np.bool_),
                    np.empty((cap, K.N_E)), np.empty(cap), np.zeros(cap, dtype=np.bool_))


@dataclass(frozen=True)
class TrajectoryState:
    fs_hz: float
    params: np.ndarray
    x: np.ndarray
    P: np.ndarray
    meta: np.ndarray
    prev_in: np.ndarray
    generation: int
    buffers: _Buffers = field(repr=False)


@dataclass(frozen=True)
class TrajectoryChunk:
    """Smoothed samples ``start`` .. ``start + len - 1`` (global sample indices)."""

    start: int
    pos_m: np.ndarray     # (n, 3) world, z up, origin and heading of the filter's start
    quat: np.ndarray      # (n, 4) world <- sensor, w x y z
    vel_mps: np.ndarray   # (n, 3)


def kernel_params(params: InsParams, gyr_bias0_rad_s: tuple[float, float, float]) -> np.ndarray:
    """``params`` and the filter's starting gyro bias (rad/s, sensor frame) as the INS
    kernel reads them (its ``P_*`` layout)."""
    a = np.zeros(K.PARAMS_SIZE)
    a[K.P_GRAVITY] = GRAVITY_MPS2
    a[K.P_SIG_ACC], a[K.P_SIG_GYR] = params.sigma_acc, params.sigma_gyr
    a[K.P_SIG_BA], a[K.P_SIG_BG] = params.sigma_acc_bias, params.sigma_gyr_bias
    a[K.P_P0_POS], a[K.P_P0_VEL], a[K.P_P0_TILT] = params.p0_pos, params.p0_vel, params.p0_tilt
    a[K.P_P0_YAW], a[K.P_P0_BA], a[K.P_P0_BG] = params.p0_yaw, params.p0_acc_bias, params.p0_gyr_bias
    a[K.P_SIG_LEVEL] = params.sigma_level
    a[K.P_BG0:K.P_BG0 + 3] = gyr_bias0_rad_s
    a[K.P_P0_BG_UP], a[K.P_SIG_BG_UP] = params.p0_gyr_bias_up, params.sigma_gyr_bias_up
    return a


def new_trajectory_state(fs_hz: float, params: InsParams = InsParams(),
                         gyr_bias0_rad_s: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> TrajectoryState:
    """A fresh filter; ``gyr_bias0_rad_s`` is its starting gyro bias (rad/s, sensor frame:
    :func:`standing_gyro_bias`)."""
    if len(gyr_bias0_rad_s) != 3 or not np.isfinite(gyr_bias0_rad_s).all():
        raise UsageError(f"the starting gyro bias is three finite rates in rad/s, got {gyr_bias0_rad_s!r}")
    cap = max(64, int(round(BUFFER_S * fs_hz)))
    return TrajectoryState(float(fs_hz), kernel_params(params, tuple(gyr_bias0_rad_s)), np.zeros(K.N_X),
                           np.zeros((K.N_E, K.N_E)), K.new_meta(), np.zeros(12), 0, _new_buffers(cap))


def trajectory_step(state: TrajectoryState, acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray,
                    dt_s: np.ndarray, zupt: np.ndarray, sigma_v_mps: np.ndarray, level: np.ndarray, extra_sigma: np.ndarray,
                    breaks: np.ndarray, final: bool = False) -> tuple[TrajectoryChunk, TrajectoryState]:
    """Feed one chunk of samples with their zero-velocity flags; return what is smoothed.

    ``dt_s`` is each sample's interval from the one before (the nominal period,
    longer after a bridged drop).

    ``level`` marks each stance's least rotating sample (:attr:`ContactSpan.quietest`), where
    the height must equal the previous stance's (level ground).  ``extra_sigma`` (n x 6, acc
    m/s^2 and gyr deg/s per sensor axis) is the uncertainty of reconstructed samples
    (:func:`reconstruct_clipped`), 0 elsewhere.
    """
    buf = state.buffers
    if buf.generation != state.generation:
        raise UsageError("this trajectory state was already advanced; continue from the state it returned")
    acc = np.ascontiguousarray(acc_mps2_sf, dtype=np.float64).reshape(-1, 3)
    gyr = np.ascontiguousarray(np.radians(gyr_dps_sf), dtype=np.float64).reshape(-1, 3)
    n = acc.shape[0]
    x, P, meta, prev_in = state.x.copy(), state.P.copy(), state.meta.copy(), state.prev_in.copy()
    cap = buf.x.shape[0]
    pos, quat, vel = np.empty((n + cap, 3)), np.empty((n + cap, 4)), np.empty((n + cap, 3))
    extra = np.array(extra_sigma, dtype=np.float64).reshape(-1, 6)
    extra[:, 3:] = np.radians(extra[:, 3:])
    m = K.ins_step(x, P, meta, acc, gyr, np.ascontiguousarray(zupt, dtype=np.bool_),
                   np.ascontiguousarray(sigma_v_mps, dtype=np.float64), np.ascontiguousarray(level, dtype=np.bool_),
                   extra,
                   np.ascontiguousarray(breaks, dtype=np.bool_), np.ascontiguousarray(dt_s, dtype=np.float64),
                   state.params,
                   buf.x, buf.P, buf.F, buf.K, buf.z, buf.upd, buf.Kh, buf.zh, buf.updh, prev_in, pos, quat, vel)
    chunks = [TrajectoryChunk(int(meta[K.M_NOUT_START]), pos[:m], quat[:m], vel[:m])]
    if final:
        f_pos, f_quat, f_vel = np.empty((cap, 3)), np.empty((cap, 4)), np.empty((cap, 3))
        mf = K.ins_flush(meta, buf.x, buf.P, buf.F, buf.K, buf.z, buf.upd, buf.Kh, buf.zh, buf.updh,
                         f_pos, f_quat, f_vel)
        chunks.append(TrajectoryChunk(int(meta[K.M_NOUT_START]), f_pos[:mf], f_quat[:mf], f_vel[:mf]))
    buf.generation += 1
    out = TrajectoryChunk(chunks[0].start, np.concatenate([c.pos_m for c in chunks]),
                          np.concatenate([c.quat for c in chunks]), np.concatenate([c.vel_mps for c in chunks]))
    return out, TrajectoryState(state.fs_hz, state.params, x, P, meta, prev_in, buf.generation, buf)


def standing_gyro_bias(acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray, fs_hz: float) -> tuple | None:
    """The mean rate (rad/s) over quiet standing at the start of a recording (a still
    stretch that begins within the first ``STAND_START_S`` and lasts ``STAND_MIN_S``), the
    classic static calibration of a foot INS; None without one.  One second averages the
    rate noise well below the filter's bias uncertainty, and an athlete's leading foot
    often lifts before two.  Stillness (:func:`gaitcore.align.still_mask`) is judged on
    means over ``STAND_MEAN_S``, so that it does not depend on the sampling rate."""
    w = max(1, int(round(STAND_MEAN_S * fs_hz)))
    n = gyr_dps_sf.shape[0]
    # Both the means and the mask are causal, so a prefix gives the recording's own runs
    # except one that reaches the prefix's end: only then is the prefix doubled.
    p = min(n, int((STAND_START_S + 2.0 * STAND_MIN_S) * fs_hz))
    while True:
        still = still_mask(_trailing_mean(acc_mps2_sf[:p], w), _trailing_mean(gyr_dps_sf[:p], w), fs_hz)
        # every still run that begins in time, not only the first: a single jolted sample can
        # split the standing into a fraction-of-a-second run and the long one after it
        for a, b in true_runs(still):
            if a > STAND_START_S * fs_hz:
                return None
            if b == p < n:
                break           # it may go on: look further
            if b - a >= STAND_MIN_S * fs_hz:
                return tuple(float(v) for v in np.radians(gyr_dps_sf[a:b].mean(axis=0)))
        else:
            return None
        p = min(n, 2 * p)


def _trailing_mean(x: np.ndarray, w: int) -> np.ndarray:
    """Each row's mean with the ``w - 1`` rows before it (the first ones as given); a
    non-finite row spoils only the ``w`` means that include it."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    if w <= 1 or x.shape[0] < w:
        return x
    out = np.empty_like(x)
    trailing_mean_rows(x, w, out)
    return out


def reconstruct_clipped(x: np.ndarray, limits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Replace each run of samples at full scale (per axis and sign; ``limits`` 3 x 2 as
    from :func:`gaitcore.quality.full_scale`, inf where the axis does not clip) by a
    cubic through the values and slopes of the unclipped samples on both sides, never
    below full scale and at most ``MAX_OVERSHOOT`` times it; return (signal,
    uncertainty per sample), the uncertainty being half the reconstructed excess plus
    5% of full scale."""
    out = np.array(x, dtype=np.float64)
    sigma = np.zeros_like(out)
    n = out.shape[0]
    for c in range(out.shape[1]):
        for side, sign in ((0, 1.0), (1, -1.0)):
            limit = float(limits[c, side])
            if not np.isfinite(limit):
                continue
            at = sign * out[:, c] >= CLIP_MARGIN * limit
            for a, b in true_runs(at):
                lo, hi = a - 1, b
                if lo >= 1 and hi + 1 < n:
                    y0, y1 = sign * out[lo, c], sign * out[hi, c]
                    m0 = sign * (out[lo, c] - out[lo - 1, c])
                    m1 = sign * (out[hi + 1, c] - out[hi, c])
                    h = hi - lo
                    u = (np.arange(a, b) - lo) / h
                    cubic = ((2 * u ** 3 - 3 * u ** 2 + 1) * y0 + (u ** 3 - 2 * u ** 2 + u) * h * m0
                             + (-2 * u ** 3 + 3 * u ** 2) * y1 + (u ** 3 - u ** 2) * h * m1)
                else:
                    cubic = np.full(b - a, limit)
                mag = np.clip(cubic, limit, MAX_OVERSHOOT * limit)
                out[a:b, c] = sign * mag
                sigma[a:b, c] = 0.5 * (mag - limit) + 0.05 * limit
    return out, sigma


def match_gyro_filter(acc_mps2_sf: np.ndarray, tau_s: float, fs_hz: float, breaks: np.ndarray) -> np.ndarray:
    """The accelerometer through the first-order low-pass (time constant ``tau_s``) by which the
    device's gyroscope is filtered more than its accelerometer, so that the strapdown rotates each
    specific force with the attitude of the same instant.  With unmatched channels the attitude lags
    the force where the foot turns fast under load (late swing and landing: 300-500 deg/s, several g),
    which tilts the force into a spurious horizontal acceleration the zero-velocity updates cannot see
    (it integrates to no velocity at the next stance but to a shorter stride).  Unity gain at 0 Hz,
    so velocity changes are kept; restarts at each break (``breaks``: gap before the sample or a
    non-finite value)."""
    out = np.array(acc_mps2_sf, dtype=np.float64)
    if not (tau_s > 0.0) or out.shape[0] == 0:
        return out
    from scipy.signal import lfilter   # here: importing scipy.signal costs ~0.3 s at every start
    a = float(np.exp(-1.0 / (tau_s * fs_hz)))
    starts = np.r_[0, np.flatnonzero(breaks)]
    ends = np.r_[starts[1:], out.shape[0]]
    for s0, e0 in zip(starts, ends):
        ok = np.flatnonzero(np.isfinite(out[s0:e0]).all(axis=1))
        if ok.size == 0:
            continue
        s1 = s0 + ok[0]
        seg = out[s1:e0]
        # y[i] = a y[i-1] + (1 - a) x[i], starting at rest on the first sample (y[-1] = x[0])
        out[s1:e0] = lfilter([1.0 - a], [1.0, -a], seg, axis=0, zi=(a * seg[0])[None, :])[0]
    return out


@dataclass(frozen=True)
class ContactSpan:
    """One contact in sample positions: IC, TO (None if unknown), ``quietest``, the least
    rotating sample of its zero-velocity part (where the INS takes the stance's height as
    the previous stance's), and its anchors, where stride lengths are measured: ``anchor``
    where the stride into it ends, ``off_anchor`` where the stride out of it starts (-1:
    the contact has no usable sample).  Both anchors are ``quietest``, except in standing
    (a contact longer than ``StepParams.max_contact_s``): there the quietest standing sample
    after the landing and before the push-off
    (:func:`gaitcore._geometry_kernel.contact_zero_velocity`)."""

    ic: float
    to: float | None
    anchor: int
    off_anchor: int
    quietest: int


def zero_velocity(events: list[Event], gyr_dps_sf: np.ndarray, fs_hz: float, still: np.ndarray,
                  breaks: np.ndarray, max_contact_s: float = MAX_CONTACT_S
                  ) -> tuple[np.ndarray, np.ndarray, list[ContactSpan]]:
    """Zero-velocity flags and velocity noise per sample, and the contacts' spans
    (kernel: :func:`gaitcore._geometry_kernel.contact_zero_velocity`); a contact longer
    than ``max_contact_s`` is standing."""
    n = gyr_dps_sf.shape[0]
    gn = np.sqrt(np.einsum("ij,ij->i", gyr_dps_sf, gyr_dps_sf))
    zupt = np.array(still, dtype=np.bool_)
    ics = [j for j, ev in enumerate(events) if ev.kind is EventKind.IC]
    ic = np.array([events[j].pos for j in ics], dtype=np.float64)
    to = np.array([events[j + 1].pos if j + 1 < len(events) and events[j + 1].kind is EventKind.TO else np.nan
                   for j in ics], dtype=np.float64)
    bi = np.flatnonzero(breaks)
    next_break = np.r_[bi, n][np.searchsorted(bi, np.arange(n + 1), side="right")].astype(np.int64)
    to_out = np.empty(len(ics))
    quietest, anchor, off_anchor = (np.empty(len(ics), dtype=np.int64) for _ in range(3))
    G.contact_zero_velocity(ic, to, gn, float(fs_hz), next_break, float(max_contact_s), EDGE_FRACTION, ZV_GYR_DPS,
                            ZV_MIN_FACTOR, np.ascontiguousarray(still, dtype=np.bool_), zupt, to_out, quietest,
                            anchor, off_anchor, 0, n, len(ics))
    spans = [ContactSpan(p, None if t != t else t, k, k_off, k_q)
             for p, t, k, k_off, k_q in zip(ic.tolist(), to_out.tolist(), anchor.tolist(), off_anchor.tolist(),
                                            quietest.tolist())]
    sigma = ZV_SIGMA_MPS + np.radians(np.nan_to_num(gn, nan=0.0)) * LEVER_M
    return zupt, sigma, spans


def unresolved_sigma(acc_mps2_sf: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Extra accelerometer uncertainty (m/s^2, per sensor axis) of each sample: ``UNRESOLVED_GAIN`` x
    its departure from the mean of its two neighbours, the part of the signal the sampling does not
    resolve.

    A heel strike's impact can be shorter than a sample (gaitmap's walk at 204.8 Hz: one sample of
    13-16 g between samples of 1-2 g, some clipped); the area of such a pulse, the velocity the
    landing removes, is not known from the samples, to within about the sample's own excess times
    the interval.  Treated as exact, the error (there +-0.2-0.3 m/s per landing) reaches the next
    zero-velocity update and the smoother spreads it over the whole swing as if the swing had
    drifted: +-5 cm per stride.  A band-limited signal sampled well above its bandwidth departs
    from its neighbours' mean by f'' dt^2 only, so resolved motion gains almost nothing here.
    0 next to a break or a non-finite value."""
    f = np.asarray(acc_mps2_sf, dtype=np.float64)
    out = np.zeros_like(f)
    if f.shape[0] >= 3:
        out[1:-1] = UNRESOLVED_GAIN * np.abs(f[1:-1] - 0.5 * (f[:-2] + f[2:]))
        cut = np.asarray(breaks, dtype=bool)
        out[cut] = 0.0
        out[np.r_[cut[1:], False]] = 0.0
    return np.nan_to_num(out, nan=0.0)


def ins_inputs(sensor: SensorRecording, acc_fs: np.ndarray | None, gyr_fs: np.ndarray | None,
               breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the filter integrates, from a sensor's samples: (acc m/s^2, gyr deg/s, extra
    uncertainty n x 6 for :func:`trajectory_step`).  Clipped stretches are rebuilt
    (:func:`reconstruct_clipped`, ``acc_fs``/``gyr_fs`` from :func:`gaitcore.quality.full_scale`),
    the accelerometer goes through the filter the device declares for its gyroscope
    (:func:`match_gyro_filter`), and each accelerometer sample's unresolved part
    (:func:`unresolved_sigma`, taken from the samples before that filter, which keeps a pulse's
    area and so leaves the velocity a landing removes as unknown as recorded) adds to its
    uncertainty."""
    acc, extra_acc = reconstruct_clipped(sensor.acc_mps2_sf, acc_fs)
    gyr, extra_gyr = reconstruct_clipped(sensor.gyr_dps_sf, gyr_fs)
    extra_acc = np.sqrt(extra_acc ** 2 + unresolved_sigma(acc, breaks) ** 2)
    acc = match_gyro_filter(acc, float(sensor.meta.get(GYRO_FILTER_META, 0.0)), sensor.fs_hz, breaks)
    return acc, gyr, np.hstack([extra_acc, extra_gyr])


@dataclass(frozen=True, slots=True)
class StrideGeometry:
    """What the trajectory gives one contact and the stride from it (README, "Per step"):
    None where unknown.  ``anchor``/``off_anchor`` are the samples the strides into and out
    of the contact are measured from (:class:`ContactSpan`; -1: none)."""

    stride_length_m: float | None
    peak_height_m: float | None
    strike_angle_deg: float | None
    toe_off_angle_deg: float | None
    lateral_excursion_m: float | None
    turning_angle_deg: float | None
    position_m: tuple[float, float, float] | None   # the sensor at the anchor, in the session frame
    reconstructed: bool     # the stride was integrated across rebuilt (clipped) samples
    anchor: int
    off_anchor: int


# the kernel's metric columns and their decimals as reported
_STRIDE_COLS = (0, 1, 4, 5)   # stride, lift, excursion, turn: a stride's figures
_ANGLE_COLS = (2, 3)          # strike and toe-off angles
_DECIMALS = (3, 3, 1, 1, 3, 1)


def smoother_steps_removed(pos_m: np.ndarray, vel_mps: np.ndarray, zupt: np.ndarray, breaks: np.ndarray,
                           dt_s: np.ndarray) -> np.ndarray:
    """The smoothed path with the steps between the smoother's intervals taken out, for
    measuring strides on.

    The smoother works on intervals that end where a zero-velocity run ends (module
    docstring) and never revisits one it has output.  The next interval's first position
    so carries, as one step between two samples, what that interval's updates revised about
    the past: after 150 m of sprinting, the standing at the end moves the heading by 1 deg
    about the filter's origin, a 2.7 m step inside the last stride.  Here each such step is
    replaced, horizontally, by the distance the smoothed velocity covers over its sample
    interval (trapezoid, as the filter integrates).  Heights keep their steps: the level
    update gives every stance its own height reference, and on the simulator the foot lift
    measured with the vertical steps removed was worse (largest jogging error at 1 kHz 2.6 cm
    against 0.7).  The positions themselves, the best estimate of where the foot was, stay as
    they are for the session frame."""
    pos = np.asarray(pos_m, dtype=np.float64)
    z = np.asarray(zupt, dtype=bool)
    k = np.flatnonzero(z[:-1] & ~z[1:]) + 1
    k = k[~np.asarray(breaks, dtype=bool)[k]]
    step = pos[k, :2] - pos[k - 1, :2] - 0.5 * (vel_mps[k, :2] + vel_mps[k - 1, :2]) * np.asarray(dt_s)[k][:, None]
    at = np.zeros_like(pos)
    at[k, :2] = np.nan_to_num(step, nan=0.0)
    return pos - np.cumsum(at, axis=0)


def stride_geometry(spans: list[ContactSpan], pos_m: np.ndarray, quat: np.ndarray, rot_ff_sf: np.ndarray,
                    fs_hz: float, breaks: np.ndarray, reconstructed: np.ndarray,
                    path_m: np.ndarray | None = None, unsettled: frozenset[int] = frozenset(),
                    pitch_known: bool = True, max_stride_s: float = MAX_STRIDE_S) -> list[StrideGeometry]:
    """Per contact: stride length, foot lift, strike / toe-off angles, lateral excursion,
    turn and position (see the output contract in README).  ``pos_m``/``quat`` are the
    smoothed trajectory of every sample, ``path_m`` the same path to measure strides on
    (:func:`smoother_steps_removed`; ``pos_m`` if None); ``reconstructed`` marks clipped
    samples (kernel: :func:`gaitcore._geometry_kernel.stride_metrics`).  The contacts in
    ``unsettled`` (indices) get no stride figures (the first stride of a filter run that
    started moving: ``analysis._first_strides_after_moving_start``), though the session
    frame may start at one; ``pitch_known`` False leaves the angles out (the foot frame's up
    does not come from standing)."""
    m = len(spans)
    ic = np.array([sp.ic for sp in spans], dtype=np.float64)
    to = np.array([np.nan if sp.to is None else sp.to for sp in spans], dtype=np.float64)
    anchor = np.array([sp.anchor for sp in spans], dtype=np.int64)
    off_anchor = np.array([sp.off_anchor for sp in spans], dtype=np.int64)
    n_breaks = np.concatenate([[0], np.cumsum(breaks)]).astype(np.int64)
    n_rec = np.concatenate([[0], np.cumsum(reconstructed)]).astype(np.int64)
    pos = np.ascontiguousarray(pos_m, dtype=np.float64)
    path = pos if path_m is None else np.ascontiguousarray(path_m, dtype=np.float64)
    metrics, rec = stride_metrics(ic, to, anchor, off_anchor, path, quat, rot_ff_sf, float(max_stride_s * fs_hz),
                                  n_breaks, n_rec)
    rounded = [rounded_metrics(row) for row in metrics.tolist()]
    # Session frame: origin at the first anchor of a measured stride, x along it, z up;
    # positions (each contact's at its anchor) only within the filter run of that stride (a
    # break restarts the filter in a frame of its own; breaks before it, such as a bad first
    # row, do not matter).
    positions: list[tuple[float, float, float] | None] = [None] * m
    first = next((k for k, row in enumerate(rounded) if measured_stride(row, metrics[k])), None)
    if first is not None:
        a, b = off_anchor[first], anchor[first + 1]
        frame = session_frame(pos[a], pos[b], int(n_breaks[a + 1]))
        for k in range(m):
            ak = anchor[k]
            if ak >= 0:
                positions[k] = frame_position(frame, pos[ak], int(n_breaks[ak + 1]))
    return [geometry_of(row, r, k in unsettled, pitch_known, positions[k], int(anchor[k]), int(off_anchor[k]))
            for k, (row, r) in enumerate(zip(rounded, rec.tolist()))]


def stride_metrics(ic: np.ndarray, to: np.ndarray, anchor: np.ndarray, off_anchor: np.ndarray, path_m: np.ndarray,
                   quat: np.ndarray, rot_ff_sf: np.ndarray, max_stride_samples: float, n_breaks: np.ndarray,
                   n_rec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's figures per contact (:func:`gaitcore._geometry_kernel.stride_metrics`: m x 6,
    NaN unknown) and whether a rebuilt sample lies in each stride.  Sample indices may count from
    any even row (the kernel rounds positions half to even), the same for every argument."""
    m = ic.shape[0]
    metrics, rec = np.empty((m, 6)), np.empty(m, dtype=np.bool_)
    G.stride_metrics(np.ascontiguousarray(ic, dtype=np.float64), np.ascontiguousarray(to, dtype=np.float64),
                     np.ascontiguousarray(anchor, dtype=np.int64), np.ascontiguousarray(path_m, dtype=np.float64),
                     np.ascontiguousarray(quat, dtype=np.float64),
                     np.ascontiguousarray(rot_ff_sf[0], dtype=np.float64), float(max_stride_samples),
                     np.ascontiguousarray(n_breaks, dtype=np.int64), np.ascontiguousarray(n_rec, dtype=np.int64),
                     metrics, rec, np.ascontiguousarray(off_anchor, dtype=np.int64))
    return metrics, rec


def rounded_metrics(row: list[float]) -> list[float | None]:
    """One contact's kernel figures as reported: rounded, None for NaN."""
    # + 0.0: no "-0.0" for a turn or excursion that rounds to zero
    return [None if v != v else round(v, d) + 0.0 for v, d in zip(row, _DECIMALS)]


def measured_stride(rounded: list[float | None], metrics: np.ndarray) -> bool:
    """Whether a contact's stride was measured, one that can set the session frame."""
    return rounded[0] is not None and bool(metrics[0] > 0)


@dataclass(frozen=True)
class SessionFrame:
    """The session frame: origin at the first anchor of the first measured stride, x along
    it, z up; it holds in the filter run (``run``: breaks before its origin) of that stride."""

    origin_m: np.ndarray     # (3,) in the filter's frame
    cos: float               # of minus the stride's heading in the filter's frame
    sin: float
    run: int


def session_frame(start_m: np.ndarray, end_m: np.ndarray, run: int) -> SessionFrame:
    """The frame of a first measured stride from ``start_m`` to ``end_m`` (filter frame)."""
    heading = float(np.arctan2(end_m[1] - start_m[1], end_m[0] - start_m[0]))
    return SessionFrame(np.array(start_m, dtype=np.float64), np.cos(-heading), np.sin(-heading), run)


def frame_position(frame: SessionFrame, pos_m: np.ndarray, run: int) -> tuple[float, float, float] | None:
    """A position (filter frame) in the session frame, rounded to mm; None outside the
    frame's filter run or where not finite."""
    if not (np.isfinite(pos_m).all() and run == frame.run):
        return None
    p = pos_m - frame.origin_m
    c, s = frame.cos, frame.sin
    # + 0.0: no "-0.0" in the output for a coordinate that is 0 by construction
    return tuple(float(round(v, 3)) + 0.0 for v in (c * p[0] - s * p[1], s * p[0] + c * p[1], p[2]))


def geometry_of(rounded: list[float | None], reconstructed: bool, unsettled: bool, pitch_known: bool,
                position_m: tuple[float, float, float] | None, anchor: int, off_anchor: int) -> StrideGeometry:
    """One contact's :class:`StrideGeometry` from its rounded figures (see :func:`stride_geometry`)."""
    row = rounded
    if unsettled:
        row = [None if j in _STRIDE_COLS else v for j, v in enumerate(row)]
    if not pitch_known:
        row = [None if j in _ANGLE_COLS else v for j, v in enumerate(row)]
    return StrideGeometry(*row, position_m=position_m, reconstructed=reconstructed, anchor=anchor,
                          off_anchor=off_anchor)
