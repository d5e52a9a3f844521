"""Analysis of change of the IBNR between two closes, per product.

For each origin ``o`` known at the previous close (latest reported ``L0_o``, cumulative factor to
ultimate ``CDF0_o``), the claims expected to be reported in the period are
``E_o = L0_o x (CDF0_o / CDF0'_o - 1)`` where ``CDF0'_o`` is the previous factor one period
further developed (``CDF0_o`` of the next-older origin); the actual reported is
``A_o = L1_o - L0_o``. The steps, which add up to the closing IBNR to the cent:

    opening IBNR (previous run)
  - expected emergence            sum_o E_o
  + new origins                   IBNR of origins that started after the previous close
  + assumption changes            closing IBNR on the current assumption set - closing IBNR
                                  recomputed on the previous run's set (method, factor options,
                                  selections, loss ratios); 0 when the set is unchanged
  + remeasurement                 closing - (opening - expected + new origins + assumption
                                  changes): the actual vs expected experience (shown apart as
                                  ``actual_minus_expected`` = sum_o A_o - E_o, for information)
                                  and the re-estimated factors
  = closing IBNR
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STEPS = ("opening", "expected_emergence", "new_origins", "assumption_changes", "remeasurement",
         "closing")


@dataclass(frozen=True)
class IbnrChange:
    products: np.ndarray
    opening: np.ndarray
    expected_emergence: np.ndarray
    actual_reported: np.ndarray  # reported in the period on origins known before
    actual_minus_expected: np.ndarray
    new_origins: np.ndarray
    assumption_changes: np.ndarray
    remeasurement: np.ndarray
    closing: np.ndarray

    def steps(self) -> dict[str, np.ndarray]:
        return {
            "opening": self.opening, "expected_emergence": -self.expected_emergence,
            "new_origins": self.new_origins, "assumption_changes": self.assumption_changes,
            "remeasurement": self.remeasurement,
            "closing": self.closing, "actual_reported": self.actual_reported,
            "actual_minus_expected": self.actual_minus_expected,
        }


def ibnr_change(
    prev_origin: np.ndarray,  # [p, o0] datetime64[D] origin starts of the previous run
    prev_latest: np.ndarray,
    prev_cdf: np.ndarray,
    prev_ibnr: np.ndarray,
    origin: np.ndarray,  # [o1] origin starts now (shared by the products)
    latest: np.ndarray,  # [p, o1]
    ibnr: np.ndarray,  # [p, o1]
    products: np.ndarray,
    assumption_changes: np.ndarray | None = None,
) -> IbnrChange:
    """The steps from the previous run's IBNR by origin to the current one, per product."""
    n_p = len(products)
    opening = np.nansum(prev_ibnr, axis=1) if prev_ibnr.size else np.zeros(n_p)
    closing = ibnr.sum(axis=1)
    expected = np.zeros(n_p)
    actual = np.zeros(n_p)
    new = np.zeros(n_p)
    index_now = {d: k for k, d in enumerate(origin.tolist())}
    for i in range(n_p):
        starts0 = prev_origin[i]
        # the previous CDF one period further developed is that of the next-older origin
        older = np.concatenate([[1.0], prev_cdf[i][:-1]])
        for k, d in enumerate(starts0):
            if np.isnat(d):
                continue
            e = prev_latest[i, k] * (prev_cdf[i, k] / older[k] - 1.0) if older[k] > 0 else 0.0
            expected[i] += e
            if d.tolist() in index_now:
                actual[i] += latest[i, index_now[d.tolist()]] - prev_latest[i, k]
        known = set(starts0[~np.isnat(starts0)].tolist())
        new[i] = sum(ibnr[i, k] for k, d in enumerate(origin.tolist()) if d not in known)
    changes = np.zeros(n_p) if assumption_changes is None else np.asarray(assumption_changes)
    remeasurement = closing - (opening - expected + new + changes)
    return IbnrChange(np.asarray(products), opening, expected, actual, actual - expected, new,
                      changes, remeasurement, closing)
