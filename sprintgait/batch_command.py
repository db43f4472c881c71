"""``gait batch``: the command over :mod:`sprintgait.batch`."""
from __future__ import annotations

import time
from pathlib import Path

from gaitcore.errors import GaitError

from .history_commands import db_arg, say_failures
from .progress import Bar


def add_parser(sub) -> None:
    from .cli import _positive_float, _positive_int
    b = sub.add_parser("batch", help="analyse a folder tree of recordings again (processes or a Dask cluster)",
                       description="Analyse every session under DIR (each pod session or .gaitrec file; a "
                       "folder's other recording files together) and write one result per session under --out, "
                       "whole or not at all.  Sessions whose result this version wrote from the same recording "
                       "are skipped unless --force.  A bad file never stops the batch: the failures are listed at "
                       "the end and the exit code is 2.")
    b.add_argument("dir", type=Path, metavar="DIR", help="the folder tree of recordings")
    b.add_argument("--out", type=Path, metavar="OUT", help="where the results go (default DIR/gait-results)")
    b.add_argument("--jobs", type=_positive_int, default=1, metavar="N", help="worker processes on this machine (default 1)")
    b.add_argument("--save", action="store_true", help="also store every session in the history")
    b.add_argument("--report", action="store_true", help="also write each session's HTML report")
    b.add_argument("--parquet", action="store_true",
                   help="also write the steps as Parquet, partitioned by athlete and date (needs pyarrow; always "
                   "with --scheduler)")
    b.add_argument("--force", action="store_true", help="analyse again the sessions whose results are up to date")
    b.add_argument("--athlete", metavar="NAME", help="the athlete, for recordings that name none")
    b.add_argument("--fs", type=_positive_float, metavar="HZ",
                   help="sampling rate, for recordings without time stamps (gaitmap CSV)")
    b.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask cluster instead of local processes (pip install 'sprintgait[dask]'; "
                   "the workers must see DIR and OUT at the same paths); tls:// with --dask-config")
    b.add_argument("--dask-config", type=Path, metavar="FILE",
                   help="dask configuration (YAML) with the TLS certificates: distributed.comm.tls.ca-file, "
                   "client.cert, client.key, require-encryption")
    db_arg(b)
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no line per session")


def batch(args) -> int:
    from . import batch as B
    from .ingest import ImportOptions
    root = args.dir
    if not root.is_dir():
        raise GaitError(f"{root} is not a folder; give the folder tree of recordings")
    if args.dask_config is not None and args.scheduler is None:
        raise GaitError("--dask-config configures the --scheduler connection; give --scheduler too")
    if args.jobs != 1 and args.scheduler is not None:
        raise GaitError("--jobs is for this machine's processes; a --scheduler's cluster has its own workers")
    out = args.out if args.out is not None else root / "gait-results"
    if out.exists() and not out.is_dir():
        raise GaitError(f"--out {out} is a file; give a folder for the results")
    parquet = args.parquet or args.scheduler is not None     # (a cluster's workers write their steps for it)
    found = B.find_sessions(root, out)
    tasks = B.plan(root, out, ImportOptions(athlete=args.athlete, fs_hz=args.fs), args.report, parquet,
                   found)
    if not tasks and not found.unreadable:
        raise GaitError(f"no recordings under {root} (pod sessions, .gaitrec, or the formats gait analyze reads)")
    if parquet:
        try:
            import pyarrow.parquet  # noqa: F401  (before any work: the workers write with it)
        except ImportError:
            raise GaitError("--parquet needs pyarrow: pip install 'sprintgait[parquet]'") from None
    from gaitcore.atomic_file import make_private_dirs
    make_private_dirs(out)
    history = None
    if args.save:
        from .history import History
        history = History.open(args.db)
    todo, fresh = [], []
    for t in tasks:
        item = None if args.force else B.up_to_date(t)
        (todo if item is None else fresh).append((t, item))
    failed: list[tuple[str, str]] = list(found.unreadable)
    counts = {"samples": 0, "analysed": 0}
    t0 = time.perf_counter()
    try:
        if history is not None:
            for _, item in fresh:
                history.store(item)
        with Bar(len(todo), "analysing", not args.quiet) as bar:
            def done(d) -> None:
                if d.item is None:
                    failed.append((d.name, d.error))
                    if not args.quiet:
                        bar.print(f"{d.name}: FAILED (listed at the end)")
                else:
                    counts["analysed"] += 1
                    counts["samples"] += d.item.n_samples
                    saved = ("" if history is None
                             else f"; history: {history.store(d.item, force=args.force).outcome.value}")
                    if not args.quiet:
                        bar.print(f"{d.name}: {d.item.athlete}, {d.item.session_date}, "
                                  f"{len(d.item.analysis['steps'])} steps ({d.seconds:.1f} s){saved}")
                bar.advance(d.name)
            if args.scheduler is not None:
                B.run_dask([t for t, _ in todo], args.scheduler, args.dask_config, done)
            else:
                B.run_local([t for t, _ in todo], args.jobs, done)
    finally:
        if history is not None:
            history.close()
        B.clear_leftovers(tasks)
    wall = time.perf_counter() - t0
    rate = (f"; {counts['analysed'] / wall * 60:.0f} sessions/min, {counts['samples'] / wall / 1e6:.2f} M samples/s"
            if counts["analysed"] and wall > 0 else "")
    print(f"{counts['analysed']} analysed, {len(fresh)} up to date, {len(failed)} failed in {wall:.1f} s{rate}; "
          f"results in {out}")
    return say_failures(failed)
