"""Commercial-device decoders: the RSC profile and Movesense GSP; round trips, the
quirk options, and fuzzing (random bytes, truncation, split messages) with hypothesis."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from firmware_bridge.devices import movesense as M
from firmware_bridge.devices import rsc
from firmware_bridge.errors import ProtocolError


def test_rsc_spec_example():
    # flags: stride + distance + running; 3.5 m/s, 182 spm, 1.15 m, 1234.5 m
    data = bytes([0x07]) + (896).to_bytes(2, "little") + bytes([182]) + (115).to_bytes(2, "little") + \
        (12345).to_bytes(4, "little")
    m = rsc.decode_measurement(data)
    assert (m.speed_mps, m.cadence_spm, m.stride_length_m, m.total_distance_m, m.running, m.suspect) == \
        (3.5, 182.0, 1.15, 1234.5, True, False)
    assert rsc.decode_measurement(bytes([0, 0, 2, 90])).running is False


def test_rsc_quirk_options():
    data = rsc.encode_measurement(4.0, 88)
    assert rsc.decode_measurement(data, rsc.RscOptions(cadence_per_leg=True)).cadence_spm == 176.0
    m = rsc.decode_measurement(rsc.encode_measurement(4.0, 255), rsc.RscOptions(cadence_is_power=True))
    assert m.cadence_spm is None and m.power_w == 255.0 and not m.suspect
    # 220 W in the cadence field of a pod running 3 m/s with 1.0 m steps (180 spm)
    assert rsc.decode_measurement(rsc.encode_measurement(3.0, 220, 1.0)).suspect
    assert not rsc.decode_measurement(rsc.encode_measurement(3.0, 180, 1.0)).suspect
    assert not rsc.decode_measurement(rsc.encode_measurement(3.0, 90, 2.0)).suspect   # stride = two steps
    assert rsc.decode_measurement(rsc.encode_measurement(6.0, 140), rsc.RscOptions(cadence_per_leg=True)).suspect


@settings(max_examples=300, deadline=None)
@given(st.floats(0, 255.9), st.integers(0, 255), st.none() | st.floats(0, 655.35), st.none() | st.floats(0, 4e8),
       st.booleans())
def test_rsc_round_trip(speed, cadence, stride, total, running):
    m = rsc.decode_measurement(rsc.encode_measurement(speed, cadence, stride, total, running))
    assert abs(m.speed_mps - speed) <= 1 / 512 and m.cadence_spm == cadence and m.running == running
    assert (m.stride_length_m is None) == (stride is None) and (m.total_distance_m is None) == (total is None)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=16))
def test_rsc_random_bytes_decode_or_raise_protocol_error(data):
    try:
        rsc.decode_measurement(data)
    except ProtocolError:
        pass
    try:
        rsc.decode_feature(data)
    except ProtocolError:
        pass


def test_movesense_subscribe_command():
    assert M.subscribe_imu6(7, 833) == b"\x01\x07Meas/IMU6/833"
    with pytest.raises(ValueError, match="1666"):
        M.subscribe_imu6(1, 1000)


arrays = st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.lists(st.floats(-160, 160, width=32), min_size=3 * n, max_size=3 * n),
    st.lists(st.floats(-2000, 2000, width=32), min_size=3 * n, max_size=3 * n)))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 255), st.integers(0, 2 ** 32 - 1), arrays, st.integers(0, 60))
def test_movesense_round_trip_whole_and_split(ref, ts, vals, cut):
    acc = np.array(vals[0]).reshape(-1, 3)
    gyr = np.array(vals[1]).reshape(-1, 3)
    msg = M.encode_imu6(ref, ts, acc, gyr)
    dec = M.GspDecoder()
    (p,) = dec.feed(msg)
    assert (p.ref, p.timestamp_ms) == (ref, ts)
    np.testing.assert_array_equal(p.acc_mps2, acc.astype(np.float32))
    np.testing.assert_array_equal(p.gyr_dps, gyr.astype(np.float32))
    # the same message split into DATA + DATA_PART2
    cut = 6 + (cut % (len(msg) - 6))
    first, rest = msg[:cut], bytes([M.MSG_DATA_PART2, ref]) + msg[cut:]
    if (len(first) - 6) % M.SAMPLE_BYTES:
        assert dec.feed(first) == []
        (q,) = dec.feed(rest)
        np.testing.assert_array_equal(q.gyr_dps, p.gyr_dps)
    assert dec.rejected == 0


@settings(max_examples=500, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=6))
def test_movesense_random_notifications_never_crash(notes):
    dec = M.GspDecoder()
    for n in notes:
        for p in dec.feed(n):
            assert p.acc_mps2.shape == p.gyr_dps.shape and np.isfinite(p.acc_mps2).all()
