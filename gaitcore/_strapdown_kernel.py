"""Private numba kernel: strapdown velocity over a sample range, second order.

Attitude: the rotation between samples k and k+1 is the rotation vector of the
mean rate, (w_k + w_{k+1}) / 2 * dt (trapezoidal), composed on the right in the
toolkit's scalar-first Hamilton convention (:mod:`gaitcore.quaternion`).
Velocity: trapezoidal integration of the world-frame acceleration
R_k f_k - g.  Both are second order in dt, which matters at 200 Hz for feet
that turn at > 1000 deg/s (Savage, "Strapdown inertial navigation integration
algorithm design", J. Guid. Control Dyn. 1998, for the general scheme).
"""
from __future__ import annotations

import numpy as np

from ._jit import inline_kernel, kernel


@inline_kernel
def _rotate(q0, q1, q2, q3, r0, f):
    """r0 @ R(q) @ f, as a tuple."""
    m00 = 1 - 2 * (q2 * q2 + q3 * q3)
    m01 = 2 * (q1 * q2 - q0 * q3)
    m02 = 2 * (q1 * q3 + q0 * q2)
    m10 = 2 * (q1 * q2 + q0 * q3)
    m11 = 1 - 2 * (q1 * q1 + q3 * q3)
    m12 = 2 * (q2 * q3 - q0 * q1)
    m20 = 2 * (q1 * q3 - q0 * q2)
    m21 = 2 * (q2 * q3 + q0 * q1)
    m22 = 1 - 2 * (q1 * q1 + q2 * q2)
    bx = m00 * f[0] + m01 * f[1] + m02 * f[2]
    by = m10 * f[0] + m11 * f[1] + m12 * f[2]
    bz = m20 * f[0] + m21 * f[1] + m22 * f[2]
    return (r0[0, 0] * bx + r0[0, 1] * by + r0[0, 2] * bz,
            r0[1, 0] * bx + r0[1, 1] * by + r0[1, 2] * bz,
            r0[2, 0] * bx + r0[2, 1] * by + r0[2, 2] * bz)


@inline_kernel
def rotvec_quat(rx, ry, rz):
    """Unit quaternion of the rotation vector (rx, ry, rz) (rad), scalar first."""
    a2 = rx * rx + ry * ry + rz * rz
    if a2 < 0.01:
        # cos(a/2) and sin(a/2)/a by their series to a^6: error < 1e-15 below 0.1 rad a
        # sample (5700 deg/s at 1 kHz), and three times faster than sin and cos
        c = 1.0 - a2 / 8.0 + a2 * a2 / 384.0 - a2 * a2 * a2 / 46080.0
        s = 0.5 - a2 / 48.0 + a2 * a2 / 3840.0 - a2 * a2 * a2 / 645120.0
    else:
        ang = np.sqrt(a2)
        c = np.cos(0.5 * ang)
        s = np.sin(0.5 * ang) / ang
    return c, rx * s, ry * s, rz * s


@inline_kernel
def start(acc0, r0, gravity_mps2):
    """Integrator state at a sample with specific force ``acc0``:
    (q0, q1, q2, q3, ax, ay, az, vx, vy, vz), attitude = r0, velocity zero."""
    ax, ay, az = _rotate(1.0, 0.0, 0.0, 0.0, r0, acc0)
    return 1.0, 0.0, 0.0, 0.0, ax, ay, az - gravity_mps2, 0.0, 0.0, 0.0


@inline_kernel
def advance(st, gyr_k, gyr_next, acc_next, dt_s, rate_dt, r0, gravity_mps2):
    """One sample forward: attitude by the mean rate, velocity by the trapezoid.
    ``rate_dt`` is dt_s times radians per unit of the rates given (1 for rad/s)."""
    q0, q1, q2, q3, ax, ay, az, vx, vy, vz = st
    rx = 0.5 * (gyr_k[0] + gyr_next[0]) * rate_dt
    ry = 0.5 * (gyr_k[1] + gyr_next[1]) * rate_dt
    rz = 0.5 * (gyr_k[2] + gyr_next[2]) * rate_dt
    d0, d1, d2, d3 = rotvec_quat(rx, ry, rz)
    n0 = q0 * d0 - q1 * d1 - q2 * d2 - q3 * d3
    n1 = q0 * d1 + q1 * d0 + q2 * d3 - q3 * d2
    n2 = q0 * d2 - q1 * d3 + q2 * d0 + q3 * d1
    n3 = q0 * d3 + q1 * d2 - q2 * d1 + q3 * d0
    # Back onto the unit sphere by one Newton step of 1/sqrt (the product of unit
    # quaternions is off by rounding only, so this is exact to double precision).
    inv = 1.5 - 0.5 * (n0 * n0 + n1 * n1 + n2 * n2 + n3 * n3)
    n0, n1, n2, n3 = n0 * inv, n1 * inv, n2 * inv, n3 * inv
    bx, by, bz = _rotate(n0, n1, n2, n3, r0, acc_next)
    bz -= gravity_mps2
    return (n0, n1, n2, n3, bx, by, bz,
            vx + 0.5 * (ax + bx) * dt_s, vy + 0.5 * (ay + by) * dt_s, vz + 0.5 * (az + bz) * dt_s)


@kernel
def integrate_velocity(acc_mps2, gyr_rad, dt_s, r0, gravity_mps2, vel_out):
    """Velocity (m/s, world frame, zero at the first sample) into ``vel_out`` (n x 3).

    ``r0`` is the world-from-sensor rotation at the first sample; world z is up.
    """
    st = start(acc_mps2[0], r0, gravity_mps2)
    vel_out[0, :] = 0.0
    for k in range(acc_mps2.shape[0] - 1):
        st = advance(st, gyr_rad[k], gyr_rad[k + 1], acc_mps2[k + 1], dt_s, dt_s, r0, gravity_mps2)
        vel_out[k + 1, 0] = st[7]
        vel_out[k + 1, 1] = st[8]
        vel_out[k + 1, 2] = st[9]
