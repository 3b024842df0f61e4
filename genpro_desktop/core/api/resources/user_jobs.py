"""`/user_jobs`: the legacy publish_content path (gen-api.md 11.2); agent-scoped."""

from __future__ import annotations

import json

from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.resources._common import Resource, parse_one, seg
from genpro_desktop.core.api.types import PublishContent, PublishJobCreated, UserJob


class UserJobs(Resource):
    """User jobs: publishing."""

    async def create_publish(
        self,
        request: PublishContent,
        *,
        agent_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> PublishJobCreated:
        """Create a publish_content job; never resent automatically once it may have been sent."""
        agent = self._base.resolve_agent(agent_id)
        # GEN wants `data` as a string holding JSON, not as an object.
        body = {"user_job_type": "publish_content", "data": json.dumps(request.to_data())}
        return await self._base.request(
            "POST",
            "user_jobs",
            kind=RequestKind.PUBLISH,
            parse=parse_one(PublishJobCreated, "user_job"),
            params={"agent_id": agent},
            json_body=body,
            idempotency_key=idempotency_key,
        )

    async def get(self, user_job_id: str, agent_id: str | None = None) -> UserJob:
        """The user job's status and, once completed, its result (post_id)."""
        agent = self._base.resolve_agent(agent_id)
        return await self._base.request(
            "GET",
            f"user_jobs/{seg(user_job_id)}",
            kind=RequestKind.READ,
            parse=parse_one(UserJob, "user_job"),
            params={"agent_id": agent},
        )
