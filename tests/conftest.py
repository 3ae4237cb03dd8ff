"""Top-level pytest configuration: shared fixtures for every test package.

``tests.support.fixtures`` provides the ``live_server`` fixture (the real sync server on a
loopback port, over SQLite and PostgreSQL). pytest only accepts ``pytest_plugins`` here, in the
top-level conftest.
"""

import os

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

pytest_plugins = ["tests.support.fixtures"]
