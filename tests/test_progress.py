"""The progress display stays out of the way: only on a TTY, with human output, after a moment."""

from __future__ import annotations

import pytest

from pipecheck.progress import ProgressDisplay, progress_wanted


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
