"""The KPI kernels' own copy of the vocabulary must match the data-pack schema."""

import numpy as np
import pytest

from reserva.calendar import NEVER
from reserva.errors import InputError
from reserva.io import arrays, schema
from reserva.kpi._codes import as_codes
from reserva.vocab import CLAIM_STATUSES, EXIT_REASONS


def test_vocabulary_matches_schema_and_array_edge():
    assert CLAIM_STATUSES == schema.CLAIM_STATUSES
    assert EXIT_REASONS == schema.EXIT_REASONS
    assert NEVER == arrays.NEVER


def test_text_and_int_codes_agree():
    names = np.array(["paid", "open", "partial", "rejected", "paid"], dtype=object)
    codes = as_codes(names, CLAIM_STATUSES, table="claims", column="status")
    assert codes.tolist() == [1, 0, 3, 2, 1]
    assert as_codes(codes, CLAIM_STATUSES, table="claims", column="status").tolist() == codes.tolist()


def test_unknown_values_listed_at_once():
    with pytest.raises(InputError) as err:
        as_codes(["paid", "pending", "void", "pending"], CLAIM_STATUSES, table="claims", column="status")
    assert sorted(c.value for c in err.value.cells) == ["pending", "void"]
    with pytest.raises(InputError):
        as_codes(np.array([0, 4]), CLAIM_STATUSES, table="claims", column="status")
