"""The interface every device kind implements (:class:`Device`), and what passes through it.

A device kind is what sits at the other end of a transport and how its bytes become
samples: podwire over serial, podwire over BLE, a Movesense sensor, a Running Speed and
Cadence pod.  Its :class:`Device` class says, without any I/O:

* its registry key (``framing``, the session header's name for it) and, for a Bluetooth
  device, its ``device=`` name in a ``ble://`` URL and its GATT profile (:class:`BleProfile`);
* its options: parsed from a ``ble://`` URL at record time, written into the session
  header as typed values (:meth:`Device.header`) and read back from there
  (:meth:`Device.from_header`);
* its decoder (``feed(bytes) -> packets``, like pyserial's ``Packetizer``) and the pod
  stream the packets of a whole session make (:class:`PodStream`);
* how its packets become samples on the pod's timeline: all at once for the analysis
  (:meth:`Device.samples`, on the session clock), and packet by packet for the live
  display (:meth:`Device.place`, a pure ``step(state, packet) -> (placed, state)``);
  a device without IMU samples (RSC) has neither;
* what starts and stops its stream: a command the recorder sends once connected
  (podwire's START and STOP), or one the BLE transport writes on every link because
  the device forgets it when the link drops (Movesense's IMU6 subscription).

:mod:`firmware_bridge.devices.registry` maps names to the classes; every caller
resolves a pod's kind there.
"""
from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Protocol, Sequence

import numpy as np

from gaitcore.signals import Placement, Segment, SensorRecording, Side

from ..clock import ClockFit
from ..protocol import DecoderStats, InfoFrame


class Data(enum.Enum):
    """What a device sends."""

    IMU = "IMU samples"
    SPEED_CADENCE = "speed and cadence"


class Decoder(Protocol):
    """Bytes in (a serial read, or one notification), whole packets out; bad bytes are
    counted, never raised."""

    def feed(self, data: bytes) -> list: ...


@dataclass(frozen=True)
class BleProfile:
    """A Bluetooth device's GATT profile: the service, the characteristic notified (one
    read per notification), the one commands are written to (None: it takes none)."""

    service: str
    notify: str
    write: str | None
    describe: str                   # "a <describe>" in messages
    noun: str                       # a named device in messages: "<noun> 'NAME'"
    name_prefix: str | None = None  # an advertised name that tells the kind without its service
    min_mtu: int | None = None      # the negotiated ATT MTU its frames need (None: any, long packets come split)
    info: str | None = None         # a characteristic read once on connecting (:meth:`Device.decode_info`)
    missing: str | None = None      # what a device without the profile's characteristics is told (None: the
    missing_fix: str | None = None  # ... generic message) and how to fix it


@dataclass(frozen=True)
class LinkCommand:
    """A command the BLE transport writes on every new link, once notifications are on,
    and that the device acknowledges before its data flows."""

    data: bytes
    what: str                       # "the IMU6 subscription": "... did not acknowledge <what> in time"
    failed: str                     # what a failed write is told
    fix: str
    info: tuple[tuple[str, Any], ...] = ()   # entries for the transport's device_info once written


class Timeline:
    """A device kind's live placement state before or between its packets
    (:meth:`Device.place`): each kind's is a frozen dataclass of its own."""

    __slots__ = ()


@dataclass(frozen=True)
class Placed:
    """Samples placed on a pod's timeline as they arrive (live)."""

    first: int                      # index of the first, counted from the pod's first sample
    acc_mps2: np.ndarray            # N x 3
    gyr_dps: np.ndarray             # N x 3
    t_rx_s: float                   # when they arrived (session s)
    fs_hz: float                    # the rate the timeline counts samples in
    acc_range_mps2: float = np.inf  # full scale (inf: not in the stream)
    gyr_range_dps: float = np.inf


@dataclass(frozen=True)
class PodStream:
    """One pod's decoded session: its packets with their host receipt times (s since the
    session started), in arrival order."""

    name: str
    device: "Device"
    stats: DecoderStats
    frames: list = field(default_factory=list)        # podwire: (receipt s, DataFrame)
    info: InfoFrame | None = None                      # podwire: the last info frame
    packets: list = field(default_factory=list)       # Movesense: (receipt s, Imu6Packet)
    measurements: list = field(default_factory=list)  # RSC: (receipt s, RscMeasurement)
    device_info: dict = field(default_factory=dict)   # the last "connected" event's fields
    stop_index: int | None = None                      # podwire: the next sample index the pod reported at 'stop'

    @property
    def framing(self) -> str:
        return self.device.framing


@dataclass(frozen=True)
class PodSamples:
    sensor: SensorRecording
    clock: ClockFit
    n_missing: int          # samples the pod's timeline says never arrived
    n_duplicate_frames: int


def unwrap(values: list[int], bits: int) -> np.ndarray:
    """A counter that wraps at ``2**bits`` made monotonic (steps of under half the span)."""
    v = np.array(values, dtype=np.int64)
    if v.size < 2:
        return v
    span = 1 << bits
    step = np.diff(v)
    step = np.where(step < -span // 2, step + span, np.where(step > span // 2, step - span, step))
    return np.concatenate([[v[0]], v[0] + np.cumsum(step)])


def stream_meta(clock: ClockFit, n_missing: int, stream: PodStream) -> dict:
    """What every IMU pod's sensor metadata says of its clock fit and its losses."""
    return {"clock_drift_ppm": round(clock.drift_ppm, 2),
            "clock_delay_median_ms": round(1000 * clock.delay_median_s, 3),
            "clock_delay_p99_ms": round(1000 * clock.delay_p99_s, 3),
            "missing_samples": n_missing,
            "rejected_frames": dict(stream.stats.rejected)}


class Device(abc.ABC):
    """A device kind with its options (an instance is a frozen dataclass of them); the
    module docstring lists what it says."""

    framing: ClassVar[str]                   # the registry key: the session header's "framing"
    data: ClassVar[Data] = Data.IMU
    ble_name: ClassVar[str | None] = None    # its device= in a ble:// URL (None: not a BLE device)
    ble: ClassVar[BleProfile | None] = None
    url_options: ClassVar[tuple[str, ...]] = ()   # the ble:// URL options it takes
    url_help: ClassVar[str] = ""             # ... as the list of options names them

    # ---- options: the URL, the session header ----------------------------------------

    def stored_options(self) -> dict:
        """Its options as the session header stores them (JSON-ready, typed)."""
        return {}

    def header(self) -> dict:
        """Its entries in a pod's session header: ``framing``, the ``device=`` it was opened
        with (BLE), and its options."""
        ble = {"device": self.ble_name} if self.ble_name else {}
        return {"framing": self.framing, **ble, **self.stored_options()}

    @classmethod
    def from_header(cls, pod: Mapping) -> "Device":
        """The device a pod's session header describes (its options, or the defaults)."""
        return cls()

    @classmethod
    def from_url_options(cls, opts: Mapping[str, str], url: str) -> "Device":
        """The device a ``ble://`` URL with these options (``name -> text``) opens;
        UsageError names the fix for an option it cannot take as given."""
        return cls()

    @classmethod
    def foreign_option(cls, key: str, url: str, chosen: str) -> str:
        """What a URL for device ``chosen`` that carries this device's option ``key`` is told."""
        return f"{key}= in {url!r} applies to device={cls.ble_name} only"

    # ---- decoding ----------------------------------------------------------------------

    @abc.abstractmethod
    def decoder(self) -> Decoder:
        """A fresh decoder for its bytes."""

    @abc.abstractmethod
    def stream(self, name: str, received: Sequence[tuple[float, bytes]], device_info: dict) -> PodStream:
        """A whole session's bytes (receipt s, bytes) of pod ``name`` decoded."""

    # ---- samples on the pod's timeline -----------------------------------------------

    @abc.abstractmethod
    def samples(self, stream: PodStream, placement: Placement, path: str) -> PodSamples:
        """The pod's samples on the session clock (InputFormatError when it has none)."""

    def timeline(self) -> Timeline | None:
        """The live placement's state before the first packet (None: no IMU samples)."""
        return None

    def place(self, timeline: Timeline, packet: Any, t_rx_s: float) -> tuple[tuple[Placed, ...], Timeline]:
        """``packet`` (from its decoder) received at ``t_rx_s``, placed on the pod's
        timeline: the samples it makes placeable (none, or some held before), and the
        next state."""
        return (), timeline

    @abc.abstractmethod
    def report_line(self, stream: PodStream) -> str:
        """One line for the session report: what the pod sent and lost."""

    # ---- starting and stopping its stream ----------------------------------------------

    def start_command(self, seq: int) -> bytes | None:
        """What the recorder sends once connected to start the stream (None: nothing)."""
        return None

    def stop_command(self, seq: int) -> bytes | None:
        """What the recorder sends to stop it; the device's answer is read for a while after."""
        return None

    def link_start(self, ref: int) -> LinkCommand | None:
        """What the BLE transport writes on every new link (``ref``: 1..250, new per link)."""
        return None

    def link_stop(self, ref: int) -> bytes | None:
        """What the BLE transport writes before it closes a link started with ``link_start``."""
        return None

    def ignores(self, command: bytes) -> bool:
        """Whether the transport drops ``command`` silently (a command of another protocol)."""
        return False

    def decode_info(self, raw: bytes) -> tuple[Any, dict]:
        """The value of its profile's ``info`` characteristic, and the entries it adds to
        the transport's device information (raises ProtocolError for bytes that are not one)."""
        raise NotImplementedError(f"{type(self).__name__} reads no information characteristic")


class ImuDevice(Device):
    """A device that sends IMU samples: its report line counts its packets and the
    samples they placed."""

    units: ClassVar[str]        # what it counts: "frames", "IMU6 packets (Movesense)"
    none_sent: ClassVar[str]    # ... and says when there are none: "no data frames"

    @abc.abstractmethod
    def packets_of(self, stream: PodStream) -> list:
        """The stream's sample-carrying packets."""

    def report_line(self, stream: PodStream) -> str:
        units = self.packets_of(stream)
        rejected = sum(stream.stats.rejected.values())
        if not units:
            return f"{stream.name}: {self.none_sent}, {rejected} refused"
        ps = self.samples(stream, Placement(Side.UNKNOWN, Segment.FOOT), "session")
        c = ps.clock
        return (f"{stream.name}: {len(units)} {self.units}, {ps.sensor.n_samples} samples at "
                f"{ps.sensor.fs_hz:.2f} Hz, {ps.n_missing} lost, {rejected} refused (bad CRC or framing); clock "
                f"drift {c.drift_ppm:+.1f} ppm, delay above the fit median {1000 * c.delay_median_s:.2f} ms, "
                f"p99 {1000 * c.delay_p99_s:.2f} ms")
