"""The sample programme definition: ``programme.toml`` read into frozen objects.

Every number the generator uses comes from this file (numbers are data, not code).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from reserva.errors import AssumptionError
from reserva.vocab import EXIT_REASONS, LIFE_PLANS, PREMIUM_FREQUENCIES, PRODUCT_KINDS

DEFAULT_PROGRAMME = "programme.toml"

_COMMON_KEYS = (
    "name", "kind", "participation", "row_share", "entrant_growth", "death_rate", "death_benefit",
    "max_age", "term_months", "term_weights", "premium_frequency", "renewal_rate",
    "nonrenewal_reasons", "cancel_rate", "cancel_refund", "cancel_reason", "lapse_rate",
    "commission_rate", "renewal_growth", "report_lag", "decision_lag", "receipt_lag",
    "reject_rate", "partial_rate", "partial_paid", "case_reserve_factor", "target_multiple",
    "target_growth", "ledger",
)
_LIFE_KEYS = ("plan", "makeham", "min_age", "max_age", "interest_rate")
_TOP_KEYS = ("members", "history", "finance", "assets", "liabilities", "products")


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Product:
    """One product of the programme: its id, position and parameters (a read-only mapping)."""

    id: str
    index: int
    params: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    @property
    def has_savings(self) -> bool:
        return "savings_share" in self.params

    @property
    def has_life(self) -> bool:
        """Level-premium life contracts (``life_policies``) valued on the ``life`` basis."""
        return "life" in self.params

    @property
    def is_group(self) -> bool:
        return "group_size" in self.params

    def choice(self, key: str) -> tuple[tuple[str, ...], np.ndarray]:
        """Codes and probabilities of a ``{code = probability}`` parameter."""
        table = self.params[key]
        return tuple(table), np.array(list(table.values()), dtype=np.float64)


@dataclass(frozen=True)
class Programme:
    """The whole sample programme: shared sections plus the products in output order."""

    members: Mapping[str, Any]
    history: Mapping[str, Any]
    finance: Mapping[str, Any]
    assets: Mapping[str, Any]
    liabilities: Mapping[str, Any]
    products: tuple[Product, ...]
    source: str

    def product(self, product_id: str) -> Product:
        for p in self.products:
            if p.id == product_id:
                return p
        raise KeyError(product_id)


def load_programme(path: str | Path | None = None) -> Programme:
    """Read and check a programme file (default: the packaged ``programme.toml``)."""
    if path is None:
        ref = resources.files("reserva.sample").joinpath(DEFAULT_PROGRAMME)
        source, raw = DEFAULT_PROGRAMME, ref.read_bytes()
    else:
        source = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise AssumptionError(f"{source}: cannot read the programme file ({exc})") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssumptionError(f"{source}: not a valid TOML file ({exc})") from exc
    for key in _TOP_KEYS:
        if key not in data:
            raise AssumptionError(f"{source}: missing section [{key}]")
    products = tuple(
        Product(pid, i, _freeze(params)) for i, (pid, params) in enumerate(data["products"].items())
    )
    prog = Programme(
        _freeze(data["members"]), _freeze(data["history"]), _freeze(data["finance"]),
        _freeze(data["assets"]), _freeze(data["liabilities"]), products, source,
    )
    _check(prog)
    return prog


def _fail(source: str, where: str, problem: str) -> AssumptionError:
    return AssumptionError(f"{source}: {where}: {problem}")


def _check_probabilities(source: str, where: str, table: Mapping[str, float], codes=None) -> None:
    total = float(sum(table.values()))
    if abs(total - 1.0) > 1e-9 or min(table.values()) < 0:
        raise _fail(source, where, f"probabilities must be >= 0 and sum to 1 (sum {total:g})")
    if codes is not None:
        bad = [c for c in table if c not in codes]
        if bad:
            raise _fail(source, where, f"unknown codes {bad}, expected one of {list(codes)}")


def _check(prog: Programme) -> None:
    src = prog.source
    if not prog.products:
        raise _fail(src, "[products]", "no product defined")
    shares = sum(p["row_share"] for p in prog.products if "row_share" in p.params)
    if abs(shares - 1.0) > 1e-9:
        raise _fail(src, "products.*.row_share", f"must sum to 1 (sum {shares:g})")
    source_id = prog.members.get("cross_sell_source")
    if source_id is not None and source_id not in {p.id for p in prog.products}:
        raise _fail(src, "members.cross_sell_source", f"unknown product {source_id!r}")
    lia = prog.liabilities
    lia_total = sum(x["share"] for x in lia["lines"]) + lia["insurance_obligations"] + lia["reinsurance_payable"]
    if abs(lia_total - 1.0) > 1e-9:
        raise _fail(src, "[liabilities]", f"line shares must sum to 1 (sum {lia_total:g})")
    mix = prog.assets["mix"]
    if abs(sum(mix.values()) - 1.0) > 1e-9 or set(mix) != set(prog.assets["admitted_fraction"]):
        raise _fail(src, "[assets] mix", "shares must sum to 1, one admitted_fraction per class")
    for p in prog.products:
        where = f"[products.{p.id}]"
        missing = [k for k in _COMMON_KEYS if k not in p.params]
        if missing:
            raise _fail(src, where, f"missing keys {missing}")
        if p["kind"] not in PRODUCT_KINDS:
            raise _fail(src, where + " kind", f"{p['kind']!r} is not one of {list(PRODUCT_KINDS)}")
        if len(p["term_months"]) != len(p["term_weights"]):
            raise _fail(src, where, "term_months and term_weights differ in length")
        _check_probabilities(src, where + " term_weights", dict(enumerate(p["term_weights"])))
        _check_probabilities(src, where + " premium_frequency", p["premium_frequency"],
                             PREMIUM_FREQUENCIES)
        _check_probabilities(src, where + " nonrenewal_reasons", p["nonrenewal_reasons"],
                             EXIT_REASONS)
        if "causes" in p.params:
            _check_probabilities(src, where + " causes", p["causes"])
        for key in ("cancel_reason", *(("group_end_reason",) if p.is_group else ())):
            if p[key] not in EXIT_REASONS:
                raise _fail(src, where + f" {key}", f"{p[key]!r} is not an exit reason")
        if p.is_group and tuple(p["term_months"]) != (12,):
            raise _fail(src, where + " term_months", "a group product has annual terms: [12]")
        if p["cancel_refund"] not in ("pro_rata", "none"):
            raise _fail(src, where + " cancel_refund", "must be 'pro_rata' or 'none'")
        if "premium_rate" in p.params:
            if "sum_insured" not in p.params:
                raise _fail(src, where, "premium_rate needs sum_insured")
        elif "annual_premium" not in p.params:
            raise _fail(src, where, "needs premium_rate + sum_insured or annual_premium")
        elif "sum_insured" not in p.params and "sum_insured_multiple" not in p.params:
            raise _fail(src, where, "annual_premium needs sum_insured or sum_insured_multiple")
        if p["death_benefit"] and "causes" not in p.params:
            raise _fail(src, where, "a product with a death benefit needs causes")
        if "claim_frequency" in p.params and "claim_amount" not in p.params:
            raise _fail(src, where, "claim_frequency needs claim_amount")
        _check_partners(src, p)
        if p.has_life:
            _check_life(src, p)


def _check_partners(src: str, p: Product) -> None:
    """``partners``: a list of distinct names, ``""`` for the policies paid directly (no
    partner), at least one a name; ``partner_is_employer``: a boolean of a group product (its
    employer group remits the premiums); not both."""
    where = f"[products.{p.id}]"
    partners = p.get("partners", ())
    if not isinstance(partners, tuple) or not all(
            isinstance(x, str) and x.strip() == x for x in partners) \
            or len(set(partners)) != len(partners) or (partners and not any(partners)):
        raise _fail(src, where + " partners", "expected a list of distinct names (\"\": paid "
                    "directly), at least one a name")
    employer = p.get("partner_is_employer", False)
    if not isinstance(employer, bool):
        raise _fail(src, where + " partner_is_employer", "expected true or false")
    if employer and not p.is_group:
        raise _fail(src, where + " partner_is_employer", "only a group product has employers")
    if employer and partners:
        raise _fail(src, where, "partners and partner_is_employer exclude each other")


def _check_life(src: str, p: Product) -> None:
    where = f"[products.{p.id}.life]"
    life = p["life"]
    missing = [k for k in _LIFE_KEYS if k not in life]
    if missing:
        raise _fail(src, where, f"missing keys {missing}")
    # a term has an end; the sample has no pensions in payment
    plans = [plan for plan in LIFE_PLANS if plan not in ("whole_life", "annuity")]
    if life["plan"] not in plans:
        raise _fail(src, where + " plan", f"{life['plan']!r} is not one of {plans}")
    if len(life["makeham"]) != 3:
        raise _fail(src, where + " makeham", "expected [A, B, c]")
    if any(m <= 0 or m % 12 for m in p["term_months"]):
        raise _fail(src, f"[products.{p.id}] term_months", "life contracts run whole years")
