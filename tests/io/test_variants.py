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

from reserva.errors import ArgumentError, AssumptionError
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
    assert derive(base, variants[2]).settings.alm.discount_rate == pytest.approx(0.04)


def test_the_base_set_is_unchanged(base):
    before = (base.set_hash, dict(base.file_hashes), base.settings.alm.discount_rate,
              base.basis("group_life").expected_loss_ratio, base.path)
    v = derive(base, Overrides.of(settings={("alm", "discount_rate"): 0.04},
                                  multipliers={("cashflows", "horizon_months"): 2},
                                  files={"reserving.csv": _reserving(base, "group_life", "0.9")}))
    assert v.settings.alm.discount_rate == 0.04
    assert v.settings.cashflows.horizon_months == 2 * base.settings.cashflows.horizon_months
    assert v.basis("group_life").expected_loss_ratio == 0.9
    assert (base.set_hash, dict(base.file_hashes), base.settings.alm.discount_rate,
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


# ------------------------------------------------------------------ stored and command line

def test_the_stored_overrides_give_the_same_variant_again(base):
    from reserva.io.variants import rebuild

    o = Overrides.of(settings={("liquidity", "horizons"): [1, 3, 6], ("alm", "shock_bp"): 50},
                     multipliers={("alm", "discount_rate"): 1.5},
                     files={"reserving.csv": _reserving(base, "group_life", "0.7")})
    v = derive(base, o)
    assert Overrides.from_json(v.overrides) == o
    again = rebuild(load_assumptions("default"), v.set_hash, v.parent_hash, v.overrides)
    assert (again.set_id, again.set_hash, again.overrides) == (v.set_id, v.set_hash, v.overrides)
    assert again.basis("group_life").expected_loss_ratio == 0.7
    with pytest.raises(AssumptionError, match="not .* the variant was derived from"):
        rebuild(base, v.set_hash, "0" * 64, v.overrides)
    with pytest.raises(AssumptionError, match="not the stored"):
        rebuild(base, "f" * 64, v.parent_hash, v.overrides)
    with pytest.raises(AssumptionError, match="stored overrides"):
        Overrides.from_json('{"set": 1}')


def test_a_whole_number_or_a_date_is_held_as_its_setting_declares(base):
    whole = derive(base, Overrides.of(settings={("alm", "discount_rate"): 1,
                                                ("input", "latest_date"): dt.date(2100, 12, 31)}))
    float_ = derive(base, Overrides.of(settings={("alm", "discount_rate"): 1.0,
                                                 ("input", "latest_date"): "2100-12-31"}))
    assert whole.set_id == float_.set_id
    assert derive(base, Overrides.of(settings={("alm", "shock_bp"): 60})).set_id != \
        derive(base, Overrides.of(settings={("alm", "shock_bp"): 61})).set_id


def test_command_line_overrides_are_typed_like_the_api(base, tmp_path):
    from reserva.io.variants import from_options

    table = tmp_path / "reserving.csv"
    table.write_text(_reserving(base, "group_life", "0.7"), encoding="utf-8")
    cli = from_options(["ibnr.max_origin_years=8", "liquidity.horizons=1,3,6",
                        "input.latest_date=2100-12-31", "liquidity.kpi_method=projection",
                        "ibnr.segment_by=cause", "alm.discount_rate=0.04"],
                       ["alm.shock_bp=2"], [f"reserving.csv={table}"])
    api = Overrides.of(
        settings={("alm", "discount_rate"): 0.04, ("ibnr", "segment_by"): ["cause"],
                  ("liquidity", "kpi_method"): "projection", ("ibnr", "max_origin_years"): 8,
                  ("input", "latest_date"): "2100-12-31", ("liquidity", "horizons"): (1, 3, 6)},
        multipliers={("alm", "shock_bp"): 2},
        files={"reserving.csv": _reserving(base, "group_life", "0.7")})
    assert cli == api and derive(base, cli).set_id == derive(base, api).set_id
    assert from_options(["liquidity.horizons=[1, 3, 6]"]) == from_options(
        ['liquidity.horizons=1, 3, 6'])
    assert from_options(['liquidity.kpi_method="projection"']) == from_options(
        ["liquidity.kpi_method=projection"])
    assert from_options() == Overrides()


def test_an_overrides_file_gives_the_same_identity(base, tmp_path):
    from reserva.io.variants import from_options

    (tmp_path / "stress").mkdir()
    (tmp_path / "stress" / "res.csv").write_text(_reserving(base, "health", "bf", "ibnr_method"),
                                                 encoding="utf-8")
    file = tmp_path / "overrides.toml"
    file.write_text('[set]\nibnr.max_origin_years = 8\ninput.latest_date = 2100-12-31\n'
                    '[set.alm]\ndiscount_rate = 0.04\n'
                    '[multiply]\nalm.shock_bp = 2\n'
                    '[replace]\nreserving.csv = "stress/res.csv"\n', encoding="utf-8")
    from_file = from_options(file=file)
    flags = from_options(["ibnr.max_origin_years=8", "input.latest_date=2100-12-31",
                          "alm.discount_rate=0.04"], ["alm.shock_bp=2"],
                         [f"reserving.csv={tmp_path / 'stress' / 'res.csv'}"])
    assert from_file == flags
    assert derive(base, from_file).basis("health").ibnr_method == "bf"


def test_a_quoted_section_key_in_an_overrides_file_is_the_same_setting(tmp_path):
    from reserva.io.variants import from_options

    quoted, bare = tmp_path / "quoted.toml", tmp_path / "bare.toml"
    quoted.write_text('[set]\n"period.months" = 6\n', encoding="utf-8")
    bare.write_text("[set]\nperiod.months = 6\n", encoding="utf-8")
    assert from_options(file=quoted) == from_options(file=bare) == from_options(["period.months=6"])


@pytest.mark.parametrize(("args", "error", "named"), [
    ({"sets": ["ibnr.max_origin_years"]}, "ArgumentError", "--set"),
    ({"sets": ["max_origin_years=8"]}, "ArgumentError", "SECTION.KEY=VALUE"),
    ({"multiplies": ["alm.shock_bp=twice"]}, "ArgumentError", "--multiply"),
    ({"replaces": ["reserving.csv"]}, "ArgumentError", "FILE.csv=PATH"),
    ({"replaces": ["reserving.csv=no/such/file.csv"]}, "ArgumentError", "no/such/file.csv"),
    ({"sets": ["alm.shock_bp=1"], "multiplies": ["alm.shock_bp=2"]}, "AssumptionError",
     "more than once"),
])
def test_bad_command_line_overrides_are_refused_naming_them(args, error, named):
    from reserva.io.variants import from_options

    with pytest.raises(AssumptionError if error == "AssumptionError" else ArgumentError) as err:
        from_options(**args)
    assert named in str(err.value)


@pytest.mark.parametrize(("text", "named"), [
    ("[sets]\nalm.shock_bp = 1\n", "sets is not a table of overrides"),
    ("[set]\nshock_bp = 1\n", "[set] shock_bp = 1"),
    ("[replace]\n\"reserving.csv\" = 3\n", "[replace] reserving.csv = 3"),
    ("[set\n", "overrides file"),
    ("replace = 3\n", "replace = 3 is not a table"),
])
def test_a_bad_overrides_file_is_refused_naming_it(tmp_path, text, named):
    from reserva.io.variants import from_options

    file = tmp_path / "o.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(AssumptionError) as err:
        from_options(file=file)
    assert named in str(err.value)
