"""Safe local file names built from server-supplied text (security checklist S-12).

Engine titles and URL paths come from the network. A name made from them must stay one plain
file inside the chosen folder on Windows, macOS and Linux: no separators, no ``..``, no control
or bidi characters, no Windows device names, no trailing dots or spaces, and a bounded length.
"""

from __future__ import annotations

import re
import unicodedata

DEFAULT_EXTENSION = ".mp4"
# Bytes of UTF-8, not characters: ext4/APFS/NTFS cap a name at 255 bytes or UTF-16 units, and the
# downloader adds a leading "." and ".part" (and maybe " (99)") to the final name.
MAX_NAME_BYTES = 180

# Windows refuses these as a file's stem whatever the extension ("nul.mp4", "COM1.tar.gz"),
# including the superscript-digit variants.
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{digit}" for port in ("COM", "LPT") for digit in "123456789¹²³"}
)
# Separators and the characters Windows forbids in names.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_SPACES = re.compile(r"\s+")
_DOTS = re.compile(r"\.{2,}")
_EXTENSION = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


def sanitize_filename(name: str, *, fallback: str = "download") -> str:
    """Return ``name`` as one safe file name, or ``fallback`` when nothing usable is left."""
    cleaned = _clean(name)
    if not cleaned:
        cleaned = _clean(fallback) or "download"
    stem, dot, ext = cleaned.rpartition(".")
    if not dot or not stem or not _EXTENSION.match("." + ext):
        stem, ext = cleaned, ""
    else:
        ext = "." + ext
    stem = _truncate_utf8(stem, MAX_NAME_BYTES - len(ext.encode())).rstrip(" .")
    return _unreserve((stem or "download") + ext)


def safe_filename(
    engine_title: str | None,
    row: int | str | None,
    generation_id: int | str | None,
    ext: str = DEFAULT_EXTENSION,
) -> str:
    """Return a download name like ``"Launch clips - row 3 - 9876.mp4"`` that is safe anywhere."""
    if not _EXTENSION.match(ext):
        raise ValueError(f"extension must look like '.mp4', got {ext!r}")
    tail = ""
    if row is not None and _clean(str(row)):
        tail += f" - row {_clean(str(row))}"
    if generation_id is not None and _clean(str(generation_id)):
        tail += f" - {_clean(str(generation_id))}"
    # The row and id are what make names unique, so the title is the part that gets shortened.
    tail = _truncate_utf8(tail, MAX_NAME_BYTES // 2)
    budget = MAX_NAME_BYTES - len(tail.encode()) - len(ext.encode())
    title = _truncate_utf8(_clean(engine_title or ""), budget).rstrip(" .") or "GEN video"
    return _unreserve(f"{title}{tail}{ext}")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    kept: list[str] = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char).startswith("C"):
            # Control, format (bidi overrides that disguise extensions), surrogate, private use.
            continue
        else:
            kept.append(char)
    text = _FORBIDDEN.sub("_", "".join(kept))
    text = _DOTS.sub(".", text)
    text = _SPACES.sub(" ", text)
    # Leading dots hide files (and "." / ".." name folders); trailing dots and spaces are
    # silently dropped by Windows, so two different names could end up as one file.
    return text.strip(" .")


def _truncate_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: max(0, limit)].decode("utf-8", errors="ignore")


def _unreserve(name: str) -> str:
    stem = name.split(".", 1)[0].rstrip(" ").upper()
    if stem in _WINDOWS_RESERVED:
        return "_" + name
    return name
