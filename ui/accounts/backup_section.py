"""The 备份 section of the 设置 page: automatic backups on a timer, 立即备份 to a USB stick with a
passphrase, and 从备份恢复 (shown with its date and counts, confirmed, then the window reopens on
the restored database)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.accounts import backup, keyslots
from app.accounts.backup import BackupCancelled, BackupError, BackupInfo
from app.database import community_info
from app.errors import FormError
from app.sync.usb import removable_folders
from ui.accounts import recovery
from ui.widgets.background import BackgroundTask, close_progress, progress_dialog

MUTED = "color: #5f6b7a;"
WARN = "color: #b3261e;"
MIN_PASSPHRASE = 8
CHECK_EVERY_MS = 30 * 60 * 1000     # is an automatic backup due? (every AUTO_INTERVAL_HOURS)
FIRST_CHECK_MS = 20 * 1000          # the first one a little after start, not during it


class BackupDialog(QDialog):
    """Where to (USB sticks first) and the passphrase, twice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("立即备份"))
        self.folder = QComboBox()
        self.folder.setObjectName("backupFolder")
        for stick in removable_folders():
            self.folder.addItem(self.tr("U盘：{0}").format(stick), str(stick))
        other = QPushButton(self.tr("选择其他文件夹…"))
        other.clicked.connect(self._choose)
        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(other)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setObjectName("passphraseAgain")
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet(WARN)
        self.error.setWordWrap(True)
        hint = QLabel(self.tr("备份文件用口令加密：U盘丢失也不会泄露居民信息。口令至少8个字符，"
                              "请记在安全的地方——忘记口令，备份就无法恢复。"))
        hint.setWordWrap(True)
        hint.setStyleSheet(MUTED)
        form = QFormLayout()
        form.addRow(self.tr("保存到"), where)
        form.addRow(self.tr("备份口令"), self.passphrase)
        form.addRow(self.tr("再输入一次"), self.again)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("开始备份"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def _choose(self) -> None:
        start = self.folder.currentData() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, self.tr("备份到哪个文件夹"), start)
        if chosen:
            self.set_folder(Path(chosen))

    def set_folder(self, folder: Path) -> None:
        self.folder.insertItem(0, str(folder), str(folder))
        self.folder.setCurrentIndex(0)

    def chosen(self) -> tuple[Path, str] | None:
        if self.result() != QDialog.DialogCode.Accepted:
            return None
        return Path(self.folder.currentData()), self.passphrase.text()

    def _accept(self) -> None:
        if not self.folder.currentData():
            self.error.setText(self.tr("请选择备份到哪里：插入U盘，或点“选择其他文件夹…”。"))
        elif len(self.passphrase.text()) < MIN_PASSPHRASE:
            self.error.setText(self.tr("口令至少8个字符。"))
        elif self.passphrase.text() != self.again.text():
            self.error.setText(self.tr("两次输入的口令不一致，请重新输入。"))
        else:
            self.accept()


class BackupSection(QGroupBox):
    """`restore_staged()` fires when a restored database waits beside the current one; the
    window then closes and the launcher reopens it on the restored file."""

    restore_staged = Signal()
    backup_done = Signal(object)     # BackupInfo, or the exception

    def __init__(self, db, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("备份"))
        self.db, self.db_path = db, Path(db_path)
        self.task: BackgroundTask | None = None
        self.task_kind = ""
        self.progress: QProgressDialog | None = None
        self.auto_error = ""
        self.stopped = False
        backup.discard_staged(self.db_path)   # left over from a restore that never finished

        self.last_auto = QLabel()
        self.last_auto.setObjectName("lastAutoBackup")
        self.last_auto.setWordWrap(True)
        self.last_manual = QLabel()
        self.last_manual.setObjectName("lastManualBackup")
        self.last_manual.setWordWrap(True)
        folder = QLabel(str(backup.auto_folder(self.db_path)))
        folder.setWordWrap(True)
        folder.setStyleSheet(MUTED)
        self.backup_button = QPushButton(self.tr("立即备份(&B)…"))
        self.backup_button.setObjectName("backupNow")
        self.backup_button.clicked.connect(lambda: self.backup_now())
        self.restore_button = QPushButton(self.tr("从备份恢复(&R)…"))
        self.restore_button.setObjectName("restoreBackup")
        self.restore_button.clicked.connect(lambda: self.restore_from())
        self.recovery_button = QPushButton(self.tr("更换恢复密钥(&K)…"))
        self.recovery_button.setObjectName("renewRecoveryKey")
        self.recovery_button.clicked.connect(
            lambda: recovery.renew_recovery_code(self.db, self) and self.refresh())
        self.sealing = QLabel()
        self.sealing.setObjectName("backupSealing")
        self.sealing.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.recovery_button)
        buttons.addStretch()
        hint = QLabel(self.tr(
            "程序打开时和打开期间每{0}小时自动备份一次，保留最近7天每天一份、再往前4周每周一份。"
            "自动备份和数据库在同一台电脑上；请定期“立即备份”到U盘，放在办公室以外的地方。"
        ).format(backup.AUTO_INTERVAL_HOURS))
        hint.setWordWrap(True)
        hint.setStyleSheet(MUTED)
        form = QFormLayout(self)
        form.addRow(self.tr("上次自动备份"), self.last_auto)
        form.addRow(self.tr("自动备份位置"), folder)
        form.addRow(self.tr("上次立即备份"), self.last_manual)
        form.addRow(self.tr("备份加密"), self.sealing)
        form.addRow(buttons)
        form.addRow(hint)
        self.refresh()

        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.auto_backup_if_due)
        self.first = QTimer(self)
        self.first.setSingleShot(True)
        self.first.timeout.connect(self.auto_backup_if_due)
        QTimer.singleShot(0, self, self._watch_window)

    def start_schedule(self) -> None:
        """Automatic backups: a little after start, then checked every half hour. Started by
        the launcher for the real window (a window a test builds makes none by itself)."""
        self.first.start(FIRST_CHECK_MS)
        self.timer.start()

    # --- state -----------------------------------------------------------------------------
    def refresh(self) -> None:
        last = backup.last_auto_backup(self.db_path)
        text = (self.tr("{0}（{1}）").format(f"{last[0]:%Y-%m-%d %H:%M}", last[1].name)
                if last else self.tr("还没有自动备份"))
        if self.auto_error:
            text += "\n" + self.auto_error
        self.last_auto.setText(text)
        self.last_auto.setStyleSheet(WARN if self.auto_error else "")
        manual = backup.last_manual_backup(self.db_path)
        self.last_manual.setText(self.tr("{0} → {1}").format(manual[0].replace("T", " "),
                                                             manual[1])
                                 if manual else self.tr("还没有备份到U盘"))
        self.last_manual.setStyleSheet("" if manual else WARN)
        self.sealing.setText(recovery.encryption_status(self.db))
        # Renewing needs the data key in this session (an account with a key slot).
        self.recovery_button.setVisible(keyslots.session_key(self.db) is not None)

    def busy(self) -> bool:
        return self.task is not None and self.task.running

    # --- closing the window stops a backup in progress ------------------------------------
    def _watch_window(self) -> None:
        self.window().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and watched is self.window():
            self.stop()
        return False

    def stop(self) -> None:
        self.stopped = True
        self.timer.stop()
        self.first.stop()
        if self.task is not None and self.task.running:
            self.task.stop()
        self._close_progress()

    # --- running work off the UI thread ---------------------------------------------------
    def _run(self, kind: str, fn, label: str | None, needs_db: bool = True
             ) -> BackgroundTask:
        self.task_kind = kind
        self.task = BackgroundTask(fn, self.db_path if needs_db else None, self)
        if label:
            self.progress = progress_dialog(self, label, self.tr("请稍候"), self.task,
                                            delay_ms=300)
        self.task.start()
        return self.task

    def _close_progress(self) -> None:
        if self.progress is not None:
            close_progress(self.progress)
            self.progress = None

    def _warn(self, title: str, exc: object) -> None:
        if isinstance(exc, BackupCancelled):
            return
        message = exc.message if isinstance(exc, BackupError) else self.tr(
            "没有完成：{0}\n当前数据没有改动。").format(exc)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # --- automatic backups ----------------------------------------------------------------
    def auto_backup_if_due(self, now: datetime | None = None) -> BackgroundTask | None:
        if self.stopped or self.busy() or not self.window().isVisible() \
                or not backup.auto_backup_due(self.db_path, now or datetime.now()):
            return None
        task = self._run("auto", lambda db, progress, cancelled: backup.auto_backup(
            db, progress=progress, cancelled=cancelled), None)
        task.done.connect(self._auto_done)
        task.error.connect(self._auto_failed)
        return task

    def _auto_done(self, info: BackupInfo) -> None:
        if self.stopped:
            return
        self.auto_error = ""
        self.refresh()
        self.backup_done.emit(info)

    def _auto_failed(self, exc: object) -> None:
        if self.stopped:
            return
        if not isinstance(exc, BackupCancelled):
            reason = exc.message if isinstance(exc, BackupError) else str(exc)
            self.auto_error = self.tr("自动备份失败：{0}").format(reason)
        self.refresh()
        self.backup_done.emit(exc)

    # --- 立即备份 ----------------------------------------------------------------------------
    def backup_now(self, folder: Path | None = None, passphrase: str | None = None
                   ) -> BackgroundTask | None:
        if self.busy():
            QMessageBox.information(self, self.tr("立即备份"),
                                    self.tr("正在备份，请等这次备份完成。"))
            return None
        if folder is None or passphrase is None:
            dialog = BackupDialog(self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            folder, passphrase = dialog.chosen()  # type: ignore[misc]
        task = self._run("manual", lambda db, progress, cancelled: backup.manual_backup(
            db, folder, passphrase=passphrase, progress=progress, cancelled=cancelled),
            self.tr("正在备份并校验…"))
        task.done.connect(self._manual_done)
        task.error.connect(self._manual_failed)
        return task

    def _manual_done(self, info: BackupInfo) -> None:
        self._close_progress()
        if self.stopped:     # the window closed meanwhile
            return
        backup.record_manual_backup(self.db_path, info)
        self.refresh()
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("备份完成"), self.tr(
            "已备份并校验：\n{0}\n{1}\n\n请把U盘放在安全的地方，并记住口令。").format(
                info.path, backup.describe(info)), parent=self)
        box.setObjectName("backupDoneBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.backup_done.emit(info)

    def _manual_failed(self, exc: object) -> None:
        self._close_progress()
        if self.stopped:     # the window closed meanwhile
            return
        self._warn(self.tr("备份没有完成"), exc)
        self.backup_done.emit(exc)

    # --- 从备份恢复 --------------------------------------------------------------------------
    def choose_backup_file(self) -> Path | None:
        sticks = removable_folders()
        start = str(sticks[0]) if sticks else str(backup.auto_folder(self.db_path))
        name, _ = QFileDialog.getOpenFileName(self, self.tr("选择备份文件"), start,
                                              self.tr("社区网格通备份 (*.gdbak)"))
        return Path(name) if name else None

    def ask_passphrase(self, prompt: str | None = None) -> str | None:
        """The passphrase of a 口令 backup, or a password or the recovery key for a sealed
        automatic one (backup.secret_prompt says which)."""
        text, ok = QInputDialog.getText(self, self.tr("打开加密的备份"),
                                        prompt or self.tr("这份备份有口令保护，请输入备份时"
                                                          "设置的口令："),
                                        QLineEdit.EchoMode.Password)
        return text if ok else None

    def confirm_restore(self, info: BackupInfo) -> bool:
        box = self.restore_question(info)
        box.exec()
        return box.clickedButton() is box.property("restoreButton")

    def restore_question(self, info: BackupInfo) -> QMessageBox:
        """The backup's date, community and counts, and what restoring will do."""
        current = community_info(self.db)
        other = ""
        if current and info.code and info.code != current.code:
            other = self.tr("注意：这是“{0}”的备份，不是本社区“{1}”的！\n\n").format(
                info.community, current.name)
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("确认恢复"), other + self.tr(
            "{0}\n\n恢复后，当前数据库会被这份备份替换；备份之后录入的内容将不在恢复的数据里。"
            "当前数据库不会删除，会改名保留在同一文件夹。\n\n"
            "恢复的数据库是新的同步节点，恢复后请到“同步”页重新向区里登记。"
            "登记后第一次与区里同步时，备份之后已经同步到区里的内容会从区里取回；"
            "没有同步到区里的内容需要重新录入。\n\n"
            "确定要恢复吗？").format(backup.describe(info)), parent=self)
        restore = box.addButton(self.tr("恢复"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setProperty("restoreButton", restore)
        return box

    def restore_from(self, path: Path | None = None, passphrase: str | None = None
                     ) -> BackgroundTask | None:
        """Choose, unlock and show a backup, confirm, then unpack and check it beside the
        database; nothing is replaced until the window has closed its connections."""
        if self.busy():
            QMessageBox.information(self, self.tr("从备份恢复"),
                                    self.tr("正在备份，请等这次备份完成后再恢复。"))
            return None
        path = path or self.choose_backup_file()
        if path is None:
            return None
        try:
            if passphrase is None and backup.is_encrypted(path):
                passphrase = self.ask_passphrase(backup.secret_prompt(path))
                if passphrase is None:
                    return None
            info = backup.inspect_backup(path, passphrase)
        except BackupError as exc:
            self._warn(self.tr("无法恢复"), exc)
            return None
        if not self.confirm_restore(info):
            return None
        try:
            backup.check_may_restore(self.db, path)
        except FormError as exc:
            QMessageBox.information(self, self.tr("无法恢复"), exc.message)
            return None
        task = self._run("restore", lambda _db, progress, cancelled: backup.stage_restore(
            path, self.db_path, passphrase, progress=progress, cancelled=cancelled),
            self.tr("正在校验并解开备份…"), needs_db=False)
        task.done.connect(self._staged)
        task.error.connect(self._restore_failed)
        return task

    def _staged(self, info: BackupInfo) -> None:
        self._close_progress()
        if self.stopped:     # the window closed meanwhile
            return
        window = self.window()
        window.restore_staged = True  # type: ignore[attr-defined]  # read by ui.launcher
        self.restore_staged.emit()
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("恢复"), self.tr(
            "备份已校验无误：\n{0}\n\n窗口将关闭，并用恢复的数据重新打开。").format(
                backup.describe(info)), parent=self)
        box.setObjectName("restoreReadyBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: window.close())
        box.open()

    def _restore_failed(self, exc: object) -> None:
        self._close_progress()
        if self.stopped:     # the window closed meanwhile
            return
        backup.discard_staged(self.db_path)
        self._warn(self.tr("无法恢复"), exc)
