import pytest

import support.calls as calls


@pytest.fixture
def payers(db, tmp_path):
    """The small ward of support.calls: resident number -> payer id."""
    return calls.import_payers(tmp_path)
