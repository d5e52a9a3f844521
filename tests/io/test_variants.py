"""Assumption variants: a set derived by overrides has an identity of its own, the base is kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.errors import AssumptionError
from reserva.io.assumptions import load_assumptions
from reserva.io.variants import Overrides, derive
from reserva.pipeline import close
from reserva.store.runs import run_record


@pytest.fixture(scope="module")
def base():
    return load_assumptions("default")


def _reserving(base, kind: str, elr: str, column: str = "expected_loss_ratio") -> str:
    """reserving.csv of ``base`` with ``column`` of ``kind`` set to ``elr``."""
    frame = pd.read_csv(base.path / "reserving.csv", dtype=str, keep_default_na=False)
    frame.loc[frame.product_kind == kind, column] = elr
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue()


def _settings_of(base, n: int) -> list[tuple[tuple[str, str], object]]:
    """The first ``n`` number settings of the base set, each with a new value."""
    pairs = [((s, k), v) for s, values in base.settings.items() for k, v in values.items()
             if isinstance(v, int | float) and not isinstance(v, bool)]
    return [(key, v + 1) for key, v in pairs[:n]]


@settings(max_examples=8)
@given(order=st.permutations(range(4)))
def test_the_same_overrides_in_any_order_give_the_same_identity(base, order):
    pairs = _settings_of(base, 4)
    forward = derive(base, Overrides.of(settings=dict(pairs)))
    shuffled = derive(base, Overrides.of(settings=dict(pairs[i] for i in order)))
    assert (shuffled.set_id, shuffled.set_hash) == (forward.set_id, forward.set_hash)
    assert shuffled.overrides == forward.overrides


def test_the_identity_is_the_parent_hash_plus_the_canonical_overrides(base):
    v = derive(base, Overrides.of(settings={("alm", "discount_rate"): 0.04}))
    text = '{"files":[],"multiply":[],"set":[["alm","discount_rate",0.04]]}'
    assert v.overrides == text
    assert v.set_hash == hashlib.sha256((base.set_hash + text).encode()).hexdigest()
    assert v.set_id == f"default+{v.set_hash[:8]}" and v.parent_hash == base.set_hash


def test_different_overrides_give_different_identities(base):
    variants = [
        Overrides.of(settings={("alm", "discount_rate"): 0.04}),
        Overrides.of(settings={("alm", "discount_rate"): 0.03}),
        Overrides.of(multipliers={("alm", "discount_rate"): 0.8}),  # the same number, 0.04
        Overrides.of(settings={("alm", "discount_rate"): 0.04, ("alm", "shock_bp"): 50}),
        Overrides.of(files={"reserving.csv": _reserving(base, "group_life", "0.60")}),
        Overrides.of(files={"reserving.csv": _reserving(base, "group_life", "0.65")}),
    ]
    hashes = [derive(base, o).set_hash for o in variants]
    assert len(set(hashes)) == len(hashes) and base.set_hash not in hashes
    assert derive(base, variants[2]).setting("alm", "discount_rate") == pytest.approx(0.04)


def test_the_base_set_is_unchanged(base):
    before = (base.set_hash, dict(base.file_hashes), base.setting("alm", "discount_rate"),
              base.basis("group_life").expected_loss_ratio, base.path)
    v = derive(base, Overrides.of(settings={("alm", "discount_rate"): 0.04},
                                  multipliers={("cashflows", "horizon_months"): 2},
                                  files={"reserving.csv": _reserving(base, "group_life", "0.9")}))
    assert v.setting("alm", "discount_rate") == 0.04
    assert v.setting("cashflows", "horizon_months") == 2 * base.setting("cashflows",
                                                                        "horizon_months")
    assert v.basis("group_life").expected_loss_ratio == 0.9
    assert (base.set_hash, dict(base.file_hashes), base.setting("alm", "discount_rate"),
            base.basis("group_life").expected_loss_ratio, base.path) == before
    assert load_assumptions("default").set_hash == base.set_hash  # the files on disk too
    assert base.parent_hash is None and base.overrides is None


def test_no_overrides_is_the_base_set(base):
    assert derive(base, Overrides()) is base


@pytest.mark.parametrize(("overrides", "named"), [
    (Overrides.of(settings={("alm", "discount_rat"): 0.04}), "[alm] discount_rat"),
    (Overrides.of(multipliers={("almm", "discount_rate"): 2}), "[almm] discount_rate"),
    (Overrides.of(files={"reserve.csv": "a\n1\n"}), "'reserve.csv'"),
    (Overrides.of(files={"settings.toml": ""}), "'settings.toml'"),
    (Overrides.of(multipliers={("upr", "perspective"): 2}), "[upr] perspective"),
    (Overrides.of(settings={("alm", "discount_rate"): "high"}), "[alm] discount_rate = 'high'"),
    (Overrides.of(multipliers={("alm", "shock_bp"): 1.505}), "[alm] shock_bp = 150.5"),
    (Overrides.of(files={"reserving.csv": _reserving(load_assumptions(), "health", "magic",
                                                     "ibnr_method")}),
     "reserving.csv health ibnr_method = 'magic'"),
])
def test_an_unknown_or_bad_override_is_refused_naming_it(base, overrides, named):
    with pytest.raises(AssumptionError) as err:
        derive(base, overrides)
    assert named in str(err.value)


def test_overrides_given_twice_or_not_numbers_are_refused(base):
    with pytest.raises(AssumptionError, match=r"\[alm\] shock_bp more than once"):
        Overrides.of(settings={("alm", "shock_bp"): 1}, multipliers={("alm", "shock_bp"): 2})
    with pytest.raises(AssumptionError, match="finite"):
        Overrides.of(multipliers={("alm", "shock_bp"): float("nan")})
    v = derive(base, Overrides.of(settings={("alm", "shock_bp"): 50}))
    with pytest.raises(AssumptionError, match="itself a variant"):
        derive(v, Overrides.of(settings={("alm", "shock_bp"): 60}))


def test_a_variant_changes_the_close_and_the_run_records_its_derivation(base, tiny_pack,
                                                                        tmp_path):
    store = tmp_path / "s.duckdb"
    overrides = Overrides.of(settings={("alm", "discount_rate"): 0.10},
                             files={"reserving.csv": _reserving(base, "group_life", "0.80")})
    v = derive(base, overrides)
    plain = close(tiny_pack, "2024-12-31", assumptions=base, store=store)
    varied = close(tiny_pack, "2024-12-31", assumptions=v, store=store)

    m0, m1 = (r.alm.measures.set_index(["product_id", "measure"])["value"] for r in (plain, varied))
    pv = [i for i in m0.index if "pv" in i[1].lower() and np.isfinite(m0[i]) and m0[i] != 0]
    assert pv and all(m1[i] != pytest.approx(m0[i]) for i in pv)
    gl, cl = plain.products.index("GL"), plain.products.index("CL")
    assert plain.closing.ibnr[gl] > 0
    assert varied.closing.ibnr[gl] != pytest.approx(plain.closing.ibnr[gl])
    assert varied.closing.ibnr[cl] == plain.closing.ibnr[cl]

    rec0, rec1 = run_record(store, plain.run_id), run_record(store, varied.run_id)
    assert rec0["assumption_hash"] == base.set_hash and pd.isna(rec0["assumption_parent_hash"])
    assert pd.isna(rec0["assumption_overrides"])
    assert (rec1["assumption_set"], rec1["assumption_hash"]) == (v.set_id, v.set_hash)
    assert rec1["assumption_parent_hash"] == base.set_hash
    assert rec1["assumption_overrides"] == overrides.canonical_json()
    assert json.loads(rec1["assumption_overrides"])["set"] == [["alm", "discount_rate", 0.1]]


def test_overrides_go_through_the_typed_settings_every_problem_at_once(base):
    with pytest.raises(AssumptionError) as err:
        derive(base, Overrides.of(settings={("liquidity", "kpi_method"): "guess",
                                            ("period", "months"): 0,
                                            ("ibnr", "max_origin_year"): 5},
                                  multipliers={("liquidity", "rule_of_thumb_share"): 8}))
    text = str(err.value)
    assert text.startswith("overrides of assumption set default: ")
    assert "[liquidity] kpi_method = 'guess', expected a quoted text: one of projection" in text
    assert "[period] months = 0, expected a whole number from 1 to 12" in text
    assert "[ibnr] max_origin_year is not a setting (fix: did you mean 'max_origin_years'?" in text
    assert "[liquidity] rule_of_thumb_share = 2.0, expected a number from 0 to 1" in text


def test_overrides_of_lists_dates_and_words_are_typed_in_the_variant(base):
    v = derive(base, Overrides.of(settings={("liquidity", "horizons"): [1, 3, 6],
                                            ("input", "latest_date"): "2100-12-31",
                                            ("liquidity", "growth_margin"): 0.1,
                                            ("ibnr", "segment_by"): ["cause"]}))
    assert v.settings.liquidity.horizons == (1, 3, 6)
    assert v.settings.input.latest_date == dt.date(2100, 12, 31)
    assert v.settings.liquidity.growth_margin == 0.1 and v.settings.ibnr.segment_by == ("cause",)
    assert base.settings.liquidity.horizons == (1, 3, 12)  # the base is unchanged
    assert v.settings.alm == base.settings.alm  # what was not overridden is the parent's
