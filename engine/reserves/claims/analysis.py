"""The analysis of change of the IBNR in a close: from the opening IBNR by origin to the closing.

The steps are those of ``reserva.reserves.claims.change`` (opening - expected emergence + new
origins + assumption changes + remeasurement = closing). The opening IBNR by origin comes
from the opening run stored at the period start (``reserva.store.opening``), or, without
one, from the IBNR recomputed at the period start on the same data; the assumption changes
are the closing IBNR on the current set minus the closing IBNR recomputed on the opening
run's set (0 when the set is the same, or when the opening run's set is no longer available
with its hash: the run notes it and the change stays in the remeasurement). An opening run
closed on a variant set (``reserva.io.variants``) has its set derived again from the stored
parent hash and overrides (``reserva.store.opening``), so a what-if quarter followed by a
base quarter splits the assumption changes out like two base sets do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.reserves.claims.change import IbnrChange, ibnr_change
from reserva.reserves.claims.ibnr import IbnrResult

__all__ = ["OriginIbnr", "analysis_of_change"]


@dataclass(frozen=True)
class OriginIbnr:
    """A previous IBNR by product x origin ([product, origin]; unused cells NaT / 0)."""

    starts: np.ndarray  # datetime64[D] origin starts
    latest: np.ndarray  # reported to date
    cdf: np.ndarray  # cumulative development factor to ultimate
    ibnr: np.ndarray

    @classmethod
    def of(cls, result: IbnrResult, n_products: int) -> OriginIbnr:
        """The origins of an IBNR computed now (its origins are shared by the products)."""
        latest = result.by_origin_latest
        cdf = np.divide(result.by_origin_ultimate, latest, out=np.ones_like(latest),
                        where=latest > 0)
        return cls(np.tile(result.triangle.origin_start, (n_products, 1)), latest, cdf,
                   result.by_origin_ibnr)


def analysis_of_change(opening: OriginIbnr, closing: IbnrResult, products: np.ndarray,
                       closing_on_prior_set: IbnrResult | None = None) -> IbnrChange:
    """The steps from ``opening`` to the ``closing`` IBNR, per product.

    ``closing_on_prior_set``: the closing IBNR recomputed on the opening run's assumption set,
    when it differs from the current one (the assumption changes are the difference); None:
    no assumption changes.
    """
    changes = np.zeros(len(closing.products)) if closing_on_prior_set is None \
        else closing.ibnr - closing_on_prior_set.ibnr
    return ibnr_change(opening.starts, opening.latest, opening.cdf, opening.ibnr,
                       closing.triangle.origin_start, closing.by_origin_latest,
                       closing.by_origin_ibnr, products, changes)
