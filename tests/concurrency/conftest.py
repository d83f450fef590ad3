import pytest


@pytest.fixture(autouse=True)
def _check_invariants(invariants_hold_afterwards):
    """Every concurrency test ends with `manage.py check_invariants` on what its parallel requests
    committed (issue 11 part 4)."""
