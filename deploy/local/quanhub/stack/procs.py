"""Processes started by the stack: pid files, liveness, free ports, graceful stop."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from pathlib import Path

from quanhub.stack.errors import PortInUse


def spawn_detached(argv: list[str], *, log_file: Path, env: dict[str, str]) -> int:
    """Start a server in its own session, output appended to log_file; return its pid.

    posix_spawn, not subprocess.Popen: the server outlives this process on purpose
    (`stack up` returns while it runs), and a Popen object would warn at exit that its
    child is still running.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.touch()
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log_file), os.O_WRONLY | os.O_APPEND, 0),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    # setsid: a Ctrl-C in the terminal must not reach the server.
    return os.posix_spawn(argv[0], argv, env, file_actions=actions, setsid=True)


def exit_status(pid: int) -> int | None:
    """The exit status of a child of ours that has ended (reaping it), else None."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: it can only be observed
        return None if is_alive(pid) else -1
    return None if done == 0 else os.waitstatus_to_exitcode(status)


def read_pid(pid_file: Path) -> int | None:
    """The pid recorded in a pid file, or None when the file is absent or garbled."""
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def write_pid(pid_file: Path, pid: int) -> None:
    """Record a pid (atomically, so a reader never sees half a number)."""
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = pid_file.with_suffix(".tmp")
    tmp.write_text(f"{pid}\n")
    tmp.replace(pid_file)


def is_alive(pid: int) -> bool:
    """Whether a process with this pid exists (zombies count as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def cmdline(pid: int) -> str:
    """The command line of a process, as one space-separated string ('' when unknown)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def owned_pid(pid_file: Path, marker: str) -> int | None:
    """The live pid from our pid file, only if its command line still contains `marker`.

    The marker (a path unique to this state directory) guards against a reused pid: we
    never signal a process we did not start.
    """
    pid = read_pid(pid_file)
    if pid is None or not is_alive(pid) or marker not in cmdline(pid):
        return None
    return pid


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on host:port (we can bind it ourselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def require_free_port(what: str, port: int, variable: str) -> None:
    """Raise PortInUse (naming the variable that changes the port) when the port is taken."""
    if not port_is_free(port):
        raise PortInUse(what, port, variable)


def free_port() -> int:
    """A port the kernel considers free right now (for tests and throwaway services)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def terminate(pid: int, *, timeout_s: float, sig: signal.Signals = signal.SIGTERM) -> bool:
    """Send `sig`, wait up to timeout_s, then SIGKILL; True when it stopped gracefully."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if exit_status(pid) is not None or not is_alive(pid):
            return True
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while exit_status(pid) is None and is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return False


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file ('' when it does not exist)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])
