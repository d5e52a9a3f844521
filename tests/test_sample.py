"""The sample data pack (``reserva sample``): deterministic, schema-shaped, internally consistent.

Targets checked here are the sample programme's design (the handbook's five sample products,
E2, spec section 8 row 34): expense ratios by product, every exit reason code, claims with the
A <= B <= C <= D dates of the timeliness clock (E2 L2434-2447), nothing after the extract date,
and the individual life and endowment product as level-premium endowments whose net premium
reserve (spec §3.6-3.7, E2 Table 9) is the ALR the generator sizes its accounts with; the
individual health product carries the health-fund inputs of spec §1B (USB L48-222).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reserva.errors import AssumptionError, InputError
from reserva.io.schema import TABLES_BY_NAME
from reserva.reserves.accrued.life import commutation, policy_values
from reserva.sample import write_sample
from reserva.sample.generate import TABLE_ORDER
from reserva.sample.programme import load_programme

VALUATION = pd.Timestamp("2025-12-31")
QUARTER_ENDS = pd.date_range("2021-03-31", "2025-12-31", freq="QE")
SMALL = 3000
LIFE = ("CL", "LS", "ILE", "GL")  # products with a death benefit
SAVINGS = ("LS",)
ENDOWMENT = ("ILE",)  # products with level-premium life contracts (life_policies)
# SOA Standard Ultimate Life Table: Makeham A, B, c, ages 0..120 with q_120 = 1, at 5% (Dickson,
# Hardy & Waters, AMLCR 2nd ed. 2013, Appendix D): the default basis of the kind endowment
SULT_LAW, SULT_AGES, SULT_RATE = (0.00022, 2.7e-6, 1.124), (0, 120), 0.05


def _read(folder: Path, table: str) -> pd.DataFrame:
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    spec = TABLES_BY_NAME[table]
    for c in spec.columns:
        if c.type == "date":
            frame[c.name] = pd.to_datetime(frame[c.name].replace("", None), format="%Y-%m-%d")
        elif c.type in ("money", "float", "int"):
            frame[c.name] = pd.to_numeric(frame[c.name].replace("", None))
        else:
            frame[c.name] = frame[c.name].mask(frame[c.name] == "")
    return frame


class Pack:
    def __init__(self, folder: Path, summary):
        self.folder = folder
        self.summary = summary
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in self._cache:
            self._cache[table] = _read(self.folder, table)
        return self._cache[table]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Pack:
    folder = tmp_path_factory.mktemp("small")
    return Pack(folder, write_sample(folder, policies=SMALL))


@pytest.fixture(scope="module")
def default(tmp_path_factory) -> Pack:
    """The default pack (20,000 policy rows): enough deaths for every life product."""
    folder = tmp_path_factory.mktemp("default")
    return Pack(folder, write_sample(folder))


# ---------------------------------------------------------------- determinism and shape


def test_same_arguments_write_identical_bytes(small, tmp_path):
    again = write_sample(tmp_path, policies=SMALL)
    for table in TABLE_ORDER:
        assert (tmp_path / f"{table}.csv").read_bytes() == (small.folder / f"{table}.csv").read_bytes(), table
    assert dict(again.rows) == dict(small.summary.rows)


def test_another_seed_writes_other_data(small, tmp_path):
    write_sample(tmp_path, policies=SMALL, seed=7)
    for table in ("policies", "claims", "exits", "savings_accounts", "ledger", "funding"):
        assert (tmp_path / f"{table}.csv").read_bytes() != (small.folder / f"{table}.csv").read_bytes(), table


def test_every_file_has_the_schema_columns_in_order(small):
    for table in TABLE_ORDER:
        lines = (small.folder / f"{table}.csv").read_text().splitlines()
        assert lines[0].split(",") == [c.name for c in TABLES_BY_NAME[table].columns], table
        assert len(lines) - 1 == small.summary.rows[table], table


def test_policy_rows_match_the_requested_count(small):
    assert abs(len(small["policies"]) - SMALL) <= SMALL // 100
    assert small.summary.rows["policies"] == len(small["policies"])


def test_cells_are_iso_dates_and_money_with_two_decimals(small):
    iso = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
    cents = re.compile(r"-?\d+\.\d{2}\Z")
    for table in TABLE_ORDER:
        raw = pd.read_csv(small.folder / f"{table}.csv", dtype=str, keep_default_na=False)
        for c in TABLES_BY_NAME[table].columns:
            cells = raw[c.name][raw[c.name] != ""]
            if c.type == "date":
                assert cells.map(lambda x: bool(iso.match(x))).all(), (table, c.name)
            elif c.type == "money":
                assert cells.map(lambda x: bool(cents.match(x))).all(), (table, c.name)
            if not c.nullable:
                assert len(cells) == len(raw), f"{table}.{c.name} has empty cells"


def test_bad_arguments_raise_one_input_error(tmp_path):
    with pytest.raises(InputError) as err:
        write_sample(tmp_path, policies=0, valuation_date="2025-13-01")
    assert {c.file for c in err.value.cells} == {"policies", "valuation_date"}
    with pytest.raises(InputError):
        write_sample(tmp_path, history_start="2025-01-01", valuation_date="2024-12-31")
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_rewritten_folder_holds_one_pack(tmp_path):
    (tmp_path / "claim_payments.csv").write_text("claim_id,payment_date,amount\nC9,2024-01-01,5\n")
    (tmp_path / "policies.parquet").write_bytes(b"old")
    write_sample(tmp_path, policies=200)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.csv" for t in TABLE_ORDER)


def test_a_life_table_without_a_term_plan_is_refused(tmp_path):
    source = resources.files("reserva.sample").joinpath(load_programme().source).read_text()
    assert 'plan = "endowment"' in source
    whole = tmp_path / "programme.toml"
    whole.write_text(source.replace('plan = "endowment"', 'plan = "whole_life"'))
    with pytest.raises(AssumptionError, match="ILE.life"):
        load_programme(whole)


def test_numbers_come_from_the_programme_file(tmp_path):
    source = resources.files("reserva.sample").joinpath(load_programme().source).read_text()
    assert "claim_frequency = 0.5 " in source
    doubled = tmp_path / "programme.toml"
    doubled.write_text(source.replace("claim_frequency = 0.5 ", "claim_frequency = 1.0 "))
    base = write_sample(tmp_path / "base", policies=SMALL)
    more = write_sample(tmp_path / "more", policies=SMALL, programme=doubled)
    he = [(_read(p.out_dir, "claims")["product_id"] == "HE").sum() for p in (base, more)]
    assert 1.6 < he[1] / he[0] < 2.4


# ---------------------------------------------------------------- policies, claims, exits


def test_ids_are_unique(default):
    assert default["policies"]["policy_id"].is_unique
    assert default["claims"]["claim_id"].is_unique
    assert default["products"]["product_id"].is_unique
    assert not default["savings_accounts"].duplicated(["account_id", "balance_date"]).any()
    assert not default["assets"].duplicated(["as_of_date", "asset_id"]).any()
    assert not default["liabilities"].duplicated(["as_of_date", "liability_id"]).any()
    assert not default["ledger"].duplicated(["product_id", "period_end", "line"]).any()
    assert not default["exits"].duplicated(["member_id", "product_id"]).any()


def test_nothing_happens_after_the_valuation_date(default):
    happened = {
        "policies": ("start_date", "cancel_date"),
        "claims": ("event_date", "report_date", "decision_date", "receipt_date"),
        "exits": ("exit_date",),
        "savings_accounts": ("balance_date",),
        "ledger": ("period_end",),
        "assets": ("as_of_date",),
        "liabilities": ("as_of_date",),
        "targets": ("period_end",),
        "funding": ("funding_date",),
    }
    for table, columns in happened.items():
        for column in columns:
            assert (default[table][column].dropna() <= VALUATION).all(), (table, column)


def test_claim_dates_run_event_report_decision_receipt(default):
    c = default["claims"]
    assert (c["report_date"] >= c["event_date"]).all()
    decided = c["decision_date"].notna()
    assert (c.loc[decided, "decision_date"] >= c.loc[decided, "report_date"]).all()
    received = c["receipt_date"].notna()
    assert not (received & ~decided).any()
    assert (c.loc[received, "receipt_date"] >= c.loc[received, "decision_date"]).all()


def test_claims_fall_inside_the_term_of_an_existing_policy(default):
    c = default["claims"].merge(default["policies"], on="policy_id", how="left",
                                suffixes=("", "_policy"), indicator=True)
    assert (c["_merge"] == "both").all()
    assert (c["member_id"] == c["member_id_policy"]).all()
    assert (c["product_id"] == c["product_id_policy"]).all()
    assert ((c["event_date"] >= c["start_date"]) & (c["event_date"] <= c["end_date"])).all()
    cut = c["cancel_date"].notna()
    assert (c.loc[cut, "event_date"] <= c.loc[cut, "cancel_date"]).all()


def test_claim_status_agrees_with_dates_and_amounts(default):
    c = default["claims"]
    open_ = c["status"] == "open"
    assert c.loc[open_, ["decision_date", "receipt_date"]].isna().all().all()
    assert (c.loc[open_, "paid_amount"] == 0).all()
    assert (c.loc[open_, "case_reserve"] - (0.9 * c.loc[open_, "claimed_amount"]).round(2)).abs().max() < 0.011
    assert c.loc[~open_, "decision_date"].notna().all()
    assert c.loc[~open_, "case_reserve"].isna().all()
    assert (c.loc[c["status"] == "rejected", "paid_amount"] == 0).all()
    paid = c[c["status"] == "paid"]
    assert (paid["paid_amount"] == paid["claimed_amount"]).all()
    partial = c[c["status"] == "partial"]
    assert ((partial["paid_amount"] > 0) & (partial["paid_amount"] < partial["claimed_amount"])).all()
    he = c[c["product_id"] == "HE"]
    decided = he[he["status"] != "open"]
    # health: about 8% rejected and 10% partially paid (programme.toml)
    assert 0.04 < (decided["status"] == "rejected").mean() < 0.12
    assert 0.06 < (decided["status"] == "partial").mean() < 0.14


def test_policy_status_agrees_with_the_dates(default):
    p = default["policies"]
    assert (p["end_date"] >= p["start_date"]).all()
    assert (p["written_premium"] >= 0).all() and (p["sum_insured"] > 0).all()
    status = p["status"]
    active = status == "active"
    assert ((p.loc[active, "start_date"] <= VALUATION) & (p.loc[active, "end_date"] >= VALUATION)).all()
    assert (p.loc[status == "expired", "end_date"] < VALUATION).all()
    cut = status.isin(["cancelled", "lapsed"])
    assert p.loc[cut, "cancel_date"].notna().all() and p.loc[~cut, "cancel_date"].isna().all()
    assert p.loc[cut, "refund"].notna().all() and p.loc[~cut, "refund"].isna().all()
    q = p[cut]
    assert ((q["cancel_date"] > q["start_date"]) & (q["cancel_date"] <= q["end_date"])).all()
    assert (q["refund"] <= q["written_premium"]).all()
    assert (p.loc[status == "lapsed", "refund"] == 0).all()
    # refunds: pro-rata unearned premium for CL and HE, nothing for LS, ILE and GL
    refund = p[status == "cancelled"].groupby("product_id")["refund"]
    assert (refund.max()[["CL", "HE"]] > 0).all() and (refund.max()[["LS", "ILE", "GL"]] == 0).all()
    share = (p["commission"] / p["written_premium"]).groupby(p["product_id"]).median()
    assert share[["LS", "ILE", "HE"]].between(0.10, 0.20).all()  # voluntary products
    claimed = set(p.loc[status == "claimed", "policy_id"])
    c = default["claims"]
    assert claimed <= set(c.loc[c["product_id"].isin(LIFE), "policy_id"])


def test_a_members_terms_form_a_chain_ending_at_the_exit(default):
    p = default["policies"].sort_values(["member_id", "product_id", "start_date"])
    same = (p["member_id"].values[1:] == p["member_id"].values[:-1]) & (
        p["product_id"].values[1:] == p["product_id"].values[:-1])
    gap = (p["start_date"].values[1:] - p["end_date"].values[:-1])[same]
    assert (gap == np.timedelta64(1, "D")).all()  # renewal: start = previous end + 1 day
    assert not p.iloc[:-1][same]["status"].isin(["active", "cancelled", "lapsed", "claimed"]).any()
    last = p.groupby(["member_id", "product_id"]).tail(1)
    e = default["exits"].merge(last, on=["member_id", "product_id"], how="left", indicator=True)
    assert (e["_merge"] == "both").all()
    assert ((e["exit_date"] >= e["start_date"]) & (e["exit_date"] <= e["end_date"])).all()
    assert not (e["status"] == "active").any()
    ended = last[last["status"] != "active"]
    exited = ended.merge(default["exits"], on=["member_id", "product_id"], how="left")
    assert exited["exit_date"].notna().all()  # every chain that ended has its exit


def test_deaths_in_life_products_come_with_a_death_claim(default):
    e = default["exits"]
    deaths = e[(e["reason"] == "death") & e["product_id"].isin(LIFE)]
    c = default["claims"]
    found = deaths.merge(c, left_on=["member_id", "product_id", "exit_date"],
                         right_on=["member_id", "product_id", "event_date"], how="left")
    assert found["claim_id"].notna().all()
    assert len(deaths) > 0
    # some members die after a renewal, during a renewed term
    p = default["policies"]
    first = p.groupby(["member_id", "product_id"])["start_date"].transform("min")
    renewed = set(p.loc[p["start_date"] > first, "policy_id"])
    assert found["policy_id"].isin(renewed).any()


def test_exits_use_every_reason_code(small):
    assert {"death", "max_age", "lapse", "migration", "unknown"} <= set(small["exits"]["reason"])


def test_members_enter_aged_18_to_65_with_one_birth_date_and_sex(default):
    p = default["policies"]
    first = p.sort_values("start_date").groupby(["member_id", "product_id"]).head(1)
    age = (first["start_date"] - first["birth_date"]).dt.days / 365.2425
    assert age.between(18, 66).all()
    assert (p.groupby("member_id")[["birth_date", "sex"]].nunique() == 1).all().all()
    assert (p.groupby("member_id")["product_id"].nunique() > 1).any()  # some hold several products
    gl = p[p["product_id"] == "GL"]
    # group life members carry their employer group; the sample has no households
    assert gl["member_group"].str.match(r"G\d{5}$").all() and p["household_id"].isna().all()


def test_every_product_has_policies_claims_and_ledger_in_every_quarter(default):
    p, c, led = default["policies"], default["claims"], default["ledger"]
    assert list(default["products"]["product_id"]) == ["CL", "LS", "ILE", "HE", "GL"]
    for product in default["products"]["product_id"]:
        q = p[p["product_id"] == product]
        for d in QUARTER_ENDS:
            in_force = (q["start_date"] <= d) & (q["end_date"] >= d) & ~(q["cancel_date"] <= d)
            assert in_force.any(), (product, d)
        assert set(led.loc[led["product_id"] == product, "period_end"]) == set(QUARTER_ENDS)
        assert (c["product_id"] == product).any(), product
    # health claims are frequent: reported in every quarter (life deaths are too rare for that)
    he = c[c["product_id"] == "HE"]
    assert set(he["report_date"].dt.to_period("Q")) == set(QUARTER_ENDS.to_period("Q"))


def test_growth_of_the_insured_is_positive_each_year(default):
    p = default["policies"]
    for product in default["products"]["product_id"]:
        q = p[p["product_id"] == product]
        counts = [((q["start_date"] <= d) & (q["end_date"] >= d) & ~(q["cancel_date"] <= d)).sum()
                  for d in pd.to_datetime([f"{y}-12-31" for y in range(2021, 2026)])]
        assert all(b > a for a, b in zip(counts, counts[1:], strict=False)), (product, counts)


# ---------------------------------------------------------------- savings, accounts, assets


def test_savings_accounts_belong_to_savings_products_and_close_at_the_exit(default):
    s = default["savings_accounts"]
    assert set(s["product_id"]) == set(SAVINGS)
    assert (s["balance"] >= 0).all() and s["credited_rate"].between(0.04, 0.06).all()
    assert (s.groupby("account_id")[["member_id", "product_id"]].nunique() == 1).all().all()
    last = s.sort_values("balance_date").groupby("account_id").tail(1)
    e = default["exits"]
    closed = last.merge(e, on=["member_id", "product_id"], how="inner")
    assert len(closed) > 0
    assert ((closed["balance"] == 0) & (closed["balance_date"] == closed["exit_date"])).all()
    open_ = last.merge(e, on=["member_id", "product_id"], how="left")
    open_ = open_[open_["exit_date"].isna()]
    assert (open_["balance"] > 0).all()
    assert set(s["balance_date"].dt.day) >= {1}
    quarter_rows = s[s["balance_date"].dt.is_quarter_start]
    assert len(quarter_rows) > len(s) / 2  # balances are quarterly, plus openings and closings


def test_ledger_lines_by_product(default):
    led = default["ledger"]
    lines = led.groupby("product_id")["line"].agg(set)
    assert {p for p, s in lines.items() if "reinsurance_recoveries" in s} == {"CL", "GL"}
    assert {p for p, s in lines.items() if "membership_fees" in s} == {"LS", "HE"}
    assert {p for p, s in lines.items() if "donations" in s} == {"HE"}
    assert (led["amount"] >= 0).all()


def _earned_premium(p: pd.DataFrame) -> pd.Series:
    """Earned premium over the history per product: written - refund, cut at the cancel day
    (a simple full-history total: E2 L1301-1323, EP = premium income - change in UPR)."""
    days = (p["end_date"] - p["start_date"]).dt.days + 1
    upto = p["cancel_date"].fillna(p["end_date"] + pd.Timedelta(days=1)) - pd.Timedelta(days=1)
    upto = upto.clip(upper=VALUATION)
    share = (((upto - p["start_date"]).dt.days + 1) / days).clip(0, 1)
    cut = p["cancel_date"].notna()
    earned = np.where(cut, 0.0, p["written_premium"] * share)
    # cancelled terms: earned up to the cancel day = the premium kept
    kept = p["written_premium"] * share - p["refund"].fillna(0)
    earned = np.where(cut, np.maximum(kept, 0), earned)
    return pd.Series(earned, index=p.index).groupby(p["product_id"]).sum()


def test_expense_ratios_land_in_the_programme_ranges(default):
    # incurred expense ratio = P16 / P02 (E2 L1113-1114): operating lines + net reinsurance
    led = default["ledger"]
    sign = {"personnel": 1, "administration": 1, "distribution": 1, "other_operating": 1,
            "claims_handling": 1, "reinsurance_premium": 1, "reinsurance_recoveries": -1}
    x = led[led["line"].isin(sign)]
    expenses = (x["amount"] * x["line"].map(sign)).groupby(x["product_id"]).sum()
    ratio = expenses / _earned_premium(default["policies"])
    ranges = {"CL": (0.15, 0.25), "LS": (0.20, 0.35), "ILE": (0.30, 0.60), "HE": (0.35, 0.80),
              "GL": (0.10, 0.25)}
    for product, (lo, hi) in ranges.items():
        assert lo <= ratio[product] <= hi, (product, ratio[product])


def test_assets_keep_their_ids_and_mix(default):
    a = default["assets"]
    assert set(a["as_of_date"]) == set(QUARTER_ENDS)
    assert a["product_id"].isna().all()
    fixed = ["asset_class", "face", "coupon_rate", "coupon_frequency", "maturity_date", "rating"]
    held = a[a["asset_class"].isin(["deposit", "government_bond"])]
    assert (held.groupby("asset_id")[fixed].nunique(dropna=False) == 1).all().all()
    assert (held["maturity_date"] > held["as_of_date"]).all()
    assert (a.loc[a["asset_class"] == "real_estate", "admitted_fraction"] == 0.5).all()
    assert (a.loc[a["asset_class"] == "fixed_assets", "admitted_fraction"] == 0).all()
    assert (a.loc[a["asset_class"] == "government_bond", "coupon_frequency"] == 2).all()
    last = a[a["as_of_date"] == VALUATION]
    share = last.groupby("asset_class")["book_value"].sum() / last["book_value"].sum()
    assert 0.05 <= share["real_estate"] <= 0.08


def test_liabilities_fall_due_within_a_year(default):
    li = default["liabilities"]
    assert set(li["as_of_date"]) == set(QUARTER_ENDS)
    wait = (li["due_date"] - li["as_of_date"]).dt.days
    assert wait.between(0, 366).all()
    assert {"payable", "insurance_obligation", "reinsurance_payable"} <= set(li["kind"])


def test_targets_are_three_to_eight_times_the_insured(default):
    p, t = default["policies"], default["targets"]
    for row in t.itertuples():
        q = p[p["product_id"] == row.product_id]
        n = ((q["start_date"] <= row.period_end) & (q["end_date"] >= row.period_end)
             & ~(q["cancel_date"] <= row.period_end)).sum()
        assert 2.9 * n <= row.target_population <= 8.1 * n + 1, (row.product_id, row.period_end)


def test_the_pack_passes_read_pack(default):
    from reserva.io.readers import read_pack

    pack = read_pack(default.folder)
    for table in TABLE_ORDER:
        assert len(pack[table]) == default.summary.rows[table], table


# ---------------------------------------------------------------- level-premium life contracts


def _sult_q() -> np.ndarray:
    """q_x = 1 - exp(-A - B c^x (c - 1) / ln c), q_120 = 1 (AMLCR §2.6, Appendix D)."""
    a, b, c = SULT_LAW
    x = np.arange(SULT_AGES[0], SULT_AGES[1] + 1, dtype=np.float64)
    q = 1.0 - np.exp(-a - b * c**x * (c - 1.0) / np.log(c))
    q[-1] = 1.0
    return q


def _duration(issue: pd.Timestamp, valuation: pd.Timestamp) -> float:
    """h + s at the end of the valuation day: h whole policy years, s the elapsed share of the
    current policy year in days (anniversaries by calendar date, Feb 29 -> Feb 28)."""
    end = valuation + pd.Timedelta(days=1)
    h = 0
    while issue + pd.DateOffset(years=h + 1) <= end:
        h += 1
    start, nxt = issue + pd.DateOffset(years=h), issue + pd.DateOffset(years=h + 1)
    return h + (end - start).days / (nxt - start).days


def test_life_policies_are_the_endowment_terms(small):
    lp, p = small["life_policies"], small["policies"]
    assert set(lp["product_id"]) == set(ENDOWMENT) and len(lp) > 0
    assert lp["policy_id"].is_unique
    ile = p[p["product_id"].isin(ENDOWMENT)]
    assert sorted(lp["policy_id"]) == sorted(ile["policy_id"])
    m = lp.merge(ile, on="policy_id", suffixes=("", "_policy"), validate="one_to_one")
    assert (m["member_id"] == m["member_id_policy"]).all()
    assert (m["product_id"] == m["product_id_policy"]).all()
    assert (m["plan"] == "endowment").all() and (m["premium_mode"] == "annual").all()
    assert (m["issue_date"] == m["start_date"]).all()
    assert (m["sum_insured"] == m["sum_insured_policy"]).all()
    anniversary = [s + pd.DateOffset(years=int(n)) for s, n in zip(m["start_date"], m["term_years"],
                                                                    strict=True)]
    assert (pd.Series(anniversary) - pd.Timedelta(days=1) == m["end_date"]).all()  # whole years
    assert (m["premium_years"] == m["term_years"]).all()
    assert ((m["gross_premium"] - m["written_premium"] / m["term_years"]).abs() <= 0.005 + 1e-9).all()
    # completed years at the start, years of 365.2425 days (the programme's age convention)
    assert (m["issue_age"] == ((m["start_date"] - m["birth_date"]).dt.days // 365.2425)).all()
    assert (m["issue_age"] + m["term_years"] <= SULT_AGES[1] + 1).all()


def test_life_contracts_exit_on_the_early_end_of_their_term(small):
    lp, p, c = small["life_policies"], small["policies"], small["claims"]
    m = lp.merge(p, on="policy_id", suffixes=("", "_policy"))
    death = c.groupby("policy_id")["event_date"].min()
    event = m["cancel_date"].where(m["status"].isin(["cancelled", "lapsed"]))
    event = event.fillna(m["policy_id"].map(death).where(m["status"] == "claimed"))
    expected = event.where(event < m["end_date"])
    assert ((m["exit_date"] == expected) | (m["exit_date"].isna() & expected.isna())).all()
    assert (m["exit_date"].dropna() <= VALUATION).all()
    assert m["exit_date"].notna().any() and m["exit_date"].isna().any()
    assert set(m.loc[m["exit_date"].notna(), "status"]) >= {"claimed", "lapsed"}


def _net_premium_alr(lp: pd.DataFrame, valuation: pd.Timestamp) -> tuple[float, int, int]:
    """(ALR, contracts valued, contracts matured) recomputed from life_policies.csv: the sum over
    the contracts in force at v of the net premium reserve tV of an endowment (spec §3.6-3.7,
    E2 Table 9; AMLCR ch. 7); in force from issue until exit (exclusive) and until maturity."""
    live = lp[(lp["issue_date"] <= valuation) & ~(lp["exit_date"] <= valuation)].copy()
    live["t"] = [_duration(d, valuation) for d in live["issue_date"]]
    matured = int((live["t"] >= live["term_years"]).sum())
    live = live[live["t"] < live["term_years"]]
    cm = commutation(_sult_q(), SULT_AGES[0], SULT_RATE)
    si = live["sum_insured"].to_numpy()
    values = policy_values(cm, live["issue_age"].to_numpy(), live["term_years"].to_numpy(),
                           live["premium_years"].to_numpy(), si, si, 1, live["t"].to_numpy())
    assert (values.reserve > 0).all() and (values.reserve < si).all()
    return float(values.reserve.sum()), len(live), matured


def test_generator_alr_is_the_net_premium_reserve_of_the_written_contracts(small):
    alr, valued, _ = _net_premium_alr(small["life_policies"], VALUATION)
    assert valued > 50
    assert small.summary.alr["ILE"] == pytest.approx(alr, abs=0.01)  # money: cents
    assert small.summary.alr["LS"] > 0  # savings accounts stay with life savings


def test_matured_contracts_leave_the_generator_alr(tmp_path):
    # a longer history: the 5- to 10-year terms started before 2016 have matured by the valuation
    summary = write_sample(tmp_path, policies=1500, history_start="2014-01-01")
    alr, valued, matured = _net_premium_alr(_read(tmp_path, "life_policies"), VALUATION)
    assert valued > 20 and matured > 5
    assert summary.alr["ILE"] == pytest.approx(alr, abs=0.01)


def test_generator_alr_is_what_the_close_computes(small):
    # the close's ALR of the pack on the default assumption set (endowment: savings+net_premium)
    from reserva.io.arrays import day
    from reserva.io.assumptions import load_assumptions
    from reserva.io.bundles import bundle
    from reserva.io.readers import read_pack
    from reserva.reserves.accrued.alr import compute_alr

    pack = read_pack(small.folder, tables=("products", "life_policies"))
    products = pack["products"]
    result = compute_alr(bundle(pack), products["product_id"].to_numpy(), products["kind"].to_numpy(),
                         load_assumptions("default"), day(VALUATION))
    ile = list(products["product_id"]).index("ILE")
    assert result.life[ile] == pytest.approx(small.summary.alr["ILE"], abs=0.01)


def test_the_programme_values_its_contracts_on_the_default_basis_of_the_kind():
    from reserva.io.assumptions import load_assumptions

    a = load_assumptions("default")
    for product in load_programme().products:
        if "life" not in product.params:
            continue
        life = product["life"]
        basis = a.life(product["kind"])
        table = a.mortality[basis.mortality_table]
        assert table.source == "makeham"
        assert tuple(life["makeham"]) == pytest.approx(table.law, rel=1e-12)
        assert (life["min_age"], life["max_age"]) == (table.min_age, table.max_age)
        assert life["interest_rate"] == pytest.approx(basis.interest_rate, rel=1e-12)
        assert a.basis(product["kind"]).alr_method.endswith("net_premium")


# ---------------------------------------------------------------- health-fund inputs (spec §1B)

HEALTH = ("HE",)
HEALTH_POLICY_COLUMNS = ("relationship", "member_group")
HEALTH_CLAIM_COLUMNS = ("benefit_category", "limit_reached")


def _health() -> dict:
    return dict(load_programme().product("HE")["health"])


def _programme_text() -> str:
    return resources.files("reserva.sample").joinpath(load_programme().source).read_text()


def _earned_by_period(p: pd.DataFrame, starts: pd.DatetimeIndex, ends: pd.DatetimeIndex) -> np.ndarray:
    """Earned premium per period [start, end]: W x days of the term earned in the period / term
    days, earned until the day before a cancellation or lapse (E2 L1301-1323: the UPR method
    earns pro rata by day; a pro-rata refund or an unpaid instalment leaves about that)."""
    first = p["start_date"].to_numpy()
    last = np.minimum(p["end_date"], p["cancel_date"].fillna(p["end_date"] + pd.Timedelta(days=1))
                      - pd.Timedelta(days=1)).to_numpy()
    term_days = ((p["end_date"] - p["start_date"]).dt.days + 1).to_numpy()
    written = p["written_premium"].to_numpy()
    out = []
    for a, b in zip(starts, ends, strict=True):
        lo, hi = np.maximum(first, a.to_datetime64()), np.minimum(last, b.to_datetime64())
        days = np.clip((hi - lo) / np.timedelta64(1, "D") + 1, 0, None)
        out.append(float((written * days / term_days).sum()))
    return np.array(out)


def test_health_columns_are_filled_for_the_health_product_only(small):
    h = _health()
    p, c = small["policies"], small["claims"]
    he_p, he_c = p["product_id"].isin(HEALTH), c["product_id"].isin(HEALTH)
    assert he_p.any() and he_c.any()
    others = ~he_p & (p["product_id"] != "GL")  # group life: member_group = the employer
    for column in HEALTH_POLICY_COLUMNS:
        assert p.loc[he_p, column].notna().all() and p.loc[others, column].isna().all(), column
    assert p.loc[p["product_id"] == "GL", "relationship"].isna().all()
    for column in HEALTH_CLAIM_COLUMNS:
        assert c.loc[he_c, column].notna().all() and c.loc[~he_c, column].isna().all(), column
    assert set(p.loc[he_p, "relationship"]) <= set(h["relationships"])
    assert set(p.loc[he_p, "member_group"]) <= set(h["member_groups"])
    assert set(c.loc[he_c, "benefit_category"]) <= set(h["benefit_categories"])
    assert set(small["funding"]["product_id"]) == set(HEALTH)
    assert set(small["plans"]["product_id"]) == set(HEALTH)


def test_relationship_and_group_are_drawn_once_per_member(default):
    h = _health()
    he = default["policies"][default["policies"]["product_id"].isin(HEALTH)]
    per_member = he.groupby("member_id")[list(HEALTH_POLICY_COLUMNS)].nunique()
    assert (per_member == 1).all().all()
    assert (he.groupby("member_id").size() > 1).any()  # members with renewals keep their tags
    members = he.groupby("member_id")[list(HEALTH_POLICY_COLUMNS)].first()
    assert len(members) > 1000
    for column, key in (("relationship", "relationships"), ("member_group", "member_groups")):
        share = members[column].value_counts(normalize=True)
        for name, probability in h[key].items():
            assert abs(share.get(name, 0.0) - probability) < 0.05, (column, name)


def test_benefit_categories_follow_the_programme_shares(default):
    c = default["claims"]
    share = c.loc[c["product_id"].isin(HEALTH), "benefit_category"].value_counts(normalize=True)
    for name, probability in _health()["benefit_categories"].items():
        assert abs(share.get(name, 0.0) - probability) < 0.04, name


def _limit_agrees(pack_folder: Path) -> pd.DataFrame:
    c = _read(pack_folder, "claims")
    p = _read(pack_folder, "policies")
    m = c[c["product_id"].isin(HEALTH)].merge(p[["policy_id", "sum_insured"]], on="policy_id")
    # the generator caps a health claim at the term's benefit limit (the sum insured)
    assert (m["claimed_amount"] <= m["sum_insured"]).all()
    reached = np.where(m["claimed_amount"] >= m["sum_insured"], "yes", "no")
    assert (m["limit_reached"].to_numpy() == reached).all()
    return m


def test_limit_reached_says_the_claim_exhausted_the_benefit_limit(small, tmp_path):
    _limit_agrees(small.folder)
    # a lower benefit limit makes the cap bind: both answers occur and still agree
    source = _programme_text()
    assert "sum_insured = { median = 3000.0, sigma = 0.0 }" in source
    low = tmp_path / "programme.toml"
    low.write_text(source.replace("sum_insured = { median = 3000.0, sigma = 0.0 }",
                                  "sum_insured = { median = 300.0, sigma = 0.0 }"))
    write_sample(tmp_path / "low", policies=SMALL, programme=low)
    m = _limit_agrees(tmp_path / "low")
    assert 0.05 < (m["limit_reached"] == "yes").mean() < 0.5


def test_funding_is_the_earned_premium_of_each_quarter_times_the_funding_ratio(default):
    lo, hi = _health()["funding_ratio"]
    f = default["funding"]
    assert list(f["funding_date"]) == list(QUARTER_ENDS)  # one row per quarter, at its end
    assert (f["amount"] > 0).all() and (f["source"] == _health()["funding_source"]).all()
    p = default["policies"]
    earned = _earned_by_period(p[p["product_id"].isin(HEALTH)], QUARTER_ENDS - pd.offsets.QuarterBegin(
        startingMonth=1), QUARTER_ENDS)
    ratio = f["amount"].to_numpy() / earned
    # tolerance: the reference earns pro rata to the cancel day (a refund floored to cents, an
    # unpaid instalment's month lengths) where the generator books the premium kept
    assert (ratio >= lo - 0.01).all() and (ratio <= hi + 0.01).all(), ratio
    assert ratio.max() - ratio.min() > (hi - lo) / 3  # a factor drawn per quarter


def _pending(c: pd.DataFrame, d: pd.Timestamp, reject_rate: float) -> float:
    """OCS + IBNR at the end of day d as the generator sizes them: claimed amounts of claims
    reported by d and undecided at d, plus (1 - reject rate) x claimed of claims occurred by d
    and reported later."""
    ocs = (c["report_date"] <= d) & ~(c["decision_date"] <= d)
    ibnr = (c["event_date"] <= d) & (c["report_date"] > d)
    return float(c.loc[ocs, "claimed_amount"].sum() + (1 - reject_rate) * c.loc[ibnr, "claimed_amount"].sum())


def test_plans_grow_the_previous_years_incurred_claims(default):
    h = _health()
    plans = default["plans"].reset_index(drop=True)
    years = list(range(2021, 2026))
    assert list(plans["period_start"]) == [pd.Timestamp(f"{y}-01-01") for y in years]
    assert list(plans["period_end"]) == [pd.Timestamp(f"{y}-12-31") for y in years]
    assert (plans["planned_claims"] > 0).all()
    p, c = default["policies"], default["claims"]
    he = p[p["product_id"].isin(HEALTH)]
    # first year: earned premium x plan_loss_ratio (tolerance 1%: the reference earns pro rata)
    earned = _earned_by_period(he, pd.DatetimeIndex(["2021-01-01"]), pd.DatetimeIndex(["2021-12-31"]))[0]
    assert plans["planned_claims"][0] == pytest.approx(earned * h["plan_loss_ratio"], rel=0.01)
    # later years: incurred claims of the year before = paid + change in (OCS + IBNR), x (1 + growth);
    # every claim of 2021-2024 is reported by the valuation date (report lags <= 120 days)
    hc = c[c["product_id"].isin(HEALTH)]
    reject = load_programme().product("HE")["reject_rate"]
    before = 0.0
    for k, y in enumerate(years[:-1]):
        end = pd.Timestamp(f"{y}-12-31")
        paid = hc.loc[hc["decision_date"].dt.year == y, "paid_amount"].sum()
        pending = _pending(hc, end, reject)
        expected = round((paid + pending - before) * (1 + h["plan_growth"]), 2)
        assert plans["planned_claims"][k + 1] == pytest.approx(expected, abs=0.011), y  # cents
        before = pending


def test_a_plan_after_a_partial_first_year_is_annualised(tmp_path):
    write_sample(tmp_path, policies=600, history_start="2023-07-01", valuation_date="2024-12-31")
    plans = _read(tmp_path, "plans")
    assert list(plans["period_start"]) == [pd.Timestamp("2023-07-01"), pd.Timestamp("2024-01-01")]
    c = _read(tmp_path, "claims")
    hc = c[c["product_id"].isin(HEALTH)]
    end = pd.Timestamp("2023-12-31")
    paid = hc.loc[hc["decision_date"] <= end, "paid_amount"].sum()
    incurred = paid + _pending(hc, end, load_programme().product("HE")["reject_rate"])
    days_2023 = (end - pd.Timestamp("2023-07-01")).days + 1
    expected = incurred * 365 / days_2023 * (1 + _health()["plan_growth"])
    assert plans["planned_claims"][1] == pytest.approx(expected, abs=0.011)


def test_a_programme_without_health_tables_writes_no_health_inputs(small, tmp_path):
    source = _programme_text()
    start = source.index("[products.HE.health]")
    end = source.index("[products.GL]")
    plain = tmp_path / "programme.toml"
    plain.write_text(source[:start] + source[end:])
    summary = write_sample(tmp_path / "pack", policies=SMALL, programme=plain)
    folder = summary.out_dir
    assert not (folder / "funding.csv").exists() and not (folder / "plans.csv").exists()
    for table, columns in (("policies", HEALTH_POLICY_COLUMNS), ("claims", HEALTH_CLAIM_COLUMNS)):
        plain_frame = _read(folder, table)
        tags = plain_frame[list(columns)]
        if table == "policies":  # group life keeps its employer group in member_group
            tags = tags[plain_frame["product_id"] != "GL"]
        assert tags.isna().all().all(), table
        # the health draws have their own stream: every other cell is the same as with them
        pd.testing.assert_frame_equal(plain_frame.drop(columns=list(columns)),
                                      small[table].drop(columns=list(columns)))
    for table in ("exits", "ledger", "assets", "liabilities", "targets", "savings_accounts"):
        assert (folder / f"{table}.csv").read_bytes() == (small.folder / f"{table}.csv").read_bytes(), table


def test_a_bad_health_table_is_refused(tmp_path):
    source = _programme_text()
    assert "parent = 0.05 }" in source
    bad = tmp_path / "programme.toml"
    bad.write_text(source.replace("parent = 0.05 }", "cousin = 0.05 }"))
    with pytest.raises(AssumptionError, match=r"HE\.health\] relationships.*cousin"):
        write_sample(tmp_path / "pack", policies=200, programme=bad)
    assert not (tmp_path / "pack").exists()  # refused before anything is written
    bad.write_text(source.replace("funding_ratio = [0.90, 1.05]", "funding_ratio = [1.05, 0.90]"))
    with pytest.raises(AssumptionError, match="funding_ratio"):
        write_sample(tmp_path / "pack", policies=200, programme=bad)


def test_the_health_inputs_pass_read_pack(small):
    from reserva.io.readers import read_pack

    pack = read_pack(small.folder)
    assert pack.has("funding") and pack.has("plans")
    assert len(pack["funding"]) == len(QUARTER_ENDS)
    he = pack["policies"][pack["policies"]["product_id"] == "HE"]
    assert he["relationship"].notna().all()
    assert set(pack["claims"]["limit_reached"].dropna()) <= {"yes", "no"}
