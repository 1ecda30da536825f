"""The 重点人员核查 page and its dialogs (see app/keypersons)."""
