"""The reader registry: formats read outside gaitcore are found by their first bytes,
registered at run time or through the installed packages' ``gaitcore.readers`` entry
points, which are loaded only when a file is not one of gaitcore's own formats; a reader
that cannot be loaded is named in the one-line error for a file nobody recognises."""
from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from gaitcore.errors import InputFormatError
from gaitcore.readers import read_recording, registry
from gaitcore.readers.registry import ENTRY_POINT_GROUP, FormatRegistry, RecordingFormat
from gaitcore.signals import CLOCK_SOURCE_META, Placement, Recording, SensorRecording, SessionInfo, TimeOrigin
from sprintgait.cli import main

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "sprint_session.podses"
TOY_MAGIC = b"TOYLOG 1\n"


def _toy_read(path: Path) -> Recording:
    """A toy logger's file: its magic line, then the sample count; the samples are a still foot."""
    n = int(Path(path).read_bytes()[len(TOY_MAGIC):])
    t = np.arange(n) / 100.0
    acc = np.tile([0.0, 0.0, 9.81], (n, 1))
    sensor = SensorRecording("toy", Placement.parse("left"), 100.0, t, acc, np.zeros((n, 3)))
    return Recording((sensor,), str(path), time_origin=TimeOrigin.FIRST_SAMPLE,
                     session=SessionInfo(athlete="toy athlete"))


TOY = RecordingFormat("toy log", lambda head: head.startswith(TOY_MAGIC), _toy_read)


def _toy_file(folder: Path, n: int = 50) -> Path:
    path = folder / "run.toy"
    path.write_bytes(TOY_MAGIC + str(n).encode())
    return path


class _Discovery:
    """Entry points to discover (``found``), and how often they were asked for (``calls``)."""

    def __init__(self):
        self.found: list = []
        self.calls = 0
        self.registry = FormatRegistry(self)

    def __call__(self) -> list:
        self.calls += 1
        return list(self.found)


@pytest.fixture
def fresh_registry(monkeypatch) -> _Discovery:
    """An empty registry in place of the installed one."""
    fresh = _Discovery()
    monkeypatch.setattr(registry, "REGISTRY", fresh.registry)
    return fresh


def test_the_pod_session_reader_is_an_installed_entry_point():
    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert eps.get("pod_session") == "firmware_bridge.session_reader:POD_SESSION"


def test_a_pod_session_reads_in_a_fresh_interpreter_without_importing_the_pod_package():
    code = ("import sys\n"
            "from gaitcore.readers import read_recording\n"
            "assert 'firmware_bridge' not in sys.modules\n"
            f"rec = read_recording([{str(BUNDLED)!r}])\n"
            "print(' '.join(s.name for s in rec.sensors), rec.time_origin.name, rec.session.athlete)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split()[:3] == ["left", "right", "SESSION_START"]


def test_the_registered_reader_gives_what_the_pod_package_reads(fresh_registry):
    from firmware_bridge.session_file import read_session
    from firmware_bridge.session_reader import POD_SESSION, session_recording
    fresh_registry.registry.register(POD_SESSION)
    rec = read_recording([BUNDLED])
    own = session_recording(read_session(BUNDLED), BUNDLED)
    assert [s.name for s in rec.sensors] == [s.name for s in own.sensors]
    for a, b in zip(rec.sensors, own.sensors):
        assert np.array_equal(a.t_s, b.t_s) and np.array_equal(a.acc_mps2_sf, b.acc_mps2_sf)
        assert a.meta == b.meta and a.meta[CLOCK_SOURCE_META] == str(BUNDLED)
    assert rec.time_origin is TimeOrigin.SESSION_START and rec.session == own.session
    assert fresh_registry.calls == 0     # found among the formats registered: nothing else loaded


def test_a_registered_format_is_read_marked_and_placed_like_any_file(fresh_registry, tmp_path):
    fresh_registry.registry.register(TOY)
    path = _toy_file(tmp_path)
    rec = read_recording([path], placements=["right"])
    (s,) = rec.sensors
    assert s.n_samples == 50 and str(s.placement) == "right_foot"
    assert s.meta[CLOCK_SOURCE_META] == str(path)
    assert rec.session.athlete == "toy athlete"
    with pytest.warns(UserWarning, match="--fs 50 was not used"):
        read_recording([path], fs_hz=50.0)


def test_a_registered_format_is_recognised_in_a_folder(fresh_registry, tmp_path):
    fresh_registry.registry.register(TOY)
    _toy_file(tmp_path)
    (tmp_path / "NOTES").write_text("written by hand\n")
    with pytest.warns(UserWarning, match="not recordings, skipped: .*NOTES"):
        rec = read_recording([tmp_path])
    assert [s.name for s in rec.sensors] == ["toy"]


def test_entry_points_are_loaded_once_and_only_for_a_head_gaitcore_does_not_know(fresh_registry, tmp_path,
                                                                                  real_data):
    fresh_registry.found = [importlib.metadata.EntryPoint("toy", f"{__name__}:TOY", ENTRY_POINT_GROUP)]
    read_recording([real_data / "gaitmap_example" / "imu_sample.csv"], fs_hz=204.8)
    assert fresh_registry.calls == 0
    path = _toy_file(tmp_path)
    assert read_recording([path]).sensors[0].name == "toy"
    assert read_recording([path]).sensors[0].name == "toy"
    assert fresh_registry.calls == 1


def test_a_reader_that_cannot_be_loaded_is_named_in_one_line(fresh_registry, tmp_path, capsys):
    fresh_registry.found = [importlib.metadata.EntryPoint("pod_session", "no_such_package.session_reader:POD_SESSION",
                                                          ENTRY_POINT_GROUP)]
    path = tmp_path / "x.podses"
    path.write_bytes(BUNDLED.read_bytes()[:4096])
    with pytest.raises(InputFormatError) as err:
        read_recording([path])
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: binary file of unknown kind; the pod_session reader "
                           "(no_such_package.session_reader:POD_SESSION) cannot be loaded "
                           "(No module named 'no_such_package'); reinstall the package that provides it; expected ")
    assert main(["analyze", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gait: error: ") and "cannot be loaded" in lines[0]


def test_an_entry_point_that_is_not_a_format_is_named(fresh_registry, tmp_path):
    fresh_registry.found = [importlib.metadata.EntryPoint("odd", "gaitcore.signals:GRAVITY_MPS2", ENTRY_POINT_GROUP)]
    path = tmp_path / "x.txt"
    path.write_text("some notes\n")
    with pytest.raises(InputFormatError, match=r"unrecognised content \(first line 'some notes'\); the odd reader "
                       r"\(gaitcore.signals:GRAVITY_MPS2\) is a float, not a gaitcore.readers.RecordingFormat"):
        read_recording([path])


def test_a_broken_reader_does_not_stop_gaitcores_own_formats(fresh_registry, real_data):
    fresh_registry.found = [importlib.metadata.EntryPoint("broken", "no_such_package:FORMAT", ENTRY_POINT_GROUP)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = read_recording([real_data / "xio_gait_tracking" / "short_walk.csv"])
    assert rec.sensors


def test_only_formats_are_registered():
    with pytest.raises(TypeError, match="RecordingFormat"):
        FormatRegistry(list).register(_toy_read)
