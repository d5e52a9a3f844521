"""`reserva close` and `reserva kpi` with the full indicator table: flagged values name their
rule, the claims the timeliness schedule waits for are stored and listed (`kpi --pending`)."""

from __future__ import annotations

import io
import json

import pandas as pd

from tests.conftest import edited_set, write_pack
from tests.kpi.test_kpi_assemble import FUND
from tests.test_cli import run


def test_close_stores_pending_claims_and_kpi_lists_them(tmp_path, capsys):
    pack = write_pack(tmp_path / "pack", FUND)
    aset = edited_set(tmp_path / "set", settings=lambda s: s.replace(
        'selection = "edition"', 'selection = "reported_in_period"'))
    store = tmp_path / "s.duckdb"
    code, out, err = run(capsys, "close", str(pack), "--valuation-date", "2024-12-31",
                         "--assumptions", aset, "--store", str(store))
    assert code == 0, err
    assert "Health fund: claims index S/P" in out and "households renewed" in out
    assert "▼ HF Renewal ratio 75.0%: below the rule E2: >= 85% (E2 L2002-2003)" in out
    assert "2 claims selected for the timeliness schedule are not yet processed" in out

    code, out, err = run(capsys, "kpi", "--pending", "--format", "csv", "--store", str(store))
    assert code == 0, err
    pending = pd.read_csv(io.StringIO(out))
    assert pending["claim_id"].tolist() == ["C3", "C5"]
    assert pending["report_date"].tolist() == ["2024-12-02", "2024-12-28"]

    code, out, err = run(capsys, "kpi", "--pending", "--format", "json", "--store", str(store))
    assert code == 0 and len(json.loads(out)["pending_claims"]) == 2

    code, out, err = run(capsys, "kpi", "--format", "json", "--store", str(store))
    rows = {(r["product_id"], r["indicator"]): r for r in json.loads(out)["kpis"]}
    assert rows[("HF", "renewal_ratio")]["rule"] == "E2: >= 85% (E2 L2002-2003)"
    assert abs(rows[("HF", "health_claims_index")]["value"] - 600 / 337) < 1e-9

    code, out, err = run(capsys, "kpi", "--store", str(store))
    assert code == 0 and "below the rule E2: >= 85%" in out
