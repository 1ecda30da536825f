"""Ledgers (台账) in and out: reading Excel/CSV ledgers, importing residents, writing .xlsx."""
