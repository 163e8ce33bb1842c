"""The progress line long commands draw on stderr: rows, rate, share done and time left."""

from __future__ import annotations

import io

from absher.core.progress import SILENT, ProgressLine, duration_text


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def drawn(stream: io.StringIO) -> list[str]:
    """What the terminal shows after each redraw: the text after the last carriage return."""
    return [part.rstrip() for part in stream.getvalue().split("\r") if part]


def test_a_stage_with_a_known_total_shows_the_share_the_rate_and_the_time_left():
    stream, ticks = io.StringIO(), Ticks()
    line = ProgressLine(stream, interval=0.5, clock=ticks)

    line.stage("writing people", total=10_000)
    ticks.now += 2
    line.advance(2_500)

    assert drawn(stream)[-1] == "writing people: 2,500/10,000 rows · 25.0% · 1,250 rows/s · ETA 6s"


def test_a_file_read_row_by_row_shows_its_share_in_bytes():
    stream, ticks = io.StringIO(), Ticks()
    line = ProgressLine(stream, clock=ticks)

    line.stage("checking rows", total=4 * 1024 * 1024, unit="bytes")
    ticks.now += 10
    line.advance(30_000, measure=1024 * 1024)

    assert drawn(stream)[-1] == (
        "checking rows: 30,000 rows · 25.0% of 4.0 MB · 3,000 rows/s · ETA 30s"
    )


def test_without_a_total_only_the_rows_and_the_rate_are_shown():
    stream, ticks = io.StringIO(), Ticks()
    line = ProgressLine(stream, clock=ticks)

    line.stage("checking rows", total=None, unit="bytes")
    ticks.now += 4
    line.advance(1_000, measure=123_456)

    assert drawn(stream)[-1] == "checking rows: 1,000 rows · 250 rows/s"


def test_the_line_is_redrawn_at_most_once_per_interval_and_ends_with_the_totals():
    stream, ticks = io.StringIO(), Ticks()
    line = ProgressLine(stream, interval=0.5, clock=ticks)
    line.stage("moving sponsorships", total=300)

    for done in range(1, 301):
        ticks.now += 0.01
        line.advance(done)
    line.finish()

    # 3 seconds of work: the first draw, one every half second, and the closing line
    assert len(drawn(stream)) == 1 + 6 + 1
    assert stream.getvalue().endswith(
        "moving sponsorships: 300 rows in 3s (100 rows/s)                \n"
    )


def test_a_shorter_text_blanks_out_what_was_left_of_a_longer_one():
    stream, ticks = io.StringIO(), Ticks()
    line = ProgressLine(stream, interval=0, clock=ticks)
    line.stage("a", total=1_000_000)
    ticks.now += 1
    line.advance(999_999)

    line.stage("b")

    previous, last = stream.getvalue().split("\r")[-2:]
    assert len(last) == len(previous.rstrip())
    assert last.rstrip() == "b: 0 rows"


def test_durations_read_as_seconds_minutes_or_hours():
    assert [duration_text(s) for s in (0, 42.4, 187, 3725)] == ["0s", "42s", "3m07s", "1h02m"]


def test_the_silent_progress_accepts_everything_and_shows_nothing():
    SILENT.stage("x", total=3)
    SILENT.advance(1, measure=2)
    SILENT.finish()


def test_a_stage_counting_something_else_than_rows_shows_no_rate():
    stream, ticks = io.StringIO(), Ticks()
    line = ProgressLine(stream, interval=0, clock=ticks)

    line.stage("building", total=4, unit="indexes")
    ticks.now += 30
    line.advance(1)
    line.finish()

    assert drawn(stream)[-2:] == [
        "building: 1/4 indexes · 25.0% · ETA 1m30s",
        "building: 1 indexes in 30s",
    ]
