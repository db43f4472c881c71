"""``gait import`` and ``gait history``: sessions into the history database, and an
athlete's season out of it (sprintgait.history)."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

from gaitcore.errors import GaitError

from .ingest import ImportOptions
from .progress import Bar
from .trend import Metric, Trend


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, metavar="FILE",
                   help="the history database (default: $SPRINTGAIT_DB, else history.sqlite in your data folder)")


def session_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def who_when_args(p: argparse.ArgumentParser) -> None:
    """The athlete and day of a session stored in the history, where the recording lacks them."""
    p.add_argument("--athlete", metavar="NAME",
                   help="the athlete, for recordings that name none (a pod session names the one it was recorded "
                   "with, and keeps it)")
    p.add_argument("--date", type=session_date, metavar="YYYY-MM-DD",
                   help="the session's day (default: the recording's start time, else its file's date)")


def add_parsers(sub, input_args: Callable[[argparse.ArgumentParser], None]) -> None:
    im = sub.add_parser("import", help="store sessions in the history (the athlete's season)",
                        description="Analyse each SESSION (a recording: a file, or a folder with one file per "
                        "sensor) and store its reps and steps in the history database.  A session stored before "
                        "is left as it is, unless this gait is newer than the one that analysed it, other "
                        "options are given, or --force.  The recordings are never changed.")
    im.add_argument("sessions", nargs="+", metavar="SESSION", help="recordings, one session each")
    im.add_argument("--fs", type=float, metavar="HZ", help="sampling rate, for formats without time stamps")
    im.add_argument("--drill", help="the sessions' drill (gait drills), instead of the recordings' own")
    im.add_argument("--plan", metavar="TEXT|@FILE", help="the sessions' plan, instead of the recordings' own")
    who_when_args(im)
    im.add_argument("--force", action="store_true", help="analyse and replace sessions stored before")
    db_arg(im)
    im.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    hi = sub.add_parser("history", help="an athlete's season from the history: sessions, trends",
                        description="Without ATHLETE: the athletes in the history.  With it: the athlete's "
                        "sessions, and with --metric the season's trend per drill, saying whether the latest "
                        "session's change exceeds the measurement's noise.")
    hi.add_argument("athlete", nargs="?", metavar="ATHLETE")
    hi.add_argument("--metric", type=Metric, choices=list(Metric), metavar="|".join(m.value for m in Metric),
                    help="the figure to follow: contact time, flying 20 m, 10 m split, stride length, reactive "
                    "strength index, left/right contact asymmetry, drill quality")
    hi.add_argument("--drill", help="only this drill (default: every drill the athlete did)")
    hi.add_argument("--forget", metavar="ATHLETE",
                    help="erase the athlete's sessions, reps, steps and the reports made of them (the recordings "
                    "are listed, not deleted)")
    hi.add_argument("--rebuild", action="store_true",
                    help="analyse every stored session again from its recordings with this gait")
    db_arg(hi)
    hi.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def options_of(args) -> ImportOptions:
    """The options given on the command line, as the history stores them (the drill and
    plan checked as gait analyze checks them)."""
    from .cli import _given_session
    given = _given_session(args)
    placements = getattr(args, "placement", None)
    return ImportOptions(args.athlete, args.date, given.get("drill"), given.get("plan"), getattr(args, "fs", None),
                         None if not placements else tuple(placements))


def import_(args) -> int:
    from .history import History
    from .ingest import analyse_recording
    options = options_of(args)
    failed: list[tuple[str, str]] = []
    with History.open(args.db) as h, Bar(len(args.sessions), "importing", not args.quiet) as bar:
        for s in args.sessions:
            try:
                item = analyse_recording([s], options)
                got = h.store(item, force=args.force)
                bar.print(f"{s}: {got.outcome.value}: {got.athlete}, {got.session_date}, "
                          f"{sum(1 for r in item.analysis['reps'] if not r['rest'])} reps, "
                          f"{len(item.analysis['steps'])} steps")
            except GaitError as err:
                failed.append((s, str(err)))
            bar.advance(Path(s).name)
    return _failures(failed, len(args.sessions), f"history: {Path(h.path)}")


def _failures(failed: Sequence[tuple[str, str]], total: int, where: str) -> int:
    """The end of a run over many files: where the results are, and each failure in a line."""
    print(f"{total - len(failed)} of {total} stored; {where}")
    return say_failures(failed)


def say_failures(failed: Sequence[tuple[str, str]]) -> int:
    """Each failure of a run over many files in a line on stderr (named by its file, once);
    the exit code: 2 if any."""
    for name, why in failed:
        sys.stderr.write(f"gait: error: {why if why.startswith(name) else f'{name}: {why}'}\n")
    return 2 if failed else 0


def history(args) -> int:
    from .history import History
    if args.forget is not None and args.rebuild:
        raise GaitError("give --forget or --rebuild, not both")
    if args.forget is not None:
        return _forget(args)
    with History.open(args.db, create=False) as h:
        if args.rebuild:
            return _rebuild(h, args)
        if args.athlete is None:
            if args.metric is not None or args.drill is not None:
                raise GaitError("--metric and --drill follow one athlete; give the ATHLETE (gait history lists them)")
            rows = h.athletes()
            if not rows:
                print(f"no athletes in the history {h.path} yet")
            for a in rows:
                print(f"{a.name}: {a.n_sessions} session(s), {a.first_date} to {a.last_date}")
            return 0
        if not h.has_athlete(args.athlete):
            names = ", ".join(a.name for a in h.athletes()) or "none yet"
            raise GaitError(f"no athlete {args.athlete!r} in the history {h.path} (athletes: {names})")
        if args.metric is None:
            _print_sessions(h.sessions(args.athlete))
            return 0
        drills = [args.drill] if args.drill else h.drills(args.athlete)
        trends = [t for t in (h.trend(args.athlete, args.metric, d) for d in drills) if t.points]
        if not trends:
            raise GaitError(f"no {args.metric.label} in {args.athlete}'s sessions"
                            + (f" of {args.drill}" if args.drill else "")
                            + f" (drills stored: {', '.join(h.drills(args.athlete)) or 'none'})")
        for t in trends:
            print_trend(t)
    return 0


def _print_sessions(rows) -> None:
    from rich.console import Console
    from rich.table import Table
    table = Table(title=f"{rows[0].athlete}: {len(rows)} session(s)" if rows else None)
    for col in ("date", "drills", "reps", "steps", "quality", "analysed by"):
        table.add_column(col, justify="right" if col in ("reps", "steps", "quality") else "left")
    for s in rows:
        table.add_row(f"{s.session_date}{'*' if s.date_source.value == 'file time' else ''}", ", ".join(s.drills),
                      str(s.n_reps), str(s.n_steps), "" if s.quality_mean is None else f"{s.quality_mean:.0f}",
                      s.software)
    Console().print(table)
    if any(s.date_source.value == "file time" for s in rows):
        print("* the recording's file date (it carries no start time; gait import --date sets it)")


def print_trend(t: Trend) -> None:
    """The trend as a small chart in the terminal: one bar per session, the best marked."""
    from rich.console import Console
    from rich.table import Table
    m = t.metric
    values = [p.value for p in t.points]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    best = t.best
    con = Console()
    con.print(f"{t.athlete}, {t.drill}: {m.label} ({'lower' if m.lower_is_better else 'higher'} is better)",
              markup=False, highlight=False, style="bold")
    table = Table()
    table.add_column("date")
    table.add_column("value", justify="right")
    table.add_column("± noise (2 SE)", justify="right")
    table.add_column("")
    width = 30
    for p in t.points:
        n = 1 + round((p.value - lo) / span * (width - 1))
        table.add_row(str(p.session_date), m.format(p.value),
                      "" if p.noise is None else m.format(2 * p.noise),
                      ("[green]" if p is best else "[cyan]") + "█" * n + ("[/] best" if p is best else "[/]"))
    con.print(table)
    change = t.latest_change()
    typical = t.typical()
    lines = [f"best {m.format(best.value)} on {best.session_date}; typical {m.format(typical[0])} over "
             f"{len(t.points)} session(s)"]
    if change is not None:
        lines.append(f"latest against the typical session before it: {change.describe(m)}")
    slope = t.slope_per_week()
    if slope is not None:
        lines.append(f"trend: {'+' if slope >= 0 else '-'}{m.format(abs(slope))} a week")
    for line in lines:
        con.print(line, markup=False, highlight=False)
    con.print()


def _forget(args) -> int:
    from .history import History
    with History.open(args.db, create=False) as h:
        done = h.forget(args.forget)
    print(f"erased {done.athlete}: {done.sessions} session(s), {done.reps} reps, {done.steps} steps"
          + (f"; removed {len(done.derived_removed)} report(s): {', '.join(done.derived_removed)}"
             if done.derived_removed else ""))
    for line in done.derived_kept:
        print(f"  not removed: {line}")
    if not done.wal_truncated:
        print("  another program has the history open: the erased rows leave its write-ahead log (-wal file) "
              "when that program closes it")
    if done.recordings:
        print(f"the recordings are yours to delete ({len(done.recordings)}):")
        for p in done.recordings:
            print(f"  {p}")
    return 0


def _rebuild(h, args) -> int:
    from .ingest import analyse_recording, source_of
    sources = h.sources()
    failed: list[tuple[str, str]] = []
    with Bar(len(sources), "rebuilding", not args.quiet) as bar:
        for s in sources:
            name = s.source.paths[0] if s.source.paths else f"session {s.session_id}"
            try:
                if source_of(list(s.source.paths)).digest != s.source.digest:
                    raise GaitError(f"{name}: the recording changed since it was stored; its session is kept as "
                                    "it was (gait import --force stores the file as it is now)")
                got = h.store(analyse_recording(list(s.source.paths), s.options), force=True)
                bar.print(f"{name}: {got.athlete}, {got.session_date}: analysed again ({got.software})")
            except GaitError as err:
                failed.append((name, str(err)))
            bar.advance()
    return _failures(failed, len(sources), f"history: {h.path}")
