"""Multi-platform publishing through GEN's schedule API (gen-api.md 11.1).

`platforms`, `accounts`, `posts`, `post`, `post-edit`, `post-cancel`, and the schedule path of
`publish` (`run_post_publish`; `publishing.py` keeps the legacy TikTok `user_jobs` path and
hands everything else here). A post is one durable job (core PostTracker): write-ahead intent,
one create POST with an Idempotency-Key, never re-sent automatically, tracked until every
platform is published or failed.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from genpro_desktop.cli.commands.renders import positive_seconds
from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import CliError, ExitCode, usage_error
from genpro_desktop.cli.jobview import short_id
from genpro_desktop.cli.submission import note_new_job, raise_if_not_started
from genpro_desktop.cli.waiting import WaitSpec, needs_attention, wait_for_job
from genpro_desktop.core.api.schedule_types import (
    PLATFORMS,
    LinkedInOptions,
    PostUpdate,
    ScheduledPost,
    YouTubeOptions,
)
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, PostPlatform

if TYPE_CHECKING:
    from genpro_desktop.core.api import GenClient
    from genpro_desktop.core.publishing import RuleBook
    from genpro_desktop.core.services import AppServices

PRIVACY = {
    "public": "PUBLIC_TO_EVERYONE",
    "friends": "MUTUAL_FOLLOW_FRIENDS",
    "followers": "FOLLOWER_OF_CREATOR",
    "private": "SELF_ONLY",
}
TIKTOK_ALLOW = ("comment", "duet", "stitch")
TIKTOK_DISCLOSE = ("own-brand", "branded")
CHECK = "Check the accounts (or the GEN app) for the post before publishing again."
# `posts` lists this window around today unless told otherwise.
POSTS_BEFORE = timedelta(days=30)
POSTS_AFTER = timedelta(days=60)

LegacyRun = Callable[[Context, argparse.Namespace], Awaitable[int]]


def add_file_argument(media: Any) -> None:
    """`--file`, in the required either-or group of `publish` that holds `--media-url`."""
    media.add_argument(
        "--file",
        metavar="VIDEO_FILE",
        type=Path,
        help="a local video: checked, uploaded to GEN, and posted from GEN's copy",
    )


def add_publish_arguments(p: argparse.ArgumentParser) -> None:
    """The schedule-API flags of `publish` (the legacy ones are added by publishing.py)."""
    p.add_argument(
        "--platform",
        metavar="P[,P...]",
        default="tiktok",
        help=f"where to post: {','.join(PLATFORMS)} (default: tiktok)",
    )
    p.add_argument(
        "--cover",
        metavar="IMAGE_FILE",
        type=Path,
        help="a local cover image (uploaded like --file; instead of --thumbnail-url)",
    )
    p.add_argument(
        "--next-slot",
        action="store_true",
        help="post in the agent's next free calendar slot (instead of --at or now)",
    )
    p.add_argument(
        "--tiktok-privacy",
        choices=list(PRIVACY),
        help="who can see the TikTok "
        "post (required for TikTok with the schedule API; never defaulted)",
    )
    p.add_argument(
        "--tiktok-allow",
        metavar="comment,duet,stitch",
        help="TikTok interactions to allow (all off unless named)",
    )
    p.add_argument(
        "--tiktok-disclose",
        metavar="own-brand|branded",
        help="disclose commercial content: own-brand, branded or both (comma-separated)",
    )
    p.add_argument("--youtube-visibility", choices=("public", "unlisted", "private"))
    p.add_argument("--youtube-shorts", action="store_true", help="post as a YouTube Short")
    p.add_argument("--youtube-tags", metavar="a,b", help="YouTube tags (comma-separated)")
    p.add_argument("--linkedin-visibility", choices=("public", "connections", "loggedin"))
    p.add_argument(
        "--legacy",
        action="store_true",
        help="use the legacy TikTok-only path (user_jobs publish_content)",
    )


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add platforms, accounts, posts, post, post-edit and post-cancel."""
    p = subparsers.add_parser(
        "platforms",
        parents=parents,
        help="GEN's publishing rules, one row per platform",
        description="GEN's live publishing rules (GET /schedule/platforms), merged over the "
        "documented table; the documented table alone when GEN's schedule API is not there.",
    )
    p.set_defaults(handler=run_platforms)

    p = subparsers.add_parser(
        "accounts",
        parents=parents,
        help="the agent's connected platforms (or why that is unknown)",
        description="Which social accounts the agent has connected, where GEN says so. GEN "
        "documents no route for this; when none answers, the list is unknown and GEN checks "
        "the account when you post.",
    )
    p.set_defaults(handler=run_accounts)

    p = subparsers.add_parser(
        "posts",
        parents=parents,
        help="the agent's scheduled and published posts",
        description="List the agent's posts on GEN (schedule API) between two dates "
        "(default: 30 days back to 60 days ahead).",
    )
    p.add_argument("--from", dest="start", metavar="DATE", type=_date_arg)
    p.add_argument("--to", dest="end", metavar="DATE", type=_date_arg)
    p.add_argument("--platform", choices=PLATFORMS, help="only posts to this platform")
    p.set_defaults(handler=run_posts)

    p = subparsers.add_parser(
        "post",
        parents=parents,
        help="show a post and each platform's status",
        description="Show a post (schedule API) with each platform's status, URL and error. "
        "Exit 1 when any platform failed.",
    )
    p.add_argument("post_id", metavar="POST_ID")
    p.add_argument("--wait", action="store_true", help="wait until every platform finished")
    p.add_argument(
        "--timeout",
        metavar="S",
        type=positive_seconds,
        help="with --wait: give up waiting after S seconds (exit 8; the post keeps going)",
    )
    p.set_defaults(handler=run_post)

    p = subparsers.add_parser(
        "post-edit",
        parents=parents,
        help="change a scheduled post before it is sent",
        description="Change a post's time, caption or title. GEN refuses once the post was "
        "sent, or for a post made with 'now' (exit 4).",
    )
    p.add_argument("post_id", metavar="POST_ID")
    p.add_argument("--at", metavar="ISO8601", help="the new time (as for publish --at)")
    p.add_argument("--description", metavar="TEXT")
    p.add_argument("--title", metavar="T")
    p.set_defaults(handler=run_post_edit)

    p = subparsers.add_parser(
        "post-cancel",
        parents=parents,
        help="cancel a scheduled post before it is sent",
        description="Delete a scheduled post on GEN before it is sent (exit 4 once sent).",
    )
    p.add_argument("post_id", metavar="POST_ID")
    p.set_defaults(handler=run_post_cancel)


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _csv(text: str | None) -> list[str]:
    return [part.strip().lower() for part in (text or "").split(",") if part.strip()]


# -- JSON shapes ------------------------------------------------------------------------


def _platform_json(p: PostPlatform) -> dict[str, Any]:
    return {
        "platform": p.platform,
        "status": p.status,
        "post_url": p.post_url,
        "platform_post_id": p.platform_post_id,
        "error": p.error,
        "error_code": p.error_code,
        "failed_step": p.failed_step,
        "warning": p.warning,
    }


def post_json(job: LocalJob) -> dict[str, Any]:
    """The --json object of `publish` and `post` for a tracked post."""
    from genpro_desktop.core.jobs.posts import post_status

    scheduled = job.scheduled_utc
    return {
        "post_id": job.remote_id,
        "api": "schedule",
        "status": post_status(job),
        "scheduled_time": None if scheduled is None else _utc(scheduled),
        "platforms": [_platform_json(p) for p in job.post_platforms if p.status != "skipped"],
        "skipped": [
            {"platform": p.platform, "reason": p.error}
            for p in job.post_platforms
            if p.status == "skipped"
        ],
        "job_id": job.id,
    }


def remote_post_json(post: ScheduledPost) -> dict[str, Any]:
    """The --json object of a post read straight from GEN (`posts`, `post` without a job)."""
    from genpro_desktop.core.jobs.posts import merge_platforms

    now = datetime.now(UTC)
    job = LocalJob(
        id="",
        kind=JobKind.POST,
        state=JobState.PENDING,
        agent_id=post.agent_id,
        created_at=now,
        updated_at=now,
        remote_id=post.id,
        post_platforms=merge_platforms((), post.platforms_status, ()),
    )
    obj = post_json(job)
    del obj["job_id"]
    obj["scheduled_time"] = _utc_text(post.scheduled_time)
    return obj


def _utc_text(text: str | None) -> str | None:
    """GEN's time as UTC `...Z` when it can be read, else as GEN sent it."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return _utc(moment) if moment.tzinfo is not None else text


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _any_failed(obj: dict[str, Any]) -> bool:
    return any(p["status"] == "failed" for p in obj["platforms"])


def _show_post(ctx: Context, obj: dict[str, Any], *, note: str | None = None) -> None:
    style = {"published": "green", "failed": "red", "partial": "yellow"}.get(obj["status"], "")
    ctx.out.show(
        Text.assemble(f"Post {obj['post_id']}: ", (obj["status"], f"bold {style}".strip()))
    )
    if obj.get("scheduled_time"):
        ctx.out.show(Text(f"Scheduled for {obj['scheduled_time']}", style="dim"))
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    for column in ("Platform", "Status", "Link / error"):
        table.add_column(column, overflow="fold")
    for p in obj["platforms"]:
        detail = p["post_url"] or ""
        if p["error"]:
            step = f" at {p['failed_step']}" if p["failed_step"] else ""
            code = f" [{p['error_code']}]" if p["error_code"] else ""
            detail = f"{p['error']}{code}{step}"
        table.add_row(p["platform"], p["status"], detail)
    for s in obj["skipped"]:
        table.add_row(s["platform"], "skipped", s["reason"] or "")
    if table.row_count:
        ctx.out.show(table)
    if note:
        ctx.out.info(note)


# -- platforms and accounts -----------------------------------------------------------


async def _rules(client: GenClient) -> tuple[RuleBook, bool]:
    """GEN's live rules over the documented table; (the table, False) without a schedule API."""
    from genpro_desktop.core.api import ScheduleUnavailableError
    from genpro_desktop.core.publishing import RuleBook

    try:
        return RuleBook.from_live(await client.schedule.platforms()), True
    except ScheduleUnavailableError:
        return RuleBook.builtin(), False


async def run_platforms(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro platforms`: one row per platform."""
    client = await ctx.client()
    book, live = await _rules(client)
    rows: list[dict[str, Any]] = []
    for rule in book.rules.values():
        rows.append(
            {
                "platform": rule.platform,
                "caption_limit": rule.caption_limit,
                "title_limit": rule.title_limit,
                "title_required": rule.title_required,
                "max_media": rule.max_media,
                "media_required": rule.media_required,
                "max_hashtags": rule.max_hashtags,
            }
        )
    ctx.out.emit({"source": "gen" if live else "builtin", "platforms": rows})
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    for column in ("Platform", "Caption", "Title", "Media", "Hashtags"):
        table.add_column(column)
    for row in rows:
        title = "ignored" if row["title_limit"] is None else f"{row['title_limit']:,}"
        if row["title_required"]:
            title += ", required"
        media = f"up to {row['max_media']}" + (" (required)" if row["media_required"] else "")
        hashtags = "" if row["max_hashtags"] is None else f"at most {row['max_hashtags']}"
        table.add_row(row["platform"], f"{row['caption_limit']:,}", title, media, hashtags)
    ctx.out.show(table)
    if not live:
        ctx.out.info(
            "GEN's schedule API is not on this server: this is the documented table; only "
            "TikTok can be posted to (through the legacy path)."
        )
    return ExitCode.OK


async def run_accounts(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro accounts`: the agent's connected platforms, or why that is unknown."""
    agent = await ctx.require_agent()
    client = await ctx.client()
    found = await client.schedule.accounts(agent_id=agent)
    if found is None:
        reason = (
            "GEN did not say which accounts this agent has connected (it documents no route "
            "for it); GEN checks the account when you post and names a missing one."
        )
        ctx.out.emit({"agent_id": agent, "known": False, "platforms": None, "reason": reason})
        ctx.out.result(f"Connected accounts of agent {agent}: unknown.")
        ctx.out.info(reason)
        ctx.out.info("Connect accounts in the GEN app: Setup -> Accounts.")
        return ExitCode.OK
    accounts = [
        {"platform": a.platform, "handle": a.handle, "connected": a.connected} for a in found.known
    ]
    ctx.out.emit(
        {
            "agent_id": agent,
            "known": True,
            "connected": found.connected_platforms(),
            "platforms": accounts,
        }
    )
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    for column in ("Platform", "Account", "Connected"):
        table.add_column(column)
    listed = {a.platform for a in found.known}
    for a in found.known:
        state = {True: "yes", False: "no (reconnect in the GEN app)", None: "listed"}
        table.add_row(a.platform or "", a.handle or "", state[a.connected])
    for name in PLATFORMS:
        if name not in listed:
            table.add_row(name, "", "no")
    ctx.out.result(f"Connected accounts of agent {agent}:")
    ctx.out.show(table)
    return ExitCode.OK


# -- publish (schedule path) ----------------------------------------------------------


def _platforms(args: argparse.Namespace) -> list[str]:
    chosen = list(dict.fromkeys(_csv(args.platform) or ["tiktok"]))
    unknown = [p for p in chosen if p not in PLATFORMS]
    if unknown:
        raise usage_error(
            f"--platform: GEN cannot post to {', '.join(unknown)}; choose from "
            f"{','.join(PLATFORMS)}."
        )
    return chosen


async def run_post_publish(ctx: Context, args: argparse.Namespace, legacy: LegacyRun) -> int:
    """`genpro publish` when not --legacy: the schedule API, or the legacy path without it."""
    from genpro_desktop.core.api import ScheduleUnavailableError

    platforms = _platforms(args)
    if args.next_slot and args.at is not None:
        raise usage_error("--at and --next-slot exclude each other.")
    if args.cover is not None and args.thumbnail_url is not None:
        raise usage_error("--cover and --thumbnail-url exclude each other.")
    if args.legacy:
        return await _legacy(ctx, args, platforms, legacy, fallback=False)
    from genpro_desktop.core.api import InvalidResponseError, ServerError
    from genpro_desktop.core.publishing import RuleBook

    client = await ctx.client()
    try:
        book = RuleBook.from_live(await client.schedule.platforms())
    except ScheduleUnavailableError:
        return await _legacy(ctx, args, platforms, legacy, fallback=True)
    except (ServerError, InvalidResponseError) as exc:
        # The rules route is only a reference: GEN still validates the post itself.
        ctx.out.warn(
            f"GEN's live platform rules could not be read ({exc}); checked against "
            "the documented rules instead."
        )
        book = RuleBook.builtin()
    return await _schedule_publish(ctx, args, platforms, book)


async def _legacy(
    ctx: Context,
    args: argparse.Namespace,
    platforms: list[str],
    legacy: LegacyRun,
    *,
    fallback: bool,
) -> int:
    if fallback:
        if platforms != ["tiktok"]:
            others = ", ".join(p for p in platforms if p != "tiktok")
            raise CliError(
                f"This GEN server has no schedule API, so it cannot post to {others}: other "
                "platforms than TikTok need GEN's schedule API. Nothing was sent.",
                ExitCode.API_REFUSED,
                error_code="schedule_unavailable",
                http_status=404,
                hint="Post to TikTok only (--platform tiktok), or set GEN_PUBLISH_BASE_URL to "
                "the host that serves GEN's schedule API.",
            )
        ctx.out.info(
            "GEN's schedule API is not on this server; posting to TikTok through the legacy "
            "user_jobs path (other platforms need the schedule API)."
        )
    elif platforms != ["tiktok"]:
        raise usage_error("--legacy posts to TikTok only (user_jobs publish_content).")
    if args.file is not None or args.cover is not None:
        raise usage_error(
            "The legacy TikTok path takes a media URL only: use --media-url and --thumbnail-url."
        )
    if not args.description:
        raise usage_error("The legacy TikTok path needs --description (the caption).")
    ignored = [
        flag
        for flag, value in (
            ("--next-slot", args.next_slot),
            ("--tiktok-privacy", args.tiktok_privacy),
            ("--tiktok-allow", args.tiktok_allow),
            ("--tiktok-disclose", args.tiktok_disclose),
        )
        if value
    ]
    if ignored:
        raise usage_error(
            f"{', '.join(ignored)} need GEN's schedule API; the legacy TikTok path has no such "
            "setting. Nothing was sent."
        )
    return await legacy(ctx, args)


def _tiktok(args: argparse.Namespace, platforms: Sequence[str]) -> Any:
    from genpro_desktop.core.publishing import TikTokSettings

    if "tiktok" not in platforms:
        return TikTokSettings()
    if args.tiktok_privacy is None:
        raise usage_error(
            "TikTok requires the creator to choose who can see the post: add --tiktok-privacy "
            "public|friends|followers|private. Nothing was sent."
        )
    allow = _csv(args.tiktok_allow)
    bad = [a for a in allow if a not in TIKTOK_ALLOW]
    if bad:
        raise usage_error(f"--tiktok-allow: {', '.join(bad)} is not one of comment,duet,stitch.")
    disclose = _csv(args.tiktok_disclose)
    bad = [d for d in disclose if d not in TIKTOK_DISCLOSE]
    if bad:
        raise usage_error(f"--tiktok-disclose: {', '.join(bad)} is not own-brand or branded.")
    return TikTokSettings(
        privacy_level=PRIVACY[args.tiktok_privacy],
        allow_comment="comment" in allow,
        allow_duet="duet" in allow,
        allow_stitch="stitch" in allow,
        disclose_commercial=bool(disclose),
        your_brand="own-brand" in disclose,
        branded_content="branded" in disclose,
    )


async def _local_copy(services: AppServices, url: str) -> Path | None:
    """The downloaded file of the render whose video is `url`, if the history has one."""
    renders = await services.store.list_jobs(kinds=[JobKind.RENDER], states=[JobState.COMPLETED])
    sources = {job.id for job in renders if job.output_url == url}
    if not sources:
        return None
    downloads = await services.store.list_jobs(
        kinds=[JobKind.DOWNLOAD], states=[JobState.DOWNLOADED]
    )
    for job in downloads:
        if job.parent_id in sources and job.target_path:
            path = Path(job.target_path)
            if await asyncio.to_thread(path.is_file):
                return path
    return None


async def _check_video(
    ctx: Context, path: Path, platforms: Sequence[str], book: RuleBook, *, own_file: bool
) -> None:
    from genpro_desktop.core.publishing import MediaProbeError, check_video, probe_video_async

    try:
        info = await probe_video_async(path)
    except MediaProbeError as exc:
        if own_file:
            raise usage_error(f"--file: {exc} Nothing was sent.") from exc
        ctx.out.warn(f"The local copy of the video could not be checked: {exc}")
        return
    report = check_video(info, platforms, book)
    for issue in report.warnings:
        ctx.out.warn(issue.message)
    if report.errors:
        details = " ".join(issue.message for issue in report.errors)
        raise usage_error(f"Not published, nothing was sent: {details}")


def _schedule(ctx: Context, args: argparse.Namespace) -> tuple[datetime | None, str | None]:
    from genpro_desktop.cli.commands.publishing import (
        _schedule as parse_at,  # pyright: ignore[reportPrivateUsage]
    )

    local, zone = parse_at(ctx, args)
    return (None if local is None else local.astimezone(UTC)), zone


async def _schedule_publish(
    ctx: Context, args: argparse.Namespace, platforms: list[str], book: RuleBook
) -> int:
    from genpro_desktop.core.publishing import (
        DuplicatePublishError,
        PostDraft,
        validate_post,
    )

    if args.media_url is None and args.file is None:
        raise usage_error("Give the video: --media-url URL or --file VIDEO_FILE.")
    scheduled, zone = _schedule(ctx, args)
    tiktok = _tiktok(args, platforms)
    youtube = None
    if "youtube" in platforms and (
        args.youtube_visibility or args.youtube_shorts or args.youtube_tags
    ):
        youtube = YouTubeOptions(
            visibility=args.youtube_visibility,
            shorts=True if args.youtube_shorts else None,
            tags=[t.strip() for t in (args.youtube_tags or "").split(",") if t.strip()] or None,
        )
    for flag, path in (("--file", args.file), ("--cover", args.cover)):
        if path is not None and not path.is_file():
            raise usage_error(f"{flag}: there is no file {path}.")
    draft = PostDraft(
        platforms=platforms,
        description=args.description or "",
        title=args.title,
        media_url=args.media_url,
        has_local_media=args.file is not None,
        thumbnail_url=args.thumbnail_url,
        scheduled_time=scheduled,
        tiktok=tiktok,
        youtube=youtube,
    )
    report = validate_post(draft, ctx.clock.wall(), book)
    if report.errors:
        for issue in report.warnings:
            ctx.out.warn(issue.message)
        lines = " ".join(
            f"{issue.platform}: {issue.message}" if issue.platform else issue.message
            for issue in report.errors
        )
        raise usage_error(f"Not published, nothing was sent: {lines}")
    for issue in report.warnings:
        ctx.out.warn(issue.message)
    agent = await ctx.require_agent()
    services = await ctx.services()
    file: Path | None = args.file
    url: str = args.media_url or ""
    if file is not None:
        await _check_video(ctx, file, platforms, book, own_file=True)
    else:
        local = await _local_copy(services, url)
        if local is None:
            ctx.out.info("Video not checked against the platforms' limits: no local copy.")
        else:
            await _check_video(ctx, local, platforms, book, own_file=False)
    request = draft.to_request(agent_id=agent, next_available=args.next_slot)
    if args.linkedin_visibility and "linkedin" in platforms:
        request = request.model_copy(
            update={"linkedin_options": LinkedInOptions(visibility=args.linkedin_visibility)}
        )
    identity = url if file is None else await _hash(file)
    job = services.poster.build_job(
        request, agent_id=agent, media_identity=identity, scheduled_utc=scheduled, schedule_tz=zone
    )
    if not args.allow_duplicate:
        existing = await services.poster.duplicates(job)
        if existing:
            raise _duplicate(DuplicatePublishError(existing))
    request = await _upload(ctx, services, args, request)
    hint = CliError(
        "Interrupted while sending the post; it may or may not have been accepted.",
        ExitCode.INTERRUPTED,
        error_code="interrupted",
        hint=f"{CHECK} `genpro jobs --kind post` lists it.",
    )
    try:
        with ctx.interrupt_hint(hint), note_new_job(services, hint):
            job = await services.poster.publish(job, request, allow_duplicate=args.allow_duplicate)
    except DuplicatePublishError as exc:
        raise _duplicate(exc) from exc
    raise_if_not_started(job, check="the accounts (or the GEN app) for the post")
    pid = job.remote_id or ""
    if not args.wait:
        obj = post_json(job)
        ctx.out.emit(obj)
        ctx.out.result(f"Post {pid} accepted for {', '.join(platforms)}.")
        ctx.out.info(f"Follow it with `genpro post {pid} --wait` (local job {short_id(job.id)}).")
        for skipped in obj["skipped"]:
            ctx.out.warn(f"{skipped['platform']} skipped: {skipped['reason']}")
        return ExitCode.OK
    ctx.out.info(f"Post {pid} accepted. Waiting for it (Ctrl-C stops waiting only).")
    return await _wait_and_finish(ctx, services, job, args.timeout)


async def _hash(path: Path) -> str:
    from genpro_desktop.core.publishing.posts import file_identity

    return await asyncio.to_thread(file_identity, path)


async def _upload(
    ctx: Context, services: AppServices, args: argparse.Namespace, request: Any
) -> Any:
    """Upload --file and --cover to GEN; their URLs become media_url / thumbnail_url."""
    update: dict[str, Any] = {}
    for flag, path, field_name in (
        ("--file", args.file, "media_url"),
        ("--cover", args.cover, "thumbnail_url"),
    ):
        if path is None:
            continue
        ctx.out.info(f"Uploading {path.name} to GEN ({flag})...")
        asset = await services.client.schedule.upload_asset(path, agent_id=request.agent_id)
        update[field_name] = asset.public_url
    return request.model_copy(update=update) if update else request


def _duplicate(exc: Any) -> CliError:
    return CliError(
        str(exc),
        ExitCode.USAGE,
        error_code="duplicate_publish",
        hint="Nothing was sent. Post it again anyway with --allow-duplicate.",
        extra={"duplicates": [job.id for job in exc.existing]},
    )


async def _wait_and_finish(
    ctx: Context, services: AppServices, job: LocalJob, limit: float | None
) -> int:
    spec = WaitSpec.of(job, "Post", "genpro post", limit, "post_id")
    job = await wait_for_job(ctx, services, job, spec)
    if job.state is JobState.OUTCOME_UNKNOWN:
        raise_if_not_started(job, check="the accounts (or the GEN app) for the post")
    obj = post_json(job)
    ctx.out.emit(obj)
    _show_post(ctx, obj)
    for entry in obj["platforms"]:
        if entry["warning"]:
            ctx.out.warn(f"{entry['platform']}: {entry['warning']}")
    if job.state is JobState.NEEDS_ATTENTION:
        raise needs_attention(spec, job)
    if _any_failed(obj) or job.state in (JobState.FAILED, JobState.DISMISSED):
        return ExitCode.JOB_FAILED
    return ExitCode.OK


# -- posts, post, post-edit, post-cancel ----------------------------------------------


async def run_posts(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro posts`: the agent's posts between two dates."""
    agent = await ctx.require_agent()
    today = ctx.clock.wall().date()
    start = args.start or today - POSTS_BEFORE
    end = args.end or today + POSTS_AFTER
    if end < start:
        raise usage_error(f"--to {end} is before --from {start}.")
    client = await ctx.client()
    found = await client.schedule.list(start, end, agent_id=agent)
    objects = [remote_post_json(post) for post in found]
    if args.platform:
        objects = [
            o for o in objects if any(p["platform"] == args.platform for p in o["platforms"])
        ]
    for obj in objects:
        ctx.out.emit(obj)
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    for column in ("Post", "Status", "Scheduled", "Platforms"):
        table.add_column(column, overflow="fold")
    for obj in objects:
        where = ", ".join(f"{p['platform']} {p['status']}" for p in obj["platforms"])
        table.add_row(str(obj["post_id"]), obj["status"], obj["scheduled_time"] or "", where)
    if objects:
        ctx.out.show(table)
    else:
        ctx.out.result(f"No posts between {start} and {end}.")
    return ExitCode.OK


async def run_post(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro post POST_ID [--wait]`."""
    agent = await ctx.require_agent()
    pid = args.post_id
    if not args.wait:
        client = await ctx.client()
        post = await client.schedule.get(pid)
        obj = remote_post_json(post)
        ctx.out.emit(obj)
        _show_post(ctx, obj)
        return ExitCode.JOB_FAILED if _any_failed(obj) else ExitCode.OK
    services = await ctx.services()
    job = await services.store.find_by_remote(JobKind.POST, pid)
    if job is None or job.is_terminal:
        post = await services.client.schedule.get(pid)  # an unknown id exits 4 here
        job = job or await services.tracker.posts.adopt(post, agent_id=agent)
    elif job.is_parked:
        job = await services.tracker.refresh(job.id)
    return await _wait_and_finish(ctx, services, job, args.timeout)


async def run_post_edit(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro post-edit POST_ID`: GEN refuses once sent (exit 4)."""
    if args.at is None and args.description is None and args.title is None:
        raise usage_error("Nothing to change: give --at, --description or --title.")
    scheduled, _zone = _schedule(ctx, args)
    update = PostUpdate(
        description=args.description,
        title=args.title,
        schedule_type="specific_time" if scheduled is not None else None,
        scheduled_time=None if scheduled is None else _utc(scheduled),
    )
    services = await ctx.services()
    post = await services.client.schedule.edit(args.post_id, update)
    job = await services.store.find_by_remote(JobKind.POST, post.id)
    if job is not None:
        job = await services.poster.record_edit(
            job, post, caption=args.description, title=args.title, scheduled_utc=scheduled
        )
        obj = post_json(job)
    else:
        obj = remote_post_json(post)
    ctx.out.emit(obj)
    ctx.out.result(f"Post {post.id} changed.")
    _show_post(ctx, obj)
    return ExitCode.OK


async def run_post_cancel(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro post-cancel POST_ID`: delete before it is sent (exit 4 once sent)."""
    services = await ctx.services()
    await services.client.schedule.cancel(args.post_id)
    job = await services.store.find_by_remote(JobKind.POST, str(args.post_id).strip())
    if job is not None:
        job = await services.tracker.posts.cancelled(job.id)
    ctx.out.emit({"post_id": args.post_id, "api": "schedule", "status": "cancelled"})
    ctx.out.result(f"Post {args.post_id} cancelled; nothing was published.")
    return ExitCode.OK
