"""The pod wire protocol: Python and C codecs against the shared vectors and each
other, and the decoders against random bytes, truncation, bit flips and split points
(hypothesis; seeds are hypothesis's own, printed on failure)."""
import ctypes
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from firmware_bridge import protocol as P
from firmware_bridge.vectors import frame_from_fields, vectors

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware_bridge" / "firmware"
VECTORS = json.loads((FIRMWARE / "test_vectors.json").read_text())


@pytest.fixture(scope="session")
def clib(tmp_path_factory):
    """The C codec and the test shim, compiled with gcc as a shared library."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.fail("gcc not found: scripts/test.sh installs it (apt-get install gcc)")
    out = tmp_path_factory.mktemp("podwire") / "libpodwire.so"
    subprocess.run([gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", "-shared", "-fPIC",
                    "-I", str(FIRMWARE), str(FIRMWARE / "podwire.c"), str(ROOT / "tests" / "c" / "podwire_shim.c"),
                    "-o", str(out)], check=True, capture_output=True, text=True)
    lib = ctypes.CDLL(str(out))
    u8p = ctypes.POINTER(ctypes.c_uint8)
    lib.podwire_crc16.restype = ctypes.c_uint16
    lib.podwire_crc16.argtypes = [u8p, ctypes.c_size_t]
    lib.shim_decode.restype = ctypes.c_int
    lib.shim_encode_data.restype = ctypes.c_size_t
    lib.shim_encode_data.argtypes = [u8p, ctypes.c_size_t, ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32,
                                     ctypes.c_uint64, ctypes.c_uint16, ctypes.c_uint8, ctypes.c_uint16,
                                     ctypes.POINTER(ctypes.c_int16), ctypes.c_uint8]
    lib.shim_encode_info.restype = ctypes.c_size_t
    lib.shim_encode_info.argtypes = [u8p, ctypes.c_size_t, ctypes.c_uint16, u8p, ctypes.c_uint8, ctypes.c_uint8,
                                     ctypes.c_uint16, ctypes.c_uint16, ctypes.c_uint8, ctypes.c_uint16,
                                     ctypes.c_char_p]
    lib.podwire_encode_command.restype = ctypes.c_size_t
    lib.podwire_encode_command.argtypes = [u8p, ctypes.c_size_t, ctypes.c_uint8, ctypes.c_uint16, u8p,
                                           ctypes.c_size_t]
    lib.podwire_encode_response.restype = ctypes.c_size_t
    lib.podwire_encode_response.argtypes = [u8p, ctypes.c_size_t, ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint8,
                                            u8p, ctypes.c_size_t]
    lib.podwire_cobs_encode.restype = ctypes.c_size_t
    lib.podwire_cobs_encode.argtypes = [u8p, ctypes.c_size_t, u8p, ctypes.c_size_t]
    lib.podwire_cobs_decode.restype = ctypes.c_size_t
    lib.podwire_cobs_decode.argtypes = [u8p, ctypes.c_size_t, u8p, ctypes.c_size_t]
    lib.shim_serial_rx.restype = ctypes.c_size_t
    return lib


def _buf(data: bytes):
    return (ctypes.c_uint8 * max(1, len(data))).from_buffer_copy(data or b"\0")


def c_encode(lib, frame) -> bytes:
    out = (ctypes.c_uint8 * 8192)()
    if isinstance(frame, P.DataFrame):
        cols = [frame.acc_raw, frame.gyr_raw] + ([frame.mag_raw] if frame.mag_raw is not None else [])
        flags = int(frame.flags) | (P.Flag.MAG if frame.mag_raw is not None else 0)
        samples = np.ascontiguousarray(np.hstack(cols), dtype=np.int16)
        n = lib.shim_encode_data(out, 8192, flags, frame.seq, frame.sample_index, frame.t_us, frame.odr_hz,
                                 frame.acc_range_g, frame.gyr_range_dps,
                                 samples.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)), frame.count)
    elif isinstance(frame, P.InfoFrame):
        n = lib.shim_encode_info(out, 8192, frame.seq, _buf(frame.device_id), int(frame.placement), frame.battery_pct,
                                 frame.battery_mv, frame.odr_hz, frame.acc_range_g, frame.gyr_range_dps,
                                 frame.firmware.encode())
    elif isinstance(frame, P.CommandFrame):
        n = lib.podwire_encode_command(out, 8192, int(frame.command), frame.seq, _buf(frame.payload),
                                       len(frame.payload))
    else:
        n = lib.podwire_encode_response(out, 8192, int(frame.command), frame.seq, int(frame.status),
                                        _buf(frame.payload), len(frame.payload))
    return bytes(out[:n])


def c_decode(lib, data: bytes):
    """The frame the C decoder reads from ``data``, or its negative error code."""
    fields = (ctypes.c_int64 * 16)()
    values = (ctypes.c_int16 * (255 * 9))()
    tail = (ctypes.c_uint8 * 8192)()
    rc = lib.shim_decode(_buf(data), ctypes.c_size_t(len(data)), fields, values, ctypes.c_size_t(255 * 9), tail,
                         ctypes.c_size_t(8192))
    if rc != 0:
        return rc
    (kind, flags, command, seq, index, t_us, odr, acc_g, gyr_dps, count, placement, pct, mv, fw_len, status,
     payload_len) = list(fields)
    t_us &= (1 << 64) - 1    # the shim passes the u64 through an int64
    if kind == P.FrameType.DATA:
        per = 9 if flags & P.Flag.MAG else 6
        v = np.array(values[:count * per], dtype=np.int16).reshape(count, per)
        return P.DataFrame(seq, P.Flag(flags), index, t_us, odr, acc_g, gyr_dps, v[:, :3].copy(), v[:, 3:6].copy(),
                           v[:, 6:9].copy() if per == 9 else None)
    if kind == P.FrameType.INFO:
        return P.InfoFrame(seq, bytes(tail[:6]), P.Placement(placement), pct, mv, odr, acc_g, gyr_dps,
                           bytes(tail[6:6 + fw_len]).decode("utf-8", errors="replace"))
    payload = bytes(tail[6:6 + payload_len])
    if kind == P.FrameType.COMMAND:
        return P.CommandFrame(seq, P.Command(command), payload)
    return P.ResponseFrame(seq, P.Command(command), P.Status(status), payload)


def test_crc_check_value(clib):
    assert P.crc16(b"123456789") == 0x29B1
    assert clib.podwire_crc16(_buf(b"123456789"), 9) == 0x29B1
    assert VECTORS["crc_check"]["crc16_ibm3740"] == "29b1"


@pytest.mark.parametrize("vec", VECTORS["frames"], ids=lambda v: v["name"])
def test_vectors_python_and_c(vec, clib):
    frame = frame_from_fields(vec["fields"])
    raw = bytes.fromhex(vec["hex"])
    assert P.encode(frame) == raw
    assert P.decode(raw) == frame
    assert c_encode(clib, frame) == raw
    assert c_decode(clib, raw) == frame


def test_vector_file_is_current():
    """The committed vectors are what the generator writes (regenerate with
    ``python -m firmware_bridge.vectors > firmware_bridge/firmware/test_vectors.json``)."""
    assert VECTORS["frames"] == vectors()


# ----------------------------------------------------------------------- hypothesis

i16 = st.integers(-32768, 32767)


@st.composite
def data_frames(draw):
    n = draw(st.integers(1, 40))
    mag = draw(st.booleans())
    arr = lambda: np.array(draw(st.lists(st.tuples(i16, i16, i16), min_size=n, max_size=n)),  # noqa: E731
                           dtype=np.int16).reshape(n, 3)
    return P.DataFrame(draw(st.integers(0, 65535)), P.Flag(draw(st.integers(0, 15)) & ~P.Flag.MAG),
                       draw(st.integers(0, 2 ** 32 - 1)), draw(st.integers(0, 2 ** 64 - 1)),
                       draw(st.integers(1, 65535)), draw(st.sampled_from([2, 4, 8, 16, 32])),
                       draw(st.sampled_from([125, 250, 500, 1000, 2000, 4000])), arr(), arr(),
                       arr() if mag else None)


frames = st.one_of(
    data_frames(),
    st.builds(P.InfoFrame, st.integers(0, 65535), st.binary(min_size=6, max_size=6), st.sampled_from(list(P.Placement)),
              st.integers(0, 255), st.integers(0, 65535), st.integers(0, 65535), st.integers(0, 255),
              st.integers(0, 65535), st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-", max_size=32)),
    st.builds(P.CommandFrame, st.integers(0, 65535), st.sampled_from(list(P.Command)), st.binary(max_size=8)),
    st.builds(P.ResponseFrame, st.integers(0, 65535), st.sampled_from(list(P.Command)),
              st.sampled_from(list(P.Status)), st.binary(max_size=40)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames)
def test_python_and_c_codecs_agree(clib, frame):
    raw = P.encode(frame)
    assert c_encode(clib, frame) == raw
    assert P.decode(raw) == frame
    assert c_decode(clib, raw) == frame


@settings(max_examples=300, deadline=None)
@given(frames, st.data())
def test_damaged_frames_are_refused_by_both(clib, frame, data):
    raw = bytearray(P.encode(frame))
    how = data.draw(st.sampled_from(["flip", "truncate", "extend"]))
    if how == "flip":
        bit = data.draw(st.integers(0, 8 * len(raw) - 1))
        raw[bit // 8] ^= 1 << (bit % 8)
    elif how == "truncate":
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    else:
        raw += data.draw(st.binary(min_size=1, max_size=4))
    with pytest.raises(P.ProtocolError):
        P.decode(bytes(raw))
    assert isinstance(c_decode(clib, bytes(raw)), int)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_make_a_frame_with_a_bad_crc(clib, blob):
    for dec in (P.SerialDecoder(), P.NotificationDecoder()):
        for f in dec.feed(blob):
            raw = P.encode(f)
            assert P.crc16(raw[:-2]) == int.from_bytes(raw[-2:], "little")
    got = c_decode(clib, blob)
    try:
        P.decode(blob)
        py_ok = True
    except P.ProtocolError:
        py_ok = False
    assert py_ok == (not isinstance(got, int))


@settings(max_examples=200, deadline=None)
@given(st.lists(frames, min_size=1, max_size=6), st.data())
def test_serial_stream_any_split_and_corruption_resynchronises(frames_, data):
    """Frames joined in a COBS stream, cut at random points, with noise before the
    first frame and one frame corrupted: every intact frame comes out, in order, and
    nothing else."""
    stream = bytearray(data.draw(st.binary(max_size=20)))   # joined mid-stream
    stream += b"\x00"
    bad = data.draw(st.integers(-1, len(frames_) - 1))
    for k, f in enumerate(frames_):
        packet = bytearray(P.serial_bytes(f))
        if k == bad:
            i = data.draw(st.integers(0, len(packet) - 2))
            packet[i] = (packet[i] % 255) + 1 if packet[i] else 1   # stays non-zero: framing survives
        stream += packet
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(stream)), max_size=10))))
    dec = P.SerialDecoder()
    out = []
    for a, b in zip([0, *cuts], [*cuts, len(stream)]):
        out += dec.feed(bytes(stream[a:b]))
    # the corrupted frame is refused (CRC), never turned into another frame; the rest all arrive
    assert out == [f for k, f in enumerate(frames_) if k != bad]
    assert dec.stats.frames == len(out)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_cobs_python_and_c_agree(clib, data):
    enc = P.cobs_encode(data)
    assert 0 not in enc and P.cobs_decode(enc) == data
    out = (ctypes.c_uint8 * 2048)()
    n = clib.podwire_cobs_encode(_buf(data), len(data), out, 2048)
    assert bytes(out[:n]) == enc
    back = (ctypes.c_uint8 * 2048)()
    m = clib.podwire_cobs_decode(_buf(enc), len(enc), back, 2048)
    assert bytes(back[:m]) == data


@settings(max_examples=100, deadline=None)
@given(st.lists(frames, min_size=1, max_size=5), st.binary(max_size=30))
def test_c_serial_receiver_matches_python(clib, frames_, noise):
    stream = noise + b"\x00" + b"".join(P.serial_bytes(f) for f in frames_)
    out = (ctypes.c_uint8 * 65536)()
    dropped = ctypes.c_uint32()
    n = clib.shim_serial_rx(_buf(stream), ctypes.c_size_t(len(stream)), out, ctypes.c_size_t(65536),
                            ctypes.byref(dropped))
    packets, i = [], 0
    raw = bytes(out[:n])
    while i < n:
        m = raw[i] | (raw[i + 1] << 8)
        packets.append(raw[i + 2:i + 2 + m])
        i += 2 + m
    decoded = [P.decode(p) for p in packets if _valid(p)]
    assert decoded == P.SerialDecoder().feed(stream) == frames_


def _valid(p: bytes) -> bool:
    try:
        P.decode(p)
        return True
    except P.ProtocolError:
        return False


def test_notification_sizes():
    assert P.samples_per_notification(185) == 13
    assert P.samples_per_notification(247) == 18
    with pytest.raises(ValueError, match="185"):
        P.samples_per_notification(23)
