"""Check one batch against a compiled contract: a pure function (plan, frame) -> Partial.

Pure and picklable, with row offsets relative to the batch, so that any executor (threads here,
Dask partitions later) can run it anywhere and merge the results exactly (tally.py).

pandera is the library the rules are written for (compile.pandera_schema builds the same checks
with its public API); per batch, `DataFrameSchema.validate` would run each check as its own
polars query and build a failure-case frame for each, so here every rule of a batch is one
polars query returning just each rule's failure count and first failing rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from pipecheck.compile import CompiledColumn, CompiledContract, CompiledRule
from pipecheck.parsing import POLARS_TYPES, parse_expr
from pipecheck.profile import ProfiledColumn, ProfilePart, profile_batch
from pipecheck.storage_types import shown_stored, stored_values

ORDINAL = "__ordinal__"
PARSED = "__parsed__"  # prefix of a typed column's parse beside its text (`_parse_plan`)
_NO_CSE = pl.QueryOptFlags(comm_subexpr_elim=False)


@dataclass(frozen=True)
class Hits:
    """Where one rule failed in one batch: the count, and the first rows (offsets within the batch)."""

    rule: int
    count: int
    offsets: tuple[int, ...]
    values: tuple[tuple[str | None, ...], ...]  # each failing row's text of the rule's columns


@dataclass(frozen=True)
class RowFailures:
    """The rows of one batch that fail an error rule (offsets within the batch), for quarantine and
    --max-invalid: each row's failed rules as labels ('amount:min;email:pattern')."""

    offsets: pl.Series
    labels: pl.Series
    # True where every rule the row fails is decided only at the end of the file (`mostly`)
    deferred: pl.Series
    touched: pl.Series  # True where some rule the row fails is decided only at the end

    @property
    def count(self) -> int:
        return self.offsets.len()


@dataclass(frozen=True)
class Partial:
    """The result of checking one batch; row offsets are relative to the batch."""

    rows: int
    hits: tuple[Hits, ...] = ()
    keys: tuple[tuple[tuple[str, ...], pl.DataFrame], ...] = ()  # unique-key columns with ORDINAL
    unevaluated: tuple[tuple[int, str], ...] = ()  # (rule id, why) for expressions that failed to run
    judged: tuple[tuple[int, int], ...] = ()  # (rule id, rows it judged) for rules with a mostly
    profile: ProfilePart | None = None  # column statistics, when the plan asks for them (profile.py)
    failures: RowFailures | None = None  # per-row verdicts, when the plan asks for them


@dataclass(frozen=True)
class CheckPlan:
    """Everything the batch check needs for files with these columns; built once per file."""

    text: bool
    columns: tuple[CompiledColumn, ...]
    parse: tuple[pl.Expr, ...]  # text input: typed columns, then type-failure masks (from `parsed`)
    rules: tuple[CompiledRule, ...]
    masks: tuple[pl.Expr, ...]
    summaries: tuple[pl.Expr, ...]
    keys: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (contract names, internal names)
    max_examples: int
    compiled: CompiledContract
    conditions: tuple[pl.Expr, ...] = ()  # `expression` rules: their masks, over contract names
    condition_inputs: tuple[pl.Expr, ...] = ()  # the typed columns they read, renamed to contract names
    profile: tuple[ProfiledColumn, ...] | None = None  # columns to gather statistics of (snapshot, --baseline)
    # text input: each typed column's parse, added beside its text before `parse` reads both
    parsed: tuple[pl.Expr, ...] = ()
    # per-row verdicts: (index in `rules`, label, decided at the end) of each error rule
    verdicts: tuple[tuple[int, str, bool], ...] | None = None


def plan_checks(
    compiled: CompiledContract,
    present: Sequence[str],
    *,
    text: bool,
    max_examples: int,
    profile: bool = False,
    verdicts: bool = False,
) -> CheckPlan:
    """The plan for batches holding these contract columns (as internal names) as text or typed."""
    wanted = set(present)
    columns = tuple(column for name, column in compiled.columns.items() if name in wanted)
    names = {c.name for c in columns}
    rules = tuple(r for r in compiled.rules if r.failed(text) is not None and all(c in names for c in r.columns))
    masks = tuple(rule.failed(text).alias(f"f{i}") for i, rule in enumerate(rules))  # type: ignore[union-attr]
    summaries = tuple(
        expr
        for i in range(len(rules))
        for expr in (
            pl.col(f"f{i}").sum().alias(f"n{i}"),
            pl.col(f"f{i}").arg_true().head(max_examples).implode().alias(f"e{i}"),
        )
    )
    # rules with a mostly also count the rows they judge (after every failure count and examples)
    judged = tuple((i, r.judged) for i, r in enumerate(rules) if r.judged is not None)
    masks += tuple(expr.alias(f"g{i}") for i, expr in judged)
    summaries += tuple(pl.col(f"g{i}").sum().alias(f"j{i}") for i, _ in judged)
    keys = tuple(
        (key, tuple(compiled.columns[n].internal for n in key)) for key in compiled.unique_keys if set(key) <= names
    )
    parsed, parse = _parse_plan(compiled, columns) if text else ((), ())
    with_condition = [r for r in rules if r.condition is not None]
    read = sorted({name for r in with_condition for name in r.columns}, key=list(compiled.columns).index)
    return CheckPlan(
        text=text,
        columns=columns,
        parse=parse,
        parsed=parsed,
        rules=rules,
        masks=masks,
        summaries=summaries,
        keys=keys,
        max_examples=max_examples,
        compiled=compiled,
        conditions=tuple(r.condition.alias(r.mask) for r in with_condition if r.condition is not None and r.mask),
        condition_inputs=tuple(pl.col(compiled.columns[n].internal).alias(n) for n in read),
        profile=tuple(ProfiledColumn(c.name, c.internal, c.spec.type) for c in columns) if profile else None,
        verdicts=tuple((i, r.label, decided_at_end(r)) for i, r in enumerate(rules) if r.severity == "error")
        if verdicts
        else None,
    )


def decided_at_end(rule: CompiledRule) -> bool:
    """Whether a row failing the rule is invalid only if the rule fails over the whole file (`mostly`)."""
    return rule.mostly is not None


def check_batch(plan: CheckPlan, frame: pl.DataFrame) -> Partial:
    """Type-parse (text input) or convert (typed input), evaluate every rule, extract unique keys."""
    if not plan.columns or frame.height == 0:
        # quarantine still takes the batch: its records may all be malformed, or have no rules
        return Partial(rows=frame.height, failures=_no_failures() if plan.verdicts is not None else None)
    if plan.text:
        typed = _typed(plan, frame)
    else:
        specs = {c.internal: c.spec for c in plan.columns}
        typed = stored_values(frame.select(list(specs)), specs)
    profile = profile_batch(plan.profile, typed) if plan.profile is not None else None
    unevaluated: list[tuple[int, str]] = []
    if plan.conditions:
        # `expression` rules name columns as the contract does: evaluated on those columns alone.
        inputs = typed.lazy().select(plan.condition_inputs)
        try:
            masks = inputs.select(plan.conditions).collect()
        except pl.exceptions.PolarsError:  # say a strict CAST of a value that does not convert
            masks, unevaluated = _conditions_one_by_one(plan, inputs)
        typed = typed.hstack(masks)
    hits: list[Hits] = []
    failures = None
    judged: tuple[tuple[int, int], ...] = ()
    if plan.rules:
        if plan.verdicts is None:
            counts = typed.lazy().select(plan.masks).select(plan.summaries).collect(optimizations=_NO_CSE).row(0)
        else:  # the masks are kept: each row's verdict is read from them too
            masks = typed.lazy().select(plan.masks).collect(optimizations=_NO_CSE)
            counts = masks.lazy().select(plan.summaries).collect().row(0)
            failures = _row_failures(masks, plan.verdicts)
        for i, rule in enumerate(plan.rules):
            count, first = counts[2 * i], counts[2 * i + 1]
            if not count:
                continue
            shown = [_texts(frame, typed, name, first, plan) for name in rule.columns]
            values = tuple(zip(*shown, strict=True))
            hits.append(Hits(rule.id, int(count), tuple(int(o) for o in first), values))
        tolerant = (rule for rule in plan.rules if rule.judged is not None)
        judged = tuple((rule.id, int(n)) for rule, n in zip(tolerant, counts[2 * len(plan.rules) :], strict=True))
    keys = tuple(
        (key, typed.lazy().select(internal).with_row_index(ORDINAL).drop_nulls(list(internal)).collect())
        for key, internal in plan.keys
    )
    return Partial(
        rows=frame.height,
        hits=tuple(hits),
        keys=keys,
        unevaluated=tuple(unevaluated),
        judged=judged,
        profile=profile,
        failures=failures if failures is not None or plan.verdicts is None else _no_failures(),
    )


def _row_failures(masks: pl.DataFrame, verdicts: tuple[tuple[int, str, bool], ...]) -> RowFailures:
    """The rows failing any of the verdicts' rules, with their labels, in one query."""
    if not verdicts:
        return _no_failures()
    failed = [pl.col(f"f{i}").fill_null(False) for i, _, _ in verdicts]
    now = [pl.col(f"f{i}").fill_null(False) for i, _, deferred in verdicts if not deferred]
    later = [pl.col(f"f{i}").fill_null(False) for i, _, deferred in verdicts if deferred]
    labels = pl.concat_str(
        [pl.when(flag).then(pl.lit(label)) for flag, (_, label, _) in zip(failed, verdicts, strict=True)],
        separator=";",
        ignore_nulls=True,
    )
    rows = (
        masks.lazy()
        .with_row_index("offset")
        .filter(pl.any_horizontal(failed))
        .select(
            "offset",
            labels.alias("labels"),
            (~pl.any_horizontal(now) if now else pl.lit(True)).alias("deferred"),
            (pl.any_horizontal(later) if later else pl.lit(False)).alias("touched"),
        )
        .collect()
    )
    return RowFailures(rows["offset"], rows["labels"], rows["deferred"], rows["touched"])


def _no_failures() -> RowFailures:
    empty = pl.DataFrame(
        schema={"offset": pl.UInt32, "labels": pl.String, "deferred": pl.Boolean, "touched": pl.Boolean}
    )
    return RowFailures(empty["offset"], empty["labels"], empty["deferred"], empty["touched"])


def _conditions_one_by_one(plan: CheckPlan, inputs: pl.LazyFrame) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """Each expression's mask on its own; one that cannot be evaluated fails no row and says why."""
    columns: list[pl.Series] = []
    unevaluated: list[tuple[int, str]] = []
    with_condition = [r for r in plan.rules if r.condition is not None and r.mask]
    for rule, condition in zip(with_condition, plan.conditions, strict=True):
        try:
            columns.append(inputs.select(condition).collect().to_series())
        except pl.exceptions.PolarsError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            unevaluated.append((rule.id, reason))
            height = inputs.select(pl.len()).collect().item()
            columns.append(pl.repeat(True, height, eager=True).alias(rule.mask or ""))
    return pl.DataFrame(columns), unevaluated


def _texts(frame: pl.DataFrame, typed: pl.DataFrame, name: str, rows: list[int], plan: CheckPlan) -> list[str | None]:
    """The failing rows' values as shown: the text as written; a stored value in the contract's
    type (zoned timestamps in UTC), or as stored where it has none there."""
    column = plan.compiled.columns[name]
    if plan.text:
        return list(frame[column.internal].gather(rows).to_list())
    converted = typed[column.internal].gather(rows).cast(pl.String).to_list()
    stored = shown_stored(frame[column.internal].gather(rows))
    return [value if value is not None else as_stored for value, as_stored in zip(converted, stored, strict=True)]


def _typed(plan: CheckPlan, frame: pl.DataFrame) -> pl.DataFrame:
    """Typed columns, plus a type-failure mask for each non-text column: present text that did not parse.

    Values are parsed as they are first (parse_expr's quick pass); only the failures are parsed
    again by the full rule, surrounding whitespace stripped (stripping every value would cost as
    much as parsing it).
    """
    typed = frame.lazy().with_columns(plan.parsed).select(plan.parse).collect()
    masks = set(typed.columns)
    failing = [c for c in plan.columns if c.type_failed in masks]
    if not failing:
        return typed
    # which masks have any failure: one query, not one per column
    any_failed = typed.select(pl.col(c.type_failed).any() for c in failing).row(0)
    retry = [c for c, failed in zip(failing, any_failed, strict=True) if failed]
    return _retry_stripped(frame, typed, retry) if retry else typed


def _parse_plan(
    compiled: CompiledContract, columns: tuple[CompiledColumn, ...]
) -> tuple[tuple[pl.Expr, ...], tuple[pl.Expr, ...]]:
    """The expressions turning a text batch into `_typed`'s frame: each typed column's parse
    beside its text, then the values and type-failure masks read from both (one query that
    names a parse twice, for its value and its mask, costs more: bench/README.md).

    A null token is mapped to null only where it could be read as a value: in text columns, and in
    typed columns whose parse accepts one of the tokens (say "n" as boolean false). Elsewhere the
    parse already gives null, and the token only has to be told apart from a type failure.
    """
    nulls = compiled.contract.csv.null_values
    tokens_parse_by_rule: dict[tuple[object, ...], bool] = {}
    parses: list[pl.Expr] = []
    values: list[pl.Expr] = []
    masks: list[pl.Expr] = []
    for column in columns:
        text = pl.col(column.internal)
        null_token = (text == nulls[0]) if len(nulls) == 1 else text.is_in(nulls) if nulls else pl.lit(False)
        spec = column.spec
        if spec.type == "string":
            values.append(pl.when(null_token).then(None).otherwise(text).alias(column.internal) if nulls else text)
            continue
        parsed = parse_expr(text, spec, strip=False)
        rule = (spec.type, spec.format, spec.timezone)
        if rule not in tokens_parse_by_rule:  # does a null token read as a value under this type rule?
            tokens = pl.DataFrame({column.internal: nulls}, schema={column.internal: pl.String})
            tokens_parse_by_rule[rule] = bool(nulls) and tokens.select(parsed.is_not_null().any()).item()
        tokens_parse = tokens_parse_by_rule[rule]
        parses.append(parsed.alias(PARSED + column.internal))
        parsed = pl.col(PARSED + column.internal)
        value = pl.when(null_token).then(None).otherwise(parsed) if tokens_parse else parsed
        values.append(value.alias(column.internal))
        masks.append((parsed.is_null() & ~null_token & text.is_not_null()).alias(column.type_failed))
    return tuple(parses), tuple(values + masks)


def _retry_stripped(frame: pl.DataFrame, typed: pl.DataFrame, columns: list[CompiledColumn]) -> pl.DataFrame:
    """Parse the failed values of `columns` again by the full rule (stripped, `181.0`); patch those that parse."""
    patched = []
    for column in columns:
        failed = typed[column.type_failed].arg_true()
        again = frame[column.internal].gather(failed).to_frame()
        parsed = again.select(parse_expr(pl.col(column.internal), column.spec)).to_series()
        if parsed.null_count() == parsed.len():
            continue
        rows = failed.filter(parsed.is_not_null())
        values = typed[column.internal].scatter(rows, parsed.drop_nulls())
        mask = typed[column.type_failed].scatter(rows, False)
        patched += [values, mask]
    return typed.with_columns(patched) if patched else typed


def run_once(compiled: CompiledContract) -> None:
    """Evaluate every rule once, on a tiny text frame and a one-row typed frame: a contract that
    cannot run fails here, before any data is read, not in the middle of a file. Columns with
    the same rules run alike, so one of each kind stands for the others (a 10k-column contract)."""
    from pipecheck.compile import compile_contract

    contract = compiled.contract
    checks = contract.checks
    named = {n for group in checks.unique_together for n in group}
    named |= {n for c in checks.compare for n in (c.left, c.right)}
    named |= {n for rule in compiled.rules if rule.condition is not None for n in rule.columns}
    kinds: dict[str, str] = {}
    for name, spec in contract.columns.items():
        kinds.setdefault(spec.model_dump_json(), name)
    keep = set(kinds.values()) | named
    if len(keep) < len(contract.columns):
        columns = {n: spec for n, spec in contract.columns.items() if n in keep}
        compiled = compile_contract(contract.model_copy(update={"columns": columns}))
    names = list(compiled.columns)
    text = pl.DataFrame(
        {c.internal: ["", "x", "1", "2024-01-31"] for c in compiled.columns.values()},
        schema=dict.fromkeys((c.internal for c in compiled.columns.values()), pl.String),
    )
    check_batch(plan_checks(compiled, names, text=True, max_examples=1), text)
    typed = pl.DataFrame(
        {c.internal: [None] for c in compiled.columns.values()},
        schema={c.internal: POLARS_TYPES[c.spec.type] for c in compiled.columns.values()},
    )
    check_batch(plan_checks(compiled, names, text=False, max_examples=1), typed)
