"""Test helpers shared by every test package: a live sync server, fixtures, a faulty TCP proxy."""
