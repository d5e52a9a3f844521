"""Reserva: actuarial reserving and projection engine (import name ``reserva``).

The names a notebook or a script needs, loaded on first use (``import reserva`` and
``reserva --help`` import neither numba, chainladder nor duckdb)::

    reserva.load_pack(data_dir)               read and validate a data pack
    reserva.load_assumptions(set_id)          an assumption set, checked against its manifest
    reserva.derive(set, settings=...)         a variant of a set, with its own identity
    reserva.close(pack, valuation_date)       the period-end close, in memory unless asked
    reserva.close_many(pack, dates)           several period ends, the pack read once
    reserva.upr_at / triangle_ibnr / life_reserve   spot checks
    reserva.runs(store) / results(store, table)     what a store holds
    reserva.scenarios(store, run_id)          the scenarios of a stored run
    reserva.stored_report(store, kind)        a report of a stored run, as the report model
    reserva.stress(store, scenarios=...)      stress checks of a stored close
    reserva.project(store, years=5)           forward projections of a stored close
    reserva.health_budget("essalud")          the social health budget of a scheme
    reserva.project_points(points, basis)     model-point projections (life, savings, annuities)
    reserva.EngineError, InputError, ArgumentError, AssumptionError, StoreError,
    AlreadyClosed, ComputationError, BadCell  the errors (``reserva.errors``)

The functions are those of ``reserva.api``, where each is documented. The close pipeline
itself (stage order, timings, the store write) is the module ``reserva.pipeline``.
"""

from __future__ import annotations

from importlib import import_module as _import_module
from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

from reserva.errors import (
    AlreadyClosed,
    ArgumentError,
    AssumptionError,
    BadCell,
    ComputationError,
    EngineError,
    InputError,
    StoreError,
)

try:
    __version__ = _version("reserva")
except _PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

# name -> the module that defines it, imported on first use
_LAZY = {
    "load_pack": "reserva.api", "load_assumptions": "reserva.api", "derive": "reserva.api",
    "close": "reserva.api", "close_many": "reserva.api", "upr_at": "reserva.api",
    "triangle_ibnr": "reserva.api", "life_reserve": "reserva.api", "runs": "reserva.api",
    "results": "reserva.api", "scenarios": "reserva.api", "stored_report": "reserva.api",
    "stress": "reserva.api",
    "project": "reserva.api", "health_budget": "reserva.api", "project_points": "reserva.api",
    "DataPack": "reserva.api", "AssumptionSet": "reserva.api",
    "CloseResult": "reserva.api", "Overrides": "reserva.io.variants",
}

__all__ = [
    "load_pack", "load_assumptions", "derive", "Overrides", "close", "close_many", "upr_at",
    "triangle_ibnr", "life_reserve", "runs", "results", "scenarios", "stored_report", "stress",
    "project", "health_budget", "project_points",
    "DataPack", "AssumptionSet", "CloseResult", "EngineError", "InputError", "ArgumentError",
    "AssumptionError", "StoreError", "AlreadyClosed", "ComputationError", "BadCell",
    "__version__",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(_import_module(_LAZY[name]), name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module 'reserva' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names and the submodules loaded so far (no import machinery)."""
    public = {n for n in globals() if not n.startswith("_")} - {"annotations"}
    return sorted(public | set(__all__))
