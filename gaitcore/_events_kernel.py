"""Private numba kernel: per-sample state machine for IC/TO detection.

Input is the foot-frame signal: ``p`` the toe-up pitch rate (deg/s, minus the
rate about the foot's left-pointing y axis), the acceleration (m/s^2, for impact
jerk) and a per-sample ``reset`` code (GAP_CODE_RESET: a gap before this sample, start
afresh; GAP_CODE_BRIDGED: a short drop was bridged, keep the cycle but take no jerk
across it; 0: none; a bool array works as reset flags).  The kernel
processes one sample at a time, so the result cannot depend on how the stream is
cut into chunks; ``state`` carries everything between calls.

Method (cycle: stance -> push-off -> toe-off -> swing -> initial contact), with the
thresholds of :class:`gaitcore.params.EventParams` (passed in ``params``, layout ``P_*``):
- TO ends the last toe-down lobe (p < -lobe_band_dps) before a swing is
  confirmed (toe-up rotation of swing_angle_deg since that lobe, which impact
  ringing never reaches, and p > swing_dps): the instant the push-off's plantar-flexion rate
  has fallen back to to_fraction of its peak, linearly interpolated.  Once a lobe's
  push-off has turned the foot push_angle_deg toe-down by then, a deeper turn later in the
  same lobe is the swing's (a heel kicked up) and moves the TO no more.  The
  push-off peak marks the toe leaving the ground (Mariani et al.,
  "Quantitative estimation of foot-flat and stance phase of gait using foot-worn
  inertial sensors", Gait & Posture 2013; Falbriard et al., "Accurate estimation
  of running temporal parameters using foot-worn inertial sensors", Front.
  Physiol. 2018).
- IC, searched after the swing's toe-up peak (or on an impact at least
  min_impact_after_to_s after TO, for landings while the foot still rotates toe-up), is
  the earlier of (a) the zero
  crossing of p from toe-up to toe-down (end of terminal-swing dorsiflexion:
  heel strike, linearly interpolated) and (b) the impact onset, the first sample
  whose acceleration jerk exceeds impact_jerk_mps3 (forefoot strikes, where the foot
  is still rotating toe-up when it lands).  A crossing stands only if, within
  confirm_s, an impact comes or the foot does not turn toe-up faster than reject_dps
  again: a jogging foot's mid-swing pitch reversal crosses zero too, and is then dropped
  (it is reported confirm_s late at most, which a live cue can afford).
- A landing pushes the foot up.  An impact that is the IC on its own (no crossing before
  it) is a landing only if, within landing_wait_s of its onset, the specific force along
  the foot's up rises over landing_up_mps2 before it falls under pulled_down_mps2.  A free
  foot braked hard in the air (the free leg of an A-skip stopping at the top of its swing)
  is pulled down instead, and may then be held still there, its rotation crossing zero
  as a heel strike's does.  A crossing within confirm_s of such a braking stands at
  confirm_s only if the foot turned toe-down (flat after a heel strike: slap_dps) or an
  impact came by then; without either it waits, and is a landing at a push-off (toe-down
  faster than push_dps) or once held_s has passed.  An impact or a toe-up turn faster
  than reject_dps drops it: the foot leaves its hold, and its landing is searched for
  from min_impact_after_to_s on (a foot held high takes longer than that to reach the
  ground).  So an IC is reported at most max(held_s, confirm_s + landing_wait_s) after it
  (:attr:`gaitcore.params.EventParams.report_delay_s`).
"""
from __future__ import annotations

import numpy as np

from ._jit import inline_kernel, kernel

# Event kinds written to ``ev_kind``.
EV_IC = 1
EV_TO = 2
# IC methods written to ``ev_aux`` for IC events.
IC_BY_CROSSING = 0.0
IC_BY_IMPACT = 1.0

# Modes of the state machine.
M_STANCE = 0.0      # on the ground (or unknown at start): tracking toe-down lobes
M_SWING = 1.0       # after TO: tracking the toe-up peak
M_PRECONTACT = 2.0  # after the toe-up peak: waiting for IC
M_PENDING = 3.0     # a toe-down crossing seen: waiting for the ground to confirm it
M_IMPACT = 4.0      # an impact seen: waiting for it to push the foot up

# State vector layout.
S_MODE, S_N, S_PREV_P, S_PREV_AX, S_PREV_AY, S_PREV_AZ = 0, 1, 2, 3, 4, 5
S_PEAK, S_PEAK_POS, S_LOBE_MIN, S_LOBE_POS, S_LOBE_XPOS = 6, 7, 8, 9, 10
S_CAND_VAL, S_CAND_POS, S_HAVE_PREV, S_LAST_EV, S_LAST_KIND = 11, 12, 13, 14, 15
S_UP_DEG, S_PEND_POS = 16, 17
# Bookkeeping for an early look at the TO candidate (events.toe_off_candidate); no decision reads it.
S_QUIET, S_LOBE_START, S_LOBE_QUIET, S_CAND_START, S_CAND_QUIET = 18, 19, 20, 21, 22
# The impact being judged (M_IMPACT): its onset, the IC it gives, how, and the mode it returns to.
S_IMP_POS, S_IMP_AT, S_IMP_HOW, S_IMP_BACK, S_PEND_MINP = 23, 24, 25, 26, 27
S_LEFT_POS = 28     # where the foot last left a hold in the air
S_PULLED_POS, S_PEND_BRAKED = 29, 30   # the last impact that pulled the foot down; the crossing came soon after one
S_LOBE_DEG, S_XPOS_DEG = 31, 32   # toe-down degrees turned since the lobe began; ... by its TO crossing
STATE_SIZE = 33

GAP_CODE_RESET, GAP_CODE_BRIDGED = 1, 2   # values of the per-sample ``reset`` codes

# Layout of the thresholds array ``params`` (gaitcore.params.EventParams, converted by
# gaitcore.events.kernel_params; units as named there).
P_SWING_DPS, P_SWING_ANGLE_DEG, P_LOBE_BAND_DPS, P_PUSH_DPS, P_PEAK_FRACTION, P_TO_FRACTION = 0, 1, 2, 3, 4, 5
P_IMPACT_JERK_MPS3, P_IMPACT_JERK_SWING_MPS3, P_IMPACT_SPIKE_MPS2 = 6, 7, 8
P_MIN_CONTACT_S, P_MIN_IMPACT_AFTER_TO_S, P_CONFIRM_S, P_REJECT_DPS = 9, 10, 11, 12
P_LANDING_UP_MPS2, P_PULLED_DOWN_MPS2, P_LANDING_WAIT_S, P_SLAP_DPS, P_HELD_S = 13, 14, 15, 16, 17
P_PUSH_ANGLE_DEG = 18
PARAMS_SIZE = 19


def new_state() -> np.ndarray:
    s = np.zeros(STATE_SIZE)
    s[S_MODE] = M_STANCE
    s[S_LOBE_MIN] = np.inf
    s[S_CAND_VAL] = np.inf
    s[S_LAST_EV] = -1.0
    s[S_LEFT_POS] = -np.inf
    s[S_PULLED_POS] = -np.inf
    return s


@inline_kernel
def _pend(state, cross, p, i, braked_window):
    """Hold the toe-down crossing at ``cross`` for the ground to confirm (M_PENDING's
    bookkeeping; ``braked_window``: confirm_s in samples, how soon after an impact that
    pulled the foot down the crossing counts as one after a braking)."""
    state[S_PEND_POS] = cross
    state[S_PEND_MINP] = p
    state[S_PEND_BRAKED] = 1.0 if i - state[S_PULLED_POS] <= braked_window else 0.0


@kernel
def to_foot_frame(acc_sf, gyr_sf, rot_ff_sf, acc_ff_out, p_out):
    """acc_ff = R acc_sf; p = toe-up pitch rate = -(R gyr_sf)_y."""
    a, g, o = acc_sf.ravel(), gyr_sf.ravel(), acc_ff_out.ravel()   # flat: 2-d indexing does not vectorise
    r00, r01, r02 = rot_ff_sf[0, 0], rot_ff_sf[0, 1], rot_ff_sf[0, 2]
    r10, r11, r12 = rot_ff_sf[1, 0], rot_ff_sf[1, 1], rot_ff_sf[1, 2]
    r20, r21, r22 = rot_ff_sf[2, 0], rot_ff_sf[2, 1], rot_ff_sf[2, 2]
    for i in range(acc_sf.shape[0]):
        j = 3 * i
        x, y, z = a[j], a[j + 1], a[j + 2]
        o[j] = r00 * x + r01 * y + r02 * z
        o[j + 1] = r10 * x + r11 * y + r12 * z
        o[j + 2] = r20 * x + r21 * y + r22 * z
        p_out[i] = -(r10 * g[j] + r11 * g[j + 1] + r12 * g[j + 2])


@kernel
def events_step(state, p_dps, acc_mps2, reset, fs_hz, params, ev_kind, ev_pos, ev_val, ev_aux):
    """Advance the detector over one chunk; write events, return how many.

    ``params`` holds the thresholds (layout ``P_*``).  ``ev_*`` must have room for
    ``len(p_dps) + 2`` events.  ``ev_pos`` is a
    fractional global sample index, ``ev_val`` the feature's strength (swing
    peak in deg/s for IC, push-off peak for TO), ``ev_aux`` the IC method.
    """
    swing_dps, swing_angle_deg = params[P_SWING_DPS], params[P_SWING_ANGLE_DEG]
    lobe_band_dps, push_dps = params[P_LOBE_BAND_DPS], params[P_PUSH_DPS]
    peak_fraction, to_fraction = params[P_PEAK_FRACTION], params[P_TO_FRACTION]
    impact_jerk, impact_jerk_swing = params[P_IMPACT_JERK_MPS3], params[P_IMPACT_JERK_SWING_MPS3]
    impact_spike = params[P_IMPACT_SPIKE_MPS2]
    min_contact_s, min_impact_after_to_s = params[P_MIN_CONTACT_S], params[P_MIN_IMPACT_AFTER_TO_S]
    confirm_s, reject_dps = params[P_CONFIRM_S], params[P_REJECT_DPS]
    landing_up, pulled_down = params[P_LANDING_UP_MPS2], params[P_PULLED_DOWN_MPS2]
    landing_wait_s, slap_dps, held_s = params[P_LANDING_WAIT_S], params[P_SLAP_DPS], params[P_HELD_S]
    push_angle_deg = params[P_PUSH_ANGLE_DEG]
    n_ev = 0
    for k in range(p_dps.shape[0]):
        i = state[S_N]
        p = p_dps[k]
        ax = acc_mps2[k, 0]
        ay = acc_mps2[k, 1]
        az = acc_mps2[k, 2]
        if reset[k] == GAP_CODE_RESET or not (np.isfinite(p) and np.isfinite(ax) and np.isfinite(ay)
                                              and np.isfinite(az)):
            # Gap: forget the cycle in progress.
            state[S_MODE] = M_STANCE
            state[S_LOBE_MIN] = np.inf
            state[S_CAND_VAL] = np.inf
            state[S_PEAK] = 0.0
            state[S_UP_DEG] = 0.0
            state[S_HAVE_PREV] = 0.0
            if not (np.isfinite(p) and np.isfinite(ax) and np.isfinite(ay) and np.isfinite(az)):
                state[S_N] = i + 1.0
                continue
        jerk = 0.0
        have_prev = state[S_HAVE_PREV] > 0.0
        prev_p = state[S_PREV_P]
        if have_prev and reset[k] != GAP_CODE_BRIDGED:   # no jerk across missing samples
            dx = ax - state[S_PREV_AX]
            dy = ay - state[S_PREV_AY]
            dz = az - state[S_PREV_AZ]
            jerk = np.sqrt(dx * dx + dy * dy + dz * dz) * fs_hz
        mode = state[S_MODE]
        if mode == M_STANCE:
            if p < -lobe_band_dps:
                state[S_UP_DEG] = 0.0
                if not np.isfinite(state[S_LOBE_MIN]):
                    state[S_LOBE_START] = i
                    state[S_LOBE_QUIET] = state[S_QUIET]
                    state[S_LOBE_DEG] = 0.0
                    state[S_LOBE_XPOS] = -1.0
                state[S_LOBE_DEG] -= p / fs_hz
                pushed_off = state[S_LOBE_XPOS] >= 0.0 and state[S_XPOS_DEG] >= push_angle_deg
                if p < state[S_LOBE_MIN] and not pushed_off:
                    state[S_LOBE_MIN] = p
                    state[S_LOBE_POS] = i
                    state[S_LOBE_XPOS] = -1.0
                elif state[S_LOBE_XPOS] < 0.0:
                    th = to_fraction * state[S_LOBE_MIN]
                    if p > th and prev_p <= th:
                        state[S_LOBE_XPOS] = (i - 1.0) + (th - prev_p) / (p - prev_p)
                        state[S_XPOS_DEG] = state[S_LOBE_DEG]
            elif np.isfinite(state[S_LOBE_MIN]):
                # A toe-down lobe just ended: keep it as the TO candidate if it is a push-off.
                xpos = state[S_LOBE_XPOS]
                if xpos < 0.0:
                    th = to_fraction * state[S_LOBE_MIN]
                    xpos = (i - 1.0) + (th - prev_p) / (p - prev_p)
                if state[S_LOBE_MIN] < -push_dps and (
                        xpos - state[S_LAST_EV] >= min_contact_s * fs_hz
                        or state[S_LAST_KIND] != EV_IC):
                    state[S_CAND_VAL] = state[S_LOBE_MIN]
                    state[S_CAND_POS] = xpos
                    state[S_CAND_START] = state[S_LOBE_START]
                    state[S_CAND_QUIET] = state[S_LOBE_QUIET]
                state[S_LOBE_MIN] = np.inf
            if p >= -lobe_band_dps:
                state[S_QUIET] += 1.0
            if p > 0.0:
                state[S_UP_DEG] += p / fs_hz
            if p > swing_dps and state[S_UP_DEG] >= swing_angle_deg and np.isfinite(state[S_CAND_VAL]):
                pos = state[S_CAND_POS]
                if pos <= state[S_LAST_EV]:
                    pos = state[S_LAST_EV] + 1e-3
                ev_kind[n_ev] = EV_TO
                ev_pos[n_ev] = pos
                ev_val[n_ev] = -state[S_CAND_VAL]
                ev_aux[n_ev] = 0.0
                n_ev += 1
                state[S_LAST_EV] = pos
                state[S_LAST_KIND] = EV_TO
                state[S_CAND_VAL] = np.inf
                state[S_MODE] = M_SWING
                state[S_PEAK] = p
                state[S_PEAK_POS] = i
        elif mode == M_SWING:
            if p > state[S_PEAK]:
                state[S_PEAK] = p
                state[S_PEAK_POS] = i
            elif p < peak_fraction * state[S_PEAK]:
                state[S_MODE] = M_PRECONTACT
                mode = M_PRECONTACT
        pos = -1.0
        how = IC_BY_CROSSING
        judge_at = -1.0     # an impact to judge: the IC it gives if it pushes the foot up
        judge_how = IC_BY_IMPACT
        cross = -1.0
        if mode == M_SWING:
            spike = jerk > impact_jerk and ax * ax + ay * ay + az * az > impact_spike * impact_spike
            if (jerk > impact_jerk_swing or spike) and i - state[S_LAST_EV] >= min_impact_after_to_s * fs_hz \
                    and i - state[S_LEFT_POS] >= min_impact_after_to_s * fs_hz:
                judge_at = i - 0.5      # a forefoot landing while the foot still rotates toe-up
        elif mode == M_PRECONTACT:
            if have_prev and prev_p > 0.0 and p <= 0.0:
                cross = (i - 1.0) + prev_p / (prev_p - p)
            if jerk > impact_jerk and i - state[S_LEFT_POS] >= min_impact_after_to_s * fs_hz:
                judge_at = i - 0.5  # the step in acceleration came between i - 1 and i
                if 0.0 <= cross < judge_at:
                    judge_at = cross
                    judge_how = IC_BY_CROSSING
            if cross >= 0.0:
                # the crossing waits for the ground, unless an impact at this sample proves it
                state[S_MODE] = M_PENDING
                _pend(state, cross, p, i, confirm_s * fs_hz)
        elif mode == M_PENDING:
            waited = i - state[S_PEND_POS]
            held = waited >= confirm_s * fs_hz and state[S_PEND_BRAKED] > 0.0
            if not held and p < state[S_PEND_MINP]:
                state[S_PEND_MINP] = p
            if held and (jerk > impact_jerk or p > reject_dps):
                # the foot leaves a hold in the air: the swing goes on, and its landing is
                # an impact at least min_impact_after_to_s later (or a crossing)
                state[S_MODE] = M_PRECONTACT
                state[S_LEFT_POS] = i
            elif jerk > impact_jerk:
                pos = state[S_PEND_POS]     # heel strike, then its impact (or the push-off's)
            elif p > reject_dps:
                state[S_MODE] = M_PRECONTACT  # not a landing: the swing goes on
            elif waited >= confirm_s * fs_hz and (state[S_PEND_BRAKED] == 0.0 or state[S_PEND_MINP] < -slap_dps
                                                   or p < -push_dps or waited >= held_s * fs_hz):
                pos = state[S_PEND_POS]
        elif mode == M_IMPACT:
            if az < pulled_down:
                state[S_PULLED_POS] = i
            if state[S_IMP_BACK] == M_PRECONTACT and have_prev and prev_p > 0.0 and p <= 0.0:
                # a crossing while the impact is judged: it waits for the ground if the impact fails
                state[S_IMP_BACK] = M_PENDING
                _pend(state, (i - 1.0) + prev_p / (prev_p - p), p, i, confirm_s * fs_hz)
            if az > landing_up:
                pos = state[S_IMP_AT]
                how = state[S_IMP_HOW]
            elif i - state[S_IMP_POS] >= landing_wait_s * fs_hz:
                state[S_MODE] = state[S_IMP_BACK]
        if judge_at >= 0.0:
            if az > landing_up:
                pos = judge_at
                how = judge_how
            else:
                if az < pulled_down:
                    state[S_PULLED_POS] = i
                state[S_IMP_POS] = i
                state[S_IMP_AT] = judge_at
                state[S_IMP_HOW] = judge_how
                state[S_IMP_BACK] = state[S_MODE]
                state[S_MODE] = M_IMPACT
        if pos >= 0.0:
            if pos <= state[S_LAST_EV]:
                pos = state[S_LAST_EV] + 1e-3
            ev_kind[n_ev] = EV_IC
            ev_pos[n_ev] = pos
            ev_val[n_ev] = state[S_PEAK]
            ev_aux[n_ev] = how
            n_ev += 1
            state[S_LAST_EV] = pos
            state[S_LAST_KIND] = EV_IC
            state[S_MODE] = M_STANCE
            state[S_LOBE_MIN] = np.inf
            state[S_CAND_VAL] = np.inf
            state[S_UP_DEG] = 0.0
            state[S_QUIET] = 0.0
            # The sample that ended the swing may already be a toe-down one.
            if p < -lobe_band_dps:
                state[S_LOBE_START] = i
                state[S_LOBE_QUIET] = 0.0
                state[S_LOBE_MIN] = p
                state[S_LOBE_POS] = i
                state[S_LOBE_XPOS] = -1.0
                state[S_LOBE_DEG] = -p / fs_hz
        state[S_PREV_P] = p
        state[S_PREV_AX] = ax
        state[S_PREV_AY] = ay
        state[S_PREV_AZ] = az
        state[S_HAVE_PREV] = 1.0
        state[S_N] = i + 1.0
    return n_ev
