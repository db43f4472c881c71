"""Helpers shared by the readers: safe text loading and numeric tables."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..errors import InputFormatError


def read_text(path: Path, expected: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputFormatError(path, f"cannot read file ({err.strerror})", expected) from None
    if not raw.strip():
        raise InputFormatError(path, "file is empty", expected)
    if b"\x00" in raw[:4096]:
        raise InputFormatError(path, "file is binary, not CSV text", expected)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def numeric_table(path: Path, lines: list[str], n_cols: int, expected: str,
                  first_line_no: int) -> np.ndarray:
    """Parse comma-separated numeric rows; empty cells become NaN.

    Rows may carry trailing empty cells (Physilog ends each line with a comma).
    A row with fewer than ``n_cols`` cells is a truncated file and is refused.
    """
    body = [ln for ln in lines if ln.strip()]
    if not body:
        raise InputFormatError(path, "no data rows after the header", expected)
    try:
        data = np.genfromtxt(io.StringIO("\n".join(body)), delimiter=",", dtype=np.float64,
                             usecols=range(n_cols), invalid_raise=True, filling_values=np.nan)
    except ValueError as err:
        msg = str(err).splitlines()[-1].strip() if str(err) else "malformed row"
        raise InputFormatError(path, f"malformed data row ({msg})", expected) from None
    data = np.atleast_2d(data)
    if data.shape[1] != n_cols:
        raise InputFormatError(path, f"rows have {data.shape[1]} columns, not {n_cols}", expected)
    for i, ln in enumerate(body):
        if ln.count(",") < n_cols - 1:
            raise InputFormatError(path, f"row {first_line_no + i} is truncated "
                                   f"({ln.count(',') + 1} of {n_cols} cells)", expected)
    return data


def fs_from_time(t_s: np.ndarray) -> float:
    """Nominal sampling rate from the median sample interval."""
    dt = np.diff(t_s)
    dt = dt[np.isfinite(dt) & (dt > 0)]
    if dt.size == 0:
        return float("nan")
    return float(1.0 / np.median(dt))
