"""The API key store: trusted keyrings only, clear errors, env first, never on disk."""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService
from keyring.backends.chainer import ChainerBackend
from secretstorage.exceptions import PromptDismissedException

from genpro_desktop.core.api import Secret
from genpro_desktop.core.credentials import (
    KEYRING_SERVICE,
    KEYRING_USERNAME,
    CredentialError,
    InsecureKeyringError,
    KeyringCredentialStore,
    KeyringLockedError,
    KeyringPromptDismissedError,
    KeyringUnavailableError,
    MemoryCredentialStore,
    ResolvedKey,
    resolve_api_key,
)

pytestmark = pytest.mark.usefixtures("restore_keyring")

CANARY = "gen_pat_canary_" + uuid.uuid4().hex


class DictKeyring(KeyringBackend):
    """Stores passwords in a dict; never chosen by keyring itself (negative priority)."""

    priority = -10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.items:
            raise keyring.errors.PasswordDeleteError("No such password!")
        del self.items[(service, username)]


class FakeSecretService(SecretService.Keyring):
    """A Secret Service backend (trusted by class) that keeps items in memory, no D-Bus."""

    priority = -10  # type: ignore[assignment]

    def __init__(self, error: Exception | None = None) -> None:
        super().__init__()
        self.error = error
        self.items: dict[tuple[str, str], str] = {}

    def _fail(self) -> None:
        if self.error is not None:
            raise self.error

    def get_password(self, service: str, username: str) -> str | None:
        self._fail()
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._fail()
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._fail()
        if (service, username) not in self.items:
            raise keyring.errors.PasswordDeleteError("No such password!")
        del self.items[(service, username)]


class PlaintextKeyring(DictKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring (keyrings.alt is not installed)."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


class ThirdPartyKeyring(DictKeyring):
    """A backend nobody vetted."""


ThirdPartyKeyring.__module__ = "keyring_pass"


def chainer(*children: KeyringBackend) -> ChainerBackend:
    """A ChainerBackend over exactly `children` (keyring normally discovers them itself)."""
    # A negative priority keeps keyring's own discovery from ever choosing these test classes.
    chain_class = type("Chain", (ChainerBackend,), {"backends": list(children), "priority": -10})
    return chain_class()


# -- refusing untrusted backends ------------------------------------------------------------


def test_no_keyring_at_all_is_reported_as_unavailable_not_insecure() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = KeyringCredentialStore()
    for operation in (store.get, lambda: store.set(CANARY), store.delete):
        with pytest.raises(KeyringUnavailableError) as caught:
            operation()
        assert not isinstance(caught.value, InsecureKeyringError)
        assert "No system keyring is available" in str(caught.value)
        assert "GEN_API_KEY" in str(caught.value)


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (keyring.backends.null.Keyring, "keyring.backends.null.Keyring silently discards"),
        (PlaintextKeyring, "keyrings.alt.file.PlaintextKeyring (from keyrings.alt)"),
        (ThirdPartyKeyring, "keyring_pass.ThirdPartyKeyring is not a system keyring"),
        (lambda: chainer(PlaintextKeyring(), keyring.backends.null.Keyring()), "no trusted"),
        (lambda: chainer(), "no trusted system keyring"),
    ],
)
def test_untrusted_backends_are_refused(make, named: str) -> None:
    backend = make()
    keyring.set_keyring(backend)
    store = KeyringCredentialStore()
    for operation in (store.get, lambda: store.set(CANARY), store.delete, store.describe):
        with pytest.raises(InsecureKeyringError) as caught:
            operation()
        message = str(caught.value)
        assert named in message
        assert "GEN_API_KEY" in message
        assert "this run only" in message
        assert CANARY not in message
        assert isinstance(caught.value, KeyringUnavailableError)
    assert getattr(backend, "items", {}) == {}, "nothing may be written to a refused backend"


def test_a_keyrings_alt_subclass_of_a_trusted_class_is_still_refused() -> None:
    sneaky = type("Sneaky", (FakeSecretService,), {"__module__": "keyrings.alt.file"})
    with pytest.raises(InsecureKeyringError, match=r"keyrings\.alt"):
        KeyringCredentialStore(sneaky()).set(CANARY)


def test_a_chain_of_trusted_backends_is_used() -> None:
    first = FakeSecretService()
    store = KeyringCredentialStore(chainer(first, FakeSecretService()))
    store.set(CANARY)
    assert first.items == {(KEYRING_SERVICE, KEYRING_USERNAME): CANARY}
    assert store.describe() == "Secret Service"


def test_a_mixed_chain_uses_only_its_trusted_backend() -> None:
    plain, trusted = PlaintextKeyring(), FakeSecretService()
    plain.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "stale-plaintext-key")
    store = KeyringCredentialStore(chainer(plain, trusted))
    assert store.get() is None  # the plaintext copy is never read
    store.set(CANARY)
    assert trusted.items == {(KEYRING_SERVICE, KEYRING_USERNAME): CANARY}
    assert plain.items == {(KEYRING_SERVICE, KEYRING_USERNAME): "stale-plaintext-key"}


def test_default_store_follows_the_active_keyring() -> None:
    backend = FakeSecretService()
    keyring.set_keyring(backend)
    store = KeyringCredentialStore()
    store.set(f"  {CANARY}\n")  # pasted keys are trimmed
    assert store.get() == Secret(CANARY)
    assert store.source == "keyring"
    store.delete()
    store.delete()  # deleting nothing is fine
    assert store.get() is None
    assert backend.items == {}


# -- keyring failures -----------------------------------------------------------------------


@pytest.mark.parametrize("named", ["no.such.Backend", "keyring.backends.nonexistent.Keyring"])
def test_a_backend_that_cannot_be_loaded_is_unavailable_not_a_crash(
    named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring.core

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", named)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # load it afresh
    with pytest.raises(KeyringUnavailableError, match="PYTHON_KEYRING_BACKEND") as caught:
        KeyringCredentialStore().get()
    assert named in str(caught.value)
    assert "GEN_API_KEY" in str(caught.value)  # what to do instead


def dismissed_init_error() -> keyring.errors.InitError:
    try:
        raise PromptDismissedException("Prompt dismissed.")
    except PromptDismissedException as cause:
        error = keyring.errors.InitError("Failed to create the collection: Prompt dismissed.")
        error.__cause__ = cause
        return error


@pytest.mark.parametrize(
    ("error", "expected", "words"),
    [
        (
            keyring.errors.KeyringLocked("Failed to unlock the collection!"),
            KeyringLockedError,
            "is locked",
        ),
        (dismissed_init_error(), KeyringPromptDismissedError, "prompt was dismissed"),
        (PromptDismissedException("Prompt dismissed."), KeyringPromptDismissedError, "dismissed"),
        (keyring.errors.NoKeyringError("no backend"), KeyringUnavailableError, "NoKeyringError"),
        (keyring.errors.InitError("no D-Bus session"), KeyringUnavailableError, "no D-Bus session"),
        (keyring.errors.KeyringError("boom"), KeyringUnavailableError, "KeyringError: boom"),
        (
            RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown"),
            KeyringUnavailableError,
            "ServiceUnknown",
        ),
    ],
)
def test_keyring_errors_are_mapped(error: Exception, expected: type, words: str) -> None:
    store = KeyringCredentialStore(FakeSecretService(error))
    for operation in (store.get, lambda: store.set(CANARY), store.delete):
        with pytest.raises(expected, match=words) as caught:
            operation()
        assert type(caught.value) is expected
        assert isinstance(caught.value, CredentialError)
        assert "Secret Service" in str(caught.value) or expected is KeyringPromptDismissedError
        assert CANARY not in str(caught.value)


def test_an_error_that_echoes_the_key_is_scrubbed() -> None:
    leaky = keyring.errors.PasswordSetError(f"could not store {CANARY}")
    store = KeyringCredentialStore(FakeSecretService(leaky))
    with pytest.raises(KeyringUnavailableError) as caught:
        store.set(CANARY)
    assert CANARY not in str(caught.value)
    assert "********" in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_empty_keys_are_refused() -> None:
    for store in (MemoryCredentialStore(), KeyringCredentialStore(FakeSecretService())):
        with pytest.raises(ValueError, match="empty"):
            store.set("   ")


# -- memory store and resolution ------------------------------------------------------------


def test_memory_store_is_for_this_run_only() -> None:
    store = MemoryCredentialStore()
    assert store.get() is None
    assert store.describe() == "this run only"
    store.set(CANARY)
    assert store.get() == Secret(CANARY)
    assert CANARY not in repr(store.get())
    assert CANARY not in f"{store.get()}"
    store.delete()
    assert store.get() is None


def test_env_key_comes_first() -> None:
    store = MemoryCredentialStore("stored-key")
    resolved = resolve_api_key({"GEN_API_KEY": f" {CANARY} "}, store)
    assert resolved == ResolvedKey(Secret(CANARY), "env")
    assert CANARY not in repr(resolved)


def test_store_is_used_without_env() -> None:
    assert resolve_api_key({"GEN_API_KEY": "  "}, MemoryCredentialStore("k1")) == ResolvedKey(
        Secret("k1"), "session"
    )
    backend = FakeSecretService()
    backend.items[(KEYRING_SERVICE, KEYRING_USERNAME)] = "k2"
    assert resolve_api_key({}, KeyringCredentialStore(backend)) == ResolvedKey(
        Secret("k2"), "keyring"
    )


def test_no_key_anywhere() -> None:
    assert resolve_api_key({}, MemoryCredentialStore()) is None
    assert resolve_api_key({}, None) is None


def test_resolve_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEN_API_KEY", CANARY)
    assert resolve_api_key(None, None) == ResolvedKey(Secret(CANARY), "env")


def test_store_errors_are_not_hidden_as_no_key() -> None:
    locked = KeyringCredentialStore(FakeSecretService(keyring.errors.KeyringLocked("locked")))
    with pytest.raises(KeyringLockedError):
        resolve_api_key({}, locked)


# -- the real Secret Service (CI runs it under dbus-run-session with gnome-keyring) ---------


def _real_secret_service() -> KeyringBackend:
    """The working Secret Service backend, or skip with the reason."""
    active = keyring.get_keyring()
    candidates = getattr(active, "backends", [active])
    found = [b for b in candidates if type(b) is SecretService.Keyring]
    if not found:
        pytest.skip(
            f"the active keyring is {type(active).__module__}.{type(active).__name__}, not the "
            "Secret Service; run under dbus-run-session with an unlocked gnome-keyring (.ci/run)"
        )
    backend = found[0]
    probe = f"genpro-desktop-probe-{uuid.uuid4().hex}"
    try:
        backend.set_password(probe, "probe", "probe")
        backend.delete_password(probe, "probe")
    except Exception as exc:
        pytest.skip(f"the Secret Service does not work here ({type(exc).__name__}: {exc})")
    return backend


def _files_containing(needle: str, paths: list[Path], since: float) -> list[Path]:
    """The files among `paths` changed since `since` whose bytes contain `needle`."""
    hits: list[Path] = []
    for path in paths:
        try:
            if not path.is_file() or path.is_symlink():
                continue
            info = path.stat()
            recent = info.st_mtime >= since and info.st_size < 50 * 1024**2
            if recent and needle.encode() in path.read_bytes():
                hits.append(path)
        except OSError:
            continue
    return hits


def test_real_secret_service_round_trip(
    isolated_data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = _real_secret_service()
    started = time.time() - 1
    caplog.set_level(logging.DEBUG)
    # A per-test service name, so a developer's real key is never touched.
    store = KeyringCredentialStore(service=f"genpro-desktop-test-{uuid.uuid4().hex}")
    try:
        store.set(CANARY)
        assert store.get() == Secret(CANARY)
        assert store.describe() == "Secret Service"
        assert resolve_api_key({}, store) == ResolvedKey(Secret(CANARY), "keyring")
        assert backend.get_password(store._service, KEYRING_USERNAME) == CANARY  # pyright: ignore[reportPrivateUsage]
    finally:
        store.delete()
    assert store.get() is None
    store.delete()  # already gone: still fine

    # S-1: the key reached the keyring and nothing else.
    # Everything under this test's folders, and files directly in the system temp folder.
    candidates = [*tmp_path.rglob("*"), *Path(tempfile.gettempdir()).iterdir()]
    assert isolated_data_dir.is_relative_to(tmp_path)
    assert _files_containing(CANARY, candidates, started) == []
    assert CANARY not in caplog.text
