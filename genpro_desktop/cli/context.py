"""Per-invocation wiring: options, paths, settings, the API key, the core services, the demo.

`Runtime` (cli/runtime.py) is the injection point for everything that touches the outside
world (streams, env, clock, keyring, prompt); tests pass their own. `Context` opens what a
command needs lazily: commands that never talk to GEN need no key, read commands open only the
local store, and tracking commands open the core services (tracker + store, under the
single-instance lock). It owns closing everything it opened. Heavy or optional modules (the
simulator, the keyring, the tracker) are imported on first use so that `genpro` starts quickly.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from genpro_desktop import __version__
from genpro_desktop.cli.exit_codes import CliError, ExitCode, usage_error
from genpro_desktop.cli.output import Output
from genpro_desktop.cli.runtime import DEMO_SPEED, GlobalOptions, Runtime
from genpro_desktop.cli.settings import MemorySettings, Settings, migrate_legacy_file
from genpro_desktop.core.api import (
    DEFAULT_BASE_URL,
    GenClient,
    GenError,
    Secret,
    UnsafeURLError,
    validate_base_url,
)
from genpro_desktop.core.paths import AppPaths, app_paths

if TYPE_CHECKING:
    from genpro_desktop.core.credentials import CredentialStore
    from genpro_desktop.core.services import AppServices
    from genpro_desktop.core.store import Store
    from genpro_desktop.simulator import Simulator

__all__ = [
    "AGENT_ENV",
    "BASE_URL_ENV",
    "DEMO_AGENT_ID",
    "DEMO_SPEED",
    "KEY_ENV",
    "Context",
    "GlobalOptions",
    "Runtime",
    "check_base_url",
    "store_error",
]

BASE_URL_ENV = "GEN_API_BASE_URL"
AGENT_ENV = "GEN_AGENT_ID"
KEY_ENV = "GEN_API_KEY"
DEMO_AGENT_ID = "4711"
# The name the CLI writes into the single-instance lock note ("genpro (pid 12) is tracking ...").
LOCK_PROGRAM = "genpro"


class Context:
    """What a command handler needs; close it with `aclose()` (main does)."""

    def __init__(self, options: GlobalOptions, runtime: Runtime, output: Output) -> None:
        self.options = options
        self.runtime = runtime
        self.out = output
        self.clock = runtime.clock
        self.paths: AppPaths = app_paths(runtime.env)
        # Secrets known to this run, scrubbed from anything written to the log file.
        self.secrets: list[str] = []
        # What to report if Ctrl-C arrives now (e.g. how to resume a wait); None: "Interrupted."
        self.on_interrupt: CliError | None = None
        self.key_source: str | None = None
        self._credentials: CredentialStore | None = runtime.credential_store
        self._client: GenClient | None = None
        self._services: AppServices | None = None
        self._settings: Settings | None = None
        self._settings_store: Store | None = None  # read-write, for settings (and job reads)
        self._read_store: Store | None = None  # read-only, while another process tracks jobs
        self._agent: str | None = None
        self._agent_known = False
        self._demo: Simulator | None = None
        self._demo_dir: tempfile.TemporaryDirectory[str] | None = None

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

    async def agent_id(self) -> str | None:
        """--agent, else GEN_AGENT_ID, else the saved default agent ("4711" in --demo)."""
        if not self._agent_known:
            self._agent = await self._find_agent()
            self._agent_known = True
        return self._agent

    async def _find_agent(self) -> str | None:
        if self.options.agent:
            return self.options.agent
        if self.options.demo:
            return DEMO_AGENT_ID
        from_env = self.runtime.env.get(AGENT_ENV, "").strip()
        if from_env:
            return from_env
        return await (await self.settings()).default_agent()

    async def require_agent(self) -> str:
        """The agent id, or a usage error (exit 2) saying how to choose one."""
        agent = await self.agent_id()
        if not agent:
            raise CliError(
                "No agent selected.",
                ExitCode.USAGE,
                error_code="missing_agent",
                hint="Pass --agent ID, set GEN_AGENT_ID, or run `genpro agents --set-default ID`"
                " (`genpro agents` lists them).",
            )
        return agent

    async def settings(self) -> Settings:
        """Default agent and saved engines: the local store (memory only in --demo)."""
        if self._settings is None:
            if self.options.demo:
                self._settings = Settings(MemorySettings())
            elif self._services is not None:
                self._settings = Settings(self._services.store)
            else:
                store = self._open_settings_store()
                warning = await migrate_legacy_file(store, self.paths.config_dir)
                if warning:
                    self.out.warn(warning)
                self._settings = Settings(store)
        return self._settings

    @property
    def credential_store(self) -> CredentialStore:
        """The keyring (or the injected store); created on first use."""
        if self._credentials is None:
            from genpro_desktop.core.credentials import KeyringCredentialStore

            self._credentials = KeyringCredentialStore()
        return self._credentials

    # -- the local store ---------------------------------------------------------------------

    def _open_settings_store(self) -> Store:
        from genpro_desktop.core.store import Store, StoreError

        if self._settings_store is None:
            try:
                self._settings_store = Store.default(self.paths)
            except StoreError as exc:
                raise store_error(exc) from exc
        return self._settings_store

    async def job_store(self) -> Store:
        """The job history for reading: read-write when free, read-only while another
        process (the desktop app) holds the single-instance lock."""
        if self._services is not None:
            return self._services.store
        if self.options.demo:
            return (await self.services()).store
        from genpro_desktop.core.store import InstanceLock, Store, StoreError

        lock = InstanceLock.default(self.paths, program=LOCK_PROGRAM)
        try:
            free = lock.acquire()
            if free:
                lock.release()  # reading needs no lock; it only tells us how to open
                store = self._open_settings_store()
                if self._settings is None:
                    await self.settings()  # imports an old settings file while we can write
                return store
            if self._read_store is None:
                self._read_store = Store.default(self.paths, read_only=True)
            return self._read_store
        except StoreError as exc:
            raise store_error(exc) from exc

    # -- services ---------------------------------------------------------------------------

    def start_demo(self) -> None:
        """Start the embedded simulator for --demo (idempotent)."""
        if self._demo is None:
            from genpro_desktop.simulator import RealClock, Simulator

            simulator = Simulator(clock=RealClock(speed=self.runtime.demo_speed))
            simulator.start()
            self._demo = simulator
            self.out.info(f"Demo mode: using the built-in simulator at {simulator.base_url}.")

    def _demo_key(self) -> str:
        from genpro_desktop.simulator import DEMO_API_KEY

        self.start_demo()
        self.key_source = "demo"
        self.secrets.append(DEMO_API_KEY)
        return DEMO_API_KEY

    def make_client(self, api_key: str | Secret, agent_id: str | None) -> GenClient:
        """A client for this run's base URL, agent and prefix (caller closes it)."""
        self.secrets.append(api_key if isinstance(api_key, str) else api_key.reveal())
        try:
            return GenClient(
                api_key=api_key,
                base_url=self.base_url,
                agent_id=agent_id,
                path_prefix=self.options.prefix,
                clock=self.clock,
                user_agent=f"genpro-cli/{__version__}",
                publish_base_url=self.publish_base_url,
            )
        except UnsafeURLError:
            raise
        except GenError as exc:  # the key itself cannot be sent (empty, spaces, control chars)
            raise CliError(str(exc), ExitCode.AUTH, error_code="invalid_api_key") from exc

    @property
    def publish_base_url(self) -> str | None:
        """Where GEN's schedule API lives when not on the API base (GEN_PUBLISH_BASE_URL)."""
        if self.options.demo:
            return None
        return (self.runtime.env.get("GEN_PUBLISH_BASE_URL") or "").strip() or None

    def check_base_url(self) -> None:
        """Refuse an unsafe base URL before the key is even looked up (exit 2)."""
        check_base_url(self.base_url)

    async def client(self) -> GenClient:
        """The signed-in client (built on first use): key from GEN_API_KEY, else the keyring."""
        if self._services is not None:
            return self._services.client
        if self._client is None:
            agent = await self.agent_id()
            key = self._demo_key() if self.options.demo else self._checked_key()
            self._client = self.make_client(key, agent)
        return self._client

    def _checked_key(self) -> Secret:
        self.check_base_url()
        return self.resolve_key()

    async def services(self) -> AppServices:
        """The tracker, store, downloader and publisher, under the single-instance lock.

        Opening them resumes every unfinished job of the data folder (the tracker is the only
        code that polls). When another process holds the lock: exit 2 naming it.
        """
        if self._services is not None:
            return self._services
        from genpro_desktop.core.services import open_services
        from genpro_desktop.core.store import InstanceLockedError, StoreError

        agent = await self.agent_id()
        key = self._demo_key() if self.options.demo else self._checked_key()
        # One connection per run: the tracker's store takes over from the settings one.
        await self._close_standalone_stores()
        self._settings = None
        try:
            self._services = await open_services(
                self._service_paths(),
                api_key=key,
                base_url=self.base_url,
                agent_id=agent,
                path_prefix=self.options.prefix,
                clock=self.clock,
                lock=True,
                program=LOCK_PROGRAM,
                user_agent=f"genpro-cli/{__version__}",
                publish_base_url=self.publish_base_url,
            )
        except InstanceLockedError as exc:
            raise CliError(
                f"{exc} This command needs to track jobs, so it did nothing.",
                ExitCode.USAGE,
                error_code="instance_locked",
                hint="`genpro jobs` and `genpro status ID` still work while it runs.",
                extra={"holder_pid": exc.holder.pid if exc.holder else None},
            ) from exc
        except StoreError as exc:
            raise store_error(exc) from exc
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        return self._services

    def _service_paths(self) -> AppPaths:
        """The real folders; --demo tracks its jobs in a throwaway folder instead."""
        if not self.options.demo:
            return self.paths
        if self._demo_dir is None:
            self._demo_dir = tempfile.TemporaryDirectory(prefix="genpro-demo-")
        root = Path(self._demo_dir.name)
        return AppPaths(
            data_dir=root / "data",
            cache_dir=root / "cache",
            log_dir=self.paths.log_dir,
            downloads_dir=Path.cwd(),
            config_dir=root / "config",
        )

    def resolve_key(self) -> Secret:
        """The API key from the environment or the keyring, or exit 3 with how to add one."""
        from_env = self.runtime.env.get(KEY_ENV, "").strip()
        if from_env:  # checked first, so the keyring module is only loaded when needed
            self.key_source = "env"
            return Secret(from_env)
        from genpro_desktop.core.credentials import CredentialError, resolve_api_key

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

    async def _close_standalone_stores(self) -> None:
        stores = (self._settings_store, self._read_store)
        self._settings_store = self._read_store = None
        for store in stores:
            if store is not None:
                await store.aclose()

    async def aclose(self) -> None:
        """Close the services (tracker first), the client, the stores and the demo simulator."""
        try:
            if self._services is not None:
                await self._services.aclose()
        finally:
            try:
                if self._client is not None:
                    await self._client.aclose()
            finally:
                try:
                    await self._close_standalone_stores()
                finally:
                    if self._demo is not None:
                        self._demo.stop()
                        self._demo = None
                    if self._demo_dir is not None:
                        self._demo_dir.cleanup()
                        self._demo_dir = None


def store_error(exc: Exception) -> CliError:
    """A local job database problem as a CLI error (exit 5: a file problem, not a bug)."""
    return CliError(
        f"The local job history could not be used: {exc}",
        ExitCode.UNREACHABLE,
        error_code="store_error",
    )


def check_base_url(url: str) -> None:
    """https anywhere, http only on loopback (the key travels in a header); else exit 2."""
    try:
        validate_base_url(url)
    except UnsafeURLError as exc:
        raise usage_error(
            f"Refusing the API base URL: {exc}",
            hint="Use https://, or http:// only for 127.0.0.1, ::1 or localhost.",
        ) from exc
