"""One vocabulary: every id the code gives a meaning to, declared once.

The knowledge names almost everything itself (industries, products, rules, ranks,
channels ...) and the code never looks those up by name. The ids below are
different: the code acts on them, so each is declared here and nowhere else.
The schema builds its closed lists from these (a module id, a lifecycle stage,
a strategy kind, a product relation, an advice kind), and where the knowledge
must define an id under exactly this name (the value types the assessment
assigns, the assessment steps it reads, the score components the ranking
weighs, the nine modules), loading refuses knowledge that lacks one with a
located ``missing-vocabulary`` issue instead of quietly changing a result.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

# The nine modules of the needs framework (seed 004 3.2: two layers, nine modules).
ModuleId = Literal["transmission", "access", "infrastructure", "finance", "office", "hr",
                   "production", "customer", "partner"]
MODULES: Final[tuple[ModuleId, ...]] = get_args(ModuleId)

# Customer lifecycle stages A-E (seed 004 3.2).
LifecycleStage = Literal["new", "growth", "mature", "decline", "churned"]
LIFECYCLE_STAGES: Final[tuple[LifecycleStage, ...]] = get_args(LifecycleStage)

# Portfolio stages (seed 001 四.1, Boston matrix).
PortfolioStage = Literal["star", "cash_cow", "question_mark", "dog"]
PORTFOLIO_STAGES: Final[tuple[PortfolioStage, ...]] = get_args(PortfolioStage)
STAR, CASH_COW, QUESTION_MARK, DOG = PORTFOLIO_STAGES

# What a lifecycle strategy makes the ranking do (seed 004 3.2 阶段A-E).
StrategyKind = Literal["trial", "cross_sell", "retain", "upgrade", "win_back"]
STRATEGY_KINDS: Final[tuple[StrategyKind, ...]] = get_args(StrategyKind)
TRIAL, CROSS_SELL, RETAIN, UPGRADE, WIN_BACK = STRATEGY_KINDS

# Relations between products (fields of a product).
RelationKind = Literal["requires", "excludes", "complements", "replaces"]
RELATION_KINDS: Final[tuple[RelationKind, ...]] = get_args(RelationKind)
REQUIRES, EXCLUDES, COMPLEMENTS, REPLACES = RELATION_KINDS

# Rule effects that are advice to the account manager (rule effects, and fields of the result's advice).
AdviceKind = Literal["offer", "channel", "service_level", "strategy", "account_manager", "managing_level", "note"]
ADVICE_KINDS: Final[tuple[AdviceKind, ...]] = get_args(AdviceKind)
# Advice with one value per customer, each naming an entry of this framework list. [B] A new kind is
# one entry here, a field of the same name on the rule effect (schema.Effect), the scenario expectation
# (schema.Expectation) and the result's advice (result.Advice), its list in framework.yaml and its
# labels in the message files (detail.<kind>, advice.<kind>); the engine, validation, scenarios, diff
# and rendering walk this mapping.
SingleAdvice = Literal["channel", "service_level", "strategy", "account_manager", "managing_level"]
SINGLE_ADVICE: Final[dict[SingleAdvice, str]] = {
    "channel": "channels", "service_level": "service_levels", "strategy": "strategies",
    "account_manager": "account_manager_levels", "managing_level": "managing_levels"}

# Rule stages (rules.yaml `stage`): customer-stage rules run on the customer before the bundle
# search, bundle-stage rules on each chosen bundle after it; engine.py runs one ruleset per stage.
RuleStage = Literal["customer", "bundle"]
RULE_STAGES: Final[tuple[RuleStage, ...]] = get_args(RuleStage)
CUSTOMER_STAGE, BUNDLE_STAGE = RULE_STAGES
# Effects only a bundle-stage rule has (it also chooses offers and writes notes).
BundleEffect = Literal["add_on", "discount"]
BUNDLE_ONLY_EFFECTS: Final[tuple[BundleEffect, ...]] = get_args(BundleEffect)

# Components of a bundle's score; framework.yaml `ranking` weighs each one.
ScoreComponent = Literal["coverage", "fit", "cost", "lifecycle", "portfolio"]
SCORE_COMPONENTS: Final[tuple[ScoreComponent, ...]] = get_args(ScoreComponent)

# Steps of the measurement system (seed 004 3.1): assessment.yaml defines each;
# the assessment reads `scale` for the value type and rules test `<step>_score`.
AssessmentStep = Literal["scale", "it_investment", "it_complexity"]
ASSESSMENT_STEPS: Final[tuple[AssessmentStep, ...]] = get_args(AssessmentStep)
SCALE, IT_INVESTMENT, IT_COMPLEXITY = ASSESSMENT_STEPS
STEP_SCORE_FIELDS: Final[tuple[str, ...]] = tuple(f"{step}_score" for step in ASSESSMENT_STEPS)

# Value types the assessment assigns (seed 004 3.1 集团客户价值评估); framework.yaml defines each.
ValueType = Literal["dual", "economic", "social"]
VALUE_TYPES: Final[tuple[ValueType, ...]] = get_args(ValueType)
DUAL, ECONOMIC, SOCIAL = VALUE_TYPES

# Key persons' own needs (seed 004 3.2) live outside the nine modules: their ids
# start with this prefix, and a need condition on a module never matches them.
KEY_PERSON: Final = "key_person"

# The source of a need the customer stated (other sources are rule ids).
STATED: Final = "stated"
# The source of a need or proposal that wins back a product the customer left (winback.py).
WON_BACK: Final = "win_back"

