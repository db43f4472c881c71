"""The README's examples work: its Python examples run, and every ``gait`` command it
shows exists.

Each ```python block of README.md runs on its own in a fresh interpreter from the
repository's root, as a reader would paste it.  Every ``gait COMMAND`` in the README's
code (fenced blocks and inline code, where commands are written) is asked for its
``--help``, which exits 0 only for a command the parser knows.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


_FENCE = re.compile(r"^```([A-Za-z]*)\n(.*?)^```", re.S | re.M)
_INLINE = re.compile(r"`([^`\n]+)`")
_COMMAND = re.compile(r"(?<![\w.-])gait((?: +[a-z][a-z_-]*){1,2})")


def python_blocks(text: str) -> list[str]:
    return [body for lang, body in _FENCE.findall(text) if lang == "python"]


def code_texts(text: str) -> list[str]:
    """The README's code: fenced blocks other than Python, then inline code outside them."""
    fenced = [body for lang, body in _FENCE.findall(text) if lang != "python"]
    prose = _FENCE.sub("", text)
    return fenced + _INLINE.findall(prose)


def gait_commands(text: str) -> set[tuple[str, ...]]:
    """Each ``gait`` command shown: its first word, and the second when it is a plain
    lowercase word (a subcommand such as ``pod emulate``, or a positional argument such as
    a drill name, which ``--help`` accepts as well)."""
    found = set()
    for code in code_texts(text):
        for m in _COMMAND.finditer(code):
            words = m.group(1).split()
            rest = code[m.end():m.end() + 1]
            if len(words) == 2 and rest not in ("", " ", "\n", "\\"):   # e.g. "sprint.gaitrec": a file
                words = words[:1]
            found.add(tuple(words))
    return found


def help_exit_code(words: tuple[str, ...]) -> int:
    run = subprocess.run([sys.executable, "-m", "sprintgait", *words, "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    return run.returncode


def test_the_readme_has_python_examples_to_run():
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 2, "the README's Python API section shows reading a file and building a Recording"
    text = "\n".join(blocks)
    assert "gaitcore.read(" in text and "gaitcore.analyze(" in text and ".contact_s" in text
    assert "gaitcore.Recording.from_arrays(" in text


@pytest.mark.parametrize("index", range(len(python_blocks(README.read_text(encoding="utf-8")))))
def test_each_python_example_runs(index):
    code = python_blocks(README.read_text(encoding="utf-8"))[index]
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"README Python example {index + 1} failed:\n{run.stderr[-3000:]}"
    assert run.stdout.strip(), "the example prints what it found"


def test_every_gait_command_in_the_readme_exists():
    commands = gait_commands(README.read_text(encoding="utf-8"))
    assert {("analyze",), ("record",), ("live",), ("replay",), ("export",), ("warmup",)} <= {c[:1] for c in commands}
    unknown = [" ".join(c) for c in sorted(commands) if help_exit_code(c) != 0]
    assert not unknown, f"the README shows gait commands that do not exist: {unknown}"


def test_the_command_check_catches_a_command_that_does_not_exist():
    sample = "Run `gait analyse FILE` or\n```\ngait pod emulat --foot left\ngait simulate sprint --out x\n```\n"
    commands = gait_commands(sample)
    assert commands == {("analyse",), ("pod", "emulat"), ("simulate", "sprint")}
    assert help_exit_code(("analyse",)) != 0
    assert help_exit_code(("pod", "emulat")) != 0
    assert help_exit_code(("simulate", "sprint")) == 0
