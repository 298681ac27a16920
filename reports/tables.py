"""Everything one report shows, computed once with pandas from the loaded runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reports.benchmarks import (
    bench_rows,
    benchmark_table,
    headline_rows,
    headline_table,
    history_table,
)
from reports.first_screen import described_rows, upgrade_verdicts
from reports.flaky import FLAKY
from reports.load import Run, target_key
from reports.matrix import (
    changes_from_pinned,
    conformance_summary,
    missing_api_summary,
    outcome_matrix,
    run_claims,
)
from reports.network import crossovers, open_loop_table, rtt_speedups
from reports.plots import fanout_speedups
from reports.upgrade import changes_by_target


@dataclass
class ReportTables:
    """The tables of one report; ``csv_names`` maps each to the CSV file it is written to."""

    run: Run
    pinned: str
    claims: pd.DataFrame
    matrix: pd.DataFrame
    observed: pd.DataFrame
    summary: pd.DataFrame
    changes: pd.DataFrame
    missing_apis: pd.DataFrame
    missing_api_summary: pd.DataFrame
    bench: pd.DataFrame
    benchmarks: pd.DataFrame
    headlines: pd.DataFrame
    speedups: pd.DataFrame
    history: pd.DataFrame
    history_headlines: pd.DataFrame
    environment: pd.DataFrame
    plots: dict[str, Path] = field(default_factory=dict)
    rtt_speedups: pd.DataFrame = field(default_factory=pd.DataFrame)  # reports.network
    crossovers: pd.DataFrame = field(default_factory=pd.DataFrame)
    open_loop: pd.DataFrame = field(default_factory=pd.DataFrame)
    verdict: str = ""  # summary.md's first line as index.html shows it (reports/build.py)
    # Every row that differs moving from the pinned target to each other one (reports.upgrade)
    target_changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    upgrades: list[dict[str, Any]] = field(default_factory=list)  # the run's upgrade verdicts
    described: set[str] = field(default_factory=set)  # targets whose API/packaging they show

    def csv_tables(self) -> dict[str, pd.DataFrame]:
        """CSV file name -> table (index kept where it carries the row names)."""
        return {
            "conformance-summary.csv": self.summary,
            "conformance-matrix.csv": self.matrix,
            "conformance-observed.csv": self.observed,
            "conformance-claims.csv": self.claims,
            f"changes-from-{self.pinned}.csv": self.changes,
            "changes-by-target.csv": self.target_changes,
            "missing-apis.csv": self.missing_apis,
            "missing-api-summary.csv": self.missing_api_summary,
            "benchmarks.csv": self.benchmarks,
            "headlines.csv": self.headlines,
            "fanout-speedups.csv": self.speedups,
            "history.csv": self.history,
            "history-headlines.csv": self.history_headlines,
            "environment.csv": self.environment,
            "rtt-speedups.csv": self.rtt_speedups,
            "rtt-crossovers.csv": self.crossovers,
            "open-loop.csv": self.open_loop,
        }


def build_tables(runs: dict[str, Run], run_name: str, pinned: str,
                 run: Run | None = None) -> ReportTables:
    """The report of run ``run_name``, with history from every run in ``runs``.

    ``run`` is what the report shows of it (see ``reports.load.report_run``).
    """
    run = run or runs[run_name]
    claims = run_claims(run)
    has_claims = not claims.empty
    all_bench = bench_rows(runs.values())
    all_headlines = headline_rows(runs.values())
    bench = all_bench[all_bench["run"] == run_name]
    headlines = all_headlines[all_headlines["run"] == run_name]
    history_headlines = all_headlines[["run", "finished", "target", "headline",
                                       "ratio_median", "ratio_q1", "ratio_q3", "ideal"]]
    upgrades = upgrade_verdicts(run)
    described = described_rows(upgrades, pinned)
    target_changes = changes_by_target(run, pinned)
    flaky = frozenset(zip(*(target_changes.loc[target_changes["category"] == FLAKY, column]
                            for column in ("target", "item")), strict=True))
    if not described.empty:
        target_changes = pd.concat([target_changes, described], ignore_index=True)
    return ReportTables(
        run=run, pinned=pinned, claims=claims.drop(columns=["file"]),
        matrix=outcome_matrix(claims, pinned) if has_claims else pd.DataFrame(),
        observed=(outcome_matrix(claims, pinned, value="observed") if has_claims
                  else pd.DataFrame()),
        summary=conformance_summary(claims, pinned, flaky) if has_claims else pd.DataFrame(),
        changes=changes_from_pinned(claims, pinned, flaky),
        missing_apis=claims.loc[claims["outcome"] == "missing-api",
                                ["target", "claim", "message"]].reset_index(drop=True),
        missing_api_summary=(missing_api_summary(claims) if has_claims else pd.DataFrame()),
        bench=bench, benchmarks=benchmark_table(bench), headlines=headline_table(headlines),
        speedups=fanout_speedups(bench, headlines), history=history_table(all_bench),
        history_headlines=history_headlines, environment=environment_table(run),
        rtt_speedups=rtt_speedups([run]), crossovers=crossovers([run]),
        open_loop=open_loop_table([run]), target_changes=target_changes, upgrades=upgrades,
        described=set(described["target"]) if not described.empty else set(),
    )


def environment_table(run: Run) -> pd.DataFrame:
    """Per target: the versions its results were produced with."""
    rows = []
    for target in sorted(run.targets, key=target_key):
        results = run.targets[target]
        documents = [doc.get("environment") or {} for _, doc in results.conformance]
        documents += [(doc["machine_info"].get("harness") or {}) for _, doc in results.bench]
        environment = next((doc for doc in reversed(documents) if doc), {})
        packages = environment.get("packages") or {}
        rows.append({"target": target, **{name: packages.get(name) for name in sorted(packages)},
                     "python": environment.get("python"),
                     "platform": environment.get("platform"),
                     "engine": environment.get("engine"),
                     "engine_version": environment.get("engine_version")})
    return pd.DataFrame(rows).dropna(axis="columns", how="all")
