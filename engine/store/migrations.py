"""Named, ordered migrations of the DuckDB store; each runs once, in its own transaction.

A migration is SQL, or a function of the connection when it depends on what the store holds
(12 rebuilds each result table with a ``scenario`` column: its rows so far are the close's,
scenario ``base``). 13 adds ``run_notes``, a run's notes one a row, without filling it for
the runs already stored (their notes stay in ``runs.notes``, one text; the readers split it).
14 adds the four tables a stress check reads besides the others (``stress_products``,
``stress_flows`` keyed by counterparty too (the distribution partner of ``partner_premiums``),
``asset_positions``, ``asset_flows``: ``reserva.projection.stress_base``),
empty for the runs already stored (a stress check refuses such a run: its close is re-run).
A result table created after 12 is created with ``scenario VARCHAR NOT NULL`` after
``run_id`` and its primary key led by ``run_id, scenario``.
A migration's text never changes once released: a later change of the schema is a new
migration.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

# the result tables as of migration 11, each rebuilt by migration 12 with the scenario key
_TABLES_V11 = (
    "reserves", "upr_rollforward", "upr_policy", "ibnr_origin", "ibnr_change", "triangles",
    "ibnr_distribution", "link_ratios", "statements", "claims_cashflows", "kpis", "alr_policy",
    "kpi_pending_claims", "cashflow_grid", "liquidity", "alm_ladder", "alm_measures", "alm_checks",
)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool]]:
    """(name, type, nullable) of a table's columns, in order."""
    return con.execute(
        "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? "
        "ORDER BY column_index", [table]).fetchall()


def _primary_key(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    row = con.execute(
        "SELECT constraint_column_names FROM duckdb_constraints() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? "
        "AND constraint_type = 'PRIMARY KEY'", [table]).fetchone()
    return list(row[0]) if row else []


def add_scenario_key(con: duckdb.DuckDBPyConnection) -> None:
    """Migration 12: every result table keyed by (run_id, scenario, ...).

    Each table is rebuilt with ``scenario VARCHAR NOT NULL`` after ``run_id`` (the other
    columns, their types, NOT NULL constraints and order unchanged), its rows copied with
    scenario ``base``, its primary key (when it has one) led by ``run_id, scenario``. A table
    that already has the column is left as it is.
    """
    for table in _TABLES_V11:
        columns = _columns(con, table)
        if any(name == "scenario" for name, _, _ in columns):
            continue
        key = _primary_key(con, table)
        defs = [f'"{name}" {kind}' + ("" if nullable else " NOT NULL")
                for name, kind, nullable in columns]
        defs.insert(1, "scenario VARCHAR NOT NULL")  # after run_id
        if key:
            lead = ["run_id", "scenario"]
            defs.append("PRIMARY KEY (" + ", ".join(
                f'"{c}"' for c in lead + [c for c in key if c not in lead]) + ")")
        names = ", ".join(f'"{name}"' for name, _, _ in columns)
        con.execute(f"ALTER TABLE {table} RENAME TO {table}_v11")
        con.execute(f"CREATE TABLE {table} ({', '.join(defs)})")
        con.execute(f"INSERT INTO {table} (scenario, {names}) "
                    f"SELECT 'base', {names} FROM {table}_v11")
        con.execute(f"DROP TABLE {table}_v11")


Migration = str | Callable[[duckdb.DuckDBPyConnection], None]

MIGRATIONS: tuple[tuple[int, str, Migration], ...] = (
    (1, "runs and results", """
        CREATE SEQUENCE run_id_seq START 1;
        CREATE TABLE runs (
            run_id          BIGINT PRIMARY KEY DEFAULT nextval('run_id_seq'),
            created_at      TIMESTAMP NOT NULL,
            valuation_date  DATE NOT NULL,
            period_start    DATE NOT NULL,
            edition         INTEGER NOT NULL,
            assumption_set  VARCHAR NOT NULL,
            assumption_hash VARCHAR NOT NULL,
            data_dir        VARCHAR NOT NULL,
            input_hashes    JSON NOT NULL,
            engine_version  VARCHAR NOT NULL,
            opening_source  VARCHAR NOT NULL,
            opening_run_id  BIGINT,
            timings         JSON NOT NULL,
            status          VARCHAR NOT NULL,
            notes           VARCHAR
        );
        CREATE TABLE reserves (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, reserve VARCHAR NOT NULL,
            opening DOUBLE NOT NULL, closing DOUBLE NOT NULL, change DOUBLE NOT NULL,
            method VARCHAR, note VARCHAR,
            PRIMARY KEY (run_id, product_id, reserve)
        );
        CREATE TABLE upr_rollforward (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL,
            upr_opening DOUBLE, written DOUBLE, cancelled DOUBLE, earned DOUBLE, upr DOUBLE,
            PRIMARY KEY (run_id, product_id)
        );
        CREATE TABLE upr_policy (
            run_id BIGINT NOT NULL, policy_id VARCHAR NOT NULL, product_id VARCHAR NOT NULL,
            upr DOUBLE, earned DOUBLE, written DOUBLE, cancelled DOUBLE
        );
        CREATE TABLE ibnr_origin (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, origin_start DATE NOT NULL,
            reported DOUBLE, reported_count DOUBLE, cdf DOUBLE, ultimate DOUBLE, ibnr DOUBLE
        );
        CREATE TABLE statements (
            run_id BIGINT NOT NULL, statement VARCHAR NOT NULL, code VARCHAR NOT NULL,
            product_id VARCHAR NOT NULL, value DOUBLE NOT NULL,
            PRIMARY KEY (run_id, statement, code, product_id)
        );
        CREATE TABLE kpis (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
            value DOUBLE, numerator DOUBLE, denominator DOUBLE, lower DOUBLE, upper DOUBLE,
            flag VARCHAR NOT NULL, note VARCHAR, position INTEGER NOT NULL,
            PRIMARY KEY (run_id, product_id, indicator)
        );
    """),
    (2, "unpaid claims cashflows", """
        CREATE TABLE claims_cashflows (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, month INTEGER NOT NULL,
            amount DOUBLE NOT NULL,
            PRIMARY KEY (run_id, product_id, month)
        );
    """),
    (3, "ibnr analysis of change", """
        CREATE TABLE ibnr_change (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, step VARCHAR NOT NULL,
            position INTEGER NOT NULL, amount DOUBLE NOT NULL,
            PRIMARY KEY (run_id, product_id, step)
        );
    """),
    (4, "ibnr standard errors", """
        ALTER TABLE reserves ADD COLUMN std_err DOUBLE;
        ALTER TABLE ibnr_origin ADD COLUMN std_err DOUBLE;
    """),
    (5, "claims triangles", """
        CREATE TABLE triangles (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, triangle VARCHAR NOT NULL,
            origin_start DATE NOT NULL, development INTEGER NOT NULL, value DOUBLE NOT NULL,
            PRIMARY KEY (run_id, product_id, triangle, origin_start, development)
        );
    """),
    (6, "ibnr bootstrap distribution", """
        CREATE TABLE ibnr_distribution (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, n_sims INTEGER, seed BIGINT,
            mean DOUBLE, std DOUBLE, p75 DOUBLE, p95 DOUBLE, p995 DOUBLE, note VARCHAR,
            PRIMARY KEY (run_id, product_id)
        );
    """),
    (7, "link ratios", """
        CREATE TABLE link_ratios (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, origin_start DATE NOT NULL,
            from_lag INTEGER NOT NULL, ratio DOUBLE, used BOOLEAN NOT NULL, high BOOLEAN NOT NULL,
            PRIMARY KEY (run_id, product_id, origin_start, from_lag)
        );
    """),
    (8, "accrued liabilities per account and contract", """
        CREATE TABLE alr_policy (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, policy_id VARCHAR NOT NULL,
            source VARCHAR NOT NULL, basis VARCHAR NOT NULL, duration_years DOUBLE,
            annual_premium DOUBLE, reserve DOUBLE NOT NULL, guaranteed_value DOUBLE,
            guarantee_exposure DOUBLE,
            PRIMARY KEY (run_id, source, policy_id)
        );
    """),
    (9, "kpi rules and the claims the timeliness schedule waits for", """
        ALTER TABLE kpis ADD COLUMN rule VARCHAR;
        CREATE TABLE kpi_pending_claims (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, claim_id VARCHAR NOT NULL,
            report_date DATE, reason VARCHAR NOT NULL,
            PRIMARY KEY (run_id, claim_id)
        );
    """),
    (10, "cashflow grid, liquidity by method and horizon, ALM ladder, measures and checks", """
        CREATE TABLE cashflow_grid (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, line VARCHAR NOT NULL,
            direction VARCHAR NOT NULL, month INTEGER NOT NULL, month_end DATE NOT NULL,
            amount DOUBLE NOT NULL,
            PRIMARY KEY (run_id, product_id, line, month)
        );
        CREATE TABLE liquidity (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, method VARCHAR NOT NULL,
            horizon_months INTEGER NOT NULL, cash DOUBLE, convertible DOUBLE, numerator DOUBLE,
            short_term DOUBLE, ratio DOUBLE, kpi BOOLEAN NOT NULL, note VARCHAR,
            PRIMARY KEY (run_id, product_id, method, horizon_months)
        );
        CREATE TABLE alm_ladder (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, bucket VARCHAR NOT NULL,
            position INTEGER NOT NULL, month_from INTEGER NOT NULL, month_to INTEGER,
            inflows DOUBLE NOT NULL, outflows DOUBLE NOT NULL, gap DOUBLE NOT NULL,
            cumulative_gap DOUBLE NOT NULL, matching_ratio DOUBLE, reason VARCHAR,
            PRIMARY KEY (run_id, product_id, bucket)
        );
        CREATE TABLE alm_measures (
            run_id BIGINT NOT NULL, product_id VARCHAR NOT NULL, measure VARCHAR NOT NULL,
            position INTEGER NOT NULL, value DOUBLE, note VARCHAR,
            PRIMARY KEY (run_id, product_id, measure)
        );
        CREATE TABLE alm_checks (
            run_id BIGINT NOT NULL, position INTEGER NOT NULL, name VARCHAR NOT NULL,
            value VARCHAR, "limit" VARCHAR, passed BOOLEAN NOT NULL, rule VARCHAR,
            PRIMARY KEY (run_id, position)
        );
    """),
    (11, "the derivation of a variant assumption set", """
        ALTER TABLE runs ADD COLUMN assumption_parent_hash VARCHAR;
        ALTER TABLE runs ADD COLUMN assumption_overrides VARCHAR;
    """),
    (12, "results keyed by run and scenario", add_scenario_key),
    # IF NOT EXISTS: a store whose bookkeeping lost the row of 13 (but kept the table) is
    # brought forward again without failing; the notes of earlier runs stay in runs.notes only
    (13, "the notes of a run as a list", """
        CREATE TABLE IF NOT EXISTS run_notes (
            run_id BIGINT NOT NULL, seq INTEGER NOT NULL, note VARCHAR NOT NULL,
            PRIMARY KEY (run_id, seq)
        );
    """),
    # created with the scenario key of 12: (run_id, scenario, ...) leads every primary key;
    # IF NOT EXISTS as in 13: a store whose bookkeeping lost the row of 14 is brought forward
    (14, "what a stress check reads", """
        CREATE TABLE IF NOT EXISTS stress_products (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, product_id VARCHAR NOT NULL,
            position INTEGER NOT NULL, kind VARCHAR NOT NULL, lapse_rate DOUBLE NOT NULL,
            refund_factor DOUBLE NOT NULL, withdrawal_rate DOUBLE NOT NULL,
            period_months INTEGER NOT NULL, horizon_months INTEGER NOT NULL,
            PRIMARY KEY (run_id, scenario, product_id)
        );
        CREATE TABLE IF NOT EXISTS stress_flows (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, product_id VARCHAR NOT NULL,
            flow VARCHAR NOT NULL, counterparty VARCHAR NOT NULL, month INTEGER NOT NULL,
            amount DOUBLE NOT NULL,
            PRIMARY KEY (run_id, scenario, product_id, flow, counterparty, month)
        );
        CREATE TABLE IF NOT EXISTS asset_positions (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, product_id VARCHAR NOT NULL,
            asset_class VARCHAR NOT NULL, counterparty VARCHAR NOT NULL,
            admitted DOUBLE NOT NULL, liquid DOUBLE NOT NULL, convertible DOUBLE NOT NULL,
            modified_duration DOUBLE NOT NULL, convexity DOUBLE NOT NULL,
            PRIMARY KEY (run_id, scenario, product_id, asset_class, counterparty)
        );
        CREATE TABLE IF NOT EXISTS asset_flows (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, product_id VARCHAR NOT NULL,
            asset_class VARCHAR NOT NULL, counterparty VARCHAR NOT NULL, month INTEGER NOT NULL,
            amount DOUBLE NOT NULL,
            PRIMARY KEY (run_id, scenario, product_id, asset_class, counterparty, month)
        );
    """),
    (15, "stress check results, reverse stress, stochastic claims and their lineage", """
        CREATE TABLE IF NOT EXISTS stress_metrics (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, product_id VARCHAR NOT NULL,
            metric VARCHAR NOT NULL, horizon_months INTEGER NOT NULL, value DOUBLE,
            base DOUBLE, change DOUBLE, threshold DOUBLE, breach BOOLEAN NOT NULL,
            PRIMARY KEY (run_id, scenario, product_id, metric, horizon_months)
        );
        CREATE TABLE IF NOT EXISTS stress_reverse (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, target VARCHAR NOT NULL,
            metric VARCHAR NOT NULL, kind VARCHAR NOT NULL, threshold DOUBLE NOT NULL,
            multiplier DOUBLE, metric_value DOUBLE, reached BOOLEAN NOT NULL,
            breached_at_low BOOLEAN NOT NULL, converged BOOLEAN NOT NULL,
            monotone BOOLEAN NOT NULL, bracket_low DOUBLE NOT NULL, bracket_high DOUBLE NOT NULL,
            PRIMARY KEY (run_id, scenario, target, metric)
        );
        CREATE TABLE IF NOT EXISTS stress_stochastic (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, product_id VARCHAR NOT NULL,
            measure VARCHAR NOT NULL, horizon_months INTEGER NOT NULL, value DOUBLE,
            PRIMARY KEY (run_id, scenario, product_id, measure, horizon_months)
        );
        CREATE TABLE IF NOT EXISTS stress_lineage (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, scenario_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL, family VARCHAR NOT NULL, severity VARCHAR NOT NULL,
            scenario_identity VARCHAR NOT NULL, scenarios_file VARCHAR NOT NULL,
            file_hash VARCHAR NOT NULL, assumption_set VARCHAR NOT NULL,
            assumption_hash VARCHAR NOT NULL, engine_version VARCHAR NOT NULL,
            simulations BIGINT, seed BIGINT, created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (run_id, scenario)
        );
    """),
    (16, "forward projections of a close: values by scenario, period and item, action "
         "events, lineage", """
        CREATE TABLE IF NOT EXISTS projection_values (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, product_id VARCHAR NOT NULL,
            period INTEGER NOT NULL, item VARCHAR NOT NULL, value DOUBLE
        );
        CREATE TABLE IF NOT EXISTS projection_events (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, action_id VARCHAR NOT NULL,
            product_kind VARCHAR NOT NULL, fired_period INTEGER, first_period INTEGER NOT NULL,
            last_period INTEGER NOT NULL, injected DOUBLE NOT NULL
        );
        CREATE TABLE IF NOT EXISTS projection_lineage (
            run_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, scenario_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL, severity VARCHAR NOT NULL, scenario_identity VARCHAR NOT NULL,
            scenarios_file VARCHAR NOT NULL, file_hash VARCHAR NOT NULL,
            actions_hash VARCHAR NOT NULL, assumption_set VARCHAR NOT NULL,
            assumption_hash VARCHAR NOT NULL, engine_version VARCHAR NOT NULL,
            period_months INTEGER NOT NULL, periods INTEGER NOT NULL, verdict VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (run_id, scenario)
        );
    """),
    (17, "social health budget runs: the run and its lineage, its scenarios, its values", """
        CREATE TABLE IF NOT EXISTS budget_runs (
            budget_id BIGINT PRIMARY KEY, set_id VARCHAR NOT NULL, set_hash VARCHAR NOT NULL,
            scenarios_file VARCHAR NOT NULL, file_hash VARCHAR NOT NULL,
            first_year INTEGER NOT NULL, last_year INTEGER NOT NULL,
            premium_base VARCHAR NOT NULL, reserve_target DOUBLE NOT NULL,
            per_capita_scale DOUBLE NOT NULL,
            engine_version VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE IF NOT EXISTS budget_scenarios (
            budget_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, name VARCHAR NOT NULL,
            scenario_identity VARCHAR NOT NULL, general_average_premium DOUBLE,
            scaled_premium DOUBLE, PRIMARY KEY (budget_id, scenario)
        );
        CREATE TABLE IF NOT EXISTS budget_values (
            budget_id BIGINT NOT NULL, scenario VARCHAR NOT NULL, year INTEGER NOT NULL,
            item VARCHAR NOT NULL, value DOUBLE
        );
    """),
)
