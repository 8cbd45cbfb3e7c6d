"""durable-rules' fixed C limits: exact for one ruleset, and knowledge past them runs split.

Past a limit of one ruleset the engine hangs holding the GIL, crashes or answers
wrongly, so it only ever runs in child processes here. Three layers:

* the engine itself, fed ruleset definitions directly: the largest size works
  and one more fails, which pins every constant of ``knowledge/limits.py``;
* knowledge just below each limit loads and recommends as one ruleset (one child
  for all);
* knowledge past each limit (the reproductions of issue 12) loads, runs split
  over several rulesets and gives the compiled engine's results, byte for byte;
  what no split helps (a condition of 16 groups) is refused by ``load_knowledge``
  with a located ``engine-limit`` issue, without ever starting the engine.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from recommender import KnowledgeError, load_knowledge
from recommender.assess import assess, customer_fact
from recommender.cli import main
from recommender.durable_json import compile_rules
from recommender.durable_split import split
from recommender.evaluation import compile_branches
from recommender.knowledge import limits
from recommender.knowledge.schema import RulesFile
from recommender.profile import CustomerProfile
from recommender.recommender import default_knowledge_dir
from recommender.vocabulary import ASSESSMENT_STEPS, STEP_SCORE_FIELDS

from .child import ChildRun, run_child
from .conftest import requires_durable

# --- the engine itself -----------------------------------------------------

ENGINE_CHILD = """
    import json, sys
    from recommender.engine_durable import _QuietHost
    def action(name, fired):
        return lambda c: fired.append(name)  # durable-rules calls a two-argument action asynchronously
    for case in json.loads(open(sys.argv[1], encoding="utf-8").read()):
        host, fired = _QuietHost(), []
        rules = {name: dict(body, run=action(name, fired)) for name, body in case["definition"].items()}
        try:
            host.register_rulesets({"limits": rules})
            print("created", flush=True)
            host.assert_facts("limits", [dict(f, sid="1") for f in case["facts"]])
        except Exception as exc:
            print("error", exc, flush=True)
            continue
        host.delete_state("limits", "1")
        print("fired", json.dumps(sorted(fired)), flush=True)
"""

Definition = dict[str, object]


def customer_rule(*tests: object) -> dict[str, object]:
    return {"all": [{"c": {"$and": [{"kind": "customer"}, *tests]}}]}


def rules(count: int, make: Callable[[int], dict[str, object]]) -> Definition:
    return {"_session": {"all": [{"m": {"kind": "customer"}}]}, **{f"r{i}": make(i) for i in range(count)}}


def engine_case(limit: str, size: int) -> dict[str, object]:
    """A definition of ``size`` at one limit, and the facts of one customer that reaches it."""
    fact: dict[str, object] = {"kind": "customer", "city": "c0"}
    if limit == "tests":  # distinct tests after one node
        definition = rules(size, lambda i: customer_rule({"city": f"c{i}"}))
    elif limit == "conditions":  # identical conditions; a different rule after them
        definition = rules(size, lambda i: customer_rule({"city": "c0"}))
        definition["other"] = customer_rule({"city": "other"})
    elif limit == "engine_rules":  # _session is one of them
        definition = rules(size - 1, lambda i: customer_rule({"a": i // 400}, {"b": i % 400}))
    elif limit == "groups":  # the condition's $and and one $or per field
        ors = [{"$or": [{f"f{j}": 1}, {f"f{j}": 2}]} for j in range(size - 1)]
        definition = rules(1, lambda i: customer_rule(*ors))
        fact.update({f"f{j}": 1 for j in range(size - 1)})
    elif limit == "pending":  # thresholds one customer passes at once
        definition = rules(size, lambda i: customer_rule({"$gte": {"employees": i}}))
        fact["employees"] = 10**6
    else:  # fields of one fact, sid included
        definition = rules(1, lambda i: customer_rule({"city": "c0"}))
        fact.update({f"x{i}": i for i in range(size - 3)})
    return {"definition": definition, "facts": [fact]}


LIMITS = {"tests": limits.MAX_TESTS_AT_NODE, "conditions": limits.MAX_CONDITIONS_AT_NODE,
          "engine_rules": limits.MAX_ENGINE_RULES, "groups": limits.MAX_GROUPS_PER_CONDITION,
          "pending": limits.MAX_PENDING_TESTS, "fact_fields": limits.MAX_FACT_FIELDS}


def engine_run(folder: Path, *cases: dict[str, object], timeout: float = 60) -> ChildRun:
    """Run the definitions of ``cases`` in one child, one after another."""
    (folder / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    return run_child(ENGINE_CHILD, str(folder / "cases.json"), timeout=timeout)


@requires_durable
def test_the_engine_works_at_each_limit(tmp_path: Path) -> None:
    """Every limit's largest size creates its ruleset and evaluates a customer reaching it."""
    done = engine_run(tmp_path, *(engine_case(limit, size) for limit, size in LIMITS.items()))
    assert done.returncode == 0, done
    fired = [json.loads(line.split(" ", 1)[1]) for line in done.stdout.splitlines() if line.startswith("fired")]
    assert len(fired) == len(LIMITS), done
    counts = dict(zip(LIMITS, map(len, fired), strict=True))
    assert counts["conditions"] == limits.MAX_CONDITIONS_AT_NODE + 1  # every rule on c0, plus _session
    assert "other" not in fired[1]
    assert counts["pending"] == limits.MAX_PENDING_TESTS + 1


def outcome(run: ChildRun) -> str:
    if run.returncode is None:
        return "hang" if "created" in run.stdout else "hang while creating"
    if run.crashed:
        return "crash"
    return run.stdout.strip().splitlines()[-1]


@requires_durable
@pytest.mark.parametrize(("limit", "expected"), [
    ("tests", "hang"),  # the hash table is full: looking up any field spins forever
    ("conditions", "fired"),  # the full list is read past its end: checked below, a wrong rule fires
    ("engine_rules", "error Could not create ruleset, error code: 106"),
    ("groups", "error Could not create ruleset, error code: 113"),
    ("pending", "error Could not assert facts, error code: 303"),
    ("fact_fields", "crash"),
])
def test_the_engine_fails_one_past_each_limit(tmp_path: Path, limit: str, expected: str) -> None:
    """One more than each limit hangs, crashes, misfires or fails in the real engine."""
    done = engine_run(tmp_path, engine_case(limit, LIMITS[limit] + 1), timeout=8 if expected == "hang" else 60)
    assert outcome(done).startswith(expected), done
    if limit == "conditions":
        assert '"other"' in done.stdout, done  # a rule whose condition does not hold fired


# --- knowledge just below each limit ------------------------------------------

def rule(i: int, when: str) -> str:
    return (f"  - id: g{i}\n    description: {{zh: 规则{i}, en: rule {i}}}\n    when: {when}\n"
            f"    then:\n      - note: {{zh: 注{i}, en: note {i}}}\n")


def group_fields(groups: int) -> str:
    """A customer condition of ``groups`` groups: itself and one range or list per field."""
    ranges = ["employees", "company_revenue", "annual_spend", "monthly_spend", "budget_monthly",
              "key_person_level", "scale_score", "it_investment_score", "it_complexity_score", "score",
              "existing_count"]
    parts = [f"{f}: {{gte: 0, lt: 100000000}}" for f in ranges] + [
        "region: {in: [north, south]}", "city: {in: [Beijing, Shanghai]}", "industry: {in: [finance, logistics]}",
        "lifecycle_stage: {in: [new, growth]}"]
    return "{customer: {" + ", ".join(parts[:groups - 1]) + "}}"


def assessment(steps: int) -> str:
    """``steps`` steps: the three the code reads (vocabulary.ASSESSMENT_STEPS), then more."""
    text = "steps:\n"
    for i in range(steps):
        step = ASSESSMENT_STEPS[i] if i < len(ASSESSMENT_STEPS) else f"s{i}"
        text += (f"  - id: {step}\n    name: {{zh: 步骤{i}, en: Step {i}}}\n"
                 "    indicators:\n      - {field: employees, cuts: [20, 50, 200, 1000]}\n")
    return text + "classes:\n  - {customer_class: a, min_score: 4.0}\n  - {customer_class: d, min_score: 0}\n"


def step_rules() -> str:
    """Rules on the scores of the steps the code reads (vocabulary.STEP_SCORE_FIELDS)."""
    return "".join(rule(i, f"{{customer: {{{name}: {{gte: 0}}}}}}") for i, name in enumerate(STEP_SCORE_FIELDS))


# Each case: the rules (or assessment) for a given size.
KNOWLEDGE: dict[str, Callable[[int], tuple[str | None, str | None]]] = {
    "tests": lambda n: ("".join(rule(i, f"{{customer: {{city: c{i}}}}}") for i in range(n)), None),
    "in_values": lambda n: (rule(0, "{customer: {city: {in: [" + ", ".join(f"c{i}" for i in range(n)) + "]}}}"),
                            None),
    "conditions": lambda n: ("".join(rule(i, "{customer: {city: c0}}") for i in range(n)), None),
    # one engine rule per YAML rule, plus the internal catch-all
    "engine_rules": lambda n: ("".join(rule(i, f"{{customer: {{city: c{i // 400}, region: r{i % 400}}}}}")
                                       for i in range(n - 1)), None),
    "any_branches": lambda n: (rule(0, "{any: [" + ", ".join(
        f"{{customer: {{city: c{i // 400}, region: r{i % 400}}}}}" for i in range(n - 1)) + "]}"), None),
    "groups": lambda n: (rule(0, group_fields(n)), None),
    "thresholds": lambda n: ("".join(rule(i, f"{{customer: {{employees: {{gte: {i}}}}}}}") for i in range(n)), None),
    "shared_value": lambda n: ("".join(rule(i, f"{{customer: {{city: {{in: [c0, x{i}]}}}}}}") for i in range(n)),
                               None),
    "steps": lambda n: (step_rules(), assessment(n)),
    "campaign": lambda n: ("".join(rule(i, f"{{customer: {{city: c{i}}}}}") for i in range(n)), None),
    "chained": lambda n: (CHAINED_FIRST + "".join(rule(i, f"{{customer: {{city: c{i + 1}}}}}") for i in range(n))
                          + CHAINED_LAST, None),
}
# A rule on a need that only the last rule infers: with 512 rules on other cities between them, they land
# in different rulesets, so the need must travel from the last ruleset back to the first. The customer's
# stated need (office) only a rule of the last ruleset tests, so the first takes it by a catch-all rule.
CHAINED_FIRST = """  - id: g_needs_transmission
    description: {zh: 需要传输, en: Needs transmission}
    when: {need: transmission}
    then: [{propose: {product: dedicated_line}}]
"""
CHAINED_LAST = """  - id: g_infers_transmission
    description: {zh: 推断传输需求, en: Infers transmission}
    when: {customer: {city: c0}}
    then: [{infer_need: {need: transmission, weight: 0.5}}]
  - id: g_office
    description: {zh: 办公需求, en: Office needs}
    when: {need: office}
    then: [{note: {zh: 办公, en: office}}]
"""
APPENDED = {"campaign"}  # cases whose rules come after the shipped ones (the others replace them)
# The largest size of each case one ruleset takes.
SIZES = {"tests": limits.MAX_TESTS_AT_NODE, "in_values": limits.MAX_TESTS_AT_NODE,
         "conditions": limits.MAX_CONDITIONS_AT_NODE, "engine_rules": limits.MAX_ENGINE_RULES,
         "any_branches": limits.MAX_ENGINE_RULES, "groups": limits.MAX_GROUPS_PER_CONDITION,
         "thresholds": limits.MAX_PENDING_TESTS, "shared_value": limits.MAX_PENDING_TESTS}
# A customer that reaches every limit: all 18 fields of its fact filled in.
CUSTOMER = {"name": "x", "industry": "finance", "employees": 10**6, "company_revenue": 1e8, "annual_spend": 1.2e6,
            "segment": "finance", "lifecycle_stage": "growth", "budget_monthly": 5000, "region": "r7", "city": "c0",
            "key_persons": [{"rank": "bureau"}], "needs": ["office"]}
# Rules of each case that fire for CUSTOMER.
FIRED = {"tests": 1, "in_values": 1, "conditions": limits.MAX_CONDITIONS_AT_NODE, "engine_rules": 1,
         "any_branches": 1, "groups": 0, "thresholds": limits.MAX_PENDING_TESTS,
         "shared_value": limits.MAX_PENDING_TESTS}


def knowledge(root: Path, case: str, size: int) -> Path:
    """A copy of the default knowledge whose group rules (or assessment) are the case at ``size``."""
    target = root / f"{case}_{size}"
    shutil.copytree(default_knowledge_dir(), target)
    rules_text, assessment_text = KNOWLEDGE[case](size)
    if rules_text is not None:
        file = target / "catalogs/group/rules.yaml"
        if case in APPENDED:
            file.write_text(file.read_text(encoding="utf-8") + rules_text, encoding="utf-8")
        else:
            file.write_text("rules:\n" + rules_text, encoding="utf-8")
    if assessment_text is not None:
        (target / "assessment.yaml").write_text(assessment_text, encoding="utf-8")
    return target


KNOWLEDGE_CHILD = """
    import json, sys
    from recommender import KnowledgeError, Recommender
    cases, customer, refused = json.loads(sys.argv[1])
    for name, path in cases:
        rec = Recommender.from_path(path)
        result = rec.recommend(customer)
        print(json.dumps([name, [f.rule for f in result.fired_rules if f.rule.startswith("g")]]), flush=True)
    try:  # a refused reload keeps the knowledge that works
        rec.reload(refused)
    except KnowledgeError as exc:
        print(json.dumps(["reload", [i.code for i in exc.issues if i.severity == "error"]]), flush=True)
    print(json.dumps(["after reload", len(rec.recommend(customer).fired_rules)]), flush=True)
"""


@pytest.fixture(scope="module")
def below(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What one child reports for every case just below its limit, then for a refused reload."""
    root = tmp_path_factory.mktemp("below")
    cases = [(case, str(knowledge(root, case, size))) for case, size in SIZES.items()]
    refused = knowledge(root, "groups", limits.MAX_GROUPS_PER_CONDITION + 1)
    done = run_child(KNOWLEDGE_CHILD, json.dumps([cases, CUSTOMER, str(refused)]), timeout=240)
    results: dict[str, object] = {"run": done}
    results.update(json.loads(line) for line in done.stdout.splitlines())
    return results


@pytest.mark.parametrize("case", SIZES)
def test_knowledge_at_each_limit_loads_and_recommends(below: dict[str, object], case: str) -> None:
    """Knowledge exactly at a limit loads, builds its engine and recommends in a child process."""
    assert case in below, below["run"]
    fired = below[case]
    assert isinstance(fired, list)
    if FIRED[case] is not None:
        assert len(fired) == FIRED[case], fired


def test_a_refused_reload_keeps_the_knowledge_that_works(below: dict[str, object]) -> None:
    """Reloading knowledge past a limit raises KnowledgeError and the recommender keeps answering."""
    assert below.get("reload") == ["engine-limit"], below["run"]
    assert below.get("after reload"), below["run"]


# --- knowledge past the limits of one ruleset: split, with the compiled engine's results ---

# The reproductions of issue 12, each past a limit of one ruleset: 520 one-rule-per-city campaign rules on
# top of the shipped ones, one rule `city: {in: [600 values]}`, 256 rules with one condition, 4,100 rules,
# 100 overlapping thresholds, one value in 100 'in' lists, an assessment of 240 steps; and rules that chain
# from the last ruleset back to the first.
PAST = {"campaign": 520, "tests": 520, "in_values": 600, "conditions": limits.MAX_CONDITIONS_AT_NODE + 1,
        "engine_rules": 4_100, "any_branches": 4_100, "thresholds": 100, "shared_value": 100, "steps": 240,
        "chained": limits.MAX_TESTS_AT_NODE + 1}
PAST_FIRED = {"campaign": 1, "tests": 1, "in_values": 1, "conditions": limits.MAX_CONDITIONS_AT_NODE + 1,
              "engine_rules": 1, "any_branches": 1, "thresholds": 100, "shared_value": 100, "steps": 3,
              "chained": 3}
PAST_CHILD = """
    import json, sys
    from recommender import ProfileError, Recommender, load_knowledge
    from benchmarks.generated import customers
    cases, customer = json.loads(sys.argv[1])
    for name, path in cases:
        kb = load_knowledge(path)
        durable, compiled = Recommender(kb, "durable"), Recommender(kb, "compiled")
        same = compared = 0
        for data in [customer, *customers(kb, 12, seed=3)]:
            try:
                profile = durable.parse_profile(data)
            except ProfileError:
                continue
            compared += 1
            same += durable.recommend(profile).model_dump_json() == compiled.recommend(profile).model_dump_json()
        fired = [f.rule for f in durable.recommend(customer).fired_rules if f.rule.startswith("g")]
        rulesets = {stage: len(plans) for stage, plans in durable._state[1].rulesets.items()}
        print(json.dumps([name, {"same": same, "compared": compared, "fired": len(fired), "rulesets": rulesets}]),
              flush=True)
"""


@pytest.fixture(scope="module")
def past(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What durable-rules and the compiled engine give on every case past a limit of one ruleset, in a child
    (a hang there fails the tests instead of stopping pytest)."""
    root = tmp_path_factory.mktemp("past")
    cases = [(case, str(knowledge(root, case, size))) for case, size in PAST.items()]
    done = run_child(PAST_CHILD, json.dumps([cases, CUSTOMER]), timeout=900)
    results: dict[str, object] = {"run": done}
    results.update(json.loads(line) for line in done.stdout.splitlines())
    return results


@requires_durable
@pytest.mark.parametrize("case", PAST)
def test_knowledge_past_a_limit_of_one_ruleset_runs_split_with_the_compiled_engines_results(
        past: dict[str, object], case: str) -> None:
    """The stage is split over several rulesets, nothing hangs or crashes, and every result is byte-identical
    to the compiled engine's. Two cases need no split: the 240-step assessment (its fact is cut to the fields
    rules test) and 256 rules of one condition, which share one durable-rules rule (durable_split.share)."""
    assert case in past, past["run"]
    outcome = past[case]
    assert isinstance(outcome, dict)
    assert outcome["compared"] >= 10 and outcome["same"] == outcome["compared"], outcome
    assert outcome["fired"] == PAST_FIRED[case], outcome
    assert outcome["rulesets"]["customer"] >= (1 if case in ("steps", "conditions") else 2), outcome


@pytest.mark.parametrize("case", PAST)
def test_knowledge_past_a_limit_of_one_ruleset_validates(tmp_path: Path, case: str) -> None:
    """Loading no longer refuses what durable-rules runs split."""
    kb = load_knowledge(knowledge(tmp_path, case, PAST[case]))
    assert not [w for w in kb.warnings if w.code == "engine-limit"]


def test_a_condition_of_more_groups_than_the_engine_takes_is_refused_with_a_located_issue(tmp_path: Path) -> None:
    """What no split can help: one condition of 16 groups is one located engine-limit error; load_knowledge
    never starts the engine."""
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge(tmp_path, "groups", limits.MAX_GROUPS_PER_CONDITION + 1))
    errors = [i for i in caught.value.issues if i.severity == "error"]
    assert [i.code for i in errors] == ["engine-limit"], errors
    issue = errors[0]
    assert issue.file is not None and issue.file.endswith("rules.yaml")
    assert issue.path == "rules[0].when.customer" and issue.line and issue.column
    assert "16 groups" in issue.message and issue.hint


def test_validate_refuses_knowledge_past_a_limit(tmp_path: Path) -> None:
    """`recommender validate` reports the located engine-limit issue and exits 1."""
    root = knowledge(tmp_path, "groups", limits.MAX_GROUPS_PER_CONDITION + 1)
    result = CliRunner().invoke(main, ["validate", str(root)])
    assert result.exit_code == 1, result.output
    assert "[engine-limit]" in result.output and "rules.yaml:" in result.output


# --- numbers in rules ---------------------------------------------------------

@pytest.mark.parametrize("constraint", ["{gte: 1.0e16}", "{gte: 1000000000000000}", "{lt: .inf}",
                                        "{gte: -.inf}", "{gte: .nan}", "{in: [5, -1.0e15]}",
                                        "{ne: 1000000000000000.5}"])
def test_rule_numbers_the_engine_cannot_parse_are_refused(tmp_path: Path, constraint: str) -> None:
    """Non-finite or too large rule constants are a located out-of-range error, not a raw engine error."""
    target = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), target)
    (target / "catalogs/group/rules.yaml").write_text(
        "rules:\n" + rule(0, f"{{customer: {{employees: {constraint}}}}}"), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(target)
    errors = [i for i in caught.value.issues if i.severity == "error"]
    assert [i.code for i in errors] == ["out-of-range"], errors
    assert errors[0].path.startswith("rules[0].when.customer.employees.") and errors[0].line == 4


def test_rule_numbers_reach_the_engine_rounded() -> None:
    """Constants are compiled the way facts are sent: floats rounded to four decimals, never in exponent form."""
    rules_file = RulesFile.model_validate({"rules": [{
        "id": "r", "description": {"zh": "规则", "en": "rule"}, "then": [{"note": {"zh": "注", "en": "note"}}],
        "when": {"customer": {"score": {"gte": 0.00001, "lt": 0.1 + 0.2}, "employees": {"in": [3, 999999999999999]}}},
    }]})
    definition, _ = compile_rules(tuple(rules_file.rules))
    text = json.dumps(definition["r0_0"])
    assert '{"$gte": {"score": 0.0}}' in text and '{"$lt": {"score": 0.3}}' in text
    assert "999999999999999" in text and "e-" not in text


ENGINE_NUMBERS_CHILD = """
    import sys
    from recommender import Recommender
    rec = Recommender.from_path(sys.argv[1])
    fired = rec.recommend({"name": "x", "industry": "finance", "employees": 10**6 - 1, "needs": ["office"]})
    print(sorted(f.rule for f in fired.fired_rules if f.rule.startswith("g")))
"""


def test_rule_numbers_at_the_edge_of_the_range_work(tmp_path: Path) -> None:
    """The largest allowed constants and tiny fractions load and evaluate in the real engine."""
    target = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), target)
    (target / "catalogs/group/rules.yaml").write_text("rules:\n" + "".join([
        rule(0, "{customer: {employees: {lt: 999999999999999}}}"),
        rule(1, "{customer: {employees: {gt: -999999999999999.9}}}"),
        rule(2, "{customer: {employees: {gte: 0.00001}}}"),
        rule(3, "{customer: {employees: {gte: 999999999999999}}}"),
    ]), encoding="utf-8")
    done = run_child(ENGINE_NUMBERS_CHILD, str(target))
    assert done.returncode == 0, done
    assert done.stdout.strip() == "['g0', 'g1', 'g2']", done


# --- the customer fact ------------------------------------------------------

def test_a_fact_reaches_each_ruleset_cut_to_the_fields_its_conditions_test(tmp_path: Path) -> None:
    """A profile with every field and 240 assessment steps makes a customer fact of over 253 fields, more than
    durable-rules parses; each ruleset gets it cut to sid, kind and the fields it tests."""
    kb = load_knowledge(knowledge(tmp_path, "steps", 240))
    profile = CustomerProfile.model_validate({**CUSTOMER, "region": "north", "city": "Beijing",
                                              "it_investment": 10**6, "managed_customers": 1000,
                                              "premises": "business_building", "footprint": "national",
                                              "demand_focus": "voice"})
    fact = dict(customer_fact(profile, assess(profile, kb), kb), sid="1", kind="customer")
    assert len(fact) > limits.MAX_FACT_FIELDS
    (plan,) = split(compile_branches(kb.rules), "customer")
    assert plan.cut(fact) == {"sid": "1", "kind": "customer", **{f: fact[f] for f in STEP_SCORE_FIELDS}}
