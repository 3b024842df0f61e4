"""`genpro download` over a CDN that cuts the connection: it reconnects by itself (issue 13 part 2).

Exit 0 with a verified file after one cut and after three cuts in a row (each resumed with a
Range request, shown on stderr as "reconnecting, attempt N of 5"); a CDN that keeps cutting ends
with exit 5 / `download_failed` and the partial file kept. The back-off sleeps on the CLI's
virtual clock: no real waiting.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from clikit import Cli

from genpro_desktop.core.resources import resource_path
from genpro_desktop.simulator import Simulator, faults

ENGINE = "9101"
FRESH_CELL = "41017"
CDN = r"^/cdn/outputs/"
CUT = 50_000
SAMPLE_SHA256 = hashlib.sha256(resource_path("sample/render.mp4").read_bytes()).hexdigest()


def _completed(cli: Cli) -> str:
    done = cli("render", ENGINE, FRESH_CELL, "--wait", "--json")
    assert done.code == 0, done.err
    return str(done.only_json()["generation_id"])


def _ranges(sim: Simulator) -> list[str | None]:
    return [entry.headers.get("Range") for entry in sim.journal.find("GET", CDN)]


def test_a_cut_once_reconnects_and_exits_0_with_a_verified_file(
    cli: Cli, sim: Simulator, tmp_path: Path
):
    gid = _completed(cli)
    tmp_path = tmp_path / "videos"
    tmp_path.mkdir()
    sim.faults.add("GET", CDN, faults.cut(CUT))
    result = cli("download", gid, str(tmp_path / "clip.mp4"), "--json")
    assert result.code == 0, result.err
    obj = result.only_json()
    saved = Path(obj["path"])
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == obj["sha256"] == SAMPLE_SHA256
    assert _ranges(sim) == [None, f"bytes={CUT}-"]
    assert "reconnecting, attempt 1 of 5" in result.err
    assert "Traceback" not in result.err
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_three_cuts_in_a_row_still_exit_0(cli: Cli, sim: Simulator, tmp_path: Path):
    gid = _completed(cli)
    sim.faults.add("GET", CDN, faults.cut(CUT), times=3)
    result = cli("download", gid, str(tmp_path / "clip.mp4"), "--json")
    assert result.code == 0, result.err
    assert result.only_json()["sha256"] == SAMPLE_SHA256
    assert _ranges(sim) == [None, f"bytes={CUT}-", f"bytes={2 * CUT}-", f"bytes={3 * CUT}-"]
    assert result.err.count("reconnecting, attempt 1 of 5") == 3


def test_a_cdn_that_keeps_cutting_fails_with_the_part_kept(
    cli: Cli, sim: Simulator, tmp_path: Path
):
    gid = _completed(cli)
    tmp_path = tmp_path / "videos"
    tmp_path.mkdir()
    sim.faults.add("GET", CDN, faults.cut(CUT))
    sim.faults.add("GET", CDN, faults.cut(0), times=100)
    result = cli("download", gid, str(tmp_path / "clip.mp4"), "--json")
    assert result.code == 5, result.err
    obj = result.only_json()
    assert obj["error_code"] == "download_failed"
    assert "gave up after 5 reconnects in a row brought no new bytes" in obj["error"]
    assert "reconnecting, attempt 5 of 5" in result.err
    assert len(_ranges(sim)) == 6
    parts = list(tmp_path.glob(".*.part"))
    assert len(parts) == 1
    assert parts[0].stat().st_size == CUT
    assert not (tmp_path / "clip.mp4").exists()


def test_a_target_that_is_a_link_or_a_device_is_refused_with_exit_2(
    cli: Cli, sim: Simulator, tmp_path: Path
):
    gid = _completed(cli)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    link = tmp_path / "clip.mp4"
    link.symlink_to(victim)
    result = cli("download", gid, str(link), "--json")
    assert result.code == 2, result.err
    assert "is a symbolic link; refusing" in result.only_json()["error"]
    assert victim.read_bytes() == b"keep me"
    device = cli("download", gid, "/dev/null", "--json")
    assert device.code == 2, device.err
    assert "/dev/null is not a regular file" in device.only_json()["error"]
    assert not sim.journal.find("GET", CDN)
