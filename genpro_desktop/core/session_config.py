"""Where a session talks to and as whom: one resolver for the desktop app and the CLI.

Each field is resolved from the first source that has a value, in this order, and says which
source that was (Settings shows the API address in use and where it came from):

- API base URL: the demo's simulator, the command-line option, ``GEN_API_BASE_URL``, the saved
  setting (the desktop app's Settings), the production API;
- publishing host (the schedule API, gen-api.md 11.1): the demo's simulator,
  ``GEN_PUBLISH_BASE_URL``, else the API base URL;
- agent: the command-line option, the demo's agent, ``GEN_AGENT_ID``, else none here (the CLI
  then reads its saved default agent);
- API key: the demo's key, ``GEN_API_KEY``, else the OS keyring (read by the caller, in a worker
  thread in the desktop app: this module does no I/O).

A value that is set but unusable (empty, not UTF-8, not an id) is a `ConfigProblem`. With
``strict=True`` (the CLI) it is raised, so that nobody talks to the production API when they
meant another server; with ``strict=False`` (the desktop app, which has Settings to fall back on)
the source is skipped and the problem is kept in `Resolved.skipped`.

Each function reads only the sources it needs, in order, so a problem in a lower-precedence
variable never stops a run that does not use it. Qt-free; imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, Literal, Protocol, TypeVar

__all__ = [
    "AGENT_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "KEY_ENV",
    "PUBLISH_BASE_URL_ENV",
    "ConfigProblem",
    "DemoTarget",
    "Resolved",
    "SessionTarget",
    "Source",
    "read_env",
    "resolve_agent",
    "resolve_base_url",
    "resolve_key",
    "resolve_publish_base_url",
    "resolve_session",
]

BASE_URL_ENV = "GEN_API_BASE_URL"
PUBLISH_BASE_URL_ENV = "GEN_PUBLISH_BASE_URL"
AGENT_ENV = "GEN_AGENT_ID"
KEY_ENV = "GEN_API_KEY"
# The same as core.api.DEFAULT_BASE_URL (checked by a test); not imported from there because
# core.api brings httpx and pydantic, and the desktop app resolves before its first paint.
DEFAULT_BASE_URL = "https://api.gen.pro/v1"

T = TypeVar("T")
Field = Literal["base_url", "publish_base_url", "agent_id", "api_key"]


class Source(StrEnum):
    """Where a resolved value came from."""

    DEMO = "demo"
    OPTION = "option"  # the command line
    ENVIRONMENT = "environment"
    SETTING = "setting"
    KEYRING = "keyring"  # the API key: not in the environment, so the OS keyring's (if any)
    API_BASE = "api_base"  # the publishing host: the same as the API base URL
    DEFAULT = "default"


class ConfigProblem(ValueError):
    """A source that is set but unusable; the message says which and what to do."""

    def __init__(self, field: Field, message: str) -> None:
        super().__init__(message)
        self.field: Field = field


@dataclass(frozen=True)
class Resolved(Generic[T]):
    """A value, where it came from, and (non-strict) the set-but-unusable sources skipped."""

    value: T
    source: Source
    env_var: str | None = None  # the variable's name when `source` is ENVIRONMENT
    # Lower-precedence sources that had a value and lost (e.g. an environment variable that
    # overrides the saved setting: the setting is listed here).
    overrides: tuple[Source, ...] = ()
    skipped: tuple[ConfigProblem, ...] = field(default=(), compare=False)


class DemoTarget(Protocol):
    """The embedded simulator a --demo run talks to (`simulator.start_demo()` returns one)."""

    @property
    def base_url(self) -> str: ...
    @property
    def api_key(self) -> str: ...
    @property
    def agent_id(self) -> str: ...


@dataclass(frozen=True)
class SessionTarget:
    """Every field at once (the desktop app's view; the CLI resolves each when it needs it)."""

    base_url: Resolved[str]
    publish_base_url: Resolved[str]
    agent_id: Resolved[str | None]
    api_key: Resolved[str | None]  # None: read the OS keyring


def read_env(env: Mapping[str, str], name: str) -> str | None:
    """An environment variable, or ConfigProblem when it is not valid UTF-8 text."""
    value = env.get(name)
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigProblem(
            _ENV_FIELDS.get(name, "base_url"),
            f"{name} is not valid UTF-8 text; nothing was done.",
        ) from None
    return value


def resolve_base_url(
    env: Mapping[str, str],
    *,
    option: str | None = None,
    setting: str | None = None,
    demo_url: str | None = None,
    strict: bool = True,
) -> Resolved[str]:
    """Demo, then --base-url, then GEN_API_BASE_URL, then the setting, then production.

    An empty option or variable is a problem: silently talking to the production API instead
    of the server the user meant would spend real credits. The option is used as given; the
    variable is stripped.
    """
    if demo_url is not None:
        return Resolved(demo_url, Source.DEMO)
    skipped: list[ConfigProblem] = []
    overrides = (Source.SETTING,) if setting else ()
    if option is not None:
        if option.strip():
            return Resolved(option, Source.OPTION, overrides=overrides)
        _problem(
            skipped,
            strict,
            ConfigProblem(
                "base_url",
                "--base-url is empty; give the API address, or leave the option out for "
                f"{DEFAULT_BASE_URL}.",
            ),
        )
    from_env = _env(skipped, strict, env, BASE_URL_ENV)
    if from_env is not None:
        if from_env.strip():
            return Resolved(
                from_env.strip(),
                Source.ENVIRONMENT,
                BASE_URL_ENV,
                overrides=overrides,
                skipped=tuple(skipped),
            )
        _problem(
            skipped,
            strict,
            ConfigProblem(
                "base_url",
                f"{BASE_URL_ENV} is set but empty; give the API address, or unset it "
                f"(`unset {BASE_URL_ENV}`) for {DEFAULT_BASE_URL}.",
            ),
        )
    if setting:
        return Resolved(setting, Source.SETTING, skipped=tuple(skipped))
    return Resolved(DEFAULT_BASE_URL, Source.DEFAULT, skipped=tuple(skipped))


def resolve_publish_base_url(
    env: Mapping[str, str],
    api_base_url: str,
    *,
    demo: bool = False,
    strict: bool = True,
) -> Resolved[str]:
    """The schedule API's host: GEN_PUBLISH_BASE_URL (stripped), else `api_base_url` (always in
    the demo, whose simulator serves both)."""
    if demo:
        return Resolved(api_base_url, Source.DEMO)
    skipped: list[ConfigProblem] = []
    from_env = _env(skipped, strict, env, PUBLISH_BASE_URL_ENV)
    if from_env is not None:
        if from_env.strip():
            return Resolved(from_env.strip(), Source.ENVIRONMENT, PUBLISH_BASE_URL_ENV)
        _problem(
            skipped,
            strict,
            ConfigProblem(
                "publish_base_url",
                f"{PUBLISH_BASE_URL_ENV} is set but empty; give the publishing API address, or "
                f"unset it (`unset {PUBLISH_BASE_URL_ENV}`) to publish through the API address.",
            ),
        )
    return Resolved(api_base_url, Source.API_BASE, skipped=tuple(skipped))


def resolve_agent(
    env: Mapping[str, str],
    *,
    option: str | None = None,
    demo_agent: str | None = None,
    check_id: Callable[[str], str] | None = None,
    strict: bool = True,
) -> Resolved[str | None]:
    """--agent, then the demo's agent, then GEN_AGENT_ID (stripped, and `check_id`-ed: it
    returns the id or raises ValueError); else None with Source.DEFAULT (the caller may read a
    saved default)."""
    if option:
        return Resolved(option, Source.OPTION)
    if demo_agent is not None:
        return Resolved(demo_agent, Source.DEMO)
    skipped: list[ConfigProblem] = []
    from_env = (_env(skipped, strict, env, AGENT_ENV) or "").strip()
    if from_env:
        try:
            checked = check_id(from_env) if check_id is not None else from_env
        except ValueError as exc:
            _problem(skipped, strict, ConfigProblem("agent_id", f"{AGENT_ENV}: {exc}."))
        else:
            return Resolved(checked, Source.ENVIRONMENT, AGENT_ENV)
    return Resolved(None, Source.DEFAULT, skipped=tuple(skipped))


def resolve_key(
    env: Mapping[str, str], *, demo_key: str | None = None, strict: bool = True
) -> Resolved[str | None]:
    """The demo's key, then GEN_API_KEY (stripped); else None with Source.KEYRING."""
    if demo_key is not None:
        return Resolved(demo_key, Source.DEMO)
    skipped: list[ConfigProblem] = []
    from_env = (_env(skipped, strict, env, KEY_ENV) or "").strip()
    if from_env:
        return Resolved(from_env, Source.ENVIRONMENT, KEY_ENV)
    return Resolved(None, Source.KEYRING, skipped=tuple(skipped))


def resolve_session(
    env: Mapping[str, str],
    *,
    base_url_option: str | None = None,
    base_url_setting: str | None = None,
    agent_option: str | None = None,
    demo: DemoTarget | None = None,
    check_id: Callable[[str], str] | None = None,
    strict: bool = True,
) -> SessionTarget:
    """Every field, for a caller that opens a whole session at once (the desktop app)."""
    base_url = resolve_base_url(
        env,
        option=base_url_option,
        setting=base_url_setting,
        demo_url=demo.base_url if demo is not None else None,
        strict=strict,
    )
    return SessionTarget(
        base_url=base_url,
        publish_base_url=resolve_publish_base_url(
            env, base_url.value, demo=demo is not None, strict=strict
        ),
        agent_id=resolve_agent(
            env,
            option=agent_option,
            demo_agent=demo.agent_id if demo is not None else None,
            check_id=check_id,
            strict=strict,
        ),
        api_key=resolve_key(
            env, demo_key=demo.api_key if demo is not None else None, strict=strict
        ),
    )


_ENV_FIELDS: dict[str, Field] = {
    BASE_URL_ENV: "base_url",
    PUBLISH_BASE_URL_ENV: "publish_base_url",
    AGENT_ENV: "agent_id",
    KEY_ENV: "api_key",
}


def _problem(skipped: list[ConfigProblem], strict: bool, problem: ConfigProblem) -> None:
    if strict:
        raise problem
    skipped.append(problem)


def _env(
    skipped: list[ConfigProblem], strict: bool, env: Mapping[str, str], name: str
) -> str | None:
    try:
        return read_env(env, name)
    except ConfigProblem as exc:
        _problem(skipped, strict, exc)
        return None
