"""Read-only figures and look-ups for the partnership and trainers, built on the layers below."""
