"""`genpro-desktop --demo --self-test`: the whole flow headlessly, for packaging and CI checks.

Check that Qt (not Python) built the preview's media objects (`PreviewPlayer.native`: the
Python-built fallback can hang; a bundle missing QtQml or the QtMultimedia QML module would fall
back to it), render a row on the built-in simulator (its clock runs fast), wait for it, download
it, decode a preview frame, post it through the composer to TikTok, Instagram and YouTube and
wait for each platform's post link (and GEN's post id). Exit 0 when
every step worked, 1 with the step that failed; everything within `TIME_LIMIT` seconds.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

import qasync
from PySide6.QtCore import QUrl, SignalInstance
from PySide6.QtWidgets import QApplication

from genpro_desktop.core.credentials import CredentialStore, MemoryCredentialStore
from genpro_desktop.core.jobs import JobState, LocalJob
from genpro_desktop.core.paths import DATA_DIR_ENV
from genpro_desktop.gui.dialogs.composer import PostComposer
from genpro_desktop.gui.dialogs.composer_sections import TikTokSection
from genpro_desktop.gui.launch import LaunchOptions
from genpro_desktop.gui.player.player import PreviewPlayer
from genpro_desktop.gui.session import Session
from genpro_desktop.simulator import DEMO_AGENT_ID, start_demo

if TYPE_CHECKING:
    from genpro_desktop.gui.account_flow import AccountFlow
    from genpro_desktop.gui.preview.presenter import PreviewPresenter
    from genpro_desktop.gui.prompts import Prompts
    from genpro_desktop.gui.widgets.main_window import MainWindow

TIME_LIMIT = 60.0
SIMULATOR_SPEED = 25.0  # an 8 s render takes a third of a second
CAPTION = "genpro-desktop self-test #selftest"
POST_PLATFORMS = ("tiktok", "instagram", "youtube")


class AppUnderTest(Protocol):
    """What the self-test drives: the desktop app (`gui.app.DesktopApp`, handed in by `main`)."""

    @property
    def window(self) -> MainWindow | None: ...
    @property
    def flow(self) -> AccountFlow | None: ...
    @property
    def preview(self) -> PreviewPresenter | None: ...
    async def start(self) -> None: ...
    async def aclose(self) -> None: ...


class AppFactory(Protocol):
    """Builds the app under test (the app passes its own class: this module never imports it)."""

    def __call__(
        self,
        options: LaunchOptions,
        *,
        credentials: CredentialStore,
        prompts: Prompts,
        open_url: Callable[[QUrl], object],
        environ: Mapping[str, str],
    ) -> AppUnderTest: ...


class SelfTestError(Exception):
    """A step failed; the message says which and why."""


class YesPrompts:
    """Confirms everything (the self-test is the user)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def confirm(self, title: str, text: str, *, accept: str, details: str = "") -> bool:
        self.asked.append(text)
        return True

    async def choose(
        self, title: str, text: str, choices: Sequence[str], *, details: str = ""
    ) -> int | None:
        self.asked.append(text)
        return 0


async def wait_for(
    predicate: Callable[[], bool], *signals: SignalInstance, what: str, within: float
) -> None:
    """Wait until `predicate()` holds, re-checking whenever a signal fires (and every 0.2 s)."""
    ready = asyncio.Event()

    def check(*_args: object) -> None:
        if predicate():
            ready.set()

    for signal in signals:
        signal.connect(check)
    try:
        async with asyncio.timeout(within):
            while not predicate():
                ready.clear()
                try:
                    async with asyncio.timeout(0.2):
                        await ready.wait()
                except TimeoutError:
                    pass
    except TimeoutError:
        raise SelfTestError(f"timed out waiting for {what}") from None
    finally:
        for signal in signals:
            signal.disconnect(check)


class SelfTest:
    """Runs the steps against one app and reports each one."""

    def __init__(self, app: AppUnderTest, deadline: float) -> None:
        self.app = app
        self.deadline = deadline
        self.post_id: str | None = None

    def _left(self) -> float:
        return max(0.1, self.deadline - time.monotonic())

    def _session(self) -> Session:
        flow = self.app.flow
        if flow is None or flow.session is None:
            raise SelfTestError("the app did not open a session on the simulator")
        return flow.session

    def _find(self, job_id: str) -> LocalJob | None:
        assert self.app.window is not None
        return self.app.window.jobs_panel.model.find(job_id)

    async def _wait_job(self, job_id: str, what: str, *states: JobState) -> LocalJob:
        assert self.app.window is not None
        model = self.app.window.jobs_panel.model
        await wait_for(
            lambda: (
                (job := self._find(job_id)) is not None
                and (job.state in states or job.is_terminal or job.is_parked)
            ),
            model.dataChanged,
            model.rowsInserted,
            what=what,
            within=self._left(),
        )
        job = self._find(job_id)
        assert job is not None
        if job.state not in states:
            raise SelfTestError(f"{what}: ended {job.state.value} ({job.failed_reason or '-'})")
        return job

    async def run(self) -> None:
        """Every step in order; raises SelfTestError on the first failure."""
        window = self.app.window
        session = self._session()
        assert window is not None
        presenter = self.app.preview
        preview = presenter.preview if presenter is not None else None
        if preview is None or preview.player is None:
            raise SelfTestError("video preview is unavailable (Qt Multimedia cannot play here)")
        player = preview.player
        # Before any video is loaded: the fallback player is the one that can hang on loading.
        require_native_player(player)
        step("player", "native (Qt's QML engine built the media player, audio output and sink)")

        await session.browser.choose_agent(DEMO_AGENT_ID)
        if window.browser.engine_list_model.rowCount() == 0:
            raise SelfTestError("the simulator listed no engines")
        engine_id = window.browser.engine_list_model.entry(0).engine_id
        await session.browser.open_engine(engine_id)
        renders = await session.browser.render_rows([0])
        if not renders:
            raise SelfTestError("rendering row 1 did not start a job")
        render = await self._wait_job(renders[0].id, "the render", JobState.COMPLETED)
        step("rendered", render.output_url or "")

        download = await session.services.tracker.download(
            render.id, session.config.paths.downloads_dir
        )
        download = await self._wait_job(download.id, "the download", JobState.DOWNLOADED)
        step("downloaded", download.target_path or "")

        window.jobs_panel.select_job(render.id)
        await wait_for(
            lambda: player.current_frame_ms >= 0 and _varied(player),
            player.frame_changed,
            player.failed,
            what="a decoded preview frame",
            within=self._left(),
        )
        image = player.current_image
        step("previewed", f"frame {image.width()}x{image.height()} at {player.current_frame_ms} ms")

        assert presenter is not None  # checked with the player above
        presenter.request_publish(render)
        await wait_for(
            lambda: presenter.dialog is not None, what="the publish dialog", within=self._left()
        )
        dialog = presenter.dialog
        if not isinstance(dialog, PostComposer):
            raise SelfTestError("the composer did not open (is the schedule API missing?)")
        await wait_for(lambda: dialog.loaded.is_set(), what="the composer", within=self._left())
        for name, chip in dialog.chips.items():
            chip.setChecked(name in POST_PLATFORMS)
        tiktok = dialog.sections["tiktok"]
        assert isinstance(tiktok, TikTokSection)
        tiktok.privacy_combo.setCurrentIndex(tiktok.privacy_combo.findData("SELF_ONLY"))
        dialog.caption_edit.setPlainText(CAPTION)
        dialog.title_edit.setText("genpro-desktop self-test")
        dialog.submit()
        await wait_for(
            lambda: dialog.job is not None or not dialog.isVisible(),
            dialog.finished,
            what="the post to be sent",
            within=self._left(),
        )
        sent = dialog.job
        if sent is None:
            raise SelfTestError(f"the post was not sent: {dialog.issues_label.text()}")
        posted = await self._wait_job(sent.id, "the post", JobState.COMPLETED)
        links = {p.platform: p.post_url for p in posted.post_platforms}
        if sorted(links) != sorted(POST_PLATFORMS) or not all(links.values()):
            raise SelfTestError(f"the post did not reach every platform: {links}")
        if not posted.remote_id:
            raise SelfTestError("the post completed without GEN's post id")
        self.post_id = posted.remote_id
        for name, url in links.items():
            step("linked", f"{name} {url}")
        step("published", f"post id {posted.remote_id}")


def require_native_player(player: PreviewPlayer) -> None:
    """Raise SelfTestError unless Qt built the player's media objects (see media/player.py)."""
    if not player.native:
        raise SelfTestError(
            "the preview player was built from Python, not by Qt's QML engine (PySide6.QtQml or "
            "Qt's QtMultimedia QML module is missing here); that player can hang the app"
        )


def _varied(player: object) -> bool:
    """True when the player's current frame is a picture, not one flat colour."""
    from genpro_desktop.gui.player.player import PreviewPlayer

    assert isinstance(player, PreviewPlayer)
    image = player.current_image
    if image.isNull():
        return False
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), max(1, image.width() // 8))
        for y in range(0, image.height(), max(1, image.height() // 8))
    }
    return len(colours) > 2


def step(name: str, detail: str) -> None:
    """One line per finished step."""
    print(f"self-test: {name:<10} {detail}", flush=True)


async def _run(started: float, make_app: AppFactory) -> int:
    demo = await asyncio.to_thread(start_demo, speed=SIMULATOR_SPEED)
    credentials = MemoryCredentialStore()
    credentials.set(demo.api_key)
    with tempfile.TemporaryDirectory(prefix="genpro-self-test-") as data_dir:
        environ = {**os.environ, DATA_DIR_ENV: data_dir}
        app = make_app(
            LaunchOptions(base_url=demo.base_url, agent_id=demo.agent_id),
            credentials=credentials,
            prompts=YesPrompts(),
            open_url=lambda _url: True,
            environ=environ,
        )
        test = SelfTest(app, started + TIME_LIMIT)
        try:
            async with asyncio.timeout(TIME_LIMIT - (time.monotonic() - started)):
                await app.start()
                await test.run()
        except SelfTestError as exc:
            print(f"self-test FAILED: {exc}", file=sys.stderr, flush=True)
            return 1
        except TimeoutError:
            print(f"self-test FAILED: not done within {TIME_LIMIT:.0f} s", file=sys.stderr)
            return 1
        finally:
            await app.aclose()
            await asyncio.to_thread(demo.stop)
    print(f"self-test OK in {time.monotonic() - started:.1f} s", flush=True)
    return 0


def run_self_test(options: LaunchOptions, make_app: AppFactory) -> int:
    """Entry point for `--self-test`; needs `--demo` (it never touches a real account)."""
    if not options.demo:
        print(
            "self-test FAILED: --self-test runs on the simulator only; add --demo", file=sys.stderr
        )
        return 1
    started = time.monotonic()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    existing = QApplication.instance()
    qt_app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    qt_app.setApplicationName("GEN Desktop self-test")
    del qt_app
    return qasync.run(_run(started, make_app))
