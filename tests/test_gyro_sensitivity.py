"""The gyro-sensitivity benchmark's attitude product against scipy's, sample by sample."""
import numpy as np
from scipy.spatial.transform import Rotation

from benchmarks.gyro_sensitivity import _body_rotation, _rotate_back


def test_the_pairwise_product_is_the_ordered_product_of_the_steps():
    rng = np.random.default_rng(3)     # seed 3
    for n in (1, 2, 7, 64, 301):
        rotvec = rng.normal(0.0, 0.05, (n, 3))
        expected = Rotation.identity()
        for r in rotvec:                                  # body rates: each step on the right
            expected = expected * Rotation.from_rotvec(r)
        q = _body_rotation(rotvec)
        got = Rotation.from_quat([q[1], q[2], q[3], q[0]])
        assert (got * expected.inv()).magnitude() < 1e-12
        v = rng.normal(size=3)
        np.testing.assert_allclose(_rotate_back(q, v), expected.inv().apply(v), atol=1e-12)
