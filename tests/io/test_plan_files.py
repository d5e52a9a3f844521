"""plan.csv, asset_yields.csv and new_business.csv as a forward projection reads them: the
default set's rows, and every bad cell of a set reported at once with its file, line and
column (``reserva.io.assumptions``)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from reserva.errors import AssumptionError
from reserva.io.assumptions import default_root, load_assumptions, write_manifest


def _set(tmp_path, **edits):
    """A copy of the default set with ``edits``: file name -> function editing its frame."""
    folder = tmp_path / "set"
    shutil.copytree(default_root() / "default", folder)
    for name, edit in edits.items():
        path = folder / name.replace("__", ".")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame = edit(frame)
        frame.to_csv(path, index=False)
    write_manifest(folder)
    return str(folder)


def test_the_default_plan_covers_every_kind_and_every_asset_class():
    a = load_assumptions("default")
    assert set(a.plan_bases) == set(a.reserving)
    assert set(a.asset_yields) == set(a.asset_map["asset_class"])
    he = a.plan("health")
    assert (he.renewal_rate, he.term_months, he.reporting_pattern) == (0.8, 12, (0.6, 0.3, 0.1))


def test_every_bad_cell_of_the_plan_files_is_reported_at_once(tmp_path):
    def plan(f):
        f.loc[0, "renewal_rate"] = "1.5"  # above 1
        f.loc[1, "term_months"] = "0"
        # health's claims reported 50% in the month, paid 50%, then reported 60% by lag 1
        # while 85% is paid: reported behind paid
        f.loc[f["product_kind"] == "health", "reporting_pattern"] = "0.5;0.1;0.4"
        return pd.concat([f, f.iloc[[2]]])  # a kind twice

    def yields(f):
        f.loc[0, "yield"] = "abc"
        f.loc[1, "asset_class"] = "gold"  # not a class of asset_map.csv
        return f

    def nb(f):
        return pd.DataFrame([["HE", "100", "6", "12", "0.1"], ["HE", "200", "3", "6", "0.2"]],
                            columns=["product_id", "monthly_premium", "months", "term_months",
                                     "commission_rate"])

    folder = _set(tmp_path, plan__csv=plan, asset_yields__csv=yields, new_business__csv=nb)
    with pytest.raises(AssumptionError) as err:
        load_assumptions(folder)
    cells = {(c.file, c.row, c.column) for c in err.value.cells}
    assert {("plan.csv", 2, "renewal_rate"), ("plan.csv", 3, "term_months"),
            ("plan.csv", 9, "reporting_pattern"), ("plan.csv", 11, "product_kind"),
            ("asset_yields.csv", 2, "yield"), ("asset_yields.csv", 3, "asset_class"),
            ("new_business.csv", 3, "product_id")} <= cells
    # the class whose row was renamed has no yield: said once for the file
    assert ("asset_yields.csv", None, "asset_class") in cells
    assert all(c.expected for c in err.value.cells)


def test_a_kind_without_a_plan_row_is_told_how_to_fix_it(tmp_path):
    folder = _set(tmp_path, plan__csv=lambda f: f[f["product_kind"] != "health"])
    a = load_assumptions(folder)
    with pytest.raises(AssumptionError, match="plan.csv has no row for product kind 'health'"):
        a.plan("health")
