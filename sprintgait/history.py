"""The athletes' season: every stored session, its reps and steps, in one SQLite file.

The file is derived data: each session keeps the paths and the SHA-256 of the recording
it was analysed from and the options it was analysed with, and ``gait history
--rebuild`` analyses them again.  The recordings themselves are never written.

- **Where:** ``$SPRINTGAIT_DB``, else ``history.sqlite`` in the user's data directory
  (platformdirs: ``~/.local/share/sprintgait`` on Linux).  The folder is made readable by
  its owner only, and so are the database and SQLite's ``-wal``/``-shm`` files (SQLite
  gives them the database's permissions).
- **Schema:** versioned by ``PRAGMA user_version``; :data:`MIGRATIONS` take a file of any
  earlier version to the current one in one transaction, when it is opened.
- **Several processes:** WAL mode; each import is one ``BEGIN IMMEDIATE`` transaction, so
  two importers take turns (``busy_timeout``) and a killed one leaves no half session.
- **One session once:** a recording's digest is unique; storing it again is a no-op unless
  the analysis is of a newer software version, was made with other options, or
  ``force`` is given, and then its rows are replaced in the same transaction.
- **Forgetting:** ``secure_delete`` is on, and :meth:`History.forget` checkpoints and
  truncates the WAL, so an erased athlete's rows are overwritten in the file, not only
  unlinked.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Callable, Iterator, Sequence

from gaitcore.atomic_file import make_private_dirs
from gaitcore.errors import GaitError

from .ingest import Analysed, DateSource, ImportOptions, Source
from .trend import Metric, Trend, TrendPoint, drill_reps, session_value

ENV_DB = "SPRINTGAIT_DB"
BUSY_TIMEOUT_S = 60.0


class HistoryError(GaitError):
    """The history database cannot be used (not a database, of a newer version, unwritable)."""

    def __init__(self, path: Path | str, problem: str, fix: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"history {self.path}: {problem}; {fix}")


def default_db_path() -> Path:
    """``$SPRINTGAIT_DB``, else ``history.sqlite`` in the user's data directory."""
    given = os.environ.get(ENV_DB)
    if given:
        return Path(given)
    import platformdirs
    return Path(platformdirs.user_data_dir("sprintgait")) / "history.sqlite"


# --- schema ---------------------------------------------------------------------------

_V1 = """
CREATE TABLE athletes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    athlete_id INTEGER NOT NULL REFERENCES athletes(id) ON DELETE CASCADE,
    digest TEXT NOT NULL UNIQUE,           -- SHA-256 of the recording's bytes
    session_date TEXT NOT NULL,            -- YYYY-MM-DD
    date_source TEXT NOT NULL,             -- recording | given | file time
    started_utc TEXT,
    drill TEXT,
    plan TEXT,
    software TEXT NOT NULL,                -- "sprintgait X.Y.Z" that analysed it
    imported_utc TEXT NOT NULL,
    options_json TEXT NOT NULL,            -- ImportOptions: how to analyse it again
    n_samples INTEGER NOT NULL,
    analysis_json BLOB NOT NULL            -- the output contract, zlib-compressed JSON
);
CREATE TABLE recordings (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    PRIMARY KEY (session_id, position)
);
CREATE TABLE reps (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    drill TEXT,
    rest INTEGER NOT NULL,
    start_s REAL, duration_s REAL, steps INTEGER, distance_m REAL, quality REAL, top_speed_mps REAL,
    contact_mean_s REAL, flight_mean_s REAL, stride_mean_m REAL, rsi_mean REAL, contact_asymmetry_pct REAL,
    PRIMARY KEY (session_id, idx)
);
CREATE TABLE steps (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    rep INTEGER NOT NULL,
    foot TEXT NOT NULL,
    ic_s REAL NOT NULL, to_s REAL, contact_s REAL, flight_s REAL, step_time_s REAL, stride_time_s REAL,
    cadence_spm REAL, stride_length_m REAL, speed_mps REAL, peak_height_m REAL,
    shank_angle_peak_deg REAL, thigh_angle_peak_deg REAL, saturated INTEGER NOT NULL, confidence REAL NOT NULL,
    PRIMARY KEY (session_id, idx)
);
"""

_V2 = """
ALTER TABLE reps ADD COLUMN split10_s REAL;
ALTER TABLE reps ADD COLUMN flying20_s REAL;
CREATE TABLE derived_files (
    athlete_id INTEGER NOT NULL REFERENCES athletes(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,                    -- report
    sha256 TEXT NOT NULL,                  -- of the file as written: another file there now is not removed
    PRIMARY KEY (athlete_id, path)
);
CREATE INDEX sessions_by_athlete ON sessions (athlete_id, session_date);
"""


def _split_columns(rep: dict) -> tuple[float | None, float | None]:
    """A rep's 10 m split and flying 20 m time (s), from its splits; None where absent."""
    sp = rep.get("splits") or {}
    at10 = next((a["time_s"] for a in sp.get("at") or () if a.get("distance_m") == 10.0), None)
    fly20 = next((a["time_s"] for a in sp.get("flying") or () if a.get("window_m") == 20.0), None)
    return at10, fly20


def _backfill_splits(conn: sqlite3.Connection) -> None:
    """Version 2's split columns for the reps a version-1 file holds, from the stored analyses."""
    for sid, blob in conn.execute("SELECT id, analysis_json FROM sessions").fetchall():
        for rep in _unpack(blob).get("reps") or ():
            conn.execute("UPDATE reps SET split10_s = ?, flying20_s = ? WHERE session_id = ? AND idx = ?",
                         (*_split_columns(rep), sid, rep["index"]))


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema version: the SQL that makes it from the one before, then a data step."""

    version: int
    sql: str
    data: Callable[[sqlite3.Connection], None] | None = None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, _V1),
    Migration(2, _V2, _backfill_splits),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def _migrate(conn: sqlite3.Connection, path: Path, upto: int) -> None:
    """Bring the file to version ``upto`` in one exclusive transaction (a second process
    opening it meanwhile waits, then finds it done)."""
    conn.execute("BEGIN EXCLUSIVE")
    try:
        have = conn.execute("PRAGMA user_version").fetchone()[0]
        if have > SCHEMA_VERSION:
            raise HistoryError(path, f"its schema is version {have}, newer than this gait's {SCHEMA_VERSION}",
                               "upgrade sprintgait, or give another --db")
        for m in MIGRATIONS:
            if have < m.version <= upto:
                for statement in _statements(m.sql):
                    conn.execute(statement)
                if m.data is not None:
                    m.data(conn)
                conn.execute(f"PRAGMA user_version = {m.version}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(sql: str) -> list[str]:
    """The statements of a migration script (no semicolons inside its statements)."""
    lines = [line.split("--")[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


# --- values ---------------------------------------------------------------------------

class Outcome(Enum):
    """What storing a session did."""

    ADDED = "added"
    REPLACED = "replaced"            # an older version's (or other options') results replaced
    UNCHANGED = "already stored"     # the same recording, version and options
    KEPT_NEWER = "kept newer"        # the stored results come from a newer version


@dataclass(frozen=True, slots=True)
class Stored:
    session_id: int
    outcome: Outcome
    athlete: str
    session_date: date
    software: str               # of the results the history now holds


@dataclass(frozen=True, slots=True)
class AthleteRow:
    name: str
    n_sessions: int
    first_date: date | None
    last_date: date | None


@dataclass(frozen=True, slots=True)
class SessionRow:
    session_id: int
    athlete: str
    session_date: date
    date_source: DateSource
    drills: tuple[str, ...]
    n_reps: int
    n_steps: int
    quality_mean: float | None
    software: str
    recordings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredRef:
    """Where a session is in the history."""

    session_id: int
    athlete: str
    session_date: date
    digest: str


@dataclass(frozen=True, slots=True)
class StoredSource:
    """What --rebuild needs of a stored session."""

    session_id: int
    athlete: str
    source: Source
    options: ImportOptions


@dataclass(frozen=True, slots=True)
class Forgotten:
    athlete: str
    sessions: int
    reps: int
    steps: int
    derived_removed: tuple[str, ...]
    derived_kept: tuple[str, ...]      # each with why it was not removed
    recordings: tuple[str, ...]        # the raw recordings, left to the user to delete
    wal_truncated: bool                # False: another process held the history; the erased rows leave the
                                       # write-ahead log at its next checkpoint


def _pack(analysis: dict) -> bytes:
    return zlib.compress(json.dumps(analysis, separators=(",", ":"), allow_nan=False).encode(), 6)


def _unpack(blob: bytes) -> dict:
    return json.loads(zlib.decompress(blob))


def _version_key(software: str) -> tuple[int, ...]:
    """"sprintgait 1.2.3" -> (1, 2, 3) ("0.2.0.dev1": its numbers in order, (0, 2, 0, 1));
    a text without numbers sorts first."""
    return tuple(int(x) for x in re.findall(r"\d+", software.split()[-1] if software.split() else ""))


STEP_COLUMNS = ("rep", "foot", "ic_s", "to_s", "contact_s", "flight_s", "step_time_s", "stride_time_s",
                "cadence_spm", "stride_length_m", "speed_mps", "peak_height_m", "shank_angle_peak_deg",
                "thigh_angle_peak_deg", "saturated", "confidence")


def _step_rows(session_id: int, steps: Sequence[dict]) -> Iterator[tuple]:
    for i, s in enumerate(steps):
        yield (session_id, i, *(int(s[k]) if k == "saturated" else s[k] for k in STEP_COLUMNS))


def _rep_row(session_id: int, rep: dict) -> tuple:
    m = rep.get("metrics") or {}

    def mean(key):
        return (m.get(key) or {}).get("mean")
    return (session_id, rep["index"], rep.get("drill"), int(bool(rep.get("rest"))), rep.get("start_s"),
            rep.get("duration_s"), rep.get("steps"), rep.get("distance_m"), rep.get("quality"),
            m.get("top_speed_mps"), mean("contact_s"), mean("flight_s"), mean("stride_length_m"), mean("rsi"),
            (m.get("asymmetry_pct") or {}).get("contact_s"), *_split_columns(rep))


# --- the database -----------------------------------------------------------------------

def _db_errors(method):
    """A method of :class:`History` whose SQLite errors (disk full, locked, read-only)
    become one-line :class:`HistoryError` (its transaction rolled back first)."""
    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as err:
            raise HistoryError(self.path, f"{err}", "nothing of this step was stored; check the disk and that the "
                               "file is writable, then try again") from None
    return wrapped


class History:
    """An open history database.  Open it with :meth:`open`; use it as a context manager
    or call :meth:`close`."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | Path | None = None, *, create: bool = True, upto: int = SCHEMA_VERSION) -> "History":
        """Open (and with ``create``, make) the database at ``path`` (default
        :func:`default_db_path`), migrated to version ``upto`` (the current one; an earlier
        one only for the migration tests)."""
        path = Path(path) if path is not None else default_db_path()
        if path.is_dir():
            raise HistoryError(path, "is a folder", "give a file name for the database, e.g. "
                               f"{path / 'history.sqlite'}")
        if not path.exists():
            if not create:
                raise HistoryError(path, "no history here yet", "store a session first (gait import SESSION, "
                                   "or gait analyze ... --save)")
            _make_private_file(path)
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as err:
            raise HistoryError(path, f"cannot be opened ({err})", "check the path and its permissions") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
            if conn.execute("PRAGMA user_version").fetchone()[0] < upto:
                _migrate(conn, path, upto)
            elif conn.execute("PRAGMA user_version").fetchone()[0] > SCHEMA_VERSION:
                _migrate(conn, path, upto)     # (raises: a newer gait's file)
        except sqlite3.OperationalError as err:       # locked, read-only, disk full
            conn.close()
            raise HistoryError(path, f"cannot be used now ({err})",
                               "check that it is writable and that no other program holds it locked") from None
        except sqlite3.DatabaseError as err:
            conn.close()
            raise HistoryError(path, f"is not a history database ({err})",
                               "give another --db (gait history --rebuild rebuilds a history from the "
                               "recordings a good one lists)") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, path)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    # --- writing ---

    @_db_errors
    def store(self, item: Analysed, force: bool = False) -> Stored:
        """Store an analysed session (one transaction; see the module's docstring for what
        happens when its recording is already stored)."""
        a = item.analysis
        software = a["summary"]["software"]
        options_json = json.dumps(item.options.to_dict(), sort_keys=True)
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            old = c.execute("SELECT id, software, options_json FROM sessions WHERE digest = ?",
                            (item.source.digest,)).fetchone()
            outcome = Outcome.ADDED
            if old is not None:
                old_id, old_sw, old_opts = old
                newer = _version_key(software) > _version_key(old_sw)
                older = _version_key(software) < _version_key(old_sw)
                if not force and old_opts == options_json and not newer:
                    c.execute("ROLLBACK")
                    return self._stored(old_id, Outcome.KEPT_NEWER if older else Outcome.UNCHANGED)
                old_athlete = c.execute("SELECT athlete_id FROM sessions WHERE id = ?", (old_id,)).fetchone()[0]
                c.execute("DELETE FROM sessions WHERE id = ?", (old_id,))
                outcome = Outcome.REPLACED
            c.execute("INSERT OR IGNORE INTO athletes (name) VALUES (?)", (item.athlete,))
            athlete_id = c.execute("SELECT id FROM athletes WHERE name = ?", (item.athlete,)).fetchone()[0]
            if outcome is Outcome.REPLACED and old_athlete != athlete_id:    # (stored under another name before)
                c.execute("DELETE FROM athletes WHERE id = ? AND id NOT IN (SELECT athlete_id FROM sessions) "
                          "AND id NOT IN (SELECT athlete_id FROM derived_files)", (old_athlete,))
            ses = a["session"]
            sid = c.execute(
                "INSERT INTO sessions (athlete_id, digest, session_date, date_source, started_utc, drill, plan, "
                "software, imported_utc, options_json, n_samples, analysis_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (athlete_id, item.source.digest, item.session_date.isoformat(), item.date_source.value,
                 ses.get("started_utc"), ses.get("drill"), ses.get("plan"), software,
                 datetime.now(timezone.utc).isoformat(timespec="seconds"), options_json, item.n_samples,
                 _pack(a))).lastrowid
            c.executemany("INSERT INTO recordings (session_id, position, path, size_bytes) VALUES (?, ?, ?, ?)",
                          [(sid, i, p, n) for i, (p, n) in enumerate(zip(item.source.paths,
                                                                          item.source.sizes_bytes))])
            c.executemany(f"INSERT INTO reps VALUES ({', '.join('?' * 17)})",
                          [_rep_row(sid, r) for r in a.get("reps") or ()])
            c.executemany(f"INSERT INTO steps (session_id, idx, {', '.join(STEP_COLUMNS)}) "
                          f"VALUES ({', '.join('?' * (2 + len(STEP_COLUMNS)))})", _step_rows(sid, a["steps"]))
            c.execute("COMMIT")
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise
        return self._stored(sid, outcome)

    def _stored(self, sid: int, outcome: Outcome) -> Stored:
        name, day, sw = self._conn.execute(
            "SELECT a.name, s.session_date, s.software FROM sessions s JOIN athletes a ON a.id = s.athlete_id "
            "WHERE s.id = ?", (sid,)).fetchone()
        return Stored(sid, outcome, name, date.fromisoformat(day), sw)

    @_db_errors
    def add_derived(self, athletes: Sequence[str], path: str | Path, kind: str) -> None:
        """Note a file made from these athletes' sessions (a report), with the SHA-256 of
        its bytes now, for :meth:`forget`."""
        p = Path(path).resolve()
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        with self._write():
            for name in athletes:
                row = self._conn.execute("SELECT id FROM athletes WHERE name = ?", (name,)).fetchone()
                if row is not None:
                    self._conn.execute("INSERT OR REPLACE INTO derived_files (athlete_id, path, kind, sha256) "
                                       "VALUES (?, ?, ?, ?)", (row[0], str(p), kind, digest))

    @_db_errors
    def forget(self, athlete: str) -> Forgotten:
        """Erase an athlete: sessions, reps, steps, and the files made from them that are
        still as they were written (a file changed or replaced since is kept and listed).
        The raw recordings are listed, not deleted (they are the user's)."""
        c = self._conn
        row = c.execute("SELECT id FROM athletes WHERE name = ?", (athlete,)).fetchone()
        if row is None:
            raise GaitError(f"no athlete {athlete!r} in the history {self.path}; gait history lists them")
        aid = row[0]
        with self._write():
            n_reps, n_steps = (c.execute(
                f"SELECT COUNT(*) FROM {t} WHERE session_id IN (SELECT id FROM sessions WHERE athlete_id = ?)",
                (aid,)).fetchone()[0] for t in ("reps", "steps"))
            n_ses = c.execute("SELECT COUNT(*) FROM sessions WHERE athlete_id = ?", (aid,)).fetchone()[0]
            recordings = tuple(r[0] for r in c.execute(
                "SELECT path FROM recordings WHERE session_id IN (SELECT id FROM sessions WHERE athlete_id = ?) "
                "ORDER BY session_id, position", (aid,)))
            derived = c.execute("SELECT path, sha256 FROM derived_files WHERE athlete_id = ?", (aid,)).fetchall()
            c.execute("DELETE FROM athletes WHERE id = ?", (aid,))
        removed, kept = [], []
        for p, digest in derived:
            try:
                if hashlib.sha256(Path(p).read_bytes()).hexdigest() != digest:
                    kept.append(f"{p} (changed since it was written: not ours to delete)")
                    continue
                os.unlink(p)
                removed.append(p)
            except FileNotFoundError:
                pass
            except OSError as err:
                kept.append(f"{p} ({err.strerror}: delete it yourself)")
        busy = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        return Forgotten(athlete, n_ses, n_reps, n_steps, tuple(removed), tuple(kept), recordings, busy == 0)

    def _write(self):
        return _Transaction(self._conn)

    # --- reading ---

    def athletes(self) -> list[AthleteRow]:
        rows = self._conn.execute(
            "SELECT a.name, COUNT(s.id), MIN(s.session_date), MAX(s.session_date) FROM athletes a "
            "LEFT JOIN sessions s ON s.athlete_id = a.id GROUP BY a.id ORDER BY a.name").fetchall()
        return [AthleteRow(n, k, None if lo is None else date.fromisoformat(lo),
                           None if hi is None else date.fromisoformat(hi)) for n, k, lo, hi in rows]

    def sessions(self, athlete: str | None = None) -> list[SessionRow]:
        """The stored sessions (of ``athlete``), oldest first."""
        where, args = ("WHERE a.name = ?", (athlete,)) if athlete is not None else ("", ())
        rows = self._conn.execute(
            "SELECT s.id, a.name, s.session_date, s.date_source, s.software, "
            "(SELECT COUNT(*) FROM steps t WHERE t.session_id = s.id) "
            f"FROM sessions s JOIN athletes a ON a.id = s.athlete_id {where} ORDER BY s.session_date, s.id",
            args).fetchall()
        out = []
        for sid, name, day, how, sw, n_steps in rows:
            reps = self._conn.execute("SELECT drill, quality FROM reps WHERE session_id = ? AND rest = 0 "
                                      "ORDER BY idx", (sid,)).fetchall()
            q = [x for _, x in reps if x is not None]
            files = tuple(r[0] for r in self._conn.execute(
                "SELECT path FROM recordings WHERE session_id = ? ORDER BY position", (sid,)))
            out.append(SessionRow(sid, name, date.fromisoformat(day), DateSource(how),
                                  tuple(dict.fromkeys(d for d, _ in reps if d)), len(reps), n_steps,
                                  round(sum(q) / len(q), 1) if q else None, sw, files))
        return out

    def find(self, digest: str | None = None, analysis: dict | None = None) -> StoredRef | None:
        """The stored session of a recording (by its digest), else the one whose stored
        analysis has the same contacts as ``analysis`` (a report.json of it); None if it
        is not stored."""
        q = ("SELECT s.id, a.name, s.session_date, s.digest FROM sessions s JOIN athletes a "
             "ON a.id = s.athlete_id")
        if digest is not None:
            row = self._conn.execute(q + " WHERE s.digest = ?", (digest,)).fetchone()
            if row is not None or analysis is None:
                return None if row is None else StoredRef(row[0], row[1], date.fromisoformat(row[2]), row[3])
        if analysis is None:
            return None
        steps = analysis.get("steps") or []
        key = [(st.get("foot"), st.get("ic_s")) for st in steps]
        for sid, name, day, dig in self._conn.execute(
                q + " WHERE (SELECT COUNT(*) FROM steps t WHERE t.session_id = s.id) = ?", (len(steps),)).fetchall():
            if [(st["foot"], st["ic_s"]) for st in self.analysis(sid)["steps"]] == key:
                return StoredRef(sid, name, date.fromisoformat(day), dig)
        return None

    def has_athlete(self, athlete: str) -> bool:
        return self._conn.execute("SELECT 1 FROM athletes WHERE name = ?", (athlete,)).fetchone() is not None

    def analysis(self, session_id: int) -> dict:
        """A stored session's analysis (the output contract)."""
        row = self._conn.execute("SELECT analysis_json FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise GaitError(f"no session {session_id} in the history {self.path}")
        return _unpack(row[0])

    def trend(self, athlete: str, metric: Metric, drill: str, upto: date | None = None,
              exclude: str | None = None) -> Trend:
        """``metric`` over the athlete's sessions of ``drill`` (see :meth:`trends`)."""
        return self.trends(athlete, drill, (metric,), upto, exclude)[0]

    def trends(self, athlete: str, drill: str, metrics: Sequence[Metric], upto: date | None = None,
               exclude: str | None = None) -> list[Trend]:
        """Each of ``metrics`` over the athlete's sessions of ``drill``, oldest first, in the
        order given (each stored analysis read once for all of them): the sessions dated
        ``upto`` or earlier only, when given, and not the recording whose digest is
        ``exclude`` (the session a report compares with its earlier ones)."""
        skip = set() if exclude is None else {sid for sid, in self._conn.execute(
            "SELECT id FROM sessions WHERE digest = ?", (exclude,))}
        points: dict[Metric, list[TrendPoint]] = {m: [] for m in metrics}
        for s in self.sessions(athlete):
            if drill not in s.drills or s.session_id in skip or (upto is not None and s.session_date > upto):
                continue
            reps = drill_reps(self.analysis(s.session_id), drill)
            for m in metrics:
                v = session_value(reps, m)
                if v is not None:
                    points[m].append(TrendPoint(s.session_id, s.session_date, v.value, v.noise, v.n_reps))
        return [Trend(athlete, m, drill, tuple(points[m])) for m in metrics]

    def drills(self, athlete: str) -> list[str]:
        """The drills of the athlete's stored reps, most reps first."""
        return [d for d, in self._conn.execute(
            "SELECT r.drill FROM reps r JOIN sessions s ON s.id = r.session_id JOIN athletes a "
            "ON a.id = s.athlete_id WHERE a.name = ? AND r.rest = 0 AND r.drill IS NOT NULL "
            "GROUP BY r.drill ORDER BY COUNT(*) DESC, r.drill", (athlete,))]

    def sources(self) -> list[StoredSource]:
        """Every stored session's recording and options (for --rebuild)."""
        out = []
        for sid, name, digest, opts in self._conn.execute(
                "SELECT s.id, a.name, s.digest, s.options_json FROM sessions s "
                "JOIN athletes a ON a.id = s.athlete_id ORDER BY s.id").fetchall():
            files = self._conn.execute("SELECT path, size_bytes FROM recordings WHERE session_id = ? "
                                       "ORDER BY position", (sid,)).fetchall()
            out.append(StoredSource(sid, name, Source(tuple(p for p, _ in files), tuple(n for _, n in files), digest),
                                    ImportOptions.from_dict(json.loads(opts))))
        return out

    def check(self) -> str:
        """SQLite's integrity check: "ok", or what it found."""
        return "; ".join(r[0] for r in self._conn.execute("PRAGMA integrity_check"))

    def count(self, table: str) -> int:
        if table not in ("athletes", "sessions", "recordings", "reps", "steps", "derived_files"):
            raise ValueError(f"no table {table!r}")
        return self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


class _Transaction:
    """``with``: one BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def __enter__(self):
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, err, tb):
        self._conn.execute("COMMIT" if kind is None else "ROLLBACK")


def _make_private_file(path: Path) -> None:
    """Create the database file (and its folder) readable by the owner only."""
    try:
        make_private_dirs(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        pass           # (another process made it first)
    except OSError as err:
        raise HistoryError(path, f"cannot be created ({err.strerror})",
                           f"give a writable place with --db or ${ENV_DB}") from None
