"""Per-invocation wiring: options, paths, settings, the API key, the client and the demo server.

`Runtime` is the injection point for everything that touches the outside world (streams, env,
clock, keyring, prompt); tests pass their own. `Context` builds the client lazily, so commands
that never talk to GEN (logout, jobs, simulate) need no key, and it owns closing what it opened.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from genpro_desktop import __version__
from genpro_desktop.cli.exit_codes import CliError, ExitCode, usage_error
from genpro_desktop.cli.output import Output
from genpro_desktop.cli.settings import SETTINGS_FILE_NAME, SettingsStore
from genpro_desktop.core.api import (
    DEFAULT_BASE_URL,
    GenClient,
    GenError,
    PathPrefix,
    Secret,
    UnsafeURLError,
    validate_base_url,
)
from genpro_desktop.core.clock import Clock, SystemClock
from genpro_desktop.core.credentials import (
    CredentialError,
    CredentialStore,
    KeyringCredentialStore,
    resolve_api_key,
)
from genpro_desktop.core.downloads import Downloader
from genpro_desktop.core.paths import AppPaths, app_paths
from genpro_desktop.simulator import DEMO_API_KEY, RealClock, Simulator

BASE_URL_ENV = "GEN_API_BASE_URL"
AGENT_ENV = "GEN_AGENT_ID"
KEY_ENV = "GEN_API_KEY"
DEMO_AGENT_ID = "4711"
# Simulated seconds per real second in --demo: a render (8 simulated seconds) is done in ~2 s and
# a publish job (10 s) in ~2.5 s, so the first poll usually already sees the result.
DEMO_SPEED = 4.0


@dataclass(frozen=True)
class GlobalOptions:
    """The options every command accepts (`genpro --help`)."""

    base_url: str | None = None
    agent: str | None = None
    json: bool = False
    demo: bool = False
    prefix: PathPrefix = "auto"


@dataclass
class Runtime:
    """Everything the CLI takes from the outside world; tests replace parts of it."""

    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    stdout: TextIO | None = None  # None: sys.stdout at call time (so capsys works)
    stderr: TextIO | None = None
    stdin: TextIO | None = None
    clock: Clock = field(default_factory=SystemClock)
    credential_store: CredentialStore | None = None  # None: the OS keyring
    prompt_secret: Callable[[str], str] = getpass.getpass
    demo_speed: float = DEMO_SPEED
    # `genpro simulate` blocks here until Ctrl-C; tests pass a coroutine that returns.
    serve_until_interrupted: Callable[[str], Awaitable[None]] | None = None

    def out(self) -> TextIO:
        """The stdout stream in use."""
        return self.stdout or sys.stdout

    def err(self) -> TextIO:
        """The stderr stream in use."""
        return self.stderr or sys.stderr

    def inp(self) -> TextIO:
        """The stdin stream in use."""
        return self.stdin or sys.stdin


class Context:
    """What a command handler needs; close it with `aclose()` (main does)."""

    def __init__(self, options: GlobalOptions, runtime: Runtime, output: Output) -> None:
        self.options = options
        self.runtime = runtime
        self.out = output
        self.clock = runtime.clock
        self.paths: AppPaths = app_paths(runtime.env)
        settings_path = None if options.demo else self.paths.config_dir / SETTINGS_FILE_NAME
        self.settings = SettingsStore(settings_path)
        # Secrets known to this run, scrubbed from anything written to the log file.
        self.secrets: list[str] = []
        # What to report if Ctrl-C arrives now (e.g. how to resume a wait); None: "Interrupted."
        self.on_interrupt: CliError | None = None
        self.key_source: str | None = None
        self._store: CredentialStore | None = runtime.credential_store
        self._client: GenClient | None = None
        self._downloader: Downloader | None = None
        self._demo: Simulator | None = None

    @contextmanager
    def interrupt_hint(self, err: CliError) -> Iterator[None]:
        """Report `err` if Ctrl-C arrives inside the block (the hint outlives the interrupt)."""
        previous = self.on_interrupt
        self.on_interrupt = err
        try:
            yield
        except (KeyboardInterrupt, asyncio.CancelledError):
            raise  # main() reads on_interrupt after the loop has unwound
        except BaseException:
            self.on_interrupt = previous
            raise
        self.on_interrupt = previous

    # -- locations and identity --------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """--base-url, else GEN_API_BASE_URL, else the production API (the simulator in --demo)."""
        if self._demo is not None:
            return self._demo.base_url
        return (
            self.options.base_url
            or self.runtime.env.get(BASE_URL_ENV, "").strip()
            or DEFAULT_BASE_URL
        )

    @property
    def agent_id(self) -> str | None:
        """--agent, else GEN_AGENT_ID, else the saved default agent ("4711" in --demo)."""
        if self.options.agent:
            return self.options.agent
        if self.options.demo:
            return DEMO_AGENT_ID
        from_env = self.runtime.env.get(AGENT_ENV, "").strip()
        if from_env:
            return from_env
        settings = self.settings.load()
        self.warn_settings()
        return settings.default_agent_id

    def require_agent(self) -> str:
        """The agent id, or a usage error (exit 2) saying how to choose one."""
        agent = self.agent_id
        if not agent:
            raise CliError(
                "No agent selected.",
                ExitCode.USAGE,
                error_code="missing_agent",
                hint="Pass --agent ID, set GEN_AGENT_ID, or run `genpro agents --set-default ID`"
                " (`genpro agents` lists them).",
            )
        return agent

    def warn_settings(self) -> None:
        """Print (once) a warning when the settings file could not be read."""
        if self.settings.warning:
            self.out.warn(self.settings.warning)
            self.settings.warning = None

    @property
    def credential_store(self) -> CredentialStore:
        """The keyring (or the injected store); created on first use."""
        if self._store is None:
            self._store = KeyringCredentialStore()
        return self._store

    # -- services ---------------------------------------------------------------------------

    def start_demo(self) -> None:
        """Start the embedded simulator for --demo (idempotent)."""
        if self._demo is None:
            simulator = Simulator(clock=RealClock(speed=self.runtime.demo_speed))
            simulator.start()
            self._demo = simulator
            self.out.info(f"Demo mode: using the built-in simulator at {simulator.base_url}.")

    def make_client(self, api_key: str | Secret) -> GenClient:
        """A client for this run's base URL, agent and prefix (caller closes it)."""
        if isinstance(api_key, str):
            self.secrets.append(api_key)
        else:
            self.secrets.append(api_key.reveal())
        try:
            return GenClient(
                api_key=api_key,
                base_url=self.base_url,
                agent_id=self.agent_id,
                path_prefix=self.options.prefix,
                clock=self.clock,
                user_agent=f"genpro-cli/{__version__}",
            )
        except UnsafeURLError:
            raise
        except GenError as exc:  # the key itself cannot be sent (empty, spaces, control chars)
            raise CliError(str(exc), ExitCode.AUTH, error_code="invalid_api_key") from exc

    def check_base_url(self) -> None:
        """Refuse an unsafe base URL before the key is even looked up (exit 2)."""
        check_base_url(self.base_url)

    async def client(self) -> GenClient:
        """The signed-in client (built on first use): key from GEN_API_KEY, else the keyring."""
        if self._client is not None:
            return self._client
        if self.options.demo:
            self.start_demo()
            self.key_source = "demo"
            self._client = self.make_client(DEMO_API_KEY)
            return self._client
        self.check_base_url()
        secret = self.resolve_key()
        self._client = self.make_client(secret)
        return self._client

    def resolve_key(self) -> Secret:
        """The API key from the environment or the keyring, or exit 3 with how to add one."""
        try:
            resolved = resolve_api_key(self.runtime.env, self.credential_store)
        except CredentialError as exc:
            raise CliError(
                f"No API key: {KEY_ENV} is not set and the OS keyring could not be read. {exc}",
                ExitCode.AUTH,
                error_code="no_api_key",
            ) from exc
        if resolved is None:
            raise CliError(
                "No API key found.",
                ExitCode.AUTH,
                error_code="no_api_key",
                hint=f"Run `genpro login`, or set {KEY_ENV}. Try `genpro --demo ...` without one.",
            )
        self.key_source = resolved.source
        return resolved.secret

    async def downloader(self) -> Downloader:
        """The credential-free downloader (built on first use)."""
        if self._downloader is None:
            self._downloader = Downloader()
        return self._downloader

    async def aclose(self) -> None:
        """Close the downloader, the client and the demo simulator, in that order."""
        try:
            if self._downloader is not None:
                await self._downloader.aclose()
        finally:
            try:
                if self._client is not None:
                    await self._client.aclose()
            finally:
                if self._demo is not None:
                    self._demo.stop()
                    self._demo = None


def check_base_url(url: str) -> None:
    """https anywhere, http only on loopback (the key travels in a header); else exit 2."""
    try:
        validate_base_url(url)
    except UnsafeURLError as exc:
        raise usage_error(
            f"Refusing the API base URL: {exc}",
            hint="Use https://, or http:// only for 127.0.0.1, ::1 or localhost.",
        ) from exc
