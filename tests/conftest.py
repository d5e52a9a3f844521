"""Shared fixtures. ``tiny_pack``: a minimal valid data pack (2 products, 6 policies, 4 claims)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis profiles: "dev" explores new examples on every run; "ci" (chosen when the CI
# variable is set, or with HYPOTHESIS_PROFILE=ci) is derandomised, so a CI run is repeatable and
# cannot turn red on an example no developer has seen. Example counts stay those of each test.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# One CSV text per required table; every value is valid and every reference resolves.
TINY_PACK: dict[str, str] = {
    "products": """\
product_id,name,kind,participation
CL,Credit life,credit_life,compulsory
GL,Group life,group_life,voluntary
""",
    "policies": """\
policy_id,member_id,household_id,product_id,start_date,end_date,written_premium,premium_frequency,commission,sum_insured,birth_date,sex,status,cancel_date,refund
P1,M1,H1,CL,2024-01-01,2024-12-31,120.00,single,12.00,5000,1980-05-01,F,active,,
P2,M2,H1,CL,2024-03-15,2025-03-14,120.00,single,12.00,5000,1975-11-20,M,active,,
P3,M3,H2,CL,2023-07-01,2024-06-30,100.00,single,10.00,4000,1990-02-28,F,expired,,
P4,M4,H3,GL,2024-01-01,2024-12-31,60.00,monthly,,2000,1985-07-04,M,claimed,,
P5,M5,H3,GL,2024-04-01,2025-03-31,60.00,monthly,6.00,2000,1992-09-09,F,cancelled,2024-06-30,45.00
P6,M6,,GL,2024-07-01,2025-06-30,60.00,quarterly,6.00,2000,,,active,,
""",
    "claims": """\
claim_id,policy_id,member_id,product_id,event_date,report_date,decision_date,receipt_date,status,claimed_amount,paid_amount,case_reserve,cause
C1,P1,M1,CL,2024-03-10,2024-03-20,2024-04-02,2024-04-05,paid,5000,5000,,death
C2,P4,M4,GL,2024-05-02,2024-05-10,2024-06-01,,rejected,2000,0,,death
C3,P2,M2,CL,2024-11-20,2024-12-05,,,open,5000,0,5000,death
C4,P6,M6,GL,2024-08-15,2024-08-30,2024-09-20,2024-09-25,partial,2000,1500,,disability
""",
    "exits": """\
member_id,product_id,exit_date,reason
M4,GL,2024-05-02,death
M3,CL,2024-06-30,max_age
""",
    "ledger": """\
product_id,period_end,line,amount
CL,2024-12-31,administration,150.00
GL,2024-12-31,personnel,80.00
""",
    "assets": """\
as_of_date,asset_id,asset_class,admitted_fraction,book_value,market_value,face,coupon_rate,coupon_frequency,maturity_date,rating,product_id
2024-12-31,A1,cash,1,1000.00,1000.00,,,,,,
2024-12-31,A2,government_bond,1,5000.00,5100.00,5000,0.05,2,2027-12-31,BBB,CL
""",
    "liabilities": """\
as_of_date,liability_id,kind,amount,due_date,product_id
2024-12-31,L1,payable,300.00,2025-01-31,
2024-12-31,L2,reinsurance_payable,120.00,2025-02-28,GL
""",
    "targets": """\
product_id,period_end,target_population
CL,2024-12-31,10
GL,2024-12-31,8
""",
}


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """``reserva`` with ``argv`` (each as text): (exit code, stdout, stderr)."""
    from reserva.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_pack(folder: Path, tables: dict[str, str] = TINY_PACK) -> Path:
    """Write ``<table>.csv`` for each entry of ``tables`` into ``folder``; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_pack(tmp_path: Path) -> Path:
    """A folder holding a minimal valid data pack of every required table."""
    return write_pack(tmp_path / "pack")


def edited_set(folder: Path, *, reserving=None, settings=None, set_id: str | None = None) -> str:
    """A copy of the default assumption set in ``folder``, edited and re-hashed; returns its path.

    ``reserving``: a function editing reserving.csv as a DataFrame (text cells) in place;
    ``settings``: a function of settings.toml's text; ``set_id``: a new id in the manifest.
    """
    import shutil

    import pandas as pd

    from reserva.io.assumptions import default_root, write_manifest

    shutil.copytree(default_root() / "default", folder)
    if reserving is not None:
        frame = pd.read_csv(folder / "reserving.csv", dtype=str, keep_default_na=False)
        reserving(frame)
        frame.to_csv(folder / "reserving.csv", index=False)
    if settings is not None:
        (folder / "settings.toml").write_text(settings((folder / "settings.toml").read_text()))
    if set_id is not None:
        manifest = folder / "manifest.toml"
        manifest.write_text(manifest.read_text().replace('set_id = "default"', f'set_id = "{set_id}"'))
    write_manifest(folder)
    return str(folder)


@pytest.fixture(scope="session")
def stress_store(tmp_path_factory) -> Path:
    """A closed sample store for stress checks (2,000 policies, seed 7, valued 2025-12-31; the
    claims cash and the deposits held for HE, so that a product column has assets). Shared by
    the session: copy it (``shutil.copyfile``) before writing to it."""
    import pandas as pd

    from reserva.pipeline import close
    from reserva.sample.generate import write_sample

    data = tmp_path_factory.mktemp("stress_store")
    write_sample(data, policies=2000, seed=7)
    assets = pd.read_csv(data / "assets.csv", dtype=str, keep_default_na=False)
    mine = assets["asset_id"].str.startswith(("CASH-CLAIMS", "DEP-"))
    assets.loc[mine, "product_id"] = "HE"
    assets.to_csv(data / "assets.csv", index=False)
    store = data / "reserva.duckdb"
    close(data, "2025-12-31", store=store)
    return store
