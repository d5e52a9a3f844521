"""The README's table-by-table data-pack documentation, written from the schema data.

``python -m reserva.io.schema_doc`` prints it; the README holds it between the markers
``<!-- schema:begin -->`` and ``<!-- schema:end -->`` and a test checks that the two agree, so
every column, row rule, conditional rule, reference and cross-table rule of ``reserva.io.schema``
is documented exactly as it is checked.
"""

from __future__ import annotations

from reserva.io.schema import (
    TABLES,
    TABLES_BY_NAME,
    ColumnSpec,
    ConditionalRule,
    PairRule,
    TableSpec,
    WithinRule,
)

BEGIN = "<!-- schema:begin -->"
END = "<!-- schema:end -->"


def _num(x: float) -> str:
    return f"{x:g}"


def _or(values) -> str:
    values = [str(v) for v in values]
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def _column(c: ColumnSpec) -> str:
    parts = []
    if not c.required:
        parts.append("optional column")
    if c.nullable:
        parts.append("may be empty")
    if c.unique:
        parts.append("unique")
    if c.min is not None:
        parts.append(f"≥ {_num(c.min)}")
    if c.max is not None:
        parts.append(f"≤ {_num(c.max)}")
    if c.choices:
        parts.append(f"one of {', '.join(c.choices)}")
    if c.doc:
        parts.append(c.doc)
    return f"| `{c.name}` | {c.type} | {'; '.join(parts)} |"


def _conditional(r: ConditionalRule) -> str:
    must = {
        "present": "is given",
        "empty": "is empty",
        "zero": "is 0",
        "positive": "is > 0",
        "one of": f"is empty or one of {', '.join(_num(v) for v in r.values)}",
        "<= other": f"is at most `{r.other}`",
    }[r.must]
    return f"Rule: when `{r.when_column}` is {_or(r.when)}, `{r.column}` {must}."


def _pair(r: PairRule) -> str:
    if r.kind == "same":
        first = "" if TABLES_BY_NAME[r.other].column(r.other_key).unique else "first "
        what = (f"`{r.column}` equals the `{r.other_column}` of the {first}`{r.other}.csv` row "
                f"with the same `{r.key}`")
    else:
        what = (f"the pair `{r.key}`, `{r.column}` appears in `{r.other}.csv` as "
                f"`{r.other_key}`, `{r.other_column}`")
    return f"Cross-table {r.severity}: {what} ({r.doc})."


def _within(r: WithinRule) -> str:
    span = f"`{r.low}` .. `{r.high}`" if r.high else f"on or after `{r.low}`"
    where = f"of the `{r.other}.csv` row with the same `{r.key}`"
    grace = f", give or take `[input] {r.grace}` days" if r.grace else ""
    within = f"within {span}" if r.high else span
    return f"Cross-table {r.severity}: `{r.column}` falls {within} {where}{grace} ({r.doc})."


def table_doc(t: TableSpec) -> str:
    """The README block of one table."""
    out = [f"**`{t.name}.csv`** ({'required' if t.required else 'optional'}) — {t.doc}", "",
           "| column | type | rules |", "|---|---|---|"]
    out += [_column(c) for c in t.columns]
    out.append("")
    for r in t.row_rules:
        out += [f"Rule: `{r.left} {r.op} {r.right}` ({r.doc}).", ""]
    for r in t.conditional_rules:
        out += [_conditional(r), ""]
    for key in t.unique_keys:
        out += [f"Rule: one row per {', '.join(f'`{k}`' for k in key)}.", ""]
    for column, other, other_column in t.refs:
        out += [f"Reference: `{column}` must exist in `{other}.{other_column}`.", ""]
    for r in t.pair_rules:
        out += [_pair(r), ""]
    for r in t.within_rules:
        out += [_within(r), ""]
    if t.extra.get("may_be_empty"):
        out += ["May hold only its header line (no rows yet).", ""]
    return "\n".join(out)


def schema_doc() -> str:
    """Every table's block, in schema order, between the README markers."""
    return "\n".join([BEGIN, "", *(table_doc(t) for t in TABLES), END])


if __name__ == "__main__":  # pragma: no cover - prints the README section
    print(schema_doc())
