"""The file boundary of the model-point engine: a basis folder (``basis_files.read_basis``) and a
model-point file (``points_file.read_points``).

Sources: the file formats of the two modules' docstrings. Expected values are written by hand
from the files the tests write; the bundled microlife basis is checked against an independent
numerical integration of its stated force of mortality (the Standard Select Survival Model of
Dickson, Hardy & Waters, AMLCR 2nd ed. 2013: Makeham mu_y = A + B c^y, A = 0.00022,
B = 2.7e-6, c = 1.124, select mu_[x]+s = 0.9^(2-s) mu_(x+s) for s < 2) and its set hash
against sha256 computed here.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from reserva.errors import AssumptionError, InputError
from reserva.io.assumptions import write_manifest
from reserva.projection.points.basis_files import bases_root, read_basis
from reserva.projection.points.engine import RESULT_LINES, Shock, project
from reserva.projection.points.points_file import read_points
from reserva.vocab import POINT_KINDS

PRODUCT_HEADER = ("product", "kind", "mortality_male", "mortality_female", "lapse", "commission",
                  "surrender_charge", "acquisition_expense", "maintenance_expense",
                  "expense_pct_premium", "inflation", "premium_rule", "loading",
                  "premium_decimals", "premium_charge", "policy_fee", "management_charge",
                  "fund_spread", "guaranteed_rate", "credited_rate", "withdrawal_rate",
                  "dynamic_beta", "dynamic_min", "dynamic_max")
POINT_HEADER = ("point_id", "product", "sex", "age_at_entry", "duration_mth", "policy_term",
                "premium_term", "premium_frequency", "premium", "sum_assured",
                "maturity_benefit", "policy_count", "loan_rate", "annuity_amount",
                "annuity_frequency", "annuity_timing", "guarantee_years", "spouse_age",
                "spouse_sex", "reversion", "indexation", "account_value", "channel")
BAD_POINT_HEADER = ("point_id", "product", "sex", "age_at_entry", "duration_mth", "policy_term",
                    "premium_term", "premium_frequency", "premium", "sum_assured", "policy_count",
                    "loan_rate", "annuity_amount", "annuity_timing", "spouse_age", "spouse_sex",
                    "reversion")

GOOD = {
    "basis.toml": """\
        description = "a small test basis"

        [timing]
        premiums = "mid"
        expenses = "start"
        benefits = "end"

        [discount]
        kind = "forward"

        [projection]
        horizon_years = 3
        fund_return = 0.05

        [economic]
        a = 0.2
        sigma = 0.015
        """,
    "products.csv": "    " + ",".join(PRODUCT_HEADER) + """
    T,term,sel,mk,lapse_a,comm_a,,10,6,0.05,0.02,given,,,,,,,,,,,,
    W,whole_life,sel,mk,,,,,,,,rated,0.25,2,,,,,,,,,,
    PE,pure_endowment,sel,sel,lapse_a,,,,,,,table,,,,,,,,,,,,
    A,annuity,ult,ult,,,,,12,,,given,,,,,,,,,,,,
    S,savings,sel,mk,lapse_a,comm_a,sc,20,5,0.01,0.03,given,,,0.02,12,0.01,0.03,0.04,,0.05,1.5,0.5,2
    C,credit_life,sel,mk,,comm_a,,,,,,given,,,,,,,,,,,,
    """,
    "mortality_tables.csv": """\
        table,source,file,law_a,law_b,law_c,min_age,max_age,provenance
        sel,csv,sel.csv,,,,,,hand-made select table
        ult,csv,ult.csv,,,,,,hand-made ultimate table
        mk,makeham,,0.0002,0.00003,1.1,60,62,hand-made Makeham law
        """,
    # select by attained age x policy year, the last column the ultimate; closed at 63
    "sel.csv": """\
        age,0,1,2
        60,0.01,0.02,0.03
        61,0.011,0.021,0.031
        62,0.012,0.022,0.5
        """,
    # already closed: no age is added
    "ult.csv": """\
        age,q
        58,0.1
        59,0.2
        60,0.3
        61,1
        """,
    "schedules.csv": """\
        schedule,policy_year,rate
        lapse_a,0,0.1
        lapse_a,1,0.05
        comm_a,0,0.5
        sc,0,0.03
        sc,1,0.01
        """,
    "discount.csv": """\
        year,rate
        0,0.03
        1,0.035
        """,
    "premium_table.csv": """\
        product,age_at_entry,policy_term,rate
        PE,60,2,0.4
        PE,61,2,0.45
        """,
}


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return _write(tmp_path / "testbasis", GOOD)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _set_hash(folder: Path) -> str:
    """sha256 of "name:sha256\\n" per file, sorted by name (the manifest left out)."""
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "manifest.toml")
    text = "".join(f"{n}:{_sha(folder / n)}\n" for n in names)
    return hashlib.sha256(text.encode()).hexdigest()


def _makeham_q(a: float, b: float, c: float, x: int) -> float:
    """1 - exp(-int_x^{x+1} (A + B c^t) dt), integrated numerically."""
    integral, _ = quad(lambda t: a + b * c**t, x, x + 1)
    return 1.0 - math.exp(-integral)


# --- the basis folder ----------------------------------------------------------------------------


def test_a_good_folder_reads_into_its_values(good):
    b = read_basis(good)
    assert b.name == "testbasis"
    assert b.set_hash == _set_hash(good)
    assert dict(b.timing) == {"premiums": "mid", "expenses": "start", "benefits": "end"}
    assert b.curve.kind == "forward"
    np.testing.assert_array_equal(b.curve.rates, [0.03, 0.035])
    assert b.horizon_months == 36 and b.fund_return == 0.05
    assert b.hull_white == (0.2, 0.015)
    # tables
    sel = b.tables["sel"]
    assert (sel.min_age, sel.max_age, sel.select) == (60, 63, 3)
    np.testing.assert_array_equal(sel.q, [[0.01, 0.02, 0.03], [0.011, 0.021, 0.031],
                                          [0.012, 0.022, 0.5], [1.0, 1.0, 1.0]])
    assert sel.provenance == "hand-made select table"
    ult = b.tables["ult"]
    assert (ult.min_age, ult.max_age, ult.select) == (58, 61, 1)
    np.testing.assert_array_equal(ult.q[:, 0], [0.1, 0.2, 0.3, 1.0])
    mk = b.tables["mk"]
    assert (mk.min_age, mk.max_age, mk.select) == (60, 62, 1)
    expected = [_makeham_q(0.0002, 0.00003, 1.1, x) for x in (60, 61)] + [1.0]
    np.testing.assert_allclose(mk.q[:, 0], expected, rtol=1e-12)
    # products
    t = b.products["T"]
    assert (t.kind, dict(t.mortality)) == ("term", {"M": "sel", "F": "mk"})
    np.testing.assert_array_equal(t.lapse, [0.1, 0.05])
    np.testing.assert_array_equal(t.commission, [0.5])
    np.testing.assert_array_equal(t.surrender_charge, [0.0])  # empty: no charge
    assert (t.acquisition, t.maintenance, t.expense_pct, t.inflation) == (10, 6, 0.05, 0.02)
    assert (t.premium_rule, t.loading, t.premium_decimals) == ("given", 0.0, None)
    w = b.products["W"]
    np.testing.assert_array_equal(w.lapse, [0.0])
    assert (w.premium_rule, w.loading, w.premium_decimals) == ("rated", 0.25, 2)
    assert w.acquisition == 0.0 and w.maintenance == 0.0  # empty: the defaults
    assert dict(b.products["PE"].premium_table) == {(60, 2): 0.4, (61, 2): 0.45}
    assert dict(t.premium_table) == {}
    s = b.products["S"]
    np.testing.assert_array_equal(s.surrender_charge, [0.03, 0.01])
    assert (s.premium_charge, s.policy_fee, s.management_charge, s.fund_spread,
            s.guaranteed_rate, s.withdrawal_rate, s.dynamic_beta, s.dynamic_min,
            s.dynamic_max) == (0.02, 12, 0.01, 0.03, 0.04, 0.05, 1.5, 0.5, 2)
    assert math.isnan(s.credited_rate)  # empty: the fund's return
    assert b.products["A"].maintenance == 12


def test_optional_columns_may_be_absent_and_sections_optional(tmp_path):
    files = dict(GOOD)
    files["products.csv"] = """\
        product,kind,mortality_male,mortality_female
        T,term,sel,sel
        """
    files["basis.toml"] = """\
        description = "minimal"
        [timing]
        premiums = "start"
        expenses = "start"
        benefits = "start"
        [discount]
        kind = "zero"
        """
    del files["premium_table.csv"]
    b = read_basis(_write(tmp_path / "minimal", files))
    t = b.products["T"]
    for name in ("lapse", "commission", "surrender_charge"):
        np.testing.assert_array_equal(getattr(t, name), [0.0])
    assert (t.premium_rule, t.acquisition, t.dynamic_max) == ("given", 0.0, 10.0)
    assert math.isnan(t.credited_rate)
    assert b.horizon_months is None and b.fund_return is None and b.curve.kind == "zero"
    assert b.hull_white is None


def test_every_problem_of_every_file_is_reported_at_once(good):
    def edit(name, old, new):
        path = good / name
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1))

    edit("basis.toml", 'benefits = "end"', 'benefits = "later"\nextra = 1')
    edit("basis.toml", 'kind = "forward"', 'kind = "spot"')
    edit("basis.toml", "a = 0.2\nsigma = 0.015", "a = 0")  # line 17; sigma missing
    edit("products.csv", "T,term,sel,mk,lapse_a", "T,termx,sel,nope,lapse_b")  # line 2
    edit("products.csv", "W,whole_life,sel,mk,,,,,,,,rated,0.25,2",
         "W,whole_life,sel,mk,,,,,,1.5,,rated,0.25,2.5")  # line 3
    edit("products.csv", "A,annuity,ult,ult,,,,,12,,,given", "A,annuity,ult,ult,,,,,12,,,rated")
    edit("products.csv", "C,credit_life", "C,credit_life,sel,mk\nC,credit_life")  # line 8: twice
    edit("schedules.csv", "lapse_a,1,0.05", "lapse_a,2,0.05")  # line 3: a gap
    edit("schedules.csv", "sc,1,0.01", "sc,1,1.2")  # line 6: a surrender charge above 1
    edit("discount.csv", "1,0.035", "1,abc")  # line 3
    edit("premium_table.csv", "PE,61,2,0.45", "X,61,0,0.45")  # line 3
    edit("mortality_tables.csv", "mk,makeham,,0.0002,0.00003,1.1,60,62",
         "mk,makeham,,0.0002,,1.1,62,60")  # line 4
    edit("sel.csv", "61,0.011,0.021,0.031", "63,0.011,1.021,0.031")  # line 3
    edit("ult.csv", "59,0.2", "59,-0.2")  # line 3
    with pytest.raises(AssumptionError) as info:
        read_basis(good)
    found = {(c.file, c.row, c.column) for c in info.value.cells}
    assert found == {
        ("basis.toml", 6, "[timing] benefits"), ("basis.toml", 7, "[timing] extra"),
        ("basis.toml", 10, "[discount] kind"), ("basis.toml", 17, "[economic] a"),
        ("basis.toml", 16, "[economic] sigma"),  # missing: the line of its section
        ("products.csv", 2, "kind"), ("products.csv", 2, "mortality_female"),
        ("products.csv", 2, "lapse"),
        ("products.csv", 3, "expense_pct_premium"), ("products.csv", 3, "premium_decimals"),
        ("products.csv", 5, "premium_rule"), ("products.csv", 8, "product"),
        ("schedules.csv", 3, "policy_year"), ("schedules.csv", 6, "rate"),
        ("discount.csv", 3, "rate"),
        ("premium_table.csv", 3, "product"), ("premium_table.csv", 3, "policy_term"),
        ("mortality_tables.csv", 4, "law_b"), ("mortality_tables.csv", 4, "max_age"),
        ("sel.csv", 3, "age"), ("sel.csv", 3, "1"),
        ("ult.csv", 3, "q"),
    }
    values = {(c.file, c.row, c.column): c.value for c in info.value.cells}
    assert values[("products.csv", 3, "premium_decimals")] == "2.5"
    assert values[("sel.csv", 3, "1")] == "1.021"
    text = str(info.value)
    assert text.startswith(f"assumption set testbasis: {len(found)} problems in basis.toml, ")
    assert "schedules.csv line 6 rate = '1.2', expected a rate from 0 to 1" in text


def test_unknown_names_columns_and_missing_files(good):
    text = (good / "products.csv").read_text()
    (good / "products.csv").write_text(text.replace("female,lapse,", "female,lapses,"))
    (good / "schedules.csv").unlink()
    with pytest.raises(AssumptionError) as info:
        read_basis(good)
    found = {(c.file, c.row, c.column) for c in info.value.cells}
    assert found == {("products.csv", 1, "lapses"), ("schedules.csv", None, None)}


def test_a_table_file_outside_the_folder_or_missing_is_refused(good):
    text = (good / "mortality_tables.csv").read_text()
    (good / "mortality_tables.csv").write_text(
        text.replace("sel,csv,sel.csv", "sel,csv,../sel.csv")
        .replace("ult,csv,ult.csv", "ult,xtbml,missing.xml"))
    with pytest.raises(AssumptionError) as info:
        read_basis(good)
    found = {(c.file, c.row, c.column) for c in info.value.cells}
    assert found == {("mortality_tables.csv", 2, "file"), ("mortality_tables.csv", 3, "file")}


# --- XTbML -------------------------------------------------------------------------------------

XTBML = """\
    <?xml version="1.0" encoding="utf-8"?>
    <XTbML>
      <ContentClassification>
        <TableIdentity>990002</TableIdentity>
        <TableName>Test Select 60-61</TableName>
        <TableReference>hand-written for the tests</TableReference>
      </ContentClassification>
      <Table>
        <MetaData>
          <ScalingFactor>3</ScalingFactor>
          <TableDescription>Select, issue ages 60-61, durations 1-2</TableDescription>
          <AxisDef id="Age"><ScaleType>Age</ScaleType><AxisName>Age</AxisName>
            <MinScaleValue>60</MinScaleValue><MaxScaleValue>61</MaxScaleValue></AxisDef>
          <AxisDef id="Duration"><ScaleType>Duration</ScaleType><AxisName>Duration</AxisName>
            <MinScaleValue>1</MinScaleValue><MaxScaleValue>2</MaxScaleValue></AxisDef>
        </MetaData>
        <Values>
          <Axis t="60"><Axis><Y t="1">2</Y><Y t="2">3</Y></Axis></Axis>
          <Axis t="61"><Axis><Y t="1">2.2</Y><Y t="2" /></Axis></Axis>
        </Values>
      </Table>
      <Table>
        <MetaData>
          <ScalingFactor>0</ScalingFactor>
          <TableDescription>Ultimate, ages 61-63</TableDescription>
          <AxisDef id="Age"><ScaleType>Age</ScaleType><AxisName>Age</AxisName>
            <MinScaleValue>61</MinScaleValue><MaxScaleValue>63</MaxScaleValue></AxisDef>
        </MetaData>
        <Values>
          <Axis><Y t="61">0.0038</Y><Y t="62">0.0042</Y><Y t="63">0.0047</Y></Axis>
        </Values>
      </Table>
    </XTbML>
    """


def _with_xtbml(folder: Path, xml: str) -> None:
    (folder / "soa.xml").write_text(textwrap.dedent(xml))
    text = (folder / "mortality_tables.csv").read_text()
    (folder / "mortality_tables.csv").write_text(
        text + "soa,xtbml,soa.xml,,,,,,a tiny SOA-style table\n")


def test_an_xtbml_select_table_is_read_whole_by_attained_age(good):
    _with_xtbml(good, XTBML)
    t = read_basis(good).tables["soa"]
    # rows: attained ages 60 .. 63, then 64 added with q = 1 (the ultimate closes at 64);
    # column d: select[x, t = d + 1] at age x + d (scaling 3: stored / 1000); the missing cells
    # (issue age 59; issue age 61 duration 2, an empty <Y/>; issue ages past 61) hold the
    # ultimate rate of the age, 0.0038 (its first age, 61) below 61
    assert (t.min_age, t.max_age, t.select) == (60, 64, 3)
    np.testing.assert_allclose(t.q, [
        [0.002, 0.0038, 0.0038],    # 60: [60] d0; no [59]; ultimate below its first age
        [0.0022, 0.003, 0.0038],    # 61: [61] d0; [60] d1; ultimate 61
        [0.0042, 0.0042, 0.0042],   # 62: no [62]; [61] d1 empty; ultimate 62
        [0.0047, 0.0047, 0.0047],   # 63
        [1.0, 1.0, 1.0],            # 64: closed
    ], rtol=1e-12)
    assert t.provenance.startswith("a tiny SOA-style table; SOA table 990002: Test Select 60-61")


def test_the_kernel_uses_the_xtbml_select_rate_of_the_policy_year(good):
    """A point of entry age 60 in its second policy year dies at q_[60]+1 = 0.003 (the select
    table's issue age 60, duration 2), monthly by constant force: 1 - (1 - 0.003)^(1/12)."""
    _with_xtbml(good, XTBML)
    text = (good / "products.csv").read_text()
    (good / "products.csv").write_text(text + "X,term,soa,soa,,,,,,,,given,,,,,,,,,,,,\n")
    basis = read_basis(good)
    (good / "p.csv").write_text("point_id,product,age_at_entry,duration_mth,policy_term,premium,"
                                "sum_assured,policy_count\n1,X,60,12,3,0,1000,100\n")
    points = read_points(good / "p.csv", basis)
    r = project(points, basis, by="all", months=1)
    deaths = r.cashflows[0, 0, 0, RESULT_LINES.index("deaths")]
    assert deaths == pytest.approx(100 * (1 - (1 - 0.003) ** (1 / 12)), rel=1e-12)


def test_xtbml_problems_are_reported_with_the_others(good):
    bad = XTBML.replace('<Y t="2">3</Y>', '<Y t="2">3000</Y>')  # q = 3 > 1
    _with_xtbml(good, bad)
    (good / "discount.csv").write_text("year,rate\n0,x\n")
    with pytest.raises(AssumptionError) as info:
        read_basis(good)
    found = {(c.file, c.row, c.column) for c in info.value.cells}
    assert found == {("soa.xml", None, None), ("discount.csv", 2, "rate")}
    assert "issue age 60 duration 2: q = 3, expected 0..1" in str(info.value)


def test_an_xtbml_file_with_only_an_ultimate_table_is_an_ultimate_table(good):
    start = XTBML.index("  <Table>")
    end = XTBML.index("  <Table>", start + 1)
    _with_xtbml(good, XTBML[:start] + XTBML[end:])
    t = read_basis(good).tables["soa"]
    assert (t.min_age, t.max_age, t.select) == (61, 64, 1)
    np.testing.assert_array_equal(t.q[:, 0], [0.0038, 0.0042, 0.0047, 1.0])


# --- the manifest ----------------------------------------------------------------------------


def test_a_manifest_pins_the_files(good):
    unpinned = read_basis(good).set_hash
    assert write_manifest(good) == unpinned
    assert read_basis(good).set_hash == unpinned  # the same with or without a manifest
    (good / "discount.csv").write_text("year,rate\n0,0.03\n1,0.036\n")
    with pytest.raises(AssumptionError, match="discount.csv does not match its sha256") as info:
        read_basis(good)
    assert {c.file for c in info.value.cells} == {"discount.csv"}
    (good / "notes.txt").write_text("an extra file")
    (good / "ult.csv").unlink()
    with pytest.raises(AssumptionError) as info:
        read_basis(good)
    text = str(info.value)
    assert "notes.txt is not listed in manifest.toml" in text
    assert "manifest.toml lists ult.csv, which is missing" in text
    assert "discount.csv does not match" in text
    (good / "notes.txt").unlink()
    shutil.copy(good / "sel.csv", good / "ult.csv")
    write_manifest(good)
    changed = read_basis(good)
    assert changed.set_hash == _set_hash(good) != unpinned


def test_a_folder_that_is_no_basis_is_refused(tmp_path):
    with pytest.raises(AssumptionError, match="not found"):
        read_basis(tmp_path / "nowhere")
    with pytest.raises(AssumptionError) as info:
        read_basis(tmp_path)
    assert {c.file for c in info.value.cells} == {"basis.toml", "products.csv",
                                                  "mortality_tables.csv", "schedules.csv",
                                                  "discount.csv"}


# --- the model-point file ----------------------------------------------------------------------

POINTS = "    " + ",".join(POINT_HEADER) + """
    007,T,F,60,0,2,,annual,12.5,1000,,,,,,,,,,,,,north
    8,W,,61,-2,,1,,,500,,3,,,,,,,,,,,south
    9,PE,M,60,5,2,,monthly,,2000,,10,,,,,,,,,,,north
    10,A,F,58,13,,0,single,0,,,2,,1200,quarterly,arrears,5,60,F,0.5,0.02,,south
    11,S,M,60,12,2,,monthly,30,100,,,,,,,,,,,,250,north
    12,C,M,61,0,2,,single,40,1500,,1,0.24,,,,,,,,,,
    """


def test_a_good_points_file_reads_into_its_values(good):
    basis = read_basis(good)
    (good / "points.csv").write_text(textwrap.dedent(POINTS))
    p = read_points(good / "points.csv", basis)
    assert list(p.point_id) == ["007", "8", "9", "10", "11", "12"]  # text kept
    assert list(p.product) == ["T", "W", "PE", "A", "S", "C"]
    assert list(p.sex) == ["F", "M", "M", "F", "M", "M"]  # empty: M
    np.testing.assert_array_equal(p.age_at_entry, [60, 61, 60, 58, 60, 61])
    np.testing.assert_array_equal(p.duration, [0, -2, 5, 13, 12, 0])
    # W: whole life to the end of table sel (max age 63): (63 + 1 - 61) x 12 = 36 months;
    # A: annuity on table ult (max age 61): (61 + 1 - 58) x 12 = 48 months
    np.testing.assert_array_equal(p.term, [24, 36, 24, 48, 24, 24])
    np.testing.assert_array_equal(p.premium_term, [24, 12, 24, 0, 24, 24])
    np.testing.assert_array_equal(p.interval, [12, 1, 1, 0, 1, 0])  # empty: monthly
    np.testing.assert_array_equal(p.premium, [12.5, np.nan, np.nan, 0.0, 30.0, 40.0])
    np.testing.assert_array_equal(p.sum_assured, [1000, 500, 2000, 0, 100, 1500])
    np.testing.assert_array_equal(p.maturity_benefit, [0, 0, 2000, 0, 0, 0])  # PE: the SA
    np.testing.assert_array_equal(p.count, [1, 3, 10, 2, 1, 1])
    np.testing.assert_array_equal(p.loan_rate, [0, 0, 0, 0, 0, 0.24])
    np.testing.assert_array_equal(p.annuity, [0, 0, 0, 1200, 0, 0])
    np.testing.assert_array_equal(p.annuity_interval, [1, 1, 1, 3, 1, 1])
    np.testing.assert_array_equal(p.arrears, [False, False, False, True, False, False])
    np.testing.assert_array_equal(p.guarantee, [0, 0, 0, 60, 0, 0])
    np.testing.assert_array_equal(p.spouse_age, [-1, -1, -1, 60, -1, -1])
    assert list(p.spouse_sex) == ["", "", "", "F", "", ""]
    np.testing.assert_array_equal(p.reversion, [0, 0, 0, 0.5, 0, 0])
    np.testing.assert_array_equal(p.indexation, [0, 0, 0, 0.02, 0, 0])
    np.testing.assert_array_equal(p.account, [0, 0, 0, 0, 250, 0])
    assert list(p.attributes) == ["channel"]
    assert list(p.attributes["channel"]) == ["north", "south", "north", "south", "north", ""]
    r = project(p, basis, by="channel")
    assert r.groups == ("", "north", "south")
    assert np.all(np.isfinite(r.pv))
    assert r.premium[2] == pytest.approx(0.4 * 2000)  # PE: the table's rate at age 60, 2 years


BAD_POINTS = "    " + ",".join(BAD_POINT_HEADER) + """
    1,T,X,60,0,2,,,10,1000,1,,,,,,
    1,T,M,60.5,0,2,,weekly,10,1000,0,,,,,,
    ,Z,M,60,0,2,,,10,1000,1,,,,,,

    4,T,M,,0,2,,,10,1000,1,,,,,,
    5,T,M,70,0,2,,,10,1000,1,,,,,,
    6,T,M,60,24,2,3,,10,1000,1,,,,,,
    7,T,M,60,0,,,,10,1000,1,,,,,,
    8,T,M,61,0,4,,,,1000,1,1.2,,,,,
    9,W,M,61,0,,,, 12 ,500,1,,,,,,
    10,A,F,58,0,,0,,0,,1,,,later,59,,0.5
    11,A,F,58,0,,0,,0,,1,,1000,,,,0.5
    12,T,M,60,0,2,,,10,,-1,,,,,,
    13,W,M,61,0,,,,abc,500,1,,,,,,
    """


def test_every_bad_cell_of_a_points_file_is_reported_at_once(good):
    basis = read_basis(good)
    (good / "points.csv").write_text(textwrap.dedent(BAD_POINTS))
    with pytest.raises(InputError) as info:
        read_points(good / "points.csv", basis)
    err = info.value
    assert not isinstance(err, AssumptionError)
    found = {(c.row, c.column) for c in err.cells}
    # line 5 is blank; the lines after it keep their numbers
    assert found == {
        (2, "sex"),                                            # X
        (3, "point_id"), (3, "age_at_entry"),                  # 1 twice; 60.5
        (3, "premium_frequency"),                              # weekly (0 policies: allowed)
        (4, "point_id"), (4, "product"),                       # empty id; no product Z
        (6, "age_at_entry"),                                   # required
        (7, "age_at_entry"),                                   # 70: table sel is 60-63
        (8, "premium_term"),                # 3 > 2 years (duration 24 = the term: matures at 0)
        (9, "policy_term"),                                    # a term product needs one
        (10, "policy_term"), (10, "premium"),                  # 61 + 4 > 64; given rule
        (10, "loan_rate"),                                     # 1.2
        (11, "premium"),                                       # rated: no premium
        (12, "annuity_amount"), (12, "annuity_timing"),        # required; later
        (12, "spouse_sex"),                                    # a spouse age without sex
        (13, "reversion"),                                     # a reversion without spouse
        (14, "sum_assured"), (14, "policy_count"),             # required for term; -1
        (15, "premium"),                                       # not a number (reported once)
    }
    assert len(err.cells) == len(found)  # one problem per cell
    assert all(c.file == "points.csv" for c in err.cells)
    values = {(c.row, c.column): c.value for c in err.cells}
    assert values[(11, "premium")] == " 12 "  # the raw text
    assert values[(3, "age_at_entry")] == "60.5"
    assert values[(4, "point_id")] == ""
    rows = [c.row for c in err.cells]  # listed line by line
    assert rows == sorted(rows)


def test_a_points_file_without_its_required_columns_is_refused(good):
    basis = read_basis(good)
    (good / "points.csv").write_text("point_id,sex\n1,M\n")
    with pytest.raises(InputError) as info:
        read_points(good / "points.csv", basis)
    assert {(c.row, c.column) for c in info.value.cells} == {(1, "product"),
                                                             (1, "age_at_entry")}


# --- the bundled microlife basis --------------------------------------------------------------

A, B, C = 0.00022, 2.7e-6, 1.124


def _sssm_q(y: int, j: int, setback: int) -> float:
    """Policy year j (0, 1: select; 2: ultimate) at attained age y of the Standard Select
    Survival Model, the age set back by ``setback`` years, by numerical integration."""
    def mu(t):
        z = y - setback + t  # the age at time t into the year
        factor = 0.9 ** (2 - j - t) if j < 2 else 1.0
        return factor * (A + B * C**z)
    integral, _ = quad(mu, 0.0, 1.0)
    return 1.0 - math.exp(-integral)


def test_the_bundled_microlife_basis_reads_by_name_and_by_folder():
    folder = bases_root() / "microlife"
    b = read_basis("microlife")
    assert read_basis(folder).set_hash == b.set_hash
    assert b.name == "microlife"
    manifest = tomllib.loads((folder / "manifest.toml").read_text())
    text = "".join(f"{n}:{h}\n" for n, h in sorted(manifest["files"].items()))
    assert b.set_hash == hashlib.sha256(text.encode()).hexdigest() == _set_hash(folder)
    assert sorted(p.kind for p in b.products.values()) == sorted(POINT_KINDS)
    for name, setback in (("ssm_male", 0), ("ssm_female", 4)):
        t = b.tables[name]
        assert (t.min_age, t.max_age, t.select) == (15, 120, 3)
        for y in (20, 45, 70, 100):
            for j in range(3):
                assert t.q[y - 15, j] == pytest.approx(_sssm_q(y, j, setback), rel=1e-8)
        assert np.all(t.q[:-1, 0] < t.q[:-1, 1]) and np.all(t.q[:-1, 1] < t.q[:-1, 2])
        np.testing.assert_array_equal(t.q[-1], 1.0)
    # the premium table as its comment in basis.toml states: 1.15 x v^n npx / sum_m mpx v^(m/12)
    # (monthly instalments, m < 12 n) at 4% on the male SULT ultimate rates, 6 decimals
    for age, n in ((30, 10), (45, 20)):
        lives, annuity = 1.0, 0.0
        for m in range(12 * n):
            annuity += lives * 1.04 ** (-m / 12)
            lives *= (1.0 - _makeham_q(A, B, C, age + m // 12)) ** (1 / 12)
        rate = b.products["micro_pure_endowment"].premium_table[(age, n)]
        assert rate == pytest.approx(1.15 * lives * 1.04 ** -n / annuity, abs=5e-7)
    sult = b.tables["sult_male"]
    assert sult.q[65 - 15, 0] == pytest.approx(_makeham_q(A, B, C, 65), rel=1e-10)
    assert b.products["micro_savings"].dynamic_max == 2
    assert b.curve.kind == "zero"


def test_the_bundled_model_points_read_and_project():
    b = read_basis("microlife")
    p = read_points(bases_root() / "microlife" / "sample" / "model_points.csv", b)
    assert 35 <= p.size <= 50
    kinds = {b.products[x].kind for x in p.product}
    assert kinds == set(POINT_KINDS)
    assert np.any(p.duration < 0) and np.any(p.duration > 0)
    assert set(p.attributes) == {"channel"}
    r = project(p, b, by="channel", shocks=(Shock("base"), Shock("lapse up", lapse=1.5)))
    assert set(r.groups) == set(p.attributes["channel"])
    assert np.all(np.isfinite(r.pv)) and np.all(np.isfinite(r.premium))
    by_kind = project(p, b, by="kind")
    assert set(by_kind.groups) == set(POINT_KINDS)
    # every kind has money going out; the premiums of the kinds that pay them are positive
    premiums = dict(zip(by_kind.groups, by_kind.pv[:, 0, 0], strict=True))
    assert all(premiums[k] > 0 for k in POINT_KINDS if k != "annuity")
    assert premiums["annuity"] == 0
