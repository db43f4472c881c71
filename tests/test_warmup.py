"""The first analysis on a machine compiles the kernels: ``gait warmup`` does it ahead
of time and leaves nothing to compile, and an analysis about to compile says so first.

Each test uses its own empty numba cache (``NUMBA_CACHE_DIR``), so it starts cold
whatever ran before it."""
import os
import pty
import select
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "sprint_session.podses"

# Runs gait commands in one process and prints the kernels of ours numba compiled meanwhile.
COUNT_COMPILES = """
import contextlib, io, sys
from numba.core import event
compiled = []
class Listener(event.Listener):
    def on_start(self, ev): pass
    def on_end(self, ev): compiled.append(ev.data["dispatcher"].py_func.__qualname__)
event.register("numba:compile", Listener())
from sprintgait.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    for argv in sys.argv[1:]:
        assert main(argv.split("|")) == 0, argv
print(" ".join(compiled))
"""


def _env(cache: Path) -> dict:
    return {**os.environ, "NUMBA_CACHE_DIR": str(cache)}


def _session(path: Path) -> Path:
    """Two virtual pods sprinting 8 s with 1% of frames lost (seed 4, fake clock)."""
    import numpy as np
    from firmware_bridge.session_file import SessionWriter
    from firmware_bridge.virtual_pod import VirtualPod, VirtualPodConfig, pod_signals
    from test_virtual_pod import _drive
    pods = [VirtualPod(cfg, *pod_signals(cfg)[:4])
            for cfg in (VirtualPodConfig(foot, "sprint", 4, 1000.0, 8.0, loss=0.01) for foot in ("left", "right"))]
    w = SessionWriter.create(path, {"pods": [{"name": f, "placement": f, "framing": "cobs"} for f in ("left", "right")]})
    _drive(w, pods, (0.0013, 0.0071), 8.1, np.random.default_rng(4))
    return path


def test_after_warmup_no_analysis_compiles_anything(tmp_path, real_data):
    """Warm up in an empty cache; then the bundled recording, every real data set's
    format, a pod session and its replay through the live pipeline compile nothing."""
    cache = tmp_path / "numba"
    r = subprocess.run([sys.executable, "-m", "sprintgait", "warmup"], capture_output=True, text=True, cwd=ROOT,
                       env=_env(cache))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("compiling the analysis kernels for this machine, once"), r.stdout
    assert "done in" in r.stdout, r.stdout
    session = _session(tmp_path / "s.podses")
    runs = [f"analyze|{BUNDLED}", f"analyze|{real_data / 'gaitmap_example' / 'imu_sample.csv'}|--fs|204.8",
            f"analyze|{real_data / 'tripod_excerpt' / 'Sub_FZ' / 'PWS' / 'IMU'}",
            f"analyze|{real_data / 'pyshoe_vicon' / '2017-11-27-11-18-11.mat'}",
            f"analyze|{real_data / 'xio_gait_tracking' / 'short_walk.csv'}|--no-trajectory",
            f"analyze|{session}|--chunk-size|500", f"replay|{session}"]
    r = subprocess.run([sys.executable, "-c", COUNT_COMPILES, *runs], capture_output=True, text=True, cwd=ROOT,
                       env=_env(cache))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"compiled after gait warmup: {r.stdout}"
    again = subprocess.run([sys.executable, "-m", "sprintgait", "warmup"], capture_output=True, text=True,
                           cwd=ROOT, env=_env(cache))
    assert again.returncode == 0 and again.stdout.startswith("the analysis kernels were already compiled"), again


def test_a_cold_analysis_says_it_is_compiling_before_it_waits(tmp_path):
    """On a terminal, with nothing compiled yet, the progress lines say what the wait is
    before the compilation starts (the process is stopped as soon as the line shows)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "sprintgait", "analyze", str(BUNDLED), "--no-trajectory"],
                            stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT, env=_env(tmp_path / "numba"))
    os.close(slave)
    seen = b""
    try:
        while b"gait warmup" not in seen and proc.poll() is None:
            ready, _, _ = select.select([master], [], [], 600)    # a hang guard: no line in 10 min fails
            if not ready:
                break
            try:
                seen += os.read(master, 4096)
            except OSError:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        os.close(master)
    text = seen.decode(errors="replace")
    lines = [line for line in text.splitlines() if "compiling the analysis kernels" in line]
    assert len(lines) == 1 and "'gait warmup' does it ahead of time" in lines[0], text
    assert text.index("analysing 2 sensor(s)") < text.index("compiling"), text
