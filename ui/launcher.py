"""Entry point of `griddesk`: the window, or (without Qt) any other command."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from app.cli import build_parser, run_command

_STARTED = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) == 1 and argv[0].lower().endswith(".gdsync"):
        # A double-click on a sync bundle (the desktop entry's `griddesk %f`): the window on
        # this PC's database, importing it.
        return run_window(None, open_bundle=Path(argv[0]))
    args = build_parser().parse_args(argv)
    if args.command:
        return run_command(args)
    return run_window(args.db, smoke=args.smoke, user=args.user)


def _warm_search_keys() -> None:
    from app.registry.search_keys import name_search_key

    name_search_key("张三")


def run_window(db_path: Path | None, *, smoke: bool = False, user: str | None = None,
               open_bundle: Path | None = None) -> int:
    from PySide6.QtCore import QLibraryInfo, QLockFile, QTimer, QTranslator
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

    from app.database import (
        OpenError,
        community_info,
        default_db_path,
        open_community_db,
        upgrade_notice,
    )
    from app.resources import resource_path
    from ui.community_dialog import CommunityDialog
    from ui.main_window import MainWindow
    from ui.resources import install_fonts

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("GridDesk")
    app.setApplicationDisplayName("社区网格通")
    app.setDesktopFileName("griddesk")  # the menu entry's icon and name on Wayland/taskbars
    app.setWindowIcon(QIcon(str(resource_path("icons/griddesk.svg"))))
    app.setFont(install_fonts())
    # Qt's own words (OK/Cancel of standard dialogs, file dialogs) in Chinese too.
    translator = QTranslator(app)
    qt_translations = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load("qtbase_zh_CN", qt_translations):
        app.installTranslator(translator)

    def fail(title: str, message: str) -> int:
        if smoke:
            print(f"{title}:{message}", file=sys.stderr)
        else:
            QMessageBox.critical(None, title, message)
        return 1

    path = Path(db_path) if db_path else default_db_path()
    if not path.exists():
        if smoke:
            return fail("无法打开数据库", f"找不到数据库文件：{path}")
        if open_bundle is not None:
            return fail("还没有社区数据库",
                        f"这台电脑上还没有社区网格通的数据库（{path}），无法导入同步包"
                        f"“{open_bundle.name}”。\n请先从开始菜单打开“社区网格通”，新建或打开"
                        "本社区的数据库并向区里登记，再双击同步包导入。")
        dialog = CommunityDialog(path)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return 0
        path = dialog.opened_path or path

    lock = QLockFile(f"{path}.lock")
    lock.setStaleLockTime(0)  # a crashed instance's lock is recognised by its dead PID
    if not lock.tryLock(200):
        return fail("社区网格通已在运行",
                    f"这个数据库已经在另一个社区网格通窗口中打开：{path}\n"
                    "请切换到那个窗口继续工作（同一份数据同时只能由一个窗口修改）。")
    try:
        db = open_community_db(path)
    except OpenError as exc:
        lock.unlock()
        return fail("无法打开数据库", exc.message)
    if community_info(db) is None:
        return fail("数据库还没有社区信息",
                    f"{path} 里还没有填写社区信息。请删除该文件后重新启动，按提示填写。")
    upgraded = upgrade_notice(db)  # a database from an earlier release, upgraded as it opened
    if upgraded and smoke:
        print(f"数据库已升级:{upgraded}", file=sys.stderr)

    session = _signed_in(db, path, smoke=smoke, user=user)
    if session is None:
        db.conn.close()
        lock.unlock()
        return 1 if smoke else 0
    notice = ""
    while True:
        window = MainWindow(db, path, session)
        window.show()
        _start_automatic_backups(window)
        # Once the window is up: pypinyin's dictionaries, which the first search needs (kept
        # off the start-up path, they would otherwise slow the first keystroke instead).
        QTimer.singleShot(300, _warm_search_keys)
        if notice:
            QTimer.singleShot(0, lambda w=window, n=notice: QMessageBox.information(
                w, "已从备份恢复", n))
        if upgraded and not smoke:
            QTimer.singleShot(0, lambda w=window, n=upgraded: QMessageBox.information(
                w, "数据库已升级", n))
            upgraded = None
        if open_bundle is not None:
            QTimer.singleShot(0, lambda w=window, b=open_bundle: _import_bundle(w, b))
            open_bundle = None
        if smoke:
            def finish(window: MainWindow = window) -> None:
                if os.environ.get("GRIDDESK_TIMING"):
                    print(f"shown_after_s={time.perf_counter() - _STARTED:.3f}",
                          file=sys.stderr)
                app.exit(0 if window.isVisible() else 3)
            QTimer.singleShot(0, finish)
        status = app.exec()
        # Closing stops the window's timers and background work (automatic backups, the hub
        # sync) before its connection closes: a smoke run's window is still open here, and a
        # backup finishing later would read through the closed connection.
        window.close()
        if getattr(window, "switch_requested", False):
            # 账户 › 切换账户: sign out (recorded) and ask who signs in, on the same file.
            from app import accounts

            accounts.sign_out(db, path)
            window.deleteLater()
            session = _signed_in(db, path, smoke=smoke, user=None, ask=True)
            if session is None:
                db.conn.close()
                break
            notice = ""
            continue
        db.conn.close()
        if not getattr(window, "restore_staged", False):
            break
        # 设置 → 从备份恢复 left a checked database beside this one: with every connection
        # closed, swap it in (the replaced file is kept aside) and open the window again.
        window.deleteLater()
        notice = _apply_restore(path)
        from app import accounts

        accounts.remember(path, None)   # the restored file has its own accounts: sign in again
        try:
            db = open_community_db(path)
        except OpenError as exc:
            lock.unlock()
            return fail("无法打开数据库", exc.message)
        session = _signed_in(db, path, smoke=smoke, user=user)  # the backup's own accounts
        if session is None:
            db.conn.close()
            break
    lock.unlock()
    return status


def _signed_in(db, path: Path, *, smoke: bool, user: str | None, ask: bool = False):
    """Who uses the window: the first administrator made now, --user with GRIDDESK_PASSWORD,
    a demo database's administrator, or the sign-in dialog. None: nobody (window not shown).
    Connections opened later on the same file (worker threads) get the same session."""
    from PySide6.QtWidgets import QDialog, QMessageBox

    from app import accounts
    from app.database import community_info
    from ui.accounts.signin import FirstAdminDialog, SignInDialog

    name = (community_info(db) or type("C", (), {"name": ""})).name
    session = None
    if not accounts.has_accounts(db):
        if smoke:           # nothing to protect yet; the smoke test checks the window opens
            return accounts.UNCLAIMED
        first = FirstAdminDialog(db, name)
        session = first.session if first.exec() == QDialog.DialogCode.Accepted else None
    elif user and os.environ.get("GRIDDESK_PASSWORD"):
        try:
            session = accounts.sign_in(db, user, os.environ["GRIDDESK_PASSWORD"])
        except accounts.SignInError as exc:
            if smoke:
                print(f"无法登录:{exc.message}", file=sys.stderr)
                return None
            QMessageBox.warning(None, "无法登录", exc.message)
    elif not user and not ask:
        session = accounts.current(db)     # a demo database signs in as it opens
    if session is None and accounts.has_accounts(db):
        if smoke:
            print("需要登录:请加 --user 用户名，并在环境变量 GRIDDESK_PASSWORD 中给出密码。",
                  file=sys.stderr)
            return None
        dialog = SignInDialog(db, name, user or "")
        session = dialog.session if dialog.exec() == QDialog.DialogCode.Accepted else None
    if session is not None:
        accounts.remember(path, session)
        if not smoke:   # the first administrator's sign-in made the data key: its recovery code
            from ui.accounts.recovery import show_new_recovery_code

            show_new_recovery_code(db)
    return session


def _import_bundle(window, bundle: Path) -> None:
    """The 同步 page, importing a bundle the user opened from the file manager."""
    window.events.show_page.emit(window.sync_page)
    window.sync_page.import_paths([bundle])


def _start_automatic_backups(window) -> None:
    from ui.accounts.backup_section import BackupSection

    section = window.findChild(BackupSection)
    if section is not None:
        section.start_schedule()


def _apply_restore(path: Path) -> str:
    from app.accounts import backup

    try:
        aside = backup.apply_staged_restore(path)
    except (OSError, backup.BackupError) as exc:
        backup.discard_staged(path)
        return f"没有恢复：{getattr(exc, 'message', exc)}。当前数据没有改动。"
    kept = f"原来的数据库已改名保留：{aside}\n" if aside else ""
    return (f"已用备份替换数据库。{kept}"
            "恢复的数据库是新的同步节点，请到“同步”页重新向区里登记。")


if __name__ == "__main__":
    # In the frozen app a big sync export's helper process starts this program again: it
    # must run the helper, not the window (app/sync/engine.py, _helper_process).
    import multiprocessing

    multiprocessing.freeze_support()
    raise SystemExit(main())
