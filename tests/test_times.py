"""The archive's one time format: written fixed width in UTC, read back, shown to the minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from grunt_archive.times import now_utc, parse_time, stamp, to_the_minute


def test_a_time_is_written_in_utc_to_the_millisecond_whatever_its_zone():
    pacific = timezone(timedelta(hours=-8))
    moment = datetime(2025, 1, 28, 20, 20, 33, 441_999, tzinfo=pacific)
    assert stamp(moment) == "2025-01-29T04:20:33.441Z"
    assert stamp(datetime(2025, 1, 29, 4, 20, tzinfo=UTC)) == "2025-01-29T04:20:00.000Z"


def test_written_times_sort_as_text_as_they_do_in_time():
    start = datetime(2025, 1, 29, 23, 59, 59, 999_000, tzinfo=UTC)
    moments = [start + timedelta(milliseconds=n) for n in (0, 1, 10, 1000, 86_400_000)]
    written = [stamp(m) for m in moments]
    assert sorted(written) == written and len({len(text) for text in written}) == 1


def test_a_written_time_reads_back_as_the_same_moment():
    text = now_utc()
    assert stamp(parse_time(text)) == text
    assert abs(parse_time(text) - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize(
    "text,shown",
    [
        ("2025-01-29T04:20:33.441Z", "2025-01-29 04:20 UTC"),
        ("2025-01-29T04:20:33.441+01:00", "2025-01-29 03:20 UTC"),  # the service's own offset
        ("2025-01-29", "2025-01-29 00:00 UTC"),  # a bare date is UTC
    ],
)
def test_a_time_is_shown_to_the_minute_in_utc(text, shown):
    assert to_the_minute(text) == shown


@pytest.mark.parametrize("text", ["2025-13-01T00:00:00.000Z", "yesterday", ""])
def test_a_time_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        to_the_minute(text)
