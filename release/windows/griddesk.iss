; 社区网格通 GridDesk: per-user installer for Windows 10/11 (Inno Setup 6). UNTESTED.
; No administrator rights: installs under %LOCALAPPDATA%\Programs; the data stays in
; %LOCALAPPDATA%\GridDesk, which uninstalling leaves alone.
; scripts\build-windows.ps1 passes AppVersion, SourceDir (the one-folder build) and IconFile.
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6F2B7C1E-4D1A-4E8B-9B57-2C1D6A0E9F21}
AppName=社区网格通
AppVersion={#AppVersion}
AppPublisher=GridDesk
DefaultDirName={localappdata}\Programs\GridDesk
DefaultGroupName=社区网格通
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputBaseFilename=griddesk-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\griddesk.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Languages]
Name: "chs"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\社区网格通"; Filename: "{app}\griddesk.exe"
Name: "{userdesktop}\社区网格通"; Filename: "{app}\griddesk.exe"; Tasks: desktopicon

[Registry]
; .gdsync bundles open the import (per user: HKCU\Software\Classes).
Root: HKA; Subkey: "Software\Classes\.gdsync"; ValueType: string; ValueName: ""; ValueData: "GridDesk.SyncBundle"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\GridDesk.SyncBundle"; ValueType: string; ValueName: ""; ValueData: "社区网格通同步包"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\GridDesk.SyncBundle\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\griddesk.exe,0"
Root: HKA; Subkey: "Software\Classes\GridDesk.SyncBundle\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\griddesk.exe"" ""%1"""

[Run]
Filename: "{app}\griddesk.exe"; Description: "打开社区网格通"; Flags: nowait postinstall skipifsilent
