"""A bench run that left benchmarks out says so, so no gate takes it for a baseline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reports.load import is_complete

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(300)
def test_a_bench_run_restricted_with_k_is_marked_partial(tmp_path: Path) -> None:
    env = {**os.environ, "HARNESS_RESULTS": str(tmp_path), "HARNESS_RUN": "partial-run"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "bench", "--quick", "-k", "test_construction",
         "-p", "no:cacheprovider", "-q", "--no-counts"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (written,) = tmp_path.glob("partial-run/*/bench.json")
    document = json.loads(written.read_text())
    assert document["machine_info"]["harness"]["partial"] is True
    assert not is_complete(document)
