"""Any valuation date closes or is refused clearly (issue 13, items 1, 2 and 5).

The first quarter of a history, a period without claims, a product without business, a date
before the data, old and too old asset/liability snapshots, triangles bounded by
``[ibnr] max_origin_years`` rather than by the pack's date span (memory under a limit), and
computation errors naming the stage, the product and the policy.

``tests/data/handmade`` is a pack written by hand from the README's table documentation:
three products (credit life, health, group life), twelve policies from 2024-01-15, six claims,
quarterly asset and liability snapshots in 2024.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import reserva.pipeline as close_module
from reserva.errors import AssumptionError, ComputationError, InputError
from reserva.io.arrays import day, to_date
from reserva.pipeline import close, spot_upr
from reserva.reserves.claims.snapshots import snapshot_triangle
from reserva.reserves.claims.triangles import first_origin_day, reporting_triangle
from reserva.sample.generate import write_sample
from tests.conftest import edited_set
from tests.conftest import run_cli as run

HANDMADE = Path(__file__).parent / "data" / "handmade"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy(tmp_path: Path, name: str = "pack") -> Path:
    return Path(shutil.copytree(HANDMADE, tmp_path / name))


def _append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))


@pytest.fixture
def stored(tmp_path, capsys):
    """The hand-made pack closed at its first quarter end, and the store's digest."""
    store = tmp_path / "store.duckdb"
    code, _, err = run(capsys, "close", HANDMADE, "--valuation-date", "2024-03-31",
                       "--store", store, "--quiet")
    assert code == 0, err
    return store, _digest(store)


# --- the origin span --------------------------------------------------------------------------


def test_first_origin_is_the_earliest_business_at_most_max_origins_back():
    v = day("2025-12-31")
    assert to_date(first_origin_day(day("2021-01-05"), v, 3, 40)) == to_date(day("2021-01-01"))
    # an absurd early date is cut at 40 quarters: 2016Q1 .. 2025Q4
    assert to_date(first_origin_day(day("1900-01-01"), v, 3, 40)) == to_date(day("2016-01-01"))
    assert to_date(first_origin_day(day("1000-01-01"), v, 12, 10)) == to_date(day("2016-01-01"))
    # mid-quarter valuation: the partial latest quarter counts as one of the 40
    m = day("2025-11-15")
    assert to_date(first_origin_day(day("1900-01-01"), m, 3, 40)) == to_date(day("2016-01-01"))
    # business starting after the valuation date: the valuation date's own period
    assert to_date(first_origin_day(day("2026-02-01"), v, 3, 40)) == to_date(day("2025-10-01"))
    with pytest.raises(AssumptionError, match="max_origin_years"):
        first_origin_day(day("2021-01-01"), v, 3, 0)


def test_reporting_triangle_leaves_out_events_before_the_first_origin():
    v = day("2025-12-31")
    event = np.array([day("1900-06-01"), day("2024-02-10"), day("2025-11-01")])
    report = np.array([day("1900-07-01"), day("2024-05-10"), day("2025-11-20")])
    tri = reporting_triangle(np.zeros(3, np.int64), np.array(["A"]), event, report,
                             np.array([1e6, 10.0, 5.0]), v, 12, first_day=day("2024-01-01"))
    assert tri.n_origins == 2
    assert str(tri.origin_start[0]) == "2024-01-01"
    assert np.nansum(tri.amount) == 15.0  # the 1900 claim is not in it
    assert tri.amount[0, 0, 0] == 10.0 and tri.amount[0, 1, 0] == 5.0


def test_a_first_day_after_the_valuation_date_gives_one_empty_origin():
    """The recomputed opening of a first quarter is valued before the first policy starts."""
    ps = day("2020-12-31")
    tri = reporting_triangle(np.zeros(1, np.int64), np.array(["A"]), np.array([day("2021-02-01")]),
                             np.array([day("2021-02-03")]), np.array([7.0]), ps, 3,
                             first_day=day("2021-01-05"))
    assert tri.n_origins == 1 and str(tri.origin_start[0]) == "2020-10-01"
    assert np.nansum(tri.amount) == 0.0
    snap = snapshot_triangle(np.zeros(1, np.int64), np.array(["A"]), np.array([day("2021-02-01")]),
                             lambda t: np.array([7.0]), ps, origin_grain=3, dev_grain=3,
                             first_day=day("2021-01-05"))
    assert snap.cumulative.shape == (1, 1, 1) and snap.cumulative[0, 0, 0] == 0.0


# --- first quarter, no claims, no business, before the data ------------------------------


def test_handmade_pack_closes_at_its_first_quarter_end(stored):
    store, _ = stored
    r = close(HANDMADE, "2024-03-31", write=False)
    assert r.opening_source == "recomputed" and r.period_start.isoformat() == "2023-12-31"
    assert all(np.all(r.opening.get(k) == 0) for k in ("upr", "ibnr", "ocs", "alr"))
    # group life, annual premiums of 60 earned pro rata by day: P09 and P10 from 2024-01-15
    # (366-day term, 77 days earned), P11 from 2024-03-01 (365 days, 31 earned)
    fune = r.products.index("FUNE")
    expected = 180 - 60 * 77 / 366 * 2 - 60 * 31 / 365
    assert r.closing.upr[fune] == pytest.approx(expected, abs=1e-9)
    assert r.ibnr.triangle.n_origins == 1  # 2024Q1 only
    assert store.exists()


def test_handmade_pack_closes_every_quarter_of_its_history(tmp_path, capsys):
    store = tmp_path / "store.duckdb"
    dates = ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31"]
    code, out, err = run(capsys, "close", HANDMADE, *[x for d in dates for x in
                                                      ("--valuation-date", d)],
                         "--store", store, "--quiet")
    assert code == 0, err
    assert "Traceback" not in err
    assert out.count("closed") == len(dates)


def test_sample_first_quarter_closes(tmp_path):
    data = tmp_path / "sample"
    write_sample(data, policies=1500, seed=13)
    r = close(data, "2021-03-31", store=tmp_path / "s.duckdb")
    assert r.run_id == 1 and r.opening_source == "recomputed"
    assert r.ibnr.triangle.n_origins == 1
    for name in ("upr", "ibnr", "ocs", "alr"):
        assert np.isfinite(r.closing.get(name)).all()
    assert r.closing.upr.sum() > 0


def test_a_date_before_the_data_is_refused(stored, capsys):
    store, digest = stored
    code, _, err = run(capsys, "close", HANDMADE, "--valuation-date", "2023-12-31",
                       "--store", store)
    assert code == 2
    assert err.splitlines()[-1] == (
        "reserva: valuation date 2023-12-31 is before the data: the earliest policy (P01) starts "
        "on 2024-01-15, so there is nothing to close (fix: close a date on or after 2024-01-15, "
        "e.g. 2024-03-31, the end of the data's first period)")
    assert _digest(store) == digest


def test_a_refused_later_date_stops_a_multi_date_close_before_the_first(stored, capsys):
    # 2024-06-30 would close, 2027-01-02 is refused (old snapshot): nothing of either is stored
    store, digest = stored
    code, out, err = run(capsys, "close", HANDMADE, "--valuation-date", "2024-06-30",
                         "--valuation-date", "2027-01-02", "--store", store)
    assert code == 2 and out == ""
    assert "the latest snapshot is too old for a close at 2027-01-02" in err
    assert _digest(store) == digest


def test_a_date_inside_the_first_quarter_before_any_claim_closes():
    r = close(HANDMADE, "2024-01-31", write=False)
    assert np.all(r.closing.ocs == 0) and np.isfinite(r.closing.ibnr).all()
    assert r.closing.upr.sum() > 0


def test_a_period_without_claims_closes(tmp_path):
    pack = _copy(tmp_path)
    header = (pack / "claims.csv").read_text().splitlines()[0]
    (pack / "claims.csv").write_text(header + "\n")
    for d in ("2024-03-31", "2024-09-30"):
        r = close(pack, d, write=False)
        assert np.all(r.closing.ocs == 0)
        assert np.all(r.income["P12"] == 0)  # nothing paid
        assert np.isfinite(r.closing.ibnr).all()
    # the hand-made pack itself has no claim reported in 2025Q1
    r = close(HANDMADE, "2025-03-31", write=False)
    assert np.isfinite(r.income.values).all()


def test_a_product_without_business_closes_with_zeros(tmp_path):
    pack = _copy(tmp_path)
    _append(pack / "products.csv", "TERM,Term life,individual_life,voluntary")
    _append(pack / "targets.csv", "TERM,2024-12-31,20")
    r = close(pack, "2024-03-31", write=False)
    term = r.products.index("TERM")
    for name in ("upr", "ibnr", "ocs", "alr"):
        assert r.closing.get(name)[term] == 0.0
    assert r.income.value("P03", "TERM") == 0.0
    assert r.income.value("P03", "ALL") == pytest.approx(r.income["P03"][:-1].sum())


# --- snapshot age -------------------------------------------------------------------------


def test_an_old_snapshot_is_noted(tmp_path):
    r = close(HANDMADE, "2025-03-31", write=False)  # the 2024-12-31 snapshots are 90 days old
    assert not [n for n in r.notes if "snapshot" in n]
    r = close(HANDMADE, "2025-06-30", write=False)
    assert ("assets: the latest snapshot is as of 2024-12-31, 181 days before the valuation "
            "date (more than [snapshots] note_age_days = 92)") in r.notes
    assert any(n.startswith("liabilities: the latest snapshot is as of 2024-12-31") for n in r.notes)
    # the limit itself still closes: 2024-12-31 + 731 days
    r = close(HANDMADE, "2027-01-01", write=False)
    assert any("731 days before" in n for n in r.notes)


def test_a_too_old_snapshot_is_refused_and_the_store_is_unchanged(stored, capsys):
    store, digest = stored
    code, _, err = run(capsys, "close", HANDMADE, "--valuation-date", "2027-01-02",
                       "--store", store)
    assert code == 2
    assert err.splitlines()[-2:] == [
        "reserva: assets: the latest snapshot is too old for a close at 2027-01-02",
        "reserva: assets column as_of_date: value '2024-12-31', expected a snapshot at most 731 "
        "days ([snapshots] max_age_days) before the valuation date 2027-01-02; the latest is 732 "
        "days before (fix: add a snapshot as of the valuation date to assets, or close an "
        "earlier date)",
    ]
    assert _digest(store) == digest


def test_a_date_before_the_first_snapshot_is_noted(tmp_path):
    pack = _copy(tmp_path)
    r = close(pack, "2024-02-29", write=False)
    assert ("assets: no snapshot on or before the valuation date (the first is as of "
            "2024-03-31): none in the balance sheet") in r.notes
    assert r.balance.value("B01", "ALL") == 0.0


def test_a_valuation_date_outside_the_input_window_is_refused():
    with pytest.raises(InputError) as exc:
        close(HANDMADE, "2201-01-01", write=False)
    assert "from 1900-01-01 to 2200-12-31" in exc.value.lines()[1]
    with pytest.raises(InputError):
        close(HANDMADE, "not a date", write=False)
    with pytest.raises(InputError) as exc:  # the UPR spot check takes the same window
        spot_upr(HANDMADE, "9999-12-31")
    assert "from 1900-01-01 to 2200-12-31" in exc.value.lines()[1]


# --- triangles bounded by [ibnr] max_origin_years -----------------------------------------


def test_claims_before_the_first_origin_are_left_out_and_noted(tmp_path):
    pack = _copy(tmp_path)
    _append(pack / "policies.csv",
            "P13,M13,H11,LOAN,2022-03-01,2027-02-28,500.00,single,50.00,8000,1970-01-01,F,claimed,,")
    _append(pack / "claims.csv",
            "C07,P13,M13,LOAN,2022-05-01,2022-06-01,,,open,8000,0,8000,death,")
    one_year = edited_set(tmp_path / "set", settings=lambda t: t.replace(
        "max_origin_years = 10", "max_origin_years = 1"))
    r = close(pack, "2024-12-31", assumptions=one_year, write=False)
    assert r.ibnr.triangle.n_origins == 4
    assert str(r.ibnr.triangle.origin_start[0]) == "2024-01-01"
    assert r.triangles["reported"].cumulative.shape[1] == 4
    assert ("1 claims with an event before the first origin period 2024-01-01 are left out of the "
            "IBNR and claims triangles (LOAN 1); the triangles start at the earliest policy, at "
            "most [ibnr] max_origin_years = 1 years back; their reported claims still count in "
            "the OCS") in r.notes
    loan = r.products.index("LOAN")
    assert r.closing.ocs[loan] == pytest.approx(8000 + 9000)  # C07 and C06, both open
    # with the default 10 years the triangle reaches back to 2022Q1 and nothing is left out
    r10 = close(pack, "2024-12-31", write=False)
    assert r10.ibnr.triangle.n_origins == 12
    assert not [n for n in r10.notes if "left out of the IBNR" in n]


_MEMORY_PROBE = textwrap.dedent("""\
    import json, resource, sys
    limit = int(sys.argv[3])
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from reserva.cli import main
    code = main(["close", sys.argv[1], "--valuation-date", sys.argv[2],
                 "--store", sys.argv[4], "--quiet"])
    peak = [int(x.split()[1]) * 1024 for x in open("/proc/self/status") if x.startswith("VmPeak")]
    print(json.dumps({"code": code, "vm_peak": peak[0] if peak else 0}))
""")


def _close_in_subprocess(pack: Path, date: str, limit: int, store: Path) -> tuple[dict, str]:
    proc = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(pack), date, str(limit),
                           str(store)], capture_output=True, text=True, timeout=600)
    lines = proc.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else \
        {"code": proc.returncode, "vm_peak": 0}
    return result, proc.stderr


def _with_start(src: Path, dst: Path, start: str) -> Path:
    """A copy of the pack whose first policy without claims starts on ``start``."""
    shutil.copytree(src, dst)
    with (dst / "policies.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    with (dst / "claims.csv").open(newline="") as f:
        claimed = {r["policy_id"] for r in csv.DictReader(f)}
    col = rows[0].index("start_date")
    k = next(i for i, r in enumerate(rows[1:], 1) if r[0] not in claimed)
    rows[k][col] = start
    with (dst / "policies.csv").open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return dst


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc for VmPeak")
def test_an_absurd_early_date_closes_within_the_memory_of_a_normal_close(tmp_path):
    """One policy starting in 1900 (inside the input window) or in 1000 (outside it) must not
    widen the triangles: the close ends with exit 0 or 2 under an address-space limit 10%
    above the peak of the same pack's normal close (before the fix, 1000-01-01 asked for
    tens of GB, 1900-01-01 for about 13% more than the normal close at this size)."""
    data = tmp_path / "sample"
    write_sample(data, policies=3000, seed=17)
    normal, err = _close_in_subprocess(data, "2025-12-31", 0, tmp_path / "n.duckdb")
    assert normal["code"] == 0 and normal["vm_peak"] > 0, err
    limit = int(normal["vm_peak"] * 1.10)
    for start, allowed in (("1900-01-01", (0,)), ("1000-01-01", (0, 2))):
        pack = _with_start(data, tmp_path / start, start)
        got, err = _close_in_subprocess(pack, "2025-12-31", limit, tmp_path / f"{start}.duckdb")
        assert got["code"] in allowed, (start, err)
        assert "Traceback" not in err and "internal error" not in err


# --- computation errors name the stage, the product and the policy ------------------------


def test_an_unexpected_stage_failure_is_a_computation_error(stored, capsys, monkeypatch):
    store, digest = stored
    monkeypatch.delenv("RESERVA_DEBUG", raising=False)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(close_module, "compute_alr", broken)
    code, _, err = run(capsys, "close", HANDMADE, "--valuation-date", "2024-06-30",
                       "--store", store)
    assert code == 4
    assert err.splitlines()[-1].startswith("reserva: close of 2024-06-30: stage accrued failed: ZeroDivisionError: "
                          "float division by zero; nothing was stored")
    assert "Traceback" not in err
    assert _digest(store) == digest


def test_a_non_finite_result_names_the_product_and_the_policy(monkeypatch):
    real = close_module.compute_upr

    def nan_for_p06(parr, ps, v):
        r = real(parr, ps, v)
        upr = r.upr.copy()
        upr[list(r.policy_id).index("P06")] = np.nan
        return dataclasses.replace(r, upr=upr)

    monkeypatch.setattr(close_module, "compute_upr", nan_for_p06)
    with pytest.raises(ComputationError) as exc:
        close(HANDMADE, "2024-03-31", write=False)
    assert str(exc.value).startswith(
        "stage upr: a result is not finite (nan) for product HOSP, policy P06 (1 in all)")


def test_a_non_finite_statement_line_names_the_product(monkeypatch):
    real = close_module.balance_sheet

    def inf_for_loan(lines, columns):
        st = real(lines, columns)
        values = st.values.copy()
        values[st.codes.index("B01"), list(columns).index("LOAN")] = np.inf
        return dataclasses.replace(st, values=values)

    monkeypatch.setattr(close_module, "balance_sheet", inf_for_loan)
    with pytest.raises(ComputationError, match="statements: balance line B01 is not finite "
                                               r"\(inf\) for product LOAN"):
        close(HANDMADE, "2024-03-31", write=False)


def test_the_first_date_of_a_multi_date_close_times_the_reading_of_the_pack(monkeypatch):
    """The pack is read once for all dates: its reading is in the first date's read and total
    (a close's timings are honest about where the time went)."""
    import time

    import reserva.pipeline as close_module

    real = close_module.read_pack

    def slow_read(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(close_module, "read_pack", slow_read)
    from reserva.batch import close_many

    first, second = close_many(HANDMADE, ["2024-03-31", "2024-06-30"], write=False)
    assert first.timings["read"] >= 0.3 and first.timings["total"] >= first.timings["read"]
    assert second.timings["read"] < 0.3
