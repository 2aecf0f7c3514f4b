"""Her time (fairwork.schedule): the interval rule against a plain simulation of her day."""

import datetime
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fairwork.schedule import Job, room_beside

START = datetime.datetime(2026, 11, 30, 8, 0, tzinfo=datetime.UTC)


def at(minute: int) -> datetime.datetime:
    return START + datetime.timedelta(minutes=minute)


def job(claim_id, start, end, minutes) -> Job:
    return Job(claim_id=claim_id, starts_at=at(start), ends_at=at(end), minutes=Decimal(minutes))


def doable_one_at_a_time(jobs: list[tuple[int, int, int]]) -> bool:
    """Earliest deadline first, a minute at a time (exact for whole minutes, one at a time)."""
    left = [length for _start, _end, length in jobs]
    for minute in range(min((s for s, _e, _l in jobs), default=0), max((e for _s, e, _l in jobs), default=0)):
        ready = [i for i, (s, e, _l) in enumerate(jobs) if s <= minute < e and left[i] > 0]
        if ready:
            left[min(ready, key=lambda i: jobs[i][1])] -= 1
    return not any(left)


windows = st.tuples(st.integers(0, 180), st.integers(1, 120)).map(lambda p: (p[0], p[0] + p[1]))


@st.composite
def jobs_in(draw, window):
    start, end = window
    return (start, end, draw(st.integers(1, end - start)))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), held_windows=st.lists(windows, max_size=5), new_window=windows)
def test_the_room_is_exactly_what_still_fits(data, held_windows, new_window):
    held = [data.draw(jobs_in(w)) for w in held_windows]
    assume(doable_one_at_a_time(held))
    length = data.draw(st.integers(1, 200))

    room = room_beside(
        [job(i + 1, *h) for i, h in enumerate(held)], starts_at=at(new_window[0]), ends_at=at(new_window[1]), parallel=1
    )

    assert (length * 60 <= room.seconds) == doable_one_at_a_time([*held, (*new_window, length)])


def test_a_long_task_may_be_paused_for_a_short_one_inside_its_slot():
    held = [job(1, 0, 120, 90)]  # 09:00–11:00, an hour and a half of bag batches

    inside = room_beside(held, starts_at=at(30), ends_at=at(60), parallel=1)

    assert inside.seconds == 30 * 60 and inside.minutes == 30
    assert inside.clashing == (1,)


def test_the_clashing_claims_are_those_of_the_tightest_interval_earliest_first():
    held = [job(7, 60, 90, 30), job(3, 0, 60, 45), job(9, 200, 230, 30)]

    room = room_beside(held, starts_at=at(30), ends_at=at(80), parallel=1)

    # [0, 90] holds 45 + 30 of its 90 minutes: 15 are left; claim 9 is hours away.
    assert room.minutes == 15 and room.clashing == (3, 7)


def test_claims_she_cannot_do_among_themselves_elsewhere_do_not_block_a_free_slot():
    held = [job(1, 0, 30, 30), job(2, 0, 30, 30)]  # older claims that never fitted together

    assert room_beside(held, starts_at=at(60), ends_at=at(120), parallel=1).minutes == 60


def test_two_at_once_doubles_the_time_of_every_interval():
    held = [job(1, 0, 60, 60)]

    assert room_beside(held, starts_at=at(0), ends_at=at(60), parallel=2).minutes == 60
    assert room_beside(held, starts_at=at(0), ends_at=at(60), parallel=1).minutes == 0


def test_seconds_are_exact_for_odd_slot_lengths():
    held = [job(1, 0, 1, Decimal("0.50"))]  # half a minute of a one-minute slot

    room = room_beside(held, starts_at=at(0) + datetime.timedelta(seconds=10), ends_at=at(1), parallel=1)

    assert room.seconds == Decimal(30)
