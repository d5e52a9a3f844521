"""The array bundles of a data pack (reserva.io.bundles): types, codes, read-only, built once."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.calendar import NEVER
from reserva.io.arrays import day
from reserva.io.bundles import BUNDLES, KEYS, Coded, Inputs, bundle, latest_rows
from reserva.io.readers import read_pack
from reserva.io.schema import TABLES_BY_NAME
from reserva.vocab import CLAIM_STATUS_CODES, CLAIM_STATUSES, EXIT_REASONS
from tests.conftest import TINY_PACK, write_pack


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    pack = read_pack(write_pack(tmp_path_factory.mktemp("tiny")))
    return pack, bundle(pack)


def test_the_bundle_is_built_once_per_pack(tiny, tmp_path):
    pack, inputs = tiny
    assert bundle(pack) is inputs
    again = read_pack(write_pack(tmp_path))  # another pack object: another bundle
    assert bundle(again) is not inputs


def test_every_schema_column_is_a_field_of_its_bundle():
    renamed = {"product_id": "product", "member_id": "member", "account_id": "account"}
    for name, cls in BUNDLES.items():
        fields = {f.name for f in dataclasses.fields(cls)}
        for col in TABLES_BY_NAME[name].columns:
            want = "claim" if (name, col.name) == ("claim_payments", "claim_id") else (
                col.name if KEYS.get(name) == col.name else renamed.get(col.name, col.name))
            assert want in fields, f"{name}.{col.name} has no field {want}"


def test_dates_money_and_ids_have_their_types(tiny):
    pack, inputs = tiny
    pol = inputs.policies
    frame = pack["policies"]
    assert pol.n == len(frame)
    assert pol.start_date.dtype == np.int64 and pol.written_premium.dtype == np.float64
    assert pol.policy_id.dtype == object and list(pol.policy_id) == list(frame["policy_id"])
    assert pol.start_date[0] == day(frame["start_date"].iloc[0])
    empty = frame["cancel_date"].isna().to_numpy()
    assert (pol.cancel_date[empty] == NEVER).all() and empty.any()
    assert np.isnan(pol.refund[frame["refund"].isna().to_numpy()]).all()
    assert pol.product.dtype == np.int32 and pol.member.dtype == np.int64
    products = list(inputs.products.product_id)
    assert [products[i] for i in pol.product] == list(frame["product_id"])
    assert [inputs.members[i] for i in pol.member] == list(frame["member_id"])
    assert list(inputs.members) == sorted(set(frame["member_id"]))


def test_claim_statuses_have_one_encoding(tiny):
    pack, inputs = tiny
    status = inputs.claims.status
    assert isinstance(status, Coded) and status.codes.dtype == np.int8
    assert status.categories == CLAIM_STATUSES
    assert {s: CLAIM_STATUSES.index(s) for s in CLAIM_STATUSES} == dict(CLAIM_STATUS_CODES)
    assert list(status.text()) == list(pack["claims"]["status"])
    assert inputs.exits.reason.categories == EXIT_REASONS


def test_bundles_are_frozen(tiny):
    _, inputs = tiny
    with pytest.raises(ValueError, match="read-only"):
        inputs.policies.start_date[0] = 0
    with pytest.raises(ValueError, match="read-only"):
        inputs.claims.status.codes[0] = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        inputs.policies.n = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        inputs.claims = inputs.claims  # type: ignore[misc]


def test_an_absent_table_is_an_empty_bundle(tiny):
    _, inputs = tiny
    absent = [name for name in BUNDLES if name not in TINY_PACK]
    assert absent and isinstance(inputs, Inputs)
    for name in absent:
        assert not inputs.has(name)
        assert getattr(inputs, name).n == 0
    assert inputs.has("claims") and inputs.claims.n > 0


def test_the_bundle_holds_copies_not_views_of_the_pack(tiny):
    pack, inputs = tiny
    column = pack["policies"]["written_premium"].to_numpy()
    assert not np.shares_memory(inputs.policies.written_premium, column)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["", *CLAIM_STATUSES, "x"]), max_size=30),
       st.booleans())
def test_coded_round_trips_the_text(values, vocabulary):
    from reserva.io.bundles import _coded

    series = pd.Series(values, dtype="string").replace("", pd.NA)
    coded = _coded(series, CLAIM_STATUSES if vocabulary else None)
    expected = ["" if (v == "" or (vocabulary and v == "x")) else v for v in values]
    assert list(coded.text()) == expected
    if not vocabulary:
        assert list(coded.categories) == sorted(set(values) - {""})
    assert (coded.codes >= -1).all() and coded.codes.dtype == np.int8


def test_latest_rows_are_the_latest_snapshot_on_or_before_the_day():
    as_of = np.array([10, 20, 20, 30, 20])
    assert list(latest_rows(as_of, 25)) == [1, 2, 4]
    assert list(latest_rows(as_of, 30)) == [3]
    assert latest_rows(as_of, 9).size == 0
