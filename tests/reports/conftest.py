import pytest

import support.reports_package as reports_package
from support.personas import make_user


@pytest.fixture
def report_ward(db, tmp_path, supervisor):
    operators = [make_user("rep_op1", "operator"), make_user("rep_op2", "operator")]
    reports_package.load(tmp_path, operators=operators, supervisor=supervisor)
    return {"operators": operators}
