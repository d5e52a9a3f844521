"""The IBNR methods, one registry: name -> what the method computes and what it needs.

Every IBNR dispatch reads this registry: the close (``ibnr.compute_ibnr``, one method per
product kind of the set's ``reserving.csv``), a triangle alone (``triangle_ibnr``, ``reserva
ibnr --method`` and ``reserva.triangle_ibnr``) and the checks of the set (``ibnr_method`` and
``thin_fallback`` are names of ``reserva.vocab.IBNR_METHODS``, the keys of ``METHODS`` in that order). One
spelling everywhere: ``chain_ladder``, ``cape_cod``; the CLI and the API also accept the
spellings of the chainladder package, ``chainladder`` and ``capecod`` (``ALIASES``).

Each method projects the ultimates ``[s, o]`` of cumulative triangles ``C[s, o, d]`` with the
development factors chosen for them (``methods``; sources there):

- ``chain_ladder``: ult_o = latest_o x CDF_(age of o) (Mack 1993 §1);
- ``mack``: the chain ladder with Mack (1993) standard errors by origin and in total;
- ``bf``: Bornhuetter-Ferguson (1972), ult_o = latest_o + E_o x ELR x (1 - 1/CDF_o);
- ``cape_cod``: BF with ELR = sum latest / sum (E / CDF) from the data (Stanard 1985);
- ``benktander``: BF applied to the BF ultimate (Mack 2000, ``n_iters = 2``);
- ``expected``: expected claims, ult_o = max(E_o x ELR, latest_o) (young or thin products);
- ``count_severity``: the chain ladder on claim counts x the average reported cost;
- ``none``: no IBNR (ult_o = latest_o).
``E_o`` is the exposure of the origin (the earned premium in a close), ``ELR`` the a priori
(expected) loss ratio.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the kernels load on first use: the CLI lists the registry without numpy
    import numpy as np

    from reserva.reserves.claims import methods as m


@dataclass(frozen=True)
class MethodInputs:
    """What a method may read; ``C`` and the arrays are per segment ``[s, ...]``."""

    C: np.ndarray  # cumulative [s, o, d], NaN where unknown
    factors: m.Factors
    exposure: np.ndarray | None = None  # [s, o]
    apriori: np.ndarray | None = None  # [s] expected loss ratio
    sigma_extrapolation: str = "mack"
    counts: Callable[[], tuple[np.ndarray, m.Factors]] | None = None  # cumulative counts, factors


@dataclass(frozen=True)
class IbnrMethod:
    """One IBNR method and its capabilities."""

    name: str
    summary: str
    project: Callable[[MethodInputs], m.Projection | m.Mack]
    needs_exposure: bool = False  # an exposure per origin (the close: earned premium)
    needs_apriori: bool = False  # an expected loss ratio
    std_errors: bool = False  # Mack standard errors (``mack_se`` [s, o], ``total_se`` [s])
    on_triangle: bool = True  # available for a triangle alone (reserva ibnr, triangle_ibnr)
    thin_check: bool = True  # the close falls back below min_claims_for_chain_ladder


def _m():
    from reserva.reserves.claims import methods

    return methods


def _latest_only(x: MethodInputs, ultimate) -> m.Projection:
    import numpy as np

    m = _m()
    cl = m.chain_ladder(x.C, x.factors)
    u = ultimate(np.nan_to_num(cl.latest))
    return m.Projection(cl.latest, u, u - cl.latest, cl.cdf_applied)


def _expected(x: MethodInputs) -> m.Projection:
    import numpy as np

    return _latest_only(x, lambda lat: np.maximum(x.exposure * x.apriori[:, None], lat))


def _count_severity(x: MethodInputs) -> m.Projection:
    import numpy as np

    N, count_factors = x.counts()
    cn = _m().chain_ladder(N, count_factors)

    def ultimate(lat):
        n_lat = np.nan_to_num(cn.latest)
        out = np.empty_like(lat)
        for s in range(lat.shape[0]):  # the product's average cost over its reported claims
            severity = lat[s].sum() / n_lat[s].sum() if n_lat[s].sum() > 0 else 0.0
            out[s] = lat[s] + (np.nan_to_num(cn.ultimate[s], nan=0.0) - n_lat[s]) * severity
        return out

    return _latest_only(x, ultimate)


METHODS: MappingProxyType[str, IbnrMethod] = MappingProxyType({e.name: e for e in (
    IbnrMethod("chain_ladder", "chain ladder, volume-weighted link ratios",
               lambda x: _m().chain_ladder(x.C, x.factors)),
    IbnrMethod("mack", "chain ladder with Mack (1993) standard errors",
               lambda x: _m().mack(x.C, x.factors, sigma_extrapolation=x.sigma_extrapolation),
               std_errors=True),
    IbnrMethod("bf", "Bornhuetter-Ferguson: exposure x a priori loss ratio",
               lambda x: _m().bornhuetter_ferguson(x.C, x.factors, x.exposure, x.apriori),
               needs_exposure=True, needs_apriori=True),
    IbnrMethod("cape_cod", "Cape Cod: the loss ratio estimated from the triangle and exposure",
               lambda x: _m().cape_cod(x.C, x.factors, x.exposure), needs_exposure=True),
    IbnrMethod("benktander", "Benktander: BF applied to the BF ultimate",
               lambda x: _m().benktander(x.C, x.factors, x.exposure, x.apriori, n_iters=2),
               needs_exposure=True, needs_apriori=True),
    IbnrMethod("expected", "expected claims: exposure x expected loss ratio, at least reported",
               _expected, needs_exposure=True, needs_apriori=True, on_triangle=False,
               thin_check=False),
    IbnrMethod("count_severity", "chain ladder on claim counts x the average cost",
               _count_severity, on_triangle=False),
    IbnrMethod("none", "no IBNR", lambda x: _latest_only(x, lambda lat: lat), on_triangle=False),
)})
# the chainladder package's spellings, accepted by the CLI and the API
ALIASES = MappingProxyType({"chainladder": "chain_ladder", "capecod": "cape_cod"})
ON_TRIANGLE = tuple(name for name, e in METHODS.items() if e.on_triangle)
NEEDS_EXPOSURE = tuple(name for name, e in METHODS.items() if e.needs_exposure)


def canonical(name: str) -> str:
    """The registry's name of a method given in either spelling (``chainladder`` ->
    ``chain_ladder``); an unknown name is returned as given."""
    return ALIASES.get(name, name)


def triangle_choices() -> tuple[str, ...]:
    """The names ``reserva ibnr --method`` accepts: the methods for a triangle alone, then the
    aliases of those."""
    return (*ON_TRIANGLE, *(a for a, name in ALIASES.items() if name in ON_TRIANGLE))
