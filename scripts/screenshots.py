"""Screenshots of every page of the window at the office's screen sizes, for looking at.

    .venv/bin/python scripts/screenshots.py [--db FILE] [--out docs/screenshots]
        [--sizes 1024x768,1280x800,1920x1080]

Without --db it builds a demo community (and with --district a demo district) in a
temporary folder. Runs offscreen (or under Xvfb when DISPLAY is set): each page is grabbed
as the window draws it, one PNG per page and size, named <page>-<width>.png.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--district", action="store_true", help="a demo district instead")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--sizes", default="1024x768,1280x800,1920x1080")
    parser.add_argument("--prefix", default="")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.database import open_community_db
    from app.demo import build_demo, build_demo_district

    work = Path(tempfile.mkdtemp(prefix="griddesk-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work))
    os.environ.setdefault("GRIDDESK_DATA_DIR", str(work / "data"))
    path = args.db
    if path is None:
        path = work / ("中原区.sqlite" if args.district else "demo.sqlite")
        if args.district:
            build_demo_district(path, communities=3, residents=800, streets=2)
        else:
            build_demo(path, residents=2000)
    app = QApplication.instance() or QApplication([])
    from ui.resources import install_fonts

    app.setFont(install_fonts())
    from ui.main_window import MainWindow

    db = open_community_db(path)
    if args.db is None:   # the demo as its administrator sees it (at a district: view only)
        from app import accounts

        if not args.district:   # as `griddesk demo` makes it
            accounts.create_demo_accounts(db)
        accounts.sign_in(db, "admin", accounts.DEMO_PASSWORD)
    window = MainWindow(db, path)     # a file without accounts: open to its first user
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)
    for size in args.sizes.split(","):
        width, height = (int(n) for n in size.split("x"))
        window.resize(width, height)
        for i in range(window.nav.count()):
            window.nav.setCurrentRow(i)
            for _ in range(20):
                app.processEvents()
            name = f"{args.prefix}{i:02d}-{window.nav.item(i).text()}-{width}.png"
            window.grab().save(str(args.out / name))
            print(args.out / name)
    window.close()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
