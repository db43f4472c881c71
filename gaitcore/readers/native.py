"""The toolkit's native sample recording, ``.gaitrec`` (format version 1).

Layout (documented in docs/formats.md)::

    b"GAITREC 1\\n"
    one line of UTF-8 JSON (the header), ending in b"\\n"
    for each sensor in header order: n_samples x 7 little-endian float64,
    row-major, columns t_s, acc_x..z (m/s^2), gyr_x..z (deg/s), sensor frame

The header names the columns and their units; a reader refuses any other.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..atomic_file import write_atomic
from ..errors import InputFormatError, UnitError
from ..signals import Placement, Recording, SensorRecording
from ._common import check_time_stamps

MAGIC = b"GAITREC 1\n"
COLUMNS = ["t_s", "acc_x_mps2", "acc_y_mps2", "acc_z_mps2", "gyr_x_dps", "gyr_y_dps", "gyr_z_dps"]
EXPECTED = "a .gaitrec file (magic 'GAITREC 1', JSON header, float64 sample blocks)"


def sniff_bytes(head: bytes) -> bool:
    return head.startswith(b"GAITREC ")


def write(path: Path, recording: Recording, meta: dict | None = None) -> None:
    """Write atomically: a temporary file renamed into place, never half a file."""
    header = {"format": "gaitrec", "version": 1, "meta": dict(meta or {}), "sensors": []}
    for s in recording.sensors:
        header["sensors"].append({
            "name": s.name, "placement": str(s.placement), "fs_hz": s.fs_hz,
            "n_samples": s.n_samples, "columns": COLUMNS,
            "acc_range_mps2": s.acc_range_mps2, "gyr_range_dps": s.gyr_range_dps})

    def write_all(f) -> None:
        f.write(MAGIC)
        f.write(json.dumps(header, sort_keys=True).encode() + b"\n")
        for s in recording.sensors:
            block = np.column_stack([s.t_s, s.acc_mps2_sf, s.gyr_dps_sf]).astype("<f8")
            f.write(np.ascontiguousarray(block).tobytes())
    write_atomic(path, write_all)


def read(path: Path) -> list[SensorRecording]:
    raw = Path(path).read_bytes()
    if not raw.startswith(MAGIC):
        version = raw[8:raw.find(b"\n")].decode(errors="replace") if raw.startswith(b"GAITREC ") else "?"
        raise InputFormatError(path, f"unsupported .gaitrec version {version!r}", EXPECTED)
    end = raw.find(b"\n", len(MAGIC))
    if end < 0:
        raise InputFormatError(path, "header line is truncated", EXPECTED)
    try:
        header = json.loads(raw[len(MAGIC):end])
    except ValueError:
        raise InputFormatError(path, "header is not valid JSON", EXPECTED) from None
    offset = end + 1
    out = []
    for i, h in enumerate(header.get("sensors", [])):
        if h.get("columns") != COLUMNS:
            raise UnitError(path, f"sensor {i} has columns {h.get('columns')}", f"columns {COLUMNS}")
        n = int(h["n_samples"])
        nbytes = n * 7 * 8
        if offset + nbytes > len(raw):
            raise InputFormatError(path, f"sensor {h['name']!r} data is truncated "
                                   f"({len(raw) - offset} of {nbytes} bytes)", EXPECTED)
        block = np.frombuffer(raw, dtype="<f8", count=n * 7, offset=offset).reshape(n, 7)
        offset += nbytes
        check_time_stamps(path, block[:, 0], what=f"the t_s column of sensor {h['name']!r}",
                          fix="write the file again from a recording whose samples all have times")
        try:
            placement = Placement.parse(h["placement"])
        except ValueError as err:
            raise InputFormatError(path, str(err), EXPECTED) from None
        out.append(SensorRecording(
            h["name"], placement, float(h["fs_hz"]), np.ascontiguousarray(block[:, 0], dtype=np.float64),
            np.ascontiguousarray(block[:, 1:4], dtype=np.float64),
            np.ascontiguousarray(block[:, 4:7], dtype=np.float64),
            h.get("acc_range_mps2"), h.get("gyr_range_dps"),
            meta={"format": "gaitrec", "file": str(path), **header.get("meta", {})}))
    if not out:
        raise InputFormatError(path, "header lists no sensors", EXPECTED)
    if offset != len(raw):
        raise InputFormatError(path, f"{len(raw) - offset} unexpected trailing bytes", EXPECTED)
    return out
