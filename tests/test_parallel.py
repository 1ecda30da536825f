"""make test's parallel run (tests/conftest.py): the modules that share the frozen build or the
CUPS queue go to one worker as one unit, every other module runs whole on one worker."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import conftest

FROZEN = ["tests/e2e/test_frozen.py", "tests/e2e/test_install.py"]
CUPS = ["tests/app/documents/test_printer.py", "tests/app/isolation/test_isolation_print_queue.py",
        "tests/ui/isolation/test_case_print.py"]


@pytest.fixture(scope="module")
def scheduler(pytestconfig):
    pytest.importorskip("xdist")
    with pytest.MonkeyPatch.context() as mp:   # what make test passes: -n 2 --dist loadfile
        mp.setattr(pytestconfig.option, "dist", "loadfile")
        mp.setattr(pytestconfig.option, "tx", ["popen", "popen"], raising=False)
        return conftest.pytest_xdist_make_scheduler(pytestconfig, None)


def test_the_modules_sharing_a_session_resource_are_one_unit_of_work(scheduler):
    scopes = {m: scheduler._split_scope(f"{m}::test_x[1]") for m in FROZEN + CUPS}
    assert {scopes[m] for m in FROZEN} == {"frozen_dist"}
    assert {scopes[m] for m in CUPS} == {"cups_pdf"}


def test_every_other_module_is_a_unit_of_its_own(scheduler):
    assert scheduler._split_scope("tests/e2e/test_hub_network.py::test_a[x]") == \
        "tests/e2e/test_hub_network.py"
    assert scheduler._split_scope("tests/test_parallel.py::test_b") == "tests/test_parallel.py"


def test_the_frozen_build_is_collected_first_and_the_rest_keeps_its_order():
    items = [SimpleNamespace(nodeid=f"tests/{n}.py::t", fixturenames=f) for n, f in
             [("a", ["tmp_path"]), ("b", []), ("e2e/test_frozen", ["griddesk", "frozen_dist"]),
              ("c", ["cups_pdf"]), ("e2e/test_install", ["frozen_dist", "tmp_path"])]]
    conftest.pytest_collection_modifyitems(None, items)
    assert [i.nodeid.split("/")[-1] for i in items] == [
        "test_frozen.py::t", "test_install.py::t", "a.py::t", "b.py::t", "c.py::t"]
