"""A model-point basis on the SOA Standard Ultimate Life Table at 5% (textbook acceptance tests).

Dickson, Hardy & Waters, Actuarial Mathematics for Life Contingent Risks, 2nd ed. 2013 (AMLCR),
§4.3 and Appendix D: Makeham's law mu_x = A + B c^x, A = 0.00022, B = 2.7e-6, c = 1.124, so

    q_x = 1 - exp(-A - B c^x (c - 1) / ln c),   i = 5%.

The table is the one of the default assumption set (``reserva life``): ages 0-120, closed with
q_120 = 1, one (ultimate) column. The basis: a flat zero curve at 5% (a flat zero curve is a
flat annual rate, v(tau) = 1.05^(-tau / 12)), no lapses, no expenses, no commissions; premiums at
the start of the month, claims at the end of the month of death (``benefits``), maturities and
annuities at the start of the month (the kernel's fixed timing). One product per kind, named by
the kind, with the premium given by the point; ``rated_<kind>`` the same product with the net
premium of the engine's ``rated`` rule (no loading, not rounded).
"""

from __future__ import annotations

from reserva.projection.points.basis import Basis, DiscountCurve, ProductBasis, SelectTable
from reserva.reserves.accrued.mortality import makeham

MAKEHAM_A, MAKEHAM_B, MAKEHAM_C = 0.00022, 2.7e-6, 1.124
RATE = 0.05
MIN_AGE, MAX_AGE = 0, 120
SOURCE = ("SOA Standard Ultimate Life Table, Makeham A = 0.00022, B = 2.7e-6, c = 1.124 "
          "(AMLCR 2nd ed. 2013, Appendix D), closed at 120")
KINDS = ("term", "endowment", "whole_life", "pure_endowment", "annuity")


def sult_table() -> SelectTable:
    """The SULT as an ultimate select table (one column), ages 0-120, q_120 = 1."""
    law = makeham("SULT", MAKEHAM_A, MAKEHAM_B, MAKEHAM_C, MIN_AGE, MAX_AGE, SOURCE)
    return SelectTable("SULT", law.min_age, law.q, SOURCE)


def _product(name: str, kind: str, rule: str) -> ProductBasis:
    return ProductBasis(product=name, kind=kind, mortality={"M": "SULT", "F": "SULT"},
                        lapse=[0.0], commission=[0.0], surrender_charge=[0.0],
                        premium_rule=rule)


def sult_basis(benefits: str = "end") -> Basis:
    """The SULT 5% basis; ``benefits`` the timing of claims in the month of death."""
    products = {}
    for kind in KINDS:
        products[kind] = _product(kind, kind, "given")
        if kind not in ("annuity", "savings"):  # no premium rated on their claims
            products[f"rated_{kind}"] = _product(f"rated_{kind}", kind, "rated")
    return Basis(name="SULT 5%", set_hash="", products=products, tables={"SULT": sult_table()},
                 curve=DiscountCurve("zero", [RATE]),
                 timing={"premiums": "start", "expenses": "start", "benefits": benefits})
