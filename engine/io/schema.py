"""The data-pack schema, as data: one ``TableSpec`` per input table.

Types: ``str`` (text id or code), ``date`` (ISO ``YYYY-MM-DD``), ``money`` (decimal number,
programme currency), ``float``, ``int``. ``min`` is an inclusive lower bound, ``choices`` the
allowed codes. A table's ``row_rules`` compare two columns of a row (``left op right``, skipped
when either is empty); ``refs`` name columns whose values must exist in another table.

Every date cell must also fall in the assumption set's ``[input] earliest_date .. latest_date``
and every money cell be at most ``[input] max_money`` (``reserva.io.limits``).

Rules that involve more than one cell, as data:

- ``conditional_rules`` (``ConditionalRule``): when a code column holds one of some codes, another
  column must be present, empty, 0, > 0, one of some values, or at most another column (a bond
  has a face and a maturity; a rejected claim has paid nothing);
- ``unique_keys``: a combination of columns appears on one row only (one balance per account
  and day);
- ``pair_rules`` (``PairRule``): a row agrees with the row of another table it refers to (a
  claim's product and member are its policy's), or its pair of values is known there (an exit's
  member held a policy of that product);
- ``within_rules`` (``WithinRule``): a date falls within the dates of the row it refers to (a
  claim's event within its policy's cover, with the set's grace; a payment after the event).

Each cross-table rule is an ``error`` (the pack is refused) or a ``warning`` (the pack is read;
``DataPack.warnings`` lists the rows, the close's run notes count them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reserva.vocab import (  # the vocabularies of the columns' choices
    ASSET_CLASSES,
    CLAIM_STATUSES,
    COUPON_FREQUENCIES,
    EXIT_REASONS,
    LEDGER_LINES,
    LIABILITY_KINDS,
    LIFE_PLANS,
    POLICY_STATUSES,
    PREMIUM_FREQUENCIES,
    PRODUCT_KINDS,
    RELATIONSHIPS,
    RESERVES,
    SCHEDULED_ASSETS,
    TRANSACTION_TYPES,
)


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str  # str | date | money | float | int
    required: bool = True  # the column must be present
    nullable: bool = False  # cells may be empty
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    unique: bool = False
    doc: str = ""


@dataclass(frozen=True)
class RowRule:
    left: str
    op: str  # ">=" or ">"
    right: str
    doc: str


@dataclass(frozen=True)
class ConditionalRule:
    """When ``when_column`` is one of ``when``, ``column`` must satisfy ``must``.

    ``must``: "present", "empty", "zero", "positive", "one of" (``values``), or "<= other"
    (``other`` names the column). A rule on a value is skipped when the cell is empty or bad.
    """

    column: str
    must: str
    when: tuple[str, ...]
    when_column: str = "status"
    other: str | None = None
    values: tuple[float, ...] = ()
    fix: str = ""


@dataclass(frozen=True)
class PairRule:
    """``column`` checked against the table ``other`` through ``key`` (``other_key`` there).

    kind "same": where ``key`` is found in ``other``, ``column`` equals ``other_column`` of the
    first row with that key (a claim's product_id is its policy's product_id);
    kind "known": the pair (``key``, ``column``) is a pair (``other_key``, ``other_column``) of
    some row of ``other`` (an exit's member held a policy of that product).
    Skipped where either cell is empty or bad, or ``other`` is not in the pack.
    """

    kind: str  # same | known
    key: str
    column: str
    other: str
    other_key: str
    other_column: str
    severity: str  # error | warning
    doc: str
    fix: str


@dataclass(frozen=True)
class WithinRule:
    """The date ``column`` falls within ``other``'s ``low`` .. ``high`` of the row ``key``
    refers to (``other_key`` there, unique), widened on both sides by the ``InputLimits``
    attribute ``grace`` (days) when given; an empty ``high`` (or ``high`` None) is open."""

    key: str
    column: str
    other: str
    other_key: str
    low: str
    high: str | None
    grace: str | None
    severity: str  # error | warning
    doc: str
    fix: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    required: bool = True  # the file must be in the pack
    row_rules: tuple[RowRule, ...] = ()
    refs: tuple[tuple[str, str, str], ...] = ()  # (column, other table, other column)
    doc: str = ""
    extra: dict = field(default_factory=dict)
    conditional_rules: tuple[ConditionalRule, ...] = ()
    unique_keys: tuple[tuple[str, ...], ...] = ()  # each combination on one row only
    pair_rules: tuple[PairRule, ...] = ()
    within_rules: tuple[WithinRule, ...] = ()

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


C = ColumnSpec

PRODUCTS = TableSpec(
    "products",
    (
        C("product_id", "str", unique=True),
        C("name", "str"),
        C("kind", "str", choices=PRODUCT_KINDS),
        C("participation", "str", choices=("voluntary", "compulsory")),
    ),
    doc="One row per product; `kind` selects the reserving assumptions of the product.",
)

POLICIES = TableSpec(
    "policies",
    (
        C("policy_id", "str", unique=True),
        C("member_id", "str"),
        C("household_id", "str", required=False, nullable=True,
          doc="the household the member belongs to (household renewal ratio, E2 Box 7)"),
        C("relationship", "str", required=False, nullable=True, choices=RELATIONSHIPS,
          doc="the member's tie to the household's principal (dependant renewal, user index by "
              "kinship)"),
        C("member_group", "str", required=False, nullable=True,
          doc="a group of members such as a staff union or employer (claims index by group)"),
        C("partner", "str", required=False, nullable=True,
          doc="distribution partner that collects and remits the premiums (an MFI, an "
              "employer, a mobile network operator); empty: paid directly"),
        C("product_id", "str"),
        C("start_date", "date"),
        C("end_date", "date"),
        C("issue_date", "date", required=False, nullable=True,
          doc="premium booked before the cover starts (default: start_date)"),
        C("written_premium", "money", min=0, doc="gross premium for the whole term"),
        C("premium_frequency", "str", choices=PREMIUM_FREQUENCIES),
        C("commission", "money", required=False, nullable=True, min=0),
        C("sum_insured", "money", min=0),
        C("birth_date", "date", required=False, nullable=True),
        C("sex", "str", required=False, nullable=True, choices=("F", "M")),
        C("status", "str", choices=POLICY_STATUSES),
        C("cancel_date", "date", required=False, nullable=True),
        C("refund", "money", required=False, nullable=True, min=0),
    ),
    row_rules=(
        RowRule("end_date", ">=", "start_date", "a term ends on or after its start"),
        RowRule("start_date", ">=", "issue_date", "a policy is issued on or before its start"),
        RowRule("cancel_date", ">=", "start_date", "a cancellation falls on or after the start"),
        RowRule("written_premium", ">=", "refund", "a refund cannot exceed the premium"),
    ),
    refs=(("product_id", "products", "product_id"),),
    doc="One row per coverage term (certificate); a renewal is a new row of the same member.",
)

CLAIMS = TableSpec(
    "claims",
    (
        C("claim_id", "str", unique=True),
        C("policy_id", "str"),
        C("member_id", "str"),
        C("product_id", "str"),
        C("event_date", "date", doc="A: the insured event"),
        C("report_date", "date", doc="B: the claim is reported"),
        C("decision_date", "date", nullable=True, doc="C: decision to pay or not"),
        C("receipt_date", "date", nullable=True, doc="D: benefit received or denial notified"),
        C("status", "str", choices=CLAIM_STATUSES),
        C("claimed_amount", "money", min=0),
        C("paid_amount", "money", min=0),
        C("case_reserve", "money", nullable=True, min=0),
        C("cause", "str", required=False, nullable=True),
        C("benefit_category", "str", required=False, nullable=True,
          doc="health: e.g. outpatient, inpatient, emergency (emergency indices)"),
        C("limit_reached", "str", required=False, nullable=True, choices=("yes", "no"),
          doc="health: the case exhausted the cover limit (coverage consumption index)"),
    ),
    row_rules=(
        RowRule("report_date", ">=", "event_date", "a claim is reported on or after its event"),
        RowRule("decision_date", ">=", "report_date", "a decision follows the report"),
        RowRule("receipt_date", ">=", "decision_date", "receipt follows the decision"),
    ),
    refs=(
        ("product_id", "products", "product_id"),
        ("policy_id", "policies", "policy_id"),
    ),
    extra={"may_be_empty": True},  # a young programme may have none yet
    doc="One row per claim, with the four dates A-B-C-D of the timeliness clock.",
    # dates C (decision) and D (receipt or denial) and the statuses: spec 6.1 (E2 L2486-2488,
    # L2712-2713)
    conditional_rules=(
        ConditionalRule("decision_date", "present", ("paid", "partial", "rejected"),
                        fix="enter the decision date, or set the status to open"),
        ConditionalRule("decision_date", "empty", ("open",),
                        fix="set the status to paid, partial or rejected, or clear the decision "
                            "date"),
        ConditionalRule("receipt_date", "empty", ("open",),
                        fix="set the status to paid, partial or rejected, or clear the receipt "
                            "date"),
        ConditionalRule("paid_amount", "zero", ("rejected",),
                        fix="set paid_amount to 0, or the status to paid or partial"),
        ConditionalRule("paid_amount", "positive", ("paid", "partial"),
                        fix="enter the amount paid, or set the status to open or rejected"),
        ConditionalRule("paid_amount", "<= other", ("paid", "partial"), other="claimed_amount",
                        fix="correct paid_amount or claimed_amount"),
    ),
    pair_rules=(
        PairRule("same", "policy_id", "product_id", "policies", "policy_id", "product_id",
                 "error", "a claim is booked to its policy's product",
                 "correct the claim's product_id or policy_id"),
        PairRule("same", "policy_id", "member_id", "policies", "policy_id", "member_id",
                 "error", "a claim is made by its policy's member",
                 "correct the claim's member_id or policy_id"),
    ),
    within_rules=(
        WithinRule("policy_id", "event_date", "policies", "policy_id", "start_date", "end_date",
                   "claim_cover_grace_days", "warning",
                   "a claim's event falls within its policy's cover",
                   "check the event date and the policy_id; a claim outside the cover is "
                   "usually booked to the wrong policy"),
    ),
)

CLAIM_PAYMENTS = TableSpec(
    "claim_payments",
    (
        C("claim_id", "str"),
        C("payment_date", "date"),
        C("amount", "money", min=0),
    ),
    required=False,
    refs=(("claim_id", "claims", "claim_id"),),
    extra={"may_be_empty": True},  # a young programme may have none yet
    doc="Optional: one row per payment, for claims paid in several parts.",
    within_rules=(
        WithinRule("claim_id", "payment_date", "claims", "claim_id", "event_date", None, None,
                   "error", "a claim is paid on or after its event",
                   "correct the payment date, or the claim's event_date"),
    ),
)

EXITS = TableSpec(
    "exits",
    (
        C("member_id", "str"),
        C("product_id", "str"),
        C("exit_date", "date"),
        C("reason", "str", choices=EXIT_REASONS),
    ),
    refs=(("product_id", "products", "product_id"),),
    extra={"may_be_empty": True},  # a young programme may have none yet
    doc="One row per member exit from a product, with a coded reason.",
    pair_rules=(
        PairRule("known", "member_id", "product_id", "policies", "member_id", "product_id",
                 "warning", "an exit is of a member who held a policy of that product",
                 "check the member_id and product_id, or add the member's policies"),
    ),
)

LEDGER = TableSpec(
    "ledger",
    (
        C("product_id", "str"),
        C("period_end", "date"),
        C("line", "str", choices=LEDGER_LINES),
        C("amount", "money", min=0),
    ),
    refs=(("product_id", "products", "product_id"),),
    doc="Accounting amounts per product, period and line (all positive; the line says the sign).",
)

ASSETS = TableSpec(
    "assets",
    (
        C("as_of_date", "date", doc="the holding as at this date (snapshot)"),
        C("asset_id", "str"),
        C("asset_class", "str", choices=ASSET_CLASSES),
        C("admitted_fraction", "float", min=0, max=1),
        C("book_value", "money", min=0),
        C("market_value", "money", min=0),
        C("face", "money", required=False, nullable=True, min=0),
        C("coupon_rate", "float", required=False, nullable=True, min=0, max=1,
          doc="annual rate as a fraction (0.05 = 5%)"),
        C("coupon_frequency", "int", required=False, nullable=True, min=0),
        C("maturity_date", "date", required=False, nullable=True),
        C("rating", "str", required=False, nullable=True),
        C("product_id", "str", required=False, nullable=True),
        C("issuer", "str", required=False, nullable=True,
          doc="issuer or counterparty (single-issuer limit); empty: the holding is its own issuer"),
    ),
    refs=(("product_id", "products", "product_id"),),
    doc="Asset holdings, one snapshot per as_of_date; product_id when allocated to a product.",
    # the schedules of reserva.projection.assets: bonds and deposits need a principal and a
    # maturity; coupons are paid 12/f months apart (f divides 12)
    conditional_rules=(
        ConditionalRule("face", "present", SCHEDULED_ASSETS, when_column="asset_class",
                        fix="enter the face (principal), or correct the asset class"),
        ConditionalRule("face", "positive", SCHEDULED_ASSETS, when_column="asset_class",
                        fix="enter the face (principal), or correct the asset class"),
        ConditionalRule("maturity_date", "present", SCHEDULED_ASSETS, when_column="asset_class",
                        fix="enter the maturity date, or correct the asset class"),
        ConditionalRule("coupon_frequency", "one of", SCHEDULED_ASSETS,
                        when_column="asset_class", values=COUPON_FREQUENCIES,
                        fix="enter the coupon payments a year (0 = none), or leave it empty"),
    ),
)

LIABILITIES = TableSpec(
    "liabilities",
    (
        C("as_of_date", "date"),
        C("liability_id", "str"),
        C("kind", "str", choices=LIABILITY_KINDS),
        C("amount", "money", min=0),
        C("due_date", "date"),
        C("product_id", "str", required=False, nullable=True),
    ),
    refs=(("product_id", "products", "product_id"),),
    extra={"may_be_empty": True},  # a young programme may have none yet
    doc="Liabilities other than reserves, one snapshot per as_of_date.",
)

TARGETS = TableSpec(
    "targets",
    (
        C("product_id", "str"),
        C("period_end", "date"),
        C("target_population", "int", min=0),
    ),
    refs=(("product_id", "products", "product_id"),),
    doc="Target population per product and period (business plan).",
)

SAVINGS_ACCOUNTS = TableSpec(
    "savings_accounts",
    (
        C("account_id", "str"),
        C("member_id", "str"),
        C("product_id", "str"),
        C("balance_date", "date", doc="date of the balance (last crediting)"),
        C("balance", "money", min=0),
        C("credited_rate", "float", min=0, max=1, doc="annual effective rate"),
    ),
    required=False,
    refs=(("product_id", "products", "product_id"),),
    doc="Optional: savings balances per account and balance date.",
    unique_keys=(("account_id", "balance_date"),),
    pair_rules=(
        PairRule("same", "account_id", "product_id", "savings_accounts", "account_id",
                 "product_id", "error", "an account belongs to one product",
                 "correct the product_id, or give the account of the other product its own "
                 "account_id"),
        PairRule("known", "member_id", "product_id", "policies", "member_id", "product_id",
                 "warning", "an account is held by a member with a policy of that product",
                 "check the member_id and product_id, or add the member's policy"),
    ),
)

SAVINGS_TRANSACTIONS = TableSpec(
    "savings_transactions",
    (
        C("account_id", "str"),
        C("product_id", "str"),
        C("transaction_date", "date"),
        C("type", "str", choices=TRANSACTION_TYPES),
        C("amount", "money", min=0, doc="paid into (contribution) or out of (withdrawal) the account"),
    ),
    required=False,
    refs=(("product_id", "products", "product_id"),),
    pair_rules=(
        PairRule("same", "account_id", "product_id", "savings_accounts", "account_id",
                 "product_id", "error", "a transaction is of its account's product",
                 "correct the product_id or the account_id"),
    ),
    doc="Optional: contributions and withdrawals after the balances of savings_accounts; the ALR "
        "rolls each account forward from its last balance with the credited interest.",
)

LIFE_POLICIES = TableSpec(
    "life_policies",
    (
        C("policy_id", "str", unique=True),
        C("member_id", "str", required=False, nullable=True),
        C("product_id", "str"),
        C("plan", "str", choices=LIFE_PLANS,
          doc="whole_life: death cover for life; endowment: death cover for the term and the sum "
              "at its end; term: death cover only; pure_endowment: the sum at the end only; "
              "annuity: a pension in payment (sum_insured a year, paid at premium_mode in "
              "advance from issue_date, the start of the payments, for life or term_years; no "
              "premiums: gross_premium and premium_years empty)"),
        C("issue_date", "date"),
        C("issue_age", "int", min=0, max=120, doc="age at issue in whole years, as the table reads it"),
        C("sum_insured", "money", min=0),
        C("term_years", "int", nullable=True, min=1,
          doc="empty for whole life (and a pension for life)"),
        C("premium_years", "int", required=False, nullable=True, min=1,
          doc="years of premium payment; empty = the term (whole life: for life)"),
        C("premium_mode", "str", choices=PREMIUM_FREQUENCIES,
          doc="single = one premium at issue; otherwise level premiums at this frequency "
              "(annuity: the frequency of the pension's payments, not single)"),
        C("gross_premium", "money", required=False, nullable=True, min=0,
          doc="annual gross premium; empty = the equivalence premium of the assumption set"),
        C("exit_date", "date", required=False, nullable=True,
          doc="the day the contract ended (death, surrender, lapse); no reserve from that day"),
    ),
    required=False,
    row_rules=(
        RowRule("exit_date", ">=", "issue_date", "a contract ends on or after its issue date"),
        RowRule("term_years", ">=", "premium_years", "premiums are paid within the term"),
    ),
    refs=(("product_id", "products", "product_id"),),
    conditional_rules=(
        ConditionalRule("term_years", "present", ("endowment", "term", "pure_endowment"),
                        when_column="plan",
                        fix="enter the term in years, or set the plan to whole_life"),
        ConditionalRule("term_years", "empty", ("whole_life",), when_column="plan",
                        fix="clear term_years (whole life runs to the end of the mortality "
                            "table), or set the plan to endowment or term"),
        ConditionalRule("gross_premium", "empty", ("annuity",), when_column="plan",
                        fix="clear gross_premium: a pension in payment pays no premium"),
        ConditionalRule("premium_years", "empty", ("annuity",), when_column="plan",
                        fix="clear premium_years: a pension in payment pays no premium"),
    ),
    pair_rules=(
        PairRule("known", "member_id", "product_id", "policies", "member_id", "product_id",
                 "warning", "a contract's member holds a policy of that product",
                 "check the member_id and product_id, or leave member_id empty"),
    ),
    doc="Optional: level-premium life contracts (whole life, endowment, term) valued by their "
        "net or gross premium reserve on the product kind's life basis.",
)

FUNDING = TableSpec(
    "funding",
    (
        C("product_id", "str"),
        C("funding_date", "date"),
        C("amount", "money", min=0),
        C("source", "str", required=False, nullable=True, doc="e.g. contributions, employer, grant"),
    ),
    required=False,
    refs=(("product_id", "products", "product_id"),),
    doc="Optional: resources actually assigned to a (health) fund, whatever their source "
        "(financing index I_F = claims / funding).",
)

PLANS = TableSpec(
    "plans",
    (
        C("product_id", "str"),
        C("period_start", "date", doc="first day of the plan period"),
        C("period_end", "date", doc="last day of the plan period"),
        C("planned_claims", "money", min=0, doc="claims cost planned for the whole plan period"),
    ),
    required=False,
    row_rules=(RowRule("period_end", ">=", "period_start", "a plan ends on or after its start"),),
    refs=(("product_id", "products", "product_id"),),
    doc="Optional: the operating plan's claims cost per product (plan adjustment index).",
)

OPENING_BALANCES = TableSpec(
    "opening_balances",
    (
        C("product_id", "str"),
        C("valuation_date", "date"),
        C("reserve", "str", choices=RESERVES),
        C("amount", "money", min=0),
    ),
    required=False,
    refs=(("product_id", "products", "product_id"),),
    doc="Optional: reserves at the start of the first period closed with Reserva.",
)

TABLES: tuple[TableSpec, ...] = (
    PRODUCTS, POLICIES, CLAIMS, CLAIM_PAYMENTS, EXITS, LEDGER, ASSETS, LIABILITIES,
    TARGETS, SAVINGS_ACCOUNTS, SAVINGS_TRANSACTIONS, LIFE_POLICIES, FUNDING, PLANS,
    OPENING_BALANCES,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}
