"""Remove each guard of the engine adapter in turn and show which test catches it.

Each mutant is a copy of this checkout with one guard edited out of the
durable-rules backend or the engine-neutral evaluation (most guards serve both
rule stages); with durable-rules as the engine (``auto`` here), the guard,
pitfall, bundle-stage, reload and limit tests then run on it. Every line should
say "caught by ...". Run (words given: only the guards whose name holds one):

    python benchmarks/guard_mutants.py [word ...]
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

src = Path(__file__).resolve().parent.parent
DURABLE, NEUTRAL = "recommender/engine_durable.py", "recommender/evaluation.py"
JSON, SPLIT = "recommender/durable_json.py", "recommender/durable_split.py"
# (guard, file, text in it, the text without the guard)
MUTANTS = [
    ("catch-all _session rule", JSON,
     '    out: dict[str, Any] = {"_session": {"all": [{"m": {"kind": "customer"}}]}}\n',
     "    out: dict[str, Any] = {}\n"),
    ("assert only referenced facts", NEUTRAL,
     "for n in sorted(needs) if n in self.referenced.needs]", "for n in sorted(needs)]"),
    ("engine_fact (numbers and text)", NEUTRAL,
     "facts = [dict(engine_fact(customer), sid=session.sid", "facts = [dict(customer, sid=session.sid"),
    ("delete only opened sessions", DURABLE,
     "        for ruleset in running.opened:\n",
     "        for ruleset in [n for plans in self.rulesets.values() for n, _ in plans]:\n"),
    ("delete states stored then refused", DURABLE,
     "            if isinstance(exc, _STORED_THEN_REFUSED) and ruleset not in running.opened:\n",
     "            if False:\n"),
    ("keep the first error", DURABLE,
     "quiet=failure is not None or bool(running.errors))", "quiet=False)"),
    ("delete_state after each evaluation", DURABLE,
     "                self._host.delete_state(ruleset, running.session.sid)\n", "                pass\n"),
    ("fresh sid per evaluation", NEUTRAL,
     "session = Session(self, str(next(self._sids)), needs)", 'session = Session(self, "1", needs)'),
    ("effects once per rule", NEUTRAL,
     "        if first:  # a rule's effects apply once", "        if True:  # a rule's effects apply once"),
    ("one lock per engine", NEUTRAL,
     "        with self._lock:\n            cached", "        if True:\n            cached"),
    ("no background timer threads", DURABLE,
     "        def _run(self) -> None:", "        def _unused(self) -> None:"),
    ("catch-all _bundle rule (bundle stage)", JSON,
     '        out["_bundle"] = {"all": [{"m": {"kind": "bundle"}}]}\n', "        pass\n"),
    ("assert only referenced products (bundle stage)", NEUTRAL,
     "for p in sorted(lines) if p in ref.products]", "for p in sorted(lines)]"),
    ("actions catch their errors", DURABLE,
     "        except BaseException as exc:  # noqa: BLE001 - durable-rules would swallow it\n",
     "        except ZeroDivisionError as exc:\n"),
    ("catch-all rule per kind in a split ruleset", JSON,
     '    for kind in sorted(set(catch_all) - {"customer", "bundle"}):\n', "    for kind in ():\n"),
    ("facts cut to the fields a ruleset tests", SPLIT,
     "        return {k: v for k, v in fact.items() if k in keep or k in _ALWAYS_SENT}\n",
     "        return dict(fact)\n"),
    ("derived facts sent to every ruleset", DURABLE,
     "            while not running.errors and any(n < len(running.facts) for n in sent):\n",
     "            for _ in (1,):\n"),
    ("rulesets deleted when the engine is dropped", DURABLE,
     "            _durable.durable_rules_engine.delete_ruleset(ruleset._handle)\n", "            pass\n"),
]
TESTS = ["tests/test_engine_guards.py", "tests/test_engine_pitfalls.py", "tests/test_bundle_stage.py",
         "tests/test_engine_reload.py", "tests/test_engine_limits.py"]
for name, file, old, new in MUTANTS:
    if sys.argv[1:] and not any(word in name for word in sys.argv[1:]):
        continue
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "w"
        shutil.copytree(src, work, ignore=shutil.ignore_patterns(".venv", ".git", "site"))
        module = work / file
        text = module.read_text()
        assert text.count(old) == 1, (name, text.count(old))
        module.write_text(text.replace(old, new))
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS],
                             cwd=work, env={"PYTHONPATH": str(work), "PATH": "/usr/bin:/bin"},
                             capture_output=True, text=True, timeout=900)
        failed = [line.split("::")[1].split(" ")[0] for line in run.stdout.splitlines()
                  if line.startswith(("FAILED", "ERROR"))]
        verdict = "caught by " + ", ".join(failed) if run.returncode else "NOT CAUGHT"
        if run.returncode and not failed:
            verdict = f"caught (pytest exit {run.returncode}: process crashed)"
        print(f"{name:40} {verdict}", flush=True)
