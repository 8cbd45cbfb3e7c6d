"""The shape of every knowledge file, as frozen pydantic models.

These models are both the validator of the YAML that product teams write and the
entities the engine works with. Validation is strict (``"30"`` is not a number,
``yes`` is not a boolean) and unknown keys are refused, so a typo never passes
silently. Field names follow TM Forum TMF620 where it has one
(``lifecycleStatus``, ``priceType``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    Tag,
    WithJsonSchema,
    model_validator,
)

from ..errors import said_error
from ..localized import LANG_PATTERN
from ..localized import Text as Text  # re-exported: knowledge files hold texts
from ..validity import parse_day
from ..vocabulary import (
    BUNDLE_ONLY_EFFECTS,
    BUNDLE_STAGE,
    CUSTOMER_STAGE,
    MODULES,
)

# The closed lists live in vocabulary.py; re-exported here for existing imports.
from ..vocabulary import LIFECYCLE_STAGES as LIFECYCLE_STAGES
from ..vocabulary import RULE_STAGES as RULE_STAGES
from ..vocabulary import LifecycleStage as LifecycleStage
from ..vocabulary import ModuleId as ModuleId
from ..vocabulary import PortfolioStage as PortfolioStage
from ..vocabulary import RuleStage as RuleStage
from ..vocabulary import StrategyKind as StrategyKind

MODULE_IDS = MODULES

LifecycleStatus = Literal["In design", "In test", "Active", "Launched", "Retired", "Obsolete"]

SELLABLE_STATUSES = ("Active", "Launched")
# What a price is charged per (see pricing.py); the first is the default.
PRICE_BASES = ("customer", "site", "user", "vehicle")
PriceBasis = Literal["customer", "site", "user", "vehicle"]
# The most units of one product a quantity can count (the bound of profile counts).
MAX_QUANTITY = 10**10

# Ids name entries across files and reach every output medium (SVG, Mermaid, DOT,
# Markdown, terminals), so they are restricted to characters none of them treat
# specially; the length is bounded inside the pattern so one error says it all.
# Upper case is allowed because the seeds name customer classes A to D.
ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
Id = Annotated[str, Field(pattern=ID_PATTERN, description=(
    "An id: 1 to 64 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit."))]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


# YAML 1.2 reads 2026-12-01 as text: a day is text of that form, checked to be a real date.
Day = Annotated[date, PlainValidator(parse_day), PlainSerializer(date.isoformat, return_type=str, when_used="json"),
                WithJsonSchema({"type": "string", "format": "date"})]


class ValidFor(Strict):
    """When something is in force: TMF620's ``validFor`` (TimePeriod), in whole days of the operator's time zone.

    Both days are inclusive, as TMF's ``endDateTime`` is the period's last instant: ``{start: 2026-12-01,
    end: 2027-06-30}`` is in force on 1 December and on 30 June. Either may be left out: no start has always
    been in force, no end never stops. A price change mid-year is one price ending on 30 June and the next
    starting on 1 July.
    """

    start: Day | None = Field(default=None, description="The first day it is in force (YYYY-MM-DD); none: always was.")
    end: Day | None = Field(default=None, description=(
        "The last day it is in force, inclusive (YYYY-MM-DD); none: open-ended."))

    @model_validator(mode="after")
    def _ordered(self) -> ValidFor:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise said_error("bad_period", "bad-period.ends-before", end=self.end.isoformat(),
                             start=self.start.isoformat())
        return self

    def covers(self, day: date) -> bool:
        """Whether ``day`` is inside the period."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def overlaps(self, other: ValidFor) -> bool:
        """Whether some day is inside both periods."""
        return ((self.start is None or other.end is None or self.start <= other.end)
                and (other.start is None or self.end is None or other.start <= self.end))

    def state(self, day: date) -> Literal["upcoming", "ended"] | None:
        """``upcoming`` before the start, ``ended`` after the end, None while in force."""
        if self.start is not None and day < self.start:
            return "upcoming"
        if self.end is not None and day > self.end:
            return "ended"
        return None


def in_force(period: ValidFor | None, day: date | None) -> bool:
    """Whether something with ``period`` (None: always) is in force on ``day`` (None: undated, always)."""
    return period is None or day is None or period.covers(day)


def uncovered(period: ValidFor | None, parts: list[ValidFor | None]) -> list[ValidFor]:
    """The stretches of ``period`` (None: all time) that none of ``parts`` covers, in order.

    Open ends compare as the ends of time, so a part without an end covers everything after its start.
    """
    start = period.start if period else None
    end = period.end if period else None
    holes: list[ValidFor] = []
    cursor = start  # the first day not yet known to be covered; None: the beginning of time
    ordered = sorted((p or ValidFor() for p in parts), key=lambda p: (p.start is not None, p.start or date.min))
    for part in ordered:
        if end is not None and part.start is not None and part.start > end:
            break
        if part.start is not None and (cursor is None or part.start > cursor):
            holes.append(ValidFor(start=cursor, end=part.start - timedelta(days=1)))
        if part.end is None:
            return holes
        if part.end >= date.max - timedelta(days=1):
            return holes
        nxt = part.end + timedelta(days=1)
        cursor = nxt if cursor is None or nxt > cursor else cursor
        if end is not None and cursor > end:
            return holes
    holes.append(ValidFor(start=cursor, end=end))
    return holes


def _language_codes(codes: list[str]) -> list[str]:
    for code in codes:
        if not re.fullmatch(LANG_PATTERN, code):
            raise said_error("value_error", "invalid-value.language-code", code=code)
    if len(set(codes)) < len(codes):
        raise said_error("value_error", "invalid-value.language-twice")
    return codes


class Named(Strict):
    id: Id = Field(min_length=1)
    name: Text = Field(description="The name in every declared language: {zh: 会议电话, en: Conference call}.")
    source: str | None = Field(default=None, description="Seed file and passage this entry comes from.")


# --- framework.yaml ---------------------------------------------------------

class Layer(Named):
    pass


class SubItem(Named):
    pass


class NeedItem(Named):
    items: list[SubItem] = Field(
        default_factory=list,
        description="Sub-items (seed 004's OA and HR tables); the item is then a group that spreads over them.")


class Module(Named):
    id: ModuleId
    layer: Id
    scope: Literal["internal", "external"] | None = None
    items: list[NeedItem] = Field(default_factory=list)


class Industry(Named):
    pass


class KeyPersonRank(Named):
    level: int = Field(ge=1, description="Higher is more senior.")


class KeyPersonNeed(Named):
    """A key person's own need (seed 004 3.2), outside the nine modules' items.

    Its id starts with ``key_person.``; ``module`` is where it is reported and
    counted. A stated module need never expands to it and a need condition on a
    module never matches it: only rules naming it infer it.
    """

    module: ModuleId = Field(description="The module it is reported under.")


class CapitalCity(Named):
    """A capital city; a profile's ``city`` names it by id, name or alias (case and spaces ignored)."""

    aliases: list[str] = Field(default_factory=list, description="Other spellings: 长春, 长春市, Changchun ...")


class AdviceEntry(Named):
    """A channel or service level; ``details`` are what the account manager does under it (printed with it)."""

    details: list[Text] = Field(default_factory=list, description=(
        "What it consists of, one item each, e.g. the 14 items of seed 002 6.3.3's service standard."))


class ServiceLevel(AdviceEntry):
    """A service level; ``key_account`` marks the key-account standard, whose customers get the proposal's
    key-account sections (seed 003's six steps)."""

    key_account: bool = Field(default=False, description=(
        "Customers given this level are key accounts: `recommend --format md|html` adds industry, competition "
        "and financial-impact sections (seed 003 六步分析法)."))


class BusinessArea(Named):
    """A part of a customised solution (seed 003: 数据业务领域 / 语音业务领域 / 其他合作机会); the proposal
    lays a bundle's products out by area, in the order the framework lists them."""


class Strategy(Named):
    kind: StrategyKind
    description: Text | None = None


class PolicyClass(Named):
    """A product policy class (seed 001 四.1: 基础通信类 / 行业应用类 / 战略创新类), each with its own policy.

    Products take their category's class unless they name their own (``policy_class``).
    """

    marketing_policy: Text = Field(description="How products of this class are marketed.")
    pricing: Text = Field(description="Its pricing method and discount stance (seed 002 3.3).")
    max_discount_percent: float | None = Field(default=None, ge=0, le=100, description=(
        "The largest discount a rule or a volume tier may give a product of this class outside a package's "
        "terms (a rule that also sets an offer tier); validate warns beyond it. None: no cap."))


class HandsetType(Named):
    """A kind of handset and the largest subsidy it may get (seed 002 3.3.2)."""

    max_subsidy_percent: float = Field(ge=0, le=100, description=(
        "The largest share of the handset's price a subsidy may cover; 0: no subsidy at all."))


class PricingPolicy(Strict):
    """Limits on tariffs the seeds state (seed 002 3.3.2); validate warns about knowledge beyond them."""

    max_offer_tiers: int | None = Field(default=None, ge=1, description="The most tiers one offer (package) may have.")
    max_public_price_items: int | None = Field(default=None, ge=1, description=(
        "The most price items a product of a public-tariff category may have."))
    forbidden_price_items: list[str] = Field(default_factory=list, description=(
        "Words no price description may name as an item, e.g. 月租费."))
    source: str | None = None


class RankingWeights(Strict):
    coverage: float = Field(default=0.45, ge=0)
    fit: float = Field(default=0.2, ge=0)
    cost: float = Field(default=0.15, ge=0)
    lifecycle: float = Field(default=0.1, ge=0)
    portfolio: float = Field(default=0.1, ge=0)
    reference_price: float = Field(default=500.0, gt=0, lt=1e9, description=(
        "Yuan per month a fully weighted need is worth when the customer gives no budget; the cost component "
        "measures value for money against it. A reading, not a seed figure."))


class Framework(Strict):
    """framework.yaml: the needs framework and the customer vocabulary."""

    schema_: str | None = Field(default=None, alias="$schema")
    version: int = 1
    languages: Annotated[list[str], AfterValidator(_language_codes)] = Field(min_length=1, description=(
        "The languages every name and text is written in, in order; the first is the fallback of a text that "
        "lacks a language. Each needs a message file (recommender/messages/<lang>.yaml or messages/<lang>.yaml "
        "in the knowledge directory)."))
    default_catalog: Id
    layers: list[Layer]
    modules: list[Module]
    industries: list[Industry]
    segments: list[Named] = Field(default_factory=list)
    # [B] who serves the customer (seed 000 一、(二)(三); seed 004 跨省跨国的集团客户)
    footprints: list[Named] = Field(default_factory=list, description=(
        "How far a customer reaches (local, province-wide, national, cross-province); a profile's `footprint` "
        "names one, rules test it."))
    account_manager_levels: list[AdviceEntry] = Field(default_factory=list, description=(
        "The account-manager hierarchy (seed 000 首席客户经理 … 客户服务代表), highest first; rules assign one."))
    managing_levels: list[AdviceEntry] = Field(default_factory=list, description=(
        "The operator's levels that own a customer (seed 000 集团公司/省公司/地市公司); rules assign one."))
    key_person_relations: list[Named] = Field(default_factory=list, description=(
        "The relations a key person's work involves (seed 004 3.2 同级—同级领导 …); key-person conditions test them."))
    value_types: list[Named] = Field(default_factory=list)
    demand_focuses: list[Named] = Field(default_factory=list, description=(  # [A]
        "What a customer chiefly asks of the operator (seed 001 一.1: voice, a full industry solution, one-stop "
        "service); a profile's `demand_focus` names one, rules test it."))
    customer_classes: list[Named] = Field(default_factory=list)
    key_person_ranks: list[KeyPersonRank] = Field(default_factory=list)
    channels: list[AdviceEntry] = Field(default_factory=list)
    service_levels: list[ServiceLevel] = Field(default_factory=list)
    business_areas: list[BusinessArea] = Field(default_factory=list, description=(
        "The areas a proposal lays a bundle out by (seed 003: data and lines, voice, applications), in order; "
        "catalog categories and products name one."))
    premises: list[Named] = Field(default_factory=list, description=(
        "Kinds of premises a customer sits in (seed 002 6.2, 6.3.1 商务楼宇/产业园区/专业市场/临街商铺); "
        "a profile's `premises` names one, rules test it."))
    strategies: list[Strategy] = Field(default_factory=list)
    capital_cities: list[CapitalCity | str] = Field(default_factory=list, description=(
        "Capital cities (seed 002 4.4): an entry with names and aliases, or a plain name."))
    key_person_needs: list[KeyPersonNeed] = Field(default_factory=list, description=(
        "Key persons' own needs (seed 004 3.2), inferred by rules on key persons."))
    policy_classes: list[PolicyClass] = Field(default_factory=list, description=(
        "Product policy classes (seed 001 四.1); catalog categories and products name one."))
    handset_types: list[HandsetType] = Field(default_factory=list, description=(
        "Kinds of handset with their subsidy caps (seed 002 3.3.2); handset products name one."))
    pricing_policy: PricingPolicy = Field(default_factory=PricingPolicy, description=(
        "Tariff limits validate checks: tiers per offer, price items, forbidden items (seed 002 3.3.2)."))
    ranking: RankingWeights = Field(default_factory=RankingWeights)


# --- assessment.yaml --------------------------------------------------------

class Indicator(Strict):
    """Cut points splitting a reference population into five equal groups.

    A value below ``cuts[0]`` scores 1, at or above ``cuts[3]`` scores 5.
    """

    field: str
    cuts: list[float] = Field(min_length=4, max_length=4,
                              description="Four ascending cut points split customers into five groups.")


class Step(Named):
    indicators: list[Indicator] = Field(min_length=1)


class ClassBand(Strict):
    customer_class: Id
    min_score: float = Field(ge=0, le=5)
    min_known: float = Field(default=0, ge=0, le=1, description=(
        "Share of the indicators the profile must give for this class; with fewer, the next band down applies."))


class ItAttitude(Named):
    """[A] How a customer sees IT (seed 004 3.1 信息化态度), scored 1-5 like an indicator."""

    score: float = Field(ge=1, le=5, description="Its score in the economic value, like a quintile score.")


class LifecycleCriteria(Strict):
    """[A] How a lifecycle stage is derived when the profile does not state one (seed 004 3.2 不同周期划分标准)."""

    source: str | None = None
    new_months: int = Field(default=12, ge=1, le=1200, description=(
        "A customer that joined (入网) fewer months ago than this is new (stage A)."))
    growth_min: float = Field(default=0.1, ge=0, le=1000, description=(
        "spend_growth from which purchases grow substantially (购买量大幅增长, stage B)."))
    decline_max: float = Field(default=-0.05, ge=-1, le=0, description=(
        "spend_growth at or below which purchases shrink (购买范围和规模缩小, stage D)."))


class Assessment(Strict):
    """assessment.yaml: the three-step measurement system of seed 004."""

    schema_: str | None = Field(default=None, alias="$schema")
    source: str | None = None
    steps: list[Step] = Field(min_length=1)
    classes: list[ClassBand] = Field(min_length=1)
    social_value_industries: list[Id] = Field(default_factory=list)
    social_value_segments: list[Id] = Field(default_factory=list, description=(
        "Segments whose customers are of social value type, like social_value_industries."))
    dual_value_min_score: float = Field(default=4.0, ge=1, le=5)
    missing_score: float = Field(default=3.0, ge=1, le=5, description=(
        "Score of an indicator the profile does not give: the median quintile, so a gap neither lifts nor sinks a "
        "step (seed 004 3.1 averages every indicator of a step)."))
    # [A] value evaluation (seed 004 3.1 集团客户价值评估), class criteria (seed 000), lifecycle (seed 004 3.2)
    profitability: list[Indicator] = Field(default_factory=list, description=(
        "Indicators of 盈利水平 (profit margin and its growth), scored like the steps' indicators."))
    it_attitudes: list[ItAttitude] = Field(default_factory=list, description=(
        "What a profile's it_attitude may be (信息化态度), each with its score."))
    social_influences: list[Named] = Field(default_factory=list, description=(
        "What a profile's social_influence may list: the social value's indicators (社会价值)."))
    authority_influences: list[Id] = Field(default_factory=list, description=(
        "Social influences a customer of a social-value industry or segment holds by its nature."))
    social_value_min: int = Field(default=2, ge=1, le=100, description=(
        "How many social influences make a customer's social value high."))
    operator_revenue: Indicator | None = Field(default=None, description=(
        "The class criterion 收入规模 (seed 000): what the customer spends with the operator, by quintile."))
    lifecycle: LifecycleCriteria = Field(default_factory=LifecycleCriteria)


# --- catalogs/<name>/catalog.yaml -------------------------------------------

class PortfolioPolicy(Strict):
    """How products of each portfolio stage may be recommended (seed 001 四.1)."""

    dog: Literal["allow", "exclude"] = "allow"
    question_mark: Literal["allow", "with_reason"] = "allow"


class OneTimeBudgetPolicy(Strict):
    """The default one-time budget: a number of months of the customer's monthly budget."""

    months: float = Field(gt=0, le=120, description=(
        "A customer who gives no budget_one_time may pay up to this many months of its monthly budget at once."))
    source: str | None = Field(default=None, description="Seed passage or reading this figure comes from.")


class KnownGap(Strict):
    """A need item the catalog's seed names no product for: coverage reports it as known, not as a hole."""

    item: Id = Field(description=(
        "A need item, or a module (then every item of it), that no product of the catalog serves on purpose."))
    source: str = Field(min_length=1, description=(
        "The seed passage that lists what the catalog sells and names nothing for this item."))
    reason: Text = Field(description="Why the catalog has no product for the item, in each declared language.")


class Category(Named):
    """A product category; its products take its policy class unless they name their own."""

    policy_class: Id | None = Field(default=None, description="A policy class id of framework.yaml (seed 001 四.1).")
    public_tariff: bool = Field(default=False, description=(
        "Its products take the public customers' tariff form (seed 002 6.1.1), so the pricing policy's "
        "max_public_price_items applies."))
    business_area: Id | None = Field(default=None, description=(
        "A business area id of framework.yaml: its products' area unless they name their own."))


class Catalog(Named):
    schema_: str | None = Field(default=None, alias="$schema")
    categories: list[Category] = Field(min_length=1)
    portfolio_policy: PortfolioPolicy = Field(default_factory=PortfolioPolicy, description=(
        "exclude dogs; offer question marks only when a rule proposes them (with_reason)"))
    one_time_budget: OneTimeBudgetPolicy | None = Field(default=None, description=(
        "The one-time budget of a customer who gives none; without it one-time charges are checked only "
        "against a budget_one_time the customer gives."))
    known_gaps: list[KnownGap] = Field(default_factory=list, description=(
        "Need items the catalog's seed names no product for; `recommender coverage` reports them apart from "
        "unexplained holes."))


# --- catalogs/<name>/products.yaml ------------------------------------------

class VolumeTier(Strict):
    """From ``min_quantity`` units on, every unit costs ``amount``."""

    min_quantity: int = Field(ge=2, le=MAX_QUANTITY)
    amount: float = Field(ge=0, allow_inf_nan=False)


class Price(Strict):
    priceType: Literal["recurring", "one_time"]
    amount: float = Field(ge=0)
    unit: Literal["yuan/month", "yuan"] = "yuan/month"
    illustrative: bool = Field(default=False, description="True when the seeds give no price.")
    description: Text | None = None
    per: PriceBasis = Field(default="customer", description=(
        "What the amount is charged per: the customer (once), a site (premises, branch), a user (handset) "
        "or a vehicle. Sized prices are multiplied by the customer's count of that unit."))
    tiers: list[VolumeTier] = Field(default_factory=list, description=(
        "Volume tiers in ascending order of min_quantity: from a tier's min_quantity on, every unit costs its amount."))
    validFor: ValidFor | None = Field(default=None, description=(
        "When this price is in force (TMF620 validFor; both days inclusive). A price change is a second price of "
        "the same charge (priceType, per and description) starting the day after the first ends."))

    @model_validator(mode="after")
    def _unit_matches(self) -> Price:
        want = "yuan/month" if self.priceType == "recurring" else "yuan"
        if self.unit != want:
            raise said_error("value_error", "invalid-value.price-unit", price_type=self.priceType, unit=want)
        return self


class Eligibility(Strict):
    min_employees: int | None = Field(default=None, ge=1)
    max_employees: int | None = Field(default=None, ge=1)
    max_users: int | None = Field(default=None, ge=1, description=(
        "The most handset users the product takes (seed 002 6.1.1: A8 binds 1-5 handsets); a customer whose "
        "profile gives more mobile_users may not buy it."))
    industries: list[Id] | None = None
    value_types: list[Id] | None = None
    segments: list[Id] | None = None


class Relation(Strict):
    product: Id
    reason: Text
    source: str | None = None


class Product(Named):
    """A product offering (TMF620 ProductOffering)."""

    category: Id
    seed_name: str | None = Field(default=None, min_length=1, description=(
        "The name as the cited seed writes it, when that is not the Chinese name: seed 004's matrix writes "
        "'Smart cards' in English, and the account manager reads 手机智能卡."))
    modules: list[ModuleId] = Field(min_length=1)
    need_items: list[Id] = Field(default_factory=list)
    lifecycleStatus: LifecycleStatus = "Active"
    portfolio: PortfolioStage = "cash_cow"
    prices: list[Price] = Field(default_factory=list)
    eligibility: Eligibility = Field(default_factory=Eligibility)
    requires: list[Relation] = Field(default_factory=list)
    excludes: list[Relation] = Field(default_factory=list)
    complements: list[Relation] = Field(default_factory=list)
    replaces: list[Relation] = Field(default_factory=list)
    policy_class: Id | None = Field(default=None, description=(
        "A policy class id of framework.yaml; default: its category's."))
    handset: Id | None = Field(default=None, description=(
        "A handset type id of framework.yaml when the product is a handset: it sets the subsidy cap."))
    business_area: Id | None = Field(default=None, description=(
        "A business area id of framework.yaml; default: its category's."))
    validFor: ValidFor | None = Field(default=None, description=(
        "When the product is on sale (TMF620 validFor; both days inclusive): as of a day outside it, it is not "
        "sold, like a retired one. Stage next month's catalog with a start date."))
    # The day this copy was dated for (see on()); None: the product as written, every price.
    _as_of: date | None = PrivateAttr(default=None)

    @property
    def sellable(self) -> bool:
        """Its lifecycle status is for sale, and it is in force the day it was dated for."""
        return self.lifecycleStatus in SELLABLE_STATUSES and self.period_state is None

    @property
    def period_state(self) -> Literal["upcoming", "ended"] | None:
        """Whether the day it was dated for is before (``upcoming``) or after (``ended``) its validFor."""
        if self._as_of is None or self.validFor is None:
            return None
        return self.validFor.state(self._as_of)

    @cached_property
    def dated(self) -> bool:
        """Whether it or one of its prices has a validFor, so that a day changes it."""
        return self.validFor is not None or any(p.validFor is not None for p in self.prices)

    def on(self, day: date) -> Product:
        """The product as of ``day``: only the prices in force that day, and not sellable outside its validFor."""
        if not self.dated:
            return self
        copy = self.model_copy(update={"prices": [p for p in self.prices if in_force(p.validFor, day)]})
        for derived in ("recurring", "one_time"):  # cached from all the prices: recomputed from the day's
            copy.__dict__.pop(derived, None)
        copy._as_of = day
        return copy

    @cached_property
    def recurring(self) -> float:
        """Monthly recurring charges, in yuan."""
        return sum(p.amount for p in self.prices if p.priceType == "recurring")

    @cached_property
    def one_time(self) -> float:
        """One-time charges, in yuan."""
        return sum(p.amount for p in self.prices if p.priceType == "one_time")


class ProductsFile(Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    products: list[Product]


# --- catalogs/<name>/offers.yaml --------------------------------------------

class Tier(Named):
    min_monthly: float = Field(ge=0)
    max_monthly: float | None = Field(default=None, description="Exclusive upper bound.")
    benefits: list[Text] = Field(default_factory=list)


class Offer(Named):
    tiers: list[Tier] = Field(min_length=1)
    validFor: ValidFor | None = Field(default=None, description=(
        "When the offer applies (TMF620 validFor; both days inclusive): outside it, no rule's choice of it does."))


class OffersFile(Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    offers: list[Offer]


# --- catalogs/<name>/rules.yaml ---------------------------------------------

def _scalar(value: Any) -> bool | int | float | str:
    if isinstance(value, (bool, int, float, str)):
        return value
    raise said_error("value_error", "invalid-value.scalar")


# One error for a non-scalar instead of one per union member.
Scalar = Annotated[Any, PlainValidator(_scalar),
                   WithJsonSchema({"type": ["string", "number", "boolean"]})]


class Op(Strict):
    """Comparisons that must all hold: ``{gte: 39, lt: 89}`` is a range."""

    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    exists: bool | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Op:
        if not self.operators:
            raise said_error("value_error", "invalid-value.no-operator")
        return self

    @property
    def operators(self) -> list[tuple[str, object]]:
        """``(operator, value)`` pairs in a fixed order (``in_`` reads ``in``)."""
        return [(name.rstrip("_"), getattr(self, name)) for name in type(self).model_fields
                if getattr(self, name) is not None]


# A mapping is an operator, anything else a value to equal; choosing the branch
# up front gives one clear error instead of one per union member.
Constraint = Annotated[
    Annotated[Op, Tag("operator")] | Annotated[Scalar, Tag("value")],
    Discriminator(lambda v: "operator" if isinstance(v, (dict, Op)) else "value"),
]


class BundleCondition(Strict):
    """Conditions on the chosen bundle (bundle-stage rules only); all given must hold.

    Money is the bundle's sized list price, before any bundle-stage discount.
    """

    spend: Constraint | None = Field(default=None, description=(
        "The bundle's monthly recurring spend, in yuan, not counting the products in not_counting."))
    one_time: Constraint | None = Field(default=None, description="The bundle's one-time charges, in yuan.")
    size: Constraint | None = Field(default=None, description="The number of products in the bundle.")
    not_counting: list[Id] = Field(default_factory=list, description=(
        "Products whose monthly price the spend leaves out, e.g. the broadband a spend level makes free."))

    @model_validator(mode="after")
    def _not_empty(self) -> BundleCondition:
        if self.spend is None and self.one_time is None and self.size is None:
            raise said_error("value_error", "invalid-value.empty-bundle-condition")
        if self.not_counting and self.spend is None:
            raise said_error("value_error", "invalid-value.not-counting")
        return self

    @property
    def fields(self) -> dict[str, Op | bool | int | float | str]:
        """The tested fields of the bundle fact and their constraints."""
        return {k: v for k in ("spend", "one_time", "size") if (v := getattr(self, k)) is not None}


class KeyPersonCondition(Strict):
    """[B] A key person by rank, by a relation their work involves (seed 004 3.2's matrix), and whether they
    are a personal VIP; every part given must hold for one and the same person, lists mean any one."""

    rank: Id | list[Id] | None = None
    relation: Id | list[Id] | None = Field(default=None, description="A key_person_relations id of framework.yaml.")
    vip: bool | None = Field(default=None, description="true: the person is also a personal VIP customer.")

    @model_validator(mode="after")
    def _not_empty(self) -> KeyPersonCondition:
        if self.rank is None and self.relation is None and self.vip is None:
            raise said_error("value_error", "invalid-value.empty-key-person")
        return self


class When(Strict):
    """All parts must hold. ``need``/``product``/``key_person`` lists mean any one of them.

    At the bundle stage ``product`` means a product *in the chosen bundle* and
    ``bundle`` tests the bundle itself; ``need`` belongs to the customer stage.
    """

    customer: dict[str, Constraint] | None = None
    need: Id | list[Id] | None = None
    product: Id | list[Id] | None = Field(default=None, description=(
        "Customer stage: proposed by another rule (refused by validate). Bundle stage: in the chosen bundle."))
    bundle: BundleCondition | None = Field(default=None, description="The chosen bundle (bundle-stage rules).")
    key_person: Id | list[Id] | KeyPersonCondition | None = Field(default=None, description=(
        "A key person of one of these ranks, or one a mapping describes (rank, relation, vip)."))
    rival: Id | list[Id] | None = Field(default=None, description=(
        "A product the customer buys from a rival operator today (the profile's rival_products)."))
    any: list[When] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> When:
        parts = (self.customer, self.need, self.product, self.bundle, self.key_person, self.rival)
        if not (any(parts) or self.any):
            raise said_error("value_error", "invalid-value.empty-condition")
        if self.any and any(parts):
            raise said_error("value_error", "invalid-value.any-alone")
        return self

    def branches(self) -> list[When]:
        """The alternatives this condition stands for: its ``any`` branches, flattened, or itself."""
        return [leaf for branch in self.any for leaf in branch.branches()] if self.any else [self]

    @property
    def products(self) -> list[str]:
        """The product ids ``product`` names (any one of them must hold)."""
        return self.product if isinstance(self.product, list) else [self.product] if self.product else []


class NeedEffect(Strict):
    need: Id
    weight: float = Field(default=1.0, gt=0, le=1)


class ProposeEffect(Strict):
    product: Id
    weight: float = Field(default=1.0, gt=0, le=1)


class ExcludeEffect(Strict):
    product: Id
    reason: Text


class OfferEffect(Strict):
    offer: Id
    tier: Id


class QuantityEffect(Strict):
    """How many units of a product the customer buys: per a unit the profile counts, or a number."""

    product: Id
    per: PriceBasis | None = Field(default=None, description="Count this unit instead of the product's own.")
    count: int | None = Field(default=None, ge=1, le=MAX_QUANTITY, description="Exactly this many units.")

    @model_validator(mode="after")
    def _one_of(self) -> QuantityEffect:
        if (self.per is None) == (self.count is None):
            raise said_error("value_error", "invalid-value.quantity")
        return self

    @property
    def value(self) -> str:
        """The unit to count, or the count written as digits."""
        return self.per if self.per is not None else str(self.count)


class AddOnEffect(Strict):
    """Bundle stage: the product joins the bundle, because of what the bundle holds."""

    product: Id


class DiscountEffect(Strict):
    """Bundle stage: a share off a product's price in this bundle (100 makes it free)."""

    product: Id
    percent: float = Field(gt=0, le=100)
    priceType: Literal["recurring", "one_time"] = Field(default="recurring", description="Which price it reduces.")
    reason: Text


class Effect(Strict):
    """One declared effect. Exactly one key is set."""

    infer_need: NeedEffect | None = None
    propose: ProposeEffect | None = None
    exclude: ExcludeEffect | None = None
    offer: OfferEffect | None = None
    quantity: QuantityEffect | None = None
    channel: Id | None = None
    service_level: Id | None = None
    strategy: Id | None = None
    account_manager: Id | None = None  # [B] an account_manager_levels id
    managing_level: Id | None = None  # [B] a managing_levels id
    note: Text | None = None
    add_on: AddOnEffect | None = None
    discount: DiscountEffect | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Effect:
        if len(self.model_fields_set) != 1:
            raise said_error("value_error", "invalid-value.effect", kinds=", ".join(type(self).model_fields))
        return self

    @property
    def kind(self) -> str:
        return next(iter(self.model_fields_set))


class Rule(Strict):
    id: Id = Field(min_length=1)
    description: Text
    source: str | None = None
    priority: int = Field(default=0, description="Decides between rules setting the same single-valued advice.")
    stage: RuleStage = Field(default=CUSTOMER_STAGE, description=(
        "customer: runs on the customer and its needs, before the search; bundle: runs on each chosen bundle."))
    when: When
    then: list[Effect] = Field(min_length=1)


# What each rule stage may test and do; validate refuses the rest, located. At the
# customer stage no product is chosen yet, so no condition tests products.
STAGE_EFFECTS: dict[str, tuple[str, ...]] = {
    CUSTOMER_STAGE: tuple(k for k in Effect.model_fields if k not in BUNDLE_ONLY_EFFECTS),
    BUNDLE_STAGE: (*BUNDLE_ONLY_EFFECTS, "offer", "note"),
}
STAGE_CONDITIONS: dict[str, tuple[str, ...]] = {
    CUSTOMER_STAGE: ("customer", "need", "key_person", "rival"),
    BUNDLE_STAGE: ("customer", "product", "bundle", "key_person", "rival"),
}


class RulesFile(Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    rules: list[Rule]


# --- scenarios/<name>.yaml --------------------------------------------------

class BundleExpectation(Strict):
    include: list[Id] = Field(default_factory=list, description="Products that must be in the bundle.")
    exclude: list[Id] = Field(default_factory=list, description="Products that must not be in the bundle.")
    quantities: dict[Id, int] = Field(default_factory=dict, description=(
        "product id -> the quantity it must be sold in (sites, users or vehicles, as the product is priced)."))
    left_out: dict[Id, str] = Field(default_factory=dict, description=(
        "product id -> the reason code it must be left out with (over_budget, ineligible, ...)."))
    offers: dict[Id, Id] = Field(default_factory=dict, description=(
        "offer id -> the tier the bundle-stage rules must choose for the bundle."))
    notes: list[Id] = Field(default_factory=list, description="Bundle-stage rule ids whose notes the bundle must show.")
    prices: dict[Id, float] = Field(default_factory=dict, description=(
        "product id -> its monthly price in the bundle after bundle-stage discounts (0 when free)."))
    policy: dict[Id, Id] = Field(default_factory=dict, description=(
        "product id -> a policy class or handset type the bundle's pricing policy lists it under."))


class Expectation(Strict):
    """What a scenario expects; every field is optional and only what is given is checked."""

    top_bundle: BundleExpectation | None = None
    any_bundle: BundleExpectation | None = Field(default=None, description="Checked against all returned bundles.")
    no_bundle: bool | None = Field(default=None, description="true: expect no bundle and a why-not diagnosis.")
    needs: list[Id] = Field(default_factory=list, description="Needs that must be stated or inferred.")
    rules_fired: list[Id] = Field(default_factory=list)
    rules_not_fired: list[Id] = Field(default_factory=list)
    channel: Id | None = None
    service_level: Id | None = None
    strategy: Id | None = None
    account_manager: Id | None = None  # [B]
    managing_level: Id | None = None  # [B]
    offers: dict[Id, Id] = Field(default_factory=dict, description=(
        "offer id -> expected tier id, chosen by a customer-stage rule or on the top bundle"))
    notes: list[Id] = Field(default_factory=list, description=(
        "Rule ids whose notes must appear in the advice or on the top bundle."))
    value_type: Id | None = None
    customer_class: Id | None = None


class Scenario(Strict):
    """A customer and what the recommendation for it must show: a test product teams write."""

    schema_: str | None = Field(default=None, alias="$schema")
    id: Id = Field(min_length=1)
    description: Text
    source: str = Field(min_length=1, description="The seed passage this scenario encodes.")
    catalog: Id | None = Field(default=None, description="Catalog to run on (default: the framework's).")
    as_of: Day | None = Field(default=None, description=(
        "The day the customer is recommended as of (YYYY-MM-DD): what a staged catalog sells that day. "
        "Default: `recommender test --as-of`, else the day the test runs."))
    top_k: int = Field(default=3, ge=1)
    profile: dict[str, object]
    expect: Expectation
