#!/usr/bin/env bash
# PLACEHOLDER, never run: sign, notarise and staple dist/GEN Desktop.app, then wrap it in a .dmg.
# Fill in the identity and the notarytool keychain profile (no secrets in this repository):
#   export MACOS_SIGN_IDENTITY="Developer ID Application: <Name> (<TEAMID>)"
#   export MACOS_NOTARY_PROFILE="<profile saved with: xcrun notarytool store-credentials>"
set -euo pipefail
cd "$(dirname "$0")/../.."
app="dist/GEN Desktop.app"
version="$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
: "${MACOS_SIGN_IDENTITY:?set MACOS_SIGN_IDENTITY}" "${MACOS_NOTARY_PROFILE:?set MACOS_NOTARY_PROFILE}"

codesign --force --deep --timestamp --options runtime \
  --entitlements packaging/macos/entitlements.plist --sign "$MACOS_SIGN_IDENTITY" "$app"
codesign --verify --strict --verbose=2 "$app"
dmg="dist/genpro-desktop-$version-macos-$(uname -m).dmg"
hdiutil create -volname "GEN Desktop" -srcfolder "$app" -ov -format UDZO "$dmg"
codesign --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
xcrun notarytool submit "$dmg" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
xcrun stapler staple "$dmg"
echo "$dmg"
