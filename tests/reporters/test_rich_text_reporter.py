"""The human format's two layouts: terminal blocks fitted to the width, and log lines (one per finding)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from pipecheck.findings import Example, FileReport, Finding, RunReport, shown_value
from pipecheck.reporters import RenderContext
from pipecheck.reporters.rich_text import render, render_end, render_file, skipped_line
from tests.reporters.conftest import failing_file, passing_file

LONG_TIME = "2013-01-01T10:00:00.000000000000000000000000000000000000000000000000000000000000000000000Z"


def _wide_report() -> RunReport:
    """The shared report plus values and names that need cutting: long, wide (CJK), with control characters."""
    odd = FileReport(
        path="data/" + "very-long-directory-name/" * 4 + "événements_漢字.csv",
        contract="schemas/events.yaml",
        contract_name="events",
        rows=10**9,
        file_format="csv",
        findings=[
            Finding("type", "at must be a datetime", column="at", count=12_345, examples=[Example(7, 8, LONG_TIME)]),
            Finding(
                "pattern", "name must match", column="na\nme", count=1, examples=[Example(1, 2, "漢字" * 60 + "end")]
            ),
        ],
    )
    return RunReport(files=[passing_file(), failing_file(), odd], version="0.1.0", skipped=["x.csv"])


@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("width", [40, 80, 200])
def test_terminal_layout_fits_the_width_and_keeps_both_ends_of_values(width: int, color: bool) -> None:
    text = render(_wide_report(), RenderContext(width=width, layout="terminal", color=color))
    if color:
        assert "\x1b[" in text
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= width, [line for line in lines if cell_len(line) > width]
    assert not any(line != line.rstrip() for line in lines), "no padding at the ends of lines"
    assert "0Z'" in text, "the trailing Z of a long datetime stays visible"
    assert "end'" in text and "'漢字" in text
    assert "'2013-" in text
    assert "na\\nme" in text, "a control character in a name is shown escaped"
    for finding in ("min amount", "pattern note", "unreadable", "allowed sta|tus`", "extra_column coupon"):
        assert finding in re.sub(r"\s+", " ", text)
    assert "and 12,344 more" in re.sub(r"\s+", " ", text)


def test_log_layout_is_one_line_per_finding_without_box_drawing() -> None:
    report = _wide_report()
    text = render(report, RenderContext())
    lines = text.splitlines()
    findings = sum(len(f.findings) for f in report.files)
    assert len(lines) == len(report.files) + findings + 2  # a header per file, the skipped line, the verdict
    assert not set(text) & set("┃│━╇─┏┓"), "no box drawing"
    assert (
        "data/q1, final: 100%.csv:10: error min amount: amount must be >= 0 (3 rows; e.g. row 9, line 10: '-5'" in text
    )
    assert "line1\\nline2\\r\\nline3" in text and "cannot decode: bad | byte\\nat offset 7" in text
    assert "e.g. row 7, line 8: '2013-01-01T" in text and "0Z')" in text
    assert lines[-2:] == ["skipped 1 file no contract matches: x.csv", "2 of 3 file(s) violate their contract"]


def test_log_layout_with_a_width_keeps_the_examples_that_fit() -> None:
    file = failing_file()
    wide = render_file(file, RenderContext()).splitlines()
    (full,) = [line for line in wide if " min amount:" in line]
    for width, kept in ((len(full), 3), (len(full) - 5, 3), (120, 1), (40, 1)):
        narrow = render_file(file, RenderContext(width=width)).splitlines()
        assert len(narrow) == len(wide), "still one line per finding"
        (line,) = [line for line in narrow if " min amount:" in line]
        assert line.count("row ") == kept, (width, line)
        assert line.endswith(f"; and {3 - kept} more)" if kept < 3 else "')"), line
        assert len(line) <= width or kept == 1, "the first example is kept even when the line cannot fit"
        assert "e.g. row 9, line 10: '-5'" in line


def test_a_header_finding_points_at_line_1_and_parquet_at_no_line() -> None:
    header = Finding("missing_column", "column 'a' is missing", column="a", scope="header")
    csv = FileReport("d.csv", "c.yaml", [header], rows=1, contract_name="c", file_format="csv")
    parquet = FileReport("d.parquet", "c.yaml", [header], rows=1, contract_name="c", file_format="parquet")
    assert render_file(csv, RenderContext()).splitlines()[1] == "d.csv:1: error missing_column a: column 'a' is missing"
    assert render_file(parquet, RenderContext()).splitlines()[1].startswith("d.parquet: error missing_column a:")


def test_hook_mode_prints_failing_files_sorted_and_one_verdict() -> None:
    bad_b, bad_a = failing_file(), failing_file()
    bad_b.path, bad_a.path = "b.csv", "a.csv"
    report = RunReport(files=[bad_b, passing_file(), bad_a], skipped=["n1.csv", "n2.csv"])
    context = RenderContext(hook=True)
    assert render_file(bad_b, context) == "" and render_file(passing_file(), context) == ""
    text = render(report, context)
    assert [line.split()[1] for line in text.splitlines() if line.startswith("FAIL")] == ["a.csv", "b.csv"]
    assert "good.csv" not in text and "n1.csv" not in text
    assert text.splitlines()[-1] == "pipecheck: 2 of 3 files fail; 2 skipped (no contract matches)"
    assert render_end(RunReport(files=[passing_file()]), context) == "pipecheck: 0 of 1 file fail\n"


def test_skipped_line_names_a_few_and_counts_the_rest() -> None:
    assert skipped_line(["a.csv"]) == "skipped 1 file no contract matches: a.csv"
    names = [f"f{i}.csv" for i in range(8)]
    assert (
        skipped_line(names) == "skipped 8 files no contract matches: f0.csv, f1.csv, f2.csv, f3.csv, f4.csv and 3 more"
    )


def test_quiet_leaves_out_passing_files_in_both_layouts() -> None:
    for layout in ("terminal", "log"):
        assert render_file(passing_file(), RenderContext(quiet=True, layout=layout)) == ""  # type: ignore[arg-type]
        assert render_file(failing_file(), RenderContext(quiet=True, layout=layout))  # type: ignore[arg-type]


@given(st.text(), st.integers(min_value=0, max_value=200))
def test_shown_value_is_repr_or_both_of_its_ends(value: str, chars: int) -> None:
    full = repr(value)
    shown = shown_value(value, chars)
    if len(full) <= max(chars, 8):
        assert shown == full
        return
    assert len(shown) <= max(chars, 8)
    head, _, tail = shown[1:-1].rpartition("…") if "…" not in value else (shown[1:-1], "", "")
    quote = full[0]
    assert shown[0] == shown[-1] == quote
    assert full[1:-1].startswith(head) and full[1:-1].endswith(tail)
    assert abs(len(head) - len(tail)) <= 10, "both ends get about the same room (an escape is up to 10 characters)"


def test_shown_value_keeps_the_distinguishing_end() -> None:
    assert shown_value("2013-01-01T10:00:00Z", 17) == "'2013-01…:00:00Z'"
    assert shown_value("a\x00\n\tb", 40) == "'a\\x00\\n\\tb'"
    assert shown_value(None) == "null"


@pytest.mark.parametrize("layout", ["terminal", "log"])
def test_a_file_name_with_control_characters_cannot_restyle_or_split_the_output(layout: str) -> None:
    file = failing_file()
    file.path = "evil\x1b[31mred\nx.csv"
    text = render(RunReport(files=[file]), RenderContext(width=200, layout=layout))  # type: ignore[arg-type]
    assert "\x1b" not in text and "evil\\x1b[31mred\\nx.csv" in text
    assert "FAIL evil\\x1b[31mred\\nx.csv  40 rows" in text


def test_one_row_is_singular() -> None:
    file = passing_file()
    file.rows = 1
    assert render_file(file, RenderContext()).startswith("PASS data/good.csv  1 row, 0.25s  contract orders")


def _dataset_file() -> FileReport:
    """A dataset directory's report: a finding naming whole member files, one whose member name holds a newline."""
    return FileReport(
        path="ds",
        contract="c.yaml",
        contract_name="c",
        rows=2,
        file_format="csv",
        members=3,
        findings=[
            Finding(
                "mixed_formats",
                "2 file(s) are parquet",
                count=2,
                examples=[Example(file="a.parquet"), Example(file="b.parquet")],
            ),
            Finding("type", "n must be an integer", column="n", examples=[Example(1, 2, "x", file="new\nline.csv")]),
        ],
    )


@pytest.mark.parametrize("width", [None, 100])
def test_log_layout_names_whole_member_files_without_a_null_value_or_an_empty_count(width: int | None) -> None:
    lines = render_file(_dataset_file(), RenderContext(width=width)).splitlines()
    assert len(lines) == 3, "one line per finding: the member's newline is escaped"
    assert "null" not in lines[1] and "(;" not in lines[1], lines[1]
    assert "(2 occurrences; e.g. a.parquet" in lines[1]
    assert lines[2].endswith("(1 row; e.g. new\\nline.csv row 1, line 2: 'x')"), lines[2]


def test_log_layout_without_a_count_has_no_empty_count() -> None:
    file = _dataset_file()
    file.findings = [Finding("type", "partition folder year=x", column="year", examples=[Example(value="x", file="y")])]
    (line,) = render_file(file, RenderContext()).splitlines()[1:]
    assert line.endswith("partition folder year=x (e.g. y: 'x')"), line


def test_terminal_layout_names_whole_member_files_and_escapes_member_names() -> None:
    text = render_file(_dataset_file(), RenderContext(width=80, layout="terminal"))
    assert "null" not in text
    assert "new\\nline.csv row 1, line 2: 'x'" in text
    assert re.search(r"^ +a\.parquet$", text, re.MULTILINE), text


def test_a_measured_finding_shows_no_occurrence_count() -> None:
    """A drift finding's count is the rows compared; its message already has metric, value and threshold."""
    file = _dataset_file()
    file.findings = [
        Finding(
            "drift",
            "amount: distribution shifted: wasserstein 1.48 (threshold 0.4)",
            column="amount",
            count=200,
            metric="wasserstein",
            value=1.48,
            threshold=0.4,
        )
    ]
    (line,) = render_file(file, RenderContext()).splitlines()[1:]
    assert line.endswith("(threshold 0.4)") and "occurrence" not in line, line
