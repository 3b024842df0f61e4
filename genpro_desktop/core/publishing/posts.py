"""Multi-platform posts (GEN's schedule API): the job for a post, the duplicate guard for each of
its platforms, one in-flight submission per post, then `PostTracker.submit`.

A post is "the same" as an earlier publish or post on a platform when the agent, the platform,
the video, the caption and the schedule are (``dedupe.dedupe_key``). Each chosen platform has its
key, so the guard refuses a post when any of its platforms already has (or is getting) the
same video and caption, including a TikTok post made through the legacy path. A local file is
identified by its content (SHA-256), since each upload gets a new URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from genpro_desktop.core.api.schedule_types import ScheduledPost, SchedulePostRequest
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, PostPlatform, new_job_id
from genpro_desktop.core.publishing.dedupe import dedupe_key
from genpro_desktop.core.publishing.platforms import LABELS
from genpro_desktop.core.publishing.service import (
    PublishHistory,
    WallClock,
    publish_once,
)

__all__ = ["PostService", "PostSubmitter", "file_identity", "post_dedupe_keys"]

_LABEL_CAPTION_CHARS = 40
_HASH_CHUNK = 1024 * 1024


class PostSubmitter(Protocol):
    """What the service needs from `core.jobs.posts.PostTracker`."""

    async def submit(self, job: LocalJob) -> LocalJob: ...

    async def apply_edit(
        self, job_id: str, post: ScheduledPost, changes: dict[str, Any]
    ) -> LocalJob: ...


def file_identity(path: Path) -> str:
    """A stable stand-in for a local file's media URL in the duplicate key: its SHA-256."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def post_dedupe_keys(
    agent_id: str,
    platforms: Sequence[str],
    media: str,
    caption: str,
    scheduled_utc: datetime | None,
) -> dict[str, str]:
    """Each platform's duplicate-guard key."""
    return {p: dedupe_key(agent_id, p, media, caption, scheduled_utc) for p in platforms}


class PostService:
    """Builds post jobs, refuses duplicates per platform, single-flights, then submits."""

    def __init__(self, tracker: PostSubmitter, store: PublishHistory, clock: WallClock) -> None:
        self._tracker = tracker
        self._store = store
        self._clock = clock
        self._inflight: dict[frozenset[str], asyncio.Future[LocalJob]] = {}

    def build_job(
        self,
        request: SchedulePostRequest,
        *,
        agent_id: str,
        media_identity: str,
        scheduled_utc: datetime | None,
        schedule_tz: str | None = None,
        source_job_id: str | None = None,
        label: str | None = None,
    ) -> LocalJob:
        """The (not yet saved) job of a post; `media_identity` is the URL or `file_identity`."""
        now = self._clock.wall()
        caption = request.description or ""
        platforms = list(dict.fromkeys(request.platform))
        keys = post_dedupe_keys(agent_id, platforms, media_identity, caption, scheduled_utc)
        body = request.model_copy(update={"agent_id": agent_id})
        return LocalJob(
            id=new_job_id(),
            kind=JobKind.POST,
            state=JobState.SUBMITTING,
            agent_id=agent_id,
            created_at=now,
            updated_at=now,
            idempotency_key=str(uuid.uuid4()),
            parent_id=source_job_id,
            title=label or _default_label(platforms, caption),
            platform=",".join(platforms),
            media_url=request.media_url or media_identity,
            caption=caption,
            post_title=request.title,
            post_thumbnail_url=request.thumbnail_url,
            scheduled_utc=scheduled_utc,
            schedule_tz=schedule_tz,
            dedupe_key=keys[platforms[0]] if platforms else None,
            post_request=body.model_dump_json(exclude_none=True),
            post_platforms=tuple(
                PostPlatform(p, status="pending", dedupe_key=keys[p]) for p in platforms
            ),
        )

    async def duplicates(self, job: LocalJob) -> list[LocalJob]:
        """Earlier publishes and posts any of this post's platforms would duplicate."""
        found: dict[str, LocalJob] = {}
        for key in job.live_dedupe_keys:
            for earlier in await self._store.find_publish_duplicates(key):
                if earlier.id != job.id:
                    found.setdefault(earlier.id, earlier)
        return list(found.values())

    async def publish(
        self,
        job: LocalJob,
        request: SchedulePostRequest | None = None,
        *,
        allow_duplicate: bool = False,
    ) -> LocalJob:
        """Submit the post once (duplicates refused unless `allow_duplicate`).

        `request` replaces the job's stored request (e.g. with the uploaded media URL filled).
        """
        if request is not None:
            body = request.model_copy(update={"agent_id": job.agent_id})
            job = replace(
                job,
                post_request=body.model_dump_json(exclude_none=True),
                media_url=request.media_url or job.media_url,
                post_thumbnail_url=request.thumbnail_url,
            )
        return await publish_once(
            self._inflight,
            frozenset(job.live_dedupe_keys),
            duplicates=None if allow_duplicate else lambda: self.duplicates(job),
            submit=lambda: self._tracker.submit(job),
        )

    async def record_edit(
        self,
        job: LocalJob,
        post: ScheduledPost,
        *,
        caption: str | None = None,
        title: str | None = None,
        scheduled_utc: datetime | None = None,
    ) -> LocalJob:
        """Apply an edit GEN accepted to the local job (and its platforms' duplicate keys)."""
        changes: dict[str, Any] = {}
        if caption is not None:
            changes["caption"] = caption
        if title is not None:
            changes["post_title"] = title
        if scheduled_utc is not None:
            changes["scheduled_utc"] = scheduled_utc
        new_caption = caption if caption is not None else job.caption or ""
        new_time = scheduled_utc if scheduled_utc is not None else job.scheduled_utc
        names = [p.platform for p in job.post_platforms]
        keys = post_dedupe_keys(
            job.agent_id or "", names, job.media_url or "", new_caption, new_time
        )
        changes["post_platforms"] = tuple(
            replace(p, dedupe_key=keys[p.platform]) for p in job.post_platforms
        )
        if names:
            changes["dedupe_key"] = keys[names[0]]
        return await self._tracker.apply_edit(job.id, post, changes)


def _default_label(platforms: Sequence[str], caption: str) -> str:
    where = ", ".join(LABELS.get(p, p) for p in platforms) or "post"
    first = " ".join(caption.split())
    if len(first) > _LABEL_CAPTION_CHARS:
        first = first[: _LABEL_CAPTION_CHARS - 1].rstrip() + "…"
    return f"{where} post · {first}" if first else f"{where} post"
