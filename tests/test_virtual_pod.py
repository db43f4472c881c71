"""The virtual pod and the session path: bytes on a (pseudo-)serial device -> session
file -> steps, against analysing the simulator's signals directly.

`gait pod emulate` streams in real time, so the tests with real processes wait for what
happened (frames in the session file, a process ending), never for some seconds, and
compare nothing that depends on how promptly the host read the bytes; their time limits
(HANG_S) only catch a hang."""
import contextlib
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from firmware_bridge.protocol import Command, CommandFrame, serial_bytes
from firmware_bridge.session_file import SessionWriter, read_session
from firmware_bridge.virtual_pod import VirtualPod, VirtualPodConfig, pod_signals
from gaitcore.analysis import analyze
from gaitcore.errors import InputFormatError
from gaitcore.readers import read_recording

ROOT = Path(__file__).resolve().parents[1]
DRILL, SEED, RATE, DURATION = "sprint", 3, 1000.0, 10.0
LOSS = 0.01
HANG_S = 120.0
# `python -m sprintgait` with Ctrl-C (SIGINT) working even when the tests run with it
# ignored, which children inherit (pytest as a background job of a non-interactive shell)
GAIT_WITH_CTRL_C = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                    "from sprintgait.cli import main; sys.exit(main(sys.argv[1:]))")


def _direct(sim):
    return {f: [s for s in analyze(sim.recording).steps if s.foot.value == f] for f in ("left", "right")}


def _compare(session_path: Path, sim, losses: dict, crystal_drift: dict | None = None):
    """Same contacts per foot as the direct analysis; IC within one sample (in each pod's
    own sample count) except where the IC itself fell into a lost frame (the samples
    are not there: the error is then at most the lost stretch); every lost stretch
    reported as a gap of its length.  Samples are counted from the pod's first in session
    time x rate (so the clock fit is checked too), or, given each pod's ``crystal_drift``
    ({name: drift}), in the spacing the session clock gives its samples (the fitted rate x
    the crystal's), which arrival delays cannot move: for pods on pseudo-terminals, read as
    promptly as the host manages (the fit is checked on the fake-clock sessions)."""
    rec = read_recording([session_path])
    out = analyze(rec)
    direct = _direct(sim)
    for s in rec.sensors:
        mine = [x for x in out.steps if x.foot.value == s.name]
        want = direct[s.name]
        assert len(mine) == len(want), (s.name, len(mine), len(want))
        t0 = s.t_s[0]
        spacing_s = 1.0 / RATE
        if crystal_drift is not None:
            spacing_s *= (1.0 + s.meta["clock_drift_ppm"] * 1e-6) * (1.0 + crystal_drift[s.name])
        gaps = [g for g in out.summary.gaps if g.sensor == s.name]
        assert sum(g.n_samples for g in gaps) == losses[s.name], (s.name, gaps, losses[s.name])
        lost = [((g.start_s - t0) / spacing_s, (g.end_s - t0) / spacing_s) for g in gaps]
        for x, w in zip(mine, want):
            err = abs((x.ic_s - t0) / spacing_s - w.ic_s * RATE)
            inside = any(a - 2 <= w.ic_s * RATE <= b + 2 for a, b in lost)
            assert err <= (14.0 if inside else 1.0), (s.name, w.ic_s, err, inside)
    return out


def _drive(writer: SessionWriter, pods: list, starts, until_s: float, rng) -> None:
    """Start each pod at its host time, poll them every 4 ms of a fake clock until
    ``until_s`` and record what they send as arriving 0.5-3 ms later, stop them (their
    answer is recorded too); close the file."""
    for pod, start in zip(pods, starts):
        pod.receive(serial_bytes(CommandFrame(1, Command.START)), start)
    for now in np.arange(0.0, until_s, 0.004):
        for k, pod in enumerate(pods):
            data = pod.due(now)
            if data:
                writer.rx(k, int((now + rng.uniform(0.0005, 0.003)) * 1e9), data)
    for k, pod in enumerate(pods):   # 'stop': the answer counts the samples taken
        writer.rx(k, int((until_s + 0.002) * 1e9), pod.receive(serial_bytes(CommandFrame(2, Command.STOP)), until_s))
    writer.close()


def _lost(pod: VirtualPod) -> int:
    """Samples in the frames the pod lost or corrupted."""
    return sum(n for _, n in pod.lost_frames)


def test_session_from_a_virtual_pod_equals_the_simulation(tmp_path):
    """Two virtual pods driven by a fake clock (no real time), 1% frame loss and 1%
    corrupted frames, receipt times with 0.5-3 ms of latency jitter."""
    rng = np.random.default_rng(7)
    pods, losses = [], {}
    for foot in ("left", "right"):
        cfg = VirtualPodConfig(foot, DRILL, SEED, RATE, DURATION, loss=LOSS, corrupt=LOSS)
        acc, gyr, acc_g, gyr_dps, sim = pod_signals(cfg)
        pods.append(VirtualPod(cfg, acc, gyr, acc_g, gyr_dps))
    path = tmp_path / "virtual.podses"
    w = SessionWriter.create(path, {"pods": [{"name": "left", "placement": "left", "framing": "cobs"},
                                             {"name": "right", "placement": "right", "framing": "cobs"}]})
    _drive(w, pods, (0.0021, 0.0137), DURATION + 0.1, rng)    # the pods start a few ms apart
    for pod in pods:
        losses[pod.cfg.foot] = _lost(pod)
    assert LOSS == 0 or sum(losses.values()) > 0
    _compare(path, sim, losses)


@contextlib.contextmanager
def emulated_pods(drill: str, seed: int, duration_s: float, losses: dict):
    """`gait pod emulate` per foot in ``losses`` ({foot: frame loss}); yields their pty paths."""
    emus = []
    try:
        for foot, loss in losses.items():
            emus.append(subprocess.Popen([sys.executable, "-m", "sprintgait", "pod", "emulate", "--foot", foot,
                                          "--drill", drill, "--seed", str(seed), "--duration", str(duration_s),
                                          "--loss", str(loss)],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT))
        paths = [p.stdout.readline().strip() for p in emus]
        assert all(x.startswith("/dev/") for x in paths), paths
        yield paths
    finally:
        for p in emus:
            p.terminate()
            p.wait(timeout=10)


def _sent(foot: str, loss: float) -> VirtualPod:
    """The virtual pod `gait pod emulate` runs for ``foot``, having sent its whole drill (its
    seeded generator loses the same frames as the process's)."""
    cfg = VirtualPodConfig(foot, DRILL, SEED, RATE, DURATION, loss=loss)
    pod = VirtualPod(cfg, *pod_signals(cfg)[:4])
    pod.receive(serial_bytes(CommandFrame(1, Command.START)), 0.0)
    pod.due(DURATION + 1.0)
    return pod


def _data_frames_in(path: Path) -> dict:
    """{pod name: data frames} in a session file that is being written (a torn last record
    is left out)."""
    from firmware_bridge.assemble import decode_pods
    if not path.exists():
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return {s.name: len(s.frames) for s in decode_pods(read_session(path))}
        except InputFormatError:   # the header itself not written yet
            return {}


def gait_until_every_frame(args: list[str], out: Path, want: dict) -> subprocess.CompletedProcess:
    """`gait ARGS` (Ctrl-C working) until the session file ``out`` holds ``want`` ({pod name:
    data frames}), then Ctrl-C; HANG_S only catches a hang."""
    proc = subprocess.Popen([sys.executable, "-c", GAIT_WITH_CTRL_C, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        give_up = time.monotonic() + HANG_S
        while (got := _data_frames_in(out)) != want:
            assert time.monotonic() < give_up and proc.poll() is None, (got, want, proc.poll())
            time.sleep(0.2)    # polls the file; nothing depends on how long it took
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=HANG_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def test_virtual_pods_on_ptys_recorded_by_gait_record(tmp_path):
    """End to end with real time: two `gait pod emulate` processes on pseudo-terminals,
    `gait record` until every frame of the drill is in the session file, then Ctrl-C (it
    keeps the session: exit code 130), `gait analyze` on the session file."""
    out = tmp_path / "live.podses"
    pods = {"left": _sent("left", 0.0), "right": _sent("right", 0.01)}
    want = {foot: pod.frames_sent for foot, pod in pods.items()}
    with emulated_pods(DRILL, SEED, DURATION, {"left": 0.0, "right": 0.01}) as paths:
        rec = gait_until_every_frame(["record", "--pod", f"left={paths[0]}", "--pod", f"right={paths[1]}",
                                      "--duration", "3600", "--out", str(out), "--athlete", "A. Runner",
                                      "--plan", "3x30 m fly", "--drill", DRILL], out, want)
    assert rec.returncode == 130 and rec.stderr.strip().splitlines()[-1] == "gait: interrupted", rec.stderr
    session = read_session(out)
    assert session.torn_bytes == 0
    assert {k: session.meta[k] for k in ("athlete", "plan", "drill")} == {"athlete": "A. Runner",
                                                                          "plan": "3x30 m fly", "drill": DRILL}
    assert session.meta["software"].startswith("sprintgait ")
    sim = pod_signals(pods["right"].cfg)[4]
    _compare(out, sim, {foot: _lost(pod) for foot, pod in pods.items()},
             crystal_drift={foot: pod.drift for foot, pod in pods.items()})


def test_record_refuses_an_existing_file_and_bad_pod_specs(tmp_path):
    f = tmp_path / "x.podses"
    f.write_text("keep me")
    for args, msg in ((["--pod", "left=/dev/null", "--out", str(f)], "exists"),
                      (["--pod", "left", "--out", str(tmp_path / "y.podses")], "NAME=URL")):
        r = subprocess.run([sys.executable, "-m", "sprintgait", "record", "--duration", "1", *args],
                           capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 2 and msg in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f.read_text() == "keep me"


def test_an_unreachable_pod_is_given_up_and_said_so(tmp_path):
    """Two pods whose device paths do not exist: each is given up after its attempts, the
    second without "recording the other pods" (there are none), and no session is left."""
    out = tmp_path / "none.podses"
    # giving up ends the recording (its attempts take ~2 s); the hour would only pass on a hang
    r = subprocess.run([sys.executable, "-m", "sprintgait", "record", "--duration", "3600", "--out", str(out),
                        "--pod", f"left=serial://{tmp_path}/no-such-tty-1",
                        "--pod", f"right=serial://{tmp_path}/no-such-tty-2"],
                       capture_output=True, text=True, cwd=ROOT, timeout=HANG_S)
    given_up = [x for x in r.stderr.splitlines() if "not reached after" in x]
    assert r.returncode == 2 and len(given_up) == 2, r.stderr
    assert given_up[0].endswith("recording the other pods") and given_up[1].endswith("attempts"), given_up
    assert "no pod sent anything" in r.stderr and not out.exists()


def test_session_clock_maps_each_pod_onto_host_time(tmp_path):
    """Pods with +-50 ppm crystals and a 2-6 s uptime, frames arriving 0.5-3 ms after the
    4 ms polling grid catches them: every sample's session time is its true host time
    plus a constant (the smallest arrival delay) to within 0.2 ms over 10 s."""
    from firmware_bridge.assemble import decode_pods, pod_samples
    from gaitcore.signals import Placement
    rng = np.random.default_rng(11)
    path = tmp_path / "clock.podses"
    w = SessionWriter.create(path, {"pods": [{"name": f, "placement": f, "framing": "cobs"} for f in ("left", "right")]})
    pods, starts = [], (0.37, 1.21)
    for k, foot in enumerate(("left", "right")):
        cfg = VirtualPodConfig(foot, DRILL, SEED, RATE, DURATION)
        pods.append(VirtualPod(cfg, *pod_signals(cfg)[:4]))
    _drive(w, pods, starts, DURATION + 1.5, rng)
    for stream, pod, start in zip(decode_pods(read_session(path)), pods, starts):
        ps = pod_samples(stream, Placement.parse(stream.name), "x")
        true = start + np.arange(ps.sensor.n_samples) / RATE
        err = ps.sensor.t_s - true
        assert np.ptp(err) < 0.0002, (stream.name, np.ptp(err))
        assert 0.0 <= err.mean() < 0.005, (stream.name, err.mean())
        # over 10 s the drift is only resolved to ~(arrival-time floor) / duration: 20 ppm = 0.2 ms
        assert abs(ps.clock.drift_ppm - (1.0 / (1.0 + pod.drift) - 1.0) * 1e6) < 20.0, (ps.clock, pod.drift)


def test_a_killed_recorder_leaves_a_readable_session(tmp_path):
    """SIGKILL a real `gait record` mid-session (once 30 kB are in its file; it would record
    for an hour): the file opens, a torn last record is dropped (and said so), and what had
    arrived up to the kill is all there."""
    emu = subprocess.Popen([sys.executable, "-m", "sprintgait", "pod", "emulate", "--foot", "left", "--drill",
                            DRILL, "--seed", str(SEED), "--duration", "30"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    try:
        path = emu.stdout.readline().strip()
        out = tmp_path / "killed.podses"
        rec = subprocess.Popen([sys.executable, "-m", "sprintgait", "record", "--pod", f"left={path}", "--duration",
                                "3600", "--out", str(out)], stderr=subprocess.DEVNULL, cwd=ROOT)
        try:
            give_up = time.monotonic() + HANG_S
            while not out.exists() or out.stat().st_size < 30_000:
                assert time.monotonic() < give_up and rec.poll() is None, rec.poll()
                time.sleep(0.05)   # polls for the file to grow; the assertions do not depend on the timing
        finally:
            rec.send_signal(signal.SIGKILL)
            rec.wait()
    finally:
        emu.terminate()
        emu.wait(timeout=10)
    session = read_session(out)
    received = sum(len(r.payload) for r in session.records if r.kind == 1)
    assert received >= 20_000, received   # record headers and CRCs are the rest of the file
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recording = read_recording([out])
    n = recording.sensors[0].n_samples
    assert n >= 0.95 * received / 14.5, (n, received)   # ~13 samples per 180-byte COBS frame
    # a torn tail, made by cutting the file mid-record, is dropped with a warning
    raw = out.read_bytes()
    cut = tmp_path / "torn.podses"
    cut.write_bytes(raw[:-7])
    torn = read_session(cut)
    assert 0 < torn.torn_bytes and len(torn.records) == len(session.records) - 1
    with pytest.warns(UserWarning, match="torn record"):
        read_recording([cut])
    r = subprocess.run([sys.executable, "-m", "sprintgait", "analyze", str(cut)], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 0 and r.stderr.startswith("gait: warning: ") and "torn record" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    # gait replay reads the session once and tells the same
    r = subprocess.run([sys.executable, "-m", "sprintgait", "replay", str(cut), "--speed", "max", "--json"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and r.stderr.startswith("gait: warning: ") and "torn record" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
