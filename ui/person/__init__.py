"""The person page (一人一档): the dialog that opens from any list of people."""
