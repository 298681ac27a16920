"""Request bodies the way httpbin reports them: ``data``, ``form``, ``files``, ``json``.

httpbin (Flask/werkzeug) consumes form bodies into ``form`` and ``files`` and leaves
``data`` empty for them; any other body is ``data``, as text if it is UTF-8 and as a
``data:`` URL with base64 otherwise, and is parsed as JSON whatever its Content-Type.
Repeated names become lists (httpbin's "semiflatten").
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
from typing import Any
from urllib.parse import parse_qsl

FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def text_or_data_url(raw: bytes, content_type: str = "application/octet-stream") -> str:
    """UTF-8 text as is; anything else as ``data:<type>;base64,...`` (httpbin's json_safe)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"data:{content_type};base64,{base64.b64encode(raw).decode()}"


def semiflatten(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """One value: the value; several under one name: the list, in order."""
    grouped: dict[str, list[Any]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in grouped.items()}


def _multipart(body: bytes, content_type: str) -> tuple[list[tuple[str, str]],
                                                         list[tuple[str, str]]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, str]] = []
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is None:
            fields.append((name, text_or_data_url(payload)))
        else:
            part_type = part.get("content-type") or "application/octet-stream"
            files.append((name, text_or_data_url(payload, str(part_type))))
    return fields, files


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """``data``, ``form``, ``files`` and ``json`` of a request body, as httpbin shows them."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, str]] = []
    data = body
    if media_type == FORM_URLENCODED:
        fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        data = b""
    elif media_type == MULTIPART:
        fields, files = _multipart(body, content_type)
        data = b""
    try:
        parsed_json = json.loads(data.decode("utf-8")) if data else None
    except ValueError:
        parsed_json = None
    return {"data": text_or_data_url(data), "form": semiflatten(fields),
            "files": semiflatten(files), "json": parsed_json}
