"""Devices behind one interface: the registry resolves every device kind (podwire over
serial and over BLE, Movesense, RSC), and no code outside ``firmware_bridge/devices``
branches on a kind's name."""
import ast
import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from firmware_bridge.devices import Data, device_of, kind, kinds, parse_ble_url
from firmware_bridge.devices import movesense
from firmware_bridge.devices.movesense import Movesense
from firmware_bridge.devices.podwire import PodwireBle, PodwireSerial
from firmware_bridge.devices.rsc import Rsc, RscOptions, encode_measurement
from firmware_bridge.protocol import Command, CommandFrame, DataFrame, Flag, encode, serial_bytes
from firmware_bridge.recorder import record_session
from firmware_bridge.session_file import KIND_RX, KIND_TX, Session, Record, read_session
from firmware_bridge.transports import Transport
from gaitcore.signals import Placement

ROOT = Path(__file__).resolve().parents[1]
KIND_NAMES = {"cobs", "notification", "podwire", "movesense", "rsc"}


def _names_in(node: ast.AST) -> set[str]:
    """The kind names ``node`` is, or holds as a literal tuple, list or set."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value} & KIND_NAMES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_names_in(e) for e in node.elts)) if node.elts else set()
    return set()


def _kind_branches(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) of every use of a kind name as a comparison operand, a dict key, a
    subscript, a ``.get``/``.pop``/``.setdefault`` key or a ``match`` case."""
    out = []
    for node in ast.walk(tree):
        found: set[str] = set()
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                found |= _names_in(operand)
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    found |= _names_in(key)
        elif isinstance(node, ast.Subscript):
            found |= _names_in(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("get", "pop", "setdefault") and node.args:
            found |= _names_in(node.args[0])
        elif isinstance(node, ast.MatchValue):
            found |= _names_in(node.value)
        if found:
            out.append((node.lineno, ", ".join(sorted(found))))
    return out


def test_no_device_kind_branches_outside_the_devices_package():
    """Which kind a pod is gets decided in the registry and the device classes only: a
    comparison with a kind's name, or a table keyed by it, anywhere else in the
    toolkit's packages is a branch that a new device would have to be added to."""
    devices = ROOT / "firmware_bridge" / "devices"
    offenders = []
    for package in ("firmware_bridge", "gaitcore", "calibration", "sprintgait"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if devices in path.parents:
                continue
            for line, names in sorted(_kind_branches(ast.parse(path.read_text(), str(path)))):
                offenders.append(f"{path.relative_to(ROOT)}:{line} ({names})")
    assert not offenders, "device kinds branched on outside firmware_bridge/devices:\n" + "\n".join(offenders)


def test_the_kind_branch_finder_sees_each_form():
    src = """
if framing == "rsc": pass
if framing not in ("cobs", "notification"): pass
table = {"movesense": 1}
x = profiles["podwire"]
y = table.get("movesense")
match framing:
    case "rsc": pass
ok = {"framing": "cobs"}
err = ProtocolError("cobs", "a COBS code is zero", 3)
"""
    assert [line for line, _ in _kind_branches(ast.parse(src))] == [2, 3, 4, 5, 6, 8]


def test_every_kind_resolves_through_the_registry():
    assert [c.framing for c in kinds()] == ["cobs", "notification", "movesense", "rsc"]
    for cls in kinds():
        assert kind(cls.framing) is cls and type(device_of({"framing": cls.framing})) is cls
    assert [Rsc.data, Movesense.data, PodwireBle.data] == [Data.SPEED_CADENCE, Data.IMU, Data.IMU]
    assert device_of({"framing": "garmin"}) is None and device_of({}) is None
    # the analysis reads a pod whose header names no known kind as podwire over serial
    assert device_of({"name": "left"}, fallback=PodwireSerial) == PodwireSerial()
    assert parse_ble_url("ble://pod").device == PodwireBle()       # the default BLE device


@pytest.mark.parametrize("url", ["ble://m?device=movesense&rate=52", "ble://m?device=movesense",
                                 "ble://p?device=rsc&cadence_is_power=1", "ble://p?device=rsc&cadence_per_leg=yes",
                                 "ble://pod"])
def test_options_go_into_the_session_header_typed_and_come_back(url):
    dev = parse_ble_url(url).device
    header = json.loads(json.dumps(dev.header()))
    assert device_of(header) == dev
    assert "url" not in header and header["device"] == dev.ble_name and header["framing"] == dev.framing
    assert all(isinstance(v, (bool, int)) for k, v in header.items() if k not in ("framing", "device"))


def test_a_header_without_typed_options_takes_them_from_its_url():
    """Headers written by hand (the tests' own) or by a tool that kept only the URL: the
    options are the URL's; typed ones win over it."""
    url = {"framing": "movesense", "url": "ble://m?device=movesense&rate=208"}
    assert device_of(url) == Movesense(208)
    assert device_of({**url, "rate_hz": 52}) == Movesense(52)
    assert device_of({"framing": "movesense", "url": "serial:///dev/x"}) == Movesense(None)
    assert device_of({"framing": "movesense", "url": "ble://m?device=movesense&rate=7"}) == Movesense(None)
    rsc = {"framing": "rsc", "url": "ble://p?device=rsc&cadence_per_leg=1"}
    assert device_of(rsc) == Rsc(RscOptions(cadence_per_leg=True))
    assert device_of({**rsc, "cadence_is_power": True}) == Rsc(RscOptions(cadence_is_power=True))
    assert device_of({"framing": "rsc"}) == Rsc()


class _Fake(Transport):
    """A device that sends one packet per read; time passes only by reading (10 ms each)."""

    def __init__(self, device, packet: bytes, clock: list):
        self._device, self.packet, self.clock, self.written = device, packet, clock, []

    @property
    def device(self):
        return self._device

    async def open(self):
        pass

    async def read(self) -> bytes:
        await asyncio.sleep(0)
        self.clock[0] += 10_000_000
        return self.packet

    async def write(self, data):
        self.written.append(data)

    async def close(self):
        pass


@pytest.mark.parametrize("device, start, stop", [
    (PodwireSerial(), serial_bytes(CommandFrame(1, Command.START)), serial_bytes(CommandFrame(2, Command.STOP))),
    (PodwireBle(), encode(CommandFrame(1, Command.START)), encode(CommandFrame(2, Command.STOP))),
    (Movesense(52), None, None),       # subscribed by the BLE transport, per link
    (Rsc(RscOptions(cadence_per_leg=True)), None, None),
])
def test_the_recorder_sends_and_records_what_the_device_takes(tmp_path, device, start, stop):
    """The session header carries the device's entries; the recorder sends its start and
    stop commands and records them as sent, and sends and records none for a device that
    takes none."""
    clock = [0]
    fake = _Fake(device, encode_measurement(3.0, 90), clock)
    out = tmp_path / "s.podses"
    asyncio.run(record_session([("left", "fake://")], 0.2, out, opener=lambda url: fake,
                               clock_ns=lambda: clock[0]))
    s = read_session(out)
    (pod,) = s.meta["pods"]
    assert pod == {"name": "left", "url": "fake://", "placement": "left", **device.header()}
    assert device_of(pod) == device
    sent = [r.payload for r in s.records if r.kind == KIND_TX]
    assert fake.written == sent == [c for c in (start, stop) if c is not None]


def _podwire_frames(lose=(), repeat=()):
    """A podwire pod's frames of 10 samples (acc x holds the sample's index), the sample
    index starting near its 32-bit wrap."""
    out = []
    for j in range(40):
        i0 = (2 ** 32 - 150 + 10 * j) % 2 ** 32
        acc = (10 * j + np.arange(10))[:, None].repeat(3, axis=1).astype(np.int16)
        f = DataFrame(j, Flag.NONE, i0, 1000 * 10 * j, 1000, 16, 2000, acc, -acc)
        if j not in lose:
            out.append(f)
        if j in repeat:
            out.append(f)
    return out


def _movesense_packets(lose=()):
    out = []
    for j in range(60):
        acc = (8 * j + np.arange(8, dtype=np.float32))[:, None].repeat(3, axis=1)
        if j not in lose:
            out.append(movesense.encode_imu6(1, int(8 * j / 208.0 * 1000.0), acc, -acc))
    return out


@pytest.mark.parametrize("device, payloads", [
    (PodwireSerial(), [serial_bytes(f) for f in _podwire_frames(lose=(3, 4, 20), repeat=(10,))]),
    (PodwireBle(), [encode(f) for f in _podwire_frames(lose=(7,), repeat=(30,))]),
    (Movesense(208), _movesense_packets(lose=(5, 6, 33))),
])
def test_live_placement_puts_every_sample_where_the_analysis_does(device, payloads):
    """Packet by packet (live) and all at once (the analysis), a device places each sample
    at its own index on the pod's timeline (sample k's acc x holds k): the gaps where
    frames were lost, a repeated frame once."""
    received = [(0.01 * (k + 1), p) for k, p in enumerate(payloads)]
    offline = device.samples(device.stream("left", received, {}), Placement.parse("left"), "x").sensor
    truth = np.round(offline.acc_mps2_sf[:, 0] / offline.acc_mps2_sf[1, 0]).astype(int)   # sample 0 holds 0
    dt = np.median(np.diff(offline.t_s))
    np.testing.assert_array_equal(np.round((offline.t_s - offline.t_s[0]) / dt).astype(int), truth)

    dec, timeline, live = device.decoder(), device.timeline(), []
    for t_s, payload in received:
        for packet in dec.feed(payload):
            placed, timeline = device.place(timeline, packet, t_s)
            live += [p.first + np.arange(p.acc_mps2.shape[0]) for p in placed]
    np.testing.assert_array_equal(np.concatenate(live), truth)
    assert truth[-1] + 1 > len(truth) and (np.diff(truth) > 0).all()     # gaps, no repeats


def test_a_device_without_imu_samples_has_no_timeline():
    session = Session({"pods": [{"name": "stryd", "framing": "rsc", "cadence_per_leg": True}]},
                      [Record(KIND_RX, 0, 10 ** 9, encode_measurement(3.0, 88))], 0)
    dev = device_of(session.meta["pods"][0])
    assert dev.timeline() is None and dev.place(None, object(), 0.0) == ((), None)
    (m,) = dev.stream("stryd", [(1.0, session.records[0].payload)], {}).measurements
    assert m[1].cadence_spm == 176.0
