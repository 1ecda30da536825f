"""The Windows build's own settings, as plain data build.spec uses there and the tests read on
Linux: no console window for the GUI, the icon, and the version resource (Explorer's
Properties › Details: product name and version)."""

from __future__ import annotations

PRODUCT_NAME = "社区网格通"
COMPANY = "GridDesk"
DESCRIPTION = "社区网格通 GridDesk：社区网格管理、居家隔离、党员联户"
EXE_OPTIONS = {"console": False, "icon": "griddesk.ico"}  # the icon is made at build time


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """'0.2.0' → (0, 2, 0, 0): Windows keeps four numbers."""
    numbers = [int(part) for part in version.split(".")[:4] if part.isdigit()]
    return tuple([*numbers, 0, 0, 0, 0][:4])  # type: ignore[return-value]


def version_resource(version: str) -> str:
    """PyInstaller's version-file text (a VSVersionInfo expression) for this version."""
    v = version_tuple(version)
    dotted = ".".join(map(str, v))
    strings = {
        "CompanyName": COMPANY, "FileDescription": DESCRIPTION, "FileVersion": dotted,
        "InternalName": "griddesk", "OriginalFilename": "griddesk.exe",
        "ProductName": PRODUCT_NAME, "ProductVersion": version,
        "LegalCopyright": "GridDesk",
    }
    structs = ",\n          ".join(f"StringStruct({k!r}, {val!r})" for k, val in strings.items())
    return f"""# UTF-8
VSVersionInfo(
  ffi=FixedFileInfo(filevers={v}, prodvers={v}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('080404b0', [
          {structs}])]),
    VarFileInfo([VarStruct('Translation', [2052, 1200])])
  ]
)
"""
