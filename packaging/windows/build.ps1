# Build the Windows bundle and zip it (UNTESTED: no Windows build has been run yet).
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# Result: dist\genpro-desktop-<version>-windows-x86_64.zip holding genpro-desktop\ (both .exe).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
$version = uv run --no-sync python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
uv run --group packaging pyinstaller --noconfirm --clean --log-level WARN `
    --distpath build\pyinstaller-dist --workpath build\pyinstaller packaging\pyinstaller\genpro_desktop.spec
$bundle = "build\pyinstaller-dist\genpro-desktop"
foreach ($required in @("genpro-desktop.exe", "genpro.exe",
        "_internal\PySide6\plugins\multimedia\ffmpegmediaplugin.dll",
        "_internal\PySide6\plugins\platforms\qwindows.dll",
        "_internal\genpro_desktop\resources\sample\render.mp4")) {
    if (-not (Test-Path (Join-Path $bundle $required))) { throw "the bundle lacks $required" }
}

# Code signing: PLACEHOLDER. With a certificate in the store (no secrets in this repository):
#   signtool sign /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 /n "<Publisher>" `
#       "$bundle\genpro-desktop.exe" "$bundle\genpro.exe"

New-Item -ItemType Directory -Force dist | Out-Null
$zip = "dist\genpro-desktop-$version-windows-x86_64.zip"
Compress-Archive -Force -Path $bundle -DestinationPath $zip
& "$bundle\genpro.exe" --version
# genpro-desktop.exe is a windowed (GUI-subsystem) program: PowerShell would not wait for it and
# it has no console for its output, so wait explicitly and judge by the exit code.
$selfTest = Start-Process -FilePath "$bundle\genpro-desktop.exe" -ArgumentList "--demo", "--self-test" `
    -Wait -PassThru -NoNewWindow
if ($selfTest.ExitCode -ne 0) { throw "self-test failed (exit code $($selfTest.ExitCode))" }
Write-Output $zip
