"""The reference pod's portable core (ring buffer, overflow flag, framing, commands),
compiled with gcc on the host with a 64-sample ring and driven through ctypes; its
frames are read back with the host's Python codec."""
import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from firmware_bridge import protocol as P

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware_bridge" / "firmware"
RING = 64


@pytest.fixture()
def pod(tmp_path_factory):
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.fail("gcc not found: scripts/test.sh installs it (apt-get install gcc)")
    out = tmp_path_factory.getbasetemp() / "libfootpod.so"
    if not out.exists():
        subprocess.run([gcc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", "-shared", "-fPIC",
                        f"-DFOOTPOD_RING={RING}", "-I", str(FIRMWARE), str(FIRMWARE / "podwire.c"),
                        str(FIRMWARE / "footpod_core.c"), str(ROOT / "tests" / "c" / "footpod_shim.c"), "-o",
                        str(out)], check=True, capture_output=True, text=True)
    lib = ctypes.CDLL(str(out))
    for name in ("fp_next", "fp_handle", "fp_info"):
        getattr(lib, name).restype = ctypes.c_size_t
    lib.fp_push.argtypes = [ctypes.c_uint64, ctypes.POINTER(ctypes.c_int16)]
    lib.fp_dropped.restype = ctypes.c_uint32
    lib.fp_init((ctypes.c_uint8 * 6)(1, 2, 3, 4, 5, 6), 1, b"footpod test")
    assert lib.fp_ring() == RING
    return lib


def command(pod, cmd, payload=b"", seq=1):
    raw = P.encode(P.CommandFrame(seq, cmd, payload))
    out = (ctypes.c_uint8 * 128)()
    n = pod.fp_handle((ctypes.c_uint8 * len(raw)).from_buffer_copy(raw), len(raw), out, 128)
    return P.decode(bytes(out[:n])) if n else None


def push(pod, k0, k1):
    for k in range(k0, k1):
        v = (ctypes.c_int16 * 6)(*[(k * 7 + c) % 30000 for c in range(6)])
        pod.fp_push(1000 * k, v)


def frames(pod, per=13, flush=False):
    out = []
    buf = (ctypes.c_uint8 * 4096)()
    while True:
        n = pod.fp_next(buf, 4096, per, 1 if flush else 0)
        if not n:
            return out
        out.append(P.decode(bytes(buf[:n])))


def test_stream_in_frames_with_continuous_sample_index(pod):
    assert command(pod, P.Command.START).status is P.Status.OK
    push(pod, 0, 40)
    got = frames(pod)
    assert [f.sample_index for f in got] == [0, 13, 26] and all(f.count == 13 for f in got)
    assert got[0].flags & P.Flag.RESYNC and not got[1].flags & P.Flag.RESYNC
    got += frames(pod, flush=True)
    assert got[-1].sample_index == 39 and got[-1].count == 1
    acc = np.vstack([f.acc_raw for f in got])
    assert acc[:, 0].tolist() == [(k * 7) % 30000 for k in range(40)]
    assert [f.t_us for f in got] == [0, 13000, 26000, 39000]
    assert [f.seq for f in got] == [0, 1, 2, 3]


def test_full_ring_drops_new_samples_and_flags_the_gap(pod):
    command(pod, P.Command.START)
    push(pod, 0, 100)                  # nothing drained: 64 kept, 36 dropped
    assert pod.fp_dropped() == 36
    got = frames(pod, per=20)          # 0-59 in three frames; 60-63 wait for more
    push(pod, 100, 110)                # the pod resumes at index 100
    got += frames(pod, per=20, flush=True)
    assert [(f.sample_index, f.count) for f in got] == [(0, 20), (20, 20), (40, 20), (60, 4), (100, 10)]
    assert [bool(f.flags & P.Flag.OVERFLOW) for f in got] == [False, False, False, False, True]
    # the host counts exactly the samples it lost from the sample index
    missing = sum(b.sample_index - (a.sample_index + a.count) for a, b in zip(got, got[1:]))
    assert missing == 36


def test_commands(pod):
    assert command(pod, P.Command.SET_RATE, (900).to_bytes(2, "little")).payload == (833).to_bytes(2, "little")
    r = command(pod, P.Command.SET_RANGES, bytes([16]) + (4000).to_bytes(2, "little"), seq=9)
    assert r.status is P.Status.OK and r.seq == 9 and r.payload == bytes([16]) + (4000).to_bytes(2, "little")
    assert command(pod, P.Command.SET_RANGES, bytes([3, 0, 1])).status is P.Status.BAD_ARGUMENT
    assert command(pod, P.Command.VERSION).payload == b"footpod test"
    command(pod, P.Command.START)
    assert command(pod, P.Command.SET_RATE, (100).to_bytes(2, "little")).status is P.Status.BUSY
    push(pod, 0, 7)
    stop = command(pod, P.Command.STOP)
    assert stop.payload == (7).to_bytes(4, "little")     # the next sample index: the host counts a lost tail
    push(pod, 0, 5)
    assert frames(pod, flush=True) == []          # stopped: nothing queued
    assert command(pod, P.Command.IDENTIFY).status is P.Status.OK
    out = (ctypes.c_uint8 * 128)()
    info = P.decode(bytes(out[:pod.fp_info(out, 128)]))
    assert info.device_id == bytes([1, 2, 3, 4, 5, 6]) and info.odr_hz == 833 and info.acc_range_g == 16
    # a corrupted command gets no answer
    raw = bytearray(P.encode(P.CommandFrame(3, P.Command.START)))
    raw[1] ^= 0x40
    n = pod.fp_handle((ctypes.c_uint8 * len(raw)).from_buffer_copy(bytes(raw)), len(raw), out, 128)
    assert n == 0
