"""Device kinds behind one interface, as bleak's backends and pyserial's URL handlers are.

Each kind is a :class:`~.base.Device` (its decoder, how its packets become samples on
the pod's timeline, the options it keeps in the session header, what starts its
stream), registered by its ``framing`` in :mod:`.registry`, through which the recorder,
the analysis, the live display and the BLE transport resolve a pod's kind:

* :mod:`.podwire` - the project's own pods, over serial (``cobs``) and BLE
  (``notification``).
* :mod:`.movesense` - Movesense's GATT SensorData Protocol, raw IMU at 13-1666 Hz
  (``movesense``).
* :mod:`.rsc` - the Bluetooth Running Speed and Cadence profile (service 0x1814) that
  commercial foot pods expose (Stryd, Polar stride sensor, Zwift RunPod): speed and
  cadence, no IMU samples (``rsc``).

Decoders are pure: bytes in, values out; no I/O.  Other raw-IMU sensors would each take
a module of the same shape: Polar's PMD service (Verity Sense, OH1: a control point to
start an ACC/GYRO stream, then delta-compressed frames with a 64-bit nanosecond
timestamp), WitMotion's BWT901 family (0x55-prefixed 11-byte serial/BLE packets with a
checksum, +-16 g / +-2000 deg/s in int16).  Neither is built here.
"""
from . import podwire, movesense, rsc  # noqa: F401,I001 - registered in this order: podwire is the default BLE device
from .base import Data, Decoder, Device, Placed, PodSamples, PodStream, Timeline
from .registry import (BleUrl, advertised_kind, ble_kinds, device_of, kind, kinds, parse_ble_url, register,
                       url_device)

__all__ = ["BleUrl", "Data", "Decoder", "Device", "Placed", "PodSamples", "PodStream", "Timeline", "advertised_kind",
           "ble_kinds", "device_of", "kind", "kinds", "movesense", "parse_ble_url", "podwire", "register", "rsc",
           "url_device"]
