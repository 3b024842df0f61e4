"""Getting in and out: saved key at start-up, the welcome page, the demo, sign-out, and signing
in again after GEN stops accepting the key.

Owns the current `Session` and, in demo mode, the embedded simulator and its throwaway data
folder. Keyring calls run in worker threads; the key check is one `GET /me`. The simulator (and
aiohttp with it) is imported only when the demo starts.

Two hidden knobs exist for `bench/startup.py` and change nothing when unset (`DemoSetup`):
`GENPRO_DEMO_DATA_DIR=<folder>` makes the demo keep its data there (created if needed, never
deleted) instead of a throwaway folder, so a benchmark can pre-fill the job history;
`GENPRO_DEMO_LARGE_ENGINE=<rows>x<columns>` adds an engine of that size, listed first, to the
demo simulator.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from genpro_desktop.core.api import GenError, Secret
from genpro_desktop.core.credentials import CredentialError, CredentialStore, KeyringLockedError
from genpro_desktop.core.grid_snapshot import GridSnapshotStore
from genpro_desktop.core.paths import DATA_DIR_ENV, AppPaths, app_paths
from genpro_desktop.core.session_config import DemoTarget, SessionTarget, Source
from genpro_desktop.core.sign_in import (
    KeyRejectedError,
    check_key,
    display_name,
    explain_storage_problem,
    forget_key,
    load_saved_key,
    save_key,
)
from genpro_desktop.core.store import InstanceLockedError, StoreError
from genpro_desktop.gui.asyncqt import TaskRegistry, run_dialog
from genpro_desktop.gui.dialogs.sign_in_dialog import SignInDialog
from genpro_desktop.gui.grid_snapshot_view import DEMO_DATA_DIR_ENV
from genpro_desktop.gui.models.engine_list_model import EngineListModel
from genpro_desktop.gui.models.engine_table_model import EngineTableModel
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.session import Session, SessionConfig, SessionContext
from genpro_desktop.gui.widgets.main_window import MainWindow
from genpro_desktop.gui.widgets.sign_in_form import SignInForm
from genpro_desktop.gui.widgets.welcome_page import WelcomePage

if TYPE_CHECKING:
    from genpro_desktop.simulator import RunningDemo, Simulator

log = logging.getLogger(__name__)

KeyKept = Literal["store", "env", "this_run"]
"""Where the session's key lives: the credential store, GEN_API_KEY, or this run's memory."""

# Renders take ~8 s of simulator time; the demo runs that clock at real speed so the status bars
# show pending and processing long enough to be seen.
DEMO_CLOCK_SPEED = 1.0
DEMO_LARGE_ENGINE_ENV = "GENPRO_DEMO_LARGE_ENGINE"
SIGN_OUT_KEEP = "Keep the key and switch account"
SIGN_OUT_REMOVE = "Remove the key"


@dataclass(frozen=True)
class DemoSetup:
    """Benchmark knobs for the demo; the defaults are the normal demo."""

    data_dir: Path | None = None
    large_engine: tuple[int, int] | None = None  # rows, columns

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> DemoSetup:
        """Read GENPRO_DEMO_DATA_DIR and GENPRO_DEMO_LARGE_ENGINE (`500x8`); bad values raise."""
        data_dir = environ.get(DEMO_DATA_DIR_ENV, "").strip()
        size = environ.get(DEMO_LARGE_ENGINE_ENV, "").strip().lower()
        large: tuple[int, int] | None = None
        if size:
            rows, _, columns = size.partition("x")
            large = (int(rows), int(columns))
        return cls(Path(data_dir) if data_dir else None, large)


@dataclass(frozen=True)
class AccountViews:
    """What the account flow works with: the window shell (pages, banner, title, status), the
    welcome page, and the models it empties on sign-out."""

    shell: MainWindow
    welcome: WelcomePage
    jobs: JobListModel
    engines: EngineListModel
    grid: EngineTableModel


class AccountFlow:
    """Signs in and out, starts and leaves the demo, and recovers from a rejected key."""

    def __init__(
        self,
        ctx: SessionContext,
        views: AccountViews,
        tasks: TaskRegistry,
        *,
        credentials: CredentialStore,
        paths: AppPaths,
        target: Callable[[DemoTarget | None], SessionTarget],
        demo_setup: DemoSetup | None = None,
        on_session_closing: Callable[[], None] | None = None,
    ) -> None:
        self._ctx = ctx
        # Told before a session closes (sign-out, lost key, quit): windows that work on the
        # session (Jobs > History) close with it rather than stay open with dead actions.
        self._on_session_closing = on_session_closing
        self._demo_setup = demo_setup or DemoSetup()
        self._window = views.shell
        self._welcome = views.welcome
        self._views = views
        self._tasks = tasks
        self._credentials = credentials
        self._paths = paths
        self._target = target  # where sessions talk to (core.session_config)
        self.session: Session | None = None
        self._demo: RunningDemo | None = None
        self._demo_dir: tempfile.TemporaryDirectory[str] | None = None
        self._reauth_open = False
        self._key_kept: KeyKept | None = None
        # Why GEN stopped accepting the key (the banner shows it; sign-in-again repeats it).
        self._auth_problem: str | None = None
        form = self._welcome.form
        form.sign_in_requested.connect(self._on_sign_in_requested)
        form.this_run_only_requested.connect(self._on_this_run_only_requested)
        self._welcome.demo_requested.connect(self._on_demo_requested)
        self._welcome.retry_keyring_requested.connect(self._on_retry_keyring_requested)
        self._window.sign_out_requested.connect(self._on_sign_out_requested)
        self._window.sign_in_again_requested.connect(self._on_sign_in_again_requested)

    @property
    def demo(self) -> bool:
        """True while the demo runs."""
        return self._demo is not None

    @property
    def demo_target(self) -> DemoTarget | None:
        """The demo's simulator address, key and agent while the demo runs."""
        return self._demo

    @property
    def simulator(self) -> Simulator | None:
        """The demo's simulator while the demo runs."""
        return self._demo.simulator if self._demo is not None else None

    # -- start-up ------------------------------------------------------------------------

    async def start_with_saved_key(self) -> bool:
        """Open a session with the key from GEN_API_KEY or the keyring; else the welcome page."""
        try:
            resolved = await load_saved_key(self._credentials)
        except KeyringLockedError as exc:
            # Locked is not signed out: the key is still there once the keyring is unlocked.
            problem = explain_storage_problem(exc)
            self._show_welcome()
            self._welcome.show_locked(f"{problem.title}. {problem.message}")
            return False
        except CredentialError as exc:
            problem = explain_storage_problem(exc)
            self._show_welcome(f"{problem.title}. {problem.message}")
            # The keyring cannot hold a key right now: offer the way in that works.
            self._welcome.form.this_run_only_box.setChecked(True)
            return False
        if resolved is None:
            self._show_welcome()
            return False
        self._key_kept = "env" if resolved.source == "env" else "store"
        return await self._open(resolved.secret, demo=False)

    async def start_demo(self) -> bool:
        """Start the embedded simulator and open a session on it, in a throwaway data folder."""
        await self._close_session()
        from genpro_desktop.simulator import start_demo

        setup = self._demo_setup
        demo = await asyncio.to_thread(
            start_demo,
            speed=DEMO_CLOCK_SPEED,
            large_engine=setup.large_engine,
            renders_elsewhere=True,
            scheduled_posts=True,
        )
        self._demo = demo
        if setup.data_dir is None:
            self._demo_dir = tempfile.TemporaryDirectory(prefix="genpro-demo-")
            root = Path(self._demo_dir.name)
        else:
            root = setup.data_dir
        paths = app_paths({DATA_DIR_ENV: str(root)})
        await asyncio.to_thread(paths.ensure)
        target = self._target(demo)
        config = SessionConfig(
            Secret(demo.api_key),
            target.base_url.value,
            target.agent_id.value,
            paths,
            demo=True,
            publish_base_url=_publish_host(target),
        )
        return await self._open_config(config)

    # -- signing in ----------------------------------------------------------------------

    async def sign_in(self, form: SignInForm, key_text: str, *, this_run_only: bool) -> bool:
        """Check the key with GEN, keep it (keyring, or memory for this run), open a session."""
        key = Secret(key_text.strip())
        form.show_problem(None)
        form.set_busy(True)
        try:
            me = await check_key(key, base_url=self._target(None).base_url.value)
        except KeyRejectedError as exc:
            form.set_busy(False)
            form.show_problem(str(exc))
            return False
        if not this_run_only:
            try:
                await save_key(self._credentials, key)
            except CredentialError as exc:
                problem = explain_storage_problem(exc)
                form.set_busy(False)
                form.show_problem(f"{problem.title}. {problem.message}", offer_this_run_only=True)
                return False
        where = "for this run only" if this_run_only else "in your system keyring"
        self._key_kept = "this_run" if this_run_only else "store"
        form.reset()
        opened = await self._open(key, demo=False)
        if opened:
            self._window.show_status(f"Signed in as {display_name(me)}; key kept {where}")
        return opened

    async def sign_in_again(self, reason: str) -> bool:
        """Ask for a new key in a dialog; on success reopen the session (jobs resume)."""
        if self._reauth_open:
            return False
        self._reauth_open = True
        dialog = SignInDialog(reason, self._window)
        succeeded = False

        async def attempt(key_text: str, this_run_only: bool) -> None:
            nonlocal succeeded
            succeeded = await self.sign_in(dialog.form, key_text, this_run_only=this_run_only)
            if succeeded:
                dialog.accept()

        dialog.form.sign_in_requested.connect(
            lambda key, run_only: self._tasks.spawn(attempt(key, run_only), name="sign-in-again")
        )
        dialog.form.this_run_only_requested.connect(
            lambda key: self._tasks.spawn(attempt(key, True), name="sign-in-again")
        )
        try:
            await run_dialog(dialog)
        finally:
            self._reauth_open = False
            dialog.deleteLater()
        return succeeded

    def on_auth_lost(self, reason: str) -> None:
        """GEN refused the key mid-session: tracking is paused; ask to sign in again."""
        if self.demo:
            return
        self._show_auth_problem(
            f"GEN no longer accepts your API key ({reason}). Tracking is paused until you sign "
            "in again; your jobs are safe."
        )

    async def confirm_sign_out(self) -> None:
        """Ask before signing out of a key kept in the keyring: GEN shows a key only once, so
        removing it may lose it for good. Keep it (and just switch account) or remove it."""
        if self.demo or self._key_kept != "store":
            await self.sign_out()
            return
        choice = await self._ctx.prompts.choose(
            "Sign out",
            "Sign out of GEN on this computer?",
            [SIGN_OUT_KEEP, SIGN_OUT_REMOVE],
            details=(
                "GEN shows an API key only once, when it is created. If you remove it and have "
                "no copy, you will need to create a new key in GEN. Keeping it leaves it in "
                "your system keyring, so you can sign in with another key or come back to it."
            ),
        )
        if choice is None:
            return
        await self.sign_out(keep_key=choice == 0)

    async def sign_out(self, *, keep_key: bool = False) -> None:
        """Close the session, forget the key unless `keep_key` (or leave the demo), back to the
        welcome page."""
        was_demo = self.demo
        await self._close_session()
        if not was_demo:  # the saved grids are the account's: not for whoever starts the app next
            await asyncio.to_thread(GridSnapshotStore(self._paths.cache_dir).clear)
        self._views.jobs.clear()
        self._views.engines.set_entries([])
        self._views.grid.set_engine(None)
        kept, self._key_kept = self._key_kept, None
        if was_demo:
            self._show_welcome()
            return
        if kept == "env":
            self._show_welcome(
                "Signed out for now. GEN_API_KEY is set in the environment, so the app signs in "
                "with it again at the next start; unset it to stay signed out."
            )
            return
        if kept == "this_run":
            self._show_welcome("Signed out. The key was only kept for this run.")
            return
        if keep_key:
            self._show_welcome(
                "Signed out. Your key is still in the system keyring: the app signs in with it "
                "at the next start, unless you sign in with another key now (which replaces it)."
            )
            return
        try:
            await forget_key(self._credentials)
        except CredentialError as exc:
            problem = explain_storage_problem(exc)
            self._show_welcome(f"Signed out, but the key could not be removed: {problem.message}")
            return
        self._show_welcome("Signed out. The key was removed from this computer.")

    # -- sessions ------------------------------------------------------------------------

    async def _open(self, key: Secret, *, demo: bool) -> bool:
        await self._close_session()
        target = self._target(None)
        config = SessionConfig(
            key,
            target.base_url.value,
            target.agent_id.value,
            self._paths,
            demo=demo,
            publish_base_url=_publish_host(target),
        )
        return await self._open_config(config)

    async def _open_config(self, config: SessionConfig) -> bool:
        window = self._window
        try:
            session = await Session.open(config, self._ctx)
        except InstanceLockedError as exc:
            self._show_welcome(f"{exc} Quit it first, or use the demo.")
            await self._stop_demo()
            return False
        except (GenError, StoreError, CredentialError, ValueError) as exc:
            self._show_welcome(f"Could not start: {exc}")
            await self._stop_demo()
            return False
        self.session = session
        window.set_demo(config.demo)
        self._show_auth_problem(None)
        window.show_browser()
        await session.start()
        return True

    async def _close_session(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            if self._on_session_closing is not None:
                self._on_session_closing()
            await session.aclose()
        await self._stop_demo()

    async def _stop_demo(self) -> None:
        demo, self._demo = self._demo, None
        if demo is not None:
            await asyncio.to_thread(demo.stop)
        demo_dir, self._demo_dir = self._demo_dir, None
        if demo_dir is not None:
            await asyncio.to_thread(demo_dir.cleanup)

    async def aclose(self) -> None:
        """Close the session and stop the demo (app shutdown)."""
        await self._close_session()

    def _show_welcome(self, notice: str | None = None) -> None:
        self._auth_problem = None  # the welcome page hides the banner
        self._welcome.show_locked(None)
        self._window.show_welcome(notice)

    def _show_auth_problem(self, text: str | None) -> None:
        self._auth_problem = text
        self._window.show_auth_problem(text)

    # -- slots ---------------------------------------------------------------------------

    def _on_sign_in_requested(self, key: str, this_run_only: bool) -> None:
        form = self._welcome.form
        self._tasks.spawn(self.sign_in(form, key, this_run_only=this_run_only), name="sign-in")

    def _on_this_run_only_requested(self, key: str) -> None:
        form = self._welcome.form
        self._tasks.spawn(self.sign_in(form, key, this_run_only=True), name="sign-in")

    def _on_demo_requested(self) -> None:
        self._tasks.spawn(self.start_demo(), name="start-demo")

    def _on_sign_out_requested(self) -> None:
        self._tasks.spawn(self.confirm_sign_out(), name="sign-out")

    def _on_retry_keyring_requested(self) -> None:
        self._tasks.spawn(self.start_with_saved_key(), name="retry-keyring")

    def _on_sign_in_again_requested(self) -> None:
        reason = self._auth_problem or "GEN no longer accepts your API key."
        self._tasks.spawn(self.sign_in_again(reason), name="sign-in-again")


def _publish_host(target: SessionTarget) -> str | None:
    """GEN_PUBLISH_BASE_URL when it set the publishing host; None: the API base URL."""
    publish = target.publish_base_url
    return publish.value if publish.source is Source.ENVIRONMENT else None
