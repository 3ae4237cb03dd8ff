"""End-to-end tests: a whole field day, and short forms of the fault scripts in ``stress/``."""
