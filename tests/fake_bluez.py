"""A fake BlueZ on a private D-Bus system bus, so that unmodified bleak (its real Linux
BlueZ backend) talks to simulated foot pods.

:class:`PrivateSystemBus` runs ``dbus-daemon`` with a generated allow-all system-bus
configuration on a socket in a temporary folder; point ``DBUS_SYSTEM_BUS_ADDRESS`` at
its :attr:`~PrivateSystemBus.address` and bleak connects there instead of the machine's
bus.  :class:`FakeBlueZ` owns ``org.bluez`` on that bus (dbus-fast, in a thread of its
own with its own event loop, so tests drive it from any thread or loop) and exports
what bleak's backend uses (``bleak/backends/bluezdbus/manager.py``, ``client.py``,
``scanner.py``):

* the ObjectManager at ``/``: ``GetManagedObjects``, and ``InterfacesAdded`` /
  ``InterfacesRemoved`` sent from ``/`` as bluetoothd does;
* ``org.bluez.Adapter1`` at ``/org/bluez/hci0``: ``SetDiscoveryFilter``,
  ``StartDiscovery``, ``StopDiscovery`` (one discovery session per D-Bus client, as
  bluetoothd: a second ``StartDiscovery`` from the same client is ``InProgress``),
  ``RemoveDevice``; while discovering, every pod that advertises (is not connected)
  appears (``InterfacesAdded``) and then is heard again every
  :data:`ADVERTISING_INTERVAL_S` (``RSSI`` one dB up and back in two ``PropertiesChanged``,
  so between rounds it reads the pod's own).  ``StartDiscovery`` runs the first round
  before it returns, so a scan hears every pod in range before its first wait, however
  slowly the machine runs;
* ``org.bluez.Device1`` per pod: ``Connect`` (``Connected``, then the GATT objects, then
  ``ServicesResolved`` after the reply), ``Disconnect``, and on a dropped link
  ``Notifying``/``ServicesResolved``/``Connected`` going false, the GATT objects
  removed (an unbonded device) and the ``Disconnected(reason, message)`` signal;
* the podwire service (``GattService1``) with its data characteristic (notify, with a
  CCCD descriptor) and command characteristic (write), each with an ``MTU`` property
  (BlueZ >= 5.62).  Notifications are ``PropertiesChanged`` of the data
  characteristic's ``Value`` (what bleak's default ``StartNotify`` path listens to);
* or, for a fake Movesense (``PodSpec.movesense``), the GATT SensorData Protocol service
  (34802252-...: write 34800001-..., notify 34800002-...), or, for a fake commercial
  foot pod (``PodSpec.rsc``), the Running Speed and Cadence service (0x1814: RSC
  Measurement 0x2A53 notified, RSC Feature 0x2A54 readable).

Not exported: ``AcquireNotify``/``AcquireWrite`` (no ``NotifyAcquired`` or
``WriteAcquired`` property either, so bleak never picks them), pairing, advertisement
monitors (passive scanning), BR/EDR.

Each pod runs :class:`firmware_bridge.virtual_pod.VirtualPod` (its drill
:data:`DRILL_REPEATS` times over) in real time, so what a test can count on is how many
frames or packets, never how many within some seconds: tests wait for counts
(``FakePod.notifications_sent`` and the like).  Commands
written to the command characteristic are decoded with
:func:`firmware_bridge.protocol.decode` and answered by notifications; while streaming,
its due data frames are sent one per notification.  Like the reference firmware, the
pod keeps sampling while the link is down (those frames are lost, the sample index
jumps) and advertises again after a disconnection.  Per pod, tests choose: a normal
pod, a link that drops after N data notifications (or on :meth:`FakeBlueZ.drop`), a
pod that never answers ``Connect`` (until bleak gives up and calls ``Disconnect``),
and the negotiated MTU.

A fake Movesense (:class:`MovesenseSpec`) answers ``[1, ref, "Meas/IMU6/<rate>"]``
written to its write characteristic with a command result and then streams IMU6
packets built with :func:`firmware_bridge.devices.movesense.encode_imu6` from the
simulator's signals (:func:`~firmware_bridge.virtual_pod.pod_signals`, converted back
to m/s^2 and deg/s) at the subscribed rate, paced in real time by the IMU's own rate
(nominal x (1 + ``odr_error``)), stamped with its millisecond clock (u32, wraps; it
runs ``drift`` off the host's and starts at ``clock_start_ms`` with the first sample of
the first subscription, so within that subscription a stamp is a function of the
packet's number alone), split in two notifications (DATA + DATA_PART2) when
longer than the MTU allows, losing the packets ``lose_packets`` names, going quiet after
``packets`` packets.  ``[2, ref]``
unsubscribes; a dropped link ends the subscription, as on the sensor.  A fake RSC pod
(:class:`RscSpec`) notifies its measurements, built with
:func:`firmware_bridge.devices.rsc.encode_measurement`, every ``interval_s`` while
notifications are on.

bleak runs ``bluetoothctl --version`` once per process to check BlueZ >= 5.55; when
``bluetoothctl`` is missing it logs a warning and assumes a recent BlueZ, and a real
but old one would make it refuse to connect.  :func:`fake_bluetoothctl` writes a stub
that reports 5.72, for a tests' PATH.
"""
import asyncio
import ctypes
import math
import re
import select
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from signal import SIGTERM

import numpy as np
from dbus_fast import BusType, DBusError, Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.constants import RequestNameReply
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method, signal

from firmware_bridge.devices import movesense, rsc
from firmware_bridge.errors import ProtocolError
from firmware_bridge.protocol import CommandFrame, decode
from firmware_bridge.virtual_pod import VirtualPod, VirtualPodConfig, pod_signals
from gaitcore.signals import GRAVITY_MPS2

SERVICE_UUID = "7f0a0001-5b1e-4b5e-9a3c-2f6d5c0e1a00"
DATA_UUID = "7f0a0002-5b1e-4b5e-9a3c-2f6d5c0e1a00"
COMMAND_UUID = "7f0a0003-5b1e-4b5e-9a3c-2f6d5c0e1a00"
CCCD_UUID = "00002902-0000-1000-8000-00805f9b34fb"
ADAPTER_PATH = "/org/bluez/hci0"
ADAPTER_ADDRESS = "00:1A:7D:DA:71:13"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
ADVERTISING_INTERVAL_S = 0.05
POD_TICK_S = 0.004
CALL_LIMIT_S = 60.0     # a test's call into the fake's thread: only a hang takes this long
DRILL_REPEATS = 3       # a podwire pod streams its simulated drill this many times over (a minute at 20 s each),
                        # so that it does not go quiet while a slow machine is still connecting
NAME_OWNER_CHANGED = ("type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                      "member='NameOwnerChanged'")
BLUEZ_VERSION = "5.72"

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


class PrivateSystemBus:
    """``dbus-daemon --nofork --print-address`` with an allow-all system-bus config;
    :meth:`stop` ends exactly that process."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.proc: subprocess.Popen | None = None
        self.address = ""

    def start(self, timeout_s: float = 10.0) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        conf = self.folder / "system-bus.conf"
        conf.write_text(BUS_CONFIG.format(socket=self.folder / "system_bus_socket"))
        self.proc = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork", "--print-address"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     preexec_fn=_die_with_parent)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        line = self.proc.stdout.readline().strip() if ready else ""
        if not line.startswith("unix:"):
            self.stop()
            raise RuntimeError(f"dbus-daemon did not start: {line!r}")
        self.address = line
        return line

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for f in (proc.stdout, proc.stderr):
            if f:
                f.close()

    def __enter__(self) -> "PrivateSystemBus":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it if the test process dies without cleaning up."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, SIGTERM)   # PR_SET_PDEATHSIG (Linux)
    except Exception:
        pass


_SIGNALS: dict = {}
_SIGNALS_LOCK = threading.Lock()


def cached_pod_signals(cfg: VirtualPodConfig) -> tuple:
    """:func:`~firmware_bridge.virtual_pod.pod_signals` of ``cfg``, computed once per
    process (the simulation takes seconds; most tests' pods share a configuration).  The
    arrays are read-only."""
    with _SIGNALS_LOCK:
        if cfg not in _SIGNALS:
            out = pod_signals(cfg)
            for a in out[:2]:
                a.setflags(write=False)
            _SIGNALS[cfg] = out
        return _SIGNALS[cfg]


def movesense_signals(cfg: VirtualPodConfig, rate_hz: int) -> tuple:
    """The simulated foot's IMU at ``rate_hz`` in a Movesense sensor's units (float32 m/s^2
    and deg/s), from ``cfg``'s foot, drill, seed and duration (cached)."""
    key = ("movesense", cfg.foot, cfg.drill, cfg.seed, cfg.duration_s, rate_hz)
    with _SIGNALS_LOCK:
        if key in _SIGNALS:
            return _SIGNALS[key]
    every = -(-100 // rate_hz)          # the simulator runs at >= 100 Hz: decimate below that
    acc, gyr, acc_g, gyr_dps, _sim = cached_pod_signals(
        VirtualPodConfig(cfg.foot, cfg.drill, cfg.seed, float(rate_hz * every), cfg.duration_s))
    out = ((acc[::every] / 32768.0 * acc_g * GRAVITY_MPS2).astype("<f4"),
           (gyr[::every] / 32768.0 * gyr_dps).astype("<f4"))
    for a in out:
        a.setflags(write=False)
    with _SIGNALS_LOCK:
        return _SIGNALS.setdefault(key, out)


def fake_bluetoothctl(folder: Path) -> Path:
    """A ``bluetoothctl`` that only answers ``--version`` (put ``folder`` first on PATH)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "bluetoothctl"
    exe.write_text(f"#!/bin/sh\necho 'bluetoothctl: {BLUEZ_VERSION}'\n")
    exe.chmod(0o755)
    return exe


class _BlueZBus(MessageBus):
    """bluetoothd's ObjectManager lives at "/", so its InterfacesAdded/Removed come from
    "/"; dbus-fast would send them from the object's own path."""

    def _emit_interface_added(self, path, interface):
        def send(iface, props, _user_data, err):
            if err is None and not self._disconnected:
                self.send(Message.new_signal("/", OBJECT_MANAGER, "InterfacesAdded", "oa{sa{sv}}",
                                             [path, {iface.name: props}]))
        ServiceInterface._get_all_property_values(interface, send)

    def _emit_interface_removed(self, path, removed_interfaces):
        if not self._disconnected:
            self.send(Message.new_signal("/", OBJECT_MANAGER, "InterfacesRemoved", "oas", [path, removed_interfaces]))


def _failed(message: str) -> DBusError:
    return DBusError("org.bluez.Error.Failed", message)


class Adapter(ServiceInterface):
    """Discovery is per D-Bus client, as in bluetoothd: one session each (a second
    ``StartDiscovery`` from the same client is ``InProgress``), a filter each, and a
    client that leaves the bus loses both; pods matching any running session's filter
    are reported."""

    def __init__(self, bluez: "FakeBlueZ"):
        super().__init__("org.bluez.Adapter1")
        self.bluez = bluez
        self.sessions: set[str] = set()              # unique bus names of the discovering clients
        self.filters: dict[str, list[str]] = {}     # client -> UUIDs of its discovery filter
        self.filters_seen: list[dict] = []

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> "s":
        return ADAPTER_ADDRESS

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> "s":
        return "public"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> "s":
        return "fakebluez"

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> "s":
        return "fakebluez"

    @dbus_property(access=PropertyAccess.READ)
    def Class(self) -> "u":
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> "b":
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Discoverable(self) -> "b":
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Pairable(self) -> "b":
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> "b":
        return bool(self.sessions)

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> "as":
        return []

    @dbus_property(access=PropertyAccess.READ)
    def Modalias(self) -> "s":
        return "usb:v1D6Bp0246d0548"

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> "as":
        return ["central", "peripheral"]

    @method()
    def SetDiscoveryFilter(self, properties: "a{sv}"):
        self.filters_seen.append({k: v.value for k, v in properties.items()})
        uuids = properties.get("UUIDs")
        self.filters[self.bluez.sender] = [u.lower() for u in uuids.value] if uuids is not None else []

    @method()
    def GetDiscoveryFilters(self) -> "as":
        return ["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable", "Pattern"]

    @method()
    def StartDiscovery(self):
        if self.bluez.sender in self.sessions:
            raise DBusError("org.bluez.Error.InProgress", "Operation already in progress")
        self.sessions.add(self.bluez.sender)
        if len(self.sessions) == 1:
            self.emit_properties_changed({"Discovering": True})
        # the first round now: its signals reach the client before this call's reply
        self.bluez.discovery_started()

    @method()
    def StopDiscovery(self):
        if self.bluez.sender not in self.sessions:
            raise _failed("No discovery started")
        self.client_gone(self.bluez.sender, keep_filter=True)

    def client_gone(self, client: str, keep_filter: bool = False) -> None:
        if not keep_filter:
            self.filters.pop(client, None)
        if client in self.sessions:
            self.sessions.discard(client)
            if not self.sessions:
                self.bluez.discovery_stopped()
                self.emit_properties_changed({"Discovering": False})

    def reports(self, uuid: str) -> bool:
        return any(not self.filters.get(c) or uuid in self.filters[c] for c in self.sessions)

    @method()
    def RemoveDevice(self, device: "o"):
        pod = next((p for p in self.bluez.pods.values() if p.path == device), None)
        if pod is None:
            raise DBusError("org.bluez.Error.DoesNotExist", "Does Not Exist")
        pod.link_down("org.bluez.Reason.Local", "removed")
        pod.unexport_device()


class Device(ServiceInterface):
    def __init__(self, pod: "FakePod"):
        super().__init__("org.bluez.Device1")
        self.pod = pod

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> "s":
        return self.pod.address

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> "s":
        return "public"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> "s":
        return self.pod.name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> "s":
        return self.pod.name

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> "o":
        return ADAPTER_PATH

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> "as":
        return [self.pod.service_uuid]

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> "n":
        return self.pod.rssi

    @dbus_property(access=PropertyAccess.READ)
    def TxPower(self) -> "n":
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> "b":
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Bonded(self) -> "b":
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Trusted(self) -> "b":
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Blocked(self) -> "b":
        return False

    @dbus_property(access=PropertyAccess.READ)
    def LegacyPairing(self) -> "b":
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> "b":
        return self.pod.connected

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> "b":
        return self.pod.services_resolved

    @method()
    async def Connect(self):
        await self.pod.connect()

    @method()
    def Disconnect(self):
        self.pod.disconnect_request()

    @method()
    def Pair(self):
        raise DBusError("org.bluez.Error.NotSupported", "Operation is not supported")

    @signal()
    def Disconnected(self, reason: str, message: str) -> "ss":
        return [reason, message]


class GattService(ServiceInterface):
    def __init__(self, device_path: str, uuid: str = SERVICE_UUID):
        super().__init__("org.bluez.GattService1")
        self.device_path, self.uuid = device_path, uuid

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> "s":
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> "o":
        return self.device_path

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> "b":
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Includes(self) -> "ao":
        return []


class Characteristic(ServiceInterface):
    """A characteristic (bluetoothd exports ``Notifying`` only for notify characteristics:
    :class:`NotifyCharacteristic`)."""

    def __init__(self, pod: "FakePod", uuid: str, service_path: str, flags: list[str]):
        super().__init__("org.bluez.GattCharacteristic1")
        self.pod, self.uuid, self.service_path, self.flags = pod, uuid, service_path, flags
        self.value = b""
        self.notifying = False

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> "s":
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> "o":
        return self.service_path

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> "ay":
        return self.value

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> "as":
        return self.flags

    @dbus_property(access=PropertyAccess.READ)
    def MTU(self) -> "q":
        return self.pod.mtu

    @method()
    def ReadValue(self, options: "a{sv}") -> "ay":
        self._require_link()
        if "read" not in self.flags:
            raise DBusError("org.bluez.Error.NotPermitted", "Read not permitted")
        return self.value

    @method()
    def WriteValue(self, value: "ay", options: "a{sv}"):
        self._require_link()
        kind = options.get("type").value if "type" in options else "request"
        if ("write" if kind == "request" else "write-without-response") not in self.flags:
            raise DBusError("org.bluez.Error.NotPermitted", "Write not permitted")
        self.pod.written(bytes(value))

    @method()
    def StartNotify(self):
        self._require_link()
        if "notify" not in self.flags:
            raise DBusError("org.bluez.Error.NotSupported", "Operation is not supported")
        self.set_notifying(True)

    @method()
    def StopNotify(self):
        if not self.notifying:
            raise _failed("No notify session started")
        self.set_notifying(False)

    def _require_link(self) -> None:
        if not self.pod.connected:
            raise _failed("Not connected")

    def set_notifying(self, on: bool) -> None:
        if self.notifying != on:
            self.notifying = on
            self.emit_properties_changed({"Notifying": on})

    def notify(self, data: bytes) -> None:
        self.value = data
        self.emit_properties_changed({"Value": data})


class NotifyCharacteristic(Characteristic):
    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> "b":
        return self.notifying


class Descriptor(ServiceInterface):
    def __init__(self, uuid: str, char_path: str):
        super().__init__("org.bluez.GattDescriptor1")
        self.uuid, self.char_path = uuid, char_path

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> "s":
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Characteristic(self) -> "o":
        return self.char_path

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> "ay":
        return b""

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> "as":
        return ["read", "write"]


@dataclass
class MovesenseSpec:
    """A fake Movesense: ``samples_per_packet`` per IMU6 packet; ``lose_packets``: numbers
    (from 0, counted per subscription) of packets never sent (the radio lost them);
    ``clock_start_ms``: its millisecond clock at the first sample of its first subscription
    (u32, so a value near 2**32 wraps after a known number of packets: 2**32 - 2000 at
    208 Hz wraps between packets 52 and 53, whatever the machine's speed); ``odr_error``:
    its IMU's real rate / nominal - 1; ``drift``: its clock's rate / the host's - 1;
    ``packets``: how many packets a subscription sends before the sensor goes quiet (None:
    as many as the simulated signals hold)."""

    samples_per_packet: int = 8
    lose_packets: frozenset = frozenset()
    clock_start_ms: int = 3_600_000
    odr_error: float = 0.0
    drift: float = 20e-6
    packets: int | None = None


@dataclass
class RscSpec:
    """A fake Running Speed and Cadence pod: notifies ``measurements`` (speed m/s, raw
    cadence field, stride length m or None, total distance m or None), cycled, every
    ``interval_s`` while notifying; RSC Feature reads ``features``."""

    measurements: tuple = ((3.0, 88, None, None),)
    features: int = int(rsc.RscFeature.STRIDE_LENGTH | rsc.RscFeature.TOTAL_DISTANCE)
    interval_s: float = 1.0


@dataclass
class PodSpec:
    """What a fake pod does.  ``drop_after_frames``: the link drops once this many data
    notifications were delivered (once).  ``answers_connect=False``: ``Connect`` never
    returns until ``Disconnect`` cancels it.  ``movesense`` / ``rsc``: the device is a
    Movesense sensor or an RSC foot pod instead of a podwire pod (``config`` then only
    gives the simulated signals: foot, drill, seed, duration, and for Movesense the rate
    they are prepared at)."""

    address: str
    name: str
    config: VirtualPodConfig = field(default_factory=lambda: VirtualPodConfig("left", "sprint", 3, 1000.0, 20.0))
    mtu: int = 247
    rssi: int = -58
    answers_connect: bool = True
    drop_after_frames: int | None = None
    connect_latency_s: float = 0.02
    movesense: MovesenseSpec | None = None
    rsc: RscSpec | None = None

    @property
    def kind(self) -> str:
        return "movesense" if self.movesense is not None else "rsc" if self.rsc is not None else "podwire"


@dataclass
class _Subscription:
    ref: int
    rate_hz: int
    t0: float                   # host monotonic time of its first sample
    clock_s: float              # the sensor's clock at its first sample, s since clock_start_ms
    acc: "object"               # float32 arrays, m/s^2 and deg/s
    gyr: "object"
    next_sample: int = 0
    next_packet: int = 0


class FakePod:
    """One simulated pod: its D-Bus objects and the VirtualPod behind them.  Lives in the
    fake's thread; the counters are read by tests.  ``signals``: the podwire pod's
    :func:`~firmware_bridge.virtual_pod.pod_signals` (acc, gyr, acc_g, gyr_dps), prepared
    by :meth:`FakeBlueZ.add_pod` outside the fake's loop."""

    def __init__(self, bluez: "FakeBlueZ", spec: PodSpec, signals: tuple | None = None):
        self.bluez, self.spec = bluez, spec
        self.address, self.name, self.mtu, self.rssi = spec.address.upper(), spec.name, spec.mtu, spec.rssi
        self.path = f"{ADAPTER_PATH}/dev_{self.address.replace(':', '_')}"
        self.kind = spec.kind
        self.service_uuid = {"podwire": SERVICE_UUID, "movesense": movesense.SERVICE_UUID,
                             "rsc": rsc.SERVICE_UUID}[self.kind]
        self.vpod = None
        if self.kind == "podwire":
            self.vpod = VirtualPod(spec.config, *signals)
        self.clock_origin: float | None = None      # Movesense: host time of its clock's clock_start_ms
        self.device = Device(self)
        self.exported = False
        self.connected = False
        self.services_resolved = False
        self.gatt: list[tuple[str, ServiceInterface]] = []
        self.data_char: NotifyCharacteristic | None = None
        self._pending_connect: asyncio.Future | None = None
        # what happened, for the tests
        self.connects = 0
        self.connect_attempts = 0
        self.drops = 0
        self.data_notifications = 0
        self.lost_while_down = 0        # data frames nobody was subscribed to (link down, or not yet notifying)
        self.notifications_sent = 0     # every notification delivered: answers, data, parts of long packets
        self.commands: list[CommandFrame] = []
        self.events: list[str] = []
        # Movesense: what was written and sent
        self.gsp_commands: list[bytes] = []
        self.subscription: _Subscription | None = None
        self.packets_sent: list[tuple[int, int, int]] = []      # (timestamp ms, first sample, count)
        self.packets_lost: list[tuple[int, int, int]] = []      # the same, of packets lost on purpose
        self.split_packets = 0
        # RSC: the measurements notified
        self.rsc_sent: list[bytes] = []
        stream = {"podwire": self._stream, "movesense": self._stream_movesense, "rsc": self._stream_rsc}[self.kind]
        self._task = asyncio.get_running_loop().create_task(stream())

    # --- advertising -------------------------------------------------------------
    def advertise(self) -> None:
        if self.connected:
            return                      # a connected pod stops advertising
        if not self.exported:
            self.bluez.bus.export(self.path, self.device)
            self.exported = True
        else:       # heard again: bluetoothd signals a changed RSSI; up and back, so it ends as the pod's own
            for rssi in (self.spec.rssi + 1, self.spec.rssi):
                self.rssi = rssi
                self.device.emit_properties_changed({"RSSI": rssi})

    def unexport_device(self) -> None:
        if self.exported:
            self.bluez.bus.unexport(self.path, self.device)
            self.exported = False

    # --- link ----------------------------------------------------------------------
    async def connect(self) -> None:
        self.connect_attempts += 1
        self.events.append("connect-request")
        if self.connected:
            return
        if self._pending_connect is not None:
            raise DBusError("org.bluez.Error.InProgress", "In Progress")
        if not self.spec.answers_connect:
            self._pending_connect = asyncio.get_running_loop().create_future()
            try:
                await self._pending_connect      # until Disconnect (bleak's cancel) or the fake stops
            finally:
                self._pending_connect = None
            return
        await asyncio.sleep(self.spec.connect_latency_s)
        self.connected = True
        self.connects += 1
        self.device.emit_properties_changed({"Connected": True})
        self._export_gatt()
        asyncio.get_running_loop().call_later(0.005, self._services_resolved)

    def _services_resolved(self) -> None:
        if self.connected and not self.services_resolved:
            self.services_resolved = True
            self.device.emit_properties_changed({"ServicesResolved": True})

    def _export_gatt(self) -> None:
        svc = f"{self.path}/service000a"
        data, cccd, other = f"{svc}/char000b", f"{svc}/char000b/desc000d", f"{svc}/char000e"
        if self.kind == "podwire":
            self.data_char = NotifyCharacteristic(self, DATA_UUID, svc, ["notify"])
            second = Characteristic(self, COMMAND_UUID, svc, ["write"])
        elif self.kind == "movesense":
            self.data_char = NotifyCharacteristic(self, movesense.NOTIFY_UUID, svc, ["notify"])
            second = Characteristic(self, movesense.WRITE_UUID, svc, ["write", "write-without-response"])
        else:
            self.data_char = NotifyCharacteristic(self, rsc.MEASUREMENT_UUID, svc, ["notify"])
            second = Characteristic(self, rsc.FEATURE_UUID, svc, ["read"])
            second.value = struct.pack("<H", self.spec.rsc.features)
        self.gatt = [(svc, GattService(self.path, self.service_uuid)), (data, self.data_char),
                     (cccd, Descriptor(CCCD_UUID, data)), (other, second)]
        for path, iface in self.gatt:
            self.bluez.bus.export(path, iface)

    def disconnect_request(self) -> None:
        self.events.append("disconnect-request")
        if self._pending_connect is not None and not self._pending_connect.done():
            self._pending_connect.set_exception(_failed("Operation aborted"))
        self.link_down("org.bluez.Reason.Local", "Connection terminated by local host")

    def link_down(self, reason: str, message: str) -> None:
        """The link is gone (asked for, or lost): what bluetoothd then says, in its order."""
        if not self.connected:
            return
        self.connected = False
        for _, iface in self.gatt:
            if isinstance(iface, Characteristic) and iface.notifying:
                iface.set_notifying(False)
        if self.services_resolved:
            self.services_resolved = False
            self.device.emit_properties_changed({"ServicesResolved": False})
        for path, _ in reversed(self.gatt):           # an unbonded device's GATT cache goes
            self.bluez.bus.unexport(path)
        self.gatt, self.data_char = [], None
        self.subscription = None        # a Movesense forgets its subscriptions with the link
        self.device.emit_properties_changed({"Connected": False})
        self.device.Disconnected(reason, message)
        self.events.append(f"down:{reason}")

    def drop(self) -> None:
        if self.connected:
            self.drops += 1
            self.link_down("org.bluez.Reason.Timeout", "Connection timed out")

    # --- the pod ---------------------------------------------------------------------
    def _notify(self, frame: bytes) -> bool:
        if self.connected and self.data_char is not None and self.data_char.notifying:
            self.data_char.notify(frame)
            self.notifications_sent += 1
            return True
        return False

    def written(self, value: bytes) -> None:
        if self.kind == "movesense":
            self._gsp_command(value)
            return
        try:
            frame = decode(value)
        except ProtocolError:
            return                      # the reference pod ignores what it cannot parse
        if isinstance(frame, CommandFrame):
            self.commands.append(frame)
            for answer in self.vpod.command(frame, time.monotonic()):
                self._notify(answer)

    async def _stream(self) -> None:
        while True:
            await asyncio.sleep(POD_TICK_S)
            for frame in self.vpod.due_frames(time.monotonic()):   # sampled even while the link is down
                if not self._notify(frame):
                    self.lost_while_down += 1
                    continue
                self.data_notifications += 1
                if self.spec.drop_after_frames is not None and self.data_notifications >= self.spec.drop_after_frames:
                    self.spec.drop_after_frames = None
                    self.drop()

    # --- a Movesense ------------------------------------------------------------------
    def _imu_signals(self, rate_hz: int) -> tuple:
        """The simulated foot's IMU at ``rate_hz`` in the sensor's units (float32)."""
        return movesense_signals(self.spec.config, rate_hz)

    def device_ms(self, clock_s: float) -> int:
        """The sensor's millisecond clock (u32) ``clock_s`` host seconds after it read
        ``clock_start_ms``."""
        ms = self.spec.movesense.clock_start_ms + clock_s * 1000.0 * (1.0 + self.spec.movesense.drift)
        return int(math.floor(ms)) & 0xFFFFFFFF

    def _gsp_command(self, value: bytes) -> None:
        self.gsp_commands.append(value)
        if len(value) < 2:
            return
        op, ref = value[0], value[1]
        if op == movesense.CMD_SUBSCRIBE:
            m = re.fullmatch(r"/?Meas/IMU6/(\d+)", value[2:].decode("ascii", errors="replace"))
            if m is None or int(m.group(1)) not in movesense.RATES_HZ:
                self._notify(movesense.encode_result(ref, 404))
                return
            rate = int(m.group(1))
            acc, gyr = self._imu_signals(rate)
            t0 = time.monotonic()
            if self.clock_origin is None:
                self.clock_origin = t0
            self.subscription = _Subscription(ref, rate, t0, t0 - self.clock_origin, acc, gyr)
            self._notify(movesense.encode_result(ref, 200))
        elif op == movesense.CMD_UNSUBSCRIBE:
            if self.subscription is not None and self.subscription.ref == ref:
                self.subscription = None
            self._notify(movesense.encode_result(ref, 200))

    def _send_long(self, ref: int, msg: bytes) -> None:
        room = self.mtu - 3
        if len(msg) <= room:
            self._notify(msg)
            return
        rest = bytes([movesense.MSG_DATA_PART2, ref]) + msg[room:]
        assert len(rest) <= room, "the fake splits a packet in two parts at most"
        self.split_packets += 1
        self._notify(msg[:room])
        self._notify(rest)

    async def _stream_movesense(self) -> None:
        ms = self.spec.movesense
        while True:
            await asyncio.sleep(POD_TICK_S)
            sub = self.subscription
            if sub is None:
                continue
            real_rate = sub.rate_hz * (1.0 + ms.odr_error)
            k = ms.samples_per_packet
            n = sub.acc.shape[0] if ms.packets is None else min(sub.acc.shape[0], ms.packets * k)
            taken = min(n, int((time.monotonic() - sub.t0) * real_rate))
            while sub.next_sample + k <= taken and self.subscription is sub:
                k0, number = sub.next_sample, sub.next_packet
                sub.next_sample, sub.next_packet = k0 + k, number + 1
                stamp = self.device_ms(sub.clock_s + k0 / real_rate)
                if number in ms.lose_packets:
                    self.packets_lost.append((stamp, k0, k))
                    continue
                self._send_long(sub.ref, movesense.encode_imu6(sub.ref, stamp, sub.acc[k0:k0 + k],
                                                               sub.gyr[k0:k0 + k]))
                self.packets_sent.append((stamp, k0, k))
                self.data_notifications += 1

    # --- an RSC pod -------------------------------------------------------------------
    async def _stream_rsc(self) -> None:
        spec = self.spec.rsc
        i = 0
        while True:
            await asyncio.sleep(spec.interval_s)
            if self.connected and self.data_char is not None and self.data_char.notifying:
                speed, cadence, stride, total = spec.measurements[i % len(spec.measurements)]
                data = rsc.encode_measurement(speed, cadence, stride, total)
                self._notify(data)
                self.rsc_sent.append(data)
                self.data_notifications += 1
                i += 1

    def stop(self) -> None:
        self._task.cancel()
        if self._pending_connect is not None and not self._pending_connect.done():
            self._pending_connect.set_exception(_failed("Adapter removed"))


class FakeBlueZ:
    """``org.bluez`` on the bus at ``address``, run in a thread of its own."""

    def __init__(self, address: str):
        self.address = address
        self.pods: dict[str, FakePod] = {}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-bluez", daemon=True)
        self.bus: MessageBus | None = None
        self.adapter: Adapter | None = None
        self.sender = ""            # unique name of the client whose method call is being handled
        self._advertiser: asyncio.Task | None = None

    # --- control, from any thread ------------------------------------------------------
    def _call(self, fn, *args, timeout: float = CALL_LIMIT_S):
        async def run():
            out = fn(*args)
            return await out if asyncio.iscoroutine(out) else out
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def start(self) -> "FakeBlueZ":
        self.thread.start()
        self._call(self._setup)
        return self

    def add_pod(self, spec: PodSpec) -> FakePod:
        """A new pod (its simulated signals are prepared here, in the caller's thread: the
        fake's loop goes on serving the pods it has)."""
        signals = None
        if spec.kind == "podwire":
            acc, gyr, acc_g, gyr_dps, _sim = cached_pod_signals(spec.config)
            signals = (np.tile(acc, (DRILL_REPEATS, 1)), np.tile(gyr, (DRILL_REPEATS, 1)), acc_g, gyr_dps)
        elif spec.kind == "movesense":
            movesense_signals(spec.config, int(spec.config.rate_hz))
        return self._call(self._add_pod, spec, signals)

    def drop(self, address: str) -> None:
        self._call(lambda: self.pods[address.upper()].drop())

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        try:
            self._call(self._teardown)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            if not self.thread.is_alive():
                self.loop.close()

    def __enter__(self) -> "FakeBlueZ":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- in the fake's loop ----------------------------------------------------------
    async def _setup(self) -> None:
        self.bus = await _BlueZBus(bus_address=self.address, bus_type=BusType.SYSTEM).connect()
        reply = await self.bus.request_name("org.bluez")
        if reply != RequestNameReply.PRIMARY_OWNER:
            raise RuntimeError(f"could not own org.bluez on {self.address}: {reply}")
        # who calls (bluetoothd keeps discovery per client) and who leaves the bus
        self.bus.add_message_handler(self._watch)
        await self.bus.call(Message(destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                                    interface="org.freedesktop.DBus", member="AddMatch", signature="s",
                                    body=[NAME_OWNER_CHANGED]))
        self.adapter = Adapter(self)
        self.bus.export(ADAPTER_PATH, self.adapter)

    def _watch(self, msg: Message) -> None:
        """Runs before dbus-fast dispatches a message (returns None: not handled here)."""
        if msg.message_type is MessageType.METHOD_CALL:
            self.sender = msg.sender
        elif msg.member == "NameOwnerChanged" and msg.sender == "org.freedesktop.DBus" and not msg.body[2]:
            if self.adapter is not None:
                self.adapter.client_gone(msg.body[0])

    def _add_pod(self, spec: PodSpec, signals: tuple | None) -> FakePod:
        pod = FakePod(self, spec, signals)
        self.pods[pod.address] = pod
        return pod

    def discovery_started(self) -> None:
        """A client started discovering: every advertising pod is heard now (in the
        caller's method call) and then every :data:`ADVERTISING_INTERVAL_S`."""
        self._advertise_round()
        if self._advertiser is None:
            self._advertiser = self.loop.create_task(self._advertise())

    def discovery_stopped(self) -> None:
        if self._advertiser is not None:
            self._advertiser.cancel()
            self._advertiser = None

    def _advertise_round(self) -> None:
        for pod in list(self.pods.values()):
            if self.adapter.reports(pod.service_uuid):
                pod.advertise()

    async def _advertise(self) -> None:
        while True:
            await asyncio.sleep(ADVERTISING_INTERVAL_S)
            self._advertise_round()

    async def _teardown(self) -> None:
        self.discovery_stopped()
        for pod in self.pods.values():
            pod.stop()
        if self.bus is not None:
            self.bus.disconnect()
            await self.bus.wait_for_disconnect()
