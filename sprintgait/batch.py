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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import quote

from gaitcore import __version__
from gaitcore.atomic_file import write_atomic
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


def find_sessions(root: Path, out: Path) -> list[tuple[str, tuple[Path, ...]]]:
    """The sessions under ``root`` (name relative to it, what to read), in name order;
    ``out`` and hidden files and folders are passed over."""
    from gaitcore.readers import is_recording
    found = []
    out = out.resolve()
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() != out)
        recs = [here / f for f in sorted(files) if not f.startswith(".") and is_recording(here / f)]
        native = [f for f in recs if f.suffix.lower() in NATIVE_SUFFIXES]
        found += [(str(f.relative_to(root)), (f,)) for f in native]
        others = [f for f in recs if f not in native]
        if others:
            found.append((str(here.relative_to(root)) if here != root else here.name, (here,)))
    return sorted(found)


def _result_paths(out: Path, name: str) -> tuple[Path, Path]:
    base = out / name
    return base.with_name(base.name + RESULT_SUFFIX), base.with_name(base.name + ".html")


def _stamp(paths: Iterable[str]) -> list[list[int]]:
    """Size and modification time (ns) of each file of a recording."""
    from .ingest import recording_files
    return [[st.st_size, st.st_mtime_ns] for st in (os.stat(f) for f in recording_files(list(paths)))]


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


def plan(root: Path, out: Path, options: ImportOptions, report: bool, parquet: bool) -> list[Task]:
    """A task for every session under ``root``."""
    tasks = []
    for name, paths in find_sessions(root, out):
        result, html = _result_paths(out, name)
        tasks.append(Task(name, tuple(str(p.resolve()) for p in paths), str(result.resolve()),
                          str(html.resolve()) if report else None,
                          str((out / "steps").resolve()) if parquet else None, options))
    return tasks


def _parquet_path(root: str, item: Analysed) -> Path:
    """steps/athlete=A/date=YYYY-MM-DD/DIGEST16.parquet (hive partitions; the name quoted)."""
    return (Path(root) / f"athlete={quote(item.athlete, safe='')}" / f"date={item.session_date.isoformat()}"
            / f"{item.source.digest[:16]}.parquet")


def _write_parquet(path: Path, item: Analysed) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise GaitError("--parquet needs pyarrow (pip install 'sprintgait[dask]' or pyarrow)") from None
    steps = item.analysis["steps"]
    cols = {k: [s[k] for s in steps] for k in steps[0]} if steps else {}
    cols.pop("position_m", None)
    table = pa.table({"digest": [item.source.digest] * len(steps), **cols})
    _make_private_dir(path.parent)
    write_atomic(path, lambda f: pq.write_table(table, f), private=True)


def _make_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


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
        _make_private_dir(Path(task.result).parent)
        if task.parquet_root is not None:
            _write_parquet(_parquet_path(task.parquet_root, item), item)
        if task.html is not None:
            from .html_report import render_session_report
            page = render_session_report([item.analysis]).encode("utf-8")
            write_atomic(task.html, lambda f: f.write(page), private=True)
        write_atomic(task.result, lambda f: f.write(text), private=True)     # last: it marks the session done
        return Done(task.name, item, None, time.perf_counter() - t0, worker)
    except GaitError as err:
        return Done(task.name, None, str(err), time.perf_counter() - t0, worker)
    except OSError as err:
        return Done(task.name, None, f"cannot write its results: {err.strerror} ({err.filename})",
                    time.perf_counter() - t0, worker)
    except Exception as err:     # a recording that breaks the analysis must not stop the batch
        where = traceback.extract_tb(err.__traceback__)[-1]
        return Done(task.name, None, f"the analysis failed: {type(err).__name__}: {err} "
                    f"({Path(where.filename).name}:{where.lineno}; please report it)",
                    time.perf_counter() - t0, worker)


def run_local(tasks: Sequence[Task], jobs: int, on_done: Callable[[Done], None]) -> None:
    """Run ``tasks`` here (``jobs`` 1) or in ``jobs`` worker processes; a process that dies
    (killed, out of memory) takes only the sessions it held: each is tried again up to
    twice, then reported failed."""
    if jobs == 1 or len(tasks) <= 1:
        for t in tasks:
            on_done(run_task(t))
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool
    pending = list(tasks)
    tries = {t.name: 0 for t in tasks}
    ctx = multiprocessing.get_context("spawn")     # (no fork of a process holding the progress bar's thread)
    while pending:
        with ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=ctx) as pool:
            running = {pool.submit(run_task, t): t for t in pending}
            pending = []
            broken = False
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in finished:
                    t = running.pop(f)
                    try:
                        on_done(f.result())
                    except BrokenProcessPool:
                        broken = True
                        tries[t.name] += 1
                        if tries[t.name] >= 3:
                            on_done(Done(t.name, None, "its worker process died three times (out of memory?)",
                                         0.0, "?"))
                        else:
                            pending.append(t)
                if broken:
                    for f, t in running.items():
                        f.cancel()
                        pending.append(t)
                    running = {}


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
        futures = client.map(run_task, list(tasks), key=[f"gait-session-{i}" for i in range(len(tasks))],
                             pure=False)
        names = {f.key: t.name for f, t in zip(futures, tasks)}
        for f in as_completed(futures):
            try:
                on_done(f.result())
            except Exception as err:       # KilledWorker (the task killed its workers), a lost scheduler
                on_done(Done(names[f.key], None, f"the cluster could not run it: {type(err).__name__}: {err}",
                             0.0, "?"))
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
    return n
