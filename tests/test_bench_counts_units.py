"""How many units each pass counts, and how a region counted unit by unit becomes a figure."""

from __future__ import annotations

from bench.counts.runner import _instructions_per_request
from bench.counts.scenarios import BY_NAME, SCENARIOS
from bench.counts.workload import unit_label


def test_the_median_unit_ignores_a_unit_that_read_in_more_pieces() -> None:
    empty = 1_000
    dumps = {unit_label("s", unit): empty + 20_000 for unit in range(5)}
    dumps[unit_label("s", 3)] = empty + 90_000  # a body that arrived in more pieces
    dumps["s"] = 500  # the region's closing dump: nothing but the loop's end
    # Ten requests a unit: 2,000 instructions a request, as if no unit had been slow.
    assert _instructions_per_request("s", dumps, empty, requests=50) == 2_000
    # Counted as one region, the mean: what every scenario without ``unit_median`` gets.
    assert _instructions_per_request("s", {"s": empty + 130_000}, empty, requests=50) == 2_600


def test_only_scenarios_whose_requests_repeat_count_fewer_units_under_strace_and_lines() -> None:
    for scenario in SCENARIOS:
        for quick in (True, False):
            fewer = (scenario.pass_units(quick, scenario.strace_units),
                     scenario.pass_units(quick, scenario.line_units))
            assert all(0 < units <= scenario.units(quick) for units in fewer)
    varying = [s.name for s in SCENARIOS if s.lines_tolerance or s.syscall_tolerances]
    assert varying and not any(BY_NAME[n].strace_units or BY_NAME[n].line_units
                               for n in varying)
