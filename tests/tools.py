"""Outside tools and services the tests use, and what happens when one is missing.

On a workstation a test whose tool (Chromium, poppler, admesh, PrusaSlicer, the glTF
validator, Redis, an HEVC encoder) is missing is skipped and says why. `.ci/run` sets
`CASEFORGE_REQUIRE_TOOLS=1`, and then a missing tool fails the test instead: nothing can
silently stop running in CI. Only the exact value "1" turns this on, so that a stray `CI`
value cannot change what runs.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_TOOLS = os.environ.get("CASEFORGE_REQUIRE_TOOLS") == "1"


def tool_missing(message: str) -> None:
    """Skip the running test because a tool is missing, or fail it where tools are required."""
    if REQUIRE_TOOLS:
        pytest.fail(f"{message} (CASEFORGE_REQUIRE_TOOLS=1: every tool is required)")
    pytest.skip(message)


def needs(available: object, message: str) -> pytest.MarkDecorator:
    """A mark that skips a test when `available` is false, unless tools are required.

    With tools required the test runs and must itself fail on the missing tool (call
    `tool_missing`), so the mark never hides it.
    """
    return pytest.mark.skipif(not available and not REQUIRE_TOOLS, reason=message)
