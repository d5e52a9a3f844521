"""Mortality tables: Makeham (SULT), CSV, SOA XTbML and the optional pymort package.

SULT figures: SOA Standard Ultimate Life Table as printed in Dickson, Hardy & Waters, "Actuarial
Mathematics for Life Contingent Risks", 2nd ed. (2013), Appendix D (Makeham A = 0.00022,
B = 2.7e-6, c = 1.124; radix l_20 = 100,000; l_x to 1 decimal, q_x to 6 decimals); the same table
is in the SOA FAM-L/LTAM exam tables. Fixture tables under ``data/`` are hand-written; the values
each test expects are the ones printed in the fixture.
"""

from __future__ import annotations

import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reserva.errors import AssumptionError
from reserva.reserves.accrued.mortality import (
    MortalityTable,
    from_package,
    makeham,
    read_csv_table,
    read_xtbml,
)

DATA = Path(__file__).parent / "data"
SULT_SOURCE = "SOA Standard Ultimate Life Table, AMLCR 2nd ed. (2013) App. D"
# q_60..q_64 as printed in the fixtures (SULT, 6 decimals)
FIXTURE_Q = [0.003398, 0.003792, 0.004234, 0.004730, 0.005288]
NOT_INSTALLED = "mortality table {} needs the optional package pymort: pip install 'reserva[tables]'"


@pytest.fixture(scope="module")
def sult() -> MortalityTable:
    return makeham("SULT", 0.00022, 2.7e-6, 1.124, 0, 120, SULT_SOURCE)


# --- SULT (AMLCR 2nd ed., Appendix D) -------------------------------------------------------


@pytest.mark.parametrize(
    "age, printed",
    [(30, 99727.3), (40, 99338.3), (45, 99033.9), (50, 98576.4), (60, 96634.1),
     (70, 91082.4), (80, 75657.2), (90, 41841.1), (100, 6248.2)],
)
def test_sult_lx_appendix_d(sult, age, printed):
    # AMLCR 2nd ed. App. D: l_x with radix l_20 = 100,000, printed to 1 decimal
    lx = sult.lx()
    assert 100_000.0 * lx[age - sult.min_age] / lx[20 - sult.min_age] == pytest.approx(
        printed, abs=0.05
    )


@pytest.mark.parametrize(
    "age, printed",
    [(30, 0.000315), (45, 0.000771), (50, 0.001209), (60, 0.003398), (70, 0.010413),
     (80, 0.032658), (90, 0.100917), (100, 0.289584)],
)
def test_sult_qx_appendix_d(sult, age, printed):
    # AMLCR 2nd ed. App. D: q_x printed to 6 decimals
    assert float(sult.qx(age)) == pytest.approx(printed, abs=5e-7)


def test_sult_table_shape_and_closing(sult):
    # the SULT object of the bundled assumption set spans ages 0-120 and closes at 120
    assert (sult.min_age, sult.max_age, len(sult.q)) == (0, 120, 121)
    assert sult.q[-1] == 1.0 and np.all(sult.q[:-1] < 1.0)
    assert np.all(np.diff(sult.q) > 0)  # Makeham with B > 0, c > 1 rises with age


# --- MortalityTable ---------------------------------------------------------------------------


def test_qx_is_vectorised_and_closed_past_max_age():
    t = MortalityTable("t", 60, np.array([0.1, 0.2, 1.0]), "hand-written")
    ages = np.array([[60, 61], [62, 90]])
    assert t.qx(ages).shape == (2, 2)
    np.testing.assert_array_equal(t.qx(ages), [[0.1, 0.2], [1.0, 1.0]])
    np.testing.assert_array_equal(t.qx([61.0, 75.0]), [0.2, 1.0])


def test_qx_refuses_ages_below_the_table_and_fractional_ages():
    t = MortalityTable("t", 60, np.array([0.1, 1.0]), "hand-written")
    with pytest.raises(AssumptionError, match="starts at age 60; age 59"):
        t.qx([59, 60])
    with pytest.raises(AssumptionError, match="integers"):
        t.qx(60.5)


def test_lx_deaths_add_up_to_the_radix(sult):
    # l_{x+1} = l_x (1 - q_x) from l_{min_age} = radix; the closed table leaves no survivor
    lx = sult.lx(1000.0)
    assert len(lx) == len(sult.q) + 1
    assert lx[0] == 1000.0 and lx[-1] == 0.0
    np.testing.assert_allclose(lx[1:], lx[:-1] * (1.0 - sult.q))
    assert np.sum(lx[:-1] - lx[1:]) == pytest.approx(1000.0)


def test_table_must_close_hold_probabilities_and_is_read_only():
    with pytest.raises(AssumptionError, match="expected 1"):
        MortalityTable("t", 0, np.array([0.1, 0.5]), "hand-written")
    with pytest.raises(AssumptionError, match=r"\[0, 1\]"):
        MortalityTable("t", 0, np.array([0.1, 1.5, 1.0]), "hand-written")
    with pytest.raises(AssumptionError, match="provenance"):
        MortalityTable("t", 0, np.array([1.0]), " ")
    source = np.array([0.1, 1.0])
    t = MortalityTable("t", 0, source, "hand-written")
    source[0] = 0.9  # the table keeps its own copy
    assert t.q[0] == 0.1
    with pytest.raises(ValueError):
        t.q[0] = 0.5
    assert t == MortalityTable("t", 0, [0.1, 1.0], "hand-written")
    assert hash(t) == hash(MortalityTable("t", 0, [0.1, 1.0], "hand-written"))


def test_makeham_forces_q_one_at_max_age_and_checks_parameters():
    t = makeham("m", 0.00022, 2.7e-6, 1.124, 20, 30, SULT_SOURCE)
    assert (t.min_age, t.max_age, t.q[-1]) == (20, 30, 1.0)
    with pytest.raises(AssumptionError, match="c > 0 and c != 1"):
        makeham("m", 0.00022, 2.7e-6, 1.0, 20, 30, SULT_SOURCE)
    with pytest.raises(AssumptionError, match="min_age <= max_age"):
        makeham("m", 0.00022, 2.7e-6, 1.124, 30, 20, SULT_SOURCE)


# --- CSV --------------------------------------------------------------------------------------


def test_csv_good_file():
    # data/mortality_closed.csv: q_60..q_64 then q_65 = 1, provenance on the first row only
    t = read_csv_table(DATA / "mortality_closed.csv")
    assert (t.name, t.min_age, t.max_age) == ("mortality_closed", 60, 65)
    np.testing.assert_array_equal(t.q, [*FIXTURE_Q, 1.0])
    assert t.provenance.startswith("Test table: SULT q_60..q_64")
    assert read_csv_table(DATA / "mortality_closed.csv", name="custom").name == "custom"


def test_csv_table_closing_rule():
    # data/mortality_open.csv ends at 64 with q < 1: q = 1 is appended at 65
    t = read_csv_table(DATA / "mortality_open.csv")
    assert (t.min_age, t.max_age) == (60, 65)
    np.testing.assert_array_equal(t.q, [*FIXTURE_Q, 1.0])


def test_csv_lists_every_bad_cell_at_once():
    # data/mortality_bad.csv: age 63 after 61 (line 4), q 1.2 (line 5), q "n/a" (line 6)
    with pytest.raises(AssumptionError) as info:
        read_csv_table(DATA / "mortality_bad.csv")
    cells = {(c.row, c.column, c.value) for c in info.value.cells}
    assert cells == {(4, "age", "63"), (5, "q_x", "1.2"), (6, "q_x", "n/a")}
    text = str(info.value)
    assert "3 bad cells" in text
    assert "mortality_bad.csv row 4 column age: value '63', expected 62" in text
    assert "row 6 column q_x: value 'n/a', expected a probability between 0 and 1" in text


def test_csv_missing_column_and_changing_provenance(tmp_path):
    (tmp_path / "a.csv").write_text("age,q\n0,1\n")
    with pytest.raises(AssumptionError, match="lacks column"):
        read_csv_table(tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("age,q_x,provenance\n0,0.5,one\n1,1,two\n")
    with pytest.raises(AssumptionError, match="column provenance: value 'two'"):
        read_csv_table(tmp_path / "b.csv")
    (tmp_path / "c.csv").write_text("age,q_x,provenance\n0,0.5,\n1,1,\n")
    with pytest.raises(AssumptionError, match="where the rates come from"):
        read_csv_table(tmp_path / "c.csv")


# --- XTbML ------------------------------------------------------------------------------------


def test_xtbml_ultimate_scaling_factor_0():
    # data/mortality_ultimate.xml: one 1-D table by age, ScalingFactor 0
    t = read_xtbml(DATA / "mortality_ultimate.xml")
    assert (t.name, t.min_age, t.max_age) == ("Test Ultimate 60-64", 60, 65)
    np.testing.assert_array_equal(t.q, [*FIXTURE_Q, 1.0])  # closed at 65
    assert t.provenance == (
        "SOA table 990001: Test Ultimate 60-64; Hand-written test table: SULT q_60..q_64 "
        "(AMLCR 2nd ed. App. D, 6 decimals)"
    )


def test_xtbml_scaling_factor_3_divides_by_1000():
    # data/mortality_ultimate_scaled.xml: the same rates stored x 10^3 (ScalingFactor 3)
    t = read_xtbml(DATA / "mortality_ultimate_scaled.xml")
    np.testing.assert_allclose(t.q, [*FIXTURE_Q, 1.0], rtol=0, atol=1e-15)


def test_xtbml_accepts_bytes_and_text():
    raw = (DATA / "mortality_ultimate.xml").read_bytes()
    by_path = read_xtbml(DATA / "mortality_ultimate.xml")
    assert read_xtbml(raw) == by_path
    assert read_xtbml("\ufeff" + raw.decode()) == by_path
    assert read_xtbml(str(DATA / "mortality_ultimate.xml")) == by_path


def test_xtbml_select_and_ultimate_picks_the_ultimate():
    # data/mortality_select_ultimate.xml: Table 1 select (age x duration), Table 2 ultimate
    t = read_xtbml(DATA / "mortality_select_ultimate.xml")
    assert (t.min_age, t.max_age) == (60, 65)
    np.testing.assert_array_equal(t.q, [*FIXTURE_Q, 1.0])
    assert read_xtbml(DATA / "mortality_select_ultimate.xml", table="2") == t
    with pytest.raises(AssumptionError, match="table='1'"):
        read_xtbml(DATA / "mortality_select_ultimate.xml", table="1")


def test_xtbml_select_only_needs_select_last():
    # data/mortality_select_only.xml: last durations given are 0.003 (60), 0.0033 (61),
    # 0.0024 (62, duration 2 left empty as in triangular SOA tables)
    with pytest.raises(AssumptionError, match="select-last"):
        read_xtbml(DATA / "mortality_select_only.xml")
    t = read_xtbml(DATA / "mortality_select_only.xml", table="select-last")
    assert (t.min_age, t.max_age) == (60, 63)
    np.testing.assert_array_equal(t.q, [0.003, 0.0033, 0.0024, 1.0])
    with pytest.raises(AssumptionError, match="expected 'ultimate', 'select-last'"):
        read_xtbml(DATA / "mortality_select_only.xml", table="select")


def test_xtbml_several_ultimate_tables_are_ambiguous():
    text = (DATA / "mortality_ultimate.xml").read_text()
    block = text[text.index("  <Table>"):text.index("</XTbML>")]
    twice = text.replace(block, block + block)
    with pytest.raises(AssumptionError, match="several ultimate"):
        read_xtbml(twice)
    assert read_xtbml(twice, table="2").max_age == 65


def test_xtbml_refuses_doctype_and_entities():
    bomb = textwrap.dedent("""\
        <?xml version="1.0"?>
        <!DOCTYPE XTbML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
        <XTbML><ContentClassification><TableName>&b;</TableName></ContentClassification></XTbML>
    """)
    with pytest.raises(AssumptionError, match="DOCTYPE"):
        read_xtbml(bomb)
    # also when the declaration hides in UTF-16 without a byte-order mark
    with pytest.raises(AssumptionError, match="DOCTYPE"):
        read_xtbml(bomb.replace("<?xml version=\"1.0\"?>",
                                "<?xml version=\"1.0\" encoding=\"utf-16\"?>").encode("utf-16-le"))


def test_xtbml_refuses_missing_age():
    text = (DATA / "mortality_ultimate.xml").read_text()
    gap = text.replace('        <Y t="62">0.004234</Y>\n', "")
    assert gap != text
    with pytest.raises(AssumptionError, match=r"missing age\(s\) 62 of 60-64"):
        read_xtbml(gap)
    empty = text.replace('<Y t="63">0.004730</Y>', '<Y t="63" />')
    with pytest.raises(AssumptionError, match=r"missing age\(s\) 63 of 60-64"):
        read_xtbml(empty)


def test_xtbml_refuses_bad_values_and_bad_xml():
    text = (DATA / "mortality_ultimate.xml").read_text()
    with pytest.raises(AssumptionError, match="age 61: value 'x' is not a number"):
        read_xtbml(text.replace(">0.003792<", ">x<"))
    with pytest.raises(AssumptionError, match="expected 0..1"):
        read_xtbml(text.replace(">0.003792<", ">3.792<"))
    with pytest.raises(AssumptionError, match="not well-formed"):
        read_xtbml(text[:200])
    with pytest.raises(AssumptionError, match="expected <XTbML>"):
        read_xtbml("<Other/>")


# --- from_package -----------------------------------------------------------------------------


def _fake_pymort(loaded) -> types.ModuleType:
    """A module shaped like pymort: MortXML.from_id(id) returns ``loaded``."""
    module = types.ModuleType("pymort")
    module.__version__ = "9.9"

    class MortXML:
        calls: list = []

        @classmethod
        def from_id(cls, table_id):
            cls.calls.append(table_id)
            if isinstance(loaded, Exception):
                raise loaded
            return loaded

    MortXML.__module__ = "pymort"
    module.MortXML = MortXML
    return module


def _pymort_like_tables():
    """pymort's shape: a select table (Age, Duration index) and an ultimate table (Age)."""
    select = pd.DataFrame(
        {"Age": [60, 60, 61], "Duration": [1, 2, 1], "vals": [0.002, 0.003, 0.0022]}
    ).set_index(["Age", "Duration"])
    ultimate = pd.DataFrame({"Age": range(60, 65), "vals": FIXTURE_Q}).set_index("Age")
    axis = types.SimpleNamespace(MinScaleValue=60, MaxScaleValue=64, Increment=1)
    return types.SimpleNamespace(
        Tables=[
            types.SimpleNamespace(MetaData=types.SimpleNamespace(ScalingFactor=0.0, AxisDefs=[]),
                                  Values=select),
            types.SimpleNamespace(MetaData=types.SimpleNamespace(ScalingFactor=0.0,
                                                                 AxisDefs=[axis]),
                                  Values=ultimate),
        ],
        ContentClassification=types.SimpleNamespace(
            TableIdentity=4242, TableName="Fake Ultimate", TableReference="a fake reference"
        ),
    )


def test_from_package_builds_from_the_tables(monkeypatch):
    fake = _fake_pymort(_pymort_like_tables())
    monkeypatch.setitem(sys.modules, "pymort", fake)
    t = from_package(4242)
    assert fake.MortXML.calls == [4242]
    assert (t.name, t.min_age, t.max_age) == ("Fake Ultimate", 60, 65)
    np.testing.assert_array_equal(t.q, [*FIXTURE_Q, 1.0])
    assert t.provenance == "SOA table 4242: Fake Ultimate; a fake reference [pymort 9.9, table 4242]"
    assert from_package(4242, name="mine").name == "mine"


def test_from_package_prefers_raw_xml(monkeypatch):
    loaded = types.SimpleNamespace(xml=(DATA / "mortality_select_ultimate.xml").read_text())
    monkeypatch.setitem(sys.modules, "pymort", _fake_pymort(loaded))
    t = from_package(990001)
    np.testing.assert_array_equal(t.q, [*FIXTURE_Q, 1.0])
    assert t.provenance.startswith("SOA table 990001: Test Ultimate 60-64;")
    assert t.provenance.endswith("[pymort 9.9, table 990001]")


def test_from_package_reads_the_bundled_xtbml(tmp_path, monkeypatch):
    # pymort keeps t<id>.xml in a data package that its MortXML module imports as `data`
    pkg = tmp_path / "fakemort"
    (pkg / "tables").mkdir(parents=True)
    (pkg / "__init__.py").write_text('__version__ = "1.2"\nfrom .XML import MortXML\n')
    (pkg / "tables" / "__init__.py").write_text("")
    (pkg / "tables" / "t77.xml").write_bytes((DATA / "mortality_ultimate.xml").read_bytes())
    (pkg / "XML.py").write_text(textwrap.dedent("""\
        from . import tables as data


        class MortXML:
            @classmethod
            def from_id(cls, table_id):
                raise AssertionError("the bundled file should be read directly")
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    t = from_package(77, package="fakemort")
    np.testing.assert_array_equal(t.q, [*FIXTURE_Q, 1.0])
    assert t.provenance.endswith("[fakemort 1.2, table 77]")
    with pytest.raises(AssumptionError, match="mortality table 78: the package fakemort"):
        from_package(78, package="fakemort")


def test_from_package_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "pymort", None)  # import pymort -> ImportError
    with pytest.raises(AssumptionError) as info:
        from_package(3282)
    assert str(info.value) == NOT_INSTALLED.format(3282)


def test_from_package_failure_inside_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "pymort", _fake_pymort(FileNotFoundError("t5.xml")))
    with pytest.raises(AssumptionError, match=r"mortality table 5: .*FileNotFoundError"):
        from_package(5)
    only_select = _pymort_like_tables()
    only_select.Tables = only_select.Tables[:1]
    monkeypatch.setitem(sys.modules, "pymort", _fake_pymort(only_select))
    with pytest.raises(AssumptionError, match="expected exactly one ultimate table"):
        from_package(6)


def test_from_package_real_table_3282():
    # SOA table 3282, 2017 Loaded CSO Composite Gender-Blended 20% Male ALB (select and
    # ultimate): the ultimate table, ages 0-120, printed q_40 = 0.00136, q_60 = 0.00549,
    # q_80 = 0.04461, q_119 = 0.95053, q_120 = 1
    pymort = pytest.importorskip("pymort")
    t = from_package(3282)
    assert (t.name, t.min_age, t.max_age) == (
        "2017 Loaded CSO Composite Gender-Blended 20% Male ALB", 0, 120
    )
    np.testing.assert_array_equal(t.qx([40, 60, 80, 119, 120]),
                                  [0.00136, 0.00549, 0.04461, 0.95053, 1.0])
    assert t.provenance.startswith("SOA table 3282: 2017 Loaded CSO")
    # and the package's own reading of the same table agrees at every age
    cls = pymort.MortXML
    loaded = cls.from_id(3282) if hasattr(cls, "from_id") else cls(3282)
    vals = loaded.Tables[-1].Values["vals"]
    np.testing.assert_array_equal(t.qx(vals.index.to_numpy()), vals.to_numpy())
