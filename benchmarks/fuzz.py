"""Fuzz: hostile profiles and mutated knowledge through the real engine, seed-fixed.

Every case runs in a worker process that the supervisor replaces when it dies
(a crash) or stops answering (a hang), so one bad case is counted, not fatal.
Each case ends in exactly one outcome:

* ``result``          - a recommendation that serialises to JSON and renders as text;
* ``located error``   - a ``ProfileError`` / ``KnowledgeError`` whose every issue has a
                        code, a message and a place (a path, or a file with a line);
* ``unlocated error`` - such an error with an issue that has no place;
* ``untyped``         - any other exception (also a ``RecommenderError`` the case did not
                        expect, such as ``EngineError``);
* ``crash``           - the worker died (SIGSEGV, SIGABRT, ...);
* ``hang``            - no answer within ``--timeout`` seconds.

Run the full campaign (takes a while on two cores):

    python benchmarks/fuzz.py --profiles 100000 --mutations 1000

The same seed gives the same cases; ``--show N`` prints the first N cases of each bad
outcome so they can be replayed with ``--replay KIND:INDEX``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

OUTCOMES = ("result", "located error", "unlocated error", "untyped", "crash", "hang")
BAD = ("unlocated error", "untyped", "crash", "hang")

# --- hostile values -------------------------------------------------------------

NUMBERS: list[Any] = [0, -0.0, 1, -1, 2, 5e-324, 1e-5, 5e-05, 0.1, 1e14, 999999999999999.9, 1e15, 1e16, 1e308,
                      float("inf"), float("-inf"), float("nan"), 2**63, -(2**63) - 1, 10**400, True, False]
TEXTS = ["", " ", "x", "\x00", "\x1b[31mred\x1b[0m", "a\r\nforged line", "\ud800", "a\udfffb", "\u202eevil",
         "\u2028", "\t", "名称", "x" * 201, "<script>alert(1)</script>", "${jndi:x}", "'; DROP TABLE x;--",
         "\\", '"', "NaN", "1e16", "-inf", "0x10", "office", "office.meeting", "finance"]
FIELDS = ["id", "name", "industry", "employees", "company_revenue", "annual_spend", "value_type", "segment",
          "lifecycle_stage", "needs", "existing_products", "excluded_products", "budget_monthly", "key_persons",
          "region", "city", "employee_growth", "revenue_growth", "it_investment", "it_investment_growth",
          "it_staff", "it_staff_growth", "managed_customers", "partners", "solution_types", "footprint", "unknown_key"]


def hostile_number(r: random.Random) -> Any:
    roll = r.random()
    if roll < 0.3:
        return r.choice(NUMBERS)
    if roll < 0.6:  # every magnitude a float has, and then some
        return float(f"{r.choice('-+')}{r.random():.6f}e{r.randint(-330, 330)}")  # past 1e308: inf
    if roll < 0.8:
        return r.uniform(0, 10**15)
    if roll < 0.9:
        return r.randrange(-(10**20), 10**20)
    return 10 ** r.randrange(1, 5000) * r.choice((1, -1))


def hostile_text(r: random.Random) -> str:
    if r.random() < 0.5:
        return r.choice(TEXTS)
    alphabet = [chr(r.randrange(0, 0x110000)) for _ in range(8)] + list("abc.-_ 你好")
    return "".join(r.choice(alphabet) for _ in range(r.randrange(0, 40)))


def hostile_value(r: random.Random, depth: int = 0) -> Any:
    roll = r.random()
    if roll < 0.35:
        return hostile_number(r)
    if roll < 0.7:
        return hostile_text(r)
    if roll < 0.8 or depth > 3:
        return None
    if roll < 0.9:
        return [hostile_value(r, depth + 1) for _ in range(r.randrange(0, 4))]
    return {hostile_text(r): hostile_value(r, depth + 1) for _ in range(r.randrange(0, 3))}


def profile_case(r: random.Random, ids: dict[str, list[str]]) -> dict[str, Any]:
    """A mostly sensible profile with a few hostile values."""
    profile: dict[str, Any] = {
        "name": "客户" + str(r.randrange(1000)), "industry": r.choice(ids["industry"]),
        "employees": r.randrange(2, 20000), "budget_monthly": r.choice([None, r.uniform(0, 50000)]),
        "annual_spend": r.choice([None, r.uniform(0, 2e6)]),
        "needs": r.sample(ids["need"], r.randrange(0, 4)),
        "existing_products": r.sample(ids["product"], r.randrange(0, 2)),
        "lifecycle_stage": r.choice([None, "new", "growth", "mature", "decline", "churned"]),
        "key_persons": [{"rank": r.choice(ids["rank"]), "relations": r.sample(ids["relation"], r.randrange(0, 3)),
                         "vip": r.random() < 0.3} for _ in range(r.randrange(0, 2))],  # [B] relations, VIP
        "footprint": r.choice([None, *ids["footprint"]]),  # [B]
    }
    for _ in range(r.randrange(0, 4)):
        field = r.choice(FIELDS)
        if field in ("needs", "existing_products", "excluded_products"):
            profile[field] = [r.choice([hostile_text(r), r.choice(ids["need"] + ids["product"])])
                              for _ in range(r.randrange(0, 3))]
        elif field == "key_persons":
            profile[field] = [{"rank": hostile_value(r), "name": hostile_text(r)}]
        else:
            profile[field] = hostile_value(r)
    return {k: v for k, v in profile.items() if v is not None or r.random() < 0.1}


def profile_text(r: random.Random, profile: dict[str, Any]) -> str:
    """The profile as a file: JSON, or YAML with hostile scalars, anchors, tags and nesting."""
    if r.random() < 0.5:
        text = "{" + ", ".join(f"{_json(k)}: {_json(v)}" for k, v in profile.items()) + "}"
        return text.replace("Infinity", r.choice(["1e400", "Infinity", "-1e999"]))
    lines = [f"{k}: {_json(v)}" for k, v in profile.items()]
    extra = r.choice(["budget_monthly: 1e16", "budget_monthly: .inf", "employees: 0x7fffffffffffffffff",
                      "region: !include /etc/passwd", "a: &a [*a, *a]", "city: " + "[" * 2000 + "]" * 2000,
                      "employees: " + "9" * 5000, "name: \"\\e[31m\\r\\nx\"", "needs: [office, &n office, *n]",
                      "\x07", "? [a]\n: b", ""])
    lines.insert(r.randrange(len(lines) + 1), extra)
    return "\n".join(lines) + "\n"


def _json(value: Any) -> str:
    try:
        return json.dumps(value, default=str)
    except ValueError:  # an integer past Python's 4,300-digit conversion limit
        return "9" * 5000


# --- knowledge mutations ----------------------------------------------------------

FILES = ["framework.yaml", "assessment.yaml", "catalogs/group/products.yaml", "catalogs/group/rules.yaml",
         "catalogs/group/catalog.yaml", "catalogs/sme/offers.yaml", "catalogs/sme/rules.yaml"]
TOKENS = [":", "-", " ", "\n", "{", "}", "[", "]", "'", '"', "#", "&a ", "*a", "!!python/object ", "!include ",
          "yes", "010", "~", "1e16", ".inf", "-.nan", "9" * 25, "\x1b", "\x00", "\ud800", "？", "\t"]


def mutate(r: random.Random, text: str, name: str) -> str:
    for _ in range(r.randrange(1, 4)):
        lines = text.splitlines(keepends=True) or ["\n"]
        i = r.randrange(len(lines))
        kind = r.choice(["delete", "duplicate", "swap", "insert", "cut", "number", "big_in", "many_rules",
                         "many_steps", "deep"])
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = r.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            at = r.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:at] + r.choice(TOKENS) + lines[i][at:]
        elif kind == "cut":
            lines = [text[: r.randrange(len(text) + 1)]]
        elif kind == "number":
            numbered = [k for k, line in enumerate(lines) if any(c.isdigit() for c in line.split("#")[0])]
            if numbered:
                k = r.choice(numbered)
                lines[k] = _replace_number(lines[k], r.choice(["1e16", ".inf", "-.inf", ".nan", "9" * 25,
                                                               "0.00001", "1e-320", "-5", str(10**15)]))
        elif kind == "big_in" and name.endswith("rules.yaml"):
            values = ", ".join(f"c{n}" for n in range(r.choice([200, 400, 511, 512, 513, 700])))
            lines.append(_rule(f"fz_in_{i}", f"city: {{in: [{values}]}}"))
        elif kind == "many_rules" and name.endswith("rules.yaml"):
            count = r.choice([56, 57, 64, 255, 256, 300, 513])
            same = r.random() < 0.5
            for n in range(count):
                cond = "employees: {gte: 10}" if same else f"employees: {{gte: {n + 1}}}"
                lines.append(_rule(f"fz_rule_{n}", cond))
        elif kind == "many_steps" and name == "assessment.yaml":
            steps = "".join(f"  - id: fz{n}\n    name: {{zh: 步骤{n}, en: step {n}}}\n    indicators:\n"
                            f"      - {{field: employees, cuts: [1, 2, 3, 4]}}\n"
                            for n in range(r.choice([200, 239, 240, 241, 260])))
            text_now = "".join(lines)
            lines = [text_now.replace("steps:\n", "steps:\n" + steps, 1)]
        elif kind == "deep":
            depth = r.choice([50, 500, 5000])
            lines.insert(i, "x: " + "[" * depth + "]" * depth + "\n")
        text = "".join(lines)
    return text


def _replace_number(line: str, new: str) -> str:
    out, n = [], 0
    while n < len(line):
        if line[n].isdigit():
            end = n
            while end < len(line) and (line[end].isdigit() or line[end] == "."):
                end += 1
            return line[:n] + new + line[end:]
        out.append(line[n])
        n += 1
    return line


def _rule(rule_id: str, condition: str) -> str:
    return (f"  - id: {rule_id}\n    description: {{zh: 模糊测试, en: fuzz}}\n    when:\n"
            f"      customer: {{{condition}}}\n    then:\n      - note: {{zh: 模糊测试, en: fuzz}}\n")


# --- running one case (in a worker) -------------------------------------------------


class Worker:
    """State a worker keeps between cases: the recommender and a pristine knowledge copy."""

    def __init__(self, seed: int):
        from recommender import Recommender
        from recommender.recommender import default_knowledge_dir

        self.seed = seed
        self.pristine = default_knowledge_dir()
        self.scratch = Path(tempfile.mkdtemp(prefix="fuzz-"))
        self.root = self.scratch / "knowledge"
        shutil.copytree(self.pristine, self.root)
        self.rec = Recommender.default()
        kb = self.rec.knowledge
        fw = kb.framework
        self.ids = {"industry": [i.id for i in fw.industries], "need": sorted(kb.need_module),
                    "product": sorted(kb.products), "rank": [k.id for k in fw.key_person_ranks],
                    "relation": [k.id for k in fw.key_person_relations], "footprint": [k.id for k in fw.footprints]}

    def run(self, kind: str, index: int) -> str:
        r = random.Random(f"{self.seed}:{kind}:{index}")
        try:
            if kind == "profile":
                return self._profile(r, index)
            return self._knowledge(r)
        except Exception as exc:  # noqa: BLE001 - classifying every escape is the point
            return _classify(exc)

    def _profile(self, r: random.Random, index: int) -> str:
        profile = profile_case(r, self.ids)
        if r.random() < 0.2:
            path = self.scratch / f"p{index}.yaml"
            path.write_text(profile_text(r, profile), encoding="utf-8", errors="surrogatepass")
            try:
                loaded = self.rec.load_profile(path)
            finally:
                path.unlink()
            return _finish(self.rec.recommend(loaded))
        return _finish(self.rec.recommend(profile))

    def _knowledge(self, r: random.Random) -> str:
        from recommender import Recommender, load_knowledge

        name = r.choice(FILES)
        target = self.root / name
        original = target.read_text(encoding="utf-8")
        target.write_text(mutate(r, original, name), encoding="utf-8", errors="surrogatepass")
        try:
            kb = load_knowledge(self.root, "sme" if "/sme/" in name else None)
            rec = Recommender(kb)
            for profile in ({"name": "a", "industry": "finance", "employees": 300, "needs": ["office"]},
                            {"name": "b", "industry": "retail", "employees": 5, "budget_monthly": 200}):
                outcome = _finish(rec.recommend(profile))
            return outcome
        finally:
            target.write_text(original, encoding="utf-8")


def _finish(result: Any) -> str:
    result.model_dump_json()
    result.rationale_text("zh")
    result.rationale_text("en")
    return "result"


def _classify(exc: Exception) -> str:
    from recommender import KnowledgeError, ProfileError

    if isinstance(exc, (ProfileError, KnowledgeError)):
        located = exc.issues and all(i.code and i.message and (i.path or i.line is not None) for i in exc.issues)
        return "located error" if located else "unlocated error"
    return "untyped"


def _serve(conn: Connection, seed: int) -> None:
    worker = Worker(seed)
    conn.send("ready")
    while True:
        job = conn.recv()
        if job is None:
            return
        conn.send(worker.run(*job))


# --- the supervisor -------------------------------------------------------------


class Supervisor:
    """Feeds cases to one worker process, replacing it after a crash or a hang."""

    def __init__(self, seed: int, timeout: float):
        self.seed, self.timeout = seed, timeout
        self.ctx = mp.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_serve, args=(child, self.seed), daemon=True)
        self.proc.start()
        child.close()
        if not self.conn.poll(120):
            raise RuntimeError("fuzz worker did not start")
        self.conn.recv()

    def run(self, kind: str, index: int) -> str:
        self.conn.send((kind, index))
        try:
            if self.conn.poll(self.timeout):
                return str(self.conn.recv())
            outcome = "hang"
        except (EOFError, ConnectionResetError):
            outcome = "crash"
        self.proc.kill()
        self.proc.join()
        self._start()
        return outcome

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(10)


def campaign(profiles: int, mutations: int, seed: int, jobs: int, timeout: float,
             progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Run every case; counts by kind and outcome, and the first bad cases of each outcome."""
    cases = [("profile", i) for i in range(profiles)] + [("knowledge", i) for i in range(mutations)]
    counts: dict[str, Counter[str]] = {"profile": Counter(), "knowledge": Counter()}
    bad: dict[str, list[str]] = {}
    lock = threading.Lock()
    feed: Iterator[tuple[str, int]] = iter(cases)
    done = [0]

    def drive() -> None:
        supervisor = Supervisor(seed, timeout)
        try:
            while True:
                with lock:
                    case = next(feed, None)
                if case is None:
                    return
                outcome = supervisor.run(*case)
                with lock:
                    counts[case[0]][outcome] += 1
                    if outcome in BAD:
                        bad.setdefault(outcome, []).append(f"{case[0]}:{case[1]}")
                    done[0] += 1
                    if progress:
                        progress(done[0], len(cases))
        finally:
            supervisor.close()

    threads = [threading.Thread(target=drive) for _ in range(max(1, jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seed": seed, "counts": {k: {o: c[o] for o in OUTCOMES} for k, c in counts.items()},
            "bad": {k: sorted(v, key=lambda s: (s.split(":")[0], int(s.split(":")[1]))) for k, v in bad.items()}}


def table(report: dict[str, Any]) -> str:
    rows = [f"{'cases':12}" + "".join(f"{o:>17}" for o in OUTCOMES)]
    for kind, counts in report["counts"].items():
        rows.append(f"{kind:12}" + "".join(f"{counts[o]:>17,}" for o in OUTCOMES))
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--mutations", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a case counts as a hang")
    parser.add_argument("--show", type=int, default=5, help="bad cases to list per outcome")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--replay", metavar="KIND:INDEX", help="run one case here, with its traceback")
    args = parser.parse_args()
    if args.replay:  # one case in this process, so its traceback shows
        kind, index = args.replay.split(":")
        worker = Worker(args.seed)
        r = random.Random(f"{args.seed}:{kind}:{index}")
        print(worker._profile(r, int(index)) if kind == "profile" else worker._knowledge(r))
        return 0
    start = time.perf_counter()
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty and (done % 500 == 0 or done == total):
            print(f"\r{done:,}/{total:,}", end="", file=sys.stderr, flush=True)

    report = campaign(args.profiles, args.mutations, args.seed, args.jobs, args.timeout, progress)
    report["seconds"] = round(time.perf_counter() - start, 1)
    if tty:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(table(report))
        print(f"seed {args.seed}, {report['seconds']} s")
        for outcome, cases in report["bad"].items():
            print(f"{outcome}: {len(cases)} cases, first: {' '.join(cases[: args.show])}")
    return 1 if report["bad"] else 0


if __name__ == "__main__":
    sys.exit(main())
