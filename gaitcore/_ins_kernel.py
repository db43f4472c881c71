"""Private numba kernels: zero-velocity-aided strapdown INS for one foot sensor.

Error-state Kalman filter (Foxlin, "Pedestrian tracking with shoe-mounted inertial
sensors", IEEE CG&A 2005; Skog et al., "Zero-velocity detection - an algorithm
evaluation", IEEE TBME 2010; Nilsson et al., OpenShoe, 2012).

Nominal state ``x`` (16): position (m, world, z up), velocity (m/s), attitude
quaternion world <- sensor (w, x, y, z; :mod:`gaitcore.quaternion`), accelerometer
bias (m/s^2), gyroscope bias (rad/s).  Error state (15): d position, d velocity,
d attitude (world-frame small angle: R = (I + [d]x) R_hat), d acc bias, d gyro bias.

Forward: second-order strapdown between samples (mean rate, trapezoidal velocity
and position), covariance P <- F P F' + Q with the sparse F written out by blocks.
Zero-velocity updates (ZUPT) at samples flagged by the caller, with a per-sample
velocity noise.  Reconstructed (clipped) samples propagate with their own, larger noise, so the smoother
reconstructs them from the zero-velocity constraints at both ends of the stride.

Smoother: Rauch-Tung-Striebel in the modified Bryson-Frazier form (Bierman,
"Factorization methods for discrete sequential estimation", 1977): the backward
pass carries the adjoint lambda (lambda_k = (I - K H)' F' lambda_k+1 + H' S^-1 nu at
updates, F' lambda_k+1 otherwise) and corrects each filtered sample by
P_k|k F_k' lambda_k+1, so no covariance is inverted.  It runs over intervals that
end where a run of zero-velocity samples ends (information from later strides is
not carried back past that point), which bounds memory and latency to one stride.
"""
from __future__ import annotations

import numpy as np

from ._jit import inline_kernel, kernel
from ._strapdown_kernel import rotvec_quat

N_X = 16
N_E = 15
N_OUT = 9   # error-state rows the smoother corrects (position, velocity, attitude)
# meta layout
M_INIT, M_NBUF, M_BUF_START, M_N, M_PREV_ZUPT, M_NOUT_START, M_ZREF, M_HAVE_ZREF = 0, 1, 2, 3, 4, 5, 6, 7
M_QBG = 8   # 9: gyro-bias random-walk density (rad^2/s^3, sensor frame, row-major), set at each start
META_SIZE = 17
# params layout
P_GRAVITY, P_SIG_ACC, P_SIG_GYR, P_SIG_BA, P_SIG_BG, P_SIG_LEVEL, P_BG0 = 0, 1, 2, 3, 4, 13, 14
P_P0_POS, P_P0_VEL, P_P0_TILT, P_P0_YAW, P_P0_BA, P_P0_BG = 7, 8, 9, 10, 11, 12
P_P0_BG_UP, P_SIG_BG_UP = 17, 18
PARAMS_SIZE = 19
# per-sample transition record: a_world (3), R world<-sensor (9), dt
F_SIZE = 13


def new_meta() -> np.ndarray:
    m = np.zeros(META_SIZE)
    return m


@inline_kernel
def _rot(q0, q1, q2, q3, out):
    out[0, 0] = 1 - 2 * (q2 * q2 + q3 * q3)
    out[0, 1] = 2 * (q1 * q2 - q0 * q3)
    out[0, 2] = 2 * (q1 * q3 + q0 * q2)
    out[1, 0] = 2 * (q1 * q2 + q0 * q3)
    out[1, 1] = 1 - 2 * (q1 * q1 + q3 * q3)
    out[1, 2] = 2 * (q2 * q3 - q0 * q1)
    out[2, 0] = 2 * (q1 * q3 - q0 * q2)
    out[2, 1] = 2 * (q2 * q3 + q0 * q1)
    out[2, 2] = 1 - 2 * (q1 * q1 + q2 * q2)


@inline_kernel
def _quat_exp_mul(rx, ry, rz, q0, q1, q2, q3, left):
    """exp(r) (x) q if ``left`` else q (x) exp(r), renormalised."""
    d0, d1, d2, d3 = rotvec_quat(rx, ry, rz)
    if left:
        a0, a1, a2, a3, b0, b1, b2, b3 = d0, d1, d2, d3, q0, q1, q2, q3
    else:
        a0, a1, a2, a3, b0, b1, b2, b3 = q0, q1, q2, q3, d0, d1, d2, d3
    n0 = a0 * b0 - a1 * b1 - a2 * b2 - a3 * b3
    n1 = a0 * b1 + a1 * b0 + a2 * b3 - a3 * b2
    n2 = a0 * b2 - a1 * b3 + a2 * b0 + a3 * b1
    n3 = a0 * b3 + a1 * b2 - a2 * b1 + a3 * b0
    nn = np.sqrt(n0 * n0 + n1 * n1 + n2 * n2 + n3 * n3)
    return n0 / nn, n1 / nn, n2 / nn, n3 / nn


@inline_kernel
def _g_times(frec, X, out, ncols):
    """out[0:9, 0:ncols] = (G X)[0:9, 0:ncols] for the 15 x 15 ``X``, where F = I + G
    (blocks from ``frec``); rows 9:15 of G X are zero (biases are random walks)."""
    dt = frec[12]
    ax, ay, az = frec[0], frec[1], frec[2]
    for j in range(ncols):
        # position rows: dt * dv
        out[0, j] = dt * X[3, j]
        out[1, j] = dt * X[4, j]
        out[2, j] = dt * X[5, j]
        # velocity rows: -[a]x dt * dtheta - R dt * dba;  attitude rows: -R dt * dbg
        t0, t1, t2 = X[6, j], X[7, j], X[8, j]
        b0, b1, b2 = X[9, j], X[10, j], X[11, j]
        g0, g1, g2 = X[12, j], X[13, j], X[14, j]
        out[3, j] = -dt * ((ay * t2 - az * t1) + frec[3] * b0 + frec[4] * b1 + frec[5] * b2)
        out[4, j] = -dt * ((az * t0 - ax * t2) + frec[6] * b0 + frec[7] * b1 + frec[8] * b2)
        out[5, j] = -dt * ((ax * t1 - ay * t0) + frec[9] * b0 + frec[10] * b1 + frec[11] * b2)
        out[6, j] = -dt * (frec[3] * g0 + frec[4] * g1 + frec[5] * g2)
        out[7, j] = -dt * (frec[6] * g0 + frec[7] * g1 + frec[8] * g2)
        out[8, j] = -dt * (frec[9] * g0 + frec[10] * g1 + frec[11] * g2)


@kernel
def _gt_times_vec(frec, lam, out):
    """out = G' lam (F = I + G)."""
    dt = frec[12]
    ax, ay, az = frec[0], frec[1], frec[2]
    for i in range(N_E):
        out[i] = 0.0
    # G[0:3, 3:6] = I dt  ->  out[3:6] += dt lam[0:3]
    for r in range(3):
        out[3 + r] += dt * lam[r]
    # G[3:6, 6:9] = -[a]x dt  ->  out[6:9] += -dt [a]x' lam[3:6] = dt [a]x lam[3:6]
    l0, l1, l2 = lam[3], lam[4], lam[5]
    out[6] += dt * (ay * l2 - az * l1)
    out[7] += dt * (az * l0 - ax * l2)
    out[8] += dt * (ax * l1 - ay * l0)
    # G[3:6, 9:12] = -R dt -> out[9:12] += -dt R' lam[3:6]; G[6:9, 12:15] = -R dt
    for c in range(3):
        s_v = frec[3 + c] * lam[3] + frec[6 + c] * lam[4] + frec[9 + c] * lam[5]
        s_t = frec[3 + c] * lam[6] + frec[6 + c] * lam[7] + frec[9 + c] * lam[8]
        out[9 + c] -= dt * s_v
        out[12 + c] -= dt * s_t


@kernel
def _propagate(x, P, acc0, acc1, gyr0, gyr1, dt, extra0, extra1, params, meta, frec, work):
    """Nominal state and covariance from one sample to the next; writes the
    transition record ``frec`` (world acceleration, attitude, dt at the start)."""
    g = params[P_GRAVITY]
    q0, q1, q2, q3 = x[6], x[7], x[8], x[9]
    R = work[0:3, 0:3]
    _rot(q0, q1, q2, q3, R)
    fx, fy, fz = acc0[0] - x[10], acc0[1] - x[11], acc0[2] - x[12]
    a0x = R[0, 0] * fx + R[0, 1] * fy + R[0, 2] * fz
    a0y = R[1, 0] * fx + R[1, 1] * fy + R[1, 2] * fz
    a0z = R[2, 0] * fx + R[2, 1] * fy + R[2, 2] * fz
    frec[0], frec[1], frec[2] = a0x, a0y, a0z
    for r in range(3):
        for c in range(3):
            frec[3 + 3 * r + c] = R[r, c]
    frec[12] = dt
    # attitude: mean bias-corrected rate
    rx = 0.5 * (gyr0[0] + gyr1[0]) * dt - x[13] * dt
    ry = 0.5 * (gyr0[1] + gyr1[1]) * dt - x[14] * dt
    rz = 0.5 * (gyr0[2] + gyr1[2]) * dt - x[15] * dt
    q0, q1, q2, q3 = _quat_exp_mul(rx, ry, rz, q0, q1, q2, q3, False)
    x[6], x[7], x[8], x[9] = q0, q1, q2, q3
    _rot(q0, q1, q2, q3, R)
    fx, fy, fz = acc1[0] - x[10], acc1[1] - x[11], acc1[2] - x[12]
    a1x = R[0, 0] * fx + R[0, 1] * fy + R[0, 2] * fz
    a1y = R[1, 0] * fx + R[1, 1] * fy + R[1, 2] * fz
    a1z = R[2, 0] * fx + R[2, 1] * fy + R[2, 2] * fz
    ax, ay, az = 0.5 * (a0x + a1x), 0.5 * (a0y + a1y), 0.5 * (a0z + a1z) - g
    x[0] += x[3] * dt + 0.5 * ax * dt * dt
    x[1] += x[4] * dt + 0.5 * ay * dt * dt
    x[2] += x[5] * dt + 0.5 * az * dt * dt
    x[3] += ax * dt
    x[4] += ay * dt
    x[5] += az * dt
    # P <- P + GP + (GP)' + G (GP)' + Q, on the upper triangle, mirrored below.
    # GP has rows 0:9 only; G (GP)' is non-zero in its 9 x 9 corner only.
    GP = work[3:12, 0:15]
    GPt = work[12:27, 0:9]
    GPGt = work[27:36, 0:9]
    _g_times(frec, P, GP, N_E)
    for i in range(9):
        for j in range(N_E):
            GPt[j, i] = GP[i, j]
    _g_times(frec, GPt, GPGt, 9)
    for i in range(9):
        for j in range(i, 9):
            P[i, j] += GP[i, j] + GP[j, i] + GPGt[i, j]
        for j in range(9, N_E):
            P[i, j] += GP[i, j]
    s_a = params[P_SIG_ACC]
    s_g = params[P_SIG_GYR]
    for i in range(3):
        P[3 + i, 3 + i] += s_a * s_a * dt
        P[6 + i, 6 + i] += s_g * s_g * dt
        P[9 + i, 9 + i] += params[P_SIG_BA] ** 2 * dt
        for j in range(3):
            P[12 + i, 12 + j] += meta[M_QBG + 3 * i + j] * dt
    # Extra noise of reconstructed (clipped) samples, per sensor axis, as a white
    # acceleration / rate error over this interval: Q += R diag(s^2) R' dt^2-weighted.
    has_extra = False
    for c in range(6):
        if extra0[c] != 0.0 or extra1[c] != 0.0:
            has_extra = True
    for i in range(3 if has_extra else 0):
        for j in range(3):
            qa = 0.0
            qg = 0.0
            for c in range(3):
                va = 0.5 * (extra0[c] * extra0[c] + extra1[c] * extra1[c])
                vg = 0.5 * (extra0[3 + c] * extra0[3 + c] + extra1[3 + c] * extra1[3 + c])
                qa += frec[3 + 3 * i + c] * va * frec[3 + 3 * j + c]
                qg += frec[3 + 3 * i + c] * vg * frec[3 + 3 * j + c]
            if j >= i:
                P[3 + i, 3 + j] += qa * dt * dt
                P[6 + i, 6 + j] += qg * dt * dt
    _mirror(P)


@kernel
def _inject(x, dx):
    for i in range(3):
        x[i] += dx[i]
        x[3 + i] += dx[3 + i]
        x[10 + i] += dx[9 + i]
        x[13 + i] += dx[12 + i]
    x[6], x[7], x[8], x[9] = _quat_exp_mul(dx[6], dx[7], dx[8], x[6], x[7], x[8], x[9], True)


@inline_kernel
def _mirror(P):
    """Copy the upper triangle onto the lower: updates compute the upper one only,
    so P stays exactly symmetric."""
    for i in range(N_E):
        for j in range(i + 1, N_E):
            P[j, i] = P[i, j]


@kernel
def _block_update(x, P, e0, nu0, nu1, nu2, sigma, K_out, sinv_nu_out, work):
    """Update with a direct measurement of the error-state block e0:e0+3 (the velocity
    for a zero-velocity update), innovation ``nu``, noise
    ``sigma``; writes the gain (15 x 3) and S^-1 nu (3) for the smoother."""
    S = work[0:3, 0:3]
    for r in range(3):
        for c in range(3):
            S[r, c] = P[e0 + r, e0 + c]
        S[r, r] += sigma * sigma
    # explicit inverse of the symmetric positive definite 3 x 3 (a LAPACK call costs more)
    a, b, c = S[0, 0], S[0, 1], S[0, 2]
    d, e, f = S[1, 1], S[1, 2], S[2, 2]
    A0, B0, C0 = d * f - e * e, c * e - b * f, b * e - c * d
    det = a * A0 + b * B0 + c * C0
    Si = work[7:10, 0:3]
    Si[0, 0], Si[0, 1], Si[0, 2] = A0 / det, B0 / det, C0 / det
    Si[1, 0], Si[1, 1], Si[1, 2] = B0 / det, (a * f - c * c) / det, (b * c - a * e) / det
    Si[2, 0], Si[2, 1], Si[2, 2] = C0 / det, (b * c - a * e) / det, (a * d - b * b) / det
    for r in range(3):
        sinv_nu_out[r] = Si[r, 0] * nu0 + Si[r, 1] * nu1 + Si[r, 2] * nu2
    for i in range(N_E):
        for c in range(3):
            K_out[i, c] = P[i, e0] * Si[0, c] + P[i, e0 + 1] * Si[1, c] + P[i, e0 + 2] * Si[2, c]
    dx = work[3, 0:15]
    for i in range(N_E):
        dx[i] = K_out[i, 0] * nu0 + K_out[i, 1] * nu1 + K_out[i, 2] * nu2
    # P <- P - K (H P), H P = rows e0:e0+3 of P
    HP = work[4:7, 0:15]
    for c in range(3):
        for j in range(N_E):
            HP[c, j] = P[e0 + c, j]
    for i in range(N_E):
        for j in range(i, N_E):
            P[i, j] -= K_out[i, 0] * HP[0, j] + K_out[i, 1] * HP[1, j] + K_out[i, 2] * HP[2, j]
    _mirror(P)
    _inject(x, dx)


@kernel
def _level(x, P, z_ref, sigma_m, Kh_out, work):
    """Level-ground update: the sensor's height at this stance equals the previous
    stance's.  Writes the gain (15) and returns S^-1 nu for the smoother."""
    S = P[2, 2] + sigma_m * sigma_m
    nu = z_ref - x[2]
    for i in range(N_E):
        Kh_out[i] = P[i, 2] / S
    dx = work[3, 0:15]
    hp = work[4, 0:15]
    for j in range(N_E):
        hp[j] = P[2, j]
    for i in range(N_E):
        dx[i] = Kh_out[i] * nu
        for j in range(i, N_E):
            P[i, j] -= Kh_out[i] * hp[j]
    _mirror(P)
    _inject(x, dx)
    return nu / S


@kernel
def _init(x, P, acc, params, meta):
    """Level the sensor from the specific force at a zero-velocity sample; yaw 0.  The
    gyro bias's component along this sample's up (sensor frame) gets its own initial
    sigma and random walk (P_P0_BG_UP, P_SIG_BG_UP), the rest P_P0_BG and P_SIG_BG."""
    n = np.sqrt(acc[0] ** 2 + acc[1] ** 2 + acc[2] ** 2)
    ax, ay, az = acc[0] / n, acc[1] / n, acc[2] / n
    # shortest rotation taking the measured up (sensor frame) onto world z
    c = az
    vx, vy = ay, -ax  # a x z
    if c < -1.0 + 1e-9:
        q0, q1, q2, q3 = 0.0, 1.0, 0.0, 0.0
    else:
        s = np.sqrt(2.0 * (1.0 + c))
        q0, q1, q2, q3 = 0.5 * s, vx / s, vy / s, 0.0
    for i in range(N_X):
        x[i] = 0.0
    x[6], x[7], x[8], x[9] = q0, q1, q2, q3
    x[13], x[14], x[15] = params[P_BG0], params[P_BG0 + 1], params[P_BG0 + 2]
    for i in range(N_E):
        for j in range(N_E):
            P[i, j] = 0.0
    for i in range(3):
        P[i, i] = params[P_P0_POS] ** 2
        P[3 + i, 3 + i] = params[P_P0_VEL] ** 2
        P[9 + i, 9 + i] = params[P_P0_BA] ** 2
    up = (ax, ay, az)
    for i in range(3):
        for j in range(3):
            d = 1.0 if i == j else 0.0
            uu = up[i] * up[j]
            P[12 + i, 12 + j] = params[P_P0_BG] ** 2 * d + (params[P_P0_BG_UP] ** 2 - params[P_P0_BG] ** 2) * uu
            meta[M_QBG + 3 * i + j] = params[P_SIG_BG] ** 2 * d + (params[P_SIG_BG_UP] ** 2 - params[P_SIG_BG] ** 2) * uu
    P[6, 6] = params[P_P0_TILT] ** 2
    P[7, 7] = params[P_P0_TILT] ** 2
    P[8, 8] = params[P_P0_YAW] ** 2


@kernel
def _smooth_buffer(n, bx, bP, bF, bK, bz, bupd, bKh, bzh, bupdh, out_pos, out_quat, out_vel, out_at,
                   work):
    """Backward pass over buffer[0:n] (lambda = 0 after the last); writes smoothed
    position, quaternion and velocity to out_*[out_at:out_at + n]."""
    lam = np.zeros(N_E)
    mu = np.zeros(N_E)
    dx = np.zeros(N_E)   # the bias rows stay 0: smoothed biases are not output
    xs = np.empty(N_X)
    for k in range(n - 1, -1, -1):
        if k < n - 1:
            _gt_times_vec(bF[k], lam, mu)
            for i in range(N_E):
                mu[i] += lam[i]          # F' lam = lam + G' lam
        else:
            for i in range(N_E):
                mu[i] = 0.0
        P = bP[k]
        for i in range(N_OUT):
            s = 0.0
            for j in range(N_E):
                s += P[i, j] * mu[j]
            dx[i] = s
        for i in range(N_X):
            xs[i] = bx[k, i]
        _inject(xs, dx)
        out_pos[out_at + k, 0] = xs[0]
        out_pos[out_at + k, 1] = xs[1]
        out_pos[out_at + k, 2] = xs[2]
        out_vel[out_at + k, 0] = xs[3]
        out_vel[out_at + k, 1] = xs[4]
        out_vel[out_at + k, 2] = xs[5]
        for i in range(4):
            out_quat[out_at + k, i] = xs[6 + i]
        if bupdh[k]:
            # the level update came after the zero-velocity one: undo it first
            s = 0.0
            for i in range(N_E):
                s += bKh[k, i] * mu[i]
            mu[2] += -s + bzh[k]
        if bupd[k]:
            # lam = (I - K H)' mu + H' S^-1 nu;  (K H)' mu = H' (K' mu)
            K = bK[k]
            for c in range(3):
                s = 0.0
                for i in range(N_E):
                    s += K[i, c] * mu[i]
                work[c] = s
            for i in range(N_E):
                lam[i] = mu[i]
            for c in range(3):
                lam[3 + c] += -work[c] + bz[k, c]
        else:
            for i in range(N_E):
                lam[i] = mu[i]


@inline_kernel
def _remember(prev_in, acc, gyr, extra):
    """Keep this sample's inputs for the next propagation."""
    for i in range(3):
        prev_in[i] = acc[i]
        prev_in[3 + i] = gyr[i]
    for i in range(6):
        prev_in[6 + i] = extra[i]


@kernel
def ins_step(x, P, meta, acc, gyr_rad, zupt, sigma_v, level, extra_sigma, breaks, dt_s, params,
             bx, bP, bF, bK, bz, bupd, bKh, bzh, bupdh, prev_in, out_pos, out_quat, out_vel):
    """Run the filter over one chunk; smoothed samples come out in order.

    ``extra_sigma`` (n x 6): per-sample uncertainty of each sensor axis (acc m/s^2,
    gyr rad/s) beyond the sensor noise, non-zero where a clipped value was
    reconstructed.  ``prev_in`` (12) keeps the last sample's acc, gyr and extra
    sigma between chunks.  Returns how many output rows were written; they belong to global
    samples meta[M_NOUT_START] onwards (updated here).  Samples before the first
    zero-velocity sample, and after a break (``breaks``: a gap before the sample,
    or a value that is not finite) until the next one, have no estimate (NaN):
    the filter starts afresh there, with a new origin and heading.
    """
    n = acc.shape[0]
    cap = bx.shape[0]
    work = np.zeros((36, 15))
    fscratch = np.zeros(F_SIZE)
    n_out = 0
    meta[M_NOUT_START] = meta[M_N] - meta[M_NBUF]
    for k in range(n):
        bad = breaks[k] or not (np.isfinite(acc[k, 0]) and np.isfinite(acc[k, 1]) and np.isfinite(acc[k, 2])
                                and np.isfinite(gyr_rad[k, 0]) and np.isfinite(gyr_rad[k, 1])
                                and np.isfinite(gyr_rad[k, 2]))
        if bad and meta[M_INIT] != 0.0:
            nb = int(meta[M_NBUF])
            if nb > 0:
                _smooth_buffer(nb, bx, bP, bF, bK, bz, bupd, bKh, bzh, bupdh, out_pos, out_quat, out_vel,
                               n_out, work[0])
                n_out += nb
            meta[M_NBUF] = 0.0
            meta[M_INIT] = 0.0
            meta[M_HAVE_ZREF] = 0.0
        if meta[M_INIT] == 0.0:
            if zupt[k] and not bad:
                _init(x, P, acc[k], params, meta)
                meta[M_INIT] = 1.0
                meta[M_NBUF] = 0.0
            else:
                out_pos[n_out, :] = np.nan
                out_quat[n_out, :] = np.nan
                out_vel[n_out, :] = np.nan
                n_out += 1
                meta[M_N] += 1.0
                _remember(prev_in, acc[k], gyr_rad[k], extra_sigma[k])
                continue
        else:
            nb = int(meta[M_NBUF])
            # A run of zero-velocity samples has ended, or the buffer is full: smooth.
            if nb > 0 and ((meta[M_PREV_ZUPT] > 0.0 and not zupt[k]) or nb == cap):
                _smooth_buffer(nb, bx, bP, bF, bK, bz, bupd, bKh, bzh, bupdh, out_pos, out_quat, out_vel,
                               n_out, work[0])
                n_out += nb
                meta[M_NBUF] = 0.0
                nb = 0
            slot_prev = nb - 1
            frec = bF[slot_prev] if slot_prev >= 0 else fscratch
            _propagate(x, P, prev_in[0:3], acc[k], prev_in[3:6], gyr_rad[k], dt_s[k],
                       prev_in[6:12], extra_sigma[k], params, meta, frec, work)
        nb = int(meta[M_NBUF])
        upd = zupt[k] and np.isfinite(x[3])
        if upd:
            _block_update(x, P, 3, -x[3], -x[4], -x[5], sigma_v[k], bK[nb], bz[nb], work)
        bupd[nb] = upd
        bupdh[nb] = False
        if level[k] and upd:
            if meta[M_HAVE_ZREF] > 0.0:
                bzh[nb] = _level(x, P, meta[M_ZREF], params[P_SIG_LEVEL], bKh[nb], work)
                bupdh[nb] = True
            meta[M_ZREF] = x[2]
            meta[M_HAVE_ZREF] = 1.0
        for i in range(N_X):
            bx[nb, i] = x[i]
        for i in range(N_OUT):
            for j in range(N_E):
                bP[nb, i, j] = P[i, j]
        meta[M_NBUF] = nb + 1.0
        meta[M_PREV_ZUPT] = 1.0 if zupt[k] else 0.0
        meta[M_N] += 1.0
        _remember(prev_in, acc[k], gyr_rad[k], extra_sigma[k])
    return n_out


@kernel
def ins_flush(meta, bx, bP, bF, bK, bz, bupd, bKh, bzh, bupdh, out_pos, out_quat, out_vel):
    """End of stream: smooth what is buffered; returns rows written."""
    nb = int(meta[M_NBUF])
    meta[M_NOUT_START] = meta[M_N] - nb
    if nb == 0:
        return 0
    work = np.zeros(3)
    _smooth_buffer(nb, bx, bP, bF, bK, bz, bupd, bKh, bzh, bupdh, out_pos, out_quat, out_vel, 0, work)
    meta[M_NBUF] = 0.0
    return nb
