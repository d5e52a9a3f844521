"""The report model: built from a stored run only, drawn by the terminal renderer exactly as the
command line printed it before the model existed; the CLI composes nothing itself."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reserva.pipeline import close
from reserva.report import builders, model, terminal
from reserva.report.builders import close_summary, split_notes
from tests.conftest import edited_set, write_pack
from tests.kpi.test_kpi_assemble import FUND
from tests.test_cli import run
from tests.test_conventions import _imports as conventions_imports

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).parent / "reference"


def _plain(x) -> bool:
    return x is None or type(x) in (str, int, float, bool)


@pytest.fixture(scope="module")
def fund_run(tmp_path_factory):
    """The hand-made health fund closed into a store: its close result and the store."""
    folder = tmp_path_factory.mktemp("fund")
    pack = write_pack(folder / "pack", FUND)
    aset = edited_set(folder / "set", settings=lambda s: s.replace(
        'selection = "edition"', 'selection = "reported_in_period"'))
    store = folder / "s.duckdb"
    return close(pack, "2024-12-31", assumptions=aset, store=store), store


def test_close_summary_has_the_sections_and_tables_the_terminal_shows(fund_run):
    result, store = fund_run
    report = close_summary(store, result.run_id)
    assert [s.title for s in report.sections] == [
        "reserves", "upr_rollforward", "ibnr_change", "kpis", "liquidity", "notes"]
    reserves = report.section("reserves").blocks[0]
    assert [c.name for c in reserves.columns] == ["Product", "UPR", "IBNR", "OCS", "ALR"]
    assert reserves.column("Product") == (*sorted(result.products), "ALL")  # stored order
    upr = dict(zip(reserves.column("Product"), reserves.column("UPR"), strict=True))
    assert [upr[p] for p in result.products] == pytest.approx(list(result.closing.upr))
    kpis, flags = report.section("kpis").blocks
    assert kpis.columns == (*result.products, "ALL")
    assert kpis.title == f"KPIs, period 2024-09-30 .. 2024-12-31 (run {result.run_id})"
    assert {f.flag for f in flags.flags} <= {"below", "above"} and flags.flags
    liquidity, pending = report.section("liquidity").blocks
    assert [m.label for m in liquidity.measures][0] == "projection (KPI)"
    assert pending.lines[0].startswith(f"{len(result.kpi_pending)} claims selected")
    assert report.section("notes").notes == result.notes  # the stored text gives them back
    for table in (b for b in report.blocks() if isinstance(b, model.Table)):
        assert all(_plain(x) for row in table.rows for x in row), table.title
        assert all(len(row) == len(table.columns) for row in table.rows)
    assert report.figures[0].series[0].x == tuple(sorted(result.products))


def test_the_model_is_frozen(fund_run):
    result, store = fund_run
    report = close_summary(store, result.run_id)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.title = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown format"):
        model.Column("x", "euros")


def test_the_renderer_draws_the_close_as_the_command_prints_it(tmp_path, capsys):
    # the CLI's output after the progress line is the terminal drawing of the stored run
    store = tmp_path / "s.duckdb"
    pack = write_pack(tmp_path / "pack", FUND)
    code, out, err = run(capsys, "close", str(pack), "--valuation-date", "2024-12-31",
                         "--store", str(store))
    assert code == 0, err
    out_console = terminal.console()
    with out_console.capture() as cap:
        terminal.show(close_summary(store, 1), out_console)
    assert out.splitlines()[0].startswith("run 1: closed 2024-09-30 .. 2024-12-31")
    assert "\n".join(out.splitlines()[1:]) + "\n" == cap.get()


@pytest.mark.parametrize("name, argv", [
    ("close", ["close", "{pack}", "--valuation-date", "2024-12-31", "--store", "{store}"]),
    ("kpi", ["kpi", "--store", "{store}"]),
    ("kpi_all", ["kpi", "--all", "--store", "{store}"]),
    ("trend", ["kpi", "--trend", "--store", "{store}"]),
    ("liquidity", ["liquidity", "--store", "{store}"]),
    ("alm", ["alm", "--store", "{store}"]),
])
def test_output_matches_the_reference_printed_before_the_model(name, argv, tmp_path, capsys):
    # references: the tiny pack closed at 2024-12-31, printed by the command line as it was
    # before the report model (its first line, the close's timing, left out)
    pack, store = write_pack(tmp_path / "pack"), tmp_path / "s.duckdb"
    if name != "close":
        assert run(capsys, "close", str(pack), "--valuation-date", "2024-12-31", "--store",
                   str(store), "--quiet")[0] == 0
    code, out, err = run(capsys, *[a.format(pack=pack, store=store) for a in argv])
    assert code == 0, err
    lines = out.splitlines()[1:] if name == "close" else out.splitlines()
    assert lines == (REFERENCE / f"{name}.txt").read_text(encoding="utf-8").splitlines()


KNOWN_NOTES = (
    "CL: thin: 5 claims known, chain_ladder needs 10; expected used",
    "CL: IBNR triangle to review: 2 link ratios above the limit; 15 origins with no claims",
    "HE: 6 of 23 claims reported in the period have no pay/no-pay decision",
    "ALL: timeliness schedule provisional, 2 selected claims",
    'data warning: 3 rows break the rule "x" (first: line 2, column a, value \'1\'); '
    "`reserva validate` lists them",
    "assets: the latest snapshot is as of 2024-06-30, 184 days before the valuation date",
    "liabilities: no snapshot on or before the valuation date",
    "4 claims with an event before the first origin period 2020-01-01 are left out of the IBNR "
    "and claims triangles (CL 4); the triangles start at the earliest policy; their reported "
    "claims still count in the OCS",
    "the opening run's assumption set old (abcdef12) is not available: assumption changes are "
    "included in the remeasurement",
    "opening reserves recomputed at the period start from this data pack (no stored run)",
)


def test_split_notes_gives_back_every_kind_of_close_note():
    assert split_notes("; ".join(KNOWN_NOTES), ("CL", "HE")) == KNOWN_NOTES
    assert split_notes("", ("CL",)) == () and split_notes(None, ("CL",)) == ()


words = st.text(alphabet="abc ,()", min_size=1, max_size=8).filter(lambda t: not t.startswith(" "))


@given(st.lists(st.tuples(st.sampled_from(["CL", "[/x]", "=1+2", "ALL"]),
                          st.lists(words, min_size=1, max_size=3)), min_size=1, max_size=5))
def test_split_notes_inverts_the_stored_join(parts):
    notes = tuple(f"{p}: " + "; ".join(ws) for p, ws in parts)
    assert split_notes("; ".join(notes), ("CL", "[/x]", "=1+2")) == notes


def test_trend_report_has_one_table_and_figure_per_column(fund_run):
    _, store = fund_run
    report = builders.trend_report(store)
    tables = report.section("trend").blocks
    assert [t.title for t in tables] == [f"KPI trend, {c} (latest run of each valuation date)"
                                         for c in ("HF", "CL", "ALL")]
    assert all(t.layout == "trend" and t.columns == ("2024-12-31",) for t in tables)
    series = report.figures[0].series
    assert len(series) == len(tables[0].rows)
    assert all(len(s.y) == 1 and (math.isnan(s.y[0]) or isinstance(s.y[0], float))
               for s in series)


def _imports(path: Path) -> set[str]:
    """Modules a file imports at run time (imports under ``if TYPE_CHECKING:`` left out)."""
    return conventions_imports(path, runtime_only=True)


def test_the_cli_reads_no_store_and_composes_no_frames():
    imports = _imports(ROOT / "engine/cli.py")
    assert not {m for m in imports if m.startswith(("reserva.store", "pandas", "numpy",
                                                     "duckdb"))}, imports
    text = (ROOT / "engine/cli.py").read_text(encoding="utf-8")
    for call in ("read_results", "run_record", "list_runs", "kpi_trend", ".to_json(",
                 "frame_table", ".print("):
        assert call not in text, call


def test_the_model_holds_no_renderer_and_the_renderer_reads_no_store():
    assert not {m for m in _imports(ROOT / "engine/report/model.py")
                if m.startswith(("rich", "reserva.store", "reserva.kpi"))}
    assert not {m for m in _imports(ROOT / "engine/report/terminal.py")
                if m.startswith(("reserva.store", "pandas", "duckdb"))}


@pytest.mark.parametrize("fmt", sorted(model.FORMATS))
def test_an_infinite_value_prints_as_inf_in_every_format(fmt):
    """A stressed ratio over a zero denominator, or an overflowing figure, prints; it never
    raises decimal.InvalidOperation."""
    import io

    from rich.console import Console

    assert terminal.cell_text(fmt, math.inf) == "inf"
    assert terminal.cell_text(fmt, -math.inf) == "-inf"
    t = model.Table("t", (model.Column("x", fmt, "right"),), ((math.inf,), (-math.inf,), (1.5,)))
    out = Console(file=io.StringIO(), width=40, markup=False, emoji=False, highlight=False)
    terminal.show(model.Report("r", (model.Section("s", (t,)),)), out)
    lines = out.file.getvalue().splitlines()
    assert any(line.strip("│ ") == "inf" for line in lines)
    assert any(line.strip("│ ") == "-inf" for line in lines)


def test_an_infinite_kpi_or_rounded_value_prints_as_inf():
    assert terminal.half_up(math.inf, 1) == "inf" and terminal.half_up(-math.inf, 2) == "-inf"
    for unit in ("ratio", "index", "days", "rate", "count", "money"):
        assert terminal.fmt_unit(unit, math.inf) == "inf", unit
        assert terminal.fmt_unit(unit, -math.inf) == "-inf", unit
    assert terminal.fmt_unit("ratio", 0.12345) == "12.3%"
    assert terminal.cell_text("percent", math.nan) == "n/a"
