"""releases/search.py, releases/index.py and the timeline's rendering, on made-up series.

The bisection is checked against every first release it can be asked for: the release it
names must be the true one, it must measure at most about log2 of the range per
difference (and share releases between differences), and a release that cannot be
measured must be stepped around, or named as a possible first release when only such
releases lie between the last release without the change and the first with it. The
measured end-to-end runs are in tests/test_releases_series.py.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.version import Version

from releases import cache, timeline
from releases.changes import Change
from releases.index import ListingError, files_by_version, local_files, select
from releases.search import first_releases


@dataclass(frozen=True)
class Planted:
    name: str

    def matches(self, other: Planted) -> bool:
        return self.name == other.name


def series(first: dict[str, int], broken: frozenset[int] = frozenset(),
           ) -> tuple[Callable[[int], list[Planted] | None], list[int]]:
    """changes_at for releases where each change appears at its index and stays."""
    asked: list[int] = []

    def changes_at(index: int) -> list[Planted] | None:
        asked.append(index)
        if index in broken:
            return None
        return [Planted(name) for name, at in first.items() if at <= index]

    return changes_at, asked


@pytest.mark.parametrize("count", [2, 3, 5, 12, 40])
def test_every_first_release_is_found_within_log2_measurements(count: int) -> None:
    for at in range(1, count):
        changes_at, asked = series({"x": at})
        [found] = first_releases(count, [Planted("x")], changes_at)
        assert (found.first, found.exact) == (at, True)
        assert len(asked) == len(set(asked)) <= math.ceil(math.log2(count - 1 or 1))


def test_differences_share_the_releases_measured() -> None:
    planted = {"a": 9, "b": 10, "c": 11, "d": 30}
    changes_at, asked = series(planted)
    found = first_releases(40, [Planted(n) for n in planted], changes_at)
    assert [f.first for f in found] == [9, 10, 11, 30]
    alone = 0
    for name, at in planted.items():  # what each would cost searched on its own
        one, asked_alone = series({name: at})
        first_releases(40, [Planted(name)], one)
        alone += len(asked_alone)
    assert len(asked) == len(set(asked)) < alone


def test_a_release_that_cannot_be_measured_is_stepped_around() -> None:
    # The middle of 0..16 is 8: broken, as are 7 and 9. The search goes on beside them.
    changes_at, asked = series({"x": 12}, broken=frozenset({7, 8, 9}))
    [found] = first_releases(17, [Planted("x")], changes_at)
    assert (found.first, found.exact) == (12, True)
    assert len(asked) <= math.ceil(math.log2(16)) + 3


def test_only_unmeasurable_releases_between_is_said_not_guessed() -> None:
    changes_at, _ = series({"x": 5}, broken=frozenset({3, 4}))
    [found] = first_releases(9, [Planted("x")], changes_at)
    assert (found.last_without, found.first, found.unmeasured) == (2, 5, [3, 4])
    assert not found.exact


def test_every_release_broken_leaves_the_whole_range_named() -> None:
    changes_at, asked = series({"x": 3}, broken=frozenset({1, 2, 3, 4}))
    [found] = first_releases(6, [Planted("x")], changes_at)
    assert (found.last_without, found.first, found.unmeasured) == (0, 5, [1, 2, 3, 4])
    assert sorted(asked) == [1, 2, 3, 4]  # each tried once, none twice


def test_the_same_change_is_a_count_moving_the_same_way_a_claim_reaching_the_outcome() -> None:
    worse = Change("count", "pooled-http instructions/request", "regression", "1", "2")
    better = Change("count", "pooled-http instructions/request", "improvement", "2", "1")
    claim = Change("claim", "x.y", "breaking", "broken: a", "holds: c")
    assert worse.matches(worse) and not worse.matches(better)
    # A claim is there once it reached TO's outcome, whatever it observed on the way.
    assert claim.matches(Change("claim", "x.y", "wire", "broken: a", "holds: b"))
    assert not claim.matches(Change("claim", "x.y", "informational", "broken: a", "broken: b"))


def test_a_value_change_is_there_once_the_release_has_tos_value() -> None:
    """A claim that kept its outcome, a wire case, an API or packaging row: a release that
    differs from FROM some other way (an earlier requirement, a client that failed there)
    does not have the change; a loopback port aside, TO's value does."""
    pin = Change("claim", "compat.httpcore", "wire", 'holds: ["httpcore<0.17"]',
                 'holds: ["httpcore==1.*"]')
    assert not pin.matches(Change("claim", "compat.httpcore", "wire", 'holds: ["httpcore<0.17"]',
                                  'holds: ["httpcore<0.18"]'))
    assert pin.matches(Change("claim", "compat.httpcore", "wire", 'holds: ["httpcore<0.17"]',
                              'holds: ["httpcore==1.*"]'))
    url = Change("claim", "base-url.x", "informational", 'holds: "http://127.0.0.1:1/a"',
                 'holds: "http://127.0.0.1:2/b"')
    assert url.matches(Change("claim", "base-url.x", "informational",
                              'holds: "http://127.0.0.1:1/a"', 'holds: "http://127.0.0.1:3/b"'))
    wire = Change("wire", "params.in-url.pipe", "wire", "/a?v=a%7Cb", "/a?v=a|b")
    assert wire.matches(Change("wire", "params.in-url.pipe", "wire", "/a?v=a%7Cb", "/a?v=a|b"))
    assert not wire.matches(Change("wire", "params.in-url.pipe", "breaking", "/a?v=a%7Cb",
                                   "unsupported: Client(): TypeError"))


def test_a_release_whose_client_cannot_be_built_is_unusable(tmp_path: Path) -> None:
    from releases.measure import Measured

    broken = {"environment": {"trust": {"error": "Client() raised TypeError"}}}
    (tmp_path / "surface.json").write_text(json.dumps(broken))
    assert Measured("0.25.1", tmp_path, {}, True).unusable == "Client() raised TypeError"
    (tmp_path / "surface.json").write_text(json.dumps({"environment": {"trust": {}}}))
    assert Measured("0.25.2", tmp_path, {}, True).unusable is None


PAGE = {"versions": ["1.0.0", "1.1.0", "1.2.0rc1", "1.2.0", "1.3.0"],
        "files": [{"filename": "pkg-1.0.0-py3-none-any.whl"},
                  {"filename": "pkg-1.1.0.tar.gz", "yanked": "broken metadata"},
                  {"filename": "pkg-1.1.0-py3-none-any.whl", "yanked": True},
                  {"filename": "pkg-1.2.0rc1-py3-none-any.whl"},
                  {"filename": "pkg-1.2.0-py3-none-any.whl"},
                  {"filename": "pkg-1.2.0.tar.gz", "yanked": True},
                  {"filename": "other-9.0-py3-none-any.whl"}]}


def test_yanked_and_pre_releases_are_left_out_and_named() -> None:
    listed = select("pkg", files_by_version(PAGE, "pkg"), pre=False)
    assert listed.versions == [Version("1.0.0"), Version("1.2.0")]  # 1.2.0: one file left
    assert listed.skipped == ["1.1.0: yanked", "1.2.0rc1: a pre-release (--pre lists them)",
                              "1.3.0: no file to install"]
    with_pre = select("pkg", files_by_version(PAGE, "pkg"), pre=True, low=Version("1.1.0"))
    assert with_pre.versions == [Version("1.2.0rc1"), Version("1.2.0")]


def test_a_local_series_is_read_from_its_file_names(tmp_path: Path) -> None:
    for name in ("httpx-0.28.1.post2-py3-none-any.whl", "httpx-0.28.1.post10-py3-none-any.whl",
                 "httpx2-2.0.0-py3-none-any.whl", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    listed = select("httpx", local_files(tmp_path, "httpx"), pre=False)
    assert [str(v) for v in listed.versions] == ["0.28.1.post2", "0.28.1.post10"]
    with pytest.raises(ListingError, match="no release to run"):
        select("httpx", local_files(tmp_path, "httpx"), pre=False, low=Version("1.0"))


def test_the_cache_key_follows_the_code_and_the_options(tmp_path: Path) -> None:
    (tmp_path / "conformance").mkdir()
    claim = tmp_path / "conformance" / "test_x.py"
    claim.write_text("A = 1\n")
    first = cache.digest({"claims": []}, tmp_path)
    assert cache.digest({"claims": []}, tmp_path) == first
    assert cache.digest({"claims": ["x"]}, tmp_path) != first
    claim.write_text("A = 2\n")
    assert cache.digest({"claims": []}, tmp_path) != first


def test_the_timeline_fits_a_terminal_and_names_each_release() -> None:
    steps = [timeline.Step("1.1", "1.0", [Change("count", "pooled-http instructions/request",
                                                 "regression", "41000", "45000",
                                                 "+9.8 %")],
                           [("httpcore", "1.0.7", "1.0.9")]),
             timeline.Step("1.2", "1.1", [Change("claim", "redirects.not-followed-by-default",
                                                 "breaking", "holds: " + "x" * 200,
                                                 "broken: followed")], [])]
    found = timeline.Timeline("pkg", ["1.0", "1.1", "1.2"], ["0.9: yanked"], steps)
    shown = timeline.text(found)
    assert max(len(line) for line in shown.splitlines()) <= timeline.WIDTH
    assert "1.1: regression" in shown and "with httpcore 1.0.7 -> 1.0.9" in shown
    table = timeline.markdown(found)
    assert "| count: `pooled-http instructions/request` | regression |  |" in table
    assert "| claim: `redirects.not-followed-by-default` |  | breaking |" in table
