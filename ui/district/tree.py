"""The district › street › community levels of the 楼栋住户 tree at a district (the grids
and everything below hang under their community, as the page builds them)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QStandardItem

from app.district import TreeNode


def add_levels(root: QStandardItem, top: TreeNode,
               make: Callable[[str, str, str], QStandardItem]
               ) -> tuple[dict[str, QStandardItem], list[QStandardItem]]:
    """Append the district node and its streets and communities under `root` (each labelled
    with its households). Returns the community items by id, for the grids to hang under,
    and the district and street items (to open on load; communities stay closed).
    `make(text, kind, id)` makes an item the way the page does."""
    communities: dict[str, QStandardItem] = {}
    opened: list[QStandardItem] = []

    def add(parent: QStandardItem, node: TreeNode) -> QStandardItem:
        it = make(node.label, node.kind, node.id)
        parent.appendRow(it)
        if node.kind == "community":
            communities[node.id] = it
        else:
            opened.append(it)
        for child in node.children:
            add(it, child)
        return it

    add(root, top)
    return communities, opened

