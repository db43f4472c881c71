"""Files that appear whole or not at all: written under a hidden temporary name in the
target's folder, then renamed into place; on any failure the temporary file is removed."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def write_atomic(path: str | Path, write: Callable[[BinaryIO], object], private: bool = False) -> None:
    """Call ``write`` with a binary file and put what it wrote at ``path`` in one rename,
    with the permissions of an ordinary new file (the umask's), or with ``private``
    readable and writable by its owner only (personal data: reports, results)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        if not private:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)     # mkstemp makes it private
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_private_dirs(path: str | Path) -> None:
    """Create the folder ``path`` and each missing folder above it readable by their owner
    only (mode 700, whatever the umask); folders that exist are left as they are."""
    path = Path(path)
    missing = []
    while not path.is_dir():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for p in reversed(missing):
        try:
            p.mkdir(mode=0o700)
        except FileExistsError:
            if not p.is_dir():
                raise
            continue          # (made meanwhile by another process)
        os.chmod(p, 0o700)
