"""bench/_simproc.py: the simulator in a child process, with a big file served from disk."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from genpro_desktop.simulator.media import sample_path

SIMPROC = Path(__file__).resolve().parents[2] / "bench" / "_simproc.py"


def load_simproc() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_simproc", SIMPROC)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


simproc = load_simproc()
SimProcess = simproc.SimProcess
SimProcessError = simproc.SimProcessError
write_big_video = simproc.write_big_video
SIZE = 300_000


def test_the_big_video_is_the_sample_plus_one_free_box(tmp_path: Path) -> None:
    sample = sample_path("render.mp4").read_bytes()
    path = tmp_path / "v.mp4"
    digest = write_big_video(path, SIZE)
    data = path.read_bytes()
    assert len(data) == SIZE
    assert digest == hashlib.sha256(data).hexdigest()
    assert data.startswith(sample)
    box = data[len(sample) :]
    assert int.from_bytes(box[:4], "big") == len(box)
    assert box[4:8] == b"free"
    with pytest.raises(ValueError, match="video_bytes"):
        write_big_video(path, len(sample) + 3)


def test_the_child_serves_ranges_if_range_and_render_outputs() -> None:
    with SimProcess(speed=1000, video_bytes=SIZE, renders_use_big_video=True, balance=90000) as sim:
        assert sim.pid > 0
        whole = httpx.get(sim.big_video_url)
        assert whole.status_code == 200
        assert whole.headers["content-type"] == "video/mp4"
        assert hashlib.sha256(whole.content).hexdigest() == sim.big_video_sha256
        etag = whole.headers["etag"]

        ranged = httpx.get(sim.big_video_url, headers={"Range": "bytes=1000-", "If-Range": etag})
        assert ranged.status_code == 206
        assert ranged.headers["content-range"] == f"bytes 1000-{SIZE - 1}/{SIZE}"
        assert ranged.content == whole.content[1000:]
        stale = httpx.get(sim.big_video_url, headers={"Range": "bytes=1000-", "If-Range": '"x"'})
        assert stale.status_code == 200
        assert stale.content == whole.content

        render = httpx.get(f"{sim.cdn_base_url}/outputs/render_{sim.call('last_render_id')}.mp4")
        assert render.content == whole.content
        assert sim.call("balance") == "90000"
        seen = sim.call("journal", method="GET", path_regex="/cdn/files/")
        assert [entry["headers"].get("If-Range") for entry in seen] == [None, etag, '"x"']
        with pytest.raises(SimProcessError, match="nope"):
            sim.call("nope")
        child = sim.pid
    with pytest.raises(SimProcessError, match="not running"):
        _ = sim.base_url
    assert not Path(f"/proc/{child}").exists() or sys.platform != "linux"
