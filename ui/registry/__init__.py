"""The 楼栋住户 page: the tree, households, residents, search, and their dialogs and models."""
