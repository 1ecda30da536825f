"""The building view (楼栋门户图) and a tree node's ledger export, in the window."""
