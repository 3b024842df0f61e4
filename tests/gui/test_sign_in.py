"""Start-up and sign-in: welcome page, key check with GET /me, keyring or this run only, demo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from guikit import FakePrompts
from PySide6.QtWidgets import QLabel, QLineEdit

from genpro_desktop.core.api import Secret
from genpro_desktop.core.credentials import (
    CredentialError,
    InsecureKeyringError,
    KeyringLockedError,
    KeyringPromptDismissedError,
    KeyringUnavailableError,
    MemoryCredentialStore,
)
from genpro_desktop.core.paths import app_paths
from genpro_desktop.core.store import InstanceLock
from genpro_desktop.gui.app import DesktopApp, LaunchOptions
from genpro_desktop.simulator import DEMO_API_KEY, Simulator

MakeApp = Callable[..., Any]


class FailingKeyring(MemoryCredentialStore):
    """A keyring whose writes fail the way real ones do."""

    def __init__(self, error: CredentialError) -> None:
        super().__init__()
        self.error = error

    def set(self, secret: Secret | str) -> None:
        raise self.error


async def _sign_in(app: DesktopApp, key: str, *, this_run_only: bool = False) -> None:
    assert app.window is not None
    form = app.window.welcome_page.form
    form.key_edit.setText(key)
    form.this_run_only_box.setChecked(this_run_only)
    form.sign_in_button.click()
    await app.tasks.wait_idle()


async def test_first_run_shows_the_welcome_page_with_a_masked_key_field(
    make_app: MakeApp,
) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    assert app.window.on_welcome_page
    form = app.window.welcome_page.form
    assert form.key_edit.echoMode() is QLineEdit.EchoMode.Password
    hint = form.findChild(QLabel, "keyHint")
    assert hint is not None
    assert "API" in hint.text()
    assert not app.window.jobs_panel.isVisible()


async def test_a_wrong_key_is_refused_without_showing_it(make_app: MakeApp) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    canary = "gen_pat_canary_wrong_key_123"
    await _sign_in(app, canary)
    problem = app.window.welcome_page.form.problem_label
    assert problem.isVisible()
    assert "401" in problem.text()
    assert canary not in problem.text()
    assert app.window.on_welcome_page


async def test_a_checked_key_is_saved_and_the_user_is_shown(
    make_app: MakeApp, credentials: MemoryCredentialStore, sim: Simulator
) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    await _sign_in(app, DEMO_API_KEY)
    assert not app.window.on_welcome_page
    assert credentials.get() == Secret(DEMO_API_KEY)
    assert app.window.account_bar.user_label.text() == "Signed in as Demo User"
    assert app.window.jobs_panel.isVisible()
    assert sim.journal.count("GET", r"/me$") >= 1
    assert app.window.browser.engine_list_model.rowCount() == 3
    assert not app.window.account_bar.demo_badge.isVisible()


@pytest.mark.parametrize(
    ("error", "heading"),
    [
        (KeyringLockedError("The keyring (Secret Service) is locked, ..."), "locked"),
        (KeyringPromptDismissedError("The keyring unlock prompt was dismissed"), "dismissed"),
        (InsecureKeyringError("keyrings.alt plaintext file is not protected"), "insecure"),
        (KeyringUnavailableError("No system keyring is available"), "No system keyring"),
    ],
)
async def test_keyring_failures_are_explained_and_this_run_only_is_offered(
    make_app: MakeApp, error: CredentialError, heading: str
) -> None:
    store = FailingKeyring(error)
    app: DesktopApp = await make_app(credentials=store)
    assert app.window is not None
    await _sign_in(app, DEMO_API_KEY)
    form = app.window.welcome_page.form
    assert app.window.on_welcome_page
    assert heading in form.problem_label.text()
    assert str(error) in form.problem_label.text()
    assert form.run_only_button.isVisible()
    form.key_edit.setText(DEMO_API_KEY)
    form.run_only_button.click()
    await app.tasks.wait_idle()
    assert not app.window.on_welcome_page
    assert store.get() is None  # nothing was stored anywhere


async def test_this_run_only_keeps_the_key_out_of_the_keyring(
    make_app: MakeApp, credentials: MemoryCredentialStore
) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    await _sign_in(app, DEMO_API_KEY, this_run_only=True)
    assert not app.window.on_welcome_page
    assert credentials.get() is None


async def test_a_saved_key_signs_in_at_start_and_sign_out_deletes_it(
    make_app: MakeApp, signed_in: MemoryCredentialStore, prompts: FakePrompts
) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    assert not app.window.on_welcome_page
    prompts.choice = 1  # "Remove the key"
    app.window.account_bar.sign_out_button.click()
    await app.tasks.wait_idle()
    assert app.window.on_welcome_page
    assert signed_in.get() is None
    assert "removed" in app.window.welcome_page.notice_label.text()
    assert app.window.jobs_panel.model.rowCount() == 0


async def test_sign_out_asks_first_and_can_keep_the_key(
    make_app: MakeApp, signed_in: MemoryCredentialStore, prompts: FakePrompts
) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    prompts.choice = None  # Cancel: nothing happens
    app.window.account_bar.sign_out_button.click()
    await app.tasks.wait_idle()
    assert not app.window.on_welcome_page
    title, _, details = prompts.asked[-1]
    assert title == "Sign out"
    assert "only once" in details
    prompts.choice = 0  # keep the key, just switch account
    app.window.account_bar.sign_out_button.click()
    await app.tasks.wait_idle()
    assert app.window.on_welcome_page
    assert signed_in.get() == Secret(DEMO_API_KEY)
    assert "still in the system keyring" in app.window.welcome_page.notice_label.text()


async def test_try_the_demo_runs_on_the_simulator_with_a_badge(make_app: MakeApp) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    app.window.welcome_page.demo_button.click()
    await app.tasks.wait_idle()
    assert app.flow is not None
    assert app.flow.demo
    assert app.window.account_bar.demo_badge.isVisible()
    assert "demo" in app.window.windowTitle()
    assert app.window.browser.engine_list_model.rowCount() == 3
    app.window.account_bar.sign_out_button.click()  # "Leave demo"
    await app.tasks.wait_idle()
    assert app.window.on_welcome_page
    assert app.flow.simulator is None


async def test_demo_option_skips_the_welcome_page(make_app: MakeApp) -> None:
    app: DesktopApp = await make_app(options=LaunchOptions(demo=True))
    assert app.window is not None
    assert not app.window.on_welcome_page
    assert app.window.account_bar.demo_badge.isVisible()
    assert app.window.account_bar.user_label.text() == "Signed in as Demo User"


class UnreadableKeyring(MemoryCredentialStore):
    """A keyring that cannot even be read (no backend at all)."""

    def get(self) -> Secret | None:
        raise KeyringUnavailableError(
            "No system keyring is available (keyring chose keyring.backends.fail.Keyring)."
        )


async def test_an_unreadable_keyring_at_start_explains_itself_and_offers_this_run_only(
    make_app: MakeApp,
) -> None:
    app: DesktopApp = await make_app(credentials=UnreadableKeyring())
    assert app.window is not None
    notice = app.window.welcome_page.notice_label
    assert notice.isVisible()
    assert notice.text().startswith("No system keyring is available.")
    form = app.window.welcome_page.form
    assert form.this_run_only_box.isChecked()
    await _sign_in(app, DEMO_API_KEY, this_run_only=True)
    assert not app.window.on_welcome_page


async def test_another_process_tracking_jobs_is_named_on_the_welcome_page(
    make_app: MakeApp, signed_in: MemoryCredentialStore
) -> None:
    paths = app_paths().ensure()
    other = InstanceLock.default(paths, program="genpro")
    assert other.acquire()
    try:
        app: DesktopApp = await make_app()
        assert app.window is not None
        assert app.window.on_welcome_page
        notice = app.window.welcome_page.notice_label.text()
        assert "already tracking jobs" in notice
        assert "genpro (pid" in notice
    finally:
        other.release()


class LockedKeyring(MemoryCredentialStore):
    """A keyring that holds the key but is locked until `unlock()`."""

    locked = True

    def get(self) -> Secret | None:
        if self.locked:
            raise KeyringLockedError("The keyring is locked; unlock it and try again.")
        return super().get()


async def test_a_locked_keyring_asks_to_unlock_and_retries_instead_of_signing_out(
    make_app: MakeApp,
) -> None:
    store = LockedKeyring(DEMO_API_KEY)
    app: DesktopApp = await make_app(credentials=store)
    assert app.window is not None
    page = app.window.welcome_page
    assert page.locked_box.isVisible()
    assert "Unlock your keyring" in page.locked_label.text()
    assert not page.form.isVisible()  # not the empty form of someone signed out
    assert not page.notice_label.isVisible()  # the problem is said once
    page.retry_button.click()
    await app.tasks.wait_idle()
    assert page.locked_box.isVisible()  # still locked: still says so
    store.locked = False
    page.retry_button.click()
    await app.tasks.wait_idle()
    assert not app.window.on_welcome_page


async def test_the_key_fields_show_hide_toggle_is_visible(make_app: MakeApp) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    form = app.window.welcome_page.form
    assert form.reveal_button.isVisible()
    assert form.reveal_button.text() == "Show"
    form.reveal_button.click()
    assert form.key_edit.echoMode() is QLineEdit.EchoMode.Normal
    assert form.reveal_button.text() == "Hide"
    form.reveal_button.click()
    assert form.key_edit.echoMode() is QLineEdit.EchoMode.Password
