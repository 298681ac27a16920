"""Fixed documents httpbin serves: the index page, XML, robots.txt, /deny, images."""

from __future__ import annotations

import struct
import zlib

SAMPLE_XML = """<?xml version='1.0' encoding='us-ascii'?>

<!--  A SAMPLE set of slides  -->

<slideshow
    title="Sample Slide Show"
    date="Date of publication"
    author="Yours Truly"
    >

    <!-- TITLE SLIDE -->
    <slide type="all">
      <title>Wake up to WonderWidgets!</title>
    </slide>

    <!-- OVERVIEW -->
    <slide type="all">
        <title>Overview</title>
        <item>Why <em>WonderWidgets</em> are great</item>
        <item/>
        <item>Who <em>buys</em> WonderWidgets</item>
    </slide>

</slideshow>
"""

ROBOTS_TXT = "User-agent: *\nDisallow: /deny\n"

DENY_TEXT = """
          .-''''''-.
        .' _      _ '.
       /   O      O   \\
      :                :
      |                |
      :       __       :
       \\  .-"`  `"-.  /
        '.          .'
          '-......-'
     YOU SHOULDN'T BE HERE
"""

SVG_IMAGE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">'
    '<circle cx="50" cy="50" r="40" fill="#2a6"/></svg>\n'
)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid one-colour PNG, built with zlib (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width  # filter byte 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


PNG_IMAGE = _png(16, 16, (34, 170, 102))

IMAGES = {"png": ("image/png", PNG_IMAGE), "svg": ("image/svg+xml", SVG_IMAGE.encode())}


def index_page(rows: list[tuple[str, str, str]]) -> str:
    """The GET / page: the endpoint table as HTML (pattern, methods, what it does)."""
    from html import escape

    items = "\n".join(
        f"<tr><td><code>{escape(p)}</code></td><td>{escape(m)}</td><td>{escape(d)}</td></tr>"
        for p, m, d in rows)
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>httpx-harness server"
            "</title></head><body><h1>httpx-harness server</h1><p>httpbin-shaped endpoints on "
            "loopback.</p><table><tr><th>path</th><th>methods</th><th>what</th></tr>\n"
            f"{items}\n</table></body></html>\n")


def links_page(n: int, offset: int) -> str:
    """httpbin's /links/{n}/{offset}: n links, the current one as plain text."""
    parts = [f"{i} " if i == offset else f"<a href='/links/{n}/{i}'>{i}</a> "
             for i in range(n)]
    return f"<html><head><title>Links</title></head><body>{''.join(parts)}</body></html>"
