"""Each figure the documentation quotes, computed from the file or code it comes from.

A section is a title, one line saying where its figures come from, and rows of
(figure, value). Nothing here measures: measured figures are read from
``figures/measured.toml``, which says how and when each was measured.
"""

from __future__ import annotations

import configparser
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from conformance.catalogue import load_catalogue
from conformance.expectations import EXPECTATIONS_DIR, load_expectations

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
MEASURED_PATH = Path(__file__).with_name("measured.toml")
NOT_HOLDING = ("broken", "missing-api", "setup-failed")
MEASURED_KEYS = ("figure", "value", "how", "when", "details")


@dataclass(frozen=True)
class Section:
    title: str
    source: str
    rows: list[tuple[str, ...]]
    columns: tuple[str, ...] = ("figure", "value")


@dataclass(frozen=True)
class Target:
    name: str
    requirement: str
    factor: str
    main: bool
    pinned: bool


def _expand(pattern: str) -> list[str]:
    """``conformance-httpx{0272,0281}`` -> the env names tox makes of it."""
    match = re.search(r"\{([^}]*)\}", pattern)
    if not match:
        return [pattern]
    return [name for choice in match[1].split(",")
            for name in _expand(pattern[:match.start()] + choice + pattern[match.end():])]


def tox_targets(tox_ini: Path) -> list[Target]:
    """The targets tox.ini declares (its set_env factor lines), in file order."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(tox_ini, encoding="utf-8")
    settings: dict[str, dict[str, str]] = {}
    for line in config["testenv"]["set_env"].splitlines():
        factor = re.match(r"\s*(httpx\w+):\s*(HARNESS_\w+)\s*=\s*(.*)", line)
        if factor:
            settings.setdefault(factor[1], {})[factor[2]] = factor[3].strip()
    main_envs = {env for line in config["tox"]["env_list"].split() for env in _expand(line)}
    return [Target(values["HARNESS_TARGET"], values["HARNESS_REQUIREMENT"], factor,
                   f"conformance-{factor}" in main_envs, values.get("HARNESS_GATE") == "1")
            for factor, values in settings.items()]


def targets_section(tox_ini: Path) -> Section:
    targets = tox_targets(tox_ini)
    pinned = [t.name for t in targets if t.pinned]
    rows = [("targets", str(len(targets))),
            ("targets the main job (`tox`) runs", str(sum(t.main for t in targets))),
            ("pinned target (gates the run)", ", ".join(pinned) or "none"),
            *((f"target `{t.name}`", f"`{t.requirement}`" + (" (main job)" if t.main else ""))
              for t in targets)]
    python = tomllib.loads((tox_ini.parent / "pyproject.toml").read_text(encoding="utf-8"))
    rows.append(("supported Python", python["project"]["requires-python"]))
    return Section("Targets", "tox.ini (`set_env` factor lines, `env_list`), pyproject.toml",
                   rows)


def claims_section(catalogue_path: Path) -> Section:
    claims = load_catalogue(catalogue_path)
    areas = Counter(claim_id.split(".")[0] for claim_id in claims)
    faults = sum(1 for i in claims if i.startswith(("faults.", "responses.reason-phrase")))
    rows = [("claims", str(len(claims))),
            ("differences from requests (both sides asserted)",
             str(sum(1 for c in claims.values() if c.requests))),
            ("changelog claims (`changelog.*`)", str(areas["changelog"])),
            ("version claims (with `since`/`until`)",
             str(sum(1 for c in claims.values() if c.since or c.until))),
            ("wire-fault and reason-phrase claims (scripted wire server)", str(faults)),
            ("Client parameter defaults (`client-defaults.*`)", str(areas["client-defaults"])),
            ("claims per area", ", ".join(f"{area} {count}"
                                          for area, count in areas.most_common()))]
    return Section("Conformance claims", "conformance/claims.toml (conformance/catalogue.py)",
                   rows)


def expectations_section(catalogue_path: Path, tox_ini: Path,
                         expectations_dir: Path = EXPECTATIONS_DIR) -> Section:
    """Per target: the outcomes its expectations file and the version ranges expect."""
    catalogue = load_catalogue(catalogue_path)
    rows = []
    for target in tox_targets(tox_ini):
        path = expectations_dir / f"{target.name}.toml"
        expected = load_expectations(target.name, path, catalogue)
        outcomes = Counter(e.outcome for e in expected.values() if e.outcome in NOT_HOLDING)
        requests_broken = sum(1 for e in expected.values() if e.requests != "holds")
        holds = len(catalogue) - sum(outcomes.values())
        rows.append((f"`{target.name}`", str(holds), str(outcomes["broken"]),
                     str(outcomes["missing-api"]), str(outcomes["setup-failed"]),
                     str(requests_broken)))
    return Section("Expected conformance outcomes per target",
                   "conformance/expectations/<target>.toml over the claims' version ranges "
                   "(conformance/expectations.py); a run with 0 unexpected has exactly these",
                   rows, ("target", "holds", "broken", "missing-api", "setup-failed",
                          "requests sides not holding"))


def snapshot_section() -> Section:
    from snapshot.grid import grid

    cases = grid()
    areas = Counter(case.id.split(".")[0] for case in cases)
    return Section("Wire snapshot", "snapshot/grid.py",
                   [("request constructions in the grid", str(len(cases))),
                    ("cases per area", ", ".join(f"{area} {count}"
                                                 for area, count in areas.most_common())),
                    ("cases a claim also documents", str(sum(1 for c in cases if c.claims)))])


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g} %"


def counts_section() -> Section:
    from bench.counts.scenarios import SCENARIOS
    from reports import compare

    gated = [s.name for s in SCENARIOS if s.deterministic]
    tolerances = [f"{s.name} {_percent(s.instructions_tolerance)}"
                  for s in SCENARIOS if s.instructions_tolerance]
    return Section("Work counts and the gate", "bench/counts/scenarios.py, reports/compare.py",
                   [("count scenarios", str(len(SCENARIOS))),
                    ("scenarios whose instructions and system calls gate", str(len(gated))),
                    ("instructions/request: gate threshold",
                     _percent(compare.DEFAULT_INSTRUCTIONS_THRESHOLD)),
                    ("instructions/request: scenarios with a larger A/A tolerance",
                     ", ".join(tolerances) or "none"),
                    ("system calls/request: gate tolerance per kind",
                     f"{compare.DEFAULT_SYSCALL_TOLERANCE:g}"),
                    ("timings gate only with `--gate-timings`: effect and adjusted p",
                     f"> {_percent(compare.DEFAULT_MIN_EFFECT)}, < {compare.DEFAULT_ALPHA:g}")])


def server_section() -> Section:
    from server.endpoints import ENDPOINTS
    from server.wire_faults import FAULTS

    return Section("Server", "server/endpoints.py, server/wire_faults.py",
                   [("endpoints (`python -m server --endpoints`)", str(len(ENDPOINTS))),
                    ("scripted wire faults", str(len(FAULTS)))])


def measured_section(path: Path = MEASURED_PATH) -> Section:
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["figure"]
    return Section("Measured", f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
                   ": each measured once, on the machine and at the time stated",
                   [tuple(e[key] for key in MEASURED_KEYS) for e in entries], MEASURED_KEYS)


def sections(root: Path = ROOT, measured: Path = MEASURED_PATH) -> list[Section]:
    catalogue, tox_ini = root / "conformance" / "claims.toml", root / "tox.ini"
    return [targets_section(tox_ini), claims_section(catalogue),
            expectations_section(catalogue, tox_ini, root / "conformance" / "expectations"),
            snapshot_section(), counts_section(), server_section(), measured_section(measured)]
