"""Named, ordered migrations of the DuckDB store; each runs once, in its own transaction."""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
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
)
