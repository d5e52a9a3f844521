"""Group-level health indices belong to the groups of the health product's own terms (spec §1B,
USB L48-73: I_SG per group of the fund's affiliates).

The hand-made fund of ``test_kpi_assemble`` gains a group-life product whose employer groups
(``member_group`` EMP1, EMP2) are no groups of the fund; member M1 of the fund's group A also
holds a later group-life term in EMP2. The fund's rows must list only A and B, with the values
worked by hand there, and no group row may appear for the employer groups.
"""

from __future__ import annotations

import pandas as pd
import pytest

from reserva.pipeline import close
from tests.conftest import write_pack
from tests.kpi.test_kpi_assemble import FUND

MIXED = dict(FUND)
MIXED["products"] = FUND["products"] + "GL,Group life,group_life,voluntary\n"
MIXED["policies"] = FUND["policies"] + (
    "G1,M8,,,EMP1,GL,2024-01-01,2024-12-31,60.00,annual,2000,M,active,\n"
    "G2,M1,,principal,EMP2,GL,2024-11-15,2025-11-14,60.00,annual,2000,F,active,\n"
)
MIXED["targets"] = FUND["targets"] + "GL,2024-12-31,3\n"


@pytest.fixture(scope="module")
def kpis(tmp_path_factory) -> pd.DataFrame:
    pack = write_pack(tmp_path_factory.mktemp("groups") / "pack", MIXED)
    return close(pack, "2024-12-31", write=False).kpis


def _value(kpis: pd.DataFrame, product: str, indicator: str) -> float:
    rows = kpis[(kpis["product_id"] == product) & (kpis["indicator"] == indicator)]
    assert len(rows) == 1, f"{product} {indicator}: {len(rows)} rows"
    return float(rows["value"].iloc[0])


def test_no_group_rows_for_another_products_groups(kpis):
    groups = kpis[kpis["indicator"].str.startswith("health_claims_index_group_")]
    assert set(groups["indicator"]) == {"health_claims_index_group_A",
                                        "health_claims_index_group_B"}
    assert set(groups["product_id"]) == {"HF", "ALL"}
    assert kpis.query("product_id == 'GL' and indicator.str.startswith('health')").empty


def test_a_members_group_is_taken_from_the_products_own_terms(kpis):
    # as in test_kpi_assemble: S_A = 350, P_A = 184 of S = 600, P = 337 (M1's later group-life
    # term in EMP2 does not move M1 out of the fund's group A)
    assert _value(kpis, "HF", "health_claims_index_group_A") == pytest.approx(
        (350 / 600) / (184 / 337), abs=5e-5)
    assert _value(kpis, "HF", "health_claims_index_group_B") == pytest.approx(
        (250 / 600) / (153 / 337), abs=5e-5)
    assert _value(kpis, "ALL", "health_claims_index_group_A") == _value(
        kpis, "HF", "health_claims_index_group_A")


def test_kinship_rows_are_the_funds_own(kpis):
    kin = set(kpis.loc[kpis["indicator"].str.startswith("health_user_index_"), "indicator"])
    # affiliates of Q4: M1 principal F, M2 spouse M, M4 child F, M5 principal F
    assert kin == {"health_user_index_principal_F", "health_user_index_spouse_M",
                   "health_user_index_child_F"}
