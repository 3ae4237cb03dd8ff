"""Fault scripts: the system under bad networks, crashes, concurrency and bad input."""
