"""Decoders for commercial devices (pure: bytes in, values out; no I/O).

* :mod:`.rsc` - the Bluetooth Running Speed and Cadence profile (service 0x1814) that
  commercial foot pods expose (Stryd, Polar stride sensor, Zwift RunPod).
* :mod:`.movesense` - Movesense's GATT SensorData Protocol, raw IMU at 13-1666 Hz.

Other raw-IMU sensors would each take a decoder of the same shape: Polar's PMD
service (Verity Sense, OH1: a control point to start an ACC/GYRO stream, then
delta-compressed frames with a 64-bit nanosecond timestamp), WitMotion's BWT901
family (0x55-prefixed 11-byte serial/BLE packets with a checksum, +-16 g / +-2000
deg/s in int16).  Neither is built here.
"""
