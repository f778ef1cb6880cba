"""Test configuration: Hypothesis profiles chosen by ``HYPOTHESIS_PROFILE``.

- ``ci``: what ``.ci/run`` uses; derandomized so that a CI run is reproducible.
- ``dev``: the default on a developer machine, quick.
- ``thorough``: many more examples, for a nightly or a pre-release run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
