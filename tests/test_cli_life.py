"""`reserva life`: the actuary's spot check of a life contract, against printed textbook values.

SOA Standard Ultimate Life Table at 5% (the default set's basis), printed in Dickson, Hardy &
Waters, AMLCR 2nd ed. (2013), Appendix D: ä_{45:20} = 12.9391, A_{45:20} = 0.38385,
ä_{55:10} = 8.0192; ä_50 = 17.0245, A_50 = 0.18931. Tolerance = the printed precision.
"""

from __future__ import annotations

import json

import pytest

from tests.test_cli import run


def test_endowment_spot_check_json(capsys):
    code, out, err = run(capsys, "life", "--product", "endowment", "--age", "45", "--term", "20",
                         "--duration", "10", "--sum-insured", "100000", "--format", "json")
    assert code == 0, err
    r = json.loads(out)
    assert r["annuity_at_issue"] == pytest.approx(12.9391, abs=0.5e-4)
    assert r["assurance_at_issue"] == pytest.approx(0.38385, abs=0.5e-5)
    assert r["annuity_at_duration"] == pytest.approx(8.0192, abs=0.5e-4)
    # P = S A / ä and 10V = S (1 - ä_{55:10} / ä_{45:20}) from the printed values
    assert r["annual_premium"] == pytest.approx(100000 * 0.38385 / 12.9391, abs=0.02)
    assert r["reserve"] == pytest.approx(100000 * (1 - 8.0192 / 12.9391), abs=0.7)
    assert r["table"] == "SULT" and r["interest"] == 0.05
    assert "Standard Ultimate" in r["table_provenance"]


def test_whole_life_table_output(capsys):
    code, out, err = run(capsys, "life", "--product", "whole_life", "--age", "50")
    assert code == 0, err
    assert "17.024535" in out  # ä_50 = 17.0245 printed
    assert "0.189308" in out  # A_50 = 0.18931 printed
    assert "reserve at duration 0" in out and "SULT at 5.00%" in out


def test_interest_and_monthly_premiums_change_the_premium(capsys):
    base = json.loads(run(capsys, "life", "--product", "term", "--age", "40", "--term", "10",
                          "--sum-insured", "1000", "--format", "json")[1])
    monthly = json.loads(run(capsys, "life", "--product", "term", "--age", "40", "--term", "10",
                             "--sum-insured", "1000", "--premium-mode", "monthly",
                             "--format", "json")[1])
    low = json.loads(run(capsys, "life", "--product", "term", "--age", "40", "--term", "10",
                         "--sum-insured", "1000", "--interest", "0.0", "--format", "json")[1])
    assert monthly["annual_premium"] > base["annual_premium"]  # paid later in the year
    assert low["annual_premium"] > base["annual_premium"]  # no interest earned
    assert base["annual_premium"] == pytest.approx(
        1000 * base["assurance_at_issue"] / base["annuity_at_issue"], rel=1e-12)


@pytest.mark.parametrize(("argv", "message"), [
    (["life", "--product", "term", "--age", "45"],
     "reserva: Invalid value for --term: missing, expected a term in years for term (fix: give "
     "the term (whole life needs none))\n"),
    (["life", "--product", "endowment", "--age", "45", "--term", "20", "--table", "NOPE"],
     "reserva: assumption set default: mortality table 'NOPE' is not in mortality_tables.csv; "
     "fix: add it\n"),
    (["life", "--product", "endowment", "--age", "110", "--term", "20"],
     "reserva: Invalid value for --term: 20, expected a term ending by age 121, the end of "
     "table SULT (fix: at most 11 years at age 110)\n"),
])
def test_errors_are_one_line_no_traceback(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code in (2, 4)
    assert err == message
    assert out == ""
