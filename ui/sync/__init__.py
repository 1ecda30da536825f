"""The 同步 page: USB bundles, enrollment and background sync with the district hub."""
