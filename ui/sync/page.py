"""The 同步 page: USB bundles, enrollment, background sync with the district hub, conflicts;
in a district database, the district's view of its communities."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import accounts
from app.errors import FormError
from app.sync import clockcheck, compaction, engine, enrollment
from app.sync.bundle import BundleError
from app.sync.usb import removable_folders
from db import sync as store  # plain reads of sync state
from ui.events import AppEvents
from ui.sync.pending import PendingEnrollments
from ui.widgets.background import BackgroundTask, close_progress, progress_dialog, start

MUTED = "color: #5f6b7a;"


def when(iso: str | None) -> str:
    return iso.replace("T", " ") if iso else "—"


def pick_folder(parent: QWidget, title: str) -> Path | None:
    """A folder, offering a plugged-in USB stick first."""
    sticks = removable_folders()
    if sticks:
        choices = [f"U盘：{p}" for p in sticks] + ["选择其他文件夹…"]
        choice, ok = QInputDialog.getItem(parent, title, "检测到U盘，保存到：", choices, 0, False)
        if not ok:
            return None
        if choice != choices[-1]:
            return sticks[choices.index(choice)]
    start = str(sticks[0]) if sticks else str(Path.home())
    folder = QFileDialog.getExistingDirectory(parent, title, start)
    return Path(folder) if folder else None


class HubStatus(QObject):
    """What the background hub sync says, delivered on the UI thread: `status(online,
    message)` after each attempt and `received(count)` when changes came in."""

    status = Signal(bool, str)
    received = Signal(int)


def hub_sync_loop(url: str, interval_s: float, report: HubStatus):
    """The background sync with the hub, as a task for BackgroundTask: sync, wait, again, with
    backoff while the hub cannot be reached, until cancelled. It never blocks the window."""

    def run(db: sqlite_utils.Database, _progress, cancelled) -> None:
        from app.sync import client  # HTTP and TLS load on this worker, not at start-up

        backoff = 5.0
        while not cancelled():
            try:
                result = client.sync_once(db, url)
                report.status.emit(True, f"在线，上次同步 {time.strftime('%H:%M')}："
                                   f"{result.message}")
                if result.received:
                    report.received.emit(result.received)
                compaction.after_sync(db, cancelled)   # what the district confirmed goes
                wait, backoff = interval_s, 5.0
            except client.HubUnavailable as exc:
                report.status.emit(False, f"离线（{time.strftime('%H:%M')}）：{exc.message}")
                wait, backoff = backoff, min(backoff * 2, interval_s)
            except BundleError as exc:
                report.status.emit(False, exc.message)
                wait = interval_s
            slept = 0.0
            while slept < wait and not cancelled():
                time.sleep(0.2)
                slept += 0.2

    return run


class SyncPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, db_path: Path, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.db_path, self.events = db, db_path, events
        self.district = engine.role(db) == "district"
        self.hub_task: BackgroundTask | None = None   # the background hub sync
        self.hub_status = HubStatus(self)
        self.hub_status.status.connect(self._online_status)
        self.hub_status.received.connect(lambda _n: self.events.registry_changed.emit())
        self.task: BackgroundTask | None = None     # USB export or import running
        self.last_paths: list[Path] = []
        self.last_outcomes: list[engine.ImportOutcome] = []

        heading = QLabel(self.tr("与区里同步") if not self.district else self.tr("区县同步"))
        heading.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.state = QLabel()
        self.state.setObjectName("syncState")
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        usb = self.usb = QGroupBox(self.tr("U盘同步"))
        b_export = QPushButton(self.tr("导出同步包(&E)…") if not self.district
                               else self.tr("为所有社区导出同步包(&E)…"))
        b_import = QPushButton(self.tr("导入同步包(&I)…"))
        b_import_dir = QPushButton(self.tr("导入文件夹里的全部同步包(&F)…"))
        b_export.clicked.connect(self.export_bundles)
        b_import.clicked.connect(self.import_files)
        b_import_dir.clicked.connect(self.import_folder)
        b_compact = QPushButton(self.tr("整理同步记录(&C)"))
        b_compact.setToolTip(self.tr("删除区县已确认的同步记录、合并时间戳，在后台分批进行"))
        b_compact.clicked.connect(self.compact)
        row = QHBoxLayout(usb)
        for b in (b_export, b_import, b_import_dir, b_compact):
            row.addWidget(b)
        row.addStretch()

        enroll = QGroupBox(self.tr("登记"))
        erow = QHBoxLayout(enroll)
        if self.district:
            b_accept = QPushButton(self.tr("接受社区登记申请(&Q)…"))
            b_code = QPushButton(self.tr("生成联网登记码(&G)"))
            b_accept.clicked.connect(self.accept_request)
            b_code.clicked.connect(self.show_code)
            erow.addWidget(b_accept)
            erow.addWidget(b_code)
        else:
            b_request = QPushButton(self.tr("写出登记申请(&Q)…"))
            b_finish = QPushButton(self.tr("导入登记回执(&R)…"))
            b_online = QPushButton(self.tr("联网登记（登记码）(&G)…"))
            b_request.clicked.connect(self.write_request)
            b_finish.clicked.connect(self.finish_enrollment)
            b_online.clicked.connect(self.enroll_online)
            for b in (b_request, b_finish, b_online):
                erow.addWidget(b)
        erow.addStretch()

        self.online_box = QGroupBox(self.tr("联网同步"))
        url, minutes = engine.hub_settings(db)
        self.url = QLineEdit(url)
        self.url.setPlaceholderText("http://区里服务器地址:8787")
        self.interval = QSpinBox()
        self.interval.setRange(1, 1440)
        self.interval.setValue(minutes)
        self.interval.setSuffix(self.tr(" 分钟"))
        self.online = QLabel(self.tr("未设置服务器地址：只用U盘同步。"))
        self.online.setObjectName("onlineState")
        self.online.setWordWrap(True)
        b_save = QPushButton(self.tr("保存并开始联网同步(&S)"))
        b_save.clicked.connect(self.save_hub_settings)
        form = QFormLayout(self.online_box)
        form.addRow(self.tr("服务器地址"), self.url)
        form.addRow(self.tr("同步间隔"), self.interval)
        form.addRow(b_save)
        form.addRow(self.online)
        self.online_box.setVisible(not self.district)

        self.results = QListWidget()
        self.results.setObjectName("syncResults")
        self.results.setMaximumHeight(130)

        self.communities = QTableWidget(0, 8)
        self.communities.setObjectName("communityTable")
        self.communities.setHorizontalHeaderLabels(
            [self.tr("社区"), self.tr("代码"), self.tr("上次收到同步包"), self.tr("住户"),
             self.tr("居民"), self.tr("居家隔离在管"), self.tr("党员联户覆盖率"),
             self.tr("待发给社区的变更")])
        self.communities.verticalHeader().hide()
        self.communities.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.communities.horizontalHeader().setStretchLastSection(True)
        self.communities.setVisible(self.district)
        self.pending = PendingEnrollments(db, self) if self.district else None
        if self.pending is not None:
            self.pending.changed.connect(self.refresh)

        self.conflicts = QTableWidget(0, 5)
        self.conflicts.setObjectName("conflictTable")
        self.conflicts.setHorizontalHeaderLabels(
            [self.tr("数据"), self.tr("字段"), self.tr("保留的值"), self.tr("被覆盖的值"),
             self.tr("来自")])
        self.conflicts.verticalHeader().hide()
        self.conflicts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.conflicts.horizontalHeader().setStretchLastSection(True)
        b_reviewed = QPushButton(self.tr("标记为已查看(&K)"))
        b_reviewed.clicked.connect(self.mark_reviewed)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.state)
        layout.addWidget(enroll)
        if self.pending is not None:
            layout.addWidget(self.pending)
        layout.addWidget(usb)
        layout.addWidget(self.online_box)
        layout.addWidget(QLabel(self.tr("导入结果")))
        layout.addWidget(self.results)
        if self.district:
            layout.addWidget(QLabel(self.tr("本区社区")))
            layout.addWidget(self.communities, 2)
        crow = QHBoxLayout()
        crow.addWidget(QLabel(self.tr("同步冲突（双方同时修改了同一项，已按最后修改保留）")), 1)
        crow.addWidget(b_reviewed)
        layout.addLayout(crow)
        layout.addWidget(self.conflicts, 1)
        self.refresh()
        if url and not self.district:
            self.start_worker()

    # --- state ---------------------------------------------------------------------------
    def refresh(self) -> None:
        state = engine.sync_state(self.db)
        lines = [self.tr("本机指纹：{0}").format(state.fingerprint)]
        if self.district:
            lines.append(self.tr("已登记社区：{0} 个").format(
                sum(1 for p in state.peers if p["role"] == "community")))
        else:
            district = engine.district_peer(self.db)
            if engine.needs_reenrollment(self.db):
                lines.append(self.tr("本机数据库已从备份恢复，是新的同步节点：请重新登记"
                                     "（写出登记申请交给区里，或用登记码联网登记），"
                                     "区里接受后才能继续同步。"))
            if district is None:
                lines.append(self.tr("尚未在区里登记：请先“写出登记申请”交给区里，"
                                     "再“导入登记回执”；或用区里给的登记码联网登记。"))
            else:
                lines.append(self.tr("已登记到：{0}（{1}）").format(district["name"],
                                                              district["code"]))
                lines.append(self.tr("上次导出：{0}    上次导入：{1}").format(
                    when(district["last_export_at"]), when(district["last_import_at"])))
                lines.append(self.tr("区里尚未确认的变更：{0} 项").format(
                    state.unacknowledged.get(district["node_id"], 0)))
        lines += clockcheck.clock_warnings(self.db)
        lines.append(self.tr("待查看的冲突：{0} 项").format(state.conflicts))
        lines.append(compaction.status_text(self.db))   # what compaction could free, or why not
        self.state.setText("\n".join(lines))
        rows = store.conflicts(self.db)
        self.conflicts.setRowCount(len(rows))
        names = {p["node_id"]: p["name"] for p in state.peers}
        for i, c in enumerate(rows):
            for j, value in enumerate((c["tbl"], c["col"], c["kept_value"], c["lost_value"],
                                       names.get(c["peer"], c["peer"]))):
                item = QTableWidgetItem("" if value is None else str(value))
                item.setData(Qt.ItemDataRole.UserRole, c["id"])
                self.conflicts.setItem(i, j, item)
        if self.district:
            communities = engine.community_rows(self.db)
            self.communities.setRowCount(len(communities))
            for i, c in enumerate(communities):
                for j, value in enumerate((c["name"], c["code"], when(c["last_import_at"]),
                                           c["households"], c["residents"],
                                           c["active_cases"], f"{c['coverage']:.1%}",
                                           c["unacknowledged"])):
                    self.communities.setItem(i, j, QTableWidgetItem(str(value)))
            self.communities.resizeColumnsToContents()
            if self.pending is not None:
                self.pending.refresh()

    def _say(self, lines: list[str]) -> None:
        self.results.clear()
        self.results.addItems(lines)
        self.refresh()

    def _guard(self, action) -> Any:
        try:
            return action()
        except (BundleError, FormError) as exc:
            QMessageBox.warning(self, self.tr("同步"), exc.message)
            return None

    def compact(self) -> BackgroundTask:
        """Compaction on a worker thread in bounded steps (app/sync/compaction), with a
        progress dialog that does not block the window; 取消 stops after the current step."""
        def work(db, progress, cancelled):
            return compaction.run(db, lambda n, total, _what: progress(n, total), cancelled)

        task = start(self, work, self.db_path)
        dialog = progress_dialog(self, self.tr("正在整理同步记录…（可继续查看；最后压缩文件时"
                                               "保存会稍候）"),
                                 self.tr("同步"), task, modal=False)

        def done(result: compaction.Outcome) -> None:
            close_progress(dialog)
            self._say([self.tr("已整理同步记录：删除 {0} 条已确认记录，合并 {1} 个时间戳，"
                               "封存 {3} 条较早的审计记录，用时 {2:.1f} 秒。").format(
                result.removed, result.packed, result.seconds, result.sealed)])

        def failed(exc) -> None:
            close_progress(dialog)
            self._say([self.tr("整理同步记录没有完成：{0}。已整理的部分保留，"
                               "可以稍后再点“整理同步记录”继续。").format(exc)])
        task.done.connect(done)
        task.error.connect(failed)
        return task

    # --- USB -----------------------------------------------------------------------------
    def export_bundles(self) -> None:
        folder = pick_folder(self, self.tr("导出同步包"))
        if folder:
            self.export_to(folder)

    def export_to(self, folder: Path) -> BackgroundTask | None:
        """Write the bundles on a worker thread (a snapshot takes seconds); the results list
        says what was written, `last_paths` holds the files."""
        if self.district:
            def work(db, _progress, _cancelled):
                return engine.export_for_all(db, folder)
        else:
            district = engine.district_peer(self.db)
            if district is None:
                QMessageBox.information(self, self.tr("导出同步包"),
                                        self.tr("本社区还没有在区里登记，请先完成登记。"))
                return None

            def work(db, _progress, _cancelled):
                return engine.export_bundles(db, district["node_id"], folder)

        def done(paths: list[Path]) -> None:
            self.last_paths = paths
            accounts.record(self.db, "sync", what="usb export", folder=str(folder),
                            files=len(paths))
            self._say([self.tr("已写入并校验：{0}").format(p) for p in paths]
                      or [self.tr("没有需要导出的同步包。")])

        return self._in_background(self.tr("正在导出同步包…"), work, done, cancel=False)

    def import_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, self.tr("导入同步包"), str(Path.home()),
                                                self.tr("同步包 (*.gdsync)"))
        if names:
            self.import_paths([Path(n) for n in names])

    def import_folder(self) -> None:
        folder = pick_folder(self, self.tr("导入同步包"))
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths: list[Path]) -> BackgroundTask:
        """Import bundle files and folders on a worker thread, with progress per file; the
        results list says what each did, `last_outcomes` holds the outcomes."""
        def work(db, progress, cancelled) -> list[engine.ImportOutcome]:
            # the window asks for either one folder or some files
            if len(paths) == 1 and paths[0].is_dir():
                return engine.import_folder(db, paths[0], progress=progress,
                                            cancelled=cancelled)
            return engine.import_files(db, paths, progress=progress, cancelled=cancelled)

        def done(outcomes: list[engine.ImportOutcome]) -> None:
            self.last_outcomes = outcomes
            if not outcomes:
                self._say([self.tr("所选文件夹里没有同步包（*.gdsync）。")])
                return
            accounts.record(self.db, "sync", what="usb import",
                            files={o.file: o.status for o in outcomes})
            self._say([f"{o.file}：{o.message}" for o in outcomes])
            if any(o.applied for o in outcomes):
                self.events.registry_changed.emit()

        return self._in_background(self.tr("正在导入同步包…"), work, done, cancel=True)

    def busy(self) -> bool:
        return self.task is not None and self.task.running

    def _in_background(self, label: str, work, done, *, cancel: bool) -> BackgroundTask:
        """Run USB work off the window's thread on its own connection (a snapshot takes
        seconds, and the window must not freeze), with a progress dialog; the page's
        buttons wait until it is done."""
        self.usb.setEnabled(False)
        task = BackgroundTask(work, self.db_path, self)
        progress = progress_dialog(self, label, self.tr("同步"), task, cancel=cancel)

        def advance(i: int, total: int) -> None:
            if total > 0:
                progress.setLabelText(self.tr("{0}（第 {1}/{2} 个文件）").format(
                    label, min(i + 1, total), total))

        def finish() -> None:
            close_progress(progress)
            self.usb.setEnabled(True)

        def succeeded(result) -> None:
            finish()
            done(result)

        def failed(exc) -> None:
            finish()
            message = getattr(exc, "message", None) or self.tr(
                "没有完成：{0}\n本机数据没有改动，请检查U盘后重试。").format(exc)
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("同步"), message, parent=self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            self._say([message])

        task.progress.connect(advance)
        task.done.connect(succeeded)
        task.error.connect(failed)
        self.task = task
        task.start()
        return task

    # --- enrollment ----------------------------------------------------------------------
    def write_request(self) -> None:
        folder = pick_folder(self, self.tr("写出登记申请"))
        if not folder:
            return
        reason = self._ask_reason()
        if reason is None:
            return
        done = self._guard(lambda: engine.write_enroll_request(self.db, folder, reason))
        if done:
            path, fingerprint = done
            QMessageBox.information(self, self.tr("登记申请"), self.tr(
                "已写出登记申请：{0}\n\n请把文件交给区里，并电话告诉区里本机指纹：\n{1}").format(
                    path, fingerprint))
            self.refresh()

    def finish_enrollment(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("导入登记回执"), str(Path.home()),
                                              self.tr("登记回执 (*.gdenroll)"))
        if name:
            district = self._guard(lambda: engine.accept_enroll_response(self.db, Path(name)))
            if district:
                self._say([engine.enrolled_message(district)])

    def enroll_online(self) -> None:
        url = self.url.text().strip()
        if not url:
            QMessageBox.information(self, self.tr("联网登记"),
                                    self.tr("请先在下方填写区里服务器地址。"))
            return
        code, ok = QInputDialog.getText(self, self.tr("联网登记"), self.tr(
            "请输入区里给的6位登记码（区里确认替换后再次登记时可不填）："))
        if not ok:
            return
        reason = self._ask_reason()
        if reason is None:
            return
        from app.sync import client

        try:
            district = client.enroll_online(self.db, url, code, reason=reason)
        except client.EnrollmentPending as exc:
            QMessageBox.information(self, self.tr("联网登记"), exc.message)
            return
        except (client.HubUnavailable, BundleError) as exc:
            QMessageBox.warning(self, self.tr("联网登记"), exc.message)
            return
        self._say([engine.enrolled_message(district)])

    def accept_request(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("接受社区登记申请"), str(Path.home()),
                                              self.tr("登记申请 (*.gdenroll)"))
        if not name:
            return
        request = self._guard(lambda: engine.read_enroll_request(Path(name)))
        if request is None:
            return
        again = self.tr("\n这个社区从备份恢复了数据库，接受后原来的同步节点将停用。") \
            if request.replaces else ""
        answer = QMessageBox.question(self, self.tr("核对指纹"), self.tr(
            "社区：{0}（{1}）\n指纹：{2}{3}\n\n请电话与社区核对指纹，一致后再接受。接受吗？").format(
                request.name, request.code, request.fingerprint, again))
        if answer != QMessageBox.StandardButton.Yes:
            return
        outcome = self._guard(lambda: engine.accept_enroll_request(self.db, request))
        if outcome is None:
            return
        if outcome == "pending":
            self._say([self.tr("“{0}”的申请要替换已登记的电脑，已列入“待确认的登记申请”，"
                               "核对指纹后确认替换，再接受这份申请写出回执。").format(
                                   request.name)])
            return
        folder = pick_folder(self, self.tr("保存登记回执"))
        if folder:
            path = self._guard(lambda: engine.write_enroll_response(self.db, request.node_id,
                                                                    folder))
            if path:
                self._say([self.tr("已接受“{0}”的登记，回执：{1}").format(request.name, path)])

    def show_code(self) -> None:
        issued = enrollment.issue_code(self.db)
        QMessageBox.information(self, self.tr("联网登记码"), issued.notice())

    def _ask_reason(self) -> str | None:
        """Why the office enrolls; the district sees it when a request replaces a computer.
        None when cancelled."""
        choices = list(enrollment.REASONS[::-1])
        if engine.needs_reenrollment(self.db):     # restored: say so first
            choices.insert(0, choices.pop(choices.index("从备份恢复")))
        reason, ok = QInputDialog.getItem(
            self, self.tr("登记原因"), self.tr("登记原因（区里会看到；可以改写）："),
            choices, 0, True)
        return reason.strip() if ok else None

    # --- online ----------------------------------------------------------------------------
    def save_hub_settings(self) -> None:
        saved = self._guard(lambda: engine.set_hub_settings(self.db, self.url.text(),
                                                            self.interval.value()))
        if saved is not None:
            self.start_worker()

    def start_worker(self) -> None:
        self.stop_worker()
        url, minutes = engine.hub_settings(self.db)
        if not url:
            self.online.setText(self.tr("未设置服务器地址：只用U盘同步。"))
            return
        self.online.setText(self.tr("正在连接 {0} …").format(url))
        self.hub_task = BackgroundTask(hub_sync_loop(url, minutes * 60, self.hub_status),
                                       self.db_path, self)
        self.hub_task.start()

    def _online_status(self, online: bool, message: str) -> None:
        self.online.setText(message)
        self.online.setStyleSheet("" if online else "color: #b26a00;")
        self.refresh()

    def stop_worker(self) -> None:
        """The window closes: the hub sync stops; a USB import stops after the bundle it is
        applying (each is whole or not at all), an export is waited for."""
        if self.hub_task is not None:
            self.hub_task.stop()
        self.hub_task = None
        if self.busy():
            self.task.stop()

    def mark_reviewed(self) -> None:
        item = self.conflicts.currentItem()
        if item is not None:
            engine.mark_conflict_reviewed(self.db, item.data(Qt.ItemDataRole.UserRole))
            self.refresh()
