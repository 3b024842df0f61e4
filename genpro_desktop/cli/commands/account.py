"""login, logout, whoami, agents, credits (gen-api.md 4 and 12)."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table
from rich.text import Text

from genpro_desktop.cli.context import KEY_ENV, Context
from genpro_desktop.cli.exit_codes import CliError, ExitCode, usage_error
from genpro_desktop.cli.ids import gen_id
from genpro_desktop.cli.output import decimal_text


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add login, logout, whoami, agents and credits."""
    p = subparsers.add_parser(
        "login",
        parents=parents,
        help="save an API key in the OS keyring (checked with GEN first)",
        description="Read an API key (a hidden prompt on a terminal, otherwise the first line "
        "of stdin), check it with GEN (/me), and save it in the OS keyring. When the account "
        "has exactly one agent and no default agent is saved yet, that agent becomes the "
        "default. The key is never printed or written to a file.",
    )
    p.set_defaults(handler=run_login)

    p = subparsers.add_parser(
        "logout",
        parents=parents,
        help="remove the saved API key from the OS keyring",
        description="Remove the API key saved by `genpro login`. GEN_API_KEY, if set, is not "
        "affected.",
    )
    p.set_defaults(handler=run_logout)

    p = subparsers.add_parser(
        "whoami",
        parents=parents,
        help="show the signed-in user, key source, API and agent",
    )
    p.set_defaults(handler=run_whoami)

    p = subparsers.add_parser(
        "agents",
        parents=parents,
        help="list your agents, or choose the default agent",
        description="List the agents you can use (--json: one object per agent), or save the "
        "default agent used when neither --agent nor GEN_AGENT_ID is given.",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--set-default", metavar="AGENT_ID", type=gen_id, help="save AGENT_ID as the default"
    )
    group.add_argument(
        "--clear-default", action="store_true", help="forget the saved default agent"
    )
    p.set_defaults(handler=run_agents)

    p = subparsers.add_parser(
        "credits",
        parents=parents,
        help="show the credit balance of the agent's workspace",
        description="Show the workspace's available credits (generic credits pay for renders).",
    )
    p.set_defaults(handler=run_credits)


def _read_key(ctx: Context) -> str:
    stdin = ctx.runtime.inp()
    try:
        interactive = stdin.isatty()
    except (AttributeError, ValueError, OSError):
        interactive = False
    if interactive:
        ctx.out.info("Create a key in GEN: Settings > API Keys (it is shown only once).")
        return ctx.runtime.prompt_secret("GEN API key (input hidden): ").strip()
    return stdin.readline().strip()


async def run_login(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro login`: verify a key with /me and save it in the keyring."""
    if ctx.options.demo:
        raise usage_error("--demo uses the built-in demo key; there is nothing to log in to.")
    ctx.check_base_url()
    key = _read_key(ctx)
    from genpro_desktop.core.sign_in import key_input_problem

    problem = key_input_problem(key)
    if problem is not None:
        raise usage_error(problem)
    async with ctx.make_client(key, None) as client:
        me = await client.me.get()
        agents = await client.agents.list()
    from genpro_desktop.core.credentials import CredentialError

    try:
        ctx.credential_store.set(key)
    except CredentialError as exc:
        raise CliError(
            f"The key works, but it could not be saved in the OS keyring: {exc}",
            ExitCode.AUTH,
            error_code="keyring_unavailable",
            hint=f"Set {KEY_ENV} in your environment instead.",
        ) from exc
    settings = await ctx.settings()
    default = await settings.default_agent()
    if default is None and len(agents) == 1:
        default = agents[0].id
        await settings.set_default_agent(default)
        ctx.out.info(f"Default agent set to {agents[0].id} ({agents[0].name or 'unnamed'}).")
    ctx.out.result(f"Signed in as {_user_line(me.name, me.email, me.username)}.")
    ctx.out.info("The key is saved in the OS keyring.")
    if ctx.runtime.env.get(KEY_ENV):
        ctx.out.warn(f"{KEY_ENV} is set and takes precedence over the saved key.")
    ctx.out.emit(
        {
            "id": me.id,
            "email": me.email,
            "name": me.name,
            "username": me.username,
            "key_source": "keyring",
            "default_agent_id": default,
        }
    )
    return ExitCode.OK


async def run_logout(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro logout`: delete the saved key."""
    if ctx.options.demo:
        raise usage_error("--demo uses the built-in demo key; there is nothing to log out of.")
    from genpro_desktop.core.credentials import CredentialError

    store = ctx.credential_store
    try:
        had_key = store.get() is not None
        if had_key:
            store.delete()
    except CredentialError as exc:
        raise CliError(
            f"Could not reach the OS keyring: {exc}",
            ExitCode.AUTH,
            error_code="keyring_unavailable",
        ) from exc
    ctx.out.result("Signed out: the saved key was removed." if had_key else "No key was saved.")
    if ctx.runtime.env.get(KEY_ENV):
        ctx.out.warn(f"{KEY_ENV} is still set in this environment and will keep being used.")
    ctx.out.emit({"signed_out": True, "key_was_saved": had_key})
    return ExitCode.OK


async def run_whoami(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro whoami`: the user behind the key."""
    client = await ctx.client()
    me = await client.me.get()
    agent = await ctx.agent_id()
    ctx.out.emit(
        {
            "id": me.id,
            "email": me.email,
            "name": me.name,
            "username": me.username,
            "created_at": me.created_at,
            "key_source": ctx.key_source,
            "base_url": ctx.base_url,
            "agent_id": agent,
        }
    )
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("User", Text(_user_line(me.name, me.email, me.username)))
    grid.add_row("User id", Text(me.id))
    grid.add_row("Key from", Text(_key_source_text(ctx.key_source)))
    grid.add_row("API", Text(ctx.base_url))
    grid.add_row("Agent", Text(agent or "none (see `genpro agents`)"))
    ctx.out.show(grid)
    return ExitCode.OK


async def run_agents(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro agents`: list agents or save the default one."""
    settings = await ctx.settings()
    if args.clear_default:
        await settings.set_default_agent(None)
        ctx.out.result("The default agent was cleared.")
        ctx.out.emit({"default_agent_id": None})
        return ExitCode.OK
    client = await ctx.client()
    if args.set_default:
        agent = await client.agents.get(args.set_default)  # 403/404/422: not yours or no such agent
        await settings.set_default_agent(agent.id)
        ctx.out.result(f"Default agent: {agent.id} ({agent.name or 'unnamed'}).")
        ctx.out.emit({"default_agent_id": agent.id, "name": agent.name})
        return ExitCode.OK
    agents = await client.agents.list()
    current = await ctx.agent_id()
    default = await settings.default_agent()
    table = Table(title=None, header_style="bold")
    table.add_column("", no_wrap=True)
    table.add_column("Agent ID", no_wrap=True)
    table.add_column("Name")
    table.add_column("Workspace", no_wrap=True)
    for agent in agents:
        chosen = agent.id == current
        ctx.out.emit(
            {
                "id": agent.id,
                "name": agent.name,
                "workspace_id": agent.workspace_id,
                "default": agent.id == default,
                "selected": chosen,
            }
        )
        table.add_row(
            "*" if chosen else "", Text(agent.id), Text(agent.name or ""), agent.workspace_id or ""
        )
    if not agents:
        ctx.out.info("This account has no agents; create one in the GEN app.")
        return ExitCode.OK
    ctx.out.show(table)
    if current is None:
        ctx.out.info("No agent selected: choose one with `genpro agents --set-default ID`.")
    else:
        ctx.out.info("* = the agent commands use now.")
    return ExitCode.OK


async def run_credits(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro credits`: the workspace's available credits."""
    agent = await ctx.require_agent()
    client = await ctx.client()
    balance = await client.credit_balance(agent)
    generic = decimal_text(balance.generic)
    aura = decimal_text(balance.aura)
    ctx.out.emit({"agent_id": agent, "generic": generic, "aura": aura})
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    grid.add_row("Generic credits", generic if generic is not None else "unknown")
    if aura is not None:
        grid.add_row("Aura credits", aura)
    ctx.out.show(grid)
    ctx.out.info(f"Workspace of agent {agent}. A 30 s render costs about 50 generic credits.")
    return ExitCode.OK


def _user_line(name: str | None, email: str | None, username: str | None) -> str:
    label = name or username or "unknown user"
    if email:
        label += f" <{email}>"
    return label


def _key_source_text(source: str | None) -> str:
    return {
        "env": f"{KEY_ENV} environment variable",
        "keyring": "OS keyring (genpro login)",
        "session": "this run only",
        "demo": "built-in demo key (--demo)",
    }.get(source or "", source or "unknown")
