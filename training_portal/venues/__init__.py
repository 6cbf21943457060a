"""Venues: join codes, memberships (staff and managers), leavers and the venue's training policy."""
