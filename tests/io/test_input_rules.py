"""Input rules beyond one cell: the set's date window and money bound, conditional rules,
cross-table rules (errors and warnings), the set's vocabularies; `reserva validate` runs them all
and the close refuses what validate refuses, storing nothing."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from reserva.errors import MAX_CELL_LINES, BadCell, InputError
from reserva.io.limits import InputLimits, LifeTable, default_limits
from reserva.io.readers import read_pack
from tests.conftest import TINY_PACK, edited_set, write_pack
from tests.conftest import run_cli as run

WINDOW = ("a date from 1900-01-01 to 2200-12-31 ([input] earliest_date and latest_date of "
          "assumption set default)")
WINDOW_FIX = ("correct the year; leave an optional date empty rather than writing a far-off date "
              "such as 9999-12-31")
MONEY = "a number from 0 to 1e+15 ([input] max_money of assumption set default)"
MONEY_FIX = "correct the amount (a misplaced decimal point or a missing separator?)"


def pack_with(folder: Path, *edits: tuple[str, str, str], extra: dict | None = None) -> Path:
    """The tiny pack with ``(table, old, new)`` replacements (each ``old`` once) and extra tables."""
    tables = dict(TINY_PACK)
    for table, old, new in edits:
        assert tables[table].count(old) == 1, (table, old)
        tables[table] = tables[table].replace(old, new)
    return write_pack(folder, {**tables, **(extra or {})})


def cells_of(folder: Path, **kwargs) -> list[BadCell]:
    with pytest.raises(InputError) as exc:
        read_pack(folder, **kwargs)
    return exc.value.cells


def lines_of(folder: Path, **kwargs) -> list[str]:
    return [c.line() for c in cells_of(folder, **kwargs)]


# ------------------------------------------------------------------ the set's limits


def test_limits_come_from_the_assumption_set(tmp_path):
    limits = default_limits()
    assert (str(limits.earliest_date), str(limits.latest_date), limits.max_money,
            limits.claim_cover_grace_days) == ("1900-01-01", "2200-12-31", 1e15, 31)
    assert "endowment" in limits.life_tables and "health" not in limits.life_tables
    edited = edited_set(tmp_path / "narrow", settings=lambda t: t.replace(
        'earliest_date = "1900-01-01"', 'earliest_date = "2000-01-01"').replace(
        "max_money = 1e15", "max_money = 1e6"))
    narrow = InputLimits.of(edited)
    assert (str(narrow.earliest_date), narrow.max_money, narrow.set_id) == (
        "2000-01-01", 1e6, "narrow")
    with pytest.raises(dataclasses.FrozenInstanceError):
        narrow.max_money = 1.0


def test_absurd_dates_are_refused_naming_each_cell(tmp_path):
    folder = pack_with(
        tmp_path / "p",
        ("policies", "P1,M1,H1,CL,2024-01-01,2024-12-31", "P1,M1,H1,CL,1000-01-01,9999-12-31"),
        ("policies", "P2,M2,H1,CL,2024-03-15", "P2,M2,H1,CL,0001-01-01"),
        ("policies", "P3,M3,H2,CL,2023-07-01", "P3,M3,H2,CL,1800-01-01"),
    )
    assert lines_of(folder) == [
        f"policies.csv row 2 column start_date: value '1000-01-01', expected {WINDOW} "
        f"(fix: {WINDOW_FIX})",
        f"policies.csv row 2 column end_date: value '9999-12-31', expected {WINDOW} "
        f"(fix: {WINDOW_FIX})",
        f"policies.csv row 3 column start_date: value '0001-01-01', expected {WINDOW} "
        f"(fix: {WINDOW_FIX})",
        f"policies.csv row 4 column start_date: value '1800-01-01', expected {WINDOW} "
        f"(fix: {WINDOW_FIX})",
    ]


def test_the_window_is_the_sets(tmp_path):
    folder = pack_with(tmp_path / "p")
    edited = edited_set(tmp_path / "set", settings=lambda t: t.replace(
        'earliest_date = "1900-01-01"', 'earliest_date = "2024-01-01"'))
    cells = cells_of(folder, limits=edited)
    assert [(c.file, c.row, c.column, c.value) for c in cells] == [  # every date column
        ("policies.csv", 2, "birth_date", "1980-05-01"),
        ("policies.csv", 3, "birth_date", "1975-11-20"),
        ("policies.csv", 4, "start_date", "2023-07-01"),
        ("policies.csv", 4, "birth_date", "1990-02-28"),
        ("policies.csv", 5, "birth_date", "1985-07-04"),
        ("policies.csv", 6, "birth_date", "1992-09-09"),
    ]
    assert cells[0].expected.startswith("a date from 2024-01-01 to 2200-12-31")


def test_money_above_the_bound_and_huge_whole_numbers_are_refused(tmp_path):
    folder = pack_with(
        tmp_path / "p",
        ("policies", "2024-12-31,120.00,single", "2024-12-31,1e20,single"),
        ("claims", "2024-12-05,,,open,5000,0,5000", "2024-12-05,,,open,1e308,0,5000"),
        ("targets", "CL,2024-12-31,10", "CL,2024-12-31,1e300"),
    )
    assert lines_of(folder) == [
        f"policies.csv row 2 column written_premium: value '1e20', expected {MONEY} "
        f"(fix: {MONEY_FIX})",
        f"claims.csv row 4 column claimed_amount: value '1e308', expected {MONEY} "
        f"(fix: {MONEY_FIX})",
        "targets.csv row 2 column target_population: value '1e300', expected a whole number "
        "(fix: write a plain whole number such as 12, without separators)",
    ]


# ------------------------------------------------------------------ conditional rules


BOND = "2024-12-31,A2,government_bond,1,5000.00,5100.00,5000,0.05,2,2027-12-31,BBB,CL"


@pytest.mark.parametrize(("row", "column", "value", "expected", "fix"), [
    (BOND.replace(",5000,0.05", ",,0.05"), "face", "",
     "a face when asset_class is government_bond, corporate_bond or deposit (asset_id A2)",
     "enter the face (principal), or correct the asset class"),
    (BOND.replace(",5000,0.05", ",0,0.05"), "face", "0",
     "a number > 0 when asset_class is government_bond, corporate_bond or deposit (asset_id A2)",
     "enter the face (principal), or correct the asset class"),
    (BOND.replace("2027-12-31", ""), "maturity_date", "",
     "a maturity_date when asset_class is government_bond, corporate_bond or deposit "
     "(asset_id A2)", "enter the maturity date, or correct the asset class"),
    (BOND.replace("0.05,2,", "0.05,5,"), "coupon_frequency", "5",
     "empty or 0, 1, 2, 3, 4, 6 or 12 when asset_class is government_bond, corporate_bond or "
     "deposit (asset_id A2)",
     "enter the coupon payments a year (0 = none), or leave it empty"),
])
def test_a_bond_needs_face_maturity_and_a_coupon_frequency(tmp_path, row, column, value,
                                                           expected, fix):
    folder = pack_with(tmp_path / "p", ("assets", BOND, row))
    assert cells_of(folder) == [BadCell("assets.csv", 3, column, value, expected, fix)]


def test_a_bond_without_the_optional_face_and_maturity_columns(tmp_path):
    assets = ("as_of_date,asset_id,asset_class,admitted_fraction,book_value,market_value\n"
              "2024-12-31,A1,cash,1,1000.00,1000.00\n"
              "2024-12-31,A2,deposit,1,5000.00,5000.00\n")
    folder = write_pack(tmp_path / "p", {**TINY_PACK, "assets": assets})
    assert [(c.row, c.column, c.value) for c in cells_of(folder)] == [
        (3, "face", ""), (3, "maturity_date", "")]


# ------------------------------------------------------------------ cross-table rules


def test_a_claim_of_another_product_or_member_than_its_policy(tmp_path):
    folder = pack_with(tmp_path / "p", ("claims", "C4,P6,M6,GL", "C4,P6,M5,CL"))
    assert lines_of(folder) == [
        "claims.csv row 5 column member_id: value 'M5', expected M6, the member_id of policy P6 "
        "(policies.csv line 7): a claim is made by its policy's member (claim_id C4) "
        "(fix: correct the claim's member_id or policy_id)",
        "claims.csv row 5 column product_id: value 'CL', expected GL, the product_id of policy P6 "
        "(policies.csv line 7): a claim is booked to its policy's product (claim_id C4) "
        "(fix: correct the claim's product_id or policy_id)",
    ]


def test_a_claim_outside_its_policys_cover_is_a_warning_with_the_sets_grace(tmp_path):
    # P1 covers 2024-01-01 .. 2024-12-31; 31 days of grace: 2023-12-01 is in, 2023-11-30 out
    inside = pack_with(tmp_path / "in", ("claims", "C1,P1,M1,CL,2024-03-10,2024-03-20",
                                         "C1,P1,M1,CL,2023-12-01,2024-03-20"))
    assert read_pack(inside).warnings == ()
    folder = pack_with(tmp_path / "out", ("claims", "C1,P1,M1,CL,2024-03-10,2024-03-20",
                                          "C1,P1,M1,CL,2023-11-30,2024-03-20"))
    pack = read_pack(folder)
    assert pack.warnings == (
        "claims.csv row 2 column event_date: value '2023-11-30', expected a date from 2024-01-01 "
        "to 2024-12-31, the start_date .. end_date of policy P1 (policies.csv line 2), with 31 "
        "days of grace ([input] claim_cover_grace_days): a claim's event falls within its "
        "policy's cover (claim_id C1) (fix: check the event date and the policy_id; a claim "
        "outside the cover is usually booked to the wrong policy)",)
    assert pack.warning_notes == (
        "data warning: 1 row breaks the rule \"claims.csv: a claim's event falls within its "
        "policy's cover\" (first: line 2, column event_date, value '2023-11-30'); `reserva "
        "validate` lists them",)
    no_grace = edited_set(tmp_path / "set", settings=lambda t: t.replace(
        "claim_cover_grace_days = 31", "claim_cover_grace_days = 0"))
    assert len(read_pack(inside, limits=no_grace).warnings) == 1


def test_a_payment_before_its_claims_event_is_refused(tmp_path):
    folder = pack_with(tmp_path / "p", extra={
        "claim_payments": "claim_id,payment_date,amount\nC4,2024-09-25,1000\nC4,2024-08-14,500\n"})
    assert lines_of(folder) == [
        "claim_payments.csv row 3 column payment_date: value '2024-08-14', expected a date on or "
        "after 2024-08-15, the event_date of claim C4 (claims.csv line 5): a claim is paid on or "
        "after its event (claim_id C4) (fix: correct the payment date, or the claim's event_date)"]


def test_an_exit_of_an_unknown_member_is_a_warning(tmp_path):
    folder = pack_with(tmp_path / "p", ("exits", "M3,CL,", "M3,GL,"))
    assert read_pack(folder).warnings == (
        "exits.csv row 3 column member_id: value 'M3', expected a member_id with a policy of "
        "product_id GL in policies.csv: an exit is of a member who held a policy of that product "
        "(fix: check the member_id and product_id, or add the member's policies)",)


SAVINGS = ("account_id,member_id,product_id,balance_date,balance,credited_rate\n"
           "S1,M1,CL,2024-01-01,100,0.05\n"
           "S1,M1,CL,2024-06-30,150,0.05\n")


def test_savings_accounts_rules(tmp_path):
    folder = pack_with(tmp_path / "p", extra={
        "savings_accounts": SAVINGS + "S1,M1,GL,2024-06-30,160,0.05\nS2,M9,CL,2024-06-30,10,0.05\n",
        "savings_transactions": "account_id,product_id,transaction_date,type,amount\n"
                                "S1,GL,2024-07-01,contribution,10\n"})
    with pytest.raises(InputError) as exc:
        read_pack(folder)
    assert exc.value.lines()[1:] == [
        "savings_accounts.csv row 4 column product_id: value 'GL', expected CL, the product_id of "
        "savings account S1 (savings_accounts.csv line 2): an account belongs to one product "
        "(account_id S1) (fix: correct the product_id, or give the account of the other product "
        "its own account_id)",
        "savings_accounts.csv row 4 column balance_date: value '2024-06-30', expected one row per "
        "account_id and balance_date (the same account_id and balance_date is on line 3) "
        "(account_id S1) (fix: remove the repeated row, or correct its account_id and "
        "balance_date)",
        "savings_transactions.csv row 2 column product_id: value 'GL', expected CL, the product_id "
        "of savings account S1 (savings_accounts.csv line 2): a transaction is of its account's "
        "product (account_id S1) (fix: correct the product_id or the account_id)",
    ]
    ok = pack_with(tmp_path / "ok", extra={
        "savings_accounts": SAVINGS + "S2,M9,CL,2024-06-30,10,0.05\n"})
    assert read_pack(ok).warnings == (
        "savings_accounts.csv row 4 column member_id: value 'M9', expected a member_id with a "
        "policy of product_id CL in policies.csv: an account is held by a member with a policy "
        "of that product (account_id S2) (fix: check the member_id and product_id, or add the "
        "member's policy)",)


# ------------------------------------------------------------------ the set's vocabularies


LIFE = ("policy_id,member_id,product_id,plan,issue_date,issue_age,sum_insured,term_years,"
        "premium_years,premium_mode,gross_premium,exit_date\n"
        "L1,M1,EN,endowment,2020-01-01,40,1000,20,,annual,,\n"
        "L2,,EN,endowment,2020-01-01,110,1000,20,,annual,,\n"
        "L3,,EN,whole_life,2020-01-01,120,1000,,,annual,,\n")


def test_life_contracts_must_fit_the_mortality_table_of_their_kind(tmp_path):
    products = TINY_PACK["products"] + "EN,Endowment,endowment,voluntary\n"
    folder = write_pack(tmp_path / "p", {**TINY_PACK, "products": products, "life_policies": LIFE})
    limits = dataclasses.replace(default_limits(), life_tables={
        "endowment": LifeTable("SULT", 0, 120)})
    expected = ("an issue age from 0 whose cover ends by age 121: the mortality table SULT of "
                "product EN's kind endowment in assumption set default ends there (products.csv "
                "line 4) (policy_id {})")
    fix = "correct issue_age or term_years, or give the kind a mortality table covering these ages"
    assert cells_of(folder, limits=limits) == [
        BadCell("life_policies.csv", 3, "issue_age", "110", expected.format("L2"), fix)]
    narrow = dataclasses.replace(limits, life_tables={"endowment": LifeTable("T", 20, 60)})
    assert [(c.row, c.value) for c in cells_of(folder, limits=narrow)] == [(3, "110"), (4, "120")]


def test_kinds_lines_and_classes_the_set_lacks(tmp_path):
    folder = pack_with(tmp_path / "p")
    limits = dataclasses.replace(
        default_limits(), product_kinds=frozenset({"credit_life"}),
        ledger_lines=frozenset({"personnel"}), asset_classes=frozenset({"cash"}))
    assert [(c.file, c.row, c.column, c.value, c.expected) for c in cells_of(folder, limits=limits)
            ] == [
        ("products.csv", 3, "kind", "group_life", "a kind with rows in reserving.csv, "
         "ibnr_options.csv and projection.csv of assumption set default (product_id GL)"),
        ("ledger.csv", 2, "line", "administration", "a line with a P-code in ledger_map.csv of "
         "assumption set default (product_id CL)"),
        ("assets.csv", 3, "asset_class", "government_bond", "an asset class of asset_map.csv of "
         "assumption set default (asset_id A2)"),
    ]


def test_liability_kinds_the_set_lacks_in_its_liability_map(tmp_path):
    folder = pack_with(tmp_path / "p")
    limits = dataclasses.replace(default_limits(), liability_kinds=frozenset({"payable"}))
    assert cells_of(folder, limits=limits) == [BadCell(
        "liabilities.csv", 3, "kind", "reinsurance_payable", "a liability kind of "
        "liability_map.csv of assumption set default (liability_id L2)",
        "use a kind of liability_map.csv, or add a row for the kind to it")]
    assert default_limits().liability_kinds == {
        "insurance_obligation", "reinsurance_payable", "payable", "other"}


def test_validate_finds_a_liability_kind_the_set_does_not_map(tmp_path, capsys):
    import shutil

    from reserva.io.assumptions import default_root, write_manifest

    folder = pack_with(tmp_path / "p")
    unmapped = tmp_path / "set"
    shutil.copytree(default_root() / "default", unmapped)
    lines = (unmapped / "liability_map.csv").read_text().splitlines(keepends=True)
    (unmapped / "liability_map.csv").write_text(
        "".join(x for x in lines if not x.startswith("reinsurance_payable,")))
    write_manifest(unmapped)
    line = ("reserva: liabilities.csv row 3 column kind: value 'reinsurance_payable', expected a "
            f"liability kind of liability_map.csv of assumption set {unmapped.name} (liability_id "
            "L2) (fix: use a kind of liability_map.csv, or add a row for the kind to it)")
    assert run(capsys, "validate", str(folder))[0] == 0  # the default set maps every kind
    code, out, err = run(capsys, "validate", str(folder), "--assumptions", str(unmapped))
    assert (code, out) == (2, "") and line in err.splitlines()
    store = tmp_path / "s.duckdb"
    code, _, err = run(capsys, "close", str(folder), "--valuation-date", "2024-12-31",
                       "--assumptions", str(unmapped), "--store", str(store))
    assert code == 2 and line in err.splitlines() and "Traceback" not in err
    assert not store.exists()


def test_the_claim_columns_the_set_segments_by_must_be_in_the_claims_file(tmp_path):
    folder = pack_with(tmp_path / "p")
    limits = dataclasses.replace(default_limits(), claim_columns=("cause", "region"))
    assert cells_of(folder, limits=limits) == [BadCell(
        "claims.csv", None, "region", "", "a column region ([ibnr] segment_by of assumption set "
        "default)", "add a column named region to the header, or remove it from segment_by")]


def test_every_bad_cell_of_every_rule_is_reported_at_once(tmp_path):
    folder = pack_with(
        tmp_path / "p",
        ("policies", "P3,M3,H2,CL,2023-07-01", "P3,M3,H2,CL,1000-07-01"),
        ("claims", "C4,P6,M6,GL", "C4,P6,M6,CL"),
        ("assets", BOND, BOND.replace("2027-12-31", "")),
        ("ledger", "GL,2024-12-31,personnel,80.00", "GL,2024-12-31,personnel,1e16"),
        extra={"claim_payments": "claim_id,payment_date,amount\nC1,2024-01-01,1\n"},
    )
    assert [(c.file, c.row, c.column) for c in cells_of(folder)] == [
        ("policies.csv", 4, "start_date"),
        ("claims.csv", 5, "product_id"),
        ("claim_payments.csv", 2, "payment_date"),
        ("ledger.csv", 3, "amount"),
        ("assets.csv", 3, "maturity_date"),
    ]


# ------------------------------------------------------------------ validate and close


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def test_validate_exits_2_with_the_lines_and_close_refuses_the_same_pack(tmp_path, capsys):
    folder = pack_with(tmp_path / "p", ("claims", "C4,P6,M6,GL", "C4,P6,M6,CL"))
    code, out, err = run(capsys, "validate", str(folder))
    line = ("reserva: claims.csv row 5 column product_id: value 'CL', expected GL, the product_id "
            "of policy P6 (policies.csv line 7): a claim is booked to its policy's product "
            "(claim_id C4) (fix: correct the claim's product_id or policy_id)")
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"reserva: invalid data pack {folder}: 1 bad cell in claims.csv",
                                line]
    store = tmp_path / "s.duckdb"
    code, _, err = run(capsys, "close", str(folder), "--valuation-date", "2024-12-31",
                       "--store", str(store))
    assert code == 2 and line in err.splitlines() and "Traceback" not in err
    assert not store.exists()


def test_close_refuses_a_bond_that_validate_refuses_and_stores_nothing(tmp_path, capsys):
    good = pack_with(tmp_path / "good")
    store = tmp_path / "s.duckdb"
    assert run(capsys, "close", str(good), "--valuation-date", "2024-12-31", "--store",
               str(store), "--quiet")[0] == 0
    before = _digest(store)
    bad = pack_with(tmp_path / "bad", ("assets", BOND, BOND.replace(",5000,0.05", ",,0.05")))
    for argv in (["validate", str(bad)], ["close", str(bad), "--valuation-date", "2025-03-31",
                                          "--store", str(store)]):
        code, _, err = run(capsys, *argv)
        assert code == 2, err
        assert "reserva: assets.csv row 3 column face: value ''" in err
    assert _digest(store) == before


def test_validate_exits_0_with_warnings_on_stderr_capped(tmp_path, capsys):
    n = MAX_CELL_LINES + 5
    exits = "member_id,product_id,exit_date,reason\n" + "".join(
        f"X{k},CL,2024-06-30,lapse\n" for k in range(n))
    folder = write_pack(tmp_path / "p", {**TINY_PACK, "exits": exits})
    code, out, err = run(capsys, "validate", str(folder), "--assumptions", "default")
    assert code == 0
    assert out.startswith(f"{folder}: valid (") and out.endswith(f"; {n} warnings\n")
    lines = err.splitlines()
    assert len(lines) == MAX_CELL_LINES + 1
    assert lines[0] == (
        "reserva: warning: exits.csv row 2 column member_id: value 'X0', expected a member_id "
        "with a policy of product_id CL in policies.csv: an exit is of a member who held a "
        "policy of that product (fix: check the member_id and product_id, or add the member's "
        "policies)")
    assert lines[-1] == "reserva: warning: ... and 5 more"


def test_validate_with_an_unknown_set_is_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "validate", str(pack_with(tmp_path / "p")), "--assumptions",
                       "no-such-set")
    assert code == 2 and len(err.splitlines()) == 1 and "no-such-set" in err


def test_the_close_notes_count_the_packs_warnings(tmp_path):
    from reserva.pipeline import close

    folder = pack_with(tmp_path / "p", ("exits", "M3,CL,", "M3,GL,"))
    result = close(folder, "2024-12-31", write=False)
    assert [n for n in result.notes if n.startswith("data warning")] == [
        "data warning: 1 row breaks the rule \"exits.csv: an exit is of a member who held a "
        "policy of that product\" (first: line 3, column member_id, value 'M3'); `reserva "
        "validate` lists them"]


def test_the_sample_pack_is_valid_without_warnings(tmp_path):
    from reserva.sample.generate import write_sample

    write_sample(tmp_path / "s", policies=600, seed=3)
    pack = read_pack(tmp_path / "s")
    assert pack.warnings == () and pack.warning_notes == ()
    assert pack.has("life_policies") and pack.has("savings_accounts")


def test_the_readme_documents_every_rule_of_the_schema():
    from reserva.io.schema_doc import BEGIN, END, schema_doc

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index(BEGIN):readme.index(END) + len(END)]
    assert section == schema_doc(), "run `python -m reserva.io.schema_doc` and paste it"
    assert ("Rule: when `asset_class` is government_bond, corporate_bond or deposit, "
            "`maturity_date` is given.") in section
    assert "Cross-table warning: `event_date` falls within" in section
