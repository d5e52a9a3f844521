"""The Python API (``reserva.api``, re-exported by ``reserva``): the README's example runs as
written, a close writes nothing unless asked, each spot check agrees with its command-line twin
or a worked example, and ``import reserva`` stays cheap (the heavy libraries load on first use).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reserva
from reserva import api
from reserva.errors import AlreadyClosed, ArgumentError, EngineError, InputError
from tests.conftest import edited_set, write_pack
from tests.test_cli import run

ROOT = Path(__file__).resolve().parents[1]


def _files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its sha256 (what a close must leave untouched)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the API section has one python example"
    return blocks[0]


@pytest.mark.slow
def test_readme_example_runs_on_a_small_sample(tmp_path, monkeypatch, capsys):
    assert run(capsys, "sample", str(tmp_path / "sample-data"), "--policies", "2000")[0] == 0
    before = _files(tmp_path)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(_readme_example(), "README.md (Python API)", "exec"), scope)
    # the close wrote nothing until asked; then only the store it was given
    new = set(_files(tmp_path)) - set(before)  # the store (and any lock file beside it)
    assert "my-runs.duckdb" in new and all(n.startswith("my-runs.duckdb") for n in new)
    assert {k: v for k, v in _files(tmp_path).items() if k in before} == before
    assert scope["r"].run_id is None and scope["r"].opening_source == "recomputed"
    assert len(scope["runs"]) == 1 and len(scope["kpis"]) == len(scope["r"].kpis)
    assert scope["ibnr"].loc[2025, "ultimate"] == pytest.approx(198.0, rel=1e-12)
    assert scope["upr"]["upr"].sum() == pytest.approx(scope["r"].closing.upr.sum(), rel=1e-12)
    assert scope["life"]["annuity_at_issue"] == pytest.approx(12.9391, abs=0.5e-4)
    # the variant: its own identity, derived from the default set, which is unchanged
    base = api.load_assumptions()
    assert scope["lower"].parent_hash == base.set_hash and base.parent_hash is None
    assert re.fullmatch(r"default\+[0-9a-f]{8}", scope["lower"].set_id)
    assert not scope["stressed"].alm.measures.equals(scope["r"].alm.measures)
    pd.testing.assert_frame_equal(scope["stressed"].kpis, scope["r"].kpis)  # no KPI reads it
    assert any("'2025-13-31'" in line for line in scope["refused"])
    # lifelib BasicTerm_ME's first point (tests/data/lifelib_basiclife, PV Premiums)
    assert scope["pv"]["Premiums"].iloc[0] == pytest.approx(708392.199329, rel=1e-9)


def test_close_writes_nothing_by_default(tiny_pack):
    before = _files(tiny_pack.parent)
    r = api.close(tiny_pack, "2024-12-31")
    assert r.run_id is None and r.store is None
    assert _files(tiny_pack.parent) == before  # no store beside the data, nothing changed
    assert r.opening_source == "recomputed"
    assert set(r.kpis["product_id"]) == {"CL", "GL", "ALL"}


def test_close_reads_a_store_given_and_writes_only_when_asked(tiny_pack, tmp_path):
    store = tmp_path / "runs.duckdb"
    pack = api.load_pack(tiny_pack)
    first = api.close(pack, "2024-09-30", store=store, write=True)
    assert first.run_id == 1 and len(api.runs(store)) == 1
    digest = _files(tmp_path)
    second = api.close(pack, "2024-12-31", store=store)  # opening from the stored run
    assert second.opening_source == "store" and second.run_id is None
    assert _files(tmp_path) == digest
    alone = api.close(pack, "2024-12-31")
    assert alone.opening_source == "recomputed"
    np.testing.assert_allclose(second.opening.upr, first.closing.upr, rtol=1e-12)
    kpis = api.results(store, "kpis")
    pd.testing.assert_frame_equal(kpis.drop(columns=["position"]).reset_index(drop=True),
                                  api.results(store, "kpis", 1).drop(columns=["position"]))


def test_write_without_a_store_is_refused(tiny_pack):
    with pytest.raises(InputError, match="write=True needs a store"):
        api.close(tiny_pack, "2024-12-31", write=True)


def test_load_pack_raises_every_bad_cell(tmp_path):
    from tests.conftest import TINY_PACK

    bad = dict(TINY_PACK)
    bad["policies"] = bad["policies"].replace("120.00,single", "abc,single", 1)
    with pytest.raises(InputError) as err:
        api.load_pack(write_pack(tmp_path / "bad", bad))
    assert any("written_premium" in line and "abc" in line for line in err.value.lines())


def test_upr_at_matches_the_command(tiny_pack, capsys):
    by_product = api.upr_at(tiny_pack, "2024-12-31")
    by_policy = api.upr_at(api.load_pack(tiny_pack), "2024-12-31", by="policy")
    assert by_policy["upr"].sum() == pytest.approx(by_product["upr"].sum(), rel=1e-12)
    code, out, _ = run(capsys, "upr", str(tiny_pack), "--valuation-date", "2024-12-31",
                       "--format", "json")
    assert code == 0
    cli = pd.DataFrame(json.loads(out))
    np.testing.assert_allclose(cli["upr"], by_product["upr"], rtol=1e-9)
    with pytest.raises(InputError, match="by='claim'"):
        api.upr_at(tiny_pack, "2024-12-31", by="claim")


def test_triangle_ibnr_of_a_frame_worked_by_hand():
    # volume-weighted factors: f1 = (150 + 165) / (100 + 110) = 1.5, f2 = 165 / 150 = 1.1
    tri = pd.DataFrame({1: [100.0, 110.0, 120.0], 2: [150.0, 165.0, np.nan],
                        3: [165.0, np.nan, np.nan]}, index=["2023", "2024", "2025"])
    out = api.triangle_ibnr(tri)
    assert list(out.index) == ["2023", "2024", "2025"] and out.index.name == "origin"
    np.testing.assert_allclose(out["ultimate"], [165.0, 181.5, 198.0], rtol=1e-12)
    np.testing.assert_allclose(out["ibnr"], [0.0, 16.5, 78.0], atol=1e-9)
    np.testing.assert_allclose(out["cdf"], [1.0, 1.1, 1.65], rtol=1e-12)
    assert "std_err" not in out and "std_err" in api.triangle_ibnr(tri, "mack")


def test_triangle_ibnr_of_a_csv_equals_the_command(tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_text("origin,1,2,3\n2023,100,150,165\n2024,110,165,\n2025,120,,\n")
    out = api.triangle_ibnr(path)
    code, text, err = run(capsys, "ibnr", str(path), "--format", "json")
    assert code == 0, err
    cli = json.loads(text)["origins"]
    np.testing.assert_allclose(out["ibnr"], [o["ibnr"] for o in cli], rtol=1e-12)


def test_life_reserve_against_printed_values():
    # AMLCR 2nd ed. (2013) Appendix D, SULT at 5%: ä_{45:20} = 12.9391, A_{45:20} = 0.38385,
    # ä_{55:10} = 8.0192
    r = api.life_reserve("endowment", 45, term=20, duration=10, sum_insured=100_000)
    assert r["annuity_at_issue"] == pytest.approx(12.9391, abs=0.5e-4)
    assert r["assurance_at_issue"] == pytest.approx(0.38385, abs=0.5e-5)
    assert r["reserve"] == pytest.approx(100_000 * (1 - 8.0192 / 12.9391), abs=0.7)
    with pytest.raises(InputError, match="1 bad cell in argument"):
        api.life_reserve("term", 45)
    with pytest.raises(InputError, match="plan 'annuity' unknown"):
        api.life_reserve("annuity", 45)


@pytest.mark.parametrize(("kwargs", "column"), [
    ({"interest": math.nan}, "interest"), ({"sum_insured": math.inf}, "sum_insured"),
    ({"duration": math.inf}, "duration"), ({"age": 200}, "age"),
])
def test_life_reserve_refuses_arguments_it_cannot_value(kwargs, column, capsys):
    args = {"age": 40, "term": 10, **kwargs}
    with pytest.raises(InputError) as err:
        api.life_reserve("term", args.pop("age"), **args)
    assert [c.column for c in err.value.cells] == [column]
    option = "--" + column.replace("_", "-")
    argv = ["life", "--product", "term", "--term", "10", "--age", str(kwargs.get("age", 40))]
    argv += [] if column == "age" else [option, str(kwargs[column])]
    code, out, text = run(capsys, *argv)
    assert code == 2 and out == ""
    assert re.match(rf"reserva: Invalid value for '?{option}'?: ", text), text


def test_runs_without_a_store_say_so(tmp_path):
    with pytest.raises(EngineError, match=re.escape(str(tmp_path / "none.duckdb"))):
        api.runs(tmp_path / "none.duckdb")
    assert not (tmp_path / "none.duckdb").exists()


def test_every_public_function_is_documented():
    for name in api.__all__:
        obj = getattr(api, name)
        assert obj.__doc__, name
        if inspect.isfunction(obj):
            params = [p for p in inspect.signature(obj).parameters if p != "options"]
            assert "Parameters\n    ----------" in obj.__doc__, name
            for p in params:
                assert re.search(rf"^    \*?\*?{p} :|^    \*\*{p}$", obj.__doc__, re.M), (name, p)


def test_api_values_are_finite_on_the_tiny_pack(tiny_pack):
    r = api.close(tiny_pack, "2024-12-31")
    assert all(math.isfinite(x) for x in np.concatenate([r.closing.upr, r.closing.ocs]))


@pytest.mark.parametrize(("argv", "option", "said"), [
    (["--age", "30"], "--term", "missing, expected a term in years for term"),
    (["--age", "30", "--term", "500"], "--term", "a term ending by age 121, the end of table SULT"),
    (["--age", "30", "--term", "10", "--premium-term", "20"], "--premium-term",
     "at most the term (10 years)"),
    (["--age", "30", "--term", "10", "--interest", "-0.4999"], "--interest",
     "an interest rate at which the contract's values are finite"),
])
def test_life_arguments_the_contract_cannot_take_are_exit_2(argv, option, said, capsys):
    code, out, text = run(capsys, "life", "--product", "term", *argv)
    assert code == 2 and out == ""
    assert text.startswith(f"reserva: Invalid value for {option}: "), text
    assert said in text


def test_a_date_closed_again_needs_rerun(tiny_pack, tmp_path):
    store = tmp_path / "runs.duckdb"
    pack = api.load_pack(tiny_pack)
    api.close(pack, "2024-09-30", store=store, write=True)
    with pytest.raises(AlreadyClosed):
        api.close(pack, "2024-09-30", store=store, write=True)
    again = api.close(pack, "2024-09-30", store=store, write=True, rerun=True)
    assert again.run_id == 2 and len(api.runs(store)) == 2


def test_packs_are_checked_against_the_set_given(tiny_pack, tmp_path):
    # a sum insured of 1e16 is above the default set's max_money (1e15), within this set's
    (tiny_pack / "policies.csv").write_text((tiny_pack / "policies.csv").read_text().replace(
        "120.00,single,12.00,5000", "120.00,single,12.00,1e16", 1))
    roomy = edited_set(tmp_path / "roomy", settings=lambda t: t.replace(
        "max_money = 1e15", "max_money = 1e18"))
    with pytest.raises(InputError, match="policies.csv"):
        api.load_pack(tiny_pack)
    assert api.load_pack(tiny_pack, assumptions=roomy).has("policies")
    assert len(api.close(tiny_pack, "2024-12-31", assumptions=roomy).kpis)
    assert len(api.upr_at(tiny_pack, "2024-12-31", assumptions=roomy))


def test_upr_at_takes_the_input_window(tiny_pack):
    with pytest.raises(InputError) as err:
        api.upr_at(tiny_pack, "0001-01-01")
    assert "from 1900-01-01 to 2200-12-31" in err.value.lines()[1]


HEAVY = ("numba", "chainladder", "duckdb")


def _fresh(code: str) -> str:
    """Run ``code`` in a new interpreter (nothing imported yet); its stdout."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_reserva_and_help_load_no_heavy_library():
    loaded = _fresh(f"""
import sys
import reserva
import reserva.cli
reserva.cli.main(["--help"])
reserva.cli.main(["close", "--help"])
print("loaded:", [m for m in {HEAVY!r} if m in sys.modules])
""")
    assert loaded.splitlines()[-1] == "loaded: []"
    # the same check catches a heavy import: the first call loads what it needs
    used = _fresh(f"""
import sys
import reserva
reserva.triangle_ibnr
print("loaded:", [m for m in {HEAVY!r} if m in sys.modules])
""")
    assert used.splitlines()[-1] != "loaded: []"


def test_every_exported_name_resolves_in_a_fresh_interpreter():
    out = _fresh("""
import reserva
names = sorted(reserva.__all__)
assert len(set(names)) == len(names), "a name exported twice"
missing = [n for n in names if getattr(reserva, n, None) is None]
hidden = [n for n in names if n not in dir(reserva)]
print(missing, hidden)
""")
    assert out.strip() == "[] []"


def test_the_package_exports_the_api_and_the_errors():
    for name in api.__all__:
        assert name in reserva.__all__, name
        if name != "close":
            assert getattr(reserva, name) is getattr(api, name), name
    for name in ("EngineError", "InputError", "ArgumentError", "AssumptionError", "StoreError",
                 "AlreadyClosed", "ComputationError", "BadCell"):
        assert getattr(reserva, name) is getattr(reserva.errors, name), name
    assert reserva.Overrides.__module__ == "reserva.io.variants"
    with pytest.raises(AttributeError, match="no attribute 'closee'"):
        reserva.closee  # noqa: B018 - a typo is an AttributeError, not a lazy import


def test_reserva_close_is_the_api_function_not_the_pipeline_module(tiny_pack):
    import reserva.pipeline as pipeline

    assert reserva.close is api.close and reserva.close is not pipeline.close
    before = _files(tiny_pack.parent)
    r = reserva.close(tiny_pack, "2024-12-31")  # api.close: writes nothing
    assert r.run_id is None and _files(tiny_pack.parent) == before
    pd.testing.assert_frame_equal(r.kpis, api.close(tiny_pack, "2024-12-31").kpis)


def test_close_many_closes_each_date_once_in_order(tiny_pack, tmp_path):
    pack = api.load_pack(tiny_pack)
    many = reserva.close_many(pack, ["2024-12-31", "2024-09-30", "2024-12-31"])
    assert [str(r.valuation_date) for r in many] == ["2024-09-30", "2024-12-31"]
    assert all(r.run_id is None for r in many)
    alone = api.close(pack, "2024-12-31")
    pd.testing.assert_frame_equal(many[1].kpis, alone.kpis)
    with pytest.raises(ArgumentError, match="write=True needs a store"):
        reserva.close_many(pack, ["2024-12-31"], write=True)
    store = tmp_path / "runs.duckdb"
    stored = reserva.close_many(pack, ["2024-09-30", "2024-12-31"], store=store, write=True)
    assert [r.run_id for r in stored] == [1, 2] and stored[1].opening_source == "store"
    assert len(reserva.runs(store)) == 2


def test_derive_gives_a_variant_with_its_own_identity():
    base = reserva.load_assumptions()
    a = reserva.derive(settings={("alm", "discount_rate"): 0.03})
    b = reserva.derive(base, settings={("alm", "discount_rate"): 0.03})
    c = reserva.derive(multipliers={("alm", "shock_bp"): 2})
    assert a.set_hash == b.set_hash != c.set_hash and a.parent_hash == base.set_hash
    assert a.settings.alm.discount_rate == 0.03
    assert base.settings.alm.discount_rate == 0.05
    assert reserva.derive(base) is base  # no override: the set itself


@pytest.mark.parametrize(("call", "argument"), [
    (lambda p: api.close(p, "2024-12-31", edition=3), "edition"),
    (lambda p: api.upr_at(p, "2024-12-31", by="claim"), "by"),
    (lambda p: api.close(p, "2024-12-31", write=True), "store"),
    (lambda p: api.close(p, "not a date"), None),
    (lambda p: api.triangle_ibnr(pd.DataFrame({1: [1.0, 2.0], 2: [2.0, None]}), "nope"), "method"),
    (lambda p: api.life_reserve("annuity", 45), "plan"),
])
def test_argument_errors_name_the_argument_and_are_value_errors(tiny_pack, call, argument):
    with pytest.raises(ValueError) as err:
        call(tiny_pack)
    assert isinstance(err.value, ArgumentError) and err.value.exit_code == 2
    assert err.value.cells and (argument is None or err.value.cells[0].column == argument)
