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
def _rotate(q0, q1, q2, q3, fx, fy, fz):
    """R(q) f for a unit quaternion, as a tuple: f + 2 w (u x f) + 2 u x (u x f) with
    q = (w, u), which takes 15 multiplications where building R(q) takes 27."""
    tx = 2.0 * (q2 * fz - q3 * fy)
    ty = 2.0 * (q3 * fx - q1 * fz)
    tz = 2.0 * (q1 * fy - q2 * fx)
    return (fx + q0 * tx + (q2 * tz - q3 * ty),
            fy + q0 * ty + (q3 * tx - q1 * tz),
            fz + q0 * tz + (q1 * ty - q2 * tx))


@inline_kernel
def _quat_of(r):
    """The unit quaternion (scalar first) of the rotation matrix ``r`` (Shepperd's
    method: from the largest of the four squared components, so never dividing by a
    small one)."""
    tr = r[0, 0] + r[1, 1] + r[2, 2]
    if tr >= r[0, 0] and tr >= r[1, 1] and tr >= r[2, 2]:
        w = 0.5 * np.sqrt(1.0 + tr)
        k = 0.25 / w
        return w, (r[2, 1] - r[1, 2]) * k, (r[0, 2] - r[2, 0]) * k, (r[1, 0] - r[0, 1]) * k
    if r[0, 0] >= r[1, 1] and r[0, 0] >= r[2, 2]:
        x = 0.5 * np.sqrt(1.0 + r[0, 0] - r[1, 1] - r[2, 2])
        k = 0.25 / x
        return (r[2, 1] - r[1, 2]) * k, x, (r[0, 1] + r[1, 0]) * k, (r[0, 2] + r[2, 0]) * k
    if r[1, 1] >= r[2, 2]:
        y = 0.5 * np.sqrt(1.0 - r[0, 0] + r[1, 1] - r[2, 2])
        k = 0.25 / y
        return (r[0, 2] - r[2, 0]) * k, (r[0, 1] + r[1, 0]) * k, y, (r[1, 2] + r[2, 1]) * k
    z = 0.5 * np.sqrt(1.0 - r[0, 0] - r[1, 1] + r[2, 2])
    k = 0.25 / z
    return (r[1, 0] - r[0, 1]) * k, (r[0, 2] + r[2, 0]) * k, (r[1, 2] + r[2, 1]) * k, z


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
def start(acc, k, r0, gravity_mps2):
    """Integrator state at sample ``k`` of the flat (n x 3, C order) specific force
    ``acc``: (q0, q1, q2, q3, ax, ay, az, vx, vy, vz), attitude (world from sensor) the
    rotation matrix ``r0``, velocity zero."""
    q0, q1, q2, q3 = _quat_of(r0)
    ax, ay, az = _rotate(q0, q1, q2, q3, acc[3 * k], acc[3 * k + 1], acc[3 * k + 2])
    return q0, q1, q2, q3, ax, ay, az - gravity_mps2, 0.0, 0.0, 0.0


@inline_kernel
def advance(st, gyr, acc, k, dt_s, rate_dt, gravity_mps2):
    """One sample forward, from sample ``k`` to ``k + 1`` of the flat (n x 3, C order)
    rates ``gyr`` and specific forces ``acc``: attitude by the mean rate, velocity by
    the trapezoid.  ``rate_dt`` is dt_s times radians per unit of the rates given (1
    for rad/s).  (Flat arrays: numba's 2-d row views cost a third of the step.)"""
    q0, q1, q2, q3, ax, ay, az, vx, vy, vz = st
    j = 3 * k
    rx = 0.5 * (gyr[j] + gyr[j + 3]) * rate_dt
    ry = 0.5 * (gyr[j + 1] + gyr[j + 4]) * rate_dt
    rz = 0.5 * (gyr[j + 2] + gyr[j + 5]) * rate_dt
    d0, d1, d2, d3 = rotvec_quat(rx, ry, rz)
    # Sums paired, not chained: the attitude is a chain through every sample, and its
    # latency, not the arithmetic, sets the step's cost.
    n0 = (q0 * d0 - q1 * d1) - (q2 * d2 + q3 * d3)
    n1 = (q0 * d1 + q1 * d0) + (q2 * d3 - q3 * d2)
    n2 = (q0 * d2 - q1 * d3) + (q2 * d0 + q3 * d1)
    n3 = (q0 * d3 + q1 * d2) - (q2 * d1 - q3 * d0)
    # Back onto the unit sphere by one Newton step of 1/sqrt (the product of unit
    # quaternions is off by rounding only, so this is exact to double precision).
    inv = 1.5 - 0.5 * ((n0 * n0 + n1 * n1) + (n2 * n2 + n3 * n3))
    n0, n1, n2, n3 = n0 * inv, n1 * inv, n2 * inv, n3 * inv
    bx, by, bz = _rotate(n0, n1, n2, n3, acc[j + 3], acc[j + 4], acc[j + 5])
    bz -= gravity_mps2
    return (n0, n1, n2, n3, bx, by, bz,
            vx + 0.5 * (ax + bx) * dt_s, vy + 0.5 * (ay + by) * dt_s, vz + 0.5 * (az + bz) * dt_s)


@kernel
def integrate_velocity(acc_mps2, gyr_rad, dt_s, r0, gravity_mps2, vel_out):
    """Velocity (m/s, world frame, zero at the first sample) into ``vel_out`` (n x 3).

    ``r0`` is the world-from-sensor rotation at the first sample; world z is up.
    """
    af, gf = acc_mps2.ravel(), gyr_rad.ravel()
    st = start(af, 0, r0, gravity_mps2)
    vel_out[0, :] = 0.0
    for k in range(acc_mps2.shape[0] - 1):
        st = advance(st, gf, af, k, dt_s, dt_s, gravity_mps2)
        vel_out[k + 1, 0] = st[7]
        vel_out[k + 1, 1] = st[8]
        vel_out[k + 1, 2] = st[9]
