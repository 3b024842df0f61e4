#!/usr/bin/env bash
# Build the Linux tarball: dist/genpro-desktop-<version>-linux-<arch>.tar.gz
#
#   packaging/linux/build.sh
#
# Needs: uv, and binutils (objdump) for PyInstaller; appstreamcli and desktop-file-validate are
# used when installed. The version comes from pyproject.toml (the one source of truth) and goes
# into the tarball name, VERSION and the AppStream <release>.
#
# Tarball layout (install.sh copies it into a prefix; smoke.sh checks it):
#   genpro-desktop-<version>/
#     install.sh  VERSION  README.txt
#     genpro-desktop/                  the PyInstaller one-folder bundle (genpro-desktop, genpro)
#     share/applications/genpro-desktop.desktop
#     share/metainfo/pro.gen.GenproDesktop.metainfo.xml
#     share/icons/hicolor/{16x16..512x512,scalable}/apps/genpro-desktop.{png,svg}
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
started=$SECONDS

say() { echo "build.sh: $*"; }
die() { echo "build.sh: error: $*" >&2; exit 1; }

command -v uv >/dev/null || die "uv is not installed (pip install uv)"
command -v objdump >/dev/null || die "PyInstaller needs objdump: apt-get install binutils"

version="$(uv run --no-sync python -c \
  'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])' \
  2>/dev/null || python3 -c \
  'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
[[ "$version" =~ ^[0-9]+(\.[0-9]+)*([a-z0-9.+-]*)$ ]] || die "odd version in pyproject.toml: $version"
arch="$(uname -m)"
name="genpro-desktop-$version"
tarball="dist/$name-linux-$arch.tar.gz"
say "building $name for linux-$arch"

# 1. The bundle. --clean: no stale cache from another version or branch.
bundle_dir="build/pyinstaller-dist"
uv run --group packaging pyinstaller --noconfirm --clean --log-level WARN \
  --distpath "$bundle_dir" --workpath build/pyinstaller packaging/pyinstaller/genpro_desktop.spec
bundle="$bundle_dir/genpro-desktop"

# Strip debug symbols where there are any, outside Qt (pyenv's libpython: 22 MB -> 6 MB). Not
# PyInstaller's strip=True: stripping Qt's FFmpeg libraries makes them unloadable.
# (grep without -q: with pipefail, -q's early exit would fail readelf with SIGPIPE at random.)
stripped=0
while IFS= read -r -d '' elf; do
  if readelf -S "$elf" 2>/dev/null | grep -e '\.symtab' -e '\.debug_info' >/dev/null; then
    strip --strip-unneeded "$elf"
    stripped=$((stripped + 1))
  fi
done < <(find "$bundle" -path "$bundle/_internal/PySide6" -prune -o -path "$bundle/_internal/shiboken6" \
  -prune -o -type f \( -name '*.so' -o -name '*.so.*' \) -print0)
say "stripped debug symbols from $stripped libraries"

# 2. Check the bundle has what the app loads at run time (PyInstaller does not fail on these).
# QtQml and the QtMultimedia QML module: Qt's QML engine builds the preview player (player.py).
for required in \
  "genpro-desktop" "genpro" \
  "_internal/genpro_desktop/resources/sample/render.mp4" \
  "_internal/genpro_desktop-$version.dist-info/METADATA" \
  "_internal/PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so" \
  "_internal/PySide6/Qt/plugins/platforms/libqxcb.so" \
  "_internal/PySide6/Qt/plugins/platforms/libqwayland.so" \
  "_internal/PySide6/Qt/plugins/platforms/libqoffscreen.so" \
  "_internal/PySide6/QtQml.abi3.so" \
  "_internal/PySide6/Qt/qml/QtMultimedia/qmldir" \
  "_internal/PySide6/Qt/qml/QtMultimedia/libquickmultimediaplugin.so" \
  "_internal/PySide6/Qt/lib/libQt6MultimediaQuick.so.6"; do
  [[ -e "$bundle/$required" ]] || die "the bundle lacks $required"
done
compgen -G "$bundle/_internal/PySide6/Qt/lib/libavcodec.so.*" >/dev/null \
  || die "the bundle lacks FFmpeg's libavcodec"

# 3. Stage the tarball's tree.
stage="build/linux-stage/$name"
rm -rf "build/linux-stage"
mkdir -p "$stage/share/applications" "$stage/share/metainfo" \
  "$stage/share/icons/hicolor/scalable/apps"
cp -R "$bundle" "$stage/genpro-desktop"
install -m 755 packaging/linux/install.sh "$stage/install.sh"
echo "$version" > "$stage/VERSION"
cat > "$stage/README.txt" <<EOF
GEN Desktop $version for Linux ($arch)

Install for yourself (no root needed):   ./install.sh
Somewhere else:                         ./install.sh --prefix /opt/genpro
Remove:                                 ./install.sh --uninstall [--prefix DIR]

Then start "GEN Desktop" from your applications menu, or run genpro-desktop; the command-line
tool is genpro. Try it without an account: genpro-desktop --demo
EOF
cp packaging/linux/genpro-desktop.desktop "$stage/share/applications/"
# The release date is the last commit's date (reproducible); today's outside a git checkout.
release_date="$(git log -1 --format=%cs 2>/dev/null || date -u +%F)"
sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$release_date/g" \
  packaging/linux/pro.gen.GenproDesktop.metainfo.xml \
  > "$stage/share/metainfo/pro.gen.GenproDesktop.metainfo.xml"
cp packaging/icons/genpro-desktop.svg "$stage/share/icons/hicolor/scalable/apps/"
for png in packaging/icons/png/*/genpro-desktop.png; do
  size="$(basename "$(dirname "$png")")"
  mkdir -p "$stage/share/icons/hicolor/$size/apps"
  cp "$png" "$stage/share/icons/hicolor/$size/apps/"
done

# 4. Validate the desktop integration where the tools exist.
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$stage/share/metainfo/pro.gen.GenproDesktop.metainfo.xml"
else
  say "appstreamcli not installed: AppStream metainfo not validated"
fi
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$stage/share/applications/genpro-desktop.desktop"
else
  say "desktop-file-validate not installed: .desktop file not validated"
fi

# 5. The tarball, with stable ordering and ownership.
mkdir -p dist
tar --sort=name --owner=0 --group=0 --numeric-owner -C build/linux-stage -czf "$tarball" "$name"
say "wrote $tarball ($(du -h "$tarball" | cut -f1); bundle $(du -sh "$bundle" | cut -f1)) in $((SECONDS - started)) s"
echo "$root/$tarball"
