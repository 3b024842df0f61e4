"""The schedule API (gen-api.md 11.1) on the sim clock: posts, per-platform progress, assets.

Scripting (from a test):

    sim.schedule.script_platform("youtube", "failed", error_code="media_fetch_failed",
                                 failed_step="download")       # next YouTube send fails
    sim.schedule.disconnect(4711, "linkedin")                  # agent has no LinkedIn account
    sim.schedule.enabled = False                               # a legacy-only GEN
    sim.schedule.off_body = "html"                             # ... whose 404 page is HTML
    sim.schedule.accounts_route = False                        # GEN does not list accounts

The connected-accounts route (`GET /social/accounts?agent_id=`) is undocumented (gen-api.md
11.3 only mentions MCP views); the simulator answers the shape the client probes for.

Progress per platform: `accepted` for ACCEPT_S after creation, then `publishing` (raw
`scheduled` while waiting for its time, `uploading` from the send time), then `published` or
`failed` PUBLISH_S after the send time (one more second per later platform in the list).
Fault plans (simulator/faults.py) apply to these routes like to any other.
"""

from __future__ import annotations

import itertools
import mimetypes
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, cast
from zoneinfo import ZoneInfo

from aiohttp import web

from genpro_desktop.simulator.faults import Handler
from genpro_desktop.simulator.publish import parse_utc
from genpro_desktop.simulator.schedule_rules import (
    IDEMPOTENCY_KEY_MAX,
    LABELS,
    RULES,
    Problem,
    thumbnail_warning,
    validate_platform,
    validate_request,
)
from genpro_desktop.simulator.seed import AGENT_ID
from genpro_desktop.simulator.state import Reply, SimState, error
from genpro_desktop.simulator.wire import iso

ACCEPT_S = 2.0
PUBLISH_S = 8.0
LIST_WINDOW_DAYS = 60
# The agent's posting calendar (UTC hours); next_available takes the first free one.
SLOT_HOURS = (9, 13, 18)
SLOT_LEAD = timedelta(minutes=10)
IDEMPOTENCY_TTL_S = 24 * 3600.0
OFF_BODIES = ("rails", "not_found", "fastapi", "html", "text", "empty")

SCHEDULE_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/schedule/platforms"),
    ("POST", "/schedule/with-post"),
    ("GET", "/schedule/post/{post_id}"),
    ("PATCH", "/schedule/post/{post_id}"),
    ("DELETE", "/schedule/post/{post_id}"),
    ("GET", "/schedule/posts"),
    ("POST", "/social/upload_asset"),
    ("GET", "/social/accounts"),
)
PUBLIC_ROUTES = frozenset({"schedule_platforms"})


@dataclass
class PlatformScript:
    """The scripted outcome of one platform's next send."""

    outcome: str = "published"
    error: str | None = None
    error_code: str | None = None
    failed_step: str | None = None


@dataclass
class PostRec:
    """A scheduled post; statuses are computed from the clock on each read."""

    id: int
    agent_id: int
    body: dict[str, Any]
    platforms: list[str]
    created: float
    send_at: float  # sim time the post goes out
    scripts: dict[str, PlatformScript]
    warnings: dict[str, str | None] = field(default_factory=lambda: dict[str, str | None]())


def _detail(status: int, code: str, problems: list[Problem]) -> Reply:
    """GEN's schedule 422: the error fields under `detail`, every problem in `errors`."""
    platform, field_name, message = problems[0]
    return Reply(
        status,
        {
            "detail": {
                "error": message,
                "error_code": code,
                "platform": platform,
                "field": field_name,
                "errors": [{"platform": p, "field": f, "error": m} for p, f, m in problems],
            }
        },
    )


class ScheduleSim:
    """The schedule API's state, bound to the simulator's clock, agents and CDN address."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.clock = state.clock
        self._lock = threading.RLock()
        self.enabled = True
        self.off_body = "rails"
        self.accounts_route = True
        self.posts: dict[int, PostRec] = {}
        self.deleted: set[int] = set()
        self.assets: dict[str, tuple[bytes, str]] = {}
        self.connected: dict[int, dict[str, str]] = {AGENT_ID: dict.fromkeys(RULES, "democreator")}
        self._ids = itertools.count(48213)
        self._asset_ids = itertools.count(1)
        self._scripts: dict[str, list[PlatformScript]] = {}
        self._idempotency: dict[tuple[int, str], tuple[float, int]] = {}

    # -- scripting ---------------------------------------------------------------------

    def script_platform(
        self,
        platform: str,
        outcome: str = "failed",
        *,
        error: str | None = None,
        error_code: str | None = None,
        failed_step: str | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` posts to `platform` end with `outcome` (published or failed)."""
        if platform not in RULES or outcome not in ("published", "failed"):
            raise ValueError(f"cannot script {platform!r} -> {outcome!r}")
        if outcome == "failed":
            error = error or f"{LABELS[platform]} rejected the post."
            error_code = error_code or "platform_rejected"
            failed_step = failed_step or "publish"
        script = PlatformScript(outcome, error, error_code, failed_step)
        with self._lock:
            self._scripts.setdefault(platform, []).extend([script] * times)

    def connect(self, agent_id: int, platform: str, handle: str = "democreator") -> None:
        """Give the agent a connected account on `platform`."""
        with self._lock:
            self.connected.setdefault(agent_id, {})[platform] = handle

    def disconnect(self, agent_id: int, platform: str) -> None:
        """Remove the agent's account on `platform` (posting there is refused)."""
        with self._lock:
            self.connected.get(agent_id, {}).pop(platform, None)

    def add_post_elsewhere(
        self,
        platforms: list[str],
        at: datetime,
        *,
        description: str = "Posted from GEN's web app",
        agent_id: int = AGENT_ID,
        schedule_type: str = "specific_time",
        media_url: str | None = None,
        title: str | None = None,
        created_before: float = 3600.0,
    ) -> int:
        """A post made outside this client (GEN's web app): straight into the state, no request
        in the journal. `at` is its time (past: it went out then); returns its id."""
        with self._lock:
            now = self.clock.now()
            send_at = self._sim_time(at)
            body: dict[str, Any] = {
                "agent_id": agent_id,
                "platform": list(platforms),
                "schedule_type": schedule_type,
                "scheduled_time": iso(at.astimezone(UTC)),
                "media_type": "VIDEO",
                "media_url": media_url or f"{self.state.cdn_base_url}/outputs/render_880001.mp4",
                "description": description,
            }
            if title is not None:
                body["title"] = title
            if "tiktok" in platforms:  # GEN's web app always asks for these
                body.update(
                    tiktok_privacy_level="PUBLIC_TO_EVERYONE",
                    tiktok_disable_comment=False,
                    tiktok_disable_duet=False,
                    tiktok_disable_stitch=False,
                )
            if "youtube" in platforms:
                body.setdefault("title", description[:100])
            post = PostRec(
                next(self._ids),
                agent_id,
                body,
                list(dict.fromkeys(platforms)),
                min(now, send_at) - created_before,
                send_at,
                {p: self._take_script(p) for p in platforms},
            )
            self.posts[post.id] = post
            return post.id

    def seed_demo_posts(self) -> list[int]:
        """The demo's calendar: a few posts made in GEN's web app, two already out and four
        scheduled over the coming days (the demo agent's)."""
        wall = self.clock.wall().replace(minute=0, second=0, microsecond=0)
        plan = (
            (-2, 17, ["tiktok", "instagram"], "Behind the scenes of our spring shoot #bts"),
            (-1, 9, ["youtube", "tiktok"], "Three tips for better hooks #creators"),
            (1, 10, ["tiktok", "instagram", "youtube"], "Spring launch teaser #launch"),
            (2, 18, ["linkedin"], "What we learned shipping 100 videos in a month"),
            (4, 13, ["tiktok", "x"], "Poll: which colour should we ship next?"),
            (6, 9, ["instagram", "facebook"], "Weekend recap #weekend"),
        )
        self.script_platform("instagram", "failed", error="Instagram rejected the video's ratio.")
        return [
            self.add_post_elsewhere(
                names, wall + timedelta(days=days, hours=hour - wall.hour), description=text
            )
            for days, hour, names, text in plan
        ]

    def post_status(self, post_id: int, platform: str) -> str:
        """A platform's normalized status now (for tests)."""
        with self._lock:
            post = self.posts[post_id]
            return self._platform_state(post, platform, self.clock.now())["normalized_status"]

    # -- time --------------------------------------------------------------------------

    def _wall(self, sim_time: float) -> datetime:
        # To the second: on the demo's real clock, wall() and now() are read a moment apart, and
        # 09:00:00 must not come back as 08:59:59.9997 (shown as 08:59).
        moment = self.clock.wall() + timedelta(seconds=sim_time - self.clock.now())
        return (moment + timedelta(microseconds=500_000)).replace(microsecond=0)

    def _sim_time(self, wall: datetime) -> float:
        return self.clock.now() + (wall - self.clock.wall()).total_seconds()

    def _next_slot(self, agent_id: int) -> float:
        taken = {
            round(p.send_at)
            for p in self.posts.values()
            if p.agent_id == agent_id and p.id not in self.deleted
        }
        earliest = self.clock.wall() + SLOT_LEAD
        day = earliest.date()
        while True:
            for hour in SLOT_HOURS:
                slot = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
                if slot >= earliest and round(self._sim_time(slot)) not in taken:
                    return self._sim_time(slot)
            day += timedelta(days=1)

    def _zone(self, agent_id: int, offset_header: str | None) -> timezone | ZoneInfo:
        if offset_header is not None:
            try:
                return timezone(timedelta(hours=float(offset_header)))
            except (ValueError, OverflowError):
                pass
        agent = self.state.agent_records.get(agent_id)
        return ZoneInfo(agent.time_zone) if agent is not None else UTC

    # -- operations --------------------------------------------------------------------

    def platforms(self) -> Reply:
        """GET /schedule/platforms (no auth)."""
        return Reply(200, {"platforms": [rule.wire() for rule in RULES.values()]})

    def create(self, payload: Any, key: str | None, tz_header: str | None) -> Reply:
        """POST /schedule/with-post."""
        if not isinstance(payload, dict):
            return _detail(422, "validation_error", [(None, "body", "Body must be an object")])
        body = cast(dict[str, Any], payload)
        with self._lock:
            agent = self.state.agent_records.get(_as_int(body.get("agent_id")) or -1)
            if agent is None:
                return error(422, "agent_not_found", "Agent not found")
            if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
                return _detail(
                    422,
                    "validation_error",
                    [(None, "Idempotency-Key", "Idempotency-Key is limited to 128 characters")],
                )
            now = self.clock.now()
            if key:
                hit = self._idempotency.get((agent.id, key))
                if hit is not None and now - hit[0] <= IDEMPOTENCY_TTL_S:
                    return self._created(self.posts[hit[1]], tz_header, [], replay=True)
            if not self.state.active_credit_purchase:
                return error(
                    422, "no_active_credit_purchase", "Publishing needs an active credit purchase."
                )
            problems = validate_request(body, self.clock.wall())
            if problems:
                return _detail(422, "validation_error", problems)
            strict = body.get("strict") is True
            accepted: list[str] = []
            skipped: list[dict[str, Any]] = []
            refusals: list[Problem] = []
            for platform in dict.fromkeys(cast(list[str], body["platform"])):
                found = validate_platform(platform, body)
                if platform not in self.connected.get(agent.id, {}):
                    found.insert(
                        0,
                        (
                            platform,
                            "platform",
                            f"No {LABELS[platform]} account is connected to this agent",
                        ),
                    )
                if found:
                    refusals += found
                    skipped.append({"platform": platform, "reason": found[0][2]})
                else:
                    accepted.append(platform)
            if refusals and (strict or not accepted):
                return _detail(422, "platform_validation_failed", refusals)
            post = self._store(agent.id, body, accepted, now)
            if key:
                self._idempotency[(agent.id, key)] = (now, post.id)
            return self._created(post, tz_header, skipped, replay=False)

    def _store(
        self, agent_id: int, body: dict[str, Any], platforms: list[str], now: float
    ) -> PostRec:
        schedule_type = body.get("schedule_type", "next_available")
        if schedule_type == "now":
            send_at = now
        elif schedule_type == "specific_time":
            moment = parse_utc(cast(str, body["scheduled_time"]))
            assert moment is not None
            send_at = self._sim_time(moment)
        else:
            send_at = self._next_slot(agent_id)
        scripts = {p: self._take_script(p) for p in platforms}
        post = PostRec(
            next(self._ids),
            agent_id,
            {**body, "schedule_type": schedule_type},
            platforms,
            now,
            send_at,
            scripts,
        )
        post.warnings = {p: thumbnail_warning(p, body) for p in platforms}
        self.posts[post.id] = post
        return post

    def _take_script(self, platform: str) -> PlatformScript:
        queue = self._scripts.get(platform)
        return queue.pop(0) if queue else PlatformScript()

    def _created(
        self, post: PostRec, tz_header: str | None, skipped: list[dict[str, Any]], *, replay: bool
    ) -> Reply:
        wire = self._post(post, tz_header)
        return Reply(
            200,
            {
                "message": "Post accepted and queued",
                "post_id": post.id,
                "platforms": post.platforms,
                "platforms_status": wire["platforms_status"],
                "platforms_skipped": skipped,
                "status_url": f"/schedule/post/{post.id}",
                "idempotent_replay": replay,
                "post": wire,
            },
            replayed=replay,
        )

    def get(self, post_id: str, tz_header: str | None) -> Reply:
        """GET /schedule/post/{id}."""
        with self._lock:
            post = self._find(post_id)
            if post is None:
                return error(404, "not_found", "Scheduled post not found")
            return Reply(200, self._post(post, tz_header))

    def edit(self, post_id: str, payload: Any) -> Reply:
        """PATCH /schedule/post/{id}: refused once sent, or for a `now` post."""
        with self._lock:
            post = self._find(post_id)
            if post is None:
                return error(404, "not_found", "Scheduled post not found")
            if not isinstance(payload, dict) or not payload:
                return _detail(422, "validation_error", [(None, "body", "Nothing to update")])
            if post.body.get("schedule_type") == "now":
                return _detail(
                    422,
                    "validation_error",
                    [
                        (
                            None,
                            "schedule_type",
                            "A post created with schedule_type now cannot be edited",
                        )
                    ],
                )
            if self.clock.now() >= post.send_at:
                return _detail(
                    422,
                    "validation_error",
                    [
                        (
                            None,
                            "scheduled_time",
                            "This post has already been sent and cannot be edited",
                        )
                    ],
                )
            changes = cast(dict[str, Any], payload)
            merged = {**post.body, **changes}
            if "platform" not in changes:
                merged["platform"] = post.platforms
            problems = validate_request(merged, self.clock.wall())
            if problems:
                return _detail(422, "validation_error", problems)
            refusals = [p for name in merged["platform"] for p in validate_platform(name, merged)]
            if refusals:
                return _detail(422, "platform_validation_failed", refusals)
            post.body = merged
            platforms = list(dict.fromkeys(cast(list[str], merged["platform"])))
            for name in platforms:
                post.scripts.setdefault(name, self._take_script(name))
            post.platforms = platforms
            post.warnings = {p: thumbnail_warning(p, merged) for p in platforms}
            if "schedule_type" in changes or "scheduled_time" in changes:
                if merged["schedule_type"] == "specific_time":
                    moment = parse_utc(cast(str, merged["scheduled_time"]))
                    assert moment is not None
                    post.send_at = self._sim_time(moment)
                elif merged["schedule_type"] == "next_available":
                    post.send_at = self._next_slot(post.agent_id)
                else:
                    post.send_at = self.clock.now()
            return Reply(200, self._post(post, None))

    def delete(self, post_id: str) -> Reply:
        """DELETE /schedule/post/{id}: only before it is sent (afterwards: the published route)."""
        with self._lock:
            post = self._find(post_id)
            if post is None:
                return error(404, "not_found", "Scheduled post not found")
            if self.clock.now() >= post.send_at:
                return _detail(
                    422,
                    "validation_error",
                    [(None, "post_id", "This post has already been sent; it cannot be cancelled")],
                )
            self.deleted.add(post.id)
            return Reply(200, {"message": "Scheduled post deleted", "post_id": post.id})

    def list(
        self, agent_id: str | None, start: str | None, end: str | None, tz_header: str | None
    ) -> Reply:
        """GET /schedule/posts?agent_id&start_date&end_date (window at most 60 days)."""
        with self._lock:
            agent = self.state.agent_records.get(_as_int(agent_id) or -1)
            if agent is None:
                return error(422, "agent_not_found", "Agent not found")
            first, last = _date(start), _date(end)
            if first is None or last is None:
                return _detail(
                    422,
                    "validation_error",
                    [(None, "start_date", "start_date and end_date must be ISO dates")],
                )
            if last < first:
                return _detail(
                    422, "validation_error", [(None, "end_date", "end_date is before start_date")]
                )
            if (last - first).days > LIST_WINDOW_DAYS:
                return _detail(
                    422,
                    "validation_error",
                    [(None, "end_date", f"The date window is limited to {LIST_WINDOW_DAYS} days")],
                )
            found = [
                p
                for p in self.posts.values()
                if p.agent_id == agent.id
                and p.id not in self.deleted
                and first <= self._wall(p.send_at).date() <= last
            ]
            found.sort(key=lambda p: (p.send_at, p.id))
            return Reply(200, [self._post(p, tz_header) for p in found])

    def upload(
        self, agent_id: str | None, name: str | None, data: bytes | None, kind: str
    ) -> Reply:
        """POST /social/upload_asset: store the file, serve it from the CDN."""
        with self._lock:
            agent = self.state.agent_records.get(_as_int(agent_id) or -1)
            if agent is None:
                return error(422, "agent_not_found", "Agent not found")
            if data is None or not name:
                return _detail(422, "validation_error", [(None, "file", "file is required")])
            asset_id = next(self._asset_ids)
            suffix = "." + name.rsplit(".", 1)[1].lower() if "." in name else ""
            stored = f"asset_{asset_id}{suffix}"
            self.assets[stored] = (data, kind)
            url = f"{self.state.cdn_base_url}/assets/{stored}"
            return Reply(
                200,
                {
                    "url": url,
                    "cdn_url": url,
                    "asset_id": asset_id,
                    "content_resource_id": 70000 + asset_id,
                    "asset_registered": True,
                },
            )

    def accounts(self, agent_id: str | None) -> Reply | None:
        """GET /social/accounts?agent_id= (undocumented; None: the route is missing)."""
        if not self.accounts_route:
            return None
        with self._lock:
            agent = self.state.agent_records.get(_as_int(agent_id) or -1)
            if agent is None:
                return error(422, "agent_not_found", "Agent not found")
            linked = self.connected.get(agent.id, {})
            return Reply(
                200,
                {
                    "accounts": [
                        {"platform": name, "username": handle, "status": "connected"}
                        for name, handle in linked.items()
                    ]
                },
            )

    # -- wire --------------------------------------------------------------------------

    def _find(self, post_id: str) -> PostRec | None:
        post = self.posts.get(_as_int(post_id) or -1)
        return None if post is None or post.id in self.deleted else post

    def _platform_state(self, post: PostRec, platform: str, now: float) -> dict[str, Any]:
        index = post.platforms.index(platform)
        done_at = post.send_at + PUBLISH_S + index
        script = post.scripts[platform]
        state: dict[str, Any] = {
            "platform_post_id": None,
            "post_url": None,
            "published_at": None,
            "error": None,
            "error_code": None,
            "failed_step": None,
        }
        if now < post.created + ACCEPT_S and now < done_at:
            return {**state, "status": "pending", "normalized_status": "accepted"}
        if now < post.send_at:
            return {**state, "status": "scheduled", "normalized_status": "publishing"}
        if now < done_at:
            return {**state, "status": "uploading", "normalized_status": "publishing"}
        if script.outcome == "failed":
            return {
                **state,
                "status": "failed",
                "normalized_status": "failed",
                "error": script.error,
                "error_code": script.error_code,
                "failed_step": script.failed_step,
            }
        platform_id = f"{post.id}{index:02d}{7459000 + post.id}"
        handle = self.connected.get(post.agent_id, {}).get(platform, "democreator")
        return {
            **state,
            "status": "success",
            "normalized_status": "published",
            "platform_post_id": platform_id,
            "post_url": _post_url(platform, handle, platform_id, post.body),
            "published_at": iso(self._wall(done_at)),
        }

    def _post(self, post: PostRec, tz_header: str | None) -> dict[str, Any]:
        now = self.clock.now()
        zone = self._zone(post.agent_id, tz_header)
        send_wall = self._wall(post.send_at)
        shown = send_wall.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %z")
        shown = shown[:-2] + ":" + shown[-2:]
        body = post.body
        options = {
            k: body[k]
            for k in ("youtube_options", "linkedin_options", "instagram_music")
            if body.get(k) is not None
        }
        options.update({k: v for k, v in body.items() if k.startswith("tiktok_")})
        statuses = []
        for platform in post.platforms:
            statuses.append(
                {
                    "platform": platform,
                    **self._platform_state(post, platform, now),
                    "warning": post.warnings.get(platform) if now >= post.send_at else None,
                    "platform_options": options,
                    "scheduled_time": shown,
                    "media_url": body.get("media_url"),
                    "media_urls": body.get("media_urls"),
                    "description": body.get("description"),
                    "title": body.get("title"),
                }
            )
        normalized = {s["normalized_status"] for s in statuses}
        if normalized <= {"published"}:
            raw = "success"
        elif normalized <= {"failed"}:
            raw = "failed"
        elif normalized <= {"published", "failed"}:
            raw = "partial_success"
        elif now >= post.send_at:
            raw = "processing"
        else:
            raw = "scheduled"
        return {
            "id": post.id,
            "agent_id": post.agent_id,
            "status": raw,
            "schedule_type": body.get("schedule_type"),
            "scheduled_time": iso(send_wall),
            "media_type": body.get("media_type", "VIDEO"),
            "media_url": body.get("media_url"),
            "description": body.get("description"),
            "title": body.get("title"),
            "thumbnail_url": body.get("thumbnail_url"),
            "media_urls": body.get("media_urls"),
            "platform_options": options,
            "platforms_status": statuses,
        }


def _post_url(platform: str, handle: str, post_id: str, body: dict[str, Any]) -> str:
    if platform == "tiktok":
        return f"https://www.tiktok.com/@{handle}/video/{post_id}"
    if platform == "instagram":
        kind = "p" if body.get("media_type") == "IMAGE" else "reel"
        return f"https://www.instagram.com/{kind}/C{post_id[-10:]}/"
    if platform == "facebook":
        return f"https://www.facebook.com/{handle}/videos/{post_id}/"
    if platform == "youtube":
        options = body.get("youtube_options")
        shorts = isinstance(options, dict) and cast(dict[str, Any], options).get("shorts") is True
        return (
            f"https://www.youtube.com/shorts/{post_id}"
            if shorts
            else f"https://www.youtube.com/watch?v={post_id}"
        )
    if platform == "x":
        return f"https://x.com/{handle}/status/{post_id}"
    return f"https://www.linkedin.com/feed/update/urn:li:share:{post_id}/"


def _as_int(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


def _date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def off_response(shape: str) -> web.Response:
    """A legacy-only GEN's answer on a schedule path: a route-level 404 in one body shape."""
    if shape == "not_found":
        return web.json_response({"error": "Not Found", "error_code": "not_found"}, status=404)
    if shape == "fastapi":
        return web.json_response({"detail": "Not Found"}, status=404)
    if shape == "html":
        page = "<!DOCTYPE html><html><body><h1>The page you were looking for doesn't exist.</h1>"
        return web.Response(status=404, text=page + "</body></html>", content_type="text/html")
    if shape == "text":
        return web.Response(status=404, text="Not Found", content_type="text/plain")
    if shape == "empty":
        return web.Response(status=404)
    return web.json_response({"status": 404, "error": "Not Found"}, status=404)


async def schedule_gate(
    request: web.Request, sched: ScheduleSim, handler: Handler
) -> web.StreamResponse | None:
    """Before auth: a switched-off schedule API is missing; the rules route needs no key.

    Returns None for every other route (the normal gate decides).
    """
    route = request.match_info.route.name or ""
    if not route.startswith(("schedule_", "social_")):
        return None
    if not sched.enabled:
        return off_response(sched.off_body)
    if route in PUBLIC_ROUTES:
        return await handler(request)
    return None


def _json(reply: Reply) -> web.Response:
    headers = {"Idempotent-Replayed": "true"} if reply.replayed else None
    return web.json_response(reply.body, status=reply.status, headers=headers)


async def _body(request: web.Request) -> tuple[Any, web.Response | None]:
    import json

    text = await request.text()
    try:
        return (json.loads(text) if text.strip() else {}), None
    except ValueError:
        return None, web.json_response({"detail": "Malformed JSON body"}, status=400)


def _multipart(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes, str]]:
    """Form parts by name: (file name, bytes, content type), parsed with the stdlib."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    parts: dict[str, tuple[str | None, bytes, str]] = {}
    if not message.is_multipart():
        return parts
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            parts[name] = (part.get_filename(), payload, part.get_content_type())
    return parts


def schedule_routes(sched: ScheduleSim) -> list[web.RouteDef]:
    """The schedule routes and the asset CDN, bound to one ScheduleSim."""

    def tz(request: web.Request) -> str | None:
        return request.headers.get("X-Timezone-Offset")

    async def platforms(request: web.Request) -> web.Response:
        return _json(sched.platforms())

    async def create(request: web.Request) -> web.Response:
        payload, bad = await _body(request)
        if bad is not None:
            return bad
        return _json(sched.create(payload, request.headers.get("Idempotency-Key"), tz(request)))

    async def get(request: web.Request) -> web.Response:
        return _json(sched.get(request.match_info["post_id"], tz(request)))

    async def patch(request: web.Request) -> web.Response:
        payload, bad = await _body(request)
        if bad is not None:
            return bad
        return _json(sched.edit(request.match_info["post_id"], payload))

    async def delete(request: web.Request) -> web.Response:
        return _json(sched.delete(request.match_info["post_id"]))

    async def posts(request: web.Request) -> web.Response:
        q = request.query
        return _json(
            sched.list(q.get("agent_id"), q.get("start_date"), q.get("end_date"), tz(request))
        )

    async def upload(request: web.Request) -> web.Response:
        parts = _multipart(request.headers.get("Content-Type", ""), await request.read())
        agent = parts.get("agent_id")
        agent_id = agent[1].decode(errors="replace") if agent else request.query.get("agent_id")
        file = parts.get("file")
        if file is None:
            return _json(sched.upload(agent_id, None, None, ""))
        name, data, kind = file
        guessed = mimetypes.guess_type(name or "")[0]
        return _json(sched.upload(agent_id, name, data, guessed or kind))

    async def accounts(request: web.Request) -> web.Response:
        reply = sched.accounts(request.query.get("agent_id"))
        return off_response("rails") if reply is None else _json(reply)

    async def asset(request: web.Request) -> web.Response:
        found = sched.assets.get(request.match_info["name"])
        if found is None:
            return web.Response(status=404, text="Not Found", content_type="text/plain")
        data, kind = found
        return web.Response(body=data, content_type=kind)

    post_path = "/v1/schedule/post/{post_id}"
    return [
        web.get("/v1/schedule/platforms", platforms, name="schedule_platforms"),
        web.post("/v1/schedule/with-post", create, name="schedule_create"),
        web.get(post_path, get, name="schedule_get"),
        web.patch(post_path, patch, name="schedule_edit"),
        web.delete(post_path, delete, name="schedule_delete"),
        web.get("/v1/schedule/posts", posts, name="schedule_posts"),
        web.post("/v1/social/upload_asset", upload, name="social_upload_asset"),
        web.get("/v1/social/accounts", accounts, name="social_accounts"),
        web.get("/cdn/assets/{name}", asset, name="cdn_assets"),
    ]
