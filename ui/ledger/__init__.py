"""The 台账 menu: importing a resident ledger (the wizard) and exporting ledgers and lists."""
