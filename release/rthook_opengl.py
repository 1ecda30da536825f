"""PyInstaller runtime hook: stand-ins for PySide6.QtOpenGL and QtOpenGLWidgets, which the
build leaves out (9 MB). pyqtgraph imports both when it loads, but touches them only when a
plot is drawn with OpenGL, which GridDesk never enables (pyqtgraph's useOpenGL stays False).
The stand-ins are found only when the real modules are not there."""

import importlib.abc
import importlib.machinery
import sys
import types

_STUBBED = {"PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets"}


class _NoOpenGL(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in _STUBBED:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        return types.ModuleType(spec.name, "Not in this build: GridDesk draws without OpenGL.")

    def exec_module(self, module):
        def __getattr__(name):
            if name == "QOpenGLWidget":  # pyqtgraph subclasses it when it loads; never made
                from PySide6.QtWidgets import QWidget

                module.QOpenGLWidget = type("QOpenGLWidget", (QWidget,), {})
                return module.QOpenGLWidget
            raise AttributeError(f"{module.__name__}.{name}: OpenGL is not in this build")

        module.__getattr__ = __getattr__


sys.meta_path.append(_NoOpenGL())  # last: the real modules win when a build has them
