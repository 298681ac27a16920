"""The benchmark tables: every benchmark's figures, the headline ratios, history across runs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from reports.load import Run, natural_key, target_key

# extra_info keys copied into the table, in display order (see the bench contract).
EXTRA_COLUMNS = ["scenario", "variant", "engine", "transport", "n", "body_bytes",
                 "client_cpu_us_per_request", "server_cpu_us_per_request",
                 "server_utilisation", "server_bound", "connections_opened", "peak_streams",
                 "peak_rss_bytes", "tracemalloc_peak_bytes"]
STAT_COLUMNS = ["median", "q1", "q3", "iqr", "mean", "stddev", "min", "max", "rounds", "ops"]
BENCH_COLUMNS = ["run", "finished", "target", "fullname", "name", "group", *EXTRA_COLUMNS,
                 *STAT_COLUMNS, "cv", "file"]
HEADLINE_COLUMNS = ["run", "finished", "target", "fullname", "scenario", "headline",
                    "ratio_median", "ratio_q1", "ratio_q3", "ideal", "floor", "of_ideal",
                    "unit", "numerator", "denominator", "server_bound", "file"]


def _benchmarks(runs: Iterable[Run]) -> Iterator[tuple[Run, str, Path, dict[str, Any]]]:
    """Every benchmark entry of every bench file: (run, target, file, entry)."""
    for run in runs:
        for target, results in run.targets.items():
            for path, document in results.bench:
                for bench in document["benchmarks"]:
                    yield run, target, path, bench


def bench_rows(runs: Iterable[Run]) -> pd.DataFrame:
    """One row per benchmark per target per run; a later file's benchmark replaces an earlier."""
    rows = [_bench_row(run.name, run.finished, target, str(path), bench)
            for run, target, path, bench in _benchmarks(runs)]
    frame = pd.DataFrame(rows, columns=BENCH_COLUMNS)
    frame = frame.drop_duplicates(["run", "target", "fullname"], keep="last")
    return _ordered(frame).reset_index(drop=True)


def _bench_row(run: str, finished: Any, target: str, path: str,
               bench: dict[str, Any]) -> dict[str, Any]:
    stats, extra = bench["stats"], bench.get("extra_info") or {}
    row: dict[str, Any] = {"run": run, "finished": finished, "target": target,
                           "fullname": bench["fullname"], "name": bench.get("name"),
                           "group": bench.get("group"), "file": path}
    row.update({key: extra.get(key) for key in EXTRA_COLUMNS})
    row.update({key: stats.get(key) for key in STAT_COLUMNS})
    mean, stddev = stats.get("mean"), stats.get("stddev")
    # The bench suite reports its own cv; pytest-benchmark's stddev/mean is the fall-back.
    row["cv"] = extra.get("cv", stddev / mean if mean and stddev is not None else None)
    if row["scenario"] is None and bench.get("group"):
        row["scenario"] = bench["group"]
    return row


def headline_rows(runs: Iterable[Run]) -> pd.DataFrame:
    """One row per headline ratio (extra_info.headline) per target per run."""
    rows = []
    for run, target, path, bench in _benchmarks(runs):
        extra = bench.get("extra_info") or {}
        headline = extra.get("headline")
        if not headline:
            continue
        ratio, ideal = headline["ratio_median"], headline.get("ideal")
        name = headline.get("name") or bench.get("name")
        rows.append({
            "run": run.name, "finished": run.finished, "target": target,
            "fullname": bench["fullname"], "scenario": extra.get("scenario"),
            "headline": headline_label(name, extra),
            "ratio_median": ratio, "ratio_q1": headline.get("ratio_q1"),
            "ratio_q3": headline.get("ratio_q3"), "ideal": ideal,
            "floor": headline.get("floor"),
            "of_ideal": ratio / ideal if ideal else None,
            "unit": headline.get("unit", ""),
            "numerator": headline.get("numerator", ""),
            "denominator": headline.get("denominator", ""),
            "server_bound": extra.get("server_bound"), "file": str(path),
        })
    frame = pd.DataFrame(rows, columns=HEADLINE_COLUMNS)
    frame = frame.drop_duplicates(["run", "target", "fullname"], keep="last")
    return _ordered(frame).reset_index(drop=True)


def headline_label(name: str, extra: dict[str, Any]) -> str:
    """The headline's name plus the transport and N it was measured at.

    The bench suite reuses a name ("pooled/one-off") for http and https, and for each N.
    """
    details = [str(extra["transport"])] if extra.get("transport") else []
    if extra.get("n") is not None and f"n={extra['n']}" not in name.lower():
        details.append(f"N={extra['n']}")
    return f"{name} ({', '.join(details)})" if details else name


def benchmark_table(bench: pd.DataFrame) -> pd.DataFrame:
    """The benchmark table of one run, for display: figures, dispersion, server-bound mark."""
    columns = ["target", "scenario", "name", "variant", "transport", "engine", "n",
               "body_bytes", "median", "iqr", "cv", "rounds", "client_cpu_us_per_request",
               "server_cpu_us_per_request", "server_utilisation", "server_bound",
               "connections_opened", "peak_streams", "peak_rss_bytes",
               "tracemalloc_peak_bytes"]
    table = bench[columns].copy()
    table["server_bound"] = table["server_bound"].map(server_bound_mark)
    return table.replace("", None).dropna(axis="columns", how="all").fillna({"server_bound": ""})


def headline_table(headlines: pd.DataFrame) -> pd.DataFrame:
    """Headline ratios of one run beside their ideals and floors."""
    columns = ["target", "scenario", "headline", "ratio_median", "ratio_q1", "ratio_q3",
               "ideal", "of_ideal", "floor", "unit", "server_bound", "numerator",
               "denominator"]
    table = headlines[columns].copy()
    table["server_bound"] = table["server_bound"].map(server_bound_mark)
    return table


def server_bound_mark(value: Any) -> str:
    """'SERVER-BOUND' where the server was the bottleneck, 'no' where checked, else blank."""
    if value is None or value != value:  # None or NaN: not measured
        return ""
    return "SERVER-BOUND" if bool(value) else "no"


def history_table(bench: pd.DataFrame) -> pd.DataFrame:
    """Every benchmark's median across runs (columns, oldest first), per target."""
    if bench.empty:
        return pd.DataFrame()
    runs = list(dict.fromkeys(bench.sort_values("finished", kind="stable")["run"]))
    table = bench.pivot_table(index=["target", "fullname"], columns="run", values="median",
                              aggfunc="last")
    table = table.reindex(columns=runs)
    table.columns.name = None
    rows = sorted(table.index, key=lambda row: (target_key(row[0]), natural_key(row[1])))
    return table.reindex(index=rows)


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    key = frame["target"].map(lambda name: tuple(target_key(name)))
    return (frame.assign(_target=key)
            .sort_values(["finished", "_target"], kind="stable")
            .drop(columns="_target"))
