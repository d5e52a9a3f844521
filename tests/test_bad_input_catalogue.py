"""The bad-input catalogue: every kind of bad input a user can give ends cleanly.

Each case edits a copy of a small valid sample pack (or writes a bad argument, assumption set,
store or triangle), runs the command line in-process, and checks: the exit code (2 bad input or
argument, 3 store; 0 where the input is valid and must be accepted); that the message names the
place (``<file> row <line> column <column>`` as ``reserva.errors.BadCell.line`` writes it, or the
argument); that no output holds a traceback or "internal error"; and that the store, which
already holds one completed run, is unchanged byte for byte whenever the command fails.

Sources of the kinds: issue 13's catalogue of a new user's data pack (mistyped dates, absurd
magnitudes, cross-table mismatches, markup and formula ids, store problems, triangle edge cases)
and the usual CSV faults (missing/empty/binary files, delimiters, byte-order marks, ragged rows,
encodings). Ids with markup or a formula prefix are valid data: they must be accepted and shown
literally, and a CSV export must neutralise a cell beginning with ``=``, ``+``, ``-``, ``@``
(OWASP, "CSV Injection": prefix such a text cell with a single quote).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from tests.badinput import BASE_DATE, Outcome, Pack, build_base, digest, run_cli

PACK, STORE, TMP = "{pack}", "{store}", "{tmp}"
VALIDATE = ["validate", PACK]
CLOSE = ["close", PACK, "--valuation-date", BASE_DATE, "--store", STORE]
FORBIDDEN = ("Traceback", "internal error")


@dataclass
class Expect:
    """What a case must give: every command's exit code in ``codes``; every regex of ``err``
    found in the stderr of every command; ``check`` (optional) sees all outcomes;
    ``store_same``: the store must be unchanged (default: when every command failed)."""

    commands: list[list[str]]
    codes: tuple[int, ...] = (2,)
    err: tuple[str, ...] = ()
    check: Callable[[list[Outcome]], None] | None = None
    store_same: bool | None = None
    forbid: tuple[str, ...] = ()


@dataclass
class Context:
    pack: Pack
    tmp: Path
    store: Path
    extra: dict = field(default_factory=dict)


CASES: dict[str, Callable[[Context], Expect]] = {}


def case(name: str):
    def register(fn: Callable[[Context], Expect]) -> Callable[[Context], Expect]:
        assert name not in CASES, name
        CASES[name] = fn
        return fn
    return register


def shift(date_text: str, days: int) -> str:
    return (dt.date.fromisoformat(date_text) + dt.timedelta(days=days)).isoformat()


def at(where: str) -> str:
    """The regex of a cell named exactly (``<file> row <line> column <column>``)."""
    return re.escape(where) + r"\b"


# ---------------------------------------------------------------- single cells, as a table
# (name, table, row to edit (column=value of the first such row; start=k: from row k on), edits,
# column reported, kind)
# An edit value is a text or a function (pack, table, row) -> text. kind: "error" = exit 2 naming
# the cell; "warning" = exit 0 with a warning naming file, line and column; "rule" = the rule may
# be an error or a warning (the schema decides), but it must be reported.

Edit = str | Callable[[Pack, object, int], str]
E = "error"
PAID = {"status": "paid"}
BOND = {"as_of_date": BASE_DATE, "asset_class": "government_bond"}
DEPOSIT = {"as_of_date": BASE_DATE, "asset_class": "deposit"}
OPEN_CLAIM = {"status": "open", "decision_date": "", "receipt_date": "", "paid_amount": "0"}


def plus(column: str, days: int) -> Edit:
    return lambda p, t, k: shift(t.get(k, column), days)


def other_product(p: Pack, t, k: int) -> str:
    policies = p["policies"]
    own = policies.get(policies.find(policy_id=t.get(k, "policy_id")), "product_id")
    return next(r[0] for r in p["products"].rows if r[0] != own)


def other_member(p: Pack, t, k: int) -> str:
    policies = p["policies"]
    own = policies.get(policies.find(policy_id=t.get(k, "policy_id")), "member_id")
    return next(r[policies.col("member_id")] for r in policies.rows
                if r[policies.col("member_id")] != own)


def years_before_cover(p: Pack, t, k: int) -> str:
    policies = p["policies"]
    return shift(policies.get(policies.find(policy_id=t.get(k, "policy_id")), "start_date"), -1100)


def duplicate_of_first(column: str) -> Edit:
    return lambda p, t, k: t.rows[0][t.col(column)]


CELLS: list[tuple[str, str, dict, dict[str, Edit], str, str]] = [
    # dates that do not parse, or fall outside the plausible window (1900-01-01 .. 2200-12-31)
    ("date 2025-02-30", "policies", {}, {"start_date": "2025-02-30"}, "start_date", E),
    ("date 31/12/2025", "claims", {}, {"event_date": "31/12/2025"}, "event_date", E),
    ("date 2025/12/31", "claims", {}, {"report_date": "2025/12/31"}, "report_date", E),
    ("date with a time", "ledger", {}, {"period_end": "2025-12-31T00:00:00"}, "period_end", E),
    ("date without dashes", "assets", {}, {"as_of_date": "20251231"}, "as_of_date", E),
    ("date as a word", "liabilities", {}, {"due_date": "tomorrow"}, "due_date", E),
    ("date month 13", "exits", {}, {"exit_date": "2025-13-01"}, "exit_date", E),
    ("date day 0", "savings_accounts", {}, {"balance_date": "2025-06-00"}, "balance_date", E),
    ("date 1000-01-01", "policies", {}, {"start_date": "1000-01-01"}, "start_date", E),
    ("date 0001-01-01", "policies", {}, {"start_date": "0001-01-01"}, "start_date", E),
    ("date 1800-01-01", "policies", {}, {"start_date": "1800-01-01"}, "start_date", E),
    ("date 9999-12-31", "policies", {}, {"end_date": "9999-12-31"}, "end_date", E),
    ("birth date 1000-01-01", "policies", {}, {"birth_date": "1000-01-01"}, "birth_date", E),
    ("date 1899-12-31", "life_policies", {}, {"issue_date": "1899-12-31"}, "issue_date", E),
    ("date 2201-01-01", "claims", {}, {"report_date": "2201-01-01"}, "report_date", E),
    # money and numbers
    ("thousands separator", "policies", {}, {"written_premium": "1,250.50"}, "written_premium", E),
    ("currency symbol", "policies", {}, {"written_premium": "$120"}, "written_premium", E),
    ("currency code", "policies", {}, {"written_premium": "120 USD"}, "written_premium", E),
    ("decimal comma", "policies", {}, {"commission": "12,5"}, "commission", E),
    ("hexadecimal", "liabilities", {}, {"amount": "0x10"}, "amount", E),
    ("premium 1e20", "policies", {}, {"written_premium": "1e20"}, "written_premium", E),
    ("open claim 1e308", "claims", PAID, {**OPEN_CLAIM, "case_reserve": "1e308"}, "case_reserve",
     E),
    ("claimed 1e16", "claims", PAID, {"claimed_amount": "1e16"}, "claimed_amount", E),
    ("market value 1e16", "assets", {}, {"market_value": "1e16"}, "market_value", E),
    ("savings balance 1e20", "savings_accounts", {}, {"balance": "1e20"}, "balance", E),
    ("ledger amount 1e20", "ledger", {}, {"amount": "1e20"}, "amount", E),
    ("nan", "policies", {}, {"sum_insured": "nan"}, "sum_insured", E),
    ("NaN", "funding", {}, {"amount": "NaN"}, "amount", E),
    ("inf", "policies", {}, {"written_premium": "inf"}, "written_premium", E),
    ("-inf", "ledger", {}, {"amount": "-inf"}, "amount", E),
    ("Infinity", "life_policies", {}, {"sum_insured": "Infinity"}, "sum_insured", E),
    ("negative paid", "claims", PAID, {"paid_amount": "-5"}, "paid_amount", E),
    ("negative plan", "plans", {}, {"planned_claims": "-1"}, "planned_claims", E),
    ("fraction 1.5", "assets", {}, {"admitted_fraction": "1.5"}, "admitted_fraction", E),
    ("rate with %", "savings_accounts", {}, {"credited_rate": "5%"}, "credited_rate", E),
    ("coupon rate nan", "assets", BOND, {"coupon_rate": "nan"}, "coupon_rate", E),
    ("whole number 10.5", "targets", {}, {"target_population": "10.5"}, "target_population", E),
    ("whole number as a word", "targets", {}, {"target_population": "ten"}, "target_population",
     E),
    ("negative population", "targets", {}, {"target_population": "-3"}, "target_population", E),
    ("issue age 130", "life_policies", {}, {"issue_age": "130"}, "issue_age", E),
    ("term 0 years", "life_policies", {}, {"term_years": "0", "premium_years": ""}, "term_years",
     E),
    ("coupon frequency -1", "assets", BOND, {"coupon_frequency": "-1"}, "coupon_frequency", E),
    # required cells left empty
    ("empty product of a policy", "policies", {}, {"product_id": ""}, "product_id", E),
    ("empty claim status", "claims", {}, {"status": ""}, "status", E),
    ("empty premium", "policies", {}, {"written_premium": ""}, "written_premium", E),
    ("empty product kind", "products", {}, {"kind": ""}, "kind", E),
    # unknown codes
    ("unknown product kind", "products", {}, {"kind": "unknown_kind"}, "kind", E),
    ("unknown participation", "products", {}, {"participation": "sometimes"}, "participation",
     E),
    ("unknown frequency", "policies", {}, {"premium_frequency": "weekly"}, "premium_frequency",
     E),
    ("status in capitals", "policies", {}, {"status": "ACTIVE"}, "status", E),
    ("unknown sex", "policies", {}, {"sex": "X"}, "sex", E),
    ("unknown relationship", "policies", {}, {"relationship": "cousin"}, "relationship", E),
    ("unknown asset class", "assets", {}, {"asset_class": "crypto"}, "asset_class", E),
    ("unknown ledger line", "ledger", {}, {"line": "marketing"}, "line", E),
    ("unknown exit reason", "exits", {}, {"reason": "bored"}, "reason", E),
    ("unknown liability kind", "liabilities", {}, {"kind": "loan"}, "kind", E),
    ("unknown life plan", "life_policies", {}, {"plan": "universal"}, "plan", E),
    ("unknown limit flag", "claims", {}, {"limit_reached": "maybe"}, "limit_reached", E),
    # repeated ids
    ("repeated policy id", "policies", {"start": 1}, {"policy_id": duplicate_of_first(
        "policy_id")}, "policy_id", E),
    ("repeated claim id", "claims", {**PAID, "start": 1},
     {"claim_id": duplicate_of_first("claim_id")}, "claim_id", E),
    ("repeated life contract id", "life_policies", {"start": 1},
     {"policy_id": duplicate_of_first("policy_id")}, "policy_id", E),
    # unknown references
    ("policy of an unknown product", "policies", {}, {"product_id": "XX"}, "product_id", E),
    ("claim of an unknown policy", "claims", {}, {"policy_id": "P9999999"}, "policy_id", E),
    ("ledger of an unknown product", "ledger", {}, {"product_id": "XX"}, "product_id", E),
    ("asset of an unknown product", "assets", {}, {"product_id": "XX"}, "product_id", E),
    ("target of an unknown product", "targets", {}, {"product_id": "XX"}, "product_id", E),
    ("funding of an unknown product", "funding", {}, {"product_id": "XX"}, "product_id", E),
    ("savings of an unknown product", "savings_accounts", {}, {"product_id": "XX"}, "product_id",
     E),
    ("exit of an unknown product", "exits", {}, {"product_id": "XX"}, "product_id", E),
    # row rules
    ("end before start", "policies", {}, {"end_date": plus("start_date", -1)}, "end_date", E),
    ("issued after start", "policies", {}, {"issue_date": plus("start_date", 1)}, "start_date",
     E),
    ("cancelled before start", "policies", {}, {"cancel_date": plus("start_date", -1)},
     "cancel_date", E),
    ("refund above premium", "policies", {}, {"refund": "1000000"}, "written_premium", E),
    ("reported before event", "claims", PAID, {"report_date": plus("event_date", -1)},
     "report_date", E),
    ("decided before report", "claims", PAID, {"decision_date": plus("report_date", -1)},
     "decision_date", E),
    ("received before decision", "claims", PAID, {"receipt_date": plus("decision_date", -1)},
     "receipt_date", E),
    ("premiums beyond the term", "life_policies", {"plan": "endowment"},
     {"premium_years": lambda p, t, k: str(int(t.get(k, "term_years")) + 1)}, "term_years", E),
    ("plan ends before it starts", "plans", {}, {"period_end": plus("period_start", -1)},
     "period_end", E),
    # status rules
    ("paid without decision", "claims", PAID, {"decision_date": "", "receipt_date": ""},
     "decision_date", E),
    ("open with a decision", "claims", PAID, {"status": "open", "paid_amount": "0"},
     "decision_date", E),
    ("rejected with a payment", "claims", PAID, {"status": "rejected"}, "paid_amount", E),
    ("paid nothing", "claims", PAID, {"paid_amount": "0"}, "paid_amount", E),
    ("paid above claimed", "claims", PAID,
     {"paid_amount": lambda p, t, k: f"{float(t.get(k, 'claimed_amount')) + 1:.2f}"},
     "paid_amount", E),
    ("whole life with a term", "life_policies", {"plan": "endowment"},
     {"plan": "whole_life", "premium_years": ""}, "term_years", E),
    ("endowment without a term", "life_policies", {"plan": "endowment"},
     {"term_years": "", "premium_years": ""}, "term_years", E),
    # conditional rules of assets (validate said valid, the close refused: issue 13)
    ("bond without face", "assets", BOND, {"face": ""}, "face", E),
    ("bond without maturity", "assets", BOND, {"maturity_date": ""}, "maturity_date", E),
    ("deposit without maturity", "assets", DEPOSIT, {"maturity_date": ""}, "maturity_date", E),
    ("coupon frequency 5", "assets", BOND, {"coupon_frequency": "5"}, "coupon_frequency", E),
    # cross-table consistency
    ("claim of another product than its policy", "claims", PAID, {"product_id": other_product},
     "product_id", E),
    ("claim of another member than its policy", "claims", PAID, {"member_id": other_member},
     "member_id", E),
    ("claim of an unknown member", "claims", PAID, {"member_id": "M9999999"}, "member_id", E),
    ("claim event years before cover", "claims", PAID, {"event_date": years_before_cover},
     "event_date", "warning"),
    ("exit of an unknown member", "exits", {}, {"member_id": "M9999999"}, "member_id", "rule"),
    ("savings of an unknown member", "savings_accounts", {}, {"member_id": "M9999999"}, "member_id",
     "rule"),
    ("life contract of an unknown member", "life_policies", {}, {"member_id": "M9999999"},
     "member_id", "rule"),
]


def _cell_case(table: str, where: dict, edits: dict[str, Edit], report: str, kind: str):
    def make(ctx: Context) -> Expect:
        t = ctx.pack[table]
        k = t.find(**where)
        for column, value in edits.items():
            t.set(k, column, value(ctx.pack, t, k) if callable(value) else value)
        if kind == "error":
            return Expect([VALIDATE, CLOSE], (2,), (at(t.where(k, report)),))
        loose = rf"{re.escape(t.file)}\D+{t.line(k)}\b.*\b{report}\b"
        if kind == "warning":
            return Expect([VALIDATE, CLOSE], (0,), ("warning", loose))
        return Expect([VALIDATE, CLOSE], (0, 2), (loose,))
    return make


for _name, _table, _where, _edits, _report, _kind in CELLS:
    case(f"cell: {_name}")(_cell_case(_table, _where, _edits, _report, _kind))


# ---------------------------------------------------------------- whole files

REQUIRED = ("products", "policies", "claims", "exits", "ledger", "assets", "liabilities", "targets")


def _missing(table: str):
    def make(ctx: Context) -> Expect:
        (ctx.pack.root / f"{table}.csv").unlink()
        return Expect([VALIDATE, CLOSE], (2,), (rf"{table}\.csv: value 'file is missing'",))
    return make


for _table in REQUIRED:
    case(f"file: {_table}.csv missing")(_missing(_table))


def _write(ctx: Context, name: str, data: bytes | str) -> None:
    path = ctx.pack.root / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def _text(ctx: Context, table: str) -> str:
    return (ctx.pack.root / f"{table}.csv").read_text(encoding="utf-8")


@case("file: empty policies.csv")
def _(ctx):
    _write(ctx, "policies.csv", "")
    return Expect([VALIDATE, CLOSE], (2,), (r"policies\.csv: value 'empty file'",))


@case("file: blanks only")
def _(ctx):
    _write(ctx, "ledger.csv", "\n  \n\n")
    return Expect([VALIDATE, CLOSE], (2,), (r"ledger\.csv: value 'empty file'",))


@case("file: header only")
def _(ctx):
    _write(ctx, "policies.csv", _text(ctx, "policies").splitlines()[0] + "\n")
    return Expect([VALIDATE, CLOSE], (2,), (r"policies\.csv: value 'no data rows'",))


@case("file: semicolon delimiter")
def _(ctx):
    _write(ctx, "products.csv", _text(ctx, "products").replace(",", ";"))
    return Expect([VALIDATE, CLOSE], (2,), (r"products\.csv column product_id\b",))


@case("file: tab delimiter")
def _(ctx):
    _write(ctx, "targets.csv", _text(ctx, "targets").replace(",", "\t"))
    return Expect([VALIDATE, CLOSE], (2,), (r"targets\.csv column product_id\b",))


@case("file: duplicated header")
def _(ctx):
    lines = _text(ctx, "exits").splitlines()
    lines = [lines[0] + ",reason"] + [line + ",death" for line in lines[1:]]
    _write(ctx, "exits.csv", "\n".join(lines) + "\n")
    return Expect([VALIDATE, CLOSE], (2,), (at("exits.csv row 1 column reason"),))


@case("file: a row with an extra cell")
def _(ctx):
    lines = _text(ctx, "policies").splitlines()
    lines[4] += ",extra"
    _write(ctx, "policies.csv", "\n".join(lines) + "\n")
    return Expect([VALIDATE, CLOSE], (2,), (r"policies\.csv row 5: value ",))


@case("file: a row with a cell missing")
def _(ctx):
    lines = _text(ctx, "claims").splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0]
    _write(ctx, "claims.csv", "\n".join(lines) + "\n")
    return Expect([VALIDATE, CLOSE], (2,), (r"claims\.csv row 3: value",))


@case("file: latin-1 bytes")
def _(ctx):
    _write(ctx, "products.csv", _text(ctx, "products").replace("Credit life", "Crédit vie")
           .encode("latin-1"))
    return Expect([VALIDATE, CLOSE], (2,), (r"products\.csv: value 'not a CSV text file \(byte 0x"
                                            r"e9 on line \d+ is not UTF-8\)'",))


@case("file: UTF-16")
def _(ctx):
    _write(ctx, "products.csv", _text(ctx, "products").encode("utf-16"))
    return Expect([VALIDATE, CLOSE], (2,), (r"products\.csv: value 'not a CSV text file",))


@case("file: xlsx renamed .csv")
def _(ctx):
    _write(ctx, "ledger.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00[Content_Types].xml\x00\x01")
    return Expect([VALIDATE, CLOSE], (2,), (r"ledger\.csv: value 'not a CSV text file \(a zip",))


@case("file: old xls renamed .csv")
def _(ctx):
    _write(ctx, "targets.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64))
    return Expect([VALIDATE, CLOSE], (2,), (r"targets\.csv: value 'not a CSV text file",))


@case("file: NUL bytes")
def _(ctx):
    _write(ctx, "exits.csv", _text(ctx, "exits").encode() + b"\x00\x00")
    return Expect([VALIDATE, CLOSE], (2,), (r"exits\.csv: value 'not a CSV text file",))


@case("file: parquet renamed .csv")
def _(ctx):
    _write(ctx, "funding.csv", b"PAR1" + bytes(32) + b"PAR1")
    return Expect([VALIDATE, CLOSE], (2,), (r"funding\.csv: value 'not a CSV text file",))


@case("file: broken parquet")
def _(ctx):
    (ctx.pack.root / "targets.csv").unlink()
    _write(ctx, "targets.parquet", b"PAR1 not really PAR1")
    return Expect([VALIDATE, CLOSE], (2,), (r"targets\.parquet: value .not a readable Parquet",))


@case("file: csv and parquet of one table")
def _(ctx):
    _write(ctx, "exits.parquet", b"PAR1")
    return Expect([VALIDATE, CLOSE], (2,), (r"exits\.(csv|parquet): value '2 files",))


@case("file: a folder named like a table")
def _(ctx):
    (ctx.pack.root / "exits.csv").unlink()
    (ctx.pack.root / "exits.csv").mkdir()
    return Expect([VALIDATE, CLOSE], (2,), (r"exits\.csv",))


@case("file: required column missing")
def _(ctx):
    t = ctx.pack["claims"]
    i = t.col("status")
    t.header.pop(i)
    for row in t.rows:
        row.pop(i)
    return Expect([VALIDATE, CLOSE], (2,), (r"claims\.csv column status: value '', expected "
                                            r"column present",))


@case("file: unterminated quote")
def _(ctx):
    lines = _text(ctx, "products").splitlines()
    lines[2] = lines[2].replace(",", ',"', 1)
    _write(ctx, "products.csv", "\n".join(lines) + "\n")
    return Expect([VALIDATE, CLOSE], (2,), (r"products\.csv",))


@case("file: line numbers after a quoted line break")
def _(ctx):
    t = ctx.pack["products"]
    t.set(0, "name", "Credit\nlife")  # row 0 spans lines 2-3
    t.set(1, "kind", "unknown_kind")  # so row 1 starts on line 4
    return Expect([VALIDATE, CLOSE], (2,), (at("products.csv row 4 column kind"),))


@case("file: opening balance of an unknown reserve")
def _(ctx):
    ctx.pack.add("opening_balances", ["product_id", "valuation_date", "reserve", "amount"],
                 [["CL", "2025-09-30", "upr", "10"], ["CL", "2025-09-30", "profit", "5"]])
    return Expect([VALIDATE, CLOSE], (2,), (at("opening_balances.csv row 3 column reserve"),))


@case("file: payment of an unknown claim")
def _(ctx):
    ctx.pack.add("claim_payments", ["claim_id", "payment_date", "amount"],
                 [["C9999999", "2025-10-01", "10"]])
    return Expect([VALIDATE, CLOSE], (2,), (at("claim_payments.csv row 2 column claim_id"),))


@case("file: savings transaction of an unknown product")
def _(ctx):
    ctx.pack.add("savings_transactions",
                 ["account_id", "product_id", "transaction_date", "type", "amount"],
                 [["S0000001", "XX", "2025-10-01", "contribution", "10"]])
    return Expect([VALIDATE, CLOSE], (2,),
                  (at("savings_transactions.csv row 2 column product_id"),))


# ---------------------------------------------------------------- valid oddities: accepted


def _accepted(*outs: Callable[[list[Outcome]], None]) -> Callable[[list[Outcome]], None]:
    def check(outcomes: list[Outcome]) -> None:
        for fn in outs:
            fn(outcomes)
    return check


@case("accepted: byte-order mark, CRLF, blank lines, padded header")
def _(ctx):
    text = _text(ctx, "products")
    head, rest = text.split("\n", 1)
    head = ", ".join(head.split(","))
    _write(ctx, "products.csv", b"\xef\xbb\xbf" + (head + "\n\n" + rest + ",,,\n").replace(
        "\n", "\r\n").encode())
    return Expect([VALIDATE, CLOSE], (0,))


@case("accepted: no claims yet")
def _(ctx):
    _write(ctx, "claims.csv", _text(ctx, "claims").splitlines()[0] + "\n")
    return Expect([VALIDATE, CLOSE], (0,))


MARKUP_COMMANDS = [
    CLOSE,
    ["kpi", "--store", STORE],
    ["runs", "--store", STORE],
    ["liquidity", "--store", STORE],
    ["alm", "--store", STORE],
    ["kpi", "--store", STORE, "--trend"],
]


def _shows(literal: str, *positions: int) -> Callable[[list[Outcome]], None]:
    def check(outcomes: list[Outcome]) -> None:
        for i in positions:
            assert literal in outcomes[i].out, f"{literal!r} not shown by command {i}"
    return check


def _markup_id(new: str):
    def make(ctx: Context) -> Expect:
        ctx.pack.rename("product_id", "GL", new)
        return Expect([VALIDATE, *MARKUP_COMMANDS], (0,), check=_shows(new, 1, 2, 4, 6))
    return make


case("accepted: product id [/x] shown literally")(_markup_id("[/x]"))
case("accepted: product id [red]X[/red] shown literally")(_markup_id("[red]X[/red]"))


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _neutralised(formula: str, *positions: int) -> Callable[[list[Outcome]], None]:
    def check(outcomes: list[Outcome]) -> None:
        for i in positions:
            cells = _csv_cells(outcomes[i].out)
            assert any(formula in c for c in cells), f"{formula!r} missing from command {i}"
            bad = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")
                   or (c.startswith("-") and not _is_number(c))]
            assert not bad, f"command {i} writes formula cells {bad[:3]}"
    return check


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@case("accepted: product id =1+2 neutralised in CSV")
def _(ctx):
    ctx.pack.rename("product_id", "GL", "=1+2")
    csv_commands = [["kpi", "--store", STORE, "--format", "csv"],
                    ["kpi", "--store", STORE, "--format", "csv", "--trend"],
                    ["liquidity", "--store", STORE, "--format", "csv"],
                    ["upr", PACK, "--valuation-date", BASE_DATE, "--format", "csv"]]
    return Expect([VALIDATE, CLOSE, *csv_commands], (0,),
                  check=_neutralised("=1+2", 2, 3, 4, 5))


@case("accepted: product id @SUM and name -2+3 neutralised in CSV")
def _(ctx):
    ctx.pack.rename("product_id", "HE", "@SUM(A1)")
    ctx.pack["products"].set(ctx.pack["products"].find(product_id="@SUM(A1)"), "name", "-2+3")
    return Expect([VALIDATE, CLOSE, ["upr", PACK, "--valuation-date", BASE_DATE, "--format",
                                     "csv", "--by", "policy"],
                   ["kpi", "--store", STORE, "--format", "csv"]], (0,),
                  check=_neutralised("@SUM(A1)", 2, 3))


@case("accepted: markup in free text")
def _(ctx):
    t = ctx.pack["claims"]
    t.set(0, "cause", "[/cause]")
    p = ctx.pack["products"]
    p.set(0, "name", "[bold]Credit[/bold] [/x]")
    return Expect([VALIDATE, CLOSE, ["upr", PACK, "--valuation-date", BASE_DATE]], (0,))


# ---------------------------------------------------------------- command-line arguments


def _args(argv: list[str], pattern: str, codes: tuple[int, ...] = (2,)):
    def make(ctx: Context) -> Expect:
        return Expect([argv], codes, (pattern,))
    return make


def _close_at(date: str) -> list[str]:
    return ["close", PACK, "--valuation-date", date, "--store", STORE]


ARGS: list[tuple[str, list[str], str]] = [
    ("valuation date 2025-02-30", _close_at("2025-02-30"), "--valuation-date"),
    ("valuation date 2025-13-01", _close_at("2025-13-01"), "--valuation-date"),
    ("valuation date 31/12/2025", _close_at("31/12/2025"), "--valuation-date"),
    ("valuation date empty", _close_at(""), "--valuation-date"),
    ("valuation date missing", ["close", PACK, "--store", STORE], "--valuation-date"),
    ("valuation date of upr", ["upr", PACK, "--valuation-date", "2025-02-30"], "--valuation-date"),
    ("edition 3", [*CLOSE, "--edition", "3"], "--edition"),
    ("wait -1", [*CLOSE, "--wait", "-1"], "--wait"),
    ("wait nan", [*CLOSE, "--wait", "nan"], "--wait"),
    ("unknown option", [*CLOSE, "--frobnicate"], "--frobnicate"),
    ("unknown command", ["frobnicate"], "frobnicate"),
    ("data folder missing", ["close", f"{TMP}/nowhere", "--valuation-date", BASE_DATE, "--store",
                             STORE], "nowhere"),
    ("validate a missing folder", ["validate", f"{TMP}/nowhere"], "nowhere"),
    ("data folder is a file", ["validate", STORE], "store.duckdb"),
    ("store is a folder", ["close", PACK, "--valuation-date", BASE_DATE, "--store", TMP],
     "--store"),
    ("unknown assumption set", [*CLOSE, "--assumptions", "nosuchset"], "nosuchset"),
    ("validate with an unknown set", [*VALIDATE, "--assumptions", "nosuchset"], "nosuchset"),
    ("unknown earning basis", ["upr", PACK, "--valuation-date", BASE_DATE, "--basis", "weekly"],
     "weekly"),
    ("kpi run not a number", ["kpi", "--store", STORE, "--run", "abc"], "--run"),
    ("kpi --trend with --run", ["kpi", "--store", STORE, "--trend", "--run", "1"], "--trend"),
    ("liquidity of an unknown product", ["liquidity", "--store", STORE, "--product", "NOPE"],
     "NOPE"),
    ("sample of 0 policies", ["sample", f"{TMP}/s", "--policies", "0"], "--policies"),
    ("sample ending before it starts", ["sample", f"{TMP}/s", "--policies", "10",
                                        "--history-start", "2026-01-01"], "history_start"),
    ("life interest nan", ["life", "--product", "term", "--age", "40", "--term", "10",
                           "--interest", "nan"], "--interest"),
    ("life sum insured inf", ["life", "--product", "term", "--age", "40", "--term", "10",
                              "--sum-insured", "inf"], "--sum-insured"),
    ("life age beyond the table", ["life", "--product", "term", "--age", "200", "--term", "10"],
     "--age"),
    ("life unknown table", ["life", "--product", "term", "--age", "40", "--term", "10",
                            "--table", "nosuch"], "nosuch"),
]
for _name, _argv, _pattern in ARGS:
    case(f"argument: {_name}")(_args(_argv, re.escape(_pattern)))


@case("argument: valuation date 74 years after the last snapshot")
def _(ctx):
    return Expect([_close_at("2099-12-31")], (2,), (r"(?i)snapshot",))


@case("argument: valuation date before the data")
def _(ctx):
    # the close refuses a date before the earliest policy (exit 2), saying what to close instead
    return Expect([_close_at("2019-12-31")], (2,), (r"2019-12-31.*before the data",))


@case("argument: valuation date 1900-01-01")
def _(ctx):
    return Expect([_close_at("1900-01-01")], (2,), (r"1900-01-01.*before the data",))


@case("argument: date already closed with the same data")
def _(ctx):
    def says_so(outcomes: list[Outcome]) -> None:
        assert "already closed" in outcomes[0].out + outcomes[0].err

    return Expect([CLOSE], (0,), check=says_so, store_same=True)


@case("argument: a repeated valuation date is closed once")
def _(ctx):
    def once(outcomes: list[Outcome]) -> None:
        assert _runs_count(ctx.store) == 2  # the base run and one new run

    date = "2025-09-30"
    return Expect([["close", PACK, "--valuation-date", date, "--valuation-date", date,
                    "--store", STORE]], (0,), check=once)


# ---------------------------------------------------------------- assumption sets


def _own_set(ctx: Context) -> Path:
    from reserva.io.assumptions import default_root

    folder = ctx.tmp / "myset"
    shutil.copytree(default_root() / "default", folder)
    return folder


@case("assumptions: a file altered after hashing")
def _(ctx):
    folder = _own_set(ctx)
    path = folder / "settings.toml"
    path.write_text(path.read_text() + "\n# edited\n")
    return Expect([[*CLOSE, "--assumptions", str(folder)]], (2,), (r"settings\.toml",))


@case("assumptions: a file deleted")
def _(ctx):
    folder = _own_set(ctx)
    (folder / "payment_patterns.csv").unlink()
    return Expect([[*CLOSE, "--assumptions", str(folder)]], (2,), (r"payment_patterns\.csv",))


@case("assumptions: manifest missing")
def _(ctx):
    folder = _own_set(ctx)
    (folder / "manifest.toml").unlink()
    return Expect([[*CLOSE, "--assumptions", str(folder)]], (2,), (r"manifest\.toml",))


@case("assumptions: a setting of the wrong type, re-hashed")
def _(ctx):
    from tests.conftest import edited_set

    folder = edited_set(ctx.tmp / "typed", settings=lambda s: re.sub(
        r"(?m)^months\s*=.*$", 'months = "three"', s))
    return Expect([[*CLOSE, "--assumptions", folder]], (2,), (r"\bmonths\b", "three"))


# ---------------------------------------------------------------- stores


def _store_commands() -> list[list[str]]:
    return [CLOSE, ["runs", "--store", STORE], ["kpi", "--store", STORE],
            ["liquidity", "--store", STORE], ["alm", "--store", STORE]]


def _bad_store(write: Callable[[Path, bytes], None]):
    def make(ctx: Context) -> Expect:
        write(ctx.store, ctx.store.read_bytes())
        return Expect(_store_commands(), (3,), (re.escape(ctx.store.name),),
                      forbid=(r"(?i)catalog error|binder error|parser error|"
                              r"SELECT \w|INSERT INTO|CREATE TABLE",))
    return make


def _other_application(path: Path, _: bytes) -> None:
    path.unlink()
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers (id INTEGER, name VARCHAR)")
    con.execute("INSERT INTO customers VALUES (1, 'a')")
    con.close()


def _newer_schema(path: Path, _: bytes) -> None:
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations VALUES (999, 'from the future', now())")
    con.close()


case("store: a DuckDB file of another application")(_bad_store(_other_application))
case("store: truncated to 4 KiB")(_bad_store(lambda p, b: p.write_bytes(b[:4096])))
case("store: truncated to half")(_bad_store(lambda p, b: p.write_bytes(b[: len(b) // 2])))
case("store: random bytes")(_bad_store(lambda p, b: p.write_bytes(bytes(range(256)) * 64)))
case("store: empty file")(_bad_store(lambda p, b: p.write_bytes(b"")))
case("store: a CSV file")(_bad_store(lambda p, b: p.write_bytes(b"run_id,value\n1,2\n")))
case("store: written by a newer schema")(_bad_store(_newer_schema))


@case("store: runs without a store names the path")
def _(ctx):
    return Expect([["runs", "--store", f"{TMP}/absent.duckdb"],
                   ["kpi", "--store", f"{TMP}/absent.duckdb"]], (3,), (r"absent\.duckdb",))


@case("store: an unknown run")
def _(ctx):
    return Expect([["kpi", "--store", STORE, "--run", "999"]], (3,), (r"\b999\b",))


# ---------------------------------------------------------------- reserva ibnr

TRIANGLE = """origin,12,24,36,48
2019,100,150,170,180
2020,110,160,175,
2021,120,170,,
2022,130,,,
"""
EXPOSURE = "origin,exposure\n2019,400\n2020,420\n2021,450\n2022,470\n"


def _triangle(ctx: Context, text: str = TRIANGLE, exposure: str | None = None) -> list[str]:
    (ctx.tmp / "tri.csv").write_text(text)
    argv = ["ibnr", str(ctx.tmp / "tri.csv")]
    if exposure is not None:
        (ctx.tmp / "exp.csv").write_text(exposure)
        argv += ["--exposure", str(ctx.tmp / "exp.csv")]
    return argv


def _ibnr(text: str, pattern: str, extra: tuple[str, ...] = (), exposure: str | None = None):
    def make(ctx: Context) -> Expect:
        argv = _triangle(ctx, text, exposure)
        return Expect([argv + list(extra), argv + list(extra) + ["--format", "json"]], (2,),
                      (pattern,))
    return make


IBNR_CASES = [
    ("duplicate origin", TRIANGLE + "2020,1,2,,\n", r"tri\.csv row 6\b", (), None),
    ("blank latest cell", TRIANGLE.replace("2021,120,170,,", "2021,120,,,"), r"tri\.csv row 4\b",
     (), None),
    ("text in a cell", TRIANGLE.replace("170,,", "abc,,"), r"tri\.csv row 4 column 24\b", (),
     None),
    ("infinite cell", TRIANGLE.replace("170,,", "inf,,"), r"tri\.csv row 4 column 24\b", (), None),
    ("empty triangle file", "", r"tri\.csv", (), None),
    ("header only", "origin,12,24\n", r"tri\.csv", (), None),
    ("xlsx renamed .csv", "PK\x03\x04\x14\x00", r"tri\.csv", (), None),
    ("repeated long cell", "origin,development,value\n2020,12,1\n2020,12,2\n",
     r"tri\.csv row 3\b", (), None),
    ("apriori nan", TRIANGLE, "--apriori", ("--method", "bf", "--apriori", "nan"), EXPOSURE),
    ("apriori inf", TRIANGLE, "--apriori", ("--method", "bf", "--apriori", "inf"), EXPOSURE),
    ("apriori negative", TRIANGLE, "--apriori", ("--method", "benktander", "--apriori", "-0.5"),
     EXPOSURE),
    ("exposure zero", TRIANGLE, r"exp\.csv row 3\b", ("--method", "capecod"),
     EXPOSURE.replace("420", "0")),
    ("exposure negative", TRIANGLE, r"exp\.csv row 4\b", ("--method", "capecod"),
     EXPOSURE.replace("450", "-450")),
    ("exposure text", TRIANGLE, r"exp\.csv row 2\b", ("--method", "capecod"),
     EXPOSURE.replace("400", "n/a")),
    ("exposure origin missing", TRIANGLE, r"exp\.csv.*2022", ("--method", "capecod"),
     EXPOSURE.replace("2022,470\n", "")),
    ("bootstrap negative", TRIANGLE, "--bootstrap", ("--bootstrap", "-1"), None),
    ("tail nan", TRIANGLE, "--tail", ("--tail", "nan"), None),
    ("tail below 1", TRIANGLE, "--tail", ("--tail", "0.5"), None),
    ("unknown zeros rule", TRIANGLE, "--zeros", ("--zeros", "maybe"), None),
    ("unknown kind", TRIANGLE, "nosuchkind", ("--kind", "nosuchkind"), None),
    ("unknown assumption set", TRIANGLE, "nosuchset", ("--assumptions", "nosuchset"), None),
]
for _name, _text_, _pattern, _extra, _exp in IBNR_CASES:
    case(f"ibnr: {_name}")(_ibnr(_text_, _pattern, _extra, _exp))


def _strict_json(position: int) -> Callable[[list[Outcome]], None]:
    def refuse(name: str):
        raise ValueError(f"{name} is not JSON")

    def check(outcomes: list[Outcome]) -> None:
        json.loads(outcomes[position].out, parse_constant=refuse)
    return check


@case("ibnr accepted: negative cumulative values, strict JSON")
def _(ctx):
    argv = _triangle(ctx, TRIANGLE.replace("2021,120,170", "2021,-120,-20"))
    return Expect([argv + ["--method", "mack"], argv + ["--method", "mack", "--format", "json"]],
                  (0,), check=_strict_json(1))


@case("ibnr accepted: a missing interior cell is flagged, strict JSON")
def _(ctx):
    # a blank cell followed by later values is a missing cell (the chainladder convention),
    # not a blank latest cell: accepted, its link ratios left out, and flagged
    argv = _triangle(ctx, TRIANGLE.replace("2020,110,160,175,", "2020,110,,175,"))

    def flagged(outcomes: list[Outcome]) -> None:
        assert "missing" in outcomes[0].out
        assert "missing" in outcomes[1].out

    return Expect([argv, argv + ["--format", "json"]], (0,),
                  check=_accepted(flagged, _strict_json(1)))


@case("ibnr accepted: zero last column, strict JSON")
def _(ctx):
    argv = _triangle(ctx, TRIANGLE.replace("170,180", "170,0"))
    return Expect([argv, argv + ["--method", "mack", "--format", "json"]], (0,),
                  check=_strict_json(1))


# ---------------------------------------------------------------- the runner


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return build_base(tmp_path_factory.mktemp("catalogue"))


def _argv(argv: list[str], ctx: Context) -> list[str]:
    subs = {PACK: str(ctx.pack.root), STORE: str(ctx.store), TMP: str(ctx.tmp)}
    out = []
    for a in argv:
        for key, value in subs.items():
            a = a.replace(key, value)
        out.append(a)
    return out


def _runs_count(store: Path) -> int:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM runs").fetchone()[0]
    finally:
        con.close()


def test_catalogue_has_at_least_80_kinds():
    assert len(CASES) >= 80


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, base, tmp_path, capsys):
    pack_dir, store = base
    ctx = Context(Pack(shutil.copytree(pack_dir, tmp_path / "pack")), tmp_path,
                  Path(shutil.copy2(store, tmp_path / "store.duckdb")))
    expect = CASES[name](ctx)
    ctx.pack.save()
    before = digest(ctx.store)
    outcomes = []
    for argv in expect.commands:
        o = run_cli(capsys, _argv(argv, ctx))
        outcomes.append(o)
        shown = (f"reserva {' '.join(argv)} -> exit {o.code}\nstderr:\n{o.err}\n"
                 f"stdout:\n{o.out[-2000:]}")
        for word in FORBIDDEN:
            assert word not in o.out + o.err, shown
        assert o.code in expect.codes, shown
        for pattern in expect.err:
            assert re.search(pattern, o.err), f"no /{pattern}/ in stderr\n{shown}"
        for pattern in expect.forbid:
            assert not re.search(pattern, o.err), f"/{pattern}/ in stderr\n{shown}"
        if o.code != 0:
            assert "reserva: " in o.err, shown
    store_same = expect.store_same
    if store_same is None:
        store_same = all(o.code != 0 for o in outcomes)
    if store_same:
        assert digest(ctx.store) == before, "the store changed"
        assert not ctx.store.with_name(ctx.store.name + ".wal").exists(), "a write-ahead log left"
    if expect.check is not None:
        expect.check(outcomes)
    assert not (ctx.pack.root / "reserva.duckdb").exists(), "a store was written into the pack"


def test_base_store_holds_one_run(base):
    assert _runs_count(base[1]) == 1
