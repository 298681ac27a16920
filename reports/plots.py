"""matplotlib PNGs for what people would rather look at than read.

Each function writes one PNG and returns its path, or None when the results hold nothing
to draw (a run without benchmarks still gets a report).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window; must precede pyplot

import matplotlib.pyplot as plt
import pandas as pd

from reports.load import target_key

MAX_PANELS = 30  # beyond this a grid of bars stops being readable; the CSV has all
MIB = 1 << 20


def _grid(count: int, columns: int = 3) -> tuple[plt.Figure, list[plt.Axes]]:
    columns = min(columns, count)
    rows = math.ceil(count / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows),
                                squeeze=False, layout="constrained")
    flat = list(axes.flat)
    for unused in flat[count:]:
        unused.set_visible(False)
    return figure, flat[:count]


def _save(figure: plt.Figure, path: Path) -> Path:
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def _targets(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["target"].unique(), key=target_key)


def ratio_plot(headlines: pd.DataFrame, path: Path) -> Path | None:
    """Each headline ratio per target (bar = median, whiskers = quartiles), ideal and floor."""
    if headlines.empty:
        return None
    names = list(dict.fromkeys(headlines["headline"]))[:MAX_PANELS]
    figure, axes = _grid(len(names))
    for ax, name in zip(axes, names, strict=True):
        rows = headlines[headlines["headline"] == name].set_index("target")
        rows = rows.reindex(_targets(rows.reset_index()))
        positions = range(len(rows))
        lower = (rows["ratio_median"] - rows["ratio_q1"]).clip(lower=0).fillna(0)
        upper = (rows["ratio_q3"] - rows["ratio_median"]).clip(lower=0).fillna(0)
        colours = ["#c0392b" if bound == "SERVER-BOUND" else "#2e86c1"
                   for bound in rows["server_bound"]]
        ax.bar(positions, rows["ratio_median"], yerr=[lower, upper], color=colours,
               capsize=3)
        for column, style, label in (("ideal", "--", "ideal"), ("floor", ":", "floor")):
            values = rows[column].dropna()
            if not values.empty:
                ax.axhline(values.iloc[0], linestyle=style, color="black", linewidth=1,
                           label=f"{label} {values.iloc[0]:.3g}")
        ax.set_xticks(list(positions), rows.index, rotation=30, ha="right", fontsize=8)
        ax.set_title(name, fontsize=9)
        ax.set_ylabel(rows["unit"].iloc[0] or "ratio", fontsize=8)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    shown = "" if len(names) == headlines["headline"].nunique() else \
        f" (first {len(names)} of {headlines['headline'].nunique()}; all in headlines.csv)"
    figure.suptitle(f"Headline ratios per target (red: server-bound){shown}", fontsize=10)
    return _save(figure, path)


def memory_plot(bench: pd.DataFrame, path: Path) -> Path | None:
    """Peak memory against body size: streamed should stay flat, buffered grow linearly.

    One panel per measure the bench suite recorded (peak RSS of the fresh subprocess, and
    tracemalloc's peak), one line per target, variant and transport.
    """
    rows = bench[(bench["scenario"] == "streaming-memory") & bench["body_bytes"].notna()]
    metrics = [m for m in ("peak_rss_bytes", "tracemalloc_peak_bytes") if rows[m].notna().any()]
    if not metrics:
        return None
    figure, axes = _grid(len(metrics), columns=2)
    figure.set_size_inches(6.5 * len(metrics), 4.5)
    for ax, metric in zip(axes, metrics, strict=True):
        measured = rows[rows[metric].notna()]
        groups = measured.groupby(["target", "variant", "transport"], sort=False, dropna=False)
        for (target, variant, transport), group in groups:
            group = group.sort_values("body_bytes")
            streamed = "stream" in str(variant).lower()
            label = " ".join(str(part) for part in (target, variant, transport)
                             if isinstance(part, str))
            ax.plot(group["body_bytes"] / MIB, group[metric] / MIB, marker="o",
                    linestyle="-" if streamed else "--", label=label)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("response body (MiB)")
        ax.set_ylabel(f"{metric.replace('_bytes', '').replace('_', ' ')} (MiB)")
        ax.set_title(f"{metric.replace('_bytes', '').replace('_', ' ')}: streamed (solid) "
                     "flat, buffered (dashed) linear", fontsize=9)
        ax.legend(fontsize=6)
    return _save(figure, path)


def fanout_speedups(bench: pd.DataFrame, headlines: pd.DataFrame) -> pd.DataFrame:
    """Speedup of gather over serial per target and N.

    The headline ratio (taken in one run by the bench suite) is used where there is one;
    otherwise serial median / gather median from the two benchmarks of that N.
    """
    fanout = bench[(bench["scenario"] == "async-fanout") & bench["n"].notna()]
    if fanout.empty:
        return pd.DataFrame(columns=["target", "n", "speedup", "source"])
    rows = []
    keyed = headlines.set_index(["target", "fullname"]) if not headlines.empty else None
    for (target, n), group in fanout.groupby(["target", "n"]):
        variants = group.set_index("variant")
        speedup, source = None, ""
        if keyed is not None:
            for fullname in group["fullname"]:
                if (target, fullname) in keyed.index:
                    speedup, source = keyed.loc[(target, fullname), "ratio_median"], "headline"
        if speedup is None and {"serial", "gather"} <= set(variants.index):
            speedup = variants.loc["serial", "median"] / variants.loc["gather", "median"]
            source = "medians"
        if speedup is not None:
            rows.append({"target": target, "n": int(n), "speedup": float(speedup),
                         "source": source})
    return pd.DataFrame(rows, columns=["target", "n", "speedup", "source"])


def fanout_plot(speedups: pd.DataFrame, path: Path) -> Path | None:
    """Speedup of asyncio.gather over serial awaits against N, beside the ideal (N)."""
    if speedups.empty:
        return None
    figure, (ax,) = _grid(1)
    figure.set_size_inches(6.5, 4)
    for target in _targets(speedups):
        group = speedups[speedups["target"] == target].sort_values("n")
        ax.plot(group["n"], group["speedup"], marker="o", label=target)
    ns = sorted(speedups["n"].unique())
    ax.plot(ns, ns, linestyle="--", color="black", linewidth=1, label="ideal (N)")
    ax.set_xlabel("N concurrent delayed requests")
    ax.set_ylabel("speedup (serial / gather)")
    ax.set_title("Async fan-out: speedup against N", fontsize=10)
    ax.legend(fontsize=7)
    return _save(figure, path)


def history_plot(headlines: pd.DataFrame, path: Path) -> Path | None:
    """Each headline ratio across runs, one line per target."""
    if headlines.empty or headlines["run"].nunique() < 1:
        return None
    names = list(dict.fromkeys(headlines["headline"]))[:MAX_PANELS]
    runs = list(dict.fromkeys(headlines.sort_values("finished", kind="stable")["run"]))
    figure, axes = _grid(len(names))
    for ax, name in zip(axes, names, strict=True):
        rows = headlines[headlines["headline"] == name]
        for target in _targets(rows):
            line = rows[rows["target"] == target].set_index("run")["ratio_median"]
            line = line.reindex(runs)
            ax.plot(range(len(runs)), line.to_numpy(), marker="o", label=target)
        ax.set_xticks(range(len(runs)), [run[:15] for run in runs], rotation=30, ha="right",
                      fontsize=7)
        ax.set_ylim(bottom=0)  # from zero, so run-to-run noise does not look like a trend
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=6)
    figure.suptitle("Headline ratios across runs", fontsize=10)
    return _save(figure, path)
