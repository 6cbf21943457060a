"""`flask reminders send`: refresher reminders to staff and weekly digests to managers."""
