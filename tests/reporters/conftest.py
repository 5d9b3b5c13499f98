"""One RunReport shared by every reporter test: a passing file and a failing file whose user text is hostile."""

from __future__ import annotations

import pytest

from pipecheck.findings import Example, FileReport, Finding, RunReport

# Values that break naive escaping: table pipes, property separators, line breaks, percent
# signs, XML specials, rich markup and markdown backticks.
HOSTILE_VALUES = (
    "a|b,c:d",
    "50% <off> & more",
    "line1\nline2\r\nline3",
    "[red]x[/red]",
    "``double`` and `single`",
)
FAILING_PATH = "data/q1, final: 100%.csv"


def passing_file() -> FileReport:
    return FileReport(
        path="data/good.csv",
        contract="schemas/orders.yaml",
        contract_name="orders",
        rows=200,
        file_format="csv",
        seconds=0.25,
    )


def failing_file() -> FileReport:
    return FileReport(
        path=FAILING_PATH,
        contract="schemas/orders.yaml",
        contract_name="orders",
        rows=40,
        file_format="csv",
        seconds=1.5,
        findings=[
            Finding(
                "min",
                "amount must be >= 0",
                column="amount",
                count=3,
                examples=[
                    Example(row=9, line=10, value="-5"),
                    Example(row=12, line=14, value=HOSTILE_VALUES[0]),
                    Example(row=20, line=22, value=HOSTILE_VALUES[1]),
                ],
            ),
            Finding(
                "pattern",
                "note must fully match ^[a-z|]+$",
                severity="warning",
                column="note",
                count=2,
                examples=[
                    Example(row=3, line=4, value=HOSTILE_VALUES[2]),
                    Example(row=5, line=8, value=HOSTILE_VALUES[3]),
                ],
                hint="use *lower* case",
            ),
            Finding("unreadable", "cannot decode: bad | byte\nat offset 7"),
            Finding(
                "allowed",
                "status must be one of: new, paid",
                column="sta|tus`",
                count=2,
                examples=[Example(row=1, line=2, value=HOSTILE_VALUES[4]), Example(row=2, line=3, value=None)],
            ),
            Finding(
                "extra_column",
                "column 'coupon' is not in the contract",
                column="coupon",
                hint="add it to the contract or set extra_columns",
            ),
        ],
    )


@pytest.fixture
def run_report() -> RunReport:
    return RunReport(files=[passing_file(), failing_file()], version="0.1.0")


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that run the github format must not append to a real job summary when CI runs them."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
