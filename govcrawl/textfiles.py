"""User-supplied text files (registries, expert scores, votes) must be UTF-8; say where and why not."""
from __future__ import annotations


def decode_utf8(raw: bytes) -> tuple[str | None, tuple[int, str] | None]:
    """(text, None) for UTF-8 (BOM stripped), else (None, (line, reason)) naming the first bad byte's line
    and, when the bytes read as GBK/GB18030 (Excel's "CSV" on Chinese Windows), how to save them instead."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            raw.decode("gb18030")
            hint = ' - it looks like GBK/GB18030 (Excel\'s "CSV" on Chinese Windows): save it as "CSV UTF-8"'
        except UnicodeDecodeError:
            pass
        return None, (line, f"not UTF-8 (byte 0x{raw[exc.start]:02x}){hint}")
