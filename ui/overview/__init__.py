"""The 概览 page: the community at a glance."""
