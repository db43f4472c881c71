"""The BLE transport through bleak's real BlueZ backend (no mocks of bleak), against a
fake BlueZ (tests/fake_bluez.py) on a private D-Bus system bus run by dbus-daemon.

The fake pods stream in real time, so these tests wait for counts (frames sent, read,
recorded), never for seconds, and assert nothing about how long anything took: a busy
machine makes them slower, not different.  The time limits below only catch a hang."""
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fake_bluez import FakeBlueZ, PodSpec, PrivateSystemBus, fake_bluetoothctl
from firmware_bridge.errors import TransportError
from firmware_bridge.protocol import (Command, CommandFrame, DataFrame, Flag, InfoFrame, ResponseFrame, Status,
                                      decode, encode)
from firmware_bridge.recorder import record_session
from firmware_bridge.session_file import KIND_EVENT, KIND_RX, read_session
from firmware_bridge.transports import open_transport
from firmware_bridge.transports.ble import BleTransport, LinkQuality, parse_url, scan_pods
from firmware_bridge.virtual_pod import SAMPLES_PER_FRAME, VirtualPodConfig
from gaitcore.analysis import analyze
from gaitcore.errors import UsageError
from gaitcore.quality import CLOCK_TRACK
from gaitcore.readers import read_recording

ROOT = Path(__file__).resolve().parents[1]
LEFT = "C0:FF:EE:00:00:01"
RIGHT = "C0:FF:EE:00:00:02"
RATE = 1000.0
HANG_S = 60.0       # a wait or a recording this long is hung (the fake answers at once)
OPEN = "timeout=30"  # a connection's limit where the test is not about it: only a hang reaches it
pytestmark = pytest.mark.timeout(4 * HANG_S)


@pytest.fixture(scope="module")
def system_bus(tmp_path_factory):
    """A private system bus for the module; bleak finds it through DBUS_SYSTEM_BUS_ADDRESS,
    and a stub bluetoothctl answers bleak's BlueZ version check."""
    if shutil.which("dbus-daemon") is None:
        pytest.fail("dbus-daemon not found: install the Debian package 'dbus-daemon' (or 'dbus')")
    folder = tmp_path_factory.mktemp("bluez")
    fake_bluetoothctl(folder / "bin")
    with PrivateSystemBus(folder / "bus") as bus, pytest.MonkeyPatch.context() as mp:
        mp.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.address)
        mp.setenv("PATH", f"{folder / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
        mp.delenv("BLEAK_DBUS_AUTH_UID", raising=False)
        yield bus


@pytest.fixture
def bluez(system_bus):
    with FakeBlueZ(system_bus.address) as fake:
        yield fake


def _pod(address=LEFT, name="footpod-left", foot="left", **kw) -> PodSpec:
    return PodSpec(address, name, VirtualPodConfig(foot, "sprint", 3, RATE, 20.0), **kw)


async def until(cond, what: str, limit_s: float = HANG_S) -> None:
    """Wait until ``cond()`` holds (polled); ``limit_s`` only catches a hang."""
    give_up = time.monotonic() + limit_s
    while not cond():
        assert time.monotonic() < give_up, f"{what}: not after {limit_s:g} s (hung?)"
        await asyncio.sleep(0.01)


def received(tr) -> int:
    """Notifications a BLE transport has handed over (every connection)."""
    return tr.link_quality().notifications


async def record_while(pods: list[tuple[str, str]], out, script) -> tuple[list, dict]:
    """:func:`record_session` of ``pods`` while ``script(transports)`` ({url: transport})
    runs; it waits for what it needs (counts, never seconds), then the session is stopped
    as at the end of its duration (which, 2 x HANG_S, only catches a hang)."""
    transports = {}

    def opener(url):
        transports[url] = open_transport(url)
        return transports[url]

    stop = asyncio.Event()
    task = asyncio.create_task(record_session(pods, 2 * HANG_S, out, opener=opener, stop=stop))
    try:
        await until(lambda: len(transports) == len(pods) or task.done(), "the recorder's transports")
        await script(transports)
        assert not task.done(), "the recording ended before the test's script did"
    finally:
        stop.set()
    return await task, transports


async def _read_until(tr, want_data_frames: int, stamps: list | None = None) -> list:
    """Frames in arrival order until ``want_data_frames`` data frames came (each read's
    receipt stamp appended to ``stamps``); HANG_S only catches a hang."""
    frames, n_data = [], 0
    give_up = time.monotonic() + HANG_S
    while n_data < want_data_frames:
        assert time.monotonic() < give_up, f"{n_data} of {want_data_frames} data frames after {HANG_S:g} s"
        data = await tr.read()
        if data:
            frames.append(decode(data))
            n_data += isinstance(frames[-1], DataFrame)
            if stamps is not None:
                stamps.append(tr.last_receipt_ns)
    return frames


def test_connect_discover_and_stream_through_bleak(bluez):
    pod = bluez.add_pod(_pod())
    want = int(2.5 * RATE / SAMPLES_PER_FRAME)          # 2.5 s of the 1 kHz pod

    async def run():
        tr = open_transport(f"ble://footpod-left?{OPEN}")
        assert isinstance(tr, BleTransport) and tr.framing == "notification"
        opening = time.monotonic_ns()
        await tr.open()
        opened = time.monotonic_ns()
        await tr.write(encode(CommandFrame(7, Command.START)))
        stamps = []
        frames = await _read_until(tr, want, stamps)
        asking = time.monotonic_ns()
        quality = tr.link_quality()
        asked = time.monotonic_ns()
        await tr.write(encode(CommandFrame(8, Command.STOP)))
        await tr.close()
        await tr.close()                                 # safe twice
        return frames, quality, stamps, (opening, opened, asking, asked)

    frames, quality, stamps, (opening, opened, asking, asked) = asyncio.run(run())
    # the pod's answer first, then its info frame, then data
    assert isinstance(frames[0], ResponseFrame) and frames[0].seq == 7 and frames[0].status is Status.OK
    assert isinstance(frames[1], InfoFrame)
    data = [f for f in frames if isinstance(f, DataFrame)]
    assert len(data) == want
    assert data[0].sample_index == 0 and data[0].flags & Flag.RESYNC
    starts = np.array([f.sample_index for f in data])
    assert np.array_equal(np.diff(starts), [f.count for f in data[:-1]])      # no sample lost or repeated
    assert {f.odr_hz for f in data} == {1000}
    # the samples are the pod's own, bit for bit
    acc = np.concatenate([f.acc_raw for f in data])
    gyr = np.concatenate([f.gyr_raw for f in data])
    assert np.array_equal(acc, pod.vpod.acc[:acc.shape[0]]) and np.array_equal(gyr, pod.vpod.gyr[:gyr.shape[0]])
    # what bleak asked the fake BlueZ for
    assert [c.command for c in pod.commands] == [Command.START, Command.STOP]
    assert pod.connects == 1 and not pod.connected and "disconnect-request" in pod.events
    assert {"Transport": "le", "DuplicateData": False} in bluez.adapter.filters_seen
    assert isinstance(quality, LinkQuality) and quality.mtu == 247 and quality.rssi_dbm == pod.spec.rssi
    assert quality.notifications == len(frames) and quality.reconnects == 0
    # notifications per second: those stamped in the last 5 s over the time since connecting
    # (at most 5 s), taken between the test's own clock readings around open() and
    # link_quality(), whatever they read on a busy machine (~78 frames/s at 1 kHz here)
    window = int(5e9)
    most = sum(t >= asking - window for t in stamps) / min(5.0, max(1e-3, (asking - opened) * 1e-9))
    least = sum(t >= asked - window for t in stamps) / min(5.0, max(1e-3, (asked - opening) * 1e-9))
    assert least - 0.005 <= quality.notifications_per_s <= most + 0.005, (least, quality, most)


def test_a_dropped_link_ends_reads_with_an_error_after_the_data_before_it(bluez):
    pod = bluez.add_pod(_pod())

    async def run():
        tr = open_transport(f"ble://footpod-left?{OPEN}")
        await tr.open()
        await tr.write(encode(CommandFrame(1, Command.START)))
        first = await _read_until(tr, 20)
        await asyncio.to_thread(bluez.drop, LEFT)          # the fake has sent its Connected=False
        sent = pod.data_notifications
        rest = []
        with pytest.raises(TransportError) as err:
            for _ in range(1000):                          # bounded: each read waits at most ~50 ms
                data = await tr.read()
                if data:
                    rest.append(decode(data))
        with pytest.raises(TransportError):
            await tr.write(encode(CommandFrame(2, Command.STOP)))
        await tr.open()                                    # reopens after a lost link without close()
        again = await _read_until(tr, 5)
        quality = tr.link_quality()
        await tr.close()
        return first, rest, again, sent, str(err.value), quality

    first, rest, again, sent, msg, quality = asyncio.run(run())
    assert "disconnected" in msg and msg.startswith("ble://footpod-left"), msg
    data = [f for f in first + rest if isinstance(f, DataFrame)]
    assert len(data) == sent                               # every notification before the drop was read
    assert pod.drops == 1 and pod.connects == 2 and quality.reconnects == 1
    assert [f for f in again if isinstance(f, DataFrame)][0].sample_index > data[-1].sample_index


def test_pod_found_by_address_or_by_service_and_listed_by_scan(bluez):
    bluez.add_pod(_pod())
    bluez.add_pod(_pod(RIGHT, "footpod-right", "right", rssi=-71))

    async def run():
        seen = {}
        for url in (f"ble://{RIGHT.lower()}", "ble://", "ble://footpod-right"):
            tr = open_transport(f"{url}?{OPEN}")
            await tr.open()
            seen[url] = tr._client.address.upper()
            await tr.close()
        return seen, await scan_pods(0.5)

    seen, scanned = asyncio.run(run())
    assert seen[f"ble://{RIGHT.lower()}"] == RIGHT and seen["ble://footpod-right"] == RIGHT
    assert seen["ble://"] in (LEFT, RIGHT)
    assert [(p.name, p.address, p.rssi_dbm, p.kind) for p in scanned] == [
        ("footpod-left", LEFT, -58, "podwire"), ("footpod-right", RIGHT, -71, "podwire")]
    assert all("7f0a0001-5b1e-4b5e-9a3c-2f6d5c0e1a00" in p.services for p in scanned)


def test_dropped_link_reconnects_and_the_gap_is_reported(bluez, tmp_path):
    """Two pods recorded at once (one bleak scanner serves both: bluetoothd allows one
    discovery per D-Bus client).  The left link drops after 60 notifications (~0.8 s);
    the recorder's retry loop reconnects through bleak; the session holds the left pod's
    data from both connections and a 'disconnected' event, and the analysis reports the
    samples the pod sent while nobody listened as a gap, of exactly that length.  The
    recording ends once 20 frames of the second connection have been read."""
    left = bluez.add_pod(_pod(drop_after_frames=60))
    right = bluez.add_pod(_pod(RIGHT, "footpod-right", "right"))
    out = tmp_path / "ble.podses"
    urls = (f"ble://footpod-left?{OPEN}", f"ble://{RIGHT}?{OPEN}")

    async def script(transports):
        await until(lambda: left.connects == 2 and left.data_notifications >= 60 + 20, "20 frames after the drop")
        sent = left.notifications_sent, right.notifications_sent
        await until(lambda: received(transports[urls[0]]) >= sent[0] and received(transports[urls[1]]) >= sent[1],
                    "the recorder reads them")

    reports, _ = asyncio.run(record_while([("left", urls[0]), ("right", urls[1])], out, script))

    assert left.drops == 1 and left.connects == 2, left.events
    assert right.drops == 0 and right.connects == 1 and right.lost_while_down == 0, right.events
    assert reports[0].reconnects == 1 and "disconnected" in reports[0].errors[0], reports[0]
    assert reports[1].reconnects == 0 and not reports[1].errors, reports[1]
    session = read_session(out)
    assert session.torn_bytes == 0 and {p["framing"] for p in session.meta["pods"]} == {"notification"}
    events = [(r.pod, json.loads(r.payload)) for r in session.records if r.kind == KIND_EVENT]
    links = [(k, e) for k, e in events if e["event"] == "link"]     # link quality at the end of each pod
    assert [k for k, _ in links] in ([0, 1], [1, 0]), links
    for k, e in links:      # every notification read was recorded; a rate was measured
        assert e["notifications"] == sum(r.kind == KIND_RX and r.pod == k for r in session.records) > 0, links
        assert e["notifications_per_s"] > 0 and e["reconnects"] == (1 if k == 0 else 0), links
    events = [(k, e) for k, e in events if e["event"] != "link"]
    assert [e["event"] for k, e in events if k == 0] == ["connected", "disconnected", "connected"], events
    assert [e["event"] for k, e in events if k == 1] == ["connected"], events
    why = next(e["error"] for k, e in events if e["event"] == "disconnected")
    assert "disconnected" in why and why.startswith("ble://footpod-left"), why
    t_drop = next(r.t_ns for r in session.records if r.kind == KIND_EVENT and b"disconnected" in r.payload)
    data = [(r.t_ns, f) for r in session.records if r.kind == KIND_RX and r.pod == 0
            for f in [decode(r.payload)] if isinstance(f, DataFrame)]
    before = [f for t, f in data if t < t_drop]
    after = [f for t, f in data if t > t_drop]
    assert len(before) == 60 and len(after) >= 20, (len(before), len(after))
    # within each connection the samples are continuous; across the drop they jump
    for part in (before, after):
        idx = np.array([f.sample_index for f in part])
        assert np.array_equal(np.diff(idx), [f.count for f in part[:-1]])
    lost = after[0].sample_index - (before[-1].sample_index + before[-1].count)
    assert lost > 0 and lost == left.lost_while_down * SAMPLES_PER_FRAME, (lost, left.lost_while_down)

    rec = read_recording([out])                          # the `gait analyze` path
    assert {s.name: s.meta["missing_samples"] for s in rec.sensors} == {"left": lost, "right": 0}
    result = analyze(rec)
    gaps = {s.name: [g for g in result.summary.gaps if g.sensor == s.name] for s in rec.sensors}
    assert len(gaps["left"]) == 1 and gaps["right"] == [], gaps
    # the analysis measures the gap on the session clock: the pod's clock (its crystal's drift
    # known here) mapped onto the host's by a line fitted to the arrival times, which a busy
    # host stamps late.  The gap is the lost samples to within rounding and what that line's
    # scale error e makes of the hole and of the running clock the gap is measured against
    # (it trails the samples by e / CLOCK_TRACK periods)
    (s,) = [s for s in rec.sensors if s.name == "left"]
    fitted = 1.0 + s.meta["clock_drift_ppm"] * 1e-6          # host s per pod s
    assert float(np.median(np.diff(s.t_s))) * s.fs_hz == pytest.approx(fitted, abs=1e-6)   # samples on that line
    e = fitted * (1.0 + left.vpod.drift) - 1.0
    assert abs(gaps["left"][0].n_samples - lost) <= 0.5 + abs(e) * (lost + 1 + 1 / CLOCK_TRACK), (gaps, lost, e)


async def _bleak_ready() -> None:
    """bleak's D-Bus connection for this event loop, set up before a test times anything
    (the pods' scan answers at once: the fake's first advertising round precedes the
    reply to StartDiscovery)."""
    await scan_pods(0.01)


def test_pod_that_never_answers_connect_fails_within_the_timeout(bluez, monkeypatch):
    """The URL's 3 s end the attempt: never sooner, and without them it would never end
    (the default limit is made an hour here; HANG_S catches that).  Finding the pod takes
    a few D-Bus calls of those 3 s."""
    from firmware_bridge.transports import ble
    monkeypatch.setattr(ble, "DEFAULT_TIMEOUT_S", 3600.0)
    pod = bluez.add_pod(_pod(answers_connect=False))

    async def run():
        await _bleak_ready()
        tr = open_transport("ble://footpod-left?timeout=3")
        t0 = time.monotonic()
        with pytest.raises(TransportError) as err:
            await asyncio.wait_for(tr.open(), HANG_S)
        elapsed = time.monotonic() - t0
        with pytest.raises(TransportError):
            await tr.read()                               # nothing open: an error, not a hang
        await tr.close()
        return err.value, elapsed

    err, elapsed = asyncio.run(run())
    assert "did not answer the connection request within 3 s" in str(err) and "ble://footpod-left" in str(err)
    assert elapsed >= 3.0 - 1e-3, elapsed
    assert pod.connect_attempts == 1 and "disconnect-request" in pod.events    # bleak cancelled the attempt
    assert not pod.connected


def test_mtu_below_185_is_refused_with_the_fix(bluez):
    pod = bluez.add_pod(_pod(mtu=158))

    async def run():
        tr = open_transport(f"ble://footpod-left?{OPEN}")
        with pytest.raises(TransportError) as err:
            await tr.open()
        return err.value

    msg = str(asyncio.run(run()))
    assert "MTU 158" in msg and "enable data length extension / request MTU >= 185" in msg, msg
    assert pod.connects == 1 and not pod.connected and "disconnect-request" in pod.events   # not left connected


def test_no_pod_in_range(bluez):
    async def run():
        await _bleak_ready()
        with pytest.raises(TransportError) as err:
            await open_transport("ble://nobody?timeout=2").open()
        return str(err.value)

    msg = asyncio.run(run())
    assert "no pod 'nobody' found within 2 s" in msg and "gait devices scan" in msg


def test_ble_urls():
    assert parse_url("ble://footpod-left") == ("footpod-left", 10.0)
    assert parse_url("ble://C0:FF:EE:00:00:01?timeout=2.5") == ("C0:FF:EE:00:00:01", 2.5)
    assert parse_url("ble://my%20pod/") == ("my pod", 10.0)
    assert parse_url("ble://?timeout=3") == ("", 3.0)
    for bad in ("ble://x?timeout=0", "ble://x?timeout=abc", "ble://x?retries=3"):
        with pytest.raises(UsageError):
            parse_url(bad)


def test_bleak_is_imported_only_when_a_ble_transport_opens():
    code = ("import sys; import firmware_bridge.recorder; from firmware_bridge.transports import open_transport; "
            "open_transport('ble://x'); open_transport('loop://'); assert 'bleak' not in sys.modules, 'bleak loaded'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
