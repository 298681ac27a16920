"""``python -m reports history --store DIR``: each headline and count over time.

One panel per figure (headlines first, then counts), one line per target: the median with
its quartile band (the spread measured within each run), and a red line at every run
where the regression gate fired.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window; must precede pyplot

import pandas as pd

from reports.load import target_key
from reports.plots import MAX_PANELS, _grid, _save

PLOTTED_KINDS = ("headline", "count")


def runs_in_order(frame: pd.DataFrame) -> list[str]:
    """Runs by date (the date their results were written), then by name."""
    first = frame.groupby("run")["date"].min().reset_index().sort_values(["date", "run"])
    return list(first["run"])


def gate_fired(frame: pd.DataFrame) -> list[str]:
    return sorted(set(frame.loc[frame["gate"] == "regression", "run"]))


def history_figure(frame: pd.DataFrame, path: Path) -> Path | None:
    """Write the PNG; None when the store holds nothing to plot."""
    rows = frame[frame["kind"].isin(PLOTTED_KINDS)]
    if rows.empty:
        return None
    runs = runs_in_order(frame)
    position = {run: index for index, run in enumerate(runs)}
    fired = [position[run] for run in gate_fired(frame)]
    ordered = rows.assign(_kind=rows["kind"].map(PLOTTED_KINDS.index))
    names = list(dict.fromkeys(ordered.sort_values("_kind", kind="stable")["name"]))
    # A count that never moved is a flat line: listed in the CSV, not worth a panel.
    constant = {name for name, values in rows[rows["kind"] == "count"].groupby("name")["value"]
                if values.nunique() <= 1 and frame["run"].nunique() > 1}
    names = [name for name in names if name not in constant]
    if not names:
        return None
    shown = names[:MAX_PANELS]
    figure, axes = _grid(len(shown))
    for ax, name in zip(axes, shown, strict=True):
        mine = rows[rows["name"] == name]
        for target in sorted(mine["target"].unique(), key=target_key):
            line = (mine[mine["target"] == target].drop_duplicates("run", keep="last")
                    .assign(x=lambda f: f["run"].map(position)).sort_values("x"))
            ax.plot(line["x"], line["value"], marker="o", label=target)
            if line["q1"].notna().any():
                ax.fill_between(line["x"], line["q1"], line["q3"], alpha=0.25)
        for x in fired:
            ax.axvline(x, color="#c0392b", linestyle="--", linewidth=1)
        ax.set_xticks(range(len(runs)), [run[:15] for run in runs], rotation=30, ha="right",
                      fontsize=7)
        ax.set_ylim(bottom=0)  # from zero, so run-to-run noise does not look like a trend
        ax.set_title(name if len(name) <= 60 else name[:59] + "…", fontsize=8)
        ax.legend(fontsize=6)
    hidden = len(names) - len(shown)
    more = f"; {hidden} more figures in history.csv" if hidden else ""
    more += f"; {len(constant)} counts unchanged" if constant else ""
    figure.suptitle(f"History of {len(runs)} runs: median and quartiles; red dashes: the "
                    f"regression gate fired{more}", fontsize=10)
    return _save(figure, path)


def latest_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per figure and target: the newest value beside the previous run's, for the terminal."""
    rows = frame[frame["kind"].isin(PLOTTED_KINDS)]
    order = {run: index for index, run in enumerate(runs_in_order(frame))}
    rows = rows.assign(_order=rows["run"].map(order)).sort_values("_order")
    grouped = rows.groupby(["target", "name"], sort=False)["value"]
    previous = grouped.apply(lambda values: values.iloc[-2] if len(values) > 1 else None)
    return pd.DataFrame({"runs": grouped.count(), "previous": previous,
                         "latest": grouped.last()}).reset_index()
