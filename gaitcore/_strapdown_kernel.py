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

from ._jit import kernel


@kernel
def _rotate(q0, q1, q2, q3, r0, f, out):
    """out = r0 @ R(q) @ f."""
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
    for r in range(3):
        out[r] = r0[r, 0] * bx + r0[r, 1] * by + r0[r, 2] * bz


@kernel
def start(acc0, r0, gravity_mps2, q, a_prev, v):
    """Reset the integrator state (q, a_prev, v) at a sample with specific force ``acc0``."""
    q[0], q[1], q[2], q[3] = 1.0, 0.0, 0.0, 0.0
    _rotate(1.0, 0.0, 0.0, 0.0, r0, acc0, a_prev)
    a_prev[2] -= gravity_mps2
    v[0] = v[1] = v[2] = 0.0


@kernel
def advance(gyr_k, gyr_next, acc_next, dt_s, r0, gravity_mps2, q, a_prev, v):
    """One sample forward: attitude by the mean rate, velocity by the trapezoid."""
    rx = 0.5 * (gyr_k[0] + gyr_next[0]) * dt_s
    ry = 0.5 * (gyr_k[1] + gyr_next[1]) * dt_s
    rz = 0.5 * (gyr_k[2] + gyr_next[2]) * dt_s
    ang = np.sqrt(rx * rx + ry * ry + rz * rz)
    if ang > 1e-12:
        s = np.sin(0.5 * ang) / ang
        d0, d1, d2, d3 = np.cos(0.5 * ang), rx * s, ry * s, rz * s
    else:
        d0, d1, d2, d3 = 1.0, 0.5 * rx, 0.5 * ry, 0.5 * rz
    q0, q1, q2, q3 = q[0], q[1], q[2], q[3]
    n0 = q0 * d0 - q1 * d1 - q2 * d2 - q3 * d3
    n1 = q0 * d1 + q1 * d0 + q2 * d3 - q3 * d2
    n2 = q0 * d2 - q1 * d3 + q2 * d0 + q3 * d1
    n3 = q0 * d3 + q1 * d2 - q2 * d1 + q3 * d0
    norm = np.sqrt(n0 * n0 + n1 * n1 + n2 * n2 + n3 * n3)
    q[0], q[1], q[2], q[3] = n0 / norm, n1 / norm, n2 / norm, n3 / norm
    ax, ay, az = a_prev[0], a_prev[1], a_prev[2]
    _rotate(q[0], q[1], q[2], q[3], r0, acc_next, a_prev)
    a_prev[2] -= gravity_mps2
    v[0] += 0.5 * (ax + a_prev[0]) * dt_s
    v[1] += 0.5 * (ay + a_prev[1]) * dt_s
    v[2] += 0.5 * (az + a_prev[2]) * dt_s


@kernel
def integrate_velocity(acc_mps2, gyr_rad, dt_s, r0, gravity_mps2, vel_out):
    """Velocity (m/s, world frame, zero at the first sample) into ``vel_out`` (n x 3).

    ``r0`` is the world-from-sensor rotation at the first sample; world z is up.
    """
    q = np.empty(4)
    a_prev = np.empty(3)
    v = np.empty(3)
    start(acc_mps2[0], r0, gravity_mps2, q, a_prev, v)
    vel_out[0, :] = 0.0
    for k in range(acc_mps2.shape[0] - 1):
        advance(gyr_rad[k], gyr_rad[k + 1], acc_mps2[k + 1], dt_s, r0, gravity_mps2, q, a_prev, v)
        vel_out[k + 1, 0] = v[0]
        vel_out[k + 1, 1] = v[1]
        vel_out[k + 1, 2] = v[2]
