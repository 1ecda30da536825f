"""Sending a finished PDF to a printer as the PDF itself (vectors, never page images).

    job = send_pdf(data, "办公室HP", copies=2, sides=LONG_EDGE, title="居家隔离文书")
    # the queue holds the whole job now: log the print (job.printer, job.job_id)

One interface, two spoolers:

- CUPS (Linux, UOS, Kylin): `lp` takes the PDF on stdin; the queue's own filters turn it into
  what the printer speaks. `lpstat` lists queues and says whether one is stopped or refusing
  jobs, so such a queue is refused before anything is sent.
- Windows: pdfium's FPDF_RenderPage draws each page into the printer's device context
  (GDI), which stays vector; copies and duplex go into the printer's DEVMODE.

Anything that goes wrong raises PrinterError with a Chinese message that says what to do;
`send_pdf` returns only once the spooler accepted the whole job, the moment to log it.
No Qt here: the window and the command line share it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ONE_SIDED = "one-sided"
LONG_EDGE = "two-sided-long-edge"
SHORT_EDGE = "two-sided-short-edge"
SIDES = (ONE_SIDED, LONG_EDGE, SHORT_EDGE)

SAVE_INSTEAD = "也可以先另存为PDF，拷到能打印的电脑上打印。"


class PrinterError(Exception):
    """The job was not accepted; `message` says what to do, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PrintJob:
    """A job the spooler accepted (it holds all of it)."""

    printer: str
    job_id: str          # CUPS request id ("办公室HP-12"), or the Windows spooler's job number
    copies: int
    sides: str


def _pdf_bytes(pdf: bytes | str | Path) -> bytes:
    return pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()


def _check_options(copies: int, sides: str) -> None:
    if copies < 1 or copies > 999:
        raise PrinterError(f"份数 {copies} 不对：请填 1 到 999 之间的数。")
    if sides not in SIDES:
        raise ValueError(f"sides must be one of {SIDES}, not {sides!r}")


# --- CUPS ------------------------------------------------------------------------------------

CUPS_MISSING = ("这台电脑没有安装打印服务（CUPS），无法打印。请让管理员安装“cups”并添加打印机；"
                + SAVE_INSTEAD)
CUPS_DOWN = ("打印服务（CUPS）没有运行，无法打印。请重启电脑，或让管理员启动打印服务"
             "（sudo systemctl start cups）后重试；" + SAVE_INSTEAD)


def _no_printer(name: str) -> str:
    return (f"找不到打印机“{name}”。请在打印对话框中选择已安装的打印机，或在系统的"
            f"“设置 → 打印机”中添加它后重试；" + SAVE_INSTEAD)


def _stopped(name: str, reason: str = "") -> str:
    why = f"（{reason}）" if reason else ""
    return (f"打印机“{name}”已暂停{why}，任务不会打出来。请检查打印机（开机、联网、缺纸、"
            f"卡纸），然后在系统的“设置 → 打印机”中把它恢复（继续打印）后重试；" + SAVE_INSTEAD)


def _refusing(name: str, reason: str = "") -> str:
    why = f"（{reason}）" if reason else ""
    return (f"打印机“{name}”目前不接受打印任务{why}。请让管理员在系统的“设置 → 打印机”中"
            f"把它设为接受任务，或换一台打印机；" + SAVE_INSTEAD)


def _rejected(name: str, said: str) -> str:
    return (f"打印机“{name}”拒绝了这个打印任务：{said}。请检查打印机后重试，或换一台打印机；"
            + SAVE_INSTEAD)


class CupsSpooler:
    """Queues through the CUPS command-line tools (present wherever CUPS is: lp, lpstat)."""

    def __init__(self, lp: str = "lp", lpstat: str = "lpstat", timeout: float = 120) -> None:
        self.lp, self.lpstat, self.timeout = lp, lpstat, timeout

    def _run(self, args: list[str], data: bytes | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "LANGUAGE": ""}   # parseable output
        if shutil.which(args[0]) is None:
            raise PrinterError(CUPS_MISSING)
        try:
            return subprocess.run(args, input=data, capture_output=True, env=env,
                                  timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PrinterError(CUPS_DOWN) from exc

    @staticmethod
    def _said(done: subprocess.CompletedProcess) -> str:
        return (done.stderr or done.stdout or b"").decode("utf-8", "replace").strip()

    @staticmethod
    def _server_down(said: str) -> bool:
        return any(s in said.lower() for s in ("scheduler is not running", "unable to connect",
                                               "connection refused", "bad file descriptor"))

    def printers(self) -> list[str]:
        try:
            done = self._run([self.lpstat, "-e"])
        except PrinterError:        # no CUPS: no printers
            return []
        if done.returncode != 0:
            return []
        return [line.strip() for line in done.stdout.decode("utf-8", "replace").splitlines()
                if line.strip()]

    def default_printer(self) -> str | None:
        try:
            done = self._run([self.lpstat, "-d"])
        except PrinterError:
            return None
        match = re.search(r"system default destination:\s*(\S+)",
                          done.stdout.decode("utf-8", "replace"))
        return match.group(1) if match else None

    def check(self, name: str) -> None:
        """Refuse a queue that does not exist, is stopped or refuses jobs (lpstat -p -a)."""
        done = self._run([self.lpstat, "-p", name, "-a", name])
        said = self._said(done)
        out = done.stdout.decode("utf-8", "replace")
        if self._server_down(said):
            raise PrinterError(CUPS_DOWN)
        if done.returncode != 0 or not out.strip():
            raise PrinterError(_no_printer(name))
        lines = out.splitlines()
        for i, line in enumerate(lines):
            reason = lines[i + 1].strip() if i + 1 < len(lines) and lines[i + 1][:1] in "\t " \
                else ""
            if reason in ("Paused", "Rejecting Jobs"):
                reason = ""
            if line.startswith(f"printer {name} disabled"):
                raise PrinterError(_stopped(name, reason))
            if line.startswith(f"{name} not accepting"):
                raise PrinterError(_refusing(name, reason))

    def send(self, pdf: bytes, printer: str, copies: int, sides: str, title: str,
             pages: str | None) -> PrintJob:
        self.check(printer)
        args = [self.lp, "-d", printer, "-n", str(copies), "-o", f"sides={sides}",
                "-t", title or "GridDesk"]
        if pages:
            args += ["-P", pages]
        done = self._run(args, pdf)          # lp returns once the queue holds the whole file
        said = self._said(done)
        if done.returncode != 0:
            low = said.lower()
            if self._server_down(said):
                raise PrinterError(CUPS_DOWN)
            if "does not exist" in low or "unknown destination" in low or "not found" in low:
                raise PrinterError(_no_printer(printer))
            if "not accepting" in low:
                raise PrinterError(_refusing(printer))
            raise PrinterError(_rejected(printer, said.removeprefix("lp: ") or "没有说明原因"))
        match = re.search(r"request id is (\S+)", done.stdout.decode("utf-8", "replace"))
        if match is None:
            raise PrinterError(_rejected(printer, said or "没有返回任务编号"))
        return PrintJob(printer, match.group(1), copies, sides)

    def wait(self, job: PrintJob, timeout: float = 60) -> bool:
        """True once CUPS lists the job as completed (for tests and the benchmark)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self._run([self.lpstat, "-W", "completed", "-o", job.printer])
            if any(line.split()[:1] == [job.job_id]
                   for line in done.stdout.decode("utf-8", "replace").splitlines()):
                return True
            time.sleep(0.2)
        return False


# --- Windows: pdfium draws into the printer's device context ---------------------------------

# DEVMODEW: dmDeviceName is WCHAR[32]; then WORD spec, driver version, size, driver extra;
# DWORD dmFields at 72; the printer part of the union from 76 (orientation, paper size,
# length, width, scale, copies at 86, default source, quality, color at 92, duplex at 94).
DM_FIELDS_AT, DM_COPIES_AT, DM_DUPLEX_AT = 72, 86, 94
DM_COPIES, DM_DUPLEX = 0x100, 0x1000
DMDUP = {ONE_SIDED: 1, LONG_EDGE: 2, SHORT_EDGE: 3}     # SIMPLEX, VERTICAL, HORIZONTAL
FPDF_ANNOT, FPDF_PRINTING = 0x01, 0x800
PHYSICALOFFSETX, PHYSICALOFFSETY, LOGPIXELSX, LOGPIXELSY = 112, 113, 88, 90


def patch_devmode(devmode: bytearray, copies: int, sides: str) -> bytearray:
    """Copies and duplex written into a printer's DEVMODEW (the driver's own settings kept)."""
    fields = int.from_bytes(devmode[DM_FIELDS_AT:DM_FIELDS_AT + 4], "little")
    devmode[DM_FIELDS_AT:DM_FIELDS_AT + 4] = (fields | DM_COPIES | DM_DUPLEX).to_bytes(4, "little")
    devmode[DM_COPIES_AT:DM_COPIES_AT + 2] = copies.to_bytes(2, "little", signed=True)
    devmode[DM_DUPLEX_AT:DM_DUPLEX_AT + 2] = DMDUP[sides].to_bytes(2, "little", signed=True)
    return devmode


def page_box(width_pt: float, height_pt: float, dpi_x: int, dpi_y: int, offset_x: int,
             offset_y: int) -> tuple[int, int, int, int]:
    """Where FPDF_RenderPage draws a page in device units: at its real size, placed on the
    sheet's corner (the printable area starts `offset` in), so the PDF's margins hold."""
    return (-offset_x, -offset_y, round(width_pt * dpi_x / 72), round(height_pt * dpi_y / 72))


def page_numbers(pages: str | None, total: int) -> list[int]:
    """0-based page indexes for a range like "1-3,5" (all when None)."""
    if not pages:
        return list(range(total))
    out: list[int] = []
    for part in pages.split(","):
        first, _, last = part.strip().partition("-")
        a, b = int(first), int(last or first)
        out += [i - 1 for i in range(a, b + 1) if 1 <= i <= total]
    return out


class WindowsSpooler:    # pragma: no cover - needs Windows; its pure parts are tested above
    """GDI printing: the printer's DEVMODE with copies and duplex, one StartDoc, and each page
    drawn by pdfium's FPDF_RenderPage (Windows-only export of the pdfium pypdfium2 ships)."""

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        self.ctypes, self.wintypes = ctypes, wintypes
        self.winspool = ctypes.WinDLL("winspool.drv")
        self.gdi = ctypes.WinDLL("gdi32")
        hdc = ctypes.c_void_p          # a device context is a pointer: never let it be an int
        self.gdi.CreateDCW.restype = hdc
        self.gdi.CreateDCW.argtypes = [wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.LPCWSTR,
                                       ctypes.c_void_p]
        for name in ("StartPage", "EndPage", "EndDoc", "AbortDoc", "DeleteDC"):
            getattr(self.gdi, name).argtypes = [hdc]
        self.gdi.StartDocW.argtypes = [hdc, ctypes.c_void_p]
        self.gdi.GetDeviceCaps.argtypes = [hdc, ctypes.c_int]

    def _pdfium(self):
        import pypdfium2_raw
        from pypdfium2_raw import bindings

        lib = getattr(bindings, "_libs", {}).get("pdfium") or self.ctypes.CDLL(
            str(Path(pypdfium2_raw.__file__).parent / "pdfium.dll"))
        try:
            render = lib.FPDF_RenderPage
        except AttributeError as exc:       # a pdfium built without its Windows printing
            raise PrinterError("这个版本的程序缺少 Windows 打印组件（pdfium 的 FPDF_RenderPage），"
                               "无法直接打印。请更新本程序；" + SAVE_INSTEAD) from exc
        render.argtypes = [self.ctypes.c_void_p, self.ctypes.c_void_p] + \
            [self.ctypes.c_int] * 6
        render.restype = None
        return render

    def printers(self) -> list[str]:
        ct, w = self.ctypes, self.wintypes
        needed, count = w.DWORD(), w.DWORD()
        flags = 2 | 4      # PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS
        self.winspool.EnumPrintersW(flags, None, 4, None, 0, ct.byref(needed), ct.byref(count))
        buffer = ct.create_string_buffer(needed.value)

        class Info4(ct.Structure):
            _fields_ = [  # noqa: RUF012 (ctypes wants a list)
                ("name", w.LPWSTR), ("server", w.LPWSTR), ("attributes", w.DWORD)]

        if not self.winspool.EnumPrintersW(flags, None, 4, buffer, needed, ct.byref(needed),
                                           ct.byref(count)):
            return []
        return [i.name for i in ct.cast(buffer, ct.POINTER(Info4 * count.value)).contents]

    def default_printer(self) -> str | None:
        size = self.wintypes.DWORD(0)
        self.winspool.GetDefaultPrinterW(None, self.ctypes.byref(size))
        buffer = self.ctypes.create_unicode_buffer(size.value or 1)
        return buffer.value if self.winspool.GetDefaultPrinterW(
            buffer, self.ctypes.byref(size)) else None

    def send(self, pdf: bytes, printer: str, copies: int, sides: str, title: str,
             pages: str | None) -> PrintJob:
        import pypdfium2 as pdfium

        ct, w = self.ctypes, self.wintypes
        handle = w.HANDLE()
        if not self.winspool.OpenPrinterW(printer, ct.byref(handle), None):
            raise PrinterError(_no_printer(printer))
        try:
            size = self.winspool.DocumentPropertiesW(None, handle, printer, None, None, 0)
            devmode = ct.create_string_buffer(max(size, 220))
            self.winspool.DocumentPropertiesW(None, handle, printer, devmode, None, 2)
            patched = patch_devmode(bytearray(devmode.raw), copies, sides)
            ct.memmove(devmode, bytes(patched), len(patched))
            # The driver merges our copies and duplex into its own settings (DM_IN | DM_OUT).
            self.winspool.DocumentPropertiesW(None, handle, printer, devmode, devmode, 2 | 8)
        finally:
            self.winspool.ClosePrinter(handle)
        hdc = self.gdi.CreateDCW("WINSPOOL", printer, None, devmode)
        if not hdc:
            raise PrinterError(_no_printer(printer))

        class DocInfo(ct.Structure):
            _fields_ = [  # noqa: RUF012 (ctypes wants a list)
                ("cbSize", ct.c_int), ("name", w.LPCWSTR), ("output", w.LPCWSTR),
                ("datatype", w.LPCWSTR), ("type", w.DWORD)]

        render = self._pdfium()
        document = pdfium.PdfDocument(pdf)
        try:
            job = self.gdi.StartDocW(hdc, ct.byref(DocInfo(ct.sizeof(DocInfo), title, None,
                                                           None, 0)))
            if job <= 0:
                raise PrinterError(_rejected(printer, "打印机没有接受文档"))
            caps = [self.gdi.GetDeviceCaps(hdc, c) for c in
                    (LOGPIXELSX, LOGPIXELSY, PHYSICALOFFSETX, PHYSICALOFFSETY)]
            for index in page_numbers(pages, len(document)):
                page = document[index]
                x, y, width, height = page_box(*page.get_size(), *caps)
                if self.gdi.StartPage(hdc) <= 0:
                    self.gdi.AbortDoc(hdc)
                    raise PrinterError(_rejected(printer, "打印机中止了任务"))
                render(hdc, page.raw, x, y, width, height, 0, FPDF_ANNOT | FPDF_PRINTING)
                self.gdi.EndPage(hdc)
                page.close()
            if self.gdi.EndDoc(hdc) <= 0:
                raise PrinterError(_rejected(printer, "打印机没有完成任务"))
            return PrintJob(printer, str(job), copies, sides)
        finally:
            document.close()
            self.gdi.DeleteDC(hdc)


def spooler() -> CupsSpooler | WindowsSpooler:
    return WindowsSpooler() if sys.platform == "win32" else CupsSpooler()


def printers() -> list[str]:
    """Names of the installed printers (queues)."""
    return spooler().printers()


def default_printer() -> str | None:
    return spooler().default_printer()


def send_pdf(pdf: bytes | str | Path, printer: str, *, copies: int = 1,
             sides: str = ONE_SIDED, title: str = "GridDesk", pages: str | None = None
             ) -> PrintJob:
    """Send the PDF itself to `printer`; returns once the spooler holds the whole job.
    `pages`: a range like "1-3,5" (all when None). Raises PrinterError (Chinese message)
    for a missing printer, a stopped or refusing queue, or a rejected job."""
    _check_options(copies, sides)
    if not printer:
        raise PrinterError("没有选择打印机。请在打印对话框中选择一台打印机；" + SAVE_INSTEAD)
    return spooler().send(_pdf_bytes(pdf), printer, copies, sides, title, pages)
