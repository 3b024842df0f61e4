"""Render the app icon's PNG sizes, the Windows .ico and the macOS .icns from the one SVG.

Run from the repository root (works headless; Qt's offscreen platform is used):

    uv run python packaging/icons/make_icons.py          # (re)write the files
    uv run python packaging/icons/make_icons.py --check  # exit 1 if a file is missing or stale

Output, next to this script: ``png/<size>x<size>/genpro-desktop.png`` for every size in
``PNG_SIZES``, ``genpro-desktop.ico`` and ``genpro-desktop.icns``. Every image is drawn by Qt's
QSvgRenderer straight from the SVG at its own size (no downscaling), except inside the .icns:

- .icns: Qt's ``icns`` image writer (the ``qicns`` plugin shipped with PySide6), given the
  ICNS_SIZE render; it stores that size and every halving down to 16 as PNG. If the plugin is
  missing, the script says so and skips the file.
- .ico: Qt's ``ico`` writer stores a single image per file, so this script writes the ICO
  container itself (a 6-byte header, one 16-byte entry per size, PNG payloads: the format Windows
  Vista and later read), with one Qt render per size in ICO_SIZES.

The files are committed, so building a package needs no icon step; re-run this after editing the
SVG (``--check`` tells when a PNG no longer matches it).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgRenderer

ICON_DIR = Path(__file__).resolve().parent
SVG = ICON_DIR / "genpro-desktop.svg"
NAME = "genpro-desktop"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZE = 1024  # the writer adds 512, 256, ... 16


def png_path(size: int) -> Path:
    """Where the PNG of `size` pixels lives."""
    return ICON_DIR / "png" / f"{size}x{size}" / f"{NAME}.png"


def _render(size: int) -> QImage:
    """The SVG drawn into a transparent `size` x `size` QImage."""

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {SVG} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def _png_bytes(size: int) -> bytes:
    """The SVG rendered at `size` pixels, encoded as PNG."""

    image = _render(size)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, b"PNG")
    buffer.close()
    return bytes(data.data())


def write_ico(path: Path, sizes: tuple[int, ...] = ICO_SIZES) -> None:
    """An ICO with one PNG-compressed image per size (256 is stored as 0, as the format says)."""
    images = [_png_bytes(size) for size in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, data in zip(sizes, images, strict=True):
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    path.write_bytes(header + entries + b"".join(images))


def write_icns(path: Path) -> bool:
    """An ICNS through Qt's writer; False (and a note) when the plugin is missing."""

    supported = {bytes(f.data()) for f in QImageWriter.supportedImageFormats()}
    if b"icns" not in supported:
        print(f"make_icons: Qt has no 'icns' writer here; {path.name} not written")
        return False
    image = _render(ICNS_SIZE)
    writer = QImageWriter(str(path), b"icns")
    if not writer.write(image):
        raise SystemExit(f"make_icons: writing {path.name}: {writer.errorString()}")
    return True


def generate() -> list[Path]:
    """Write every icon file; return the paths written."""

    written: list[Path] = []
    for size in PNG_SIZES:
        target = png_path(size)
        target.parent.mkdir(parents=True, exist_ok=True)
        image = _render(size)
        if not image.save(str(target), b"PNG"):
            raise SystemExit(f"make_icons: could not write {target}")
        written.append(target)
    write_ico(ICON_DIR / f"{NAME}.ico")
    written.append(ICON_DIR / f"{NAME}.ico")
    if write_icns(ICON_DIR / f"{NAME}.icns"):
        written.append(ICON_DIR / f"{NAME}.icns")
    return written


def stale() -> list[str]:
    """Icon files that are missing, or PNGs whose pixels differ from a fresh render of the SVG.

    Pixels, not file times: a git checkout gives every file the time it was written.
    """

    problems: list[str] = []
    for size in PNG_SIZES:
        path = png_path(size)
        committed = QImage(str(path))
        fresh = _render(size)
        if committed.isNull():
            problems.append(f"{path.relative_to(ICON_DIR)} is missing or unreadable")
        elif committed.convertToFormat(fresh.format()) != fresh:
            problems.append(f"{path.relative_to(ICON_DIR)} differs from the SVG")
    for suffix in ("ico", "icns"):
        path = ICON_DIR / f"{NAME}.{suffix}"
        if not path.is_file() or path.stat().st_size == 0:
            problems.append(f"{path.name} is missing")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Generate the icons, or with --check report missing or stale ones."""
    parser = argparse.ArgumentParser(description="Render the app icons from the SVG.")
    parser.add_argument("--check", action="store_true", help="only report missing/stale files")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    if args.check:
        problems = stale()
        for problem in problems:
            print(f"make_icons: {problem}; run packaging/icons/make_icons.py")
        return 1 if problems else 0
    for path in generate():
        print(f"make_icons: wrote {path.relative_to(ICON_DIR)} ({path.stat().st_size} bytes)")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
