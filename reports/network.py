"""Round-trip-time sweep and open-loop load: their tables and plots.

The bench suite records each RTT point and each offered load as its own benchmark; what
ties them together (the speedup at every RTT, the crossover, the latency percentiles) is
in each benchmark's ``extra_info`` (bench/test_rtt.py, bench/test_open_loop.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from reports.benchmarks import _benchmarks
from reports.load import Run
from reports.plots import _grid, _save

SPEEDUP_COLUMNS = ["run", "target", "case", "comparison", "rtt_ms", "speedup", "ideal",
                   "unit", "crossover", "crossover_rtt_ms"]
CROSSOVER_COLUMNS = ["run", "target", "case", "comparison", "crossover", "crossover_rtt_ms",
                     "speedup_at_reference", "reference_rtt_ms", "ideal_at_reference",
                     "h1_connections", "h2_connections", "h2_peak_streams"]
OPEN_LOOP_COLUMNS = ["run", "target", "protocol", "load_fraction", "capacity_rps",
                     "offered_rate", "achieved_rate", "p50_ms", "p90_ms", "p99_ms",
                     "p99.9_ms", "max_ms", "completed", "error_count", "errors",
                     "connections_used", "server_peak_in_flight"]
PERCENTILES = ("p50", "p90", "p99", "p99.9")


def _comparison(scenario: str, variant: str) -> str:
    if scenario == "rtt-http2":
        return f"HTTP/2 vs {variant}"
    if scenario == "rtt-gather":
        return "gather vs serial"
    return f"pooled vs {variant}"


def _extras(runs: Iterable[Run]) -> Iterable[tuple[Run, str, dict[str, Any]]]:
    for run, target, _, bench in _benchmarks(runs):
        yield run, target, bench.get("extra_info") or {}


def rtt_speedups(runs: Iterable[Run]) -> pd.DataFrame:
    """One row per comparison and RTT: the median per-round speedup taken at that RTT."""
    rows = []
    seen: set[tuple[str, str, str, str]] = set()
    for run, target, extra in _extras(runs):
        scenario = str(extra.get("scenario") or "")
        by_rtt = extra.get("speedup_by_rtt")
        if not scenario.startswith("rtt-") or not by_rtt:
            continue
        case = extra.get("case") if scenario == "rtt-http2" else scenario[4:]
        if scenario == "rtt-http2":
            case = f"{case} N={extra.get('n')}"
        comparison = _comparison(scenario, str(extra.get("variant")))
        key = (run.name, target, str(case), comparison)
        if key in seen:  # every RTT's benchmark carries the whole sweep
            continue
        seen.add(key)
        found = extra.get("crossover") or {}
        ideals = extra.get("ideal_by_rtt") or {}
        for rtt, speedup in by_rtt.items():
            rows.append({"run": run.name, "target": target, "case": case,
                         "comparison": comparison, "rtt_ms": float(rtt), "speedup": speedup,
                         "ideal": ideals.get(rtt),
                         "unit": "slower time / faster time",
                         "crossover": found.get("text"), "crossover_rtt_ms": found.get("rtt_ms")})
    frame = pd.DataFrame(rows, columns=SPEEDUP_COLUMNS)
    return frame.sort_values(["run", "target", "case", "comparison", "rtt_ms"],
                             kind="stable").reset_index(drop=True)


def crossovers(runs: Iterable[Run]) -> pd.DataFrame:
    """Per HTTP/1.1 configuration: where HTTP/2 overtakes it, and what each side used."""
    wire: dict[tuple[str, str, str, float], dict[str, Any]] = {}
    rows: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for run, target, extra in _extras(runs):
        if extra.get("scenario") != "rtt-http2":
            continue
        case = f"{extra.get('case')} N={extra.get('n')}"
        rtt = float(extra.get("rtt_ms", 0))
        if extra.get("variant") == "h2":
            wire[(run.name, target, case, rtt)] = extra
            continue
        key = (run.name, target, case, str(extra.get("variant")))
        found = extra.get("crossover") or {}
        row = rows.setdefault(key, {
            "run": run.name, "target": target, "case": case,
            "comparison": f"HTTP/2 vs {extra.get('variant')}", "crossover": found.get("text"),
            "crossover_rtt_ms": found.get("rtt_ms")})
        headline = extra.get("headline")
        if headline:
            row.update(speedup_at_reference=headline["ratio_median"], reference_rtt_ms=rtt,
                       ideal_at_reference=headline.get("ideal"),
                       h1_connections=extra.get("connections_opened"))
    for row in rows.values():
        h2 = wire.get((row["run"], row["target"], row["case"], row.get("reference_rtt_ms")))
        if h2:
            row.update(h2_connections=h2.get("connections_opened"),
                       h2_peak_streams=h2.get("peak_streams"))
    return pd.DataFrame(list(rows.values()), columns=CROSSOVER_COLUMNS)


def open_loop_table(runs: Iterable[Run]) -> pd.DataFrame:
    """Per protocol and offered load: achieved rate, latency percentiles, errors."""
    rows = []
    for run, target, extra in _extras(runs):
        if extra.get("scenario") != "open-loop":
            continue
        latency = extra.get("latency_ms") or {}
        rows.append({"run": run.name, "target": target, "protocol": extra.get("protocol"),
                     "load_fraction": extra.get("load_fraction"),
                     "capacity_rps": extra.get("capacity_rps"),
                     "offered_rate": extra.get("offered_rate"),
                     "achieved_rate": extra.get("achieved_rate"),
                     **{f"{p}_ms": latency.get(p) for p in (*PERCENTILES, "max")},
                     "completed": extra.get("completed"),
                     "error_count": extra.get("error_count"),
                     "errors": ", ".join(f"{k} x{v}" for k, v in
                                         (extra.get("errors") or {}).items()),
                     "connections_used": extra.get("connections_used"),
                     "server_peak_in_flight": extra.get("peak_in_flight")})
    frame = pd.DataFrame(rows, columns=OPEN_LOOP_COLUMNS)
    return frame.sort_values(["run", "target", "protocol", "load_fraction"],
                             kind="stable").reset_index(drop=True)


def rtt_plot(speedups: pd.DataFrame, path: Path) -> Path | None:
    """Speedup against RTT, one panel per case; a dot on the 1x line marks each crossover."""
    if speedups.empty:
        return None
    order = {"pooling": 0, "small": 1, "delayed": 2, "gather": 3}
    cases = sorted(dict.fromkeys(speedups["case"]), key=lambda case: (
        order.get(case.split()[0], 9), int(case.rsplit("=", 1)[1]) if "N=" in case else 0))
    figure, axes = _grid(len(cases))
    for ax, case in zip(axes, cases, strict=True):
        rows = speedups[speedups["case"] == case]
        for (target, comparison), line in rows.groupby(["target", "comparison"], sort=False):
            line = line.sort_values("rtt_ms")
            label = comparison if rows["target"].nunique() == 1 else f"{target}: {comparison}"
            drawn = ax.plot(line["rtt_ms"], line["speedup"], marker="o", label=label)[0]
            ideal = line.dropna(subset=["ideal"])
            if not ideal.empty:  # the physics: round trips only, no CPU
                ax.plot(ideal["rtt_ms"], ideal["ideal"].astype(float), linestyle=":",
                        linewidth=1.2, color=drawn.get_color())
            crossing = line["crossover_rtt_ms"].dropna()
            text = line["crossover"].dropna()
            if not crossing.empty and not text.empty and not text.iloc[0].startswith("ahead"):
                ax.plot([crossing.iloc[0]], [1.0], marker="X", markersize=10,
                        color=drawn.get_color(), linestyle="none")
                ax.annotate(f"{crossing.iloc[0]:.3g} ms", (crossing.iloc[0], 1.0),
                            textcoords="offset points", xytext=(4, -12), fontsize=7,
                            color=drawn.get_color())
        ax.axhline(1.0, color="black", linewidth=1, linestyle="--")
        ax.set_xlim(left=0)  # linear: the physics (time = setup + round trips x RTT) is
        ax.set_xlabel("round-trip time (ms)")
        ax.set_ylabel("speedup (x)")
        ax.set_title(case, fontsize=9)
        ax.legend(fontsize=6)
    figure.suptitle("Speedup against round-trip time: measured (solid), physical ideal "
                    "(dotted); above 1 the first named wins, X marks a crossover", fontsize=10)
    return _save(figure, path)


def open_loop_plot(table: pd.DataFrame, path: Path) -> Path | None:
    """Latency percentiles against offered load, one panel per target and protocol."""
    if table.empty:
        return None
    groups = list(table.groupby(["target", "protocol"], sort=False))
    figure, axes = _grid(len(groups), columns=2)
    for ax, ((target, protocol), rows) in zip(axes, groups, strict=True):
        rows = rows.sort_values("load_fraction")
        load = 100 * rows["load_fraction"]
        for percentile in PERCENTILES:
            ax.plot(load, rows[f"{percentile}_ms"], marker="o", label=percentile)
        ax.axvline(100, color="black", linewidth=1, linestyle=":")
        ax.set_yscale("log")
        ax.set_xlabel("offered load (% of measured capacity)")
        ax.set_ylabel("latency from scheduled send (ms)")
        capacity = rows["capacity_rps"].iloc[0]
        ax.set_title(f"{target} {protocol} (capacity {capacity:.0f}/s)", fontsize=9)
        ax.legend(fontsize=7)
    figure.suptitle("Open-loop latency against offered load", fontsize=10)
    return _save(figure, path)

