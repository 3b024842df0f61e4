"""Signing in: check a pasted key with `GET /me`, then keep it in the OS keyring or for this run.

Qt-free logic the welcome page, the "sign in again" dialog and `genpro login` share (the CLI uses
`key_input_problem`; its request goes through its own client). Keyring calls block (D-Bus,
an unlock prompt) so they run in a worker thread; the key check is one async request on a
short-lived client that is always closed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from genpro_desktop.core.api import (
    AuthenticationError,
    GenError,
    Me,
    PathPrefix,
    PermissionDeniedError,
    Secret,
)
from genpro_desktop.core.credentials import (
    CredentialError,
    CredentialStore,
    InsecureKeyringError,
    KeyringLockedError,
    KeyringPromptDismissedError,
    KeyringUnavailableError,
    ResolvedKey,
    resolve_api_key,
)


class KeyRejectedError(Exception):
    """GEN did not accept the key (or could not be asked); the message says which."""


@dataclass(frozen=True)
class KeyStorageProblem:
    """Why the key could not be kept in the keyring, in words, and what kind of failure it was."""

    title: str
    message: str


def display_name(me: Me) -> str:
    """How to name the signed-in user: name, then email, then user name, then id."""
    return me.name or me.email or me.username or f"user {me.id}"


def key_input_problem(text: str) -> str | None:
    """Why typed or pasted text cannot be an API key, before asking GEN (None: it may be one)."""
    if not text.strip():
        return "No API key was entered."
    if any(ch.isspace() for ch in text):
        return "That does not look like an API key (it contains spaces)."
    return None


async def check_key(key: Secret, *, base_url: str, path_prefix: PathPrefix = "auto") -> Me:
    """Ask GEN who owns `key`; raise `KeyRejectedError` with a clear message when it fails."""
    problem = key_input_problem(key.reveal())
    if problem is not None:
        raise KeyRejectedError(problem)
    from genpro_desktop.core.services import make_client  # httpx: not before the first paint

    try:
        async with make_client(api_key=key, base_url=base_url, path_prefix=path_prefix) as client:
            return await client.me.get()
    except AuthenticationError as exc:
        raise KeyRejectedError(
            "GEN did not accept this key (401). Check that you copied all of it, or create a "
            "new one."
        ) from exc
    except PermissionDeniedError as exc:
        raise KeyRejectedError(
            "GEN accepted the key but refused access (403). The key may lack a permission."
        ) from exc
    except (GenError, ValueError) as exc:
        raise KeyRejectedError(f"Could not check the key: {exc}") from exc


async def load_saved_key(store: CredentialStore) -> ResolvedKey | None:
    """The key from `GEN_API_KEY` or the store (read in a worker thread); None when neither."""
    return await asyncio.to_thread(resolve_api_key, None, store)


async def save_key(store: CredentialStore, key: Secret) -> None:
    """Keep `key` in `store`, off the GUI thread; raises `CredentialError`."""
    await asyncio.to_thread(store.set, key)


async def forget_key(store: CredentialStore) -> None:
    """Remove the key from `store`, off the GUI thread; raises `CredentialError`."""
    await asyncio.to_thread(store.delete)


def explain_storage_problem(exc: CredentialError) -> KeyStorageProblem:
    """Turn a keyring failure into a heading and the core's specific message."""
    if isinstance(exc, KeyringPromptDismissedError):
        title = "The keyring prompt was dismissed"
    elif isinstance(exc, KeyringLockedError):
        title = "The keyring is locked"
    elif isinstance(exc, InsecureKeyringError):
        title = "Only an insecure keyring is available"
    elif isinstance(exc, KeyringUnavailableError):
        title = "No system keyring is available"
    else:
        title = "The key could not be saved"
    return KeyStorageProblem(title=title, message=str(exc))
