"""Top-level pytest configuration: shared fixtures for every test package.

``tests.support.fixtures`` provides the ``live_server`` fixture (the real sync server on a
loopback port, over SQLite and PostgreSQL). pytest only accepts ``pytest_plugins`` here, in the
top-level conftest.
"""

import os

from hypothesis import HealthCheck, settings

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

# Property tests judge results, never speed: the suite runs in 3 processes on a 2-CPU machine,
# where an example that takes 20 ms when idle can pass Hypothesis' default 200 ms deadline
# (DeadlineExceeded, or Flaky when the replay is fast) or trip the too_slow health check.
# Tests that set their own settings still inherit these two.
settings.register_profile(
    "suite", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("suite")

pytest_plugins = ["tests.support.fixtures"]
