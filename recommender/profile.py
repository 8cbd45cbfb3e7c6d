"""The customer profile an application passes in.

Shape is checked by pydantic when the profile is built; ids (industry, needs,
products, ...) are checked against the knowledge base when it is used, because
the same profile may be sent to different knowledge bases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails

from .errors import (
    Issue,
    PathKey,
    Positions,
    ProfileError,
    Said,
    did_you_mean,
    format_path,
    issues_from_validation,
    place,
    said_error,
    what_said,
)
from .knowledge.schema import LifecycleStage
from .numbers import MAX_NUMBER
from .text import first_invisible
from .vocabulary import STEP_SCORE_FIELDS

if TYPE_CHECKING:
    from .knowledge.base import KnowledgeBase
    from .knowledge.yamlpos import Document


# Limits on what a profile may hold. They are far beyond any real customer and keep
# every accepted value safe for the rule engine and for text output (see numbers.py).
MAX_EMPLOYEES = 10_000_000
MAX_COUNT = 10**10
MAX_GROWTH = 1000.0  # a fraction: 0.15 is 15 %; 1000 is 100,000 %
MAX_TEXT = 200
MAX_ITEMS = 500


def _plain_text(value: str) -> str:
    char = first_invisible(value)
    if char is not None:
        raise said_error("bad_character", "bad-character.invisible", char=f"U+{ord(char):04X}")
    return value


# One line of printable text of a sensible length.
PlainText = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_plain_text)]
Money = Annotated[float, Field(ge=0, lt=MAX_NUMBER, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Units = Annotated[int, Field(ge=1, le=MAX_COUNT)]  # a count that sizes prices: leave it out when there are none
Growth = Annotated[float, Field(ge=-1, le=MAX_GROWTH, allow_inf_nan=False)]
Margin = Annotated[float, Field(ge=-MAX_GROWTH, le=1, allow_inf_nan=False)]  # [A] profit over revenue: at most 100 %
_GROWTH = "Year-on-year change as a fraction: 0.15 is 15 %, -1 is all gone."



@dataclass(frozen=True)
class Source:
    """Where profile data came from, so that its problems are located.

    A file read with positions (``file``, ``positions``: path -> line and column), or a row of a
    table (``file`` and the ``line`` every problem of the row points at; ``columns`` maps a profile
    field to the table's column name, which the problem's path then shows).
    """

    file: str | None = None
    positions: Positions = field(default_factory=dict)
    line: int | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    def locate(self, issues: list[Issue]) -> list[Issue]:
        """``issues`` with this source's file, and its row's line and column names where positions are unknown."""
        out = []
        for i in issues:
            update: dict[str, Any] = {"file": i.file or self.file}
            if i.line is None and self.line is not None:
                update["line"] = self.line
            head, _, rest = i.path.partition(".")
            if head in self.columns:
                update["path"] = self.columns[head] + (f".{rest}" if rest else "")
            out.append(i.model_copy(update=update))
        return out


class KeyPerson(BaseModel):
    """A decision maker at the customer (seed 004, key-person needs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: PlainText | None = None
    title: PlainText | None = None
    rank: PlainText = Field(description="A key-person rank id from the framework, e.g. 'bureau'.")
    # [B] seed 004 3.2's key-person matrix crosses relations with needs; seed 002 6.3.4 and 004 个人VIP
    # coordinate a key person who is also a personal VIP customer with the group.
    relations: list[PlainText] = Field(default_factory=list, max_length=MAX_ITEMS, description=(
        "The relations the person's work involves, as key_person_relations ids of the framework ('peers', "
        "'subordinate_leaders', 'staff', 'customers'); rules pick the matrix's means for each."))
    vip: bool = Field(default=False, description=(
        "The person is also a personal VIP customer of the operator (个人VIP/全球通VIP)."))

    def fact(self) -> dict[str, Any]:
        """What key-person conditions test: rank, relations, vip."""
        return {"rank": self.rank, "relations": list(self.relations), "vip": self.vip}


class CustomerProfile(BaseModel):
    """Everything the library knows about one group customer.

    Only ``name``, ``industry`` and ``employees`` are required; the rest sharpens
    the recommendation. Money is in yuan.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: PlainText | None = Field(default=None, description="The customer's id in the CRM.")
    name: PlainText
    industry: PlainText = Field(description="An industry id from the knowledge base.")
    employees: int = Field(ge=2, le=MAX_EMPLOYEES,
                           description="A group customer has two or more people (seed 004, 3.1).")
    company_revenue: Money | None = Field(default=None, description="The customer's own yearly revenue, in yuan.")
    annual_spend: Money | None = Field(default=None,
                                       description="What the customer spends with the operator per year, in yuan.")
    telecom_spend: Money | None = Field(default=None, description=(
        "What the customer spends on telecoms per year with every operator, in yuan (at least annual_spend): "
        "the proposal's share of wallet (seed 003 金融类大客户的电信费用划分)."))
    value_type: PlainText | None = Field(default=None, description="Assessed when absent.")
    segment: PlainText | None = None
    lifecycle_stage: LifecycleStage | None = Field(default=None, description=(
        "Seed 004 3.2 stages A-E; derived from tenure_months, spend_growth, products_change and the products "
        "owned and left when absent."))
    # [A] Lifecycle evidence (seed 004 3.2 不同周期划分标准): a stated lifecycle_stage wins over it.
    tenure_months: Count | None = Field(default=None, description=(
        "Months since the customer joined the operator (入网): a recent one is a new customer (stage A)."))
    spend_growth: Growth | None = Field(default=None, description=(
        "Year-on-year change of annual_spend, what the customer buys from the operator (购买量): "
        + _GROWTH))
    products_change: Annotated[int, Field(ge=-MAX_ITEMS, le=MAX_ITEMS)] | None = Field(default=None, description=(
        "Products taken up minus products dropped over the last year (购买范围): above 0 the range widens."))
    needs: list[PlainText] = Field(default_factory=list, max_length=MAX_ITEMS,
                                   description="Module ids ('office') or need-item ids ('office.meeting').")
    existing_products: list[PlainText] = Field(default_factory=list, max_length=MAX_ITEMS)
    excluded_products: list[PlainText] = Field(default_factory=list, max_length=MAX_ITEMS)
    former_products: list[PlainText] = Field(default_factory=list, max_length=MAX_ITEMS, description=(
        "Products the customer used to have and left, e.g. when it churned: they are offered back first."))
    rival_products: list[PlainText] = Field(default_factory=list, max_length=MAX_ITEMS, description=(
        "Products of our catalog the customer buys from a rival operator today, e.g. its broadband: "
        "rules on them defend or win that ground (seed 004: 竞争对手的优劣势)."))
    budget_monthly: Money | None = Field(default=None, description="The monthly budget, in yuan.")
    budget_one_time: Money | None = Field(default=None, description=(
        "What the customer can pay at once (installation, equipment, licences), in yuan; when absent the "
        "catalog's default applies: a number of months of the monthly budget."))
    sites: Units | None = Field(default=None, description=(
        "Premises or branches (offices, stores, hotels); products priced per site are sold once for each."))
    mobile_users: Units | None = Field(default=None, description=(
        "People who use handsets or data cards for work, staff or agents; products priced per user are sold "
        "once for each. Defaults to employees."))
    fleet_size: Units | None = Field(default=None, description=(
        "Vehicles; products priced per vehicle are sold once for each."))
    key_persons: list[KeyPerson] = Field(default_factory=list, max_length=MAX_ITEMS)
    footprint: PlainText | None = Field(default=None, description=(  # [B] seed 000 一、(二); seed 004 跨省跨国
        "A footprints id from the framework: how far the customer reaches (local, province_wide, national, "
        "cross_province). It decides which level of the operator owns the customer; absent counts as local."))
    region: PlainText | None = None
    city: PlainText | None = None
    premises: PlainText | None = Field(default=None, description=(
        "A premises id from the framework: the kind of place the customer is installed in (business building, "
        "industrial park, professional market, street shop; seed 002 6.2, 6.3.1). It picks the regional partner "
        "and the area's cluster plan."))
    # Indicators of the seed 004 measurement system; each is optional.
    employee_growth: Growth | None = Field(default=None, description=_GROWTH)
    revenue_growth: Growth | None = Field(default=None, description=_GROWTH)
    it_investment: Money | None = Field(default=None, description="Yearly IT investment, in yuan.")
    it_investment_growth: Growth | None = Field(default=None, description=_GROWTH)
    it_staff: Count | None = Field(default=None, description="People working on IT.")
    it_staff_growth: Growth | None = Field(default=None, description=_GROWTH)
    managed_customers: Count | None = Field(default=None, description="Customers the company itself serves.")
    partners: Count | None = Field(default=None, description="Agents and suppliers.")
    solution_types: Count | None = Field(default=None, description="Kinds of IT solutions in use.")
    # [A] Seed 001 一.1: 有的以语音需求为主，有的需要提供全面的行业解决方案，有的需要提供一站式服务.
    demand_focus: PlainText | None = Field(default=None, description=(
        "What the customer chiefly asks of the operator: a demand_focuses id of the framework ('voice', "
        "'industry_solution', 'one_stop')."))
    # [A] Value evaluation (seed 004 3.1 集团客户价值评估): economic value beyond scale and IT
    # investment, and the customer's social influence.
    profit_margin: Margin | None = Field(default=None, description=(
        "Net profit over revenue as a fraction (企业利润率): 0.12 is 12 %; a loss is negative."))
    profit_margin_growth: Growth | None = Field(default=None, description=_GROWTH)
    it_attitude: PlainText | None = Field(default=None, description=(
        "How the customer sees IT (信息化态度): an it_attitudes id of assessment.yaml, e.g. 'pioneer'."))
    social_influence: list[PlainText] | None = Field(default=None, max_length=MAX_ITEMS, description=(
        "The social influences the customer holds, as social_influences ids of assessment.yaml ('policy', "
        "'resources', 'demonstration'); an empty list says it holds none, absent says unknown."))

    @model_validator(mode="after")
    def _wallet_holds_spend(self) -> CustomerProfile:
        if self.telecom_spend is not None and self.telecom_spend < (self.annual_spend or 0):
            error = said_error("below_annual_spend", "invalid-value.below-annual-spend",
                               wallet=f"{self.telecom_spend:,.0f}", ours=f"{self.annual_spend or 0:,.0f}")
            raise ValidationError.from_exception_data(type(self).__name__, [InitErrorDetails(
                type=error, loc=("telecom_spend",), input=self.telecom_spend)])
        return self


# Numeric profile fields the assessment may score.
MEASUREMENT_FIELDS = ("employees", "employee_growth", "company_revenue", "revenue_growth", "annual_spend",
                      "it_investment", "it_investment_growth", "it_staff", "it_staff_growth",
                      "managed_customers", "partners", "solution_types",
                      "profit_margin", "profit_margin_growth")  # [A] profitability (seed 004 3.1 盈利水平)

# Fields a rule may test, with the type a constraint must have.
RULE_FIELDS: dict[str, type] = {
    "industry": str, "employees": float, "company_revenue": float, "annual_spend": float,
    "monthly_spend": float, "value_type": str, "segment": str, "lifecycle_stage": str,
    "budget_monthly": float, "region": str, "city": str, "capital_city": bool, "premises": str,
    "customer_class": str, "key_person_rank": str, "key_person_level": float,
    "footprint": str,  # [B] framework footprints
    **dict.fromkeys(STEP_SCORE_FIELDS, float),
    "score": float, "assessment_coverage": float, "existing_count": float,
    "demand_focus": str,  # [A] seed 001 一.1
}


def read_yaml(path: str | Path) -> Document:
    """A parsed YAML (or JSON) file of customer data; syntax errors raise :class:`ProfileError`."""
    from .knowledge.yamlpos import load_file

    doc = load_file(Path(path), str(path))
    errors = [i for i in doc.issues if i.severity == "error"]
    if errors:
        raise ProfileError(errors)
    return doc


def read_profile_file(path: str | Path) -> tuple[Any, str, Positions]:
    """Raw data of a profile file with positions; syntax errors raise."""
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise ProfileError([doc.issue((), "wrong-type", Said("wrong-type.profile"),
                                      Said("hint.wrong-type.profile-file"))])
    return doc.data, doc.file, doc.positions


def load_profile(path: str | Path, knowledge: KnowledgeBase | None = None) -> CustomerProfile:
    """Read a profile file; problems name file:line:column (ids are checked when ``knowledge`` is given)."""
    data, file, positions = read_profile_file(path)
    return parse_profile(data, source=Source(file=file, positions=positions), knowledge=knowledge)


def reference_issues(data: Mapping[str, Any], kb: KnowledgeBase, file: str | None = None,
                     positions: Positions | None = None) -> list[Issue]:
    """Ids in raw profile ``data`` that ``kb`` does not know, each with a did-you-mean hint.

    Works on raw data so that shape errors and unknown ids are reported together.
    """
    positions = positions or {}
    known = kb.reference_ids
    checks: list[tuple[PathKey, Any, str]] = [((k,), data.get(k), k)
                                              for k in ("industry", "value_type", "segment", "premises")]
    for key in ("needs", "existing_products", "excluded_products", "former_products", "rival_products"):
        values = data.get(key)
        if isinstance(values, list):
            checks += [((key, i), v, key) for i, v in enumerate(values)]
    persons = data.get("key_persons")
    if isinstance(persons, list):
        checks += [(("key_persons", i, "rank"), p.get("rank"), "key_persons")
                   for i, p in enumerate(persons) if isinstance(p, Mapping)]
        checks += [(("key_persons", i, "relations", j), r, "relations")  # [B]
                   for i, p in enumerate(persons) if isinstance(p, Mapping) and isinstance(p.get("relations"), list)
                   for j, r in enumerate(p["relations"])]
    checks.append((("footprint",), data.get("footprint"), "footprint"))  # [B]
    checks.append((("demand_focus",), data.get("demand_focus"), "demand_focus"))
    checks.append((("it_attitude",), data.get("it_attitude"), "it_attitude"))
    influences = data.get("social_influence")
    if isinstance(influences, list):
        checks += [(("social_influence", i), v, "social_influence") for i, v in enumerate(influences)]
    issues = []
    for path, value, kind in checks:
        label, ids = known[kind]
        if isinstance(value, str) and value not in ids:
            line, column = place(path, positions)
            issues.append(Issue(code="unknown-reference",
                                message=Said("unknown-reference.id", what=what_said(label), value=value),
                                hint=did_you_mean(value, ids), file=file, line=line, column=column,
                                path=format_path(path)))
    return issues


def parse_profile(data: Mapping[str, Any] | CustomerProfile, *, source: Source | None = None,
                  knowledge: KnowledgeBase | None = None) -> CustomerProfile:
    """The one way from raw data to a profile: its shape, limits and, given ``knowledge``, its ids.

    One :class:`ProfileError` lists every problem, located by ``source`` (file:line:column, or a
    table's row and column). A :class:`CustomerProfile` built in code has its ids checked.
    """
    source = source or Source()
    if not isinstance(data, (Mapping, CustomerProfile)):
        raise ProfileError(source.locate([Issue(
            code="wrong-type", line=1 if source.file and source.line is None else None,
            message=Said("wrong-type.profile-not", kind=type(data).__name__),
            hint=Said("hint.wrong-type.profile-object"))]))
    raw = data.model_dump() if isinstance(data, CustomerProfile) else data
    issues = reference_issues(raw, knowledge, source.file, source.positions) if knowledge is not None else []
    if isinstance(data, CustomerProfile):
        profile = data
    else:
        try:
            profile = CustomerProfile.model_validate(data)
        except ValidationError as exc:
            shape = issues_from_validation(exc, source.file, source.positions, CustomerProfile)
            raise ProfileError(source.locate(sorted(shape + issues, key=lambda i: (i.line or 0, i.path)))) from None
    if issues:
        raise ProfileError(source.locate(issues))
    return profile
