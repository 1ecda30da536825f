"""A real CUPS queue for printing tests: CUPS-PDF writes each job's output PDF into a folder the
test reads back. The session fixture `cups_pdf` installs CUPS and CUPS-PDF when missing and
allowed (root with apt-get, through scripts/system-deps.sh), starts cupsd when it is not
running (and stops that cupsd at the end unless another test session still prints through it),
and adds a queue of its own with lpadmin (named after the process, so that parallel workers and
sessions never remove each other's queue). It skips only when CUPS cannot be had (not root and
not installed, or not running)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.documents.printer import CupsSpooler, PrintJob

QUEUE = f"GridDeskTestPDF_{os.getpid()}"     # one queue per test process
# Every test session on this machine holds USERS shared while it prints; STARTING is held while
# one session checks, starts or stops cupsd, so that two never start it or stop it under another.
STARTING = Path(tempfile.gettempdir()) / "griddesk-test-cupsd.start.lock"
USERS = Path(tempfile.gettempdir()) / "griddesk-test-cupsd.users.lock"
CONF = Path("/etc/cups/cups-pdf.conf")     # cups-pdf:/<name> reads cups-pdf-<name>.conf beside it
PPDS = (Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"),
        Path("/usr/share/cups/model/CUPS-PDF_opt.ppd"))
ROOT = Path(__file__).resolve().parent.parent
C = {**os.environ, "LC_ALL": "C", "LANG": "C"}


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=C, check=False)


def _running() -> bool:
    return shutil.which("lpstat") is not None and \
        "scheduler is running" in _run("lpstat", "-r").stdout


def _backend() -> bool:
    return any(Path(d, "cups-pdf").exists() for d in ("/usr/lib/cups/backend",
                                                      "/usr/libexec/cups/backend"))


@dataclass
class CupsPdfQueue:
    name: str
    folder: Path
    spooler: CupsSpooler

    def output(self, job: PrintJob, timeout: float = 60) -> Path:
        """The PDF CUPS-PDF wrote for `job` (…-job_<n>.pdf), once the job completed."""
        number = job.job_id.rsplit("-", 1)[1]
        assert self.spooler.wait(job, timeout), f"job {job.job_id} did not complete"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = list(self.folder.glob(f"*job_{number}.pdf"))
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no output for {job.job_id} in {self.folder}")

    def stop(self, reason: str = "") -> None:
        _run("cupsdisable", *(["-r", reason] if reason else []), self.name)

    def reject(self, reason: str = "") -> None:
        _run("cupsreject", *(["-r", reason] if reason else []), self.name)

    def resume(self) -> None:
        _run("cupsenable", self.name)
        _run("cupsaccept", self.name)


class Unavailable(Exception):
    """CUPS cannot be had here; the message says why."""


@contextlib.contextmanager
def _cupsd(root: bool):
    """cupsd running for the block: started when it is not, and stopped afterwards only by the
    session that started it and only when no other session still holds USERS."""
    with open(STARTING, "a") as starting, open(USERS, "a") as users:
        daemon = None
        fcntl.flock(starting, fcntl.LOCK_EX)
        try:
            if not _running():
                if not root:
                    raise Unavailable("cupsd is not running and this is not root to start it")
                daemon = subprocess.Popen([shutil.which("cupsd") or "/usr/sbin/cupsd", "-f"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 20
            while not _running():
                if time.monotonic() > deadline:
                    raise Unavailable("cupsd did not start within 20 s")
                time.sleep(0.1)
            fcntl.flock(users, fcntl.LOCK_SH)
        except BaseException:
            _stop(daemon)
            raise
        finally:
            fcntl.flock(starting, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(starting, fcntl.LOCK_EX)
            try:
                fcntl.flock(users, fcntl.LOCK_UN)
                if daemon is not None:
                    try:
                        fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        pass        # another session prints through it: it stays running
                    else:
                        _stop(daemon)
            finally:
                fcntl.flock(users, fcntl.LOCK_UN)
                fcntl.flock(starting, fcntl.LOCK_UN)


def _remove_orphans() -> None:
    """The queues of test processes that died before removing theirs."""
    prefix = QUEUE.rsplit("_", 1)[0] + "_"
    for queue in _run("lpstat", "-e").stdout.split():
        pid = queue.removeprefix(prefix)
        if queue.startswith(prefix) and pid.isdigit() and not Path(f"/proc/{pid}").exists():
            _run("lpadmin", "-x", queue)
            CONF.with_name(f"cups-pdf-{queue.lower()}.conf").unlink(missing_ok=True)


def _stop(daemon: subprocess.Popen | None) -> None:
    if daemon is not None:
        daemon.terminate()
        daemon.wait(10)


@contextlib.contextmanager
def cups_pdf_queue(folder: Path, name: str = QUEUE):
    """A CUPS-PDF queue writing into `folder` for the time of the block (cupsd started and
    stopped around it when it was not running, see _cupsd). Raises Unavailable when that
    cannot be."""
    root = os.geteuid() == 0
    if (shutil.which("lpadmin") is None or not _backend()) and root \
            and shutil.which("apt-get"):
        subprocess.run(["bash", str(ROOT / "scripts" / "system-deps.sh")], check=False)
    if shutil.which("lpadmin") is None or not _backend():
        raise Unavailable("CUPS and CUPS-PDF are not installed and this is not root: install "
                          "cups and printer-driver-cups-pdf (make test does so as root)")
    with _cupsd(root):
        _remove_orphans()
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o1777)
        conf = CONF.with_name(f"cups-pdf-{name.lower()}.conf")
        try:
            conf.write_text(f"Out {folder}\nAnonDirName {folder}\nLabel 0\nTitlePref 1\n"
                            "UserUMask 0000\n", encoding="utf-8")
        except OSError as exc:
            raise Unavailable(f"cannot configure CUPS-PDF ({exc}); run as root") from exc
        ppd = next((p for p in PPDS if p.exists()), None)
        driver = ["-P", str(ppd)] if ppd else ["-m", "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"]
        added = _run("lpadmin", "-p", name, "-E", "-v", f"cups-pdf:/{name.lower()}", *driver)
        if added.returncode != 0:
            conf.unlink(missing_ok=True)
            raise Unavailable(f"cannot add a CUPS queue: {added.stderr.strip()}")
        try:
            yield CupsPdfQueue(name, folder, CupsSpooler())
        finally:
            _run("lpadmin", "-x", name)
            conf.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def cups_pdf(tmp_path_factory):
    try:
        with cups_pdf_queue(tmp_path_factory.mktemp("cups-pdf")) as queue:
            yield queue
    except Unavailable as exc:
        pytest.skip(str(exc))
