from pathlib import Path

import pytest

from benchmarks.realdata import REAL_DATA

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    """The tests read the shipped drill catalog only: a coach's own file on this machine
    (gaitcore.drills) would change cue wording.  Subprocesses inherit the variables."""
    import os
    import tempfile
    os.environ["SPRINTGAIT_DRILLS"] = str(ROOT / "tests" / "no-such-drills.toml")
    # nor the user's history: a test that names no --db opens one of its own (a new folder per run)
    os.environ["SPRINTGAIT_DB"] = str(Path(tempfile.mkdtemp(prefix="gait-tests-")) / "history.sqlite")


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Other people's recordings with their references, carried in the repository
    (validation/data, each dataset with its licence and provenance)."""
    if not REAL_DATA.is_dir():
        pytest.fail(f"real validation data not found at {REAL_DATA}; it is part of the repository, "
                    "so the checkout is incomplete")
    return REAL_DATA


def pytest_addoption(parser):
    parser.addoption("--pod-url", action="append", default=[], metavar="NAME=URL",
                     help="run the real-device tests against these pods (e.g. left=ble://footpod-left or "
                     "left=serial:///dev/ttyACM0); without it they are deselected, not passed")


def pytest_collection_modifyitems(config, items):
    """Real-device tests run only with --pod-url; otherwise they are deselected (reported
    as deselected, never counted as passing)."""
    if config.getoption("--pod-url"):
        return
    keep = [i for i in items if "realdevice" not in i.keywords]
    gone = [i for i in items if "realdevice" in i.keywords]
    if gone:
        config.hook.pytest_deselected(items=gone)
        items[:] = keep


@pytest.fixture(scope="session")
def pod_urls(request) -> list[tuple[str, str]]:
    out = []
    for spec in request.config.getoption("--pod-url"):
        name, _, url = spec.partition("=")
        out.append((name, url))
    return out
