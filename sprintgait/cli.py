"""The ``gait`` command line.

Every error meant for the user is one line on stderr, exit code 2, and nothing
is written.  It is the application layer: it uses gaitcore, calibration and
firmware_bridge, and none of them imports it.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from gaitcore import __version__
from gaitcore.errors import GaitError
from gaitcore.signals import Segment


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other usage error
        sys.stderr.write(f"gait: error: {message} (see 'gait {self.prog.split()[-1]} --help')\n"
                         if " " in self.prog else f"gait: error: {message} (see 'gait --help')\n")
        sys.exit(2)


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return v


def _input_args(p: argparse.ArgumentParser) -> None:
    """The recording a command reads: what ``read_recording`` takes."""
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="recording file(s), a pod session, or a folder with one file per sensor")
    p.add_argument("--fs", type=_positive_float, metavar="HZ",
                   help="sampling rate, for formats without time stamps (gaitmap CSV)")
    p.add_argument("--placement", action="append", metavar="P",
                   help="placement per input file, in order: left|right[_foot|_shank|_thigh] or "
                   "LF/RF/LS/RS (default: from the file or sensor name)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="gait", description="Foot-pod gait analysis for sprint training.")
    p.add_argument("--version", action="version", version=f"gait {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    a = sub.add_parser("analyze", help="find every contact in a recording and report contact times",
                       description="Detect initial contact and toe-off per foot and report contact, "
                       "flight, step and stride time and cadence per step.")
    _input_args(a)
    a.add_argument("--json", action="store_true", help="print the JSON result instead of the table")
    a.add_argument("--out", type=Path, metavar="DIR",
                   help="also write report.json, steps.csv and summary.txt into DIR")
    a.add_argument("--chunk-size", type=_positive_int, metavar="N",
                   help="run the streaming path N samples at a time (result is identical)")
    a.add_argument("--no-trajectory", action="store_true",
                   help="contact timing only: skip the foot trajectory (stride length, speed, foot lift, "
                   "angles, position are left null); about 10 times faster")
    a.add_argument("--drill", help="the session's drill (gait drills lists them): names every rep and picks its "
                   "cues, instead of the recording's own")
    a.add_argument("--plan", metavar="TEXT|@FILE",
                   help="the session's plan, instead of the recording's own: its drills name the reps in order, "
                   "e.g. '2x20 m skips, 20 m high knees, 3 min rest, 6x30 m accel' (@FILE reads it from a file)")
    a.add_argument("--baseline", type=Path, action="append", metavar="REPORT.json",
                   help="an earlier analysis of the same athlete (its report.json or --json output; repeat for "
                   "more): the reps' quality counts the best reps there too, not the session's alone")
    a.add_argument("--save", action="store_true",
                   help="also store the session in the history (the athlete's season: gait history)")
    from .history_commands import add_parsers, db_arg, who_when_args
    who_when_args(a)
    db_arg(a)
    a.add_argument("-q", "--quiet", action="store_true",
                   help="no progress lines on stderr (they are shown only on a terminal anyway)")
    dr = sub.add_parser("drills", help="list the drill catalog: each drill, what the pods judge in it, its cues",
                        description="The drills gait knows (the ids --drill takes), from the shipped catalog and "
                        "your own file, which adds drills or replaces shipped ones entry by entry (TOML, the "
                        "shipped file's format; --path prints where both are).")
    dr.add_argument("--path", action="store_true", help="print where the shipped catalog and your own file are")
    s = sub.add_parser("simulate", help="write a simulated recording with ground truth",
                       description="Simulate foot-IMU signals of a drill, or of a whole session of reps with "
                       "standing rest between them, with ground-truth events.")
    s.add_argument("drill", help="drill name (see --list)", nargs="?")
    s.add_argument("--session", metavar="NAME",
                   help="simulate a session of reps instead of one drill (see --list): both feet, standing "
                   "between the reps, the reference pod's settings (1000 Hz, +-32 g, +-2000 deg/s)")
    s.add_argument("--list", action="store_true", help="list the drills and sessions and exit")
    s.add_argument("--out", type=Path, metavar="FILE",
                   help="output .gaitrec file; with --session also a .podses file: the pod session 'gait record' "
                   "would have written of two reference pods on USB serial")
    s.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same file (default 0)")
    s.add_argument("--rate", type=_positive_float, default=None, metavar="HZ",
                   help="sampling rate, 100-4000 Hz (default 1000; a .podses takes the pod's rates)")
    s.add_argument("--duration", type=_positive_float, default=None, metavar="S",
                   help="seconds of one drill, at least 5 (default 12; starts and ends standing; a session's "
                   "length is its plan's)")
    s.add_argument("--truth", type=Path, metavar="FILE", help="also write ground truth as JSON")
    s.add_argument("--segment", action="append", choices=["shank", "thigh"], default=None,
                   help="also simulate a pod on this segment of both legs (repeatable; one drill only)")
    s.add_argument("--acc-range", type=_positive_float, default=None, metavar="G",
                   help="accelerometer full scale of the simulated pods (default 16 g; a session's 32 g)")

    pod = sub.add_parser("pod", help="foot-pod tools (the virtual pod)",
                         description="Tools for foot pods; 'gait pod emulate' runs a virtual pod.")
    pod_sub = pod.add_subparsers(dest="pod_command", required=True, parser_class=_Parser)
    e = pod_sub.add_parser("emulate", help="stream a simulated drill as a pod on a pseudo-terminal",
                           description="Stream the simulator's signals of one foot in the pod wire protocol, "
                           "in real time, on a new pseudo-terminal whose path is the first line printed. "
                           "Runs until interrupted.")
    e.add_argument("--foot", choices=["left", "right"], required=True)
    e.add_argument("--drill", required=True, help="drill name (gait simulate --list)")
    e.add_argument("--seed", type=int, default=0, help="random seed of the simulated drill (default 0)")
    e.add_argument("--rate", type=_positive_float, default=1000.0, metavar="HZ",
                   help="sampling rate, 100-4000 Hz (default 1000)")
    e.add_argument("--duration", type=_positive_float, default=20.0, metavar="S",
                   help="simulated seconds; the pod goes quiet after them (default 20)")
    e.add_argument("--loss", type=_fraction, default=0.0, metavar="P", help="drop each frame with probability P")
    e.add_argument("--corrupt", type=_fraction, default=0.0, metavar="P",
                   help="corrupt one byte of each frame with probability P")

    x = sub.add_parser("export", help="write a recording or session as gaitmap CSV or Parquet",
                       description="Export any input 'gait analyze' reads (pod sessions included) as a "
                       "gaitmap-style CSV (the field's other tools read it; sensors on one row grid, "
                       "gaps left empty) or as Parquet (one row per sample; needs pyarrow).")
    _input_args(x)
    x.add_argument("--to", choices=["csv", "parquet"], required=True,
                   help="csv: gaitmap-style CSV; parquet: one row per sample (needs pyarrow)")
    x.add_argument("--out", type=Path, required=True, metavar="FILE",
                   help="the file to create (an existing file is never overwritten)")

    d = sub.add_parser("devices", help="find pods: serial ports and BLE devices in range",
                       description="List serial ports and Bluetooth LE pods in range.")
    d_sub = d.add_subparsers(dest="devices_command", required=True, parser_class=_Parser)
    ds = d_sub.add_parser("scan", help="list serial ports and BLE pods in range",
                          description="List serial ports (any USB serial device may be a pod) and Bluetooth LE "
                          "devices advertising the pod service, the running speed and cadence service or "
                          "Movesense.")
    ds.add_argument("--timeout", type=_positive_float, default=5.0, metavar="S", help="BLE scan time (default 5 s)")
    ds.add_argument("--no-ble", action="store_true", help="serial ports only")

    r = sub.add_parser("record", help="record pods into a session file",
                       description="Connect to the pods, start them, and record every byte they send "
                       "(with its arrival time) into a new session file that 'gait analyze' reads.")
    r.add_argument("--pod", action="append", required=True, metavar="NAME=URL",
                   help="a pod: left=serial:///dev/ttyUSB0, right=/dev/pts/5, ... (repeatable)")
    r.add_argument("--duration", type=_positive_float, required=True, metavar="S",
                   help="seconds to record (Ctrl-C stops earlier and keeps the session)")
    r.add_argument("--out", type=Path, required=True, metavar="FILE", help="the session file to create")
    r.add_argument("--drill", help="drill name, stored in the session's metadata")
    _session_options(r)
    r.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")

    lv = sub.add_parser("live", help="record pods and show every step as it happens",
                        description="Record the pods into a session file (as 'gait record') and show, per "
                        "step as it happens: foot, contact and flight time, cadence, the change of contact time "
                        "from the rep's first steps, and a line when a pod drops or clips.  Everything shown is "
                        "also written to the session, so 'gait replay' shows the same.")
    lv.add_argument("--pod", action="append", required=True, metavar="NAME=URL",
                    help="a pod: left=serial:///dev/ttyUSB0, right=ble://FootPod-R, ... (repeatable)")
    lv.add_argument("--out", type=Path, required=True, metavar="FILE", help="the session file to create")
    lv.add_argument("--duration", type=_positive_float, default=3600.0, metavar="S",
                    help="stop after S seconds (default 1 h; Ctrl-C stops earlier and keeps the session)")
    lv.add_argument("--drill", help="drill name: picks its cues (fast_feet, sprint; others: contact-time drift)")
    lv.add_argument("--bell", action="store_true", help="ring the terminal bell on every cue")
    lv.add_argument("--sound", type=Path, metavar="FILE", help="play this sound file on every cue")
    _session_options(lv)

    w = sub.add_parser("warmup", help="compile the analysis kernels now, so the first analysis starts at once",
                       description="Compile and cache every analysis kernel (numba) for this machine.  The first "
                       "analysis after installing or upgrading otherwise waits while they compile (about half a "
                       "minute on two cores); run this once after installing.  Nothing is written but the cache.")
    w.add_argument("-q", "--quiet", action="store_true", help="print nothing unless it fails")

    rp = sub.add_parser("replay", help="replay a session through the live display, then analyse it",
                        description="Feed a recorded session's bytes through the same decoders and live "
                        "pipeline as 'gait live' (paced as recorded with --speed 1; at once by default), check the "
                        "lines against what was shown live when the session holds them, then print the analysis ('gait analyze FILE' "
                        "gives the same).")
    rp.add_argument("input", type=Path, metavar="FILE", help="a session file (gait record / gait live)")
    rp.add_argument("--speed", choices=["1", "2", "max"], default="max",
                    help="1 = as recorded, 2 = twice as fast, max = no waiting (default)")
    rp.add_argument("--drill", help="drill cues to use (default: the session's own)")
    rp.add_argument("--json", action="store_true", help="print only the analysis JSON (no live lines)")
    rp.add_argument("--bell", action="store_true", help="ring the terminal bell on every cue")
    add_parsers(sub, _input_args)
    from .batch_command import add_parser as add_batch_parser
    add_batch_parser(sub)
    from .report_command import add_parser as add_report_parser
    add_report_parser(sub, _input_args)
    return p


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= v < 1.0:
        raise argparse.ArgumentTypeError(f"must be a probability from 0 up to (not including) 1, got {text}")
    return v


class _Progress:
    """Stage lines on stderr ("gait: reading ... 1.2 s"), only when a person is watching."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            sys.stderr.write(f"gait: {message} [{time.perf_counter() - self.t0:.1f} s]\n")
            sys.stderr.flush()


def _input_size(paths) -> str:
    total = 0
    for p in map(Path, paths):
        files = p.rglob("*") if p.is_dir() else [p]
        total += sum(f.stat().st_size for f in files if f.is_file())
    return f"{total / 1e6:.1f} MB"


def _output_file(path: Path, option: str) -> None:
    """Refuse, before any work, an output file that cannot be created: one line, nothing written."""
    import os
    if path.is_dir():
        raise GaitError(f"{option} {path} is a folder; give a file name inside it, e.g. {path / 'out'}")
    parent = path.parent
    if not parent.is_dir():
        raise GaitError(f"{option} {path}: there is no folder {parent}; create it or choose another")
    if not os.access(parent, os.W_OK):
        raise GaitError(f"{option} {path}: folder {parent} is not writable; choose another")


def _new_output_file(path: Path, option: str, why: str = "") -> None:
    """As :func:`_output_file`, and refuse a file that exists (``why``: said after it)."""
    if path.exists() and not path.is_dir():
        raise GaitError(f"{path} exists; choose a new file name{why}")
    _output_file(path, option)


def _analyze(args) -> int:
    from gaitcore.analysis import analyze
    from gaitcore.baseline import read_baseline
    from gaitcore.readers import read_recording
    from gaitcore.report import session_header, step_table, summary_text, to_json, write_report

    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise GaitError(f"--out {args.out} is a file; --out takes a folder (it gets report.json, steps.csv, "
                        "summary.txt)")
    progress = _Progress(not args.quiet and sys.stderr.isatty())
    progress(f"reading {len(args.inputs)} input(s), {_input_size(args.inputs) if progress.enabled else ''}")
    given = _given_session(args)
    if args.date is not None and not args.save:
        raise GaitError("--date is the day --save stores the session under; add --save, or leave it out")
    if args.save and (args.no_trajectory or args.baseline):
        raise GaitError(f"--save stores the analysis gait import would make; leave out "
                        f"{'--no-trajectory' if args.no_trajectory else '--baseline'} to store it")
    source = None
    if args.save:
        from .ingest import source_of
        source = source_of(args.inputs)
    rec = read_recording(args.inputs, fs_hz=args.fs, placements=args.placement)
    if args.athlete is not None and not rec.session.athlete:
        given["athlete"] = args.athlete
    if given:
        rec = replace(rec, session=replace(rec.session, **given))
    if args.save:
        from .ingest import athlete_of
        athlete_of(rec, args.inputs)      # (no athlete: one line before the analysis)
    _say_if_plan_unread(rec.session.plan)
    baseline = read_baseline(args.baseline, rec.session.athlete) if args.baseline else None
    n = sum(s.n_samples for s in rec.sensors)
    progress(f"analysing {len(rec.sensors)} sensor(s), {n:,} samples")
    if progress.enabled:
        _say_if_compiling(progress)
    result = analyze(rec, trajectory=not args.no_trajectory, chunk_size=args.chunk_size, baseline=baseline)
    progress(f"found {len(result.steps)} contacts")
    saved = None
    if args.save:
        from .history import History
        from .history_commands import options_of
        from .ingest import analysed
        with History.open(args.db) as h:
            saved = h.store(analysed(result, rec, source, options_of(args)))
            where = h.path
    if args.out is not None:
        try:
            write_report(result, args.out)
        except OSError as err:
            raise GaitError(f"cannot write the report to {args.out}: {err.strerror}; "
                            "choose a writable --out folder") from None
    if args.json:
        sys.stdout.write(to_json(result))
    else:
        sys.stdout.write(session_header(result.session) + step_table(result.steps) + "\n" + summary_text(result))
        if args.out is not None:
            sys.stdout.write(f"report written to {args.out}/ (report.json, steps.csv, summary.txt)\n")
    if saved is not None:
        (sys.stderr if args.json else sys.stdout).write(
            f"history: {saved.outcome.value}: {saved.athlete}, {saved.session_date} in {where}\n")
    return 0


def _given_session(args) -> dict:
    """The drill and plan given to ``gait analyze`` (checked: an unknown drill or a plan item
    that is no drill stops with one line), as SessionInfo fields."""
    from gaitcore.drills import default_catalog
    from gaitcore.plan import parse_plan
    out = {}
    if args.drill is not None:
        catalog = default_catalog()
        found = catalog.find(args.drill)
        if found is None:
            raise GaitError(f"--drill {args.drill!r} is no drill gait knows; give one of "
                            f"{', '.join(d.id for d in catalog.drills)} (gait drills lists them)")
        out["drill"] = found.id
        out["plan"] = None       # (a drill given names every rep: the recording's plan is set aside)
    if args.plan is not None:
        out["plan"] = parse_plan(_plan_text(args.plan)).text
    return out


def _plan_text(given: str) -> str:
    """A --plan argument's text (@FILE: the file's)."""
    if not given.startswith("@"):
        return given
    try:
        return Path(given[1:]).read_text(encoding="utf-8").strip()
    except OSError as err:
        raise GaitError(f"--plan {given}: cannot read it ({err.strerror}); give an existing text file "
                        "or the plan itself") from None


def _say_if_plan_unread(plan: str | None) -> None:
    """A recording's stored plan that names no drill the catalog knows is kept as written
    and not read: say so once."""
    import warnings
    from gaitcore.plan import PlanError, parse_plan
    if plan:
        try:
            parse_plan(plan)
        except PlanError as err:
            warnings.warn(f"the session's plan is not read ({err}); the reps are named by what they look like")


COMPILING = ("compiling the analysis kernels for this machine, once (about half a minute on two cores; "
             "'gait warmup' does it ahead of time)")


def _say_if_compiling(say) -> bool:
    """Tell the user, before the wait, when the analysis is about to compile its kernels."""
    from gaitcore.warmup import needs_compiling
    if needs_compiling():
        say(COMPILING)
        return True
    return False


def _warmup(args) -> int:
    from gaitcore.warmup import needs_compiling, warm_up
    t0 = time.perf_counter()
    if not needs_compiling():
        warm_up()      # also compiles what is rarely needed, if anything is left
        if not args.quiet:
            print(f"the analysis kernels were already compiled for this machine (checked in "
                  f"{time.perf_counter() - t0:.1f} s)")
        return 0
    if not args.quiet:
        print(f"{COMPILING.split(' (')[0]} ...", flush=True)
    warm_up()
    if needs_compiling():
        raise GaitError("the kernels were compiled but numba could not cache them (is the cache folder "
                        "writable? set NUMBA_CACHE_DIR to a writable folder)")
    if not args.quiet:
        print(f"done in {time.perf_counter() - t0:.0f} s; analyses start at once from now on")
    return 0


def _drills(args) -> int:
    from importlib import resources
    from gaitcore.drills import ENV_USER_FILE, load_catalog
    catalog = load_catalog()
    if args.path:
        print(f"shipped: {resources.files('gaitcore').joinpath('data/drills.toml')}")
        there = "" if catalog.user_file.is_file() else " (not there: create it to add your own drills)"
        print(f"yours:   {catalog.user_file}{there}; ${ENV_USER_FILE} names another file")
        return 0
    for d in catalog.drills:
        also = f" (also {', '.join(d.aliases)})" if d.aliases else ""
        print(f"{d.id:<14} {d.name}{also}: {d.description}")
        cues = [catalog.wording(d, "longer").format(pct="N")] if d.longer_cue else []
        if d.quick_contact_s is not None:
            cues.insert(0, f"{catalog.wording(d, 'quick')} (a contact over {1000 * d.quick_contact_s:.0f} ms)")
        targets = "".join(f"; {k} {v:g}" for k, v in d.targets)
        walk = "" if not d.walking_pace else "; done at a walk" + (
            "" if d.bout_contact_min_s is None else f" (contacts from {d.bout_contact_min_s:g} s)")
        like = "" if not d.may_look_like else f"; may look like {', '.join(d.may_look_like)}"
        print(f"{'':<14} judges: {', '.join(d.judges)}; cues: {'; '.join(cues) or 'none'}{targets}{walk}{like}"
              + ("" if d.source == "built-in" else f"; from {d.source}"))
    return 0


def _simulate(args) -> int:
    from gaitcore import simulate
    if args.list or (args.drill is None and args.session is None):
        for name, drill in simulate.DRILLS.items():
            print(f"{name:<14} {drill.description}")
        for name, plan in simulate.SESSIONS.items():
            print(f"{name:<14} session (--session {name}): {plan.text()}")
        return 0
    if args.drill is not None and args.session is not None:
        raise GaitError(f"give a drill or --session, not both (drill {args.drill!r}, session {args.session!r})")
    if args.out is None:
        raise GaitError("simulate needs --out FILE (a .gaitrec file to write; with --session also .podses)")
    podses = args.out.suffix.lower() == ".podses"
    if args.session is None:
        drill = simulate.drill_by_name(args.drill)
        if podses:
            raise GaitError(f"--out {args.out}: a pod session is simulated for --session only; write a .gaitrec")
    else:
        plan = simulate.session_by_name(args.session)
        given = [opt for opt, v in (("--duration", args.duration), ("--segment", args.segment)) if v is not None]
        if given:
            raise GaitError(f"{' and '.join(given)} {'does' if len(given) == 1 else 'do'} not apply to --session "
                            f"{plan.name} (its plan sets its length; its pods are on the feet); leave "
                            f"{'it' if len(given) == 1 else 'them'} out")
    _output_file(args.out, "--out")
    if args.truth is not None:
        _output_file(args.truth, "--truth")
    rate = 1000.0 if args.rate is None else args.rate
    try:
        if args.session is None:
            segments = tuple(Segment(x) for x in dict.fromkeys(args.segment or ()))
            sim = simulate.simulate_session(drill, fs_hz=rate, seed=args.seed, segments=segments,
                                            duration_s=12.0 if args.duration is None else args.duration,
                                            acc_range_g=16.0 if args.acc_range is None else args.acc_range)
            simulate.write_simulation(sim, args.out, args.truth)
            what = drill.name
        else:
            acc_g = 32.0 if args.acc_range is None else args.acc_range
            if podses:
                from firmware_bridge.simulated_session import write_pod_session
                psim = simulate.simulate_pod_session(plan, fs_hz=rate, seed=args.seed, acc_range_g=acc_g)
                write_pod_session(psim, args.out, args.truth)
                sim = psim.simulation
            else:
                sim = simulate.simulate_plan(plan, fs_hz=rate, seed=args.seed, acc_range_g=acc_g)
                simulate.write_simulation(sim, args.out, args.truth)
            what = f"session {plan.name}, {sim.truth['duration_s']:.1f} s, {len(plan.reps)} reps"
    except OSError as err:
        raise GaitError(f"cannot write {err.filename or args.out}: {err.strerror}; nothing was written") from None
    print(f"wrote {args.out}: {what}, {rate:g} Hz, seed {args.seed}, {len(sim.truth['contacts'])} contacts")
    return 0


def _pod_emulate(args) -> int:
    import os
    from firmware_bridge.virtual_pod import VirtualPod, VirtualPodConfig, open_pty, pod_signals, serve
    from gaitcore import simulate
    simulate.drill_by_name(args.drill)   # unknown drill: one-line error before anything starts
    cfg = VirtualPodConfig(args.foot, args.drill, args.seed, args.rate, args.duration, args.loss, args.corrupt)
    acc, gyr, acc_g, gyr_dps, _ = pod_signals(cfg)
    master, slave, path = open_pty()
    print(path, flush=True)
    sys.stderr.write(f"virtual pod: {args.foot} foot, {args.drill}, seed {args.seed}, {args.rate:g} Hz on {path}; "
                     "waiting for 'start' (Ctrl-C ends)\n")
    try:
        serve(VirtualPod(cfg, acc, gyr, acc_g, gyr_dps), master)
    finally:
        os.close(master)
        os.close(slave)
    return 0


def _export(args) -> int:
    from gaitcore.export import to_gaitmap_csv, to_parquet
    from gaitcore.readers import read_recording
    _new_output_file(args.out, "--out")
    suffix = {"csv": ".csv", "parquet": ".parquet"}
    other = next((k for k, v in suffix.items() if k != args.to and args.out.suffix.lower() == v), None)
    if other is not None:
        raise GaitError(f"--out {args.out} names a {other} file but --to {args.to} writes {args.to}; name it "
                        f"{args.out.with_suffix(suffix[args.to])} or give --to {other}")
    rec = read_recording(args.inputs, fs_hz=args.fs, placements=args.placement)
    try:
        if args.to == "csv":
            info = to_gaitmap_csv(rec, args.out)
            gaps = {k: v for k, v in info["empty_cells"].items() if v}
            empty = ", ".join(f"{name} {n}" for name, n in gaps.items())
            print(f"wrote {args.out}: {info['rows']} rows at {info['fs_hz']:g} Hz (read it back with --fs "
                  f"{info['fs_hz']:g})" + (f"; rows without a sample: {empty}" if gaps else ""))
            out = {k: v for k, v in info["left_out"].items() if v}
            if out:
                sys.stderr.write("gait: warning: samples left out, each sharing its row with the sample before "
                                 f"(the sensor's clock runs faster than {info['fs_hz']:g} Hz): "
                                 + ", ".join(f"{name} {n}" for name, n in out.items())
                                 + "; --to parquet keeps every sample\n")
        else:
            info = to_parquet(rec, args.out)
            print(f"wrote {args.out}: {info['rows']} samples")
    except OSError as err:
        raise GaitError(f"cannot write {args.out}: {err.strerror}; nothing was written") from None
    return 0


def _devices_scan(args) -> int:
    from serial.tools import list_ports   # pyserial's own port enumeration
    ports = sorted(list_ports.comports(), key=lambda p: p.device)
    for p in ports:
        vidpid = f" [{p.vid:04x}:{p.pid:04x}]" if p.vid is not None else ""
        print(f"serial  serial://{p.device}  {p.description or ''}{vidpid}")
    if not ports:
        print("serial  no serial ports (virtual pods: gait pod emulate prints its own path)")
    if args.no_ble:
        return 0
    import asyncio
    from firmware_bridge.transports.ble import scan_pods
    try:
        found = asyncio.run(scan_pods(args.timeout))
    except Exception as err:   # no adapter, no BlueZ, no permission: say so, keep the serial list
        print(f"ble     scan not possible: {str(err).splitlines()[0] if str(err) else type(err).__name__}")
        return 0
    for dev in found:
        rssi = getattr(dev, "rssi_dbm", None)
        kinds = getattr(dev, "kind", None) or "?"
        print(f"ble     ble://{getattr(dev, 'address', '?')}  {getattr(dev, 'name', None) or '(no name)'}  "
              f"{'' if rssi is None else f'{rssi} dBm  '}{kinds}")
    if not found:
        print(f"ble     no pods found in {args.timeout:g} s")
    return 0


def _session_options(parser) -> None:
    parser.add_argument("--athlete", metavar="NAME", help="who wears the pods, stored in the session's metadata")
    parser.add_argument("--plan", metavar="TEXT|@FILE",
                        help="the session's drill plan, whose drills name the reps in order (e.g. '2x20 m skips, "
                        "3 min rest, 6x30 m fly'; drills as gait drills lists them; @FILE reads it from a file), "
                        "stored in the session's metadata")
    parser.add_argument("--mounting-from", type=Path, metavar="SESSION",
                        help="start from how each pod sat on its foot in this earlier session of the same pods "
                        "(steps show from the first stride, no warm-up); only while they stay strapped as then")


def _session_meta(args, pods: list[tuple[str, str]]) -> dict:
    """The session-level metadata given on the command line (drill, athlete, plan, the
    pods' mounting calibrations)."""
    plan = None if args.plan is None else _plan_text(args.plan)
    if plan is not None:
        from gaitcore.plan import parse_plan
        parse_plan(plan)          # a plan item that is no drill: one line, before anything starts
    meta = {k: v for k, v in (("drill", args.drill), ("athlete", args.athlete), ("plan", plan)) if v is not None}
    if args.mounting_from is not None:
        from calibration.mounting import mountings_from_session
        cals = mountings_from_session(args.mounting_from, [name for name, _ in pods])
        meta["mounting"] = {name: cal.to_dict() for name, cal in cals.items()}
    return meta


def _new_session(args) -> tuple[list[tuple[str, str]], dict]:
    """The pods and the header metadata of a session about to be recorded into a new ``--out``."""
    pods = _pods_arg(args.pod)
    _check_drill(args.drill)
    _new_output_file(args.out, "--out", " (sessions are never overwritten)")
    return pods, _session_meta(args, pods)


def _record(args) -> int:
    import asyncio
    from firmware_bridge.recorder import record_session
    pods, meta = _new_session(args)
    tell = (lambda msg: None) if args.quiet else (lambda msg: sys.stderr.write(f"gait record: {msg}\n"))
    tell(f"recording {len(pods)} pod(s) for {args.duration:g} s into {args.out}")
    reports = asyncio.run(record_session(pods, args.duration, args.out, meta, on_event=tell))
    if all(rep.bytes_received == 0 for rep in reports):
        args.out.unlink(missing_ok=True)   # it holds nothing but the header: nothing was lost
        raise GaitError("no pod sent anything, so no session was written; check the URLs "
                        "(gait devices scan) and that the pods are on")
    from firmware_bridge.assemble import session_report
    from firmware_bridge.session_file import read_session
    for rep, line in zip(reports, session_report(read_session(args.out))):
        link = rep.link
        print(line + (f", {rep.reconnects} reconnects" if rep.reconnects else "")
              + (f"; link: {link.notifications_per_s:g} notifications/s"
                 + (f", RSSI {link.rssi_dbm} dBm" if link.rssi_dbm is not None else "") if link else ""))
    return 0


def _pods_arg(specs: list[str]) -> list[tuple[str, str]]:
    pods = []
    for spec in specs:
        name, sep, url = spec.partition("=")
        if not sep or not name or not url:
            raise GaitError(f"--pod {spec!r} is not NAME=URL; write e.g. --pod left=serial:///dev/ttyUSB0")
        pods.append((name, url))
    if len({n for n, _ in pods}) != len(pods):
        raise GaitError("two --pod options share a name; give each pod its own (left, right, ...)")
    import warnings
    from gaitcore.signals import Placement
    for name, _ in pods:
        try:
            Placement.parse(name)
        except ValueError:
            warnings.warn(f"pod {name!r}: its name is its placement and this one says none (left, right, LF, RS, "
                          "left_shank ...), so its foot is unknown: no step or flight time with it")
    return pods


def _check_drill(drill: str | None) -> None:
    """A drill the cues and the simulator do not know is allowed (the coach's own), but told."""
    import warnings
    from gaitcore.drills import default_catalog
    catalog = default_catalog()
    if drill is not None and catalog.find(drill) is None:
        known = ", ".join(d.id for d in catalog.drills)
        warnings.warn(f"drill {drill!r} is not one gait knows ({known}); it is stored as given and gets the "
                      "contact-time drift cue only")


def _live(args) -> int:
    import asyncio
    from firmware_bridge.live import as_dict, feed, finish, new_live_state
    from firmware_bridge.live_display import Sound, make_display
    from firmware_bridge.recorder import record_session
    pods, meta = _new_session(args)
    try:
        sound = Sound.choose(args.bell, args.sound)
    except FileNotFoundError as err:
        raise GaitError(str(err)) from None
    display = make_display(sound)
    last = {}   # the live state after the latest record, for the end of the session

    def make_tap(meta: dict):
        try:
            last["state"] = new_live_state(meta, args.drill)
        except ValueError as err:
            raise GaitError(str(err)) from None

        def tap(record):
            items, last["state"] = feed(last["state"], record)
            for it in items:
                display.show(it)
            return [as_dict(it) for it in items]
        return tap

    def tell(msg: str) -> None:
        display.print(f"! {msg}", "bold red")

    from gaitcore.warmup import needs_compiling, warm_up
    if needs_compiling():      # before connecting: a pause mid-session would hold back every cue
        display.print(f"{COMPILING} ...", "cyan")
        warm_up()
    display.print(f"live: {len(pods)} pod(s) into {args.out}; Ctrl-C stops", "bold")
    try:
        asyncio.run(record_session(pods, args.duration, args.out, meta, on_event=tell, make_tap=make_tap))
    except KeyboardInterrupt:
        pass    # the session file holds everything received; it is closed by the recorder
    if "state" in last:
        for it in finish(last["state"])[0]:
            display.show(it)
    display.print(f"session saved: {args.out} (gait replay {args.out})")
    return 0


def _replay(args) -> int:
    import json
    from firmware_bridge.live import as_dict, feed, finish, new_live_state, replays_what_was_shown
    from firmware_bridge.live_display import Sound, make_display
    from firmware_bridge.recorder import SESSION_POD
    from firmware_bridge.session_file import KIND_EVENT, read_session
    from firmware_bridge.session_reader import session_recording
    from gaitcore.analysis import analyze
    from gaitcore.report import session_header, step_table, summary_text, to_json
    from gaitcore.signals import SessionInfo
    if not args.input.is_file():
        raise GaitError(f"{args.input} not found; give a session file written by gait record or gait live")
    session = read_session(args.input)
    meta = session.meta
    if args.drill is not None:       # (a drill given names every rep: the session's plan is set aside)
        meta = {**{k: v for k, v in meta.items() if k != "plan"}, "drill": args.drill}
    try:
        state = new_live_state(meta, meta.get("drill"))
    except ValueError as err:
        raise GaitError(f"{args.input}: {err}") from None
    display = None if args.json else make_display(Sound(bell=args.bell))
    header = session_header(SessionInfo.from_meta(session.meta, (args.input.name,)))
    if display is not None and header:
        display.print(header.rstrip("\n"))
    if display is not None and sys.stderr.isatty():
        _say_if_compiling(lambda msg: sys.stderr.write(f"gait: {msg}\n"))
    recorded = [json.loads(r.payload) for r in session.records if r.kind == KIND_EVENT and r.pod == SESSION_POD]
    recorded = [d["item"] for d in recorded if d.get("event") == "shown"]
    speed = None if args.speed == "max" else float(args.speed)
    shown = []
    t_start = time.monotonic()
    for r in session.records:
        if r.pod == SESSION_POD:
            continue
        if speed is not None:
            wait = r.t_ns * 1e-9 / speed - (time.monotonic() - t_start)
            if wait > 0:
                time.sleep(wait)
        items, state = feed(state, r)
        for it in items:
            shown.append(as_dict(it))
            if display:
                display.show(it)
    for it in finish(state)[0]:
        shown.append(as_dict(it))
        if display:
            display.show(it)
    rec = session_recording(session, args.input)   # (the session as read above, not again)
    if args.drill is not None:
        rec = replace(rec, session=replace(rec.session, drill=args.drill, plan=None))
    result = analyze(rec)
    if args.json:
        sys.stdout.write(to_json(result))
        return 0
    if recorded:
        same = replays_what_was_shown(recorded, shown)
        display.print(f"replay {'matches' if same else 'DIFFERS FROM'} what was shown live ({len(recorded)} lines)",
                      None if same else "bold red")
    sys.stdout.write(step_table(result.steps) + "\n" + summary_text(result))
    return 0


def _import(args) -> int:
    from .history_commands import import_
    return import_(args)


def _history(args) -> int:
    from .history_commands import history
    return history(args)


def _report(args) -> int:
    from .report_command import report
    return report(args)


def _batch(args) -> int:
    from .batch_command import batch
    return batch(args)


COMMANDS = {"analyze": _analyze, "simulate": _simulate, "pod": _pod_emulate, "record": _record,
            "devices": _devices_scan, "export": _export, "live": _live, "replay": _replay, "warmup": _warmup,
            "drills": _drills, "import": _import, "history": _history,
            "batch": _batch, "report": _report}



def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings (a torn session tail, ...) as one line a user reads, not a source location."""
    (file or sys.stderr).write(f"gait: warning: {message}\n")


def main(argv: list[str] | None = None) -> int:
    import warnings
    args = build_parser().parse_args(argv)
    try:
        if args.command in COMMANDS:
            with warnings.catch_warnings():
                warnings.showwarning = _one_line_warning
                return COMMANDS[args.command](args)
    except GaitError as err:
        sys.stderr.write(f"gait: error: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("gait: interrupted\n")
        return 130
    except BrokenPipeError:
        # the reader of our output went away (gait drills | head): stop quietly, as cat does
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 2


if __name__ == "__main__":
    sys.exit(main())
