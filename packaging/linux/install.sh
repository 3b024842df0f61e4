#!/bin/sh
# Install (or remove) GEN Desktop from this unpacked tarball into a prefix you own.
#
#   ./install.sh                    # into ~/.local (no root needed)
#   ./install.sh --prefix /opt/gen  # anywhere else you can write
#   ./install.sh --uninstall [--prefix DIR]
#
# Layout under the prefix:
#   lib/genpro-desktop/                      the bundle (both executables and _internal/)
#   bin/genpro-desktop, bin/genpro           symlinks into it
#   share/applications/genpro-desktop.desktop
#   share/metainfo/pro.gen.GenproDesktop.metainfo.xml
#   share/icons/hicolor/<size>/apps/genpro-desktop.{png,svg}
set -eu

prefix="${HOME:?HOME is not set}/.local"
action=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --uninstall) action=uninstall; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
app_dir="$prefix/lib/genpro-desktop"
share="$prefix/share"
desktop_file="$share/applications/genpro-desktop.desktop"
metainfo_file="$share/metainfo/pro.gen.GenproDesktop.metainfo.xml"

refresh_caches() {
  # Optional desktop caches; missing tools are fine (desktops rescan on login).
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$share/applications" 2>/dev/null || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$share/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$share/icons/hicolor" 2>/dev/null || true
  fi
}

if [ "$action" = uninstall ]; then
  rm -rf "$app_dir"
  for exe in genpro-desktop genpro; do
    link="$prefix/bin/$exe"
    # Only remove our own symlinks, never a file someone else put there.
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$app_dir/$exe" ]; then rm -f "$link"; fi
  done
  rm -f "$desktop_file" "$metainfo_file"
  find "$share/icons/hicolor" -name 'genpro-desktop.png' -delete 2>/dev/null || true
  rm -f "$share/icons/hicolor/scalable/apps/genpro-desktop.svg"
  refresh_caches
  echo "GEN Desktop removed from $prefix (your settings, jobs and downloads are kept)."
  exit 0
fi

[ -x "$here/genpro-desktop/genpro-desktop" ] || {
  echo "install.sh: run me from the unpacked tarball (genpro-desktop/ is missing)" >&2
  exit 1
}

# Replace the bundle atomically enough: copy beside it, then swap.
mkdir -p "$prefix/lib" "$prefix/bin"
rm -rf "$app_dir.new"
cp -R "$here/genpro-desktop" "$app_dir.new"
rm -rf "$app_dir"
mv "$app_dir.new" "$app_dir"
ln -sfn "$app_dir/genpro-desktop" "$prefix/bin/genpro-desktop"
ln -sfn "$app_dir/genpro" "$prefix/bin/genpro"

mkdir -p "$share/applications" "$share/metainfo" "$share/icons/hicolor/scalable/apps"
# Exec/TryExec get the absolute path: ~/.local/bin is not on every desktop session's PATH.
sed -e "s|^Exec=genpro-desktop|Exec=$app_dir/genpro-desktop|" \
    -e "s|^TryExec=genpro-desktop|TryExec=$app_dir/genpro-desktop|" \
    "$here/share/applications/genpro-desktop.desktop" > "$desktop_file"
cp "$here/share/metainfo/pro.gen.GenproDesktop.metainfo.xml" "$metainfo_file"
for dir in "$here"/share/icons/hicolor/*/apps; do
  size="$(basename "$(dirname "$dir")")"
  mkdir -p "$share/icons/hicolor/$size/apps"
  cp "$dir"/genpro-desktop.* "$share/icons/hicolor/$size/apps/"
done
refresh_caches

echo "GEN Desktop $(cat "$here/VERSION") installed in $prefix"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "Note: $prefix/bin is not on your PATH; add it to run 'genpro' from a terminal." ;;
esac
echo "Start it from your applications menu, or run: $prefix/bin/genpro-desktop"
