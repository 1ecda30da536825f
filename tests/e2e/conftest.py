"""The frozen app built once for the whole test session (release/dist.py: PyInstaller with
build.spec, then the .deb and the .tar.gz): the frozen-build tests and the install test share
it, since a build takes a minute or two. Under pytest-xdist (make test) the modules that use it
run on one worker (tests/conftest.py), so it is still built once, first."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def frozen_dist(tmp_path_factory):
    """release.dist.Built: the one-folder app, the .deb and the .tar.gz."""
    if sys.platform.startswith("linux"):
        missing = [tool for tool in ("objdump", "strip", "dpkg-deb") if shutil.which(tool) is None]
        if missing:
            pytest.fail(f"The Linux build needs {' and '.join(missing)} (packages binutils, "
                        "dpkg); run scripts/system-deps.sh")
    else:
        pytest.skip("the packages are built on Linux (Windows: scripts/build-windows.ps1)")
    sys.path.insert(0, str(ROOT))
    from release import dist

    out = tmp_path_factory.mktemp("frozen")
    # GRIDDESK_PREBUILT=FOLDER wraps a one-folder build made before (while working on tests).
    prebuilt = os.environ.get("GRIDDESK_PREBUILT")
    try:
        return dist.make_dist(out / "dist", out / "work", Path(prebuilt) if prebuilt else None,
                              fast=True)
    except SystemExit as exc:
        pytest.fail(f"the build failed: {exc}")
