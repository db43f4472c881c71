"""``gait batch``: analyse a folder tree of recordings again, on this machine's cores or
on a Dask cluster, writing one result per session.

- **Sessions:** every pod session (``.podses``) and ``.gaitrec`` file is one session; the
  other recording files of a folder together are one session (its sensors), as ``gait
  analyze FOLDER`` reads them.  Files that are no recording are passed over.
- **Results** (under ``--out``, default ``DIR/gait-results``, mirroring the tree): per
  session ``NAME.gait.json`` (the recording's identity, the athlete and day, and the
  analysis: the output contract), with ``--report`` ``NAME.html``, with ``--parquet``
  the steps as Parquet under ``steps/athlete=A/date=YYYY-MM-DD/``.  Each file is written
  whole or not at all, readable by its owner only.
- **Up to date:** a session whose result was written by this version from the same
  recording (sizes and modification times) is skipped unless ``force``.
- **Work:** :func:`run_task` analyses one session and writes its results; it runs in
  this process (``jobs=1``), in a pool of processes, or on Dask workers (which must see
  ``DIR`` and ``--out`` at the same paths: a shared file system).  One process, this
  one, stores into the history, since SQLite takes one writer.
"""
from __future__ import annotations

import json
import os
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import quote

from gaitcore import __version__
from gaitcore.atomic_file import make_private_dirs, write_atomic
from gaitcore.errors import GaitError

from .ingest import Analysed, DateSource, ImportOptions, Source, analyse_recording

RESULT_SUFFIX = ".gait.json"
RESULT_FORMAT = "sprintgait session result"
RESULT_VERSION = 1
SOFTWARE = f"sprintgait {__version__}"
NATIVE_SUFFIXES = (".podses", ".gaitrec")


@dataclass(frozen=True, slots=True)
class Task:
    """One session to analyse and where its results go (absolute paths, as text so a
    Dask worker gets them as they are)."""

    name: str                     # the session's path relative to DIR
    paths: tuple[str, ...]        # what read_recording gets: one file, or one folder
    result: str                   # NAME.gait.json
    html: str | None              # NAME.html with --report
    parquet_root: str | None      # OUT/steps with --parquet
    options: ImportOptions


@dataclass(frozen=True, slots=True)
class Done:
    """What :func:`run_task` did with one session."""

    name: str
    item: Analysed | None         # None: it failed
    error: str | None
    seconds: float
    worker: str                   # the process that analysed it (host:pid)


@dataclass(frozen=True, slots=True)
class Found:
    sessions: tuple[tuple[str, tuple[Path, ...]], ...]   # (name relative to the root, the files to read)
    unreadable: tuple[tuple[str, str], ...]             # (folder, why)


def find_sessions(root: Path, out: Path) -> Found:
    """The sessions under ``root``, in name order, and the folders that could not be
    listed; ``out`` and hidden files and folders are passed over."""
    from gaitcore.readers import is_recording
    found, unreadable = [], []
    out = out.resolve()

    def cannot_list(err: OSError) -> None:
        unreadable.append((str(Path(err.filename).relative_to(root)) if err.filename else str(root),
                           f"the folder cannot be read ({err.strerror}); its sessions are left out"))
    for folder, dirs, files in os.walk(root, onerror=cannot_list):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() != out)
        recs = [here / f for f in sorted(files) if not f.startswith(".") and is_recording(here / f)]
        native = [f for f in recs if f.suffix.lower() in NATIVE_SUFFIXES]
        found += [(str(f.relative_to(root)), (f,)) for f in native]
        others = tuple(f for f in recs if f not in native)
        if others:
            found.append((str(here.relative_to(root)) if here != root else root.resolve().name, others))
    return Found(tuple(sorted(found)), tuple(unreadable))


def _result_paths(out: Path, name: str) -> tuple[Path, Path]:
    base = out / name
    return base.with_name(base.name + RESULT_SUFFIX), base.with_name(base.name + ".html")


def _stamp(paths: Iterable[str]) -> list[list[int]]:
    """Size and modification time (ns) of each file of a recording."""
    from .ingest import recording_files
    try:
        return [[st.st_size, st.st_mtime_ns] for st in (os.stat(f) for f in recording_files(list(paths)))]
    except OSError as err:
        raise GaitError(f"{err.filename}: cannot be read ({err.strerror})") from None


def read_result(path: str | Path) -> dict:
    """A session result file (:data:`RESULT_FORMAT`); GaitError if it is none."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise GaitError(f"{path}: cannot be read as a session result ({err})") from None
    if not isinstance(d, dict) or d.get("format") != RESULT_FORMAT:
        raise GaitError(f"{path}: not a session result of gait batch")
    return d


def item_of(result: dict) -> Analysed:
    """The history item a result file holds."""
    s, h = result["source"], result["history"]
    return Analysed(result["analysis"], Source(tuple(s["paths"]), tuple(s["sizes_bytes"]), s["digest"]),
                    ImportOptions.from_dict(h["options"]), h["athlete"], date.fromisoformat(h["session_date"]),
                    DateSource(h["date_source"]), h["n_samples"])


def up_to_date(task: Task) -> Analysed | None:
    """The stored result of ``task`` when this version wrote it from the recording as it is
    now (and the asked-for report and Parquet files exist); else None."""
    try:
        r = read_result(task.result)
        item = item_of(r)
        fresh = (r["software"] == SOFTWARE and r["source"]["stamp"] == _stamp(task.paths)
                 and r["history"]["options"] == task.options.to_dict())
    except (GaitError, KeyError, TypeError, ValueError, OSError):
        return None
    if not fresh or (task.html is not None and not Path(task.html).exists()):
        return None
    if task.parquet_root is not None and not _parquet_path(task.parquet_root, item).exists():
        return None
    return item


def plan(root: Path, out: Path, options: ImportOptions, report: bool, parquet: bool,
         found: Found | None = None) -> list[Task]:
    """A task for every session under ``root`` (``found``: :func:`find_sessions` of it)."""
    tasks = []
    for name, paths in (found or find_sessions(root, out)).sessions:
        result, html = _result_paths(out, name)
        tasks.append(Task(name, tuple(str(p.resolve()) for p in paths), str(result.resolve()),
                          str(html.resolve()) if report else None,
                          str((out / "steps").resolve()) if parquet else None, options))
    return tasks


def _parquet_path(root: str, item: Analysed) -> Path:
    """steps/athlete=A/date=YYYY-MM-DD/DIGEST16.parquet (hive partitions; the name quoted)."""
    return (Path(root) / f"athlete={quote(item.athlete, safe='')}" / f"date={item.session_date.isoformat()}"
            / f"{item.source.digest[:16]}.parquet")


def _earlier_parquet(task: Task) -> Path | None:
    """Where the session's steps went the last time it was analysed (its result says)."""
    try:
        return _parquet_path(task.parquet_root, item_of(read_result(task.result)))
    except (GaitError, KeyError, TypeError, ValueError):
        return None


def _steps_schema():
    """One schema for every session's steps, so the partitions read as one dataset (a
    session without shank pods has the shank column too, all null)."""
    import pyarrow as pa
    from gaitcore.results import STEP_COLUMNS
    kinds = {"rep": pa.int64(), "foot": pa.string(), "saturated": pa.bool_()}
    return pa.schema([("digest", pa.string())] + [(c, kinds.get(c, pa.float64())) for c in STEP_COLUMNS])


def _write_parquet(path: Path, item: Analysed) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise GaitError("--parquet needs pyarrow (pip install 'sprintgait[dask]' or pyarrow)") from None
    schema = _steps_schema()
    rows = []
    for s in item.analysis["steps"]:
        pos = s.get("position_m") or (None, None, None)
        rows.append({"digest": item.source.digest, **{k: v for k, v in s.items() if k != "position_m"},
                     "position_x_m": pos[0], "position_y_m": pos[1], "position_z_m": pos[2]})
    table = pa.Table.from_pylist(rows, schema=schema)
    make_private_dirs(path.parent)
    write_atomic(path, lambda f: pq.write_table(table, f), private=True)


def run_task(task: Task) -> Done:
    """Analyse one session and write its results.  Never raises for a bad recording: the
    error is in the returned :class:`Done` (one line)."""
    import socket
    t0 = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        stamp = _stamp(task.paths)
        item = analyse_recording(list(task.paths), task.options)
        result = {"format": RESULT_FORMAT, "version": RESULT_VERSION, "software": SOFTWARE,
                  "source": {"paths": list(item.source.paths), "sizes_bytes": list(item.source.sizes_bytes),
                             "digest": item.source.digest, "stamp": stamp},
                  "history": {"athlete": item.athlete, "session_date": item.session_date.isoformat(),
                              "date_source": item.date_source.value, "options": item.options.to_dict(),
                              "n_samples": item.n_samples},
                  "analysis": item.analysis}
        text = json.dumps(result, separators=(",", ":"), allow_nan=False).encode()
        make_private_dirs(Path(task.result).parent)
        if task.parquet_root is not None:
            where = _parquet_path(task.parquet_root, item)
            _write_parquet(where, item)
            before = _earlier_parquet(task)
            if before is not None and before != where:     # (stored under another athlete or day before)
                before.unlink(missing_ok=True)
        if task.html is not None:
            from .html_report import render_session_report
            page = render_session_report([item.analysis]).encode("utf-8")
            write_atomic(task.html, lambda f: f.write(page), private=True)
        write_atomic(task.result, lambda f: f.write(text), private=True)     # last: it marks the session done
        return Done(task.name, item, None, time.perf_counter() - t0, worker)
    except GaitError as err:
        return Done(task.name, None, str(err), time.perf_counter() - t0, worker)
    except OSError as err:
        return Done(task.name, None, f"cannot write its results: {err.strerror} ({err.filename}); check that "
                    "--out is writable and has room", time.perf_counter() - t0, worker)
    except Exception as err:     # a recording that breaks the analysis must not stop the batch
        where = traceback.extract_tb(err.__traceback__)[-1]
        return Done(task.name, None, f"the analysis failed: {type(err).__name__}: {err} "
                    f"({Path(where.filename).name}:{where.lineno}; please report it)",
                    time.perf_counter() - t0, worker)


def run_local(tasks: Sequence[Task], jobs: int, on_done: Callable[[Done], None],
              work: Callable[[Task], Done] = run_task) -> None:
    """Run ``tasks`` here (``jobs`` 1) or in ``jobs`` worker processes, ``jobs`` sessions
    at a time.  When a worker process dies (killed, out of memory, a crash), the sessions
    that were in the pool are each run again alone, so the one that kills its process is
    found and reported (after two tries) and the others are analysed.  ``work``: what each
    process runs (:func:`run_task`; a module-level function, for spawned processes)."""
    if jobs == 1 or len(tasks) <= 1:
        for t in tasks:
            on_done(work(t))
        return
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool
    queue = deque(tasks)
    suspects: list[Task] = []
    while queue or suspects:
        if suspects:
            on_done(_alone(suspects.pop(0), work))
            continue
        with _pool(jobs) as pool:
            running = {}
            try:
                while queue or running:
                    while queue and len(running) < jobs:
                        t = queue.popleft()
                        running[pool.submit(work, t)] = t
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for f in finished:
                        t = running.pop(f)
                        try:
                            done = f.result()
                        except BrokenProcessPool:
                            suspects.append(t)
                            continue
                        on_done(done)
                    if suspects:
                        break
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            suspects.extend(running.values())


def _pool(jobs: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    # (spawn: no fork of a process holding the progress bar's thread)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def _alone(task: Task, work: Callable[[Task], Done], tries: int = 2) -> Done:
    """``task`` in a process of its own, tried again once if that process dies."""
    from concurrent.futures.process import BrokenProcessPool
    for _ in range(tries):
        with _pool(1) as pool:
            try:
                return pool.submit(work, task).result()
            except BrokenProcessPool:
                continue
    return Done(task.name, None, f"its worker process died while analysing it, {tries} times (out of memory? a "
                "crash in the analysis: please report it with the file)", 0.0, "?")


def dask_security(config_file: Path | None):
    """The TLS security of a Dask client from a dask configuration file (YAML: its
    ``distributed.comm.tls`` section: ca-file, client cert and key, require-encryption);
    without one, from dask's own configuration (``~/.config/dask``, ``DASK_CONFIG``)."""
    import dask.config
    import yaml
    from distributed.security import Security
    if config_file is None:
        return Security()
    try:
        loaded = yaml.safe_load(Path(config_file).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise GaitError(f"--dask-config {config_file}: cannot be read ({err})") from None
    if not isinstance(loaded, dict):
        raise GaitError(f"--dask-config {config_file}: not a dask configuration (YAML mapping)")
    dask.config.update(dask.config.config, loaded, priority="new")
    return Security()


def run_dask(tasks: Sequence[Task], scheduler: str, config_file: Path | None,
             on_done: Callable[[Done], None]) -> None:
    """Run ``tasks`` on the Dask cluster at ``scheduler`` (tcp:// or tls://).  A worker
    that dies takes its tasks back to the scheduler, which runs them on another worker;
    the results are written atomically, so a session analysed twice leaves one result."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise GaitError("--scheduler needs dask.distributed: pip install 'sprintgait[dask]'") from None
    security = dask_security(config_file)
    if scheduler.startswith("tls://") and security.tls_ca_file is None:
        raise GaitError(f"--scheduler {scheduler}: cannot connect without the cluster's certificates; give "
                        "--dask-config FILE with distributed.comm.tls (ca-file, client cert and key)")
    try:
        client = Client(scheduler, security=security)     # (timeout: distributed.comm.timeouts.connect)
    except Exception as err:     # (OSError, TimeoutError, and TypeError/ValueError for a TLS mismatch)
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise GaitError(f"--scheduler {scheduler}: cannot connect ({first}); check the address, and that the "
                        "certificates (--dask-config) are the cluster's") from None
    try:
        run = uuid.uuid4().hex        # (keys of their own: another batch on the cluster has its own tasks)
        futures = client.map(run_task, list(tasks), key=[f"gait-session-{run}-{i}" for i in range(len(tasks))],
                             pure=False)
        names = {f.key: t.name for f, t in zip(futures, tasks)}
        for f in as_completed(futures):
            try:
                done = f.result()
            except Exception as err:       # KilledWorker (the task killed its workers), a lost scheduler
                done = Done(names[f.key], None, f"the cluster could not run it: {type(err).__name__}: {err}",
                            0.0, "?")
            on_done(done)
    finally:
        client.close()


def clear_leftovers(tasks: Sequence[Task]) -> int:
    """Remove the temporary files a killed writer left beside the results (every task is
    finished when this runs); their number."""
    n = 0
    for t in tasks:
        for target in filter(None, (t.result, t.html)):
            p = Path(target)
            if p.parent.is_dir():
                for stale in p.parent.glob(f".{p.name}.*"):
                    stale.unlink(missing_ok=True)
                    n += 1
    for root in {t.parquet_root for t in tasks if t.parquet_root is not None}:
        for stale in Path(root).rglob(".*.parquet.*"):
            stale.unlink(missing_ok=True)
            n += 1
    return n
