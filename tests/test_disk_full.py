"""A full disk during a recording: nothing recorded is lost, the user is told, the
session file stays whole (firmware_bridge.recorder, session_file); a recording its
caller stops; and one whose live display fails."""
import asyncio
import errno
import json
import os
import tempfile
import types

import pytest

from firmware_bridge import recorder, session_file
from firmware_bridge.errors import SessionWriteError
from firmware_bridge.protocol import Command, decode
from firmware_bridge.recorder import STOP_WAIT_S, record_session
from firmware_bridge.session_file import KIND_EVENT, KIND_RX, KIND_TX, read_session
from firmware_bridge.transports import Transport

STEP_NS = 10_000_000     # each read of the fake pod takes 10 ms of the fake clock


class _Clock:
    def __init__(self):
        self.ns = 0

    def __call__(self) -> int:
        return self.ns


class _Pod(Transport):
    """Sends b"frame N" on every read, N = 0, 1, ...; time passes only by reading."""
    framing = "notification"

    def __init__(self, clock: _Clock):
        self.clock, self.n = clock, 0

    async def open(self):
        pass

    async def read(self) -> bytes:
        await asyncio.sleep(0)
        self.clock.ns += STEP_NS
        self.n += 1
        return b"frame %d" % (self.n - 1)

    async def write(self, data):
        pass

    async def close(self):
        pass


def _failing_disk(monkeypatch, clock: _Clock, path, fail_from_s: float, fail_until_s: float):
    """session_file's writes to ``path`` fail with ENOSPC from ``fail_from_s`` to
    ``fail_until_s`` of the fake clock; the first failing write gets half its bytes out
    first, as a real write into a filling disk can."""
    real = os.write
    state = {"partial": False, "ino": None}

    def write(fd, data):
        if state["ino"] is None:
            state["ino"] = os.fstat(fd).st_ino        # the session file is the first one written
        if os.fstat(fd).st_ino == state["ino"] and fail_from_s * 1e9 <= clock.ns < fail_until_s * 1e9:
            if not state["partial"] and len(data) > 8:
                state["partial"] = True
                return real(fd, bytes(data[:len(data) // 2]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    fake_os = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")})
    fake_os.write = write
    monkeypatch.setattr(session_file, "os", fake_os)


def _frames(*paths) -> list[bytes]:
    return [r.payload for p in paths for r in read_session(p).records if r.kind == KIND_RX]


def test_disk_full_for_a_while_loses_nothing(tmp_path, monkeypatch):
    clock, out, told = _Clock(), tmp_path / "s.podses", []
    _failing_disk(monkeypatch, clock, out, 0.5, 1.2)
    pod = _Pod(clock)
    asyncio.run(record_session([("left", "fake://")], 2.0, out, opener=lambda url: pod, clock_ns=clock,
                               on_event=told.append))
    s = read_session(out)
    assert s.torn_bytes == 0
    assert _frames(out) == [b"frame %d" % i for i in range(pod.n)]          # all, in order
    times = [r.t_ns for r in s.records]
    assert pod.n >= 190 and times == sorted(times)
    resumed = [json.loads(r.payload) for r in s.records if r.kind == KIND_EVENT and b"write resumed" in r.payload]
    assert len(resumed) == 1 and 0.6 <= resumed[0]["held_s"] <= 1.3, resumed
    assert sum("cannot write (No space left on device)" in m for m in told) == 1, told
    assert sum("writing again" in m for m in told) == 1, told


def test_disk_that_stays_full_saves_the_rest_elsewhere_and_says_so(tmp_path, monkeypatch):
    clock, out = _Clock(), tmp_path / "s.podses"
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _failing_disk(monkeypatch, clock, out, 1.0, 99.0)
    pod = _Pod(clock)
    with pytest.raises(SessionWriteError) as err:
        asyncio.run(record_session([("left", "fake://")], 2.0, out, opener=lambda url: pod, clock_ns=clock))
    e = err.value
    assert e.errno == errno.ENOSPC and e.rescue is not None and e.unwritten > 50
    assert read_session(out).torn_bytes == 0
    assert _frames(out, e.rescue) == [b"frame %d" % i for i in range(pod.n)]
    assert read_session(e.rescue).meta["rescued_from"] == str(out)
    assert "\n" not in str(e) and "saved in" in str(e)


def test_a_recording_its_caller_stops_ends_as_at_its_duration(tmp_path):
    """``stop`` set while the 50th frame is read, in a session meant to last 20 s (of the
    fake clock): the pod is sent 'stop' right after that frame and read on for
    STOP_WAIT_S (30 reads of 10 ms), as at the end of a duration, then closed."""
    clock, out, stop = _Clock(), tmp_path / "s.podses", asyncio.Event()

    class Stopped(_Pod):
        async def read(self) -> bytes:
            data = await super().read()
            if self.n == 50:
                stop.set()
            return data

    pod = Stopped(clock)
    asyncio.run(record_session([("left", "fake://")], 20.0, out, opener=lambda url: pod, clock_ns=clock, stop=stop))
    wait_reads = round(STOP_WAIT_S * 1e9 / STEP_NS)
    assert _frames(out) == [b"frame %d" % i for i in range(50 + wait_reads)]
    sent = [(i, decode(r.payload).command) for i, r in enumerate(read_session(out).records) if r.kind == KIND_TX]
    rx = [i for i, r in enumerate(read_session(out).records) if r.kind == KIND_RX]
    assert [c for _, c in sent] == [Command.START, Command.STOP], sent
    assert sent[1][0] == rx[49] + 1, (sent, rx[45:55])        # 'stop' right after the 50th frame


def test_a_backlog_over_its_limit_ends_the_recording_and_is_saved_elsewhere(tmp_path, monkeypatch):
    """The disk fails at 0.5 s of a 20 s session and the memory backlog may hold 500
    bytes: at the retry 1 s later it holds more (100 frames of 9 bytes), so the
    recording ends there as at the end of its duration ('stop' sent, STOP_WAIT_S read
    on), and every frame is in the session file or the rescue file."""
    clock, out, told = _Clock(), tmp_path / "s.podses", []
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(recorder, "BACKLOG_MAX_BYTES", 500)
    _failing_disk(monkeypatch, clock, out, 0.5, 99.0)
    pod = _Pod(clock)
    with pytest.raises(SessionWriteError) as err:
        asyncio.run(record_session([("left", "fake://")], 20.0, out, opener=lambda url: pod, clock_ns=clock,
                                   on_event=told.append))
    wait_reads = round(STOP_WAIT_S * 1e9 / STEP_NS)
    assert pod.n == round(1.5e9 / STEP_NS) + wait_reads, pod.n
    assert sum("MB held in memory; recording stopped" in m for m in told) == 1, told
    assert _frames(out, err.value.rescue) == [b"frame %d" % i for i in range(pod.n)]


def test_a_failing_live_display_stops_and_the_recording_goes_on(tmp_path):
    """The live analysis raises on the 10th record it sees: what it showed for the 9
    before is in the session as ``shown`` events, it is told once, and the pod's frames
    are all recorded to the session's end."""
    clock, out, told, seen = _Clock(), tmp_path / "s.podses", [], []

    def make_tap(info):
        def tap(rec):
            seen.append(rec)
            if len(seen) == 10:
                raise RuntimeError("display gone")
            return [{"n": len(seen)}]
        return tap

    pod = _Pod(clock)
    asyncio.run(record_session([("left", "fake://")], 1.0, out, opener=lambda url: pod, clock_ns=clock,
                               on_event=told.append, make_tap=make_tap))
    events = [json.loads(r.payload) for r in read_session(out).records if r.kind == KIND_EVENT]
    assert [e["item"] for e in events if e["event"] == "shown"] == [{"n": n} for n in range(1, 10)]
    assert len(seen) == 10
    assert told == ["live analysis stopped (RuntimeError: display gone); recording goes on"], told
    assert _frames(out) == [b"frame %d" % i for i in range(pod.n)] and pod.n >= 100
