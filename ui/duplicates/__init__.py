"""The same person in two communities: the district's list and a community's notices."""
