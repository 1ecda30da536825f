"""Accounts in the window: sign-in, the idle lock, the 账户 and 审计 pages, the 备份 section."""
