"""Fixtures for the supervisors tests (all async tests run on trio's virtual clock)."""

from __future__ import annotations

import logging
import random

import pytest

from supervisors.testing import Recorder

SEED = 20240601


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(SEED)


@pytest.fixture
def sup_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog capturing everything the supervisors log."""
    caplog.set_level(logging.DEBUG, logger="supervisors")
    return caplog
