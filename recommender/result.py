"""What :meth:`Recommender.recommend` returns: frozen, JSON-stable models.

Every entry carries its own names and texts in each language the knowledge
declares (``languages``), so a result renders its rationale
(:meth:`Recommendation.rationale_text`) without the knowledge base. Field order
is the JSON order; lists are sorted, so equal inputs give byte-identical JSON.

The renderers (:mod:`recommender.brief`, :mod:`recommender.detail`) import this
module and register themselves with :func:`renders`; this module never imports
them, so the dependency runs one way. The package imports them on load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, Literal, Protocol, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field

from .knowledge.schema import Text
from .messages import LANGS, knowledge_messages, using
from .vocabulary import SINGLE_ADVICE

# A language code the knowledge declares (framework.yaml's languages): zh, en, ...
Lang = str

_Renderer = TypeVar("_Renderer", bound=Callable[..., str])
_RENDERERS: dict[str, Callable[[Any, Lang], str]] = {}


def renders(kind: str) -> Callable[[_Renderer], _Renderer]:
    """Register the decorated function as the ``kind`` text renderer ("brief", "detail" or "bundle")."""
    def register(func: _Renderer) -> _Renderer:
        _RENDERERS[kind] = func
        return func
    return register


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Shown(Protocol):
    """Any entry of a result shown by name: ``name`` holds it in every language the knowledge declares."""

    @property
    def name(self) -> Text: ...


class Entity(_Frozen):
    """Something the knowledge names: an industry, a product, a business area."""

    id: str
    name: Text


class CustomerSummary(_Frozen):
    """What the proposal shows of the customer (seed 003's six steps: industry, competition, financial impact)."""

    industry: Entity
    segment: Entity | None
    employees: int
    sites: int | None
    annual_spend: float | None = Field(description="Yuan a year the customer spends with the operator today.")
    telecom_spend: float | None = Field(description="Yuan a year it spends on telecoms with every operator.")
    existing_products: list[Entity] = Field(description="Products it buys from the operator today.")
    rival_products: list[Entity] = Field(description="Products of the catalog it buys from a rival today.")
    key_account: bool = Field(description=(
        "The rules gave it a key-account service level: the proposal adds the industry, competition and "
        "financial-impact sections."))


class FinancialImpact(_Frozen):
    """What a bundle brings the operator in a year (seed 003 第六步: 举措可能带来的财务影响)."""

    annual_recurring: float = Field(description="Twelve months of the bundle's monthly charges, in yuan.")
    first_year: float = Field(description="The first year's revenue: the monthly charges plus one-time charges.")
    from_rivals: float = Field(description=(
        "Of annual_recurring, what products the customer buys from a rival today bring: revenue won over."))
    current_spend: float | None = Field(description="The customer's annual spend with the operator today.")
    growth: float | None = Field(description="annual_recurring over current_spend: 0.25 is a quarter more.")
    share_of_wallet: float | None = Field(description=(
        "The operator's share of the customer's telecom spend today (needs telecom_spend)."))
    share_of_wallet_after: float | None = Field(description=(
        "The share once the bundle is bought: the customer stops paying rivals for what it moves over and adds "
        "the rest to its telecom spend."))


class StepScore(_Frozen):
    """One step: the mean of all its indicators, a missing one counted at the assessment's ``missing_score``."""

    id: str
    name: Text
    score: float | None
    indicators: dict[str, int]  # the indicators the profile gives, by field
    missing: list[str]  # the indicators it does not give


class Evidence(_Frozen):
    """[A] One input that decided part of the assessment, with its names and its score (1-5) if it has one."""

    id: str
    name: Text
    score: float | None = None


class ValueEvaluation(_Frozen):
    """[A] How the value type was reached (seed 004 3.1 集团客户价值评估).

    ``basis``: ``stated`` (the profile gave it), ``authority`` (a non-profit authority by industry or
    segment), ``indicators`` (economic value against the social influences the profile lists) or
    ``large_group`` (no social influence given: a large group, by its scale step, with high economic value is
    of dual value).
    """

    basis: Literal["stated", "authority", "indicators", "large_group"]
    economic: float = Field(description="Economic value: the mean of the economic dimensions the profile gives.")
    economic_parts: list[Evidence] = Field(description="Scale, IT investment, profitability, IT attitude.")
    economic_high: bool
    social: list[Evidence] | None = Field(description="Social influences held; None when the profile lists none.")
    social_high: bool
    authority: Evidence | None = Field(description="The industry or segment that makes it a non-profit authority.")


class LifecycleEvidence(_Frozen):
    """[A] The lifecycle stage (seed 004 3.2): stated, or derived from ``basis`` (profile field -> value)."""

    stage: str | None
    derived: bool
    basis: dict[str, float] = Field(default_factory=dict)


class CustomerAssessment(_Frozen):
    """Seed 004's measurement system, value evaluation and lifecycle, and seed 000's class, for the profile.

    ``steps`` and ``score`` are the measurement system (seed 004 3.1). The class
    bands ``class_score``, the mean of ``class_criteria`` (seed 000: customer
    scale, operator revenue, social influence); ``coverage`` is the share of
    their indicators the profile gives: the confidence of the class. A class
    band may require a minimum coverage; when the profile falls short,
    ``customer_class`` is the band its coverage allows and ``class_by_score`` the
    one the score alone would reach.
    """

    steps: list[StepScore]
    score: float | None
    class_criteria: list[StepScore]
    class_score: float | None
    coverage: float
    class_by_score: str | None
    customer_class: str | None
    value_type: str
    value_type_assessed: bool
    value: ValueEvaluation
    lifecycle: LifecycleEvidence
    names: dict[str, Text] = Field(default_factory=dict, description=(
        "[A] The framework's names of the value type and classes above, by id, so the rationale needs no ids."))
    capital_city: bool
    key_person_rank: str | None


class NeedResult(_Frozen):
    id: str
    module: str
    name: Text
    weight: float
    sources: list[str]  # "stated" or rule ids


class Reason(_Frozen):
    """Why a product is in a bundle."""

    kind: Literal["need", "rule", "dependency", "win_back", "policy_exception", "add_on"]
    need: str | None = None
    rule: str | None = None
    inputs: list[str] = Field(default_factory=list)
    product: str | None = None
    text: Text


class BundleProduct(_Frozen):
    id: str
    name: Text
    category: str
    portfolio: str
    quantity: int = Field(description="Units bought: sites, users or vehicles as ``per`` says; 1 per customer.")
    per: Literal["customer", "site", "user", "vehicle"] = Field(description="What the quantity counts.")
    quantity_assumed: bool = Field(description="The profile lacks the count, so 1 was taken.")
    quantity_rule: str | None = Field(description="The rule that set the quantity, if one did.")
    recurring: float = Field(description="Sized monthly charges: unit price × quantity, summed over its prices.")
    one_time: float = Field(description="Sized one-time charges.")
    illustrative_price: bool
    phase: int
    business_area: str | None = Field(default=None, description=(
        "Its business area id (seed 003: data and lines, voice, applications); the proposal groups by it."))
    reasons: list[Reason]


class ScoreBreakdown(_Frozen):
    """Each component is in [0, 1]; ``total`` is their weighted sum."""

    coverage: float
    fit: float
    cost: float
    lifecycle: float
    portfolio: float
    weights: dict[str, float]
    total: float


class PriceLine(_Frozen):
    """One price of a product: ``unit_amount × quantity = amount``."""

    product: str
    priceType: Literal["recurring", "one_time"]
    per: Literal["customer", "site", "user", "vehicle"]
    unit_amount: float = Field(description="The price of one unit, after volume tiers.")
    quantity: int
    amount: float
    illustrative: bool


class PriceSummary(_Frozen):
    recurring_monthly: float
    one_time: float
    budget_monthly: float | None
    budget_one_time: float | None = Field(description="The one-time budget the bundle was held to.")
    one_time_budget_months: float | None = Field(description=(
        "Set when the customer gave no one-time budget: the catalog's default is this many months of the "
        "monthly budget."))
    lines: list[PriceLine]


LeftOutReason = Literal["rule_exclusion", "customer_excluded", "retired", "out_of_period", "portfolio",
                        "ineligible", "conflict", "over_budget", "dependency_unavailable", "already_owned", "no_need",
                        "not_chosen"]
LEFT_OUT_REASONS: tuple[str, ...] = get_args(LeftOutReason)


class LeftOut(_Frozen):
    """A product that was considered and is not in the bundle, and why."""

    product: str
    name: Text
    reason: LeftOutReason
    rule: str | None = None
    text: Text


class NeedGap(_Frozen):
    """A stated need a bundle leaves open, and what it would take to cover it."""

    need: str
    name: Text
    remedy: Text


class Bundle(_Frozen):
    """One recommended bundle: products, price, score breakdown and rationale."""

    rank: int
    stated_coverage: float = Field(description="Share of the stated need weight covered; ranks before the score.")
    score: float
    breakdown: ScoreBreakdown
    products: list[BundleProduct]
    price: PriceSummary
    covered_needs: list[str]
    uncovered_needs: list[str]
    stated_gaps: list[NeedGap] = Field(default_factory=list, description="Stated needs left open, with remedies.")
    distinction: Text | None = Field(default=None, description="What sets this bundle apart from bundle 1.")
    phases: list[list[str]]
    left_out: list[LeftOut]
    left_out_counts: dict[LeftOutReason, int] = Field(
        default_factory=dict, exclude_if=lambda counts: not counts, description=(
            "Products the bundle also leaves out without listing them, by reason; absent when left_out lists "
            "every one. A bundle leaving out more than 60 products (a catalog of thousands) lists those the "
            "customer excluded or owns, a rule excluded, or an add-on rule could not add, and for each need and "
            "reason the best 3: proposed by a rule first, then serving most of the customer's needs, cheapest "
            "first."))
    offers: list[OfferChoice] = Field(default_factory=list, description=(
        "Offer tiers the bundle-stage rules chose from this bundle's own spend."))
    discounts: list[Discount] = Field(default_factory=list, description=(
        "Discounts the bundle-stage rules give on this bundle; price.recurring_monthly and price.one_time are "
        "net of them, the price lines are list prices."))
    notes: list[Note] = Field(default_factory=list, description="Notes of the bundle-stage rules on this bundle.")
    financial_impact: FinancialImpact | None = Field(default=None, description=(
        "What the bundle brings the operator in a year, against the customer's spend today."))
    pricing_policy: list[PolicyLine] = Field(default_factory=list, description=(
        "How the bundle's products are priced by policy class (seed 001 四.1, 002 3.3) and the subsidy cap of "
        "each handset in it (seed 002 3.3.2)."))

    def rationale_text(self, lang: Lang = "en") -> str:
        """This bundle's part of the audit text (``Recommendation.rationale_text(lang, detail=True)``)."""
        return _RENDERERS["bundle"](self, lang)


class PolicyLine(_Frozen):
    """One pricing-policy line of a bundle: a policy class and its products, or a handset and its subsidy cap."""

    kind: Literal["pricing", "subsidy"]
    policy: str = Field(description="The policy class id (pricing) or handset type id (subsidy).")
    name: Text
    products: list[str]
    max_subsidy: float | None = Field(default=None, description=(
        "Subsidy lines: the most yuan the subsidy may cover, the cap times the handsets' sized one-time price."))
    marketing: Text | None = Field(default=None, description="Pricing lines: the class's marketing policy.")
    text: Text = Field(description="Pricing lines: the class's pricing; subsidy lines: the cap.")


class Discount(_Frozen):
    """A share off one product's price in a bundle, set by a bundle-stage rule (seed 002: broadband 0 yuan)."""

    product: str
    priceType: Literal["recurring", "one_time"]
    percent: float
    amount: float = Field(description="Yuan off: percent of the product's sized price of this type.")
    rule: str
    text: Text


class AdviceChoice(_Frozen):
    id: str
    name: Text
    rule: str
    details: list[Text] = Field(default_factory=list, description=(
        "What the channel or service level consists of, as framework.yaml lists it (e.g. the service standard)."))


class OfferChoice(_Frozen):
    offer: str
    tier: str
    name: Text
    benefits: list[Text]
    rule: str


class Note(_Frozen):
    rule: str
    text: Text


class Advice(_Frozen):
    """Selling advice the rules set: channel, service level, strategy, who serves the customer, offers, notes."""

    channel: AdviceChoice | None
    service_level: AdviceChoice | None
    strategy: AdviceChoice | None
    account_manager: AdviceChoice | None = Field(default=None, description=(  # [B]
        "The account-manager level who serves the customer (seed 000 首席客户经理 … 客户服务代表)."))
    managing_level: AdviceChoice | None = Field(default=None, description=(  # [B]
        "The operator's level that owns the customer (seed 000 集团公司/省公司/地市公司)."))
    offers: list[OfferChoice]
    notes: list[Note]

    def choices(self) -> list[tuple[str, AdviceChoice]]:
        """[B] The single-valued advice that is set, by kind, in vocabulary.SINGLE_ADVICE order."""
        return [(kind, c) for kind in SINGLE_ADVICE if (c := getattr(self, kind)) is not None]


class FiredRule(_Frozen):
    rule: str
    description: Text
    source: str | None
    location: str | None
    inputs: list[list[str]]  # one list of matched inputs per firing
    bundles: list[int] = Field(default_factory=list, description=(
        "For a bundle-stage rule: the ranks of the bundles it fired on, one per list of inputs."))


class Relaxation(_Frozen):
    constraint: str
    text: Text


class Diagnosis(_Frozen):
    """Why no bundle met the hard constraints, and what would change that."""

    conflict: list[str]
    relaxations: list[Relaxation]
    text: Text


class OptimalityGap(_Frozen):
    """Upper bounds on how much better than bundle 1 the optimum may be."""

    stated_coverage: float
    score: float


class Recommendation(_Frozen):
    """The answer to one :meth:`Recommender.recommend` call."""

    languages: list[str] = Field(description=(
        "The languages every name and text in it is written in: the knowledge's declared languages, in order."))
    customer_id: str | None
    customer_name: str
    catalog: str
    knowledge: str
    as_of: date | None = Field(default=None, description=(
        "The day the recommendation was made as of: the products, prices and offers in force that day "
        "(validFor). None only in results stored before it was recorded."))
    customer: CustomerSummary = Field(description=(
        "What the proposal shows of the customer: industry, scale, spend, existing and rival products."))
    assessment: CustomerAssessment
    needs: list[NeedResult]
    bundles: list[Bundle]
    optimal: bool  # the search was exhaustive, so bundle 1 is optimal under the utility
    optimality_gap: OptimalityGap | None = Field(default=None, description=(
        "When not optimal: how far the optimum may lie above bundle 1."))
    advice: Advice
    fired_rules: list[FiredRule]
    diagnosis: Diagnosis | None
    business_areas: list[Entity] = Field(description=(
        "The framework's business areas in order, for laying out a bundle (seed 003 第四步)."))

    def rationale_text(self, lang: Lang = "en", detail: bool = False) -> str:
        """The account manager's brief (:mod:`recommender.brief`); ``detail=True``: the full audit text.

        The audit text holds what the brief leaves out: rules and the inputs they fired on, scores,
        every product left out with its reason, pricing policy and selling notes. ``lang`` is one of
        ``languages``; ValueError otherwise. The sentences are those of the knowledge the result came
        from (its own message files too) while that knowledge is loaded, else the package's.
        """
        with self.rendering(lang):
            return _RENDERERS["detail" if detail else "brief"](self, lang)

    @contextmanager
    def rendering(self, lang: Lang) -> Iterator[None]:
        """Inside the block, sentences come from the knowledge this result came from (its own message files
        too) while that knowledge is loaded, else from the package; ValueError for a language it lacks."""
        if lang not in self.languages:
            raise ValueError(f"no language {lang!r} in this result: it is written in {', '.join(self.languages)}")
        table = knowledge_messages(self.knowledge)
        if table is None and lang not in LANGS:
            raise ValueError(f"no sentences for {lang!r}: load the knowledge this result came from "
                             "(Recommender.from_path), whose messages/ holds them")
        with using(table):
            yield
