"""Where the GEN API key lives: the OS keyring, the environment, or this run's memory only.

The key is stored under service ``genpro-desktop``, user name ``api-key`` (one key per OS user),
and is never written to a file or a log by this app (security checklist S-1, S-3).

Only system keyrings are trusted (S-2): macOS Keychain, Windows Credential Locker, the
freedesktop Secret Service (GNOME Keyring, KeePassXC...) directly or through libsecret, and
KWallet. ``keyrings.alt`` (plain or weakly protected files), the ``null`` backend (silently drops
secrets) are refused with ``InsecureKeyringError``; the ``fail`` backend (no keyring at all) with
``KeyringUnavailableError``,
and so is any backend not on the list. keyring's ``ChainerBackend`` is used as-is when every
backend it chains is trusted; when it mixes trusted and untrusted ones, the highest-priority
trusted one is used directly, so a secret can never land in an untrusted store.

Keyring calls block (D-Bus, and an unlock prompt may appear): call them off the GUI thread.

::

    CredentialError
    ├── KeyringUnavailableError        no usable keyring (no backend, no D-Bus, backend failure)
    │   └── InsecureKeyringError       the active backend is not a trusted system keyring
    └── KeyringLockedError             the keyring is locked
        └── KeyringPromptDismissedError  the user dismissed the unlock prompt
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar, cast

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from genpro_desktop.core.api import Secret

KEYRING_SERVICE = "genpro-desktop"
KEYRING_USERNAME = "api-key"
API_KEY_ENV = "GEN_API_KEY"

KeySource = Literal["env", "keyring", "session"]

# Trusted backend classes by qualified name, so nothing platform-specific has to be imported.
_TRUSTED: dict[str, str] = {
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Locker",
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "keyring.backends.libsecret.Keyring": "Secret Service (libsecret)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
}
_CHAINER = "keyring.backends.chainer.ChainerBackend"
_ADVICE = (
    "Install or unlock your system keyring (GNOME Keyring or KWallet on Linux), or set "
    "PYTHON_KEYRING_BACKEND to a system backend; until then, set GEN_API_KEY in the "
    "environment or keep the key for this run only."
)
_T = TypeVar("_T")


class CredentialError(Exception):
    """The API key could not be read or stored; ``str()`` never contains the key."""


class KeyringUnavailableError(CredentialError):
    """No usable OS keyring."""


class InsecureKeyringError(KeyringUnavailableError):
    """The active keyring backend is not a trusted system keyring."""


class KeyringLockedError(CredentialError):
    """The keyring is locked and was not unlocked."""


class KeyringPromptDismissedError(KeyringLockedError):
    """The user dismissed the keyring's unlock prompt."""


class CredentialStore(Protocol):
    """Somewhere to keep one API key."""

    @property
    def source(self) -> KeySource:
        """Where a key read from this store comes from."""
        ...

    def describe(self) -> str:
        """A short name for the user, such as ``"Secret Service"``."""
        ...

    def get(self) -> Secret | None:
        """Return the stored key, or None when there is none."""
        ...

    def set(self, secret: Secret | str) -> None:
        """Store ``secret``, replacing any previous key."""
        ...

    def delete(self) -> None:
        """Forget the key; no error when there is none."""
        ...


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    """The key to use and where it came from."""

    secret: Secret
    source: KeySource


class MemoryCredentialStore:
    """Keeps the key for this run only (nothing is written anywhere)."""

    def __init__(self, secret: Secret | str | None = None) -> None:
        self._secret = _wrap(secret) if secret is not None else None

    @property
    def source(self) -> KeySource:
        """Keys from here are for this session only."""
        return "session"

    def describe(self) -> str:
        """Return ``"this run only"``."""
        return "this run only"

    def get(self) -> Secret | None:
        """Return the key, if one was set in this run."""
        return self._secret

    def set(self, secret: Secret | str) -> None:
        """Keep ``secret`` in memory."""
        self._secret = _wrap(secret)

    def delete(self) -> None:
        """Forget the key."""
        self._secret = None


class KeyringCredentialStore:
    """The OS keyring; refuses backends that are not trusted system keyrings."""

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        service: str = KEYRING_SERVICE,
        username: str = KEYRING_USERNAME,
    ) -> None:
        # None means "whatever keyring.get_keyring() is at the time of each call".
        self._backend = backend
        self._service = service
        self._username = username

    @property
    def source(self) -> KeySource:
        """Keys from here come from the OS keyring."""
        return "keyring"

    def backend(self) -> KeyringBackend:
        """Return the trusted backend to use, or raise ``InsecureKeyringError``."""
        active = self._backend if self._backend is not None else _active_backend()
        return trusted_backend(active)

    def describe(self) -> str:
        """Return the trusted backend's name, such as ``"macOS Keychain"``."""
        return describe_backend(self.backend())

    def get(self) -> Secret | None:
        """Return the stored key, or None when there is none."""
        value = self._call("read the API key", lambda b: b.get_password(*self._entry))
        return Secret(value) if value else None

    def set(self, secret: Secret | str) -> None:
        """Store ``secret`` in the keyring, replacing any previous key."""
        wrapped = _wrap(secret)

        def store(backend: KeyringBackend) -> None:
            # keyring's metaclass wraps set_password, which hides its signature from pyright.
            setter = cast(Callable[[str, str, str], None], backend.set_password)  # pyright: ignore[reportUnknownMemberType]
            setter(self._service, self._username, wrapped.reveal())

        self._call("save the API key", store, secret=wrapped)

    def delete(self) -> None:
        """Remove the key from the keyring; no error when there is none."""
        try:
            self._call("delete the API key", lambda b: b.delete_password(*self._entry))
        except KeyringUnavailableError as exc:
            # Backends report "nothing to delete" as PasswordDeleteError; that is success.
            if isinstance(exc.__cause__, keyring.errors.PasswordDeleteError) and self.get() is None:
                return
            raise

    @property
    def _entry(self) -> tuple[str, str]:
        return (self._service, self._username)

    def _call(
        self,
        action: str,
        operation: Callable[[KeyringBackend], _T],
        *,
        secret: Secret | None = None,
    ) -> _T:
        backend = self.backend()
        try:
            return operation(backend)
        except Exception as exc:
            mapped = _map_error(exc, action, describe_backend(backend), secret)
            # Chain the original only when its text cannot contain the key.
            if secret is not None and secret.reveal() in _chain_text(exc):
                raise mapped from None
            raise mapped from exc


def _active_backend() -> KeyringBackend:
    """keyring's active backend; a backend that cannot be loaded (a bogus
    PYTHON_KEYRING_BACKEND, a broken keyring config file) is KeyringUnavailableError."""
    try:
        return keyring.get_keyring()
    except Exception as exc:
        named = os.environ.get("PYTHON_KEYRING_BACKEND")
        source = f"PYTHON_KEYRING_BACKEND={named!r}" if named else "keyring's configuration"
        raise KeyringUnavailableError(
            f"The keyring backend chosen by {source} cannot be loaded "
            f"({type(exc).__name__}: {str(exc)[:200]}). {_ADVICE}"
        ) from exc


def resolve_api_key(
    environ: Mapping[str, str] | None, store: CredentialStore | None
) -> ResolvedKey | None:
    """Return the key from ``GEN_API_KEY`` first, then from ``store``; None when neither has one."""
    env = os.environ if environ is None else environ
    value = env.get(API_KEY_ENV, "").strip()
    if value:
        return ResolvedKey(Secret(value), "env")
    if store is None:
        return None
    stored = store.get()
    return ResolvedKey(stored, store.source) if stored else None


def backend_class_name(backend: KeyringBackend) -> str:
    """Return the backend's qualified class name, e.g. ``keyring.backends.null.Keyring``."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def describe_backend(backend: KeyringBackend) -> str:
    """Return a friendly name for a backend (its class name when it is not a trusted one)."""
    if _is_chainer(backend):
        names = [describe_backend(child) for child in _chained(backend)]
        return " + ".join(dict.fromkeys(names)) or "an empty keyring chain"
    for cls in type(backend).__mro__:
        friendly = _TRUSTED.get(f"{cls.__module__}.{cls.__qualname__}")
        if friendly is not None:
            return friendly
    return backend_class_name(backend)


def trusted_backend(backend: KeyringBackend) -> KeyringBackend:
    """Return ``backend`` (or its best trusted chained backend); raise if none is trusted."""
    if not _is_chainer(backend):
        problem = _distrust(backend)
        if problem is not None:
            # keyring's `fail` backend means "no keyring at all", which is not an insecure one.
            absent = backend_class_name(backend) == "keyring.backends.fail.Keyring"
            error = KeyringUnavailableError if absent else InsecureKeyringError
            raise error(f"{problem} {_ADVICE}")
        return backend
    children = _chained(backend)
    trusted = [child for child in children if _distrust(child) is None]
    if trusted and len(trusted) == len(children):
        return backend
    if trusted:
        return trusted[0]  # keyring sorts chained backends by priority, highest first
    names = ", ".join(backend_class_name(child) for child in children) or "none"
    raise InsecureKeyringError(
        f"The keyring chain ({_CHAINER}) has no trusted system keyring (it holds: {names}), "
        f"so genpro-desktop will not store the API key there. {_ADVICE}"
    )


def _distrust(backend: KeyringBackend) -> str | None:
    """Return why ``backend`` is not trusted, or None when it is."""
    name = backend_class_name(backend)
    mro = type(backend).__mro__
    if any(cls.__module__.startswith("keyrings.alt") for cls in mro):
        return (
            f"The keyring backend {name} (from keyrings.alt) keeps secrets in a file that is not "
            "protected by your system, so genpro-desktop will not store the API key there."
        )
    if name == "keyring.backends.null.Keyring":
        return f"The keyring backend {name} silently discards secrets, so it cannot keep the key."
    if name == "keyring.backends.fail.Keyring":
        return f"No system keyring is available (keyring chose {name})."
    if any(f"{cls.__module__}.{cls.__qualname__}" in _TRUSTED for cls in mro):
        return None
    allowed = ", ".join(dict.fromkeys(_TRUSTED.values()))
    return (
        f"The keyring backend {name} is not a system keyring genpro-desktop trusts "
        f"(trusted: {allowed})."
    )


def _is_chainer(backend: KeyringBackend) -> bool:
    return any(f"{cls.__module__}.{cls.__qualname__}" == _CHAINER for cls in type(backend).__mro__)


def _chained(backend: KeyringBackend) -> list[KeyringBackend]:
    children: object = getattr(backend, "backends", [])
    if not isinstance(children, list | tuple):
        return []
    return [child for child in children if isinstance(child, KeyringBackend)]  # pyright: ignore[reportUnknownVariableType]


def _map_error(exc: Exception, action: str, backend: str, secret: Secret | None) -> CredentialError:
    chain = _exception_chain(exc)
    if any(_looks_dismissed(link) for link in chain):
        return KeyringPromptDismissedError(
            f"The keyring unlock prompt was dismissed, so genpro-desktop could not {action}. "
            "Try again and unlock the keyring, or keep the key for this run only."
        )
    if any(
        isinstance(link, keyring.errors.KeyringLocked) or type(link).__name__ == "LockedException"
        for link in chain
    ):
        return KeyringLockedError(
            f"The keyring ({backend}) is locked, so genpro-desktop could not {action}. "
            "Unlock it (for example by logging in again or opening your password manager) "
            "and try again, or keep the key for this run only."
        )
    detail = _scrub(str(exc), secret)
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return KeyringUnavailableError(
        f"The keyring ({backend}) failed, so genpro-desktop could not {action} ({reason}). "
        + _ADVICE
    )


def _looks_dismissed(exc: BaseException) -> bool:
    # secretstorage raises PromptDismissedException; over raw D-Bus the prompt's "Completed"
    # signal reports dismissed=True, which some wrappers surface as a "Dismissed" message.
    return type(exc).__name__ == "PromptDismissedException" or "dismissed" in str(exc).lower()


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _chain_text(exc: BaseException) -> str:
    return " ".join(f"{link!s} {link!r}" for link in _exception_chain(exc))


def _scrub(text: str, secret: Secret | None) -> str:
    text = text.strip()
    if secret is not None and secret.reveal():
        text = text.replace(secret.reveal(), "********")
    return text[:200]


def _wrap(secret: Secret | str) -> Secret:
    value = secret if isinstance(secret, Secret) else Secret(secret.strip())
    if not value.reveal().strip():
        raise ValueError("the API key is empty")
    return value
