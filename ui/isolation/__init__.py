"""The 居家隔离 page: the 今日 board, case dialogs, printing the notice set and release form."""
