"""Layers point down: ``gaitcore`` (signals, file readers, analysis) imports nothing above
it, and nothing imports the application.

gaitcore <- calibration, firmware_bridge <- sprintgait (the ``gait`` command line).
Every ``.py`` file is parsed and every import in it is checked, wherever it stands
(module level, inside a function, under ``if``), relative imports resolved against the
file's package; ``importlib.import_module`` and ``__import__`` of a literal name count
as imports too.
"""
from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

import gaitcore
import gaitcore.errors
from firmware_bridge import errors as pod_errors

ROOT = Path(__file__).resolve().parents[1]
APP = "sprintgait"
ABOVE = {"gaitcore": {"firmware_bridge", "calibration", APP}, "calibration": {APP}, "firmware_bridge": {APP}}


def imported_modules(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, the code of module
    ``module`` (``is_package``: an ``__init__.py``).  A relative import that climbs above
    the top-level package is given as ``..`` + what it names, which no layer allows."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.append((node.lineno, node.module))
                continue
            up = node.level - 1
            if up >= len(package):
                found.append((node.lineno, ".." + (node.module or "")))
                continue
            base = package[:len(package) - up]
            names = [node.module] if node.module else [alias.name for alias in node.names]
            found += [(node.lineno, ".".join(base + [name])) for name in names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("import_module", "__import__"):
                found.append((node.lineno, node.args[0].value))
    return sorted(found, key=lambda hit: hit[0])


def upward_imports(layer: str, root: Path = ROOT) -> list[str]:
    """Every import in package ``layer`` (under ``root``) of a package above it, as
    ``file:line: name``."""
    bad = []
    for path in sorted((root / layer).rglob("*.py")):
        rel = path.relative_to(root)
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        for line, name in imported_modules(path.read_text(encoding="utf-8"), module, is_package):
            if name.startswith("..") or name.split(".")[0] in ABOVE[layer]:
                bad.append(f"{rel}:{line}: {name}")
    return bad


@pytest.mark.parametrize("layer", sorted(ABOVE))
def test_no_layer_imports_a_layer_above_it(layer):
    assert (ROOT / layer / "__init__.py").is_file()
    bad = upward_imports(layer)
    assert not bad, f"{layer} imports from above it ({', '.join(sorted(ABOVE[layer]))}):\n" + "\n".join(bad)


def test_every_form_of_import_is_seen():
    source = (
        "import numpy\n"
        "import firmware_bridge.protocol as wire\n"
        "from calibration import mounting\n"
        "def f():\n"
        "    from firmware_bridge.session_file import read_session\n"
        "    if True:\n"
        "        import sprintgait.cli\n"
        "from . import signals\n"
        "from .. import errors\n"
        "from ...firmware_bridge import assemble\n"
        "from ... import anything\n"
        "import importlib\n"
        "importlib.import_module('calibration.mounting')\n"
        "__import__('firmware_bridge')\n")
    found = [name for _, name in imported_modules(source, "gaitcore.readers.x")]
    assert found == ["numpy", "firmware_bridge.protocol", "calibration", "firmware_bridge.session_file",
                     "sprintgait.cli", "gaitcore.readers.signals", "gaitcore.errors", "..firmware_bridge",
                     "..", "importlib", "calibration.mounting", "firmware_bridge"]
    # in a package's __init__.py a single dot is the package itself
    assert [n for _, n in imported_modules("from .native import read\nfrom .. import errors\n",
                                           "gaitcore.readers", is_package=True)] == ["gaitcore.readers.native",
                                                                                      "gaitcore.errors"]


def test_a_nested_upward_import_in_a_gaitcore_file_is_reported(tmp_path):
    """The check reads the files on disk: a copy of gaitcore with one import hidden in a
    function fails it."""
    fake = tmp_path / "gaitcore"
    (fake / "readers").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "readers" / "__init__.py").write_text("def read(path):\n    from ...calibration import x\n")
    (fake / "ok.py").write_text("from .readers import read\n")
    assert upward_imports("gaitcore", tmp_path) == ["gaitcore/readers/__init__.py:2: ..calibration"]


def test_the_gait_command_is_the_application_package():
    scripts = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="console_scripts")}
    assert scripts.get("gait") == f"{APP}.cli:main"
    run = subprocess.run([sys.executable, "-m", APP, "--version"], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert (run.returncode, run.stdout, run.stderr) == (0, f"gait {gaitcore.__version__}\n", "")


def test_the_pod_errors_are_the_pod_package_s_and_still_gait_errors():
    for cls in (pod_errors.ProtocolError, pod_errors.TransportError, pod_errors.SessionWriteError):
        assert issubclass(cls, gaitcore.errors.GaitError)
        assert not hasattr(gaitcore.errors, cls.__name__)
