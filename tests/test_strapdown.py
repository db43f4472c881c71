"""The strapdown kernel against a closed-form motion and a slow reference."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from numba import njit

from gaitcore._strapdown_kernel import integrate_velocity, start

G = 9.80665


def _spinning_sensor(fs_hz, duration_s=1.0, w_rad_s=8.0, a_world=(2.0, -1.0, 0.5)):
    """A sensor spinning about a tilted axis while accelerating uniformly in the world."""
    t = np.arange(int(duration_s * fs_hz) + 1) / fs_hz
    axis = np.array([0.3, 0.8, 0.5]) / np.linalg.norm([0.3, 0.8, 0.5])
    rot = Rotation.from_rotvec(np.outer(w_rad_s * t, axis))  # world <- sensor
    f_world = np.array(a_world) + [0.0, 0.0, G]
    acc = rot.inv().apply(np.tile(f_world, (t.size, 1)))
    gyr = np.tile(w_rad_s * axis, (t.size, 1))
    return t, acc, gyr, np.array(a_world)


def _run(acc, gyr, fs_hz):
    vel = np.empty_like(acc)
    integrate_velocity(np.ascontiguousarray(acc), np.ascontiguousarray(gyr), 1.0 / fs_hz, np.eye(3), G, vel)
    return vel


@pytest.mark.parametrize("fs_hz", [200.0, 1000.0])
def test_uniform_acceleration_while_spinning(fs_hz):
    t, acc, gyr, a = _spinning_sensor(fs_hz)
    vel = _run(acc, gyr, fs_hz)
    err = np.abs(vel[-1] - a * t[-1]).max()
    assert err < 0.02, f"{fs_hz} Hz: end velocity error {err:.4f} m/s"


def test_second_order_convergence():
    # Varying rate, so the trapezoidal attitude step matters: halving dt quarters the error.
    errs = []
    for fs in (100.0, 200.0, 400.0):
        t = np.arange(int(fs) + 1) / fs
        w = np.column_stack([6 * np.sin(5 * t), 3 * np.cos(3 * t), 2 + t])
        # reference attitude by fine integration (64x oversampled)
        fine = np.arange(int(fs * 64) + 1) / (fs * 64)
        wf = np.column_stack([6 * np.sin(5 * fine), 3 * np.cos(3 * fine), 2 + fine])
        r = Rotation.identity()
        rots = [r]
        for k in range(fine.size - 1):
            r = r * Rotation.from_rotvec(0.5 * (wf[k] + wf[k + 1]) / (fs * 64))
            rots.append(r)
        rots = Rotation.concatenate(rots[::64])
        f_world = np.array([1.0, 0.5, G])
        acc = rots.inv().apply(np.tile(f_world, (t.size, 1)))
        vel = _run(acc, w, fs)
        errs.append(np.abs(vel[-1] - [1.0, 0.5, 0.0]).max())
    assert errs[0] / errs[1] > 3.0 and errs[1] / errs[2] > 3.0, f"errors {errs}"


@njit
def _first_state(acc, r0):
    return start(acc.ravel(), 0, r0, G)


@pytest.mark.parametrize("seed", range(8))
def test_start_attitude_is_the_rotation_given(seed):
    """The integrator starts from r0 (as a quaternion, every branch of Shepperd's method:
    random rotations and near half-turns about each axis): the first specific force it
    reports is r0 f - g."""
    rots = [Rotation.random(random_state=seed).as_matrix()] + \
        [Rotation.from_rotvec(np.pi * 0.999 * e + 0.01 * seed).as_matrix() for e in np.eye(3)]
    f = np.array([[1.0, -2.0, 9.0]])
    for r in rots:
        st = _first_state(f, np.ascontiguousarray(r))
        np.testing.assert_allclose(np.linalg.norm(st[:4]), 1.0, atol=1e-14)
        np.testing.assert_allclose(st[4:7], r @ f[0] - [0, 0, G], atol=1e-12)
