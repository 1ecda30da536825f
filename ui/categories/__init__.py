"""Categories of people (五色管理) in the window: the list, the forms, the 类别 column."""
