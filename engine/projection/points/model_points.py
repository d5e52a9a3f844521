"""Model points as arrays, one entry per point, built once at the boundary (the file reader is
``reserva.projection.points.points_file``; ``life_points`` builds them from ``life_policies``).

Months: ``duration`` is the number of whole months since issue at the projection's start
(negative: new business issued at the start of month -duration); ``term`` and ``premium_term``
are months from issue; ``interval`` the months between premiums (0: single, at issue);
``premium`` the amount of one instalment per policy (NaN where the product's premium rule
supplies it); ``count`` the number of policies the point stands for (every amount is per policy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

import numpy as np

from reserva.errors import ComputationError

INT_FIELDS = ("age_at_entry", "duration", "term", "premium_term", "first_premium", "interval",
              "annuity_interval", "guarantee", "spouse_age")
FLOAT_FIELDS = ("premium", "sum_assured", "maturity_benefit", "count", "loan_rate", "annuity",
                "reversion", "indexation", "account")
TEXT_FIELDS = ("point_id", "product", "sex", "spouse_sex")
BOOL_FIELDS = ("arrears",)


@dataclass(frozen=True)
class ModelPoints:
    point_id: np.ndarray  # object (str)
    product: np.ndarray  # object (str), a product of the basis
    sex: np.ndarray  # object, "M" or "F"
    age_at_entry: np.ndarray  # int64
    duration: np.ndarray  # int64, months since issue at the start (< 0: future new business)
    term: np.ndarray  # int64, months of cover from issue (whole life: to the table's end)
    premium_term: np.ndarray  # int64, premiums while duration < premium_term
    first_premium: np.ndarray  # int64, the duration of the first premium, then every interval
    interval: np.ndarray  # int64, months between premiums, 0 = single
    premium: np.ndarray  # float64, one instalment per policy; NaN: the basis rates it
    sum_assured: np.ndarray  # float64, death benefit (credit life: the initial loan)
    maturity_benefit: np.ndarray  # float64, paid to the survivors at the end of the term
    count: np.ndarray  # float64, policies of the point
    loan_rate: np.ndarray  # float64, credit life: the loan's annual rate
    annuity: np.ndarray  # float64, annual annuity per policy at the start
    annuity_interval: np.ndarray  # int64, months between annuity payments (>= 1)
    arrears: np.ndarray  # bool, annuity paid at the end of each period (else in advance)
    guarantee: np.ndarray  # int64, months from issue with the annuity paid whatever happens
    spouse_age: np.ndarray  # int64, the spouse's age at the start; -1: no reversion
    spouse_sex: np.ndarray  # object, "M", "F" or ""
    reversion: np.ndarray  # float64, share of the annuity continued to the spouse
    indexation: np.ndarray  # float64, annual increase of the annuity at each anniversary
    account: np.ndarray  # float64, savings: the account per policy at the start
    attributes: Mapping[str, np.ndarray] = field(default_factory=dict)  # columns to group by

    def __post_init__(self):
        n = self.point_id.size
        for f in fields(self):
            if f.name == "attributes":
                continue
            arr = getattr(self, f.name)
            if not isinstance(arr, np.ndarray) or arr.shape != (n,):
                raise ComputationError(f"model points: {f.name} must be an array of {n} values")
        for name, arr in self.attributes.items():
            if np.asarray(arr).shape != (n,):
                raise ComputationError(f"model points: attribute {name} must hold {n} values")

    @property
    def size(self) -> int:
        return int(self.point_id.size)

    def take(self, rows: np.ndarray | slice) -> ModelPoints:
        """The points ``rows`` (an index array or a slice), in that order."""
        values = {f.name: getattr(self, f.name)[rows] for f in fields(self)
                  if f.name != "attributes"}
        values["attributes"] = {k: np.asarray(v)[rows] for k, v in self.attributes.items()}
        return ModelPoints(**values)

    def with_values(self, **changes) -> ModelPoints:
        return replace(self, **changes)


def make_points(n: int, **values) -> ModelPoints:
    """Model points with defaults for what is not given (for tests and the life close): a
    monthly premium to the term, one policy, no loan, no annuity, no account, unisex "M"."""
    out: dict = {}
    defaults = {"point_id": None, "product": None, "sex": "M", "age_at_entry": None,
                "duration": 0, "term": None, "premium_term": None, "first_premium": 0,
                "interval": 1,
                "premium": 0.0, "sum_assured": 0.0, "maturity_benefit": 0.0, "count": 1.0,
                "loan_rate": 0.0, "annuity": 0.0, "annuity_interval": 1, "arrears": False,
                "guarantee": 0, "spouse_age": -1, "spouse_sex": "", "reversion": 0.0,
                "indexation": 0.0, "account": 0.0}
    unknown = set(values) - set(defaults) - {"attributes"}
    if unknown:
        raise ComputationError(f"make_points: unknown fields {sorted(unknown)}")
    for name, default in defaults.items():
        given = values.get(name, default)
        if given is None:
            if name == "point_id":
                given = np.array([str(i + 1) for i in range(n)], dtype=object)
            elif name == "premium_term":
                given = values["term"]
            else:
                raise ComputationError(f"make_points: {name} is required")
        if name in INT_FIELDS:
            dtype = np.int64
        elif name in FLOAT_FIELDS:
            dtype = np.float64
        elif name in BOOL_FIELDS:
            dtype = np.bool_
        else:
            dtype = object
        arr = np.asarray(given)
        out[name] = (np.full(n, arr.item() if arr.ndim == 0 else arr, dtype=dtype)
                     if arr.ndim == 0 else np.asarray(arr, dtype=dtype).copy())
    out["attributes"] = dict(values.get("attributes", {}))
    return ModelPoints(**out)
