"""The 设置 page: the community's particulars, where its data lives, and backups."""
