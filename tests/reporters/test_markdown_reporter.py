"""The markdown format, rendered by a real CommonMark+tables parser (markdown-it-py, which rich depends on)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt

from pipecheck.findings import FileReport, RunReport
from pipecheck.reporters import RenderContext
from pipecheck.reporters.markdown import code, render, text

Cell = ET.Element


def _html(markdown: str) -> ET.Element:
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    # The commonmark preset writes XHTML; the only raw HTML we emit is <br>. Any HTML from user
    # text would pass through unchanged and break (or show up in) this parse.
    return ET.fromstring("<div>" + html.replace("<br>", "<br />") + "</div>")


def _tables(markdown: str) -> list[list[list[Cell]]]:
    return [[list(tr) for tr in table.iter("tr")] for table in _html(markdown).iter("table")]


def _text(cell: Cell) -> str:
    return "".join(cell.itertext())


def _codes(cell: Cell) -> list[str]:
    return [c.text or "" for c in cell.iter("code")]


def test_summary_table_has_one_row_per_file(run_report: RunReport) -> None:
    markdown = render(run_report, RenderContext())
    assert markdown.startswith("### pipecheck: 1 of 2 file(s) violate their contract\n\n")
    summary = _tables(markdown)[0]
    assert [_text(c) for c in summary[0]] == ["file", "contract", "rows", "result", "errors", "warnings"]
    assert [[_text(c) for c in row] for row in summary[1:]] == [
        ["data/good.csv", "orders", "200", "✅ pass", "0", "0"],
        ["data/q1, final: 100%.csv", "orders", "40", "❌ fail", "4", "1"],
    ]


def test_findings_table_per_file_with_findings(run_report: RunReport) -> None:
    markdown = render(run_report, RenderContext())
    tables = _tables(markdown)
    assert len(tables) == 2  # the passing file has no findings table
    assert "#### ❌ `data/q1, final: 100%.csv`" in markdown
    findings = tables[1]
    assert [_text(c) for c in findings[0]] == ["check", "column", "count", "message", "first examples"]
    rows = findings[1:]
    assert all(len(row) == 5 for row in rows)
    assert [_text(row[0]) for row in rows] == ["❌ min", "⚠️ pattern", "❌ unreadable", "❌ allowed", "❌ extra_column"]
    assert [_text(row[1]) for row in rows] == ["amount", "note", "—", "sta|tus`", "coupon"]
    assert [_text(row[2]) for row in rows] == ["3", "2", "1", "2", "1"]


def test_user_text_stays_literal(run_report: RunReport) -> None:
    min_row, pattern_row, unreadable_row, allowed_row, _ = _tables(render(run_report, RenderContext()))[1][1:]
    assert _codes(min_row[4]) == ["'-5'", "'a|b,c:d'", "'50% <off> & more'"]
    assert _codes(pattern_row[4]) == [r"'line1\nline2\r\nline3'", "'[red]x[/red]'"]
    assert _codes(allowed_row[1]) == ["sta|tus`"]
    assert _codes(allowed_row[4]) == ["'``double`` and `single`'"]
    assert "row 2, line 3: null" in _text(allowed_row[4])
    assert _text(min_row[3]) == "amount must be >= 0"
    message = pattern_row[3]
    assert _text(message) == "note must fully match ^[a-z|]+$hint: use *lower* case"
    assert [e.tag for e in message] == ["br", "em"]  # our <br> and *hint:*, nothing from user text
    assert _text(unreadable_row[3]) == "cannot decode: bad | byteat offset 7"
    assert [e.tag for e in unreadable_row[3]] == ["br"]
    assert _text(unreadable_row[4]) == "—"


def test_more_occurrences_than_examples_are_counted(run_report: RunReport) -> None:
    min_row = _tables(render(run_report, RenderContext()))[1][1]
    assert _text(min_row[4]).endswith("'50% <off> & more'")  # 3 examples for count 3: nothing more
    run_report.files[1].findings[0].count = 1000
    min_row = _tables(render(run_report, RenderContext()))[1][1]
    assert _text(min_row[4]).endswith("… 997 more")


def test_passing_run_has_only_the_summary() -> None:
    markdown = render(RunReport(files=[FileReport("a.csv", None)]), RenderContext())
    assert markdown.startswith("### pipecheck: 1 file(s) hold their contract")
    (summary,) = _tables(markdown)
    assert [_text(c) for c in summary[1]] == ["a.csv", "—", "—", "✅ pass", "0", "0"]


@pytest.mark.parametrize(
    "value", ["`", "``", "a`b", "a``b`", " x ", "`x`", " `", "x|y", "a\\|b", "\\", "*x* _y_", "<b>&amp;", "tab\tnl\n"]
)
def test_code_span_shows_exactly_the_value(value: str) -> None:
    shown = value.replace("\t", "\\t").replace("\n", "\\n")
    (table,) = _tables(f"| h |\n| --- |\n| {code(value)} |\n")
    assert _codes(table[1][0]) == [shown]
    paragraph = _html(code(value, in_table=False)).find("p")
    assert paragraph is not None
    assert _codes(paragraph) == [shown]


@pytest.mark.parametrize(
    "value", ["*a* _b_ [l](u) ![i](s)", "<b>x</b> &amp; ~s~ $x$", "back\\slash `c` | pipe", "# not a heading"]
)
def test_plain_text_is_not_markup(value: str) -> None:
    (table,) = _tables(f"| h |\n| --- |\n| {text(value)} |\n")
    cell = table[1][0]
    assert _text(cell) == value
    assert list(cell) == []  # no elements: no emphasis, links, code or html


def test_dataset_member_names_stay_in_their_cell_and_whole_members_have_no_null() -> None:
    from pipecheck.findings import Example, Finding

    findings = [
        Finding("mixed_formats", "2 file(s) are parquet", count=2, examples=[Example(file="a.parquet")]),
        Finding("type", "n must be an integer", column="n", examples=[Example(1, 2, "x", file="new\nl|ne`.csv")]),
    ]
    file = FileReport("ds", "c.yaml", findings, rows=2, contract_name="c", file_format="csv", members=3)
    mixed, typed = _tables(render(RunReport(files=[file]), RenderContext()))[1][1:]
    assert len(mixed) == len(typed) == 5, "a member name cannot add or split cells"
    assert _text(mixed[4]) == "a.parquet… 1 more"
    assert _text(typed[4]) == "newl|ne`.csv row 1, line 2: 'x'"
