"""Start and stop the local services the worker talks to: Redis, the Rasa server, the action
server and the Ozon emulator.

Used by `make up` / `make down` (through `ozonbot services`), `ozonbot simulate`, `ozonbot demo`
and the test run. The rule is "start what is missing, stop only what we started": a service
that already answers is used as it is. Processes started here run in their own session, log to
`.run/logs/<name>.log` and leave a pid file in `.run/`, so `make down` can stop them later.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from bot.errors import ServiceError

if TYPE_CHECKING:
    from bot.config import Settings

Progress = Callable[[str], None]


def project_root() -> Path:
    """The checkout: where `domain.yml` lives (the package is installed in editable mode)."""
    for candidate in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (candidate / "domain.yml").exists():
            return candidate
    raise ServiceError("cannot find the project root (a directory with domain.yml)")


def answers(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - local URLs
            return bool(resp.status < 500)
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, OSError, ValueError):
        return False


def redis_answers(url: str) -> bool:
    """PING over a plain socket: no client library needed to know whether Redis is up."""
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), 2
        ) as conn:
            if parsed.password:
                conn.sendall(f"AUTH {parsed.password}\r\n".encode())
                conn.recv(64)
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class Spec:
    name: str
    cmd: list[str]
    health: str
    env: dict[str, str]
    expected_s: int
    """Roughly how long it takes to answer (shown while waiting)."""


@dataclass
class LocalServices:
    """Local Redis, Rasa, action server and emulator, described from the settings' URLs."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    rasa_url: str = "http://127.0.0.1:5005"
    actions_port: int = 5055
    sandbox_url: str = "http://127.0.0.1:8079"
    rasa_key_prefix: str = "ozonbotrasa"
    env_file: str | None = None
    root: Path = field(default_factory=project_root)
    progress: Progress = print
    started: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @classmethod
    def for_settings(
        cls,
        settings: Settings,
        env_file: str,
        *,
        root: Path | None = None,
        progress: Progress = print,
    ) -> LocalServices:
        """The services `settings` talk to; `env_file` is what the started ones are given.

        Rasa's key prefix is the worker's Redis prefix in letters and digits (Rasa 3.6 ignores
        any other prefix, endpoints.yml) plus `rasa`, so its conversations keep to their own keys.
        """
        return cls(
            redis_url=settings.redis.url,
            rasa_url=settings.rasa.url,
            actions_port=settings.worker.actions_port,
            sandbox_url=settings.shops[0].api_url,
            rasa_key_prefix="".join(c for c in settings.redis.prefix if c.isalnum()) + "rasa",
            env_file=env_file,
            root=root or project_root(),
            progress=progress,
        )

    @property
    def run_dir(self) -> Path:
        return self.root / ".run"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def model(self) -> Path:
        return self.root / "models" / "latest.tar.gz"

    # --- each service ------------------------------------------------------------------

    def ensure_redis(self) -> None:
        if redis_answers(self.redis_url):
            return
        parsed = urlparse(self.redis_url)
        self.progress(f"redis: not answering on {parsed.hostname}:{parsed.port}, starting it")
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError("Redis does not answer and redis-server is not installed")
        subprocess.run(  # noqa: S603 - fixed command
            [
                binary,
                "--daemonize",
                "yes",
                "--bind",
                parsed.hostname or "127.0.0.1",
                "--port",
                str(parsed.port or 6379),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
            capture_output=True,
        )
        self._wait_for("redis", lambda: redis_answers(self.redis_url), 10)

    def ensure_rasa(self) -> None:
        if answers(self.rasa_url + "/"):
            return
        if not self.model.exists():
            raise ServiceError(f"no trained model at {self.model}: run `make train` first")
        parsed = urlparse(self.redis_url)
        port = urlparse(self.rasa_url).port or 5005
        env = {
            "ACTION_ENDPOINT_URL": f"{self.actions_url}/webhook",
            "REDIS_HOST": parsed.hostname or "127.0.0.1",
            "REDIS_PORT": str(parsed.port or 6379),
            "REDIS_DB": (parsed.path or "/0").lstrip("/") or "0",
            "REDIS_PASSWORD": parsed.password or "",
            "RASA_KEY_PREFIX": self.rasa_key_prefix,
            "PYTHONPATH": str(self.root),
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        cmd = [
            str(self.root / ".venv-rasa" / "bin" / "rasa"),
            "run",
            "--enable-api",
            "--model",
            str(self.model),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        self._start(Spec("rasa", cmd, self.rasa_url + "/status", env, expected_s=45))

    def ensure_actions(self) -> None:
        if answers(self.actions_url + "/health"):
            return
        cmd = [sys.executable, "-m", "bot", "actions", "--port", str(self.actions_port)]
        self._start(Spec("actions", cmd, self.actions_url + "/health", self._bot_env(), 5))

    def ensure_sandbox(self, seed: Path | None = None) -> None:
        if answers(self.sandbox_url + "/sandbox/health"):
            return
        port = urlparse(self.sandbox_url).port or 8079
        cmd = [sys.executable, "-m", "bot", "sandbox", "--port", str(port)]
        if seed is not None:
            cmd += ["--seed", str(seed)]
        self._start(Spec("sandbox", cmd, self.sandbox_url + "/sandbox/health", self._bot_env(), 3))

    def _bot_env(self) -> dict[str, str]:
        return {"OZONBOT_ENV_FILE": self.env_file} if self.env_file else {}

    # --- process handling ------------------------------------------------------------------

    def _start(self, spec: Spec) -> None:
        logs = self.run_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{spec.name}.log"
        self.progress(f"{spec.name}: starting (usually ~{spec.expected_s} s), log {log_path}")
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(  # noqa: S603 - our own commands
                spec.cmd,
                cwd=self.root,
                env={**os.environ, **spec.env},
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (self.run_dir / f"{spec.name}.pid").write_text(str(process.pid))
        self.started[spec.name] = process

        def ready() -> bool:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise ServiceError(f"{spec.name} exited with {process.returncode}:\n{tail}")
            return answers(spec.health)

        self._wait_for(spec.name, ready, max(60, spec.expected_s * 4))

    def _wait_for(self, name: str, ready: Callable[[], bool], timeout_s: float) -> None:
        started = time.monotonic()
        shown = 0
        while not ready():
            waited = time.monotonic() - started
            if waited > timeout_s:
                raise ServiceError(f"{name} did not become ready in {timeout_s:.0f} s")
            if waited - shown >= 10:
                shown = int(waited)
                self.progress(f"{name}: still starting ({shown} s)")
            time.sleep(0.3)
        self.progress(f"{name}: ready in {time.monotonic() - started:.0f} s")

    def stop_started(self) -> None:
        """Stop what this object started, newest first."""
        for name, process in reversed(self.started.items()):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            (self.run_dir / f"{name}.pid").unlink(missing_ok=True)
            self.progress(f"{name}: stopped")
        self.started.clear()

    def stop_all(self) -> None:
        """`make down`: stop every service a pid file names (whoever started it)."""
        for order in ("sandbox", "actions", "rasa"):
            stop_pid_file(self.run_dir / f"{order}.pid", self.progress)


def stop_pid_file(path: Path, progress: Progress) -> None:
    if not path.exists():
        return
    try:
        pid = int(path.read_text().strip())
    except ValueError:
        path.unlink(missing_ok=True)
        return
    name = path.stem
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.2)
        progress(f"{name}: did not stop on SIGTERM, killing")
        os.killpg(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    progress(f"{name}: stopped")
