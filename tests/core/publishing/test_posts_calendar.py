"""The posts calendar's core (issue 17) over the simulator's real sockets, on a stepped clock.

The clock (guikit's SimDrivenClock) lets sleeps wait until the test advances it (so the post
tracker's own polling never runs time ahead), and every advance moves the simulator's clock too.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from guikit import (
    SimDrivenClock,  # the stepped clock the GUI tests use: sleepers wait for advance()
)

from genpro_desktop.core.api.schedule_types import SchedulePostRequest
from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.jobs import JobState
from genpro_desktop.core.publishing.calendar import (
    DUE_REFRESH_S,
    REFRESH_S,
    WINDOW_DAYS,
    CalendarActionError,
    PostsCalendar,
    moved_to_day,
    window_of,
    windows_for,
)
from genpro_desktop.core.publishing.schedule import ScheduleError
from genpro_desktop.core.services import AppServices, build_services
from genpro_desktop.core.store import Store
from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator

LIST = r"/schedule/posts$"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def clock(sim_clock: ManualClock) -> SimDrivenClock:
    return SimDrivenClock(sim_clock)


@pytest.fixture
async def services(
    sim: Simulator, clock: SimDrivenClock, tmp_path: Path
) -> AsyncIterator[AppServices]:
    store = Store.open(tmp_path / "data" / "genpro.sqlite3")
    built = build_services(
        api_key=DEMO_API_KEY,
        base_url=sim.base_url,
        agent_id="4711",
        store=store,
        clock=clock,
        download_dir=tmp_path / "downloads",
    )
    try:
        await built.tracker.start()
        yield built
    finally:
        await built.aclose()


def month_view(calendar: PostsCalendar, clock: FakeClock) -> None:
    """Show six weeks around now, open and visible."""
    today = clock.wall().date()
    calendar.set_range(today - timedelta(days=6), today + timedelta(days=35))
    calendar.set_active(True)


def list_reads(sim: Simulator) -> list[tuple[date, date]]:
    return [
        (date.fromisoformat(e.query["start_date"]), date.fromisoformat(e.query["end_date"]))
        for e in sim.journal.find("GET", LIST)
    ]


async def our_post(services: AppServices, sim: Simulator, when: datetime, caption: str) -> str:
    """A post this app makes (through PostService), scheduled at `when`; its job id."""
    request = SchedulePostRequest(
        platform=["tiktok", "youtube"],
        schedule_type="specific_time",
        scheduled_time=when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        media_url=f"{sim.cdn_base_url}/outputs/render_880001.mp4",
        description=caption,
        title="Launch",
        tiktok_privacy_level="PUBLIC_TO_EVERYONE",
    )
    job = services.poster.build_job(
        request,
        agent_id="4711",
        media_identity=request.media_url or "",
        scheduled_utc=when,
    )
    sent = await services.poster.publish(job)
    assert sent.remote_id is not None
    return sent.id


def test_windows_sit_on_a_fixed_grid_of_at_most_60_days() -> None:
    first, last = window_of(date(2026, 12, 1))
    assert (last - first).days == WINDOW_DAYS - 1 <= 59
    assert window_of(last) == (first, last)
    assert window_of(last + timedelta(days=1))[0] == last + timedelta(days=1)
    # A month view needs at most two windows; a week one or two; each within GEN's limit.
    for start in (date(2026, 11, 23), date(2026, 12, 28), first - timedelta(days=3)):
        covering = windows_for(start, start + timedelta(days=41))
        assert 1 <= len(covering) <= 2
        assert all((b - a).days < 60 for a, b in covering)
        assert covering[0][0] <= start - timedelta(days=1)
        assert covering[-1][1] >= start + timedelta(days=42)


def test_a_move_keeps_the_time_of_day_in_the_users_zone_and_refuses_dst_gaps() -> None:
    now = datetime(2027, 3, 20, 12, tzinfo=UTC)
    when = datetime(2027, 3, 26, 1, 30, tzinfo=UTC)  # 02:30 in Berlin (winter time)
    moved = moved_to_day(when, date(2027, 3, 29), BERLIN, now)
    assert moved.astimezone(BERLIN).time().isoformat() == "02:30:00"
    assert moved == datetime(2027, 3, 29, 0, 30, tzinfo=UTC)  # summer time now
    with pytest.raises(ScheduleError, match="02:30"):
        moved_to_day(when, date(2027, 3, 28), BERLIN, now)  # the clocks skip 02:00-03:00
    with pytest.raises(ScheduleError, match="past"):
        moved_to_day(when, date(2027, 3, 19), BERLIN, now)


async def test_posts_made_elsewhere_appear_and_ours_are_shown_once(
    services: AppServices, sim: Simulator, clock: SimDrivenClock
) -> None:
    wall = clock.wall()
    elsewhere = sim.schedule.add_post_elsewhere(
        ["instagram", "facebook"], wall + timedelta(days=2), description="From the web app"
    )
    job_id = await our_post(services, sim, wall + timedelta(days=3), "Ours #launch")
    calendar = services.calendar
    month_view(calendar, clock)
    await calendar.tick()
    posts = calendar.posts()
    assert [p.caption for p in posts] == ["From the web app", "Ours #launch"]
    theirs, ours = posts
    assert (theirs.post_id, theirs.made_here) == (str(elsewhere), False)
    assert [p.platform for p in theirs.platforms] == ["instagram", "facebook"]
    assert ours.job_id == job_id
    assert ours.made_here
    assert {p.state for p in ours.platforms} == {"accepted"}
    assert all((b - a).days < 60 for a, b in list_reads(sim))


async def test_refreshing_while_open_does_not_storm_and_stops_when_hidden(
    services: AppServices, sim: Simulator, clock: SimDrivenClock
) -> None:
    calendar = services.calendar
    sim.schedule.add_post_elsewhere(["tiktok"], clock.wall() + timedelta(days=1))
    month_view(calendar, clock)
    windows = len(windows_for(*(calendar.visible_range or (date.min, date.min))))
    # Two readers at once (the view and the user's refresh): one request per window.
    await asyncio.gather(calendar.tick(), calendar.tick())
    assert len(list_reads(sim)) == windows
    # Ten minutes open, the view ticking every second: one read per window per REFRESH_S.
    for _ in range(600):
        clock.advance(1)
        await calendar.tick()
    assert len(list_reads(sim)) == windows * (1 + int(600 // REFRESH_S))
    per_minute = len(list_reads(sim)) / 10
    assert per_minute <= windows  # e.g. 1 request a minute for a month view
    # Hidden: nothing is read, however long.
    calendar.set_active(False)
    before = len(list_reads(sim))
    for _ in range(30):
        clock.advance(60)
        assert await calendar.tick() is None
    assert len(list_reads(sim)) == before


async def test_a_post_about_to_go_out_is_read_sooner_then_the_cadence_slows(
    services: AppServices, sim: Simulator, clock: SimDrivenClock
) -> None:
    calendar = services.calendar
    sim.schedule.add_post_elsewhere(["tiktok"], clock.wall() + timedelta(seconds=90))
    calendar.set_range(clock.wall().date(), clock.wall().date())
    calendar.set_active(True)
    delay = await calendar.tick()
    assert delay == pytest.approx(DUE_REFRESH_S)
    clock.advance(DUE_REFRESH_S)
    await calendar.tick()
    assert len(list_reads(sim)) == 2  # one window (a one-day view), read twice in 20 s
    # Past its time, published: back to the slow cadence.
    clock.advance(120)
    await calendar.tick()
    (post,) = calendar.posts()
    assert post.states == {"published"}
    assert post.links
    assert post.links[0][1].startswith("https://www.tiktok.com/")
    assert await calendar.tick() == pytest.approx(REFRESH_S)


async def test_a_move_patches_the_time_records_the_edit_and_rereads_one_window(
    services: AppServices, sim: Simulator, clock: SimDrivenClock
) -> None:
    calendar = services.calendar
    calendar.set_zone(BERLIN)
    when = clock.wall() + timedelta(days=2, hours=3, minutes=30)
    job_id = await our_post(services, sim, when, "Move me")
    month_view(calendar, clock)
    await calendar.tick()
    (post,) = calendar.posts()
    reads = len(list_reads(sim))
    target = post.local_time(BERLIN).date() + timedelta(days=3)
    moved = await calendar.move(post.key, target)
    assert moved is not None
    new_when = when + timedelta(days=3)
    assert moved.when == new_when
    assert moved.local_time(BERLIN).time() == post.local_time(BERLIN).time()
    patch = sim.journal.last("PATCH", r"/schedule/post/")
    assert '"scheduled_time":"' + new_when.strftime("%Y-%m-%dT%H:%M:%SZ") in patch.body.replace(
        " ", ""
    )
    assert len(list_reads(sim)) == reads + 1  # only the window holding the post
    job = await services.tracker.posts.get(job_id)
    assert job.scheduled_utc == new_when  # the job's history follows the edit
    edited = await calendar.edit(moved.key, caption="Moved and reworded")
    assert edited is not None
    assert edited.caption == "Moved and reworded"
    assert (await services.tracker.posts.get(job_id)).caption == "Moved and reworded"


async def test_cancel_deletes_on_gen_and_stops_our_job(
    services: AppServices, sim: Simulator, clock: SimDrivenClock
) -> None:
    calendar = services.calendar
    job_id = await our_post(services, sim, clock.wall() + timedelta(days=1), "Cancel me")
    month_view(calendar, clock)
    await calendar.tick()
    (post,) = calendar.posts()
    await calendar.cancel(post.key)
    assert post.post_id is not None
    assert int(post.post_id) in sim.schedule.deleted
    assert calendar.posts() == []
    assert (await services.tracker.posts.get(job_id)).state is JobState.STOPPED


async def test_refusals_are_explained_and_change_nothing(
    services: AppServices, sim: Simulator, clock: SimDrivenClock
) -> None:
    calendar = services.calendar
    wall = clock.wall()
    soon = sim.schedule.add_post_elsewhere(["tiktok"], wall + timedelta(minutes=5))
    gone = sim.schedule.add_post_elsewhere(["x"], wall + timedelta(days=1), description="Gone")
    now_post = sim.schedule.add_post_elsewhere(
        ["linkedin"], wall + timedelta(days=1, hours=1), schedule_type="now"
    )
    month_view(calendar, clock)
    await calendar.tick()
    # GEN sent it meanwhile (server time moved on; our view had not re-read yet).
    clock.sim_clock.advance(6 * 60)
    with pytest.raises(CalendarActionError, match="already sent"):
        await calendar.edit(f"gen:{soon}", caption="too late")
    assert sim.schedule.posts[soon].body["description"] != "too late"
    # Deleted in GEN's web app: said so, and the post leaves the calendar.
    sim.schedule.deleted.add(gone)
    with pytest.raises(CalendarActionError, match="no longer has this post") as info:
        await calendar.move(f"gen:{gone}", (wall + timedelta(days=2)).date())
    assert info.value.gone
    assert calendar.post(f"gen:{gone}") is None
    # A "now" post: refused before anything is sent.
    patches = sim.journal.count("PATCH", r".")
    with pytest.raises(CalendarActionError, match="publish at once"):
        await calendar.edit(f"gen:{now_post}", caption="x")
    assert sim.journal.count("PATCH", r".") == patches


async def test_another_agent_gets_its_own_posts_not_the_last_ones(
    services: AppServices, sim: Simulator, clock: SimDrivenClock
) -> None:
    calendar = services.calendar
    sim.schedule.add_post_elsewhere(["tiktok"], clock.wall() + timedelta(days=1))
    first = sim.state.agent_records[4711]
    sim.state.agent_records[4712] = dataclasses.replace(first, id=4712, name="Second")
    month_view(calendar, clock)
    await calendar.tick()
    assert len(calendar.posts()) == 1
    services.client.agent_id = "4712"  # chosen in the account bar
    await calendar.tick()  # nothing was due: the windows are another agent's, so read again
    assert calendar.posts() == []
    assert sim.journal.last("GET", LIST).query["agent_id"] == "4712"


async def test_a_post_we_make_while_it_is_open_appears_without_asking_gen(
    services: AppServices, sim: Simulator, clock: SimDrivenClock
) -> None:
    calendar = services.calendar
    sim.schedule.add_post_elsewhere(["x"], clock.wall() + timedelta(days=1))
    month_view(calendar, clock)
    await calendar.tick()
    assert [p.made_here for p in calendar.posts()] == [False]
    reads = len(list_reads(sim))
    job_id = await our_post(services, sim, clock.wall() + timedelta(days=2), "Made just now")
    await calendar.tick()  # the tracker's job event asked for a merge; no window is due
    assert [p.job_id for p in calendar.posts()] == [None, job_id]
    assert len(list_reads(sim)) == reads


async def test_going_back_to_read_days_shows_their_posts_at_once_without_a_read(
    services: AppServices, sim: Simulator, clock: SimDrivenClock
) -> None:
    # Seen in the demo: week -> next week -> month lost the first week's posts, because a range
    # whose windows were all read already made no read, so no listener heard of the new range.
    calendar = services.calendar
    today = clock.wall().date()
    sim.schedule.add_post_elsewhere(
        ["tiktok"], clock.wall() + timedelta(hours=1), description="This week"
    )
    heard: list[list[str]] = []
    calendar.subscribe(lambda: heard.append([p.caption for p in calendar.posts()]))
    calendar.set_range(today - timedelta(days=6), today + timedelta(days=35))  # read it all
    calendar.set_active(True)
    await calendar.tick()
    reads = len(list_reads(sim))
    assert heard[-1] == ["This week"]
    calendar.set_range(today + timedelta(days=8), today + timedelta(days=14))  # a later week
    assert heard[-1] == []
    calendar.set_range(today - timedelta(days=3), today + timedelta(days=27))  # and back
    assert heard[-1] == ["This week"]
    assert [p.caption for p in calendar.posts()] == ["This week"]
    await calendar.tick()
    assert len(list_reads(sim)) == reads  # no window was due: nothing was asked of GEN
