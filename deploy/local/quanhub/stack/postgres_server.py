"""The local PostgreSQL 15: a private cluster (initdb), start, health, database and role.

initdb and postgres refuse to run as root, so when we are root (CI is) the server runs as
the `postgres` system user that Debian's package creates, and its data directory belongs
to that user. The server is started directly (not through pg_ctl) so the pid we record is
the postmaster's and its log goes to a file we opened.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path
from string import Template
from typing import Any

from quanhub.stack import procs
from quanhub.stack.errors import StackError, StartFailed, ToolMissing
from quanhub.stack.settings import PORT_VARIABLES, StackSettings
from quanhub.stack.status import ServerStatus, State, deploy_dir

NAME = "postgres"
SUPERUSER = "postgres"
_SERVICE_USER = "postgres"
#: Where the cluster goes when the `postgres` user cannot reach the state directory.
FALLBACK_ROOT = Path("/var/tmp")  # noqa: S108 (a fixed, per-checkout folder, not a temp file)


class LocalPostgres:
    """A private PostgreSQL cluster under the stack's state directory."""

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.paths = settings.paths
        self.pid_file = self.paths.pid_file(NAME)
        self.log_file = self.paths.log_file(NAME)
        self.as_root = os.geteuid() == 0

    # -- locations --------------------------------------------------------------------

    @property
    def fallback_dir(self) -> Path:
        """The documented fallback: /var/tmp/quanhub-postgres-<hash of the state dir>."""
        digest = hashlib.sha256(str(self.paths.root).encode()).hexdigest()[:10]
        return FALLBACK_ROOT / f"quanhub-postgres-{digest}"

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory (in the state directory unless it fell back)."""
        if (self.fallback_dir / "data" / "PG_VERSION").is_file():
            return self.fallback_dir / "data"
        return self.paths.postgres / "data"

    def _bin(self, program: str) -> str:
        return str(self.settings.pg_bin_dir / program)

    # -- inspection -------------------------------------------------------------------

    def pid(self) -> int | None:
        """The postmaster pid, only if it is the one serving our data directory."""
        return procs.owned_pid(self.pid_file, str(self.data_dir))

    def status(self) -> ServerStatus:
        """Running (accepts a connection), unhealthy (alive, refuses) or stopped."""
        pid = self.pid()
        state = State.STOPPED
        if pid is not None:
            state = State.RUNNING if self._answers() else State.UNHEALTHY
        address = f"127.0.0.1:{self.settings.pg_port} (database {self.settings.pg_database})"
        return ServerStatus(NAME, state, address, pid, self.data_dir, self.log_file)

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> int:
        """Create the cluster on first start, start it, wait until it answers, provision."""
        self._ensure_installed()
        procs.require_free_port(NAME, self.settings.pg_port, PORT_VARIABLES[NAME])
        data = self._ensure_cluster()
        self._render_config(data)
        self.paths.logs.mkdir(parents=True, exist_ok=True)
        command = [self._bin("postgres"), "-D", str(data)]
        env = dict(os.environ)
        if self.as_root:
            # setpriv drops to the postgres user and execs (no fork), so the pid we record
            # is the postmaster's.
            run_as = self._run_as()
            env = run_as["env"]
            command = [
                "/usr/bin/setpriv",
                f"--reuid={run_as['user']}",
                f"--regid={run_as['group']}",
                "--clear-groups",
                *command,
            ]
        pid = procs.spawn_detached(command, log_file=self.log_file, env=env)
        procs.write_pid(self.pid_file, pid)
        self._wait_healthy(pid)
        asyncio.run(self._provision())
        return pid

    def stop(self) -> bool:
        """Fast shutdown (SIGINT) of the postmaster we started; False when none ran."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        procs.terminate(pid, timeout_s=60, sig=signal.SIGINT)
        self.pid_file.unlink(missing_ok=True)
        return True

    def purge(self) -> None:
        """Delete the cluster (it must be stopped)."""
        shutil.rmtree(self.paths.postgres, ignore_errors=True)
        shutil.rmtree(self.fallback_dir, ignore_errors=True)

    # -- helpers ----------------------------------------------------------------------

    def _ensure_installed(self) -> None:
        if Path(self._bin("postgres")).is_file():
            return
        if not self.as_root:
            msg = (
                f"PostgreSQL 15 is not installed ({self.settings.pg_bin_dir} is missing): "
                "sudo apt-get install postgresql-15, or set QUANHUB_STACK_PG_BIN_DIR"
            )
            raise ToolMissing(msg)
        install_postgres_package()

    def _run_as(self) -> dict[str, Any]:
        """Popen arguments that drop root to the `postgres` user (nothing when not root)."""
        if not self.as_root:
            return {}
        try:
            user = pwd.getpwnam(_SERVICE_USER)
        except KeyError:
            msg = "running as root needs the `postgres` system user (apt-get install postgresql-15)"
            raise ToolMissing(msg) from None
        env = {"PATH": "/usr/bin:/bin", "HOME": user.pw_dir, "LANG": "C.UTF-8"}
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [], "env": env}

    def _ensure_cluster(self) -> Path:
        data = self.data_dir
        if (data / "PG_VERSION").is_file():
            return data
        if self.as_root and not self._service_user_can_reach(self.paths.postgres):
            data = self.fallback_dir / "data"
        data.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            user = pwd.getpwnam(_SERVICE_USER)
            os.chown(data.parent, user.pw_uid, user.pw_gid)
            os.chown(data, user.pw_uid, user.pw_gid)
        data.chmod(0o700)
        result = subprocess.run(  # noqa: S603
            [
                self._bin("initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--no-locale",
                "--auth=trust",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=data.parent,
            **self._run_as(),
        )
        if result.returncode != 0:
            msg = f"initdb failed:\n{result.stdout}{result.stderr}"
            raise StackError(msg)
        return data

    def _service_user_can_reach(self, folder: Path) -> bool:
        """Whether the `postgres` user can traverse every parent of `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(  # noqa: S603
            ["/usr/bin/test", "-x", str(folder)], check=False, **self._run_as()
        )
        return result.returncode == 0

    def _render_config(self, data: Path) -> None:
        s = self.settings
        local = deploy_dir() / "postgres"
        template = Template((local / "postgresql.conf.template").read_text())
        (data / "quanhub.conf").write_text(
            template.substitute(port=s.pg_port, shared_buffers=s.pg_shared_buffers)
        )
        shutil.copyfile(local / "pg_hba.conf", data / "pg_hba.conf")
        main_conf = data / "postgresql.conf"
        include = "include = 'quanhub.conf'"
        if include not in main_conf.read_text():
            with main_conf.open("a") as fh:
                fh.write(f"\n# Added by quanhub stack up\n{include}\n")
        if self.as_root:
            user = pwd.getpwnam(_SERVICE_USER)
            for name in ("quanhub.conf", "pg_hba.conf"):
                os.chown(data / name, user.pw_uid, user.pw_gid)

    def _answers(self) -> bool:
        return database_answers(self._superuser_url())

    def _superuser_url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.settings.pg_port}/postgres"

    def _wait_healthy(self, pid: int) -> None:
        deadline = time.monotonic() + self.settings.pg_start_timeout_s
        while time.monotonic() < deadline:
            status = procs.exit_status(pid)
            if status is not None:
                self.pid_file.unlink(missing_ok=True)
                reason = f"postgres exited with status {status}"
                raise StartFailed("PostgreSQL", reason, self.log_file, procs.tail(self.log_file))
            if self._answers():
                return
            time.sleep(0.3)
        # Leave nothing half-started behind: the next `up` starts cleanly.
        procs.terminate(pid, timeout_s=10)
        self.pid_file.unlink(missing_ok=True)
        reason = f"no connection accepted within {self.settings.pg_start_timeout_s:.0f}s"
        raise StartFailed("PostgreSQL", reason, self.log_file, procs.tail(self.log_file))

    async def _provision(self) -> None:
        """The application role (a superuser: tests create databases) and its database."""
        import asyncpg

        s = self.settings
        conn = await asyncpg.connect(self._superuser_url(), timeout=10)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", s.pg_user):
                await conn.execute(f'CREATE ROLE "{s.pg_user}" LOGIN SUPERUSER')
            if not await conn.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", s.pg_database
            ):
                await conn.execute(f'CREATE DATABASE "{s.pg_database}" OWNER "{s.pg_user}"')
        finally:
            await conn.close()


def install_postgres_package() -> None:
    """apt-get install postgresql-15 without Debian's default cluster (it would take 5432)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = ["apt-get", "-y", "-q", "--no-install-recommends"]

    def run(*args: str) -> None:
        result = subprocess.run(list(args), capture_output=True, text=True, check=False, env=env)  # noqa: S603
        if result.returncode != 0:
            msg = f"{' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            raise ToolMissing(msg)

    run("apt-get", "update", "-q")
    run(*apt, "install", "postgresql-common")
    conf = Path("/etc/postgresql-common/createcluster.conf")
    text = conf.read_text() if conf.is_file() else ""
    if "create_main_cluster = false" not in text:
        conf.write_text(
            text.replace("#create_main_cluster = true", "") + "\ncreate_main_cluster = false\n"
        )
    run(*apt, "install", "postgresql-15")


def database_answers(url: str, timeout_s: float = 3.0) -> bool:
    """Whether PostgreSQL at `url` accepts a connection."""
    return asyncio.run(_connect_ok(url, timeout_s))


async def _connect_ok(url: str, timeout_s: float) -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(url, timeout=timeout_s)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True
