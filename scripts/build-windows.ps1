# Builds GridDesk for Windows 10/11: the one-folder app (build.spec), a zip of it, and the
# per-user installer (release/windows/griddesk.iss, Inno Setup 6). UNTESTED: Windows cannot
# be built on the project's Linux machines; the spec's Windows settings are checked on Linux
# (tests/release/test_release_rules.py).
#
#   powershell -ExecutionPolicy Bypass -File scripts\build-windows.ps1
#
# Needs Python 3.11 (python.org, "py" launcher) and, for the installer, Inno Setup 6 (iscc.exe).
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

$Version = (Select-String -Path pyproject.toml -Pattern '^version = "(.+)"').Matches[0].Groups[1].Value
Write-Host "GridDesk $Version"

if (-not (Test-Path .venv\Scripts\python.exe)) { py -3.11 -m venv .venv }
.venv\Scripts\python.exe -m pip install -q --upgrade pip
.venv\Scripts\python.exe -m pip install -q -e ".[dev]"

# build\pyinstaller\griddesk\griddesk.exe: no console window, the icon and the version resource.
.venv\Scripts\python.exe -m PyInstaller --noconfirm build.spec `
    --distpath build\pyinstaller --workpath build\pyinstaller-work
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

New-Item -ItemType Directory -Force dist | Out-Null
$Zip = "dist\griddesk-$Version-windows-x64.zip"
if (Test-Path $Zip) { Remove-Item $Zip }
Compress-Archive -Path build\pyinstaller\griddesk -DestinationPath $Zip
Write-Host $Zip

$Iscc = Get-Command iscc.exe -ErrorAction SilentlyContinue
if (-not $Iscc) { $Iscc = Get-Item "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" -ErrorAction SilentlyContinue }
if ($Iscc) {
    & $Iscc "/DAppVersion=$Version" "/DSourceDir=$Root\build\pyinstaller\griddesk" `
        "/DIconFile=$Root\build\pyinstaller-work\icons\griddesk.ico" "/O$Root\dist" `
        release\windows\griddesk.iss
    if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
} else {
    Write-Warning "Inno Setup 6 not found: only the zip was made (https://jrsoftware.org/isinfo.php)"
}
