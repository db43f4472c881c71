"""What a batch's worker process runs in the crash test (tests/test_batch.py): a session
named "crash" kills its process, as a crash in native code or the out-of-memory killer
would; the others are analysed as usual.  Module-level, so spawned workers import it."""
from __future__ import annotations

import os

from sprintgait.batch import Done, Task, run_task


def run_or_crash(task: Task) -> Done:
    if "crash" in task.name:
        os._exit(70)
    return run_task(task)
