"""Checking a case: the form's own inputs and its repeating rows are reported apart."""

from __future__ import annotations

import pytest

from community.casebook import services as casebook
from community.casebook.services import CaseInput, CaseInvalid


def test_row_errors_and_field_errors_are_reported_apart(ctx):
    data = CaseInput(
        slug="x",  # too short
        title="庁内の橋梁点検を外部化した事例",
        direction="outside",
        cost_initial="たくさん",
        costs=[{"kind": "initial", "item": "点検委託", "amount": "12,000円"}, {"amount": "5"}],
        sources=[{"title": "報告書", "url": "ftp://example.com/r.pdf"}],
    )
    with pytest.raises(CaseInvalid) as caught:
        casebook.validate(data, None)
    err = caught.value
    assert {"slug", "cost_initial"} <= set(err.form_fields)
    assert not any(key.startswith(("costs", "sources")) for key in err.form_fields)
    assert set(err.rows) == {"costs-1", "sources-0"}
    assert err.fields == {**err.form_fields, **err.rows}


def test_amounts_in_yen(ctx):
    assert casebook.parse_yen("1,200,000円") == 1_200_000
    assert casebook.parse_yen("１２００") == 1200
    assert casebook.parse_yen("") is None
    with pytest.raises(ValueError, match="."):
        casebook.parse_yen("12万")
    with pytest.raises(ValueError, match="."):
        casebook.parse_yen("9" * 16)
