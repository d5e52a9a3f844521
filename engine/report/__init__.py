"""Reports: what a run shows, apart from how it is drawn.

- ``model``: the report model (sections, tables of plain values with declared formats, KPI
  tables, figure data), frozen, no pandas and no drawing;
- ``builders``: one builder per report of a stored run (the close's summary, the KPI table,
  the trend, the pending claims, the runs, liquidity, ALM), reading the store only, and the
  rows of the same reports for an export;
- ``spot``: the builders of the spot checks (UPR, IBNR of a triangle, a life contract, a
  cash-matching portfolio) from the result the library computed;
- renderers: ``terminal`` (rich), ``export`` (CSV safe for spreadsheets, JSON);
- ``kpi_view`` (what the KPI table folds) and ``progress`` (the close's progress display).
"""
