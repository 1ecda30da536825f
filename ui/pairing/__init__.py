"""The 党员联户 page: coverage, members, spot checks, and the pairing dialogs and models."""
