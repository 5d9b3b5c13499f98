"""The progress display stays out of the way: only on a TTY, with human output, after a moment."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipecheck.progress import ProgressDisplay, progress_line, progress_wanted


def test_not_wanted_for_machine_formats_quiet_or_pipes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert progress_wanted(["rich"], quiet=False)
    assert progress_wanted([], quiet=False)
    assert not progress_wanted(["json"], quiet=False)
    assert not progress_wanted(["rich"], quiet=True)
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert not progress_wanted(["rich"], quiet=False)


def test_disabled_or_early_updates_draw_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressDisplay(enabled=False, show_after=0) as display:
        display("a.csv", 10, 100, 5)
    with ProgressDisplay(enabled=True, show_after=3600) as display:
        display("a.csv", 10, 100, 5)
    assert capsys.readouterr().err == ""


def test_enabled_display_draws_on_stderr_and_clears() -> None:
    with ProgressDisplay(enabled=True, show_after=0) as display:
        display("a.csv", 10, 100, 5)
        display("a.csv", 100, 100, 50)
        assert display._progress is not None
        (task,) = display._progress.tasks
        assert task.completed == 100 and task.fields["rows"] == 50
    assert display._progress is None


@given(
    st.text(min_size=1, max_size=300),
    st.integers(min_value=0, max_value=10**13),
    st.one_of(st.none(), st.integers(min_value=1, max_value=10**13)),
    st.integers(min_value=0, max_value=10**12),
    st.one_of(st.none(), st.floats(min_value=0.001, max_value=1e12)),
    st.integers(min_value=1, max_value=400),
)
def test_a_progress_line_never_exceeds_its_width(
    name: str, done: int, total: int | None, rows: int, rate: float | None, width: int
) -> None:
    line = progress_line(name, done, total, rows, rate, width)
    assert len(line) <= max(width, 10)
    assert "\n" not in line or "\n" in name


def test_a_progress_line_drops_details_before_it_would_wrap() -> None:
    name = "data/exports/2024/orders_2024_01_full.csv"
    wide = progress_line(name, 40_000_000, 95_300_000, 380_000, 21_300_000.0, 200)
    assert wide.startswith(name + " ━") and wide.endswith("42% 40.0 MB/95.3 MB 380,000 rows 21.3 MB/s 0:00:02")
    narrow = progress_line(name, 40_000_000, 95_300_000, 380_000, 21_300_000.0, 50)
    assert len(narrow) <= 50 and "MB/s" not in narrow and narrow.endswith("full.csv ━━━━━ 42% 40.0 MB/95.3 MB"[-20:])


def test_the_rich_display_renders_one_line_per_file_within_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from pipecheck.progress import _make_progress

    monkeypatch.setenv("COLUMNS", "40")
    progress = _make_progress()
    progress.add_task("a/very/long/path/to/some/orders_file.csv", total=95_300_000, rows=380_000)
    progress.update(progress.tasks[0].id, completed=40_000_000)
    console = Console(width=40, record=True, file=io.StringIO())
    console.print(progress.make_tasks_table(progress.tasks))
    lines = console.export_text().splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 40, lines


def test_a_finished_file_leaves_and_printing_pauses_the_display() -> None:
    with ProgressDisplay(enabled=True, show_after=0) as display:
        display("a.csv", 10, 100, 5)
        display("b.csv", 10, 100, 5)
        display.finished("a.csv")
        assert [t.description for t in display._progress.tasks] == ["b.csv"]
        with display.paused():
            assert not display._progress.live.is_started
        assert display._progress.live.is_started
    with ProgressDisplay(enabled=False) as display, display.paused():
        display.finished("never shown.csv")
