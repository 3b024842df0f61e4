"""The simulated CDN: public media with Content-Length, ETag, Last-Modified and byte ranges.

Two CDN behaviours are driven by fault actions (see `faults.change_etag` / `faults.expire_url`):

- content versions: after `World.change_media(path)` the file at `path` is a new version, the
  sample plus a trailing MP4 `free` box, so its bytes, length, ETag and Last-Modified all differ
  and an `If-Range` naming the old version gets the whole new file (200);
- URL versions: after `World.expire_output_url(id)` the render's old URL answers 403 (like an
  expired signed URL) and the generation's GET hands out the same file under `?v=N`.

Benchmarks serve big files from disk instead (never held in memory, sent with sendfile):
`World.media_files[name]` appears at `{cdn}/files/{name}`, and `World.render_output_file`, when
set, is what every completed render's output URL serves. Content faults (`change_etag`) do not
apply to them; the ETag and Last-Modified come from the file's size and modification time.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
import struct
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

from genpro_desktop.simulator.faults import CDN_ACTION_KEY
from genpro_desktop.simulator.world import World

RENDER_FILE = "render.mp4"
THUMBNAIL_FILE = "thumbnail.jpg"
# Uploads were "made" before the seeded sheet, so they get one fixed Last-Modified.
UPLOADS_MODIFIED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def sample_path(name: str) -> Path:
    """Locate a sample asset: through core.resources when present, else the source checkout."""
    try:
        resources = importlib.import_module("genpro_desktop.core.resources")
        path = Path(resources.resource_path(f"sample/{name}"))
        if path.exists():
            return path
    except (ImportError, AttributeError, OSError, ValueError):
        pass
    return Path(__file__).resolve().parents[2] / "resources" / "sample" / name


@functools.lru_cache(maxsize=16)
def media_bytes(name: str, version: int = 1) -> tuple[bytes, str]:
    """The bytes and strong ETag of sample `name` at content `version` (1 = the sample itself)."""
    data = sample_path(name).read_bytes()
    if version > 1:
        # A top-level "free" box is valid ISO-BMFF padding: still an MP4, but different bytes.
        payload = f"genpro simulator media version {version}".encode()
        data += struct.pack(">I", 8 + len(payload)) + b"free" + payload
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _not_found() -> web.Response:
    return web.Response(status=404, text="Not Found", content_type="text/plain")


def _expired() -> web.Response:
    # What S3/CloudFront answer for an expired signed URL.
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        "<Message>Request has expired</Message></Error>"
    )
    return web.Response(status=403, text=body, content_type="application/xml")


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """One `bytes=` range -> (start, end inclusive); False = unsatisfiable; None = ignore it."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # other units and multipart ranges: answer the whole file (RFC 9110 allows)
    match = _RANGE.match(spec)
    if match is None or (not match[1] and not match[2]):
        return None
    if not match[1]:
        suffix = int(match[2])
        if suffix == 0 or size == 0:
            return False
        return max(size - suffix, 0), size - 1
    start = int(match[1])
    end = int(match[2]) if match[2] else size - 1
    if match[2] and end < start:
        return None  # syntactically invalid: ignore the header
    if start >= size:
        return False
    return start, min(end, size - 1)


def _if_range_holds(value: str | None, etag: str, last_modified: str) -> bool:
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == etag  # If-Range needs a strong match; weak tags never match
    return value == last_modified


def media_response(
    request: web.Request, name: str, content_type: str, modified: datetime, version: int = 1
) -> web.Response:
    """Serve a sample file with validators and single byte-range support (GET and HEAD)."""
    data, etag = media_bytes(name, version)
    size = len(data)
    # Each new content version was "uploaded" a minute after the previous one.
    modified += timedelta(minutes=version - 1)
    last_modified = format_datetime(modified.astimezone(UTC), usegmt=True)
    headers = {
        "Content-Type": content_type,
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Last-Modified": last_modified,
        "Cache-Control": "public, max-age=31536000, immutable",
    }
    status, body = 200, data
    if request.headers.get("If-None-Match", "").strip() == etag:
        return web.Response(status=304, headers={"ETag": etag, "Last-Modified": last_modified})
    range_header = request.headers.get("Range")
    if range_header and _if_range_holds(request.headers.get("If-Range"), etag, last_modified):
        wanted = parse_range(range_header, size)
        if wanted is False:
            headers["Content-Range"] = f"bytes */{size}"
            return web.Response(status=416, headers={**headers, "Content-Type": "text/plain"})
        if isinstance(wanted, tuple):
            start, end = wanted
            status, body = 206, data[start : end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return web.Response(status=status, headers=headers)
    return web.Response(status=status, body=body, headers=headers)


class DiskMediaResponse(web.FileResponse):
    """A file sent from disk with sendfile: Range, HEAD, ETag, If-None-Match and If-Range.

    aiohttp's FileResponse only understands an If-Range *date* (an ETag there is ignored, so the
    range would be served even for another version); here an ETag If-Range is judged first, by
    strong comparison, and a mismatch drops the Range so the whole file is sent (RFC 9110).
    """

    def __init__(self, path: Path, content_type: str) -> None:
        headers = {"Content-Type": content_type, "Cache-Control": "public, max-age=31536000"}
        super().__init__(path, headers=headers)
        self._disk_path = path

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        """Judge an ETag If-Range, then let FileResponse send the file or the range."""
        if self.prepared:
            return await web.StreamResponse.prepare(self, request)
        if_range = request.headers.get("If-Range", "").strip()
        if if_range.startswith(('"', "W/")):
            try:
                stat = self._disk_path.stat()
            except OSError:
                stat = None
            etag = None if stat is None else f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
            headers = request.headers.copy()
            headers.popall("If-Range", None)
            if if_range != etag:
                headers.popall("Range", None)
            request = request.clone(headers=headers)
        return await super().prepare(request)


async def cdn_handler(request: web.Request, world: World) -> web.StreamResponse:
    """GET/HEAD {cdn}/outputs/render_{id}.mp4, /thumbnails/render_{id}.jpg, /uploads/{name}
    and /files/{name} (big files from disk, see `World.media_files`)."""
    folder, name = request.match_info["folder"], request.match_info["name"]
    path = f"{folder}/{name}"
    if folder == "files":
        on_disk = world.media_files.get(name)
        if on_disk is None:
            return _not_found()
        return DiskMediaResponse(on_disk, "video/mp4")
    action = request.get(CDN_ACTION_KEY)
    if action == "change_etag":
        world.change_media(path)
    version = world.media_version(path)
    if folder == "uploads":
        if path not in world.uploads:
            return _not_found()
        return media_response(request, RENDER_FILE, "video/mp4", UPLOADS_MODIFIED, version)
    patterns = {
        "outputs": (r"render_(\d+)\.mp4", RENDER_FILE, "video/mp4"),
        "thumbnails": (r"render_(\d+)\.jpg", THUMBNAIL_FILE, "image/jpeg"),
    }
    if folder not in patterns:
        return _not_found()
    pattern, file_name, content_type = patterns[folder]
    match = re.fullmatch(pattern, name)
    ready = world.media_ready(match[1]) if match else None
    if match is None or ready is None:
        return _not_found()
    if folder == "outputs":
        if action == "expire_url":
            world.expire_output_url(match[1])
            return _expired()
        current = world.url_version(match[1])
        if current > 1 and request.query.get("v") != str(current):
            return _expired()
        if world.render_output_file is not None:
            return DiskMediaResponse(world.render_output_file, content_type)
    return media_response(request, file_name, content_type, ready, version)
