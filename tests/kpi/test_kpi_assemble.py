"""The KPI table of a close on a hand-made health fund (spec §1, §1B): every sub-indicator and
health-fund index against figures worked by hand in the comments, the rules named by the flags,
the claims the timeliness schedule waits for, and the programme recombining the products.

The fund HF runs annual terms from 1 Oct; the close covers Q4 2024 (30 Sep .. 31 Dec 2024).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reserva.pipeline import close
from tests.conftest import edited_set, write_pack

FUND = {
    "products": """\
product_id,name,kind,participation
HF,Health fund,health,voluntary
CL,Credit life,credit_life,compulsory
""",
    "policies": """\
policy_id,member_id,household_id,relationship,member_group,product_id,start_date,end_date,written_premium,premium_frequency,sum_insured,sex,status,cancel_date
P1,M1,H1,principal,A,HF,2023-10-01,2024-09-30,366.00,annual,3000,F,expired,
P1b,M1,H1,principal,A,HF,2024-10-01,2025-09-30,365.00,annual,3000,F,active,
P2,M2,H1,spouse,A,HF,2023-10-01,2024-09-30,366.00,annual,3000,M,expired,
P2b,M2,H1,spouse,A,HF,2024-10-01,2025-09-30,365.00,annual,3000,M,active,
P3,M3,H2,principal,B,HF,2023-10-01,2024-09-30,366.00,annual,3000,M,expired,
P4,M4,H2,child,B,HF,2023-10-01,2024-09-30,366.00,annual,3000,F,expired,
P4b,M4,H2,child,B,HF,2024-10-01,2025-09-30,365.00,annual,3000,F,active,
P5,M5,,principal,B,HF,2024-11-01,2025-10-31,365.00,annual,3000,F,active,
P6,M6,H3,principal,A,HF,2023-10-01,2024-09-30,366.00,annual,3000,M,cancelled,2024-06-02
L1,M7,,,,CL,2024-01-01,2024-12-31,100.00,single,5000,F,active,
""",
    "claims": """\
claim_id,policy_id,member_id,product_id,event_date,report_date,decision_date,receipt_date,status,claimed_amount,paid_amount,case_reserve,benefit_category,limit_reached
C1,P1b,M1,HF,2024-10-05,2024-10-06,2024-10-20,2024-10-22,paid,100,100,,outpatient,no
C2,P1b,M1,HF,2024-11-10,2024-11-11,2024-11-12,2024-11-12,paid,250,250,,emergency,no
C3,P4b,M4,HF,2024-12-01,2024-12-02,,,open,300,0,200,inpatient,yes
C4,P2b,M2,HF,2024-10-15,2024-10-16,2024-10-30,2024-10-31,rejected,80,0,,emergency,no
C5,P5,M5,HF,2024-12-20,2024-12-28,,,open,50,0,,emergency,no
C6,P3,M3,HF,2024-09-15,2024-09-20,2024-09-25,2024-09-26,paid,70,70,,outpatient,no
""",
    "exits": """\
member_id,product_id,exit_date,reason
M6,HF,2024-06-01,death
M3,HF,2024-09-30,lapse
""",
    "ledger": """\
product_id,period_end,line,amount
HF,2024-12-31,administration,30.00
CL,2024-12-31,administration,10.00
""",
    "assets": """\
as_of_date,asset_id,asset_class,admitted_fraction,book_value,market_value
2024-12-31,A1,cash,1,5000.00,5000.00
""",
    "liabilities": """\
as_of_date,liability_id,kind,amount,due_date,product_id
2024-12-31,L1,payable,100.00,2025-01-31,
""",
    "targets": """\
product_id,period_end,target_population
HF,2024-12-31,10
CL,2024-12-31,4
""",
    "funding": """\
product_id,funding_date,amount,source
HF,2024-09-30,500.00,contributions
HF,2024-10-31,200.00,contributions
HF,2024-11-30,200.00,employer
HF,2024-12-31,100.00,contributions
""",
    "plans": """\
product_id,period_start,period_end,planned_claims
HF,2024-01-01,2024-12-31,2400.00
""",
}


@pytest.fixture(scope="module")
def fund(tmp_path_factory):
    pack = write_pack(tmp_path_factory.mktemp("fund") / "pack", FUND)
    result = close(pack, "2024-12-31", write=False)
    return pack, result


def _kpi(result, product: str, indicator: str) -> pd.Series:
    k = result.kpis
    rows = k[(k["product_id"] == product) & (k["indicator"] == indicator)]
    assert len(rows) == 1, f"{product} {indicator}: {len(rows)} rows"
    return rows.iloc[0]


def _value(result, product: str, indicator: str) -> float:
    return float(_kpi(result, product, indicator)["value"])


def test_health_fund_indices_by_hand(fund):
    # Spec §1B (USB L48-222). Affiliates covered in Q4: M1, M2, M4 (renewed) and M5 (new), 4.
    # Covered claims occurred in Q4 (C4 rejected, C6 occurred in Q3): C1 100 + C2 250 +
    # C3 200 (case reserve) + C5 50 (claimed, no case reserve) = S = 600 over 4 cases.
    # Nominal premium of Q4: 92/365 of 365 for M1, M2, M4 and 61/365 of 365 for M5 = 337;
    # group A (M1, M2) 184, group B (M4, M5) 153.
    _, r = fund
    assert _value(r, "HF", "health_claims_index") == pytest.approx(600 / 337, abs=5e-5)
    assert _value(r, "HF", "health_claims_index_group_A") == pytest.approx(
        (350 / 600) / (184 / 337), abs=5e-5)
    assert _value(r, "HF", "health_claims_index_group_B") == pytest.approx(
        (250 / 600) / (153 / 337), abs=5e-5)
    # F = funding dated in the quarter: 200 + 200 + 100 (the 30 Sep row belongs to Q3)
    assert _value(r, "HF", "health_financing_index") == pytest.approx(600 / 500, abs=5e-5)
    # emergencies: C2 250 and C5 50 of 600; 2 of 4 cases (the rejected C4 is no covered case)
    assert _value(r, "HF", "health_emergency_cost_index") == pytest.approx(0.5, abs=5e-5)
    assert _value(r, "HF", "health_emergency_count_index") == pytest.approx(0.5, abs=5e-5)
    # users: M1, M4, M5 of 4 affiliates; by kinship principal F 2/2, spouse M 0/1, child F 1/1
    assert _value(r, "HF", "health_user_index") == pytest.approx(0.75, abs=5e-5)
    assert _value(r, "HF", "health_user_index_principal_F") == pytest.approx(1.0, abs=5e-5)
    assert _value(r, "HF", "health_user_index_spouse_M") == pytest.approx(0.0, abs=5e-5)
    assert _value(r, "HF", "health_user_index_child_F") == pytest.approx(1.0, abs=5e-5)
    assert _value(r, "HF", "health_cost_per_case") == pytest.approx(150.0, abs=5e-3)
    assert _value(r, "HF", "health_cost_per_affiliate") == pytest.approx(150.0, abs=5e-3)
    assert _value(r, "HF", "health_cost_per_affiliate_annualised") == pytest.approx(600.0, abs=5e-3)
    # C3 exhausted the cover: 1 of 4 affiliates, annualised x 12/3
    assert _value(r, "HF", "health_coverage_consumption") == pytest.approx(0.25, abs=5e-5)
    assert _value(r, "HF", "health_coverage_consumption_annualised") == pytest.approx(1.0, abs=5e-5)
    # plan 2024: 2,400 = 200 a month; covered claims occurred in 2024 = 600 + C6 70 over 12 months
    assert _value(r, "HF", "health_plan_adjustment") == pytest.approx((670 / 12 - 200) / 200, abs=5e-6)
    # one health product: the pooled programme figures are the product's
    assert _value(r, "ALL", "health_claims_index") == _value(r, "HF", "health_claims_index")
    # the credit-life product gets no health rows
    assert r.kpis.query("product_id == 'CL' and indicator.str.startswith('health')").empty


def test_claim_experience_by_hand(fund):
    # Spec §1.4 (E1 L900-910, E2 L1443-1451): exposure of Q4 = 92 days of P1b, P2b, P4b and 61
    # of P5 = 337 days / 365.25; 4 covered claims occurred, cost 600.
    _, r = fund
    exposure = 337 / 365.25
    assert _value(r, "HF", "exposure_years") == pytest.approx(exposure, rel=1e-12)
    assert _value(r, "HF", "claim_count") == 4
    assert _value(r, "HF", "claim_frequency") == pytest.approx(4 / exposure, abs=5e-5)
    assert _value(r, "HF", "claim_severity") == pytest.approx(150.0, abs=5e-3)
    assert _value(r, "HF", "burning_cost") == pytest.approx(600 / exposure, abs=5e-3)


def test_renewal_household_dependants_lapse(fund):
    # Cohort in force on 1 Jan 2024: M1, M2, M3, M4, M6; M6 died before the renewal date
    # (1 Oct 2024) and leaves the denominator; M1, M2, M4 renewed, M3 lapsed (spec §1.5).
    _, r = fund
    assert _value(r, "HF", "renewal_ratio") == pytest.approx(3 / 4, abs=5e-5)
    assert _value(r, "HF", "lapse_ratio") == pytest.approx(1 / 4, abs=5e-5)
    # E2 Box 7 (a): H1 (M1, M2) renewed, H2 renewed through M4 although M3 lapsed, H3 (M6 only)
    # left the denominator: 2 / 2.  (b): dependants M2 (spouse) and M4 (child) both renewed.
    assert _value(r, "HF", "household_renewal_ratio") == pytest.approx(1.0, abs=5e-5)
    assert _value(r, "HF", "dependant_renewal_ratio") == pytest.approx(1.0, abs=5e-5)
    # credit life: not applicable, with the reason
    row = _kpi(r, "CL", "renewal_ratio")
    assert math.isnan(row["value"]) and "not applicable" in row["note"]


def test_timeliness_processed_in_period_edition_2(fund):
    # E2: claims decided in Q4: C1 (A 5 Oct -> D 22 Oct = 17 days), C2 (10 Nov -> 12 Nov = 2),
    # C4 (rejected, 15 Oct -> notice 31 Oct = 16): 0-7: 1, 8-30: 2; mean 35 / 3.
    _, r = fund
    assert _value(r, "HF", "timeliness_0_7") == pytest.approx(1 / 3, abs=5e-5)
    assert _value(r, "HF", "timeliness_8_30") == pytest.approx(2 / 3, abs=5e-5)
    assert _value(r, "HF", "timeliness_mean_days") == pytest.approx(35 / 3, abs=0.05)
    assert _value(r, "HF", "timeliness_unprocessed") == 0
    assert r.kpi_pending.empty


def test_reported_in_period_lists_unprocessed_claims(tmp_path):
    # E2 L2494-2498: the claims reported in Q4 include C3 and C5, still open: they are listed,
    # the schedule says it is provisional, and the rejection ratio is incomplete (a warning).
    pack = write_pack(tmp_path / "pack", FUND)
    aset = edited_set(tmp_path / "set", settings=lambda s: s.replace(
        'selection = "edition"', 'selection = "reported_in_period"'))
    r = close(pack, "2024-12-31", assumptions=aset, write=False)
    assert sorted(r.kpi_pending["claim_id"]) == ["C3", "C5"]
    assert _value(r, "HF", "timeliness_unprocessed") == 2
    assert "provisional" in _kpi(r, "HF", "timeliness_mean_days")["note"]
    assert math.isnan(_value(r, "HF", "rejection_ratio"))
    assert any("no pay/no-pay decision" in n for n in r.notes)


def test_edition_1_clock_report_to_receipt_paid_only(tmp_path):
    # E1 (L1129-1148): claims reported in the period, report -> receipt, paid claims only:
    # C1 6 Oct -> 22 Oct = 16, C2 11 Nov -> 12 Nov = 1; C4 (rejected) left out; C3, C5 pending.
    pack = write_pack(tmp_path / "pack", FUND)
    r = close(pack, "2024-12-31", edition=1, write=False)
    assert _value(r, "HF", "timeliness_mean_days") == pytest.approx(17 / 2, abs=0.05)
    assert _value(r, "HF", "timeliness_0_7") == pytest.approx(0.5, abs=5e-5)
    assert sorted(r.kpi_pending["claim_id"]) == ["C3", "C5"]


def test_flags_name_their_rule(fund):
    # E2: renewal >= 85% (E2 L2002-2003): 75% is below, and the row says which rule it applied.
    _, r = fund
    row = _kpi(r, "HF", "renewal_ratio")
    assert row["flag"] == "below"
    assert row["rule"].startswith("E2: >= 85%") and "L2002-2003" in row["rule"]
    assert _kpi(r, "HF", "claim_frequency")["rule"] == ""


def test_undefined_denominators_say_why(fund):
    # Decision 13: no dependants, no financing, zero denominators -> n/a with a reason, never 0.
    _, r = fund
    k = r.kpis
    undefined = k[k["value"].isna()]
    assert len(undefined) > 0
    assert (undefined["note"].str.len() > 0).all(), undefined[undefined["note"] == ""]
    assert not ((k["value"] == math.inf) | (k["value"] == -math.inf)).any()
