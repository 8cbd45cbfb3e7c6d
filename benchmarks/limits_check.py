"""Cross-check knowledge/limits.py against the real engine on random rule bases, seed-fixed.

Each rule base (customer conditions on two numeric and two text fields: thresholds,
ranges, ``in``/``not_in`` lists, ``ne``, ``exists``) is judged by ``limits.fits`` as one
ruleset, then created and fed random customers in a child process. Outcomes:

* ``fits, works``       - the model accepts it as one ruleset and the engine answers every customer;
* ``too big, fails``    - the model says it breaks a limit and the engine fails (error, crash, hang);
* ``too big, answered`` - it breaks a limit, yet no sampled customer made the engine fail (the
                          stack bound is an upper bound, or the sample missed the worst case);
* ``fits, FAILS``       - the model let through a ruleset the engine fails on: a bug.

A rule base that does not fit is then split as the durable-rules backend splits it
(``durable_split.split``), and each of its rulesets is fed the same customers:
``split, works`` or ``split, FAILS`` (a bug).

    python benchmarks/limits_check.py --bases 300 --seed 0
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from recommender.durable_json import compile_rules
from recommender.durable_split import split
from recommender.evaluation import compile_branches
from recommender.knowledge.limits import fits
from recommender.knowledge.schema import RulesFile

CHILD = """
import json, sys
from recommender.engine_durable import _QuietHost
spec = json.loads(open(sys.argv[1], encoding="utf-8").read())
host = _QuietHost()
host.register_rulesets({"x": {n: dict(b, run=lambda c: None) for n, b in spec["definition"].items()}})
for i, fact in enumerate(spec["facts"]):
    host.assert_facts("x", [dict(fact, sid=str(i))])  # an error ends the child with a traceback
    host.delete_state("x", str(i))
print("answered")
"""
TEXTS = ["s0", "s1", "s2", "s3", "s4"]


def constraint(rng: random.Random, name: str) -> Any:
    pick = rng.random()
    if name in ("annual_spend", "budget_monthly"):
        return (rng.choice([{"gte": rng.randrange(60)}, {"gte": rng.randrange(60), "lt": rng.randrange(60, 120)}])
                if pick < 0.6 else {"ne": rng.randrange(60)} if pick < 0.7
                else {"in": rng.sample(range(60), rng.randint(2, 4))} if pick < 0.8
                else rng.randrange(60) if pick < 0.9 else {"exists": rng.random() < 0.5})
    return (rng.choice(TEXTS) if pick < 0.3 else {"in": rng.sample(TEXTS, rng.randint(2, 4))} if pick < 0.6
            else {"ne": rng.choice(TEXTS)} if pick < 0.8 else {"not_in": rng.sample(TEXTS, 2)} if pick < 0.9
            else {"exists": rng.random() < 0.5})


def rule_base(rng: random.Random) -> RulesFile:
    rules = []
    for i in range(rng.randint(20, 140)):
        fields = rng.sample(["annual_spend", "budget_monthly", "city", "region"], rng.randint(1, 3))
        rules.append({"id": f"r{i}", "description": {"zh": "规则", "en": "rule"},
                      "when": {"customer": {f: constraint(rng, f) for f in fields}},
                      "then": [{"note": {"zh": "注", "en": "note"}}]})
    return RulesFile.model_validate({"rules": rules})


def customer(rng: random.Random) -> dict[str, Any]:
    fact: dict[str, Any] = {"kind": "customer"}
    for name in ("annual_spend", "budget_monthly"):
        if rng.random() < 0.85:
            fact[name] = rng.choice([rng.randrange(-1, 125), 1000, -5])
    for name in ("city", "region"):
        if rng.random() < 0.85:
            fact[name] = rng.choice([*TEXTS, "zz"])
    return fact


def engine_answers(definition: dict[str, Any], facts: list[dict[str, Any]], folder: Path, timeout: float) -> bool:
    spec = folder / "spec.json"
    spec.write_text(json.dumps({"definition": definition, "facts": facts}), encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(spec)], capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and done.stdout.strip() == "answered"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bases", type=int, default=300)
    parser.add_argument("--customers", type=int, default=150, help="random customers per rule base")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=20)
    args = parser.parse_args()
    outcomes: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(args.seed, args.seed + args.bases):
            rng = random.Random(seed)
            rules = rule_base(rng)
            definition, _ = compile_rules(tuple(rules.rules))
            accepted = fits(definition)
            facts = [customer(rng) for _ in range(args.customers)]
            answered = engine_answers(definition, facts, Path(folder), args.timeout)
            outcome = {(True, True): "fits, works", (False, False): "too big, fails",
                       (False, True): "too big, answered", (True, False): "fits, FAILS"}[accepted, answered]
            outcomes[outcome] += 1
            if outcome == "fits, FAILS":
                print(f"seed {seed}: the model accepted a ruleset the engine fails on", flush=True)
            if not accepted:
                plans = split(compile_branches(tuple(rules.rules)), "customer")
                works = all(engine_answers(plan.definition, [plan.cut(f) for f in facts], Path(folder), args.timeout)
                            for plan in plans)
                outcomes["split, works" if works else "split, FAILS"] += 1
                if not works:
                    print(f"seed {seed}: a ruleset of the split fails in the engine", flush=True)
    print(json.dumps(dict(outcomes), indent=2))
    sys.exit(1 if outcomes["fits, FAILS"] or outcomes["split, FAILS"] else 0)


if __name__ == "__main__":
    main()
