"""Callgrind's client requests, issued from Python: start, zero, dump and stop counting.

A valgrind client request is a fixed instruction sequence (valgrind.h's "special
instruction preamble" of four rotations of %rdi that cancel out, then ``xchg %rbx,%rbx``)
with %rax pointing at the request and its arguments; on a real CPU it does nothing. Python
cannot emit it, so a 33-byte x86-64 function holding it is placed in an executable page and
called through ctypes. This lets the counted child run its start-up uninstrumented
(``--instr-atstart=no``, several times faster) and dump one profile per counted region,
as pytest-codspeed's C instrument does. Other architectures: counts are reported absent.
"""

from __future__ import annotations

import ctypes
import mmap
import platform
import re
from pathlib import Path

# mov %rdi,%rax; mov %rsi,%rdx; rol $3,$13,$61,$51 %rdi; xchg %rbx,%rbx; mov %rdx,%rax; ret
_CODE = bytes.fromhex("4889f8" "4889f2" "48c1c703" "48c1c70d" "48c1c73d" "48c1c733"
                      "4887db" "4889d0" "c3")
_RUNNING_ON_VALGRIND = 0x1001
_CALLGRIND = 0x43540000  # VG_USERREQ_TOOL_BASE('C', 'T')
DUMP_STATS_AT, ZERO_STATS, START_INSTRUMENTATION, STOP_INSTRUMENTATION = (
    _CALLGRIND + 3, _CALLGRIND + 1, _CALLGRIND + 4, _CALLGRIND + 5)
SUPPORTED = platform.machine() in ("x86_64", "AMD64")
VALGRIND_OPTIONS = ("--tool=callgrind", "--instr-atstart=no", "--dump-line=no",
                    "--compress-strings=no")


class ClientRequests:
    """Issues callgrind requests; every call is a no-op outside valgrind."""

    def __init__(self) -> None:
        if not SUPPORTED:
            raise RuntimeError(f"callgrind client requests need x86-64, not {platform.machine()}")
        self._page = mmap.mmap(-1, mmap.PAGESIZE,
                               prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        self._page.write(_CODE)
        address = ctypes.addressof(ctypes.c_char.from_buffer(self._page))
        prototype = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t)
        self._call = prototype(address)
        self._labels: list[ctypes.Array[ctypes.c_char]] = []  # kept alive while valgrind reads

    def request(self, code: int, argument: int = 0) -> int:
        words = (ctypes.c_size_t * 6)(code, argument, 0, 0, 0, 0)
        return int(self._call(ctypes.addressof(words), 0))

    def on_valgrind(self) -> bool:
        return self.request(_RUNNING_ON_VALGRIND) > 0

    def begin(self) -> None:
        """Instrument from here on, with the counters at zero."""
        self.request(START_INSTRUMENTATION)
        self.request(ZERO_STATS)

    def dump(self, label: str) -> None:
        """Write the counts since ``begin`` or the last dump as a profile named ``label``
        (callgrind zeroes them), instrumenting on: no translation cache flush between."""
        text = ctypes.create_string_buffer(label.encode())
        self._labels.append(text)
        self.request(DUMP_STATS_AT, ctypes.addressof(text))

    def end(self, label: str) -> None:
        """Write the counts since ``begin`` as a profile named ``label``; stop instrumenting."""
        self.dump(label)
        self.request(STOP_INSTRUMENTATION)


_TRIGGER = re.compile(r"^desc: Trigger: Client Request: (?P<label>.*)$", re.M)
_SUMMARY = re.compile(r"^summary: (?P<count>\d+)", re.M)


def read_dumps(prefix: Path) -> dict[str, int]:
    """Instructions per dump label, from ``<prefix>.N`` files callgrind wrote."""
    found: dict[str, int] = {}
    for path in sorted(prefix.parent.glob(prefix.name + ".*")):
        text = path.read_text(errors="replace")
        label, count = _TRIGGER.search(text), _SUMMARY.search(text)
        if label and count:
            found[label.group("label").strip()] = int(count.group("count"))
    return found
