"""The 事件诉求 page: grid events and residents' requests, and the district's escalated events."""
