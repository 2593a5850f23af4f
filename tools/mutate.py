"""`make mutate MODULE=conflictmap/dates.py`: one shard of mutation testing (mutmut 3).

Not part of `make test` or CI. Each shard mutates one module and runs only the test files that
cover it (docs/mutation/shards/<module stem>.toml), so a module runs in minutes. The work happens in a scratch copy
(default /tmp/conflictmap-mutate/<module>/; mutmut writes its `mutants/` tree there), never in the
checkout, and mutmut runs with one worker process (--max-children 1; `JOBS=n` to change).

It writes docs/mutation/<module>.md (the survivors: file:line and the mutation, with the reason
when a survivor is recorded as equivalent) and refreshes the module's row in
docs/mutation/REPORT.md. Equivalent mutants are recorded by hand in the shard's file, table
[equivalent] (mutant name -> one-line reason); an entry whose mutant no longer survives is
reported as stale.

Score = (killed + timeout) / (total - equivalent - skipped); "no tests" mutants count as not killed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "mutation"
REPORT = DOCS / "REPORT.md"
TARGET = 90.0

SHARD_DIR = DOCS / "shards"


@dataclass(frozen=True)
class Shard:
    """docs/mutation/shards/<module stem>.toml: one file per module (its tests, a pytest -k
    deselection, and the reasons for its equivalent survivors), so shards are edited and run
    independently."""

    module: str
    tests: list[str]
    deselect: str | None
    equivalent: dict[str, str]


def load_shards() -> dict[str, Shard]:
    shards: dict[str, Shard] = {}
    for path in sorted(SHARD_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        module = data["module"]
        if path.stem != stem(module):
            raise SystemExit(f"{path}: module {module} belongs in {stem(module)}.toml")
        equivalent = {k: v["reason"] if isinstance(v, dict) else str(v)
                      for k, v in data.get("equivalent", {}).items()}
        foreign = [k for k in equivalent if not k.startswith(stem(module) + ".")]
        if foreign:
            raise SystemExit(f"{path}: mutants of another module: {', '.join(foreign)}")
        shards[module] = Shard(module, list(data["tests"]), data.get("deselect"), equivalent)
    return shards


# Copied into the scratch directory (the tests read nothing else from the checkout).
COPY = ["conflictmap", "tests", "pyproject.toml", "setup.py", "dashboard.py", "filters_ui.py",
        "auth_ui.py", "pages", "data"]
# Copied by mutmut into mutants/ next to the mutated sources and tests.
ALSO_COPY = ["dashboard.py", "filters_ui.py", "auth_ui.py", "pages", "data"]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.duckdb", "*.duckdb.wal", "screenshots")

COUNTED = ("killed", "survived", "timeout", "no tests", "skipped", "suspicious", "segfault",
           "not checked", "caught by type check", "check was interrupted by user")


@dataclass
class Result:
    module: str
    by_status: dict[str, list[str]] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return len(self.by_status.get(status, []))

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.by_status.values())


def stem(module: str) -> str:
    return Path(module).with_suffix("").as_posix().replace("/", ".")


def mutmut_config(shard: Shard, tests: list[str]) -> str:
    module = shard.module
    deselect = ["-k", shard.deselect] if shard.deselect else []
    return "\n".join([
        "[tool.mutmut]",
        'source_paths = ["conflictmap"]',
        f'only_mutate = ["{module}"]',
        "pytest_add_cli_args_test_selection = [" + ", ".join(f'"{t}"' for t in tests) + "]",
        "pytest_add_cli_args = ["
        + ", ".join(f'"{a}"' for a in ["-p", "no:cacheprovider", "-x", "-q", *deselect])
        + "]",
        # mutmut runs the tests in mutants/, which holds only the sources and tests/: the apps
        # the AppTest tests open (tests/test_actor_workflow.py) are copied there too
        "also_copy = [" + ", ".join(f'"{name}"' for name in ALSO_COPY) + "]",
        # a fresh process per mutant: with the default (fork from the process that ran the clean
        # tests) an lru_cache filled by the clean run hides the mutant (conflictmap/dates.py).
        'process_isolation = "forkserver"',
        "",
    ])


def prepare(workdir: Path, shard: Shard, tests: list[str]) -> None:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, workdir / name, ignore=IGNORE)
        elif src.is_file():
            shutil.copy2(src, workdir / name)
    # The copy's pyproject gets this shard's [tool.mutmut] section (mutmut reads only pyproject).
    text = (workdir / "pyproject.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", text)
    (workdir / "pyproject.toml").write_text(
        text.rstrip() + "\n\n" + mutmut_config(shard, tests), encoding="utf-8"
    )


def mutmut(workdir: Path, *args: str, capture: bool = False) -> str:
    env = dict(os.environ)
    if not env.get("CONFLICTMAP_GEODATA"):
        shared = ROOT.parent / "shared" / "geodata" / "colombia_2018.topojson"
        if shared.is_file():
            env["CONFLICTMAP_GEODATA"] = str(shared)
    proc = subprocess.run(
        [sys.executable, "-m", "mutmut", *args], cwd=workdir, env=env, text=True,
        capture_output=capture, check=False,
    )
    if proc.returncode != 0:
        if capture:
            sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"mutmut {' '.join(args)} failed (exit {proc.returncode})")
    return proc.stdout if capture else ""


def collect(workdir: Path, module: str) -> Result:
    out = mutmut(workdir, "results", "--all", "true", capture=True)
    result = Result(module)
    for line in out.splitlines():
        m = re.match(r"\s+(\S+): (.+)$", line)
        if m:
            result.by_status.setdefault(m.group(2).strip(), []).append(m.group(1))
    return result


def diff_of(workdir: Path, module: str, name: str) -> tuple[int | None, str]:
    """(line in the original module, the mutation as `old` -> `new`)."""
    out = mutmut(workdir, "show", name, capture=True)
    body = out[out.index("@@"):].splitlines()[1:] if "@@" in out else []
    minus = [ln[1:].strip() for ln in body if ln.startswith("-")]
    plus = [ln[1:].strip() for ln in body if ln.startswith("+")]
    # mutmut diffs one function: find its old side in the module to get the absolute line.
    old_side = [ln[1:] for ln in body if not ln.startswith("+")]
    source = (ROOT / module).read_text(encoding="utf-8").splitlines()
    line = None
    want = [ln.strip() for ln in old_side]  # methods are shown dedented
    for i in range(len(source)):
        if [ln.strip() for ln in source[i:i + len(want)]] == want:
            first_minus = next(j for j, ln in enumerate(
                [ln for ln in body if not ln.startswith("+")]) if ln.startswith("-"))
            line = i + 1 + first_minus
            break
    change = " / ".join(f"`{a}` -> `{b}`" for a, b in zip(minus, plus, strict=False))
    return line, change.replace("|", "\\|")  # a table cell


def score(result: Result, equivalent: int) -> float:
    detected = result.count("killed") + result.count("timeout")
    denominator = result.total - equivalent - result.count("skipped")
    return 100.0 if denominator <= 0 else 100.0 * detected / denominator


def write_module_doc(workdir: Path, result: Result, shard: Shard) -> tuple[int, int]:
    module = result.module
    reasons = shard.equivalent
    not_killed = [
        (status, name) for status in COUNTED if status not in ("killed", "timeout", "skipped")
        for name in result.by_status.get(status, [])
    ]
    equivalent = [n for _, n in not_killed if n in reasons]
    live = {n for _, n in not_killed}
    stale = sorted(n for n in reasons if n.startswith(stem(module) + ".") and n not in live)
    rows = []
    for status, name in sorted(not_killed, key=lambda sn: sn[1]):
        line, change = diff_of(workdir, module, name)
        where = f"{module}:{line}" if line else module
        verdict = f"equivalent: {reasons[name]}" if name in reasons else "**not killed**"
        rows.append(f"| `{name}` | {where} | {status} | {change} | {verdict} |")
    s = score(result, len(equivalent))
    lines = [
        f"# Mutation testing: `{module}`",
        "",
        f"Refreshed {dt.date.today().isoformat()} by `make mutate MODULE={module}` (mutmut 3).",
        f"Tests run: {', '.join(f'`{t}`' for t in shard.tests)}"
        + (f" (`-k \"{shard.deselect}\"`)." if shard.deselect else "."),
        "",
        f"Killed {result.count('killed')}, timeout {result.count('timeout')}, survived "
        f"{result.count('survived')}, no tests {result.count('no tests')}, total {result.total}; "
        f"equivalent {len(equivalent)}; score {s:.1f} % (target {TARGET:.0f} %).",
        "",
    ]
    if rows:
        lines += [
            "## Survivors",
            "",
            f"Reasons for equivalent mutants live in `docs/mutation/shards/{stem(module)}.toml`.",
            "",
            "| mutant | where | status | mutation | verdict |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
        ]
    else:
        lines += ["No survivors.", ""]
    if stale:
        lines += ["## Stale equivalence entries (the mutant no longer survives)", "",
                  *[f"- `{n}`" for n in stale], ""]
    DOCS.mkdir(parents=True, exist_ok=True)
    (DOCS / f"{stem(module)}.md").write_text("\n".join(lines), encoding="utf-8")
    return len(equivalent), len(not_killed) - len(equivalent)


def update_report(result: Result, equivalent: int, unexplained: int) -> None:
    header = [
        "# Mutation testing report",
        "",
        "One shard per core module: `make mutate MODULE=conflictmap/<module>.py` (mutmut 3, not in",
        "CI). Refresh a module's row when the module or its tests change. Score = (killed + timeout)",
        f"/ (total - equivalent - skipped); target {TARGET:.0f} % per module, and every survivor",
        "listed in the module's page with the reason it is equivalent or not worth a test.",
        "",
        "mutmut 3 does not mutate module-level constants (format tables, palettes, key lists) nor",
        "functions under decorators such as `@lru_cache`: keep logic out of those (wrap instead,",
        "as conflictmap/dates.py does) or it is never mutated.",
        "",
        "Each mutant runs in a worker forked from the process that ran the tests unmutated, so",
        "process-wide memos (load_geography's Geography with its GeoJSON and dissolves) already",
        "hold what the unmutated code computed: a test of a memoised computation builds its own",
        "object (tests/test_geography.py does), or its mutants survive unseen.",
        "",
        "Mutation testing found real bugs, fixed with a test each: see the git log of",
        "docs/mutation/shards/ and of the modules' tests (e.g. a count written \"1.000\" read as 1,",
        "two headers equal once stripped crashing an import, errors naming a temporary file).",
        "",
        "| module | killed | timeout | survived | no tests | equivalent | unexplained | total "
        "| score | refreshed |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows: dict[str, str] = {}
    # shards of different modules may run at the same time: one writer of the report at a time
    with open(Path(tempfile.gettempdir()) / "conflictmap-mutate-report.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _update_rows(header, rows, result, equivalent, unexplained)


def _update_rows(header: list[str], rows: dict[str, str], result: Result, equivalent: int,
                 unexplained: int) -> None:
    if REPORT.exists():
        for line in REPORT.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\| \[`([^`]+)`\]", line)
            if m:
                rows[m.group(1)] = line
    mod = result.module
    survived_like = result.count("survived") + result.count("suspicious") + result.count("segfault")
    rows[mod] = (
        f"| [`{mod}`]({stem(mod)}.md) | {result.count('killed')} | {result.count('timeout')} "
        f"| {survived_like} | {result.count('no tests')} | {equivalent} | {unexplained} "
        f"| {result.total} | {score(result, equivalent):.1f} % | {dt.date.today().isoformat()} |"
    )
    unrun = sorted(set(load_shards()) - set(rows))
    footer = [
        "",
        "Shards defined in docs/mutation/shards/ without a completed run (no score yet): "
        + ", ".join(f"`{m}`" for m in unrun) + ".",
    ] if unrun else []
    REPORT.write_text(
        "\n".join(header + [rows[k] for k in sorted(rows)] + footer) + "\n", encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shards = load_shards()
    parser.add_argument("module", help="e.g. conflictmap/dates.py; one of: " + ", ".join(shards))
    parser.add_argument("--workdir", type=Path, help="scratch directory (default under /tmp)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", "1")))
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the docs from an existing scratch run")
    args = parser.parse_args(argv)
    module = args.module.removeprefix("./")
    if module not in shards:
        parser.error(f"no shard for {module}; add docs/mutation/shards/{stem(module)}.toml")
    shard = shards[module]
    missing = [t for t in shard.tests if not (ROOT / t).exists()]
    if missing:
        parser.error(f"{module}: test files not found: {', '.join(missing)}")
    tests = shard.tests
    workdir = args.workdir or Path("/tmp/conflictmap-mutate") / stem(module)
    if workdir.resolve().is_relative_to(ROOT):
        parser.error("the scratch directory must be outside the checkout")
    if not args.report_only:
        prepare(workdir, shard, tests)
        mutmut(workdir, "run", "--max-children", str(args.jobs))
    result = collect(workdir, module)
    equivalent, unexplained = write_module_doc(workdir, result, shard)
    update_report(result, equivalent, unexplained)
    print(f"{module}: score {score(result, equivalent):.1f} %, {unexplained} unexplained survivors"
          f" -> docs/mutation/{stem(module)}.md, docs/mutation/REPORT.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
