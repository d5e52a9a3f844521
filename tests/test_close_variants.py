"""Closes on assumption variants: from the command line, and in the analysis of change.

A quarter closed on a variant set is the opening of the next: its set is derived again from
the stored parent hash and overrides, so the assumption changes are split out as between two
base sets; when the parent set changed since, the run notes that the set is not available.
"""

from __future__ import annotations

import io
import shutil

import numpy as np
import pandas as pd
import pytest

from reserva.cli import main
from reserva.io.assumptions import default_root, load_assumptions, write_manifest
from reserva.io.readers import read_pack
from reserva.io.variants import Overrides, derive
from reserva.pipeline import close
from reserva.sample.generate import write_sample
from reserva.store.runs import run_record

Q3, Q4 = "2025-09-30", "2025-12-31"
UNAVAILABLE = "is not available: assumption changes are included in the remeasurement"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    data = tmp_path_factory.mktemp("sample")
    write_sample(data, policies=10_000, seed=11)
    return data, read_pack(data)


def _base(folder):
    """A copy of the default set in ``folder``/default, read (its files can be edited)."""
    shutil.copytree(default_root() / "default", folder / "default")
    return load_assumptions(str(folder / "default"))


def _health_bf(a) -> Overrides:
    """Overrides reserving health by Bornhuetter-Ferguson (a change of the IBNR)."""
    frame = pd.read_csv(a.path / "reserving.csv", dtype=str, keep_default_na=False)
    frame.loc[frame.product_kind == "health", "ibnr_method"] = "bf"
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return Overrides.of(files={"reserving.csv": out.getvalue()})


def _unavailable(r) -> bool:
    return any(UNAVAILABLE in n for n in r.notes)


@pytest.mark.slow
def test_a_variant_opening_run_is_derived_again_for_the_analysis_of_change(sample, tmp_path):
    data, pack = sample
    base = _base(tmp_path / "sets")
    variant = derive(base, _health_bf(base))
    store = tmp_path / "s.duckdb"
    q3 = close(data, Q3, assumptions=variant, store=store, pack=pack)
    assert run_record(store, q3.run_id)["assumption_set"] == variant.set_id
    del variant  # the opening set is derived again from what the run stored
    r = close(data, Q4, assumptions=base, store=store, pack=pack)
    assert not _unavailable(r)

    # the same analysis with the variant derived explicitly, in Python
    explicit = derive(base, _health_bf(base))
    on_variant = close(data, Q4, assumptions=explicit, pack=pack, write=False)
    he, cl = r.products.index("HE"), r.products.index("CL")
    changes = r.ibnr_change.assumption_changes
    assert changes[he] != 0
    assert changes[he] == pytest.approx(r.closing.ibnr[he] - on_variant.closing.ibnr[he])
    assert changes[cl] == pytest.approx(0.0)
    np.testing.assert_allclose(changes, r.closing.ibnr - on_variant.closing.ibnr, atol=1e-9)

    # the reverse: a base opening run and a close on the variant (looked up beside its parent)
    store2 = tmp_path / "s2.duckdb"
    close(data, Q3, assumptions=base, store=store2, pack=pack)
    back = close(data, Q4, assumptions=explicit, store=store2, pack=pack)
    assert not _unavailable(back)
    np.testing.assert_allclose(back.ibnr_change.assumption_changes, -changes, atol=1e-6)


@pytest.mark.slow
def test_a_variant_whose_parent_changed_is_noted_unavailable(sample, tmp_path):
    data, pack = sample
    base = _base(tmp_path / "sets")
    store = tmp_path / "s.duckdb"
    close(data, Q3, assumptions=derive(base, _health_bf(base)), store=store, pack=pack)
    settings = base.path / "settings.toml"
    settings.write_text(settings.read_text().replace("bootstrap_seed = ", "bootstrap_seed = 1"))
    write_manifest(base.path)
    changed = load_assumptions(str(base.path))
    assert changed.set_hash != base.set_hash
    r = close(data, Q4, assumptions=changed, store=store, pack=pack)
    assert _unavailable(r)
    assert not np.any(r.ibnr_change.assumption_changes)


def test_a_close_from_the_command_line_and_from_python_give_the_same_variant(tiny_pack,
                                                                            capsys):
    store = tiny_pack / "cli.duckdb"
    code = main(["close", str(tiny_pack), "--valuation-date", "2024-12-31", "--store",
                 str(store), "--quiet", "--set", "alm.discount_rate=0.1",
                 "--set", "ibnr.max_origin_years=8", "--multiply", "alm.shock_bp=2"])
    err = capsys.readouterr().err
    assert code == 0, err
    variant = derive(load_assumptions(), Overrides.of(
        settings={("ibnr", "max_origin_years"): 8, ("alm", "discount_rate"): 0.1},
        multipliers={("alm", "shock_bp"): 2}))
    assert f"assumption set {variant.set_id}: a variant of default" in err
    rec = run_record(store, 1)
    assert (rec["assumption_set"], rec["assumption_hash"]) == (variant.set_id, variant.set_hash)
    assert rec["assumption_overrides"] == variant.overrides
    api = close(tiny_pack, "2024-12-31", assumptions=variant, store=tiny_pack / "api.duckdb")
    assert run_record(tiny_pack / "api.duckdb", api.run_id)["assumption_set"] == variant.set_id


@pytest.mark.parametrize(("args", "named"), [
    (["--set", "ibnr.max_origin_year=8"], "[ibnr] max_origin_year is not a setting"),
    (["--set", "ibnr.max_origin_years=eight"], "[ibnr] max_origin_years = 'eight', expected"),
    (["--set", "max_origin_years=8"], "--set 'max_origin_years=8': expected SECTION.KEY=VALUE"),
    (["--multiply", "alm.shock_bp=x"], "--multiply 'alm.shock_bp=x'"),
    (["--replace", "reserve.csv={pack}/policies.csv"], "'reserve.csv' is not a CSV file of"),
    (["--replace", "reserving.csv=no/such.csv"], "--replace 'no/such.csv': expected a readable"),
])
def test_a_bad_override_on_the_command_line_is_a_clean_error(tiny_pack, capsys, args, named):
    store = tiny_pack / "bad.duckdb"
    code = main(["close", str(tiny_pack), "--valuation-date", "2024-12-31", "--store",
                 str(store), "--quiet", *(a.format(pack=tiny_pack) for a in args)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("reserva: ") and named in err
    assert "Traceback" not in err and not store.exists()
