"""Accounts: people, passwords, one-time links and sessions."""
