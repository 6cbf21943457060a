"""What managers see: the venue's training matrix, a person's record, exports and inspection links."""
