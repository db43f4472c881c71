"""Helpers shared by the readers: safe text loading and numeric tables."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
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


@dataclass(frozen=True)
class NumericTable:
    """Comma-separated numeric rows as read (:func:`read_numeric_table`).

    ``values``: rows x columns, NaN where a cell is empty or not a number.  ``blank``:
    True where the cell held nothing (or only spaces); ``text``: True where it held
    something that is not a number (``nan`` and ``inf`` are numbers).  ``line_nos``: each
    row's line in the file (1-based).
    """

    values: np.ndarray
    blank: np.ndarray
    text: np.ndarray
    line_nos: np.ndarray


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def numeric_table(path: Path, lines: list[str], n_cols: int, expected: str,
                  first_line_no: int, time_col: int | None = None,
                  time_name: str = "time column", stamp: str = "a time stamp") -> np.ndarray:
    """The values of :func:`read_numeric_table` (empty and non-numeric cells NaN)."""
    return read_numeric_table(path, lines, n_cols, expected, first_line_no, time_col=time_col,
                              time_name=time_name, stamp=stamp).values


def read_numeric_table(path: Path, lines: list[str], n_cols: int, expected: str,
                       first_line_no: int, time_col: int | None = None,
                       time_name: str = "time column", stamp: str = "a time stamp") -> NumericTable:
    """Parse comma-separated numeric rows; empty and non-numeric cells become NaN.

    Rows may carry trailing empty cells (Physilog ends each line with a comma).
    A last row with fewer than ``n_cols`` cells is the line a logger was writing when it
    stopped: it is left out with a warning.  A shorter row anywhere else is refused.
    ``lines[0]`` is line ``first_line_no`` of the file (1-based); blank lines are
    skipped.  With ``time_col``, that column must hold a number on every row
    (:func:`check_time_stamps`): an empty or non-numeric sensor cell is a break the
    analysis handles, a row without a time stamp is not.
    """
    body: list[str] = []
    line_nos: list[int] = []
    for i, ln in enumerate(lines):
        if ln.strip():
            body.append(ln)
            line_nos.append(first_line_no + i)
    if body and body[-1].count(",") < n_cols - 1:
        warnings.warn(f"{path}: the last row (line {line_nos[-1]}) is cut short ({body[-1].count(',') + 1} of "
                      f"{n_cols} cells: the logger stopped while writing it); read without it")
        body, line_nos = body[:-1], line_nos[:-1]
    for ln, no in zip(body, line_nos):
        if ln.count(",") < n_cols - 1:
            raise InputFormatError(path, f"row {no} is truncated "
                                   f"({ln.count(',') + 1} of {n_cols} cells)", expected)
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
    if time_col is not None:
        check_time_stamps(path, data[:, time_col], line_nos=line_nos, what=time_name, stamp=stamp)
    blank = np.zeros(data.shape, dtype=np.bool_)
    text = np.zeros(data.shape, dtype=np.bool_)
    for i in np.flatnonzero(np.isnan(data).any(axis=1)):   # only rows with a NaN need their cells read
        for j, cell in enumerate(body[i].split(",")[:n_cols]):
            if not cell.strip():
                blank[i, j] = True
            elif np.isnan(data[i, j]) and not _is_number(cell):
                text[i, j] = True
    return NumericTable(data, blank, text, np.asarray(line_nos, dtype=np.int64))


def check_time_stamps(path: Path, t_s: np.ndarray, *, line_nos: list[int] | None = None,
                      what: str = "time column", stamp: str = "a time stamp",
                      fix: str = "fill in or delete the rows without one") -> None:
    """Refuse a recording with any non-finite time stamp (empty, text, NaN, infinity).

    NaN sensor values are breaks the analysis reports as gaps, but a sample without a
    time cannot be placed: it is an :class:`InputFormatError` naming how many there are
    and where the first is -- its line in the file (``line_nos``, 1-based, for text
    formats) or else its sample number (1-based).
    """
    bad = ~np.isfinite(np.asarray(t_s, dtype=np.float64))
    n = int(np.count_nonzero(bad))
    if not n:
        return
    first = int(np.argmax(bad))
    s = "" if n == 1 else "s"
    if line_nos is not None:
        problem = f"{what} has {n} empty or non-numeric cell{s} (first at line {line_nos[first]})"
        where = "row"
    else:
        problem = (f"{what} has {n} non-finite value{s} (NaN or infinity; first at sample {first + 1} "
                   f"of {bad.size})")
        where = "sample"
    raise InputFormatError(path, problem, f"{stamp} on every {where}; {fix}")


def fs_from_time(t_s: np.ndarray) -> float:
    """Nominal sampling rate from the median sample interval."""
    dt = np.diff(t_s)
    dt = dt[np.isfinite(dt) & (dt > 0)]
    if dt.size == 0:
        return float("nan")
    return float(1.0 / np.median(dt))
