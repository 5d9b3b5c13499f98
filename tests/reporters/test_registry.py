"""Every output format has a reporter module with a render callable, and the CLI accepts it."""

from __future__ import annotations

import importlib

import pytest

from pipecheck.findings import RunReport
from pipecheck.output import parse_targets
from pipecheck.reporters import MODULES, OutputFormat, RenderContext, renderer


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_has_a_module_with_render(fmt: OutputFormat, run_report: RunReport) -> None:
    assert fmt in MODULES
    module = importlib.import_module(f"pipecheck.reporters.{MODULES[fmt]}")
    assert callable(module.render)
    render = renderer(fmt)
    assert render is module.render
    text = render(run_report, RenderContext())
    assert isinstance(text, str)
    assert text.endswith("\n")
    assert render(RunReport(), RenderContext()).endswith("\n")


def test_registry_has_no_module_without_a_format() -> None:
    assert set(MODULES) == set(OutputFormat)
    assert len(set(MODULES.values())) == len(MODULES)


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_cli_accepts_every_format(fmt: OutputFormat) -> None:
    (target,) = parse_targets([f"{fmt.value}:out.txt"], None)
    assert target.format == fmt.value
