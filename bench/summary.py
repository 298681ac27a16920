"""The short table of headline ratios printed at the end of a benchmark run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}"


def headline_row(test_id: str, extra: dict[str, Any]) -> dict[str, Any]:
    """One table row from a benchmark's ``extra_info`` (which holds its headline)."""
    h = extra["headline"]
    return {
        "case": test_id,
        "headline": h["name"],
        "median": h["ratio_median"],
        "iqr": (h["ratio_q1"], h["ratio_q3"]),
        "n": len(h["ratio_samples"]),
        "ideal": h.get("ideal"),
        "floor": h.get("floor"),
        "unit": h.get("unit", ""),
        "server_bound": extra.get("server_bound", False),
        "failures": extra.get("failures") or {},
    }


def format_headlines(rows: Sequence[dict[str, Any]]) -> str:
    header = ("case", "headline", "median [q1-q3] (n)", "ideal", "floor", "unit")
    lines = [header]
    for row in rows:
        spread = (f"{_number(row['median'])} [{_number(row['iqr'][0])}-"
                  f"{_number(row['iqr'][1])}] ({row['n']})")
        unit = row["unit"] + ("  SERVER-BOUND" if row["server_bound"] else "")
        unit += "".join(f"  {name} x{count}" for name, count in row["failures"].items())
        lines.append((row["case"], row["headline"], spread, _number(row["ideal"]),
                      _number(row["floor"]), unit))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)
