"""Commercial BLE devices through bleak's real BlueZ backend against the fake BlueZ
(tests/fake_bluez.py): a Movesense sensor (raw IMU6 over its GATT SensorData
Protocol) and a Running Speed and Cadence foot pod; and the Movesense timeline
(timestamps -> sample places, lost packets -> holes) on synthetic sessions.

The fake devices stream in real time: recordings here end on counts (packets sent and
read), never after some seconds, and the sensor's clock is a function of its packet
count, so a busy machine makes these tests slower, not different."""
import asyncio
import json

import numpy as np
import pytest

from fake_bluez import MovesenseSpec, PodSpec, RscSpec
from firmware_bridge.assemble import decode_pods, pod_samples, recording_from_session, rsc_series, session_report
from firmware_bridge.devices import movesense, rsc
from firmware_bridge.errors import TransportError
from firmware_bridge.protocol import Command, CommandFrame, encode
from firmware_bridge.recorder import record_session
from firmware_bridge.session_file import KIND_RX, Record, Session, read_session
from firmware_bridge.transports import open_transport
from firmware_bridge.transports.ble import BleTransport, parse_ble_url, scan_pods
from firmware_bridge.virtual_pod import VirtualPodConfig
from gaitcore.analysis import analyze
from gaitcore.errors import InputFormatError, UsageError
from gaitcore.quality import repair
from gaitcore.readers import read_recording
from gaitcore.signals import Placement
from sprintgait.cli import main as gait
from test_ble_transport import HANG_S, OPEN, bluez, received, record_while, system_bus, until  # noqa: F401

SENSOR = "C0:FF:EE:00:01:01"
RUNPOD = "C0:FF:EE:00:02:01"
SENSOR_NAME = "Movesense 223430000123"
pytestmark = pytest.mark.timeout(4 * HANG_S)
SENSOR_URL = f"ble://{SENSOR_NAME}?device=movesense&rate=208&{OPEN}"
PACKETS = 80        # ~3 s of the sensor at 208 Hz, 8 samples each


def _movesense(lose=frozenset(), packets=None, rate_hz=208.0, **kw) -> PodSpec:
    """The sensor, its signals prepared for ``rate_hz``; its millisecond clock wraps (u32) 2 s
    of samples into the first subscription (at 208 Hz between packets 52 and 53)."""
    spec = MovesenseSpec(samples_per_packet=8, lose_packets=frozenset(lose), clock_start_ms=2 ** 32 - 2000,
                         odr_error=0.003, packets=packets)
    return PodSpec(SENSOR, SENSOR_NAME, VirtualPodConfig("left", "sprint", 3, rate_hz, 20.0), mtu=185,
                   movesense=spec, **kw)


def _runpod(measurements, interval_s=0.5) -> PodSpec:
    return PodSpec(RUNPOD, "RunPod", rsc=RscSpec(measurements, interval_s=interval_s))


STRIDES = ((3.0, 88, 1.02, None), (3.5, 90, 1.15, 1234.5), (4.25, 92, None, 1240.0))


def test_movesense_and_rsc_recorded_together_then_analysed(bluez, tmp_path):
    """gait record --pod left=ble://Movesense...?device=movesense&rate=208 --pod
    stryd=ble://RunPod?device=rsc; packet 30 never arrives (the radio lost it), the
    sensor's clock wraps, long packets come in two parts (MTU 185).  The recording ends
    once the sensor's 80 packets and three RSC measurements have been read."""
    sensor = bluez.add_pod(_movesense(lose={30}, packets=PACKETS))
    runpod = bluez.add_pod(_runpod(STRIDES))
    out = tmp_path / "ms.podses"
    rsc_url = f"ble://RunPod?device=rsc&{OPEN}"

    async def script(transports):
        await until(lambda: len(sensor.packets_sent) + len(sensor.packets_lost) == PACKETS, "the sensor's packets")
        sent = sensor.notifications_sent
        await until(lambda: received(transports[SENSOR_URL]) >= sent and received(transports[rsc_url]) >= 3,
                    "the recorder reads them")

    reports, _ = asyncio.run(record_while([("left", SENSOR_URL), ("stryd", rsc_url)], out, script))
    assert not reports[0].errors and not reports[1].errors, reports

    # what the sensor was asked: subscribe at 208 Hz (after notifications were on), unsubscribe on close;
    # the recorder's podwire START/STOP never reached it
    assert sensor.gsp_commands == [movesense.subscribe_imu6(1, 208), movesense.unsubscribe(1)]
    assert sensor.connects == 1 and not sensor.connected and sensor.split_packets > 0
    stamps = [p[0] for p in sensor.packets_sent]
    assert any(b < a for a, b in zip(stamps, stamps[1:])), "the sensor's u32 ms clock should wrap mid-test"
    session = read_session(out)
    assert [p["framing"] for p in session.meta["pods"]] == ["movesense", "rsc"]

    (stream, _) = decode_pods(session)
    got = [p.timestamp_ms for _, p in stream.packets]
    sent = sensor.packets_sent
    assert got == [p[0] for p in sent] and len(got) == PACKETS - 1       # every packet sent, in order
    assert sensor.packets_lost and sensor.packets_lost[0][1] < sent[-1][1]       # lost mid-recording

    rec = read_recording([out])                 # the `gait analyze` path; the RSC pod is left out
    (s,) = rec.sensors
    assert s.name == "left" and s.n_samples == 8 * len(got)
    assert s.meta["missing_samples"] == 8 and s.meta["device"] == "movesense"
    # the rate the sensor's stamps show, in samples per second of its own clock (which runs
    # 20 ppm fast): fs_hz is that over the session clock's rate (host s per sensor s, fitted to
    # the arrival times, which a busy host delays).  The stamps are whole milliseconds, so the
    # span the rate is measured over (every interval but the one across the lost packet) is
    # known to 2 ms
    true_hz = 208 * 1.003
    span_ms = (len(got) - 2) * 8 * 1000.0 / true_hz
    sensor_hz = s.fs_hz * (1.0 + s.meta["clock_drift_ppm"] * 1e-6)
    assert sensor_hz == pytest.approx(true_hz / (1.0 + 20e-6), rel=2.0 / span_ms), (sensor_hz, s.meta)
    # the samples are the sensor's own, in place
    acc, gyr = sensor._imu_signals(208)
    first = np.concatenate([np.arange(k0, k0 + k) for _, k0, k in sent])
    np.testing.assert_array_equal(s.acc_mps2_sf, acc[first].astype(np.float64))
    np.testing.assert_array_equal(s.gyr_dps_sf, gyr[first].astype(np.float64))
    # evenly spaced, with one hole of exactly the lost packet
    step = np.diff(s.t_s) * s.fs_hz
    hole = int(np.argmax(step))
    assert round(step[hole]) == 9 and np.abs(np.delete(step, hole) - 1.0).max() < 0.02, step
    result = analyze(rec)
    gaps = [g for g in result.summary.gaps if g.sensor == "left"]
    assert [g.n_samples for g in gaps] == [8], gaps
    assert len(result.steps) >= 1

    speeds = [(m.speed_mps, m.cadence_spm, m.stride_length_m, m.total_distance_m) for _, m in
              rsc_series(session)["stryd"]]
    sent_rsc = [rsc.decode_measurement(b) for b in runpod.rsc_sent]
    assert len(speeds) >= 3 and speeds == [(m.speed_mps, m.cadence_spm, m.stride_length_m, m.total_distance_m)
                                           for m in sent_rsc[:len(speeds)]]
    assert speeds[:3] == [(3.0, 88.0, 1.02, None), (3.5, 90.0, 1.15, 1234.5), (4.25, 92.0, None, 1240.0)]
    lines = session_report(session)
    assert "8 lost" in lines[0] and "Movesense" in lines[0] and "RSC" in lines[1], lines


def test_movesense_link_lost_and_resubscribed(bluez, tmp_path):
    """The link drops mid-recording: the sensor forgets its subscription, the recorder
    reconnects, the transport subscribes again (a new reference); the silence is one
    gap, as long as the sensor's clock says."""
    sensor = bluez.add_pod(_movesense())
    out = tmp_path / "drop.podses"

    async def script(transports):
        await until(lambda: len(sensor.packets_sent) >= 26, "a second of packets")
        await asyncio.to_thread(bluez.drop, SENSOR)
        await until(lambda: len(sensor.gsp_commands) == 2, "the second subscription")
        n = len(sensor.packets_sent)
        await until(lambda: len(sensor.packets_sent) >= n + 20, "packets of the second subscription")
        sent = sensor.notifications_sent
        await until(lambda: received(transports[SENSOR_URL]) >= sent, "the recorder reads them")

    (report,), _ = asyncio.run(record_while([("left", SENSOR_URL)], out, script))
    assert sensor.drops == 1 and sensor.connects == 2 and report.reconnects == 1, report
    assert sensor.gsp_commands == [movesense.subscribe_imu6(1, 208), movesense.subscribe_imu6(2, 208),
                                   movesense.unsubscribe(2)]
    rec = read_recording([out])
    (s,) = rec.sensors
    (stream,) = decode_pods(read_session(out))
    stamps = np.array([p.timestamp_ms for _, p in stream.packets], dtype=np.int64) % 2 ** 32
    refs = [p.ref for _, p in stream.packets]
    cut = refs.index(2)
    silence_ms = (stamps[cut] - stamps[cut - 1]) % 2 ** 32 - 8 * 1000 / (208 * 1.003)
    assert s.n_samples == 8 * len(stamps)
    assert abs(s.meta["missing_samples"] - silence_ms * 208 * 1.003 / 1000) <= 1.0, (s.meta, silence_ms)
    gaps = [g for g in analyze(rec).summary.gaps if g.sensor == "left"]
    assert len(gaps) == 1 and abs(gaps[0].n_samples - s.meta["missing_samples"]) <= 1, gaps


def test_rsc_only_session_cadence_per_leg_and_a_one_line_error_from_analyze(bluez, tmp_path, capsys):
    runpod = bluez.add_pod(_runpod(STRIDES[:2]))
    out = tmp_path / "rsc.podses"
    url = f"ble://RunPod?device=rsc&cadence_per_leg=1&{OPEN}"

    async def script(transports):
        await until(lambda: received(transports[url]) >= 2, "two measurements")

    asyncio.run(record_while([("right", url)], out, script))
    assert runpod.connects == 1 and not runpod.connected and runpod.commands == []
    session = read_session(out)
    pod = session.meta["pods"][0]
    assert pod["framing"] == "rsc"
    series = rsc_series(session)["right"]
    assert len(series) >= 2 and [m.cadence_spm for _, m in series[:2]] == [176.0, 180.0]   # per leg x 2
    assert [m.speed_mps for _, m in series[:2]] == [3.0, 3.5] and not any(m.suspect for _, m in series)
    # each at its arrival, in seconds since the session started
    assert [t for t, _ in series] == [r.t_ns * 1e-9 for r in session.records if r.kind == KIND_RX]
    assert all(t > 0.0 for t, _ in series) and [t for t, _ in series] == sorted(t for t, _ in series)

    with pytest.raises(InputFormatError) as err:
        read_recording([out])
    msg = str(err.value)
    assert "\n" not in msg and "'right' sent speed/cadence only" in msg, msg
    assert gait(["analyze", "-q", str(out)]) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and "speed/cadence only" in stderr, stderr


def test_device_transports_directly(bluez):
    """RSC features read once; podwire commands are a no-op for Movesense and RSC; the
    scan tells the kinds apart; a name that is not the chosen kind fails clearly."""
    bluez.add_pod(_runpod(STRIDES, interval_s=0.2))
    sensor = bluez.add_pod(_movesense(rate_hz=52.0))

    async def run():
        tr = open_transport(f"ble://RunPod?device=rsc&cadence_is_power=1&{OPEN}")
        assert isinstance(tr, BleTransport) and tr.framing == "rsc"
        assert tr.meta == {"device": "rsc", "cadence_per_leg": False, "cadence_is_power": True}
        await tr.open()
        await tr.write(encode(CommandFrame(1, Command.START)))        # ignored
        with pytest.raises(TransportError, match="takes no commands"):
            await tr.write(b"\x01\x02")
        data = b""
        while not data:
            data = await tr.read()
        features, info = tr.rsc_features, dict(tr.device_info)
        await tr.close()

        ms = open_transport(f"ble://?device=movesense&rate=52&{OPEN}")     # the first Movesense in range
        assert ms.framing == "movesense" and ms.meta == {"device": "movesense", "rate_hz": 52}
        await ms.open()
        await ms.write(encode(CommandFrame(1, Command.START)))        # ignored
        notes = []
        while len(notes) < 3:
            n = await ms.read()
            if n:
                notes.append(n)
        await ms.close()

        wrong = open_transport(f"ble://RunPod?device=movesense&{OPEN}")
        with pytest.raises(TransportError) as err:
            await wrong.open()
        return data, features, info, notes, str(err.value), await scan_pods(0.5)

    data, features, info, notes, wrong, scanned = asyncio.run(run())
    assert features == rsc.RscFeature.STRIDE_LENGTH | rsc.RscFeature.TOTAL_DISTANCE
    assert info["rsc_features"] == 3 and info["rsc_feature_names"] == ["stride_length", "total_distance"]
    assert rsc.decode_measurement(data) == rsc.decode_measurement(rsc.encode_measurement(3.0, 88, 1.02))
    dec = movesense.GspDecoder()
    packets = [p for n in notes for p in dec.feed(n)]
    assert dec.results == [(1, 200)] and packets and dec.rejected == 0
    assert sensor.gsp_commands == [movesense.subscribe_imu6(1, 52), movesense.unsubscribe(1)]
    assert "not a Movesense sensor" in wrong and "device=" in wrong and "\n" not in wrong, wrong
    assert {(p.name, p.kind) for p in scanned} == {("RunPod", "rsc"), (SENSOR_NAME, "movesense")}


def test_wrong_movesense_rate_is_refused_before_anything_starts(tmp_path):
    out = tmp_path / "never.podses"
    with pytest.raises(UsageError) as err:
        asyncio.run(record_session([("left", "ble://Movesense 1?device=movesense&rate=1000")], 1.0, out))
    msg = str(err.value)
    assert "\n" not in msg and "rate '1000'" in msg and "13, 26, 52, 104, 208, 416, 833 or 1666" in msg, msg
    assert not out.exists()
    assert parse_ble_url("ble://m?device=movesense").rate_hz == 833
    for bad in ("ble://x?rate=208", "ble://x?device=rsc&rate=52", "ble://x?cadence_per_leg=1",
                "ble://x?device=rsc&cadence_per_leg=1&cadence_is_power=1", "ble://x?device=garmin",
                "ble://x?device=rsc&cadence_per_leg=maybe"):
        with pytest.raises(UsageError):
            parse_ble_url(bad)
    assert parse_ble_url("ble://x?device=rsc&cadence_per_leg=1").rsc_options() == rsc.RscOptions(True, False)


# --- the Movesense timeline, on synthetic sessions (no Bluetooth) ----------------------------------


def _synthetic(rate=1666, spp=8, n_packets=600, odr_error=0.004, lose=(), start_ms=2 ** 32 - 300, drift=30e-6,
               duplicate=(), reset_at=None, url_rate=None, seed=1):
    """A Movesense session: sample k's acc x holds k (to check where each sample lands);
    ``reset_at``: from this packet on, the sensor's clock restarts at 1000 ms after a
    0.5 s silence."""
    rng = np.random.default_rng(seed)
    real = rate * (1 + odr_error)
    records, kept, pause = [], [], 0.0
    for p in range(n_packets):
        k0 = p * spp
        if p == reset_at:
            pause, start_ms = 0.5, 1000 - k0 / real * 1000 * (1 + drift)
        t_dev = k0 / real + pause
        stamp = int(np.floor(start_ms + (k0 / real) * 1000 * (1 + drift))) & 0xFFFFFFFF
        acc = (k0 + np.arange(spp, dtype=np.float32))[:, None].repeat(3, axis=1)
        if p in lose:
            continue
        kept.append(p)
        msg = movesense.encode_imu6(5, stamp, acc, -acc)
        t_rx = t_dev + (spp - 1) / real + 0.01 + rng.exponential(0.005)
        records.append(Record(KIND_RX, 0, int(t_rx * 1e9), msg))
        if p in duplicate:
            records.append(Record(KIND_RX, 0, int((t_rx + 0.001) * 1e9), msg))
    records.append(Record(KIND_RX, 0, records[-1].t_ns + 1, movesense.encode_result(5)))
    url = "ble://Movesense 1?device=movesense" + (f"&rate={url_rate}" if url_rate else "")
    return Session({"pods": [{"name": "left", "url": url, "framing": "movesense"}]}, records, 0), real


@pytest.mark.parametrize("case", [
    dict(rate=1666, url_rate=1666, lose=(50, 51, 300), duplicate=(100,)),     # 1 ms stamps = 1.7 samples
    dict(rate=208, url_rate=208, lose=(30,)),
    dict(rate=1666, url_rate=None, lose=(7,)),            # default 833 in the URL: the stamps say 1666
    dict(rate=13, spp=1, n_packets=120, url_rate=13, lose=(10, 11, 40, 41, 42)),   # (one lone sample: no gap)
    dict(rate=104, spp=4, n_packets=300, url_rate=104, lose=(), reset_at=150),
])
def test_movesense_timeline_from_timestamps(case):
    session, real = _synthetic(**case)
    (stream,) = decode_pods(session)
    ps = pod_samples(stream, Placement.parse("left"), "x")
    s = ps.sensor
    spp, lose = case.get("spp", 8), case.get("lose", ())
    assert s.n_samples == spp * (case.get("n_packets", 600) - len(lose))
    index = s.acc_mps2_sf[:, 0]
    np.testing.assert_array_equal(s.gyr_dps_sf, -s.acc_mps2_sf)
    assert (np.diff(index) > 0).all() and ps.n_duplicate_frames == len(case.get("duplicate", ()))
    _, gaps, _ = repair(s)
    runs = [len(list(g)) for g in np.split(np.array(sorted(lose)), np.flatnonzero(np.diff(sorted(lose)) > 1) + 1)
            ] if lose else []
    if case.get("reset_at") is None:
        assert ps.n_missing == spp * len(lose) and s.fs_hz == pytest.approx(real, rel=2e-4)
        # every sample at its true time (the stamps' 1 ms steps averaged away), relative to the first
        err = (s.t_s - s.t_s[0]) - (index - index[0]) / real
        assert np.abs(err).max() < 0.3e-3, np.abs(err).max()
        assert [g.n_samples for g in gaps] == [spp * r for r in runs]
    else:       # a restarted clock: placed by the host's receipt times, the pause is one gap
        assert s.meta["clock_resets"] == 1 and len(gaps) == 1 and gaps[0].kind == "dropped"
        assert abs(gaps[0].n_samples - 0.5 * real) < 0.05 * real, gaps
    assert s.meta["rejected_frames"] == {}


def test_recording_from_session_leaves_rsc_pods_out():
    session, _ = _synthetic(rate=208, url_rate=208, n_packets=100)
    meas = [rsc.encode_measurement(3.0, 200)] * 3 + [b"\x00"]       # one that does not decode
    rsc_pod = {"name": "pod", "url": "ble://p?device=rsc", "framing": "rsc", "cadence_is_power": True}
    records = session.records + [Record(KIND_RX, 1, 10 ** 9 * (i + 1), m) for i, m in enumerate(meas)]
    mixed = Session({"pods": session.meta["pods"] + [rsc_pod]}, records, 0)
    rec = recording_from_session(mixed, "x")
    assert [s.name for s in rec.sensors] == ["left"]
    series = rsc_series(mixed)["pod"]                    # the metadata's options win over the URL's
    assert [(t, m.power_w, m.cadence_spm) for t, m in series] == [(1.0, 200.0, None), (2.0, 200.0, None),
                                                                  (3.0, 200.0, None)]
    assert "1 refused" in session_report(mixed)[1] and "power 200 W" in session_report(mixed)[1]
    assert json.dumps(rsc_pod)      # JSON-ready metadata
