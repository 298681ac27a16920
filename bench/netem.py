"""Whether this kernel has the ``netem`` qdisc (tried in a throw-away network namespace).

The RTT sweep uses the user-space proxy everywhere, so its figures mean the same on every
machine; this only records, in one line, whether kernel-level delay would have been
available (this VM's kernel answers "Specified qdisc kind is unknown").
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

COMMAND = ["unshare", "--net", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay",
           "1ms"]


@cache
def netem_status() -> str:
    """One line: "available" or why not (no tc, no namespaces, no netem in the kernel)."""
    missing = [tool for tool in ("unshare", "tc") if shutil.which(tool) is None]
    if missing:
        return f"unavailable: {' and '.join(missing)} not installed"
    try:
        done = subprocess.run(COMMAND, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable: {type(error).__name__}"
    if done.returncode == 0:
        return "available"
    reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
    return f"unavailable: {reason}"
