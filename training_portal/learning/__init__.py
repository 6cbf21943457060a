"""Learner records: what each person read, tried, passed, and how that stands today."""
