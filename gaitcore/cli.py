"""The ``gait`` command line.

Every error meant for the user is one line on stderr, exit code 2, and nothing
is written.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .errors import GaitError
from .signals import Segment


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


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="gait", description="Foot-pod gait analysis for sprint training.")
    p.add_argument("--version", action="version", version=f"gait {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    a = sub.add_parser("analyze", help="find every contact in a recording and report contact times",
                       description="Detect initial contact and toe-off per foot and report contact, "
                       "flight, step and stride time and cadence per step.")
    a.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="recording file(s), or a folder with one file per sensor")
    a.add_argument("--fs", type=_positive_float, metavar="HZ",
                   help="sampling rate, for formats without time stamps (gaitmap CSV)")
    a.add_argument("--placement", action="append", metavar="P",
                   help="placement per input file, in order: left|right[_foot|_shank|_thigh] or "
                   "LF/RF/LS/RS (default: from the file or sensor name)")
    a.add_argument("--json", action="store_true", help="print the JSON result instead of the table")
    a.add_argument("--out", type=Path, metavar="DIR",
                   help="also write report.json, steps.csv and summary.txt into DIR")
    a.add_argument("--chunk-size", type=_positive_int, metavar="N",
                   help="run the streaming path N samples at a time (result is identical)")
    a.add_argument("--no-trajectory", action="store_true",
                   help="contact timing only: skip the foot trajectory (stride length, speed, foot lift, "
                   "angles, position are left null); about 15 times faster")
    a.add_argument("-q", "--quiet", action="store_true",
                   help="no progress lines on stderr (they are shown only on a terminal anyway)")
    s = sub.add_parser("simulate", help="write a simulated recording with ground truth",
                       description="Simulate foot-IMU signals of a drill with ground-truth events.")
    s.add_argument("drill", help="drill name (see --list)", nargs="?")
    s.add_argument("--list", action="store_true", help="list the drills and exit")
    s.add_argument("--out", type=Path, metavar="FILE", help="output .gaitrec file")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--rate", type=_positive_float, default=1000.0, metavar="HZ")
    s.add_argument("--duration", type=_positive_float, default=12.0, metavar="S")
    s.add_argument("--truth", type=Path, metavar="FILE", help="also write ground truth as JSON")
    s.add_argument("--segment", action="append", choices=["shank", "thigh"], default=None,
                   help="also simulate a pod on this segment of both legs (repeatable)")
    s.add_argument("--acc-range", type=_positive_float, default=16.0, metavar="G",
                   help="accelerometer full scale of the simulated pods (default 16 g)")
    return p


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


def _analyze(args) -> int:
    from .analysis import analyze
    from .readers import read_recording
    from .report import step_table, summary_text, to_json, write_report

    progress = _Progress(not args.quiet and sys.stderr.isatty())
    progress(f"reading {len(args.inputs)} input(s), {_input_size(args.inputs) if progress.enabled else ''}")
    rec = read_recording(args.inputs, fs_hz=args.fs, placements=args.placement)
    n = sum(s.n_samples for s in rec.sensors)
    progress(f"analysing {len(rec.sensors)} sensor(s), {n:,} samples")
    result = analyze(rec, chunk_size=args.chunk_size, trajectory=not args.no_trajectory)
    progress(f"found {len(result['steps'])} contacts")
    if args.out is not None:
        try:
            write_report(result, args.out)
        except OSError as err:
            raise GaitError(f"cannot write the report to {args.out}: {err.strerror}; "
                            "choose a writable --out folder") from None
    if args.json:
        sys.stdout.write(to_json(result))
    else:
        sys.stdout.write(step_table(result) + "\n" + summary_text(result))
        if args.out is not None:
            sys.stdout.write(f"report written to {args.out}/ (report.json, steps.csv, summary.txt)\n")
    return 0


def _simulate(args) -> int:
    from . import simulate
    if args.list or not args.drill:
        for name, drill in simulate.DRILLS.items():
            print(f"{name:<14} {drill.description}")
        return 0
    if args.out is None:
        raise GaitError("simulate needs --out FILE (a .gaitrec file to write)")
    drill = simulate.drill_by_name(args.drill)
    segments = tuple(Segment(x) for x in dict.fromkeys(args.segment or ()))
    sim = simulate.simulate_session(drill, fs_hz=args.rate, duration_s=args.duration, seed=args.seed,
                                    acc_range_g=args.acc_range, segments=segments)
    simulate.write_simulation(sim, args.out, args.truth)
    print(f"wrote {args.out}: {drill.name}, {args.rate:g} Hz, seed {args.seed}, "
          f"{len(sim.truth['contacts'])} contacts")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "analyze":
            return _analyze(args)
        if args.command == "simulate":
            return _simulate(args)
    except GaitError as err:
        sys.stderr.write(f"gait: error: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("gait: interrupted\n")
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
