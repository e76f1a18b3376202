"""Files that hold data are readable by chibo's own account only: 0600, in folders chibo makes 0700.

The database, its write-ahead log and shared memory, backups, exports written by the command line,
the lock and the webhook secret all hold what other accounts of the host must not read (party
membership is sensitive data, Law 91/2025/QH15). Modes are set explicitly, whatever the umask.
A folder chibo did not make (the working directory of chibo.db) is left as it is: the files in it
are private all the same.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create a folder (and its missing parents) as 0700; a folder that exists is left as it is."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir(mode=DIR_MODE)
            os.chmod(folder, DIR_MODE)  # mkdir's mode goes through the umask
    return path


def private_file(path: Path) -> Path:
    """Make sure a file exists and is readable and writable by its owner only (0600)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)  # made by an older chibo, or by another tool, with a wider mode
    finally:
        os.close(fd)
    return path


def tighten(path: Path) -> None:
    """Set a file that exists to 0600 (a write-ahead log left 0644 by an older chibo); no file, no-op."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_IMODE(path.stat().st_mode) != FILE_MODE:
            os.chmod(path, FILE_MODE)


def write_private(path: Path, data: bytes) -> None:
    """Write a whole file as 0600, through a temporary file, so it is either complete or absent."""
    private_dir(path.parent)
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
