"""Array bundles (``reserva.io.bundles``) of small hand-written frames, for the tests of stages.

The stages take the bundles of a data pack, never frames; a test writes its few rows as a
frame (dates as text or datetimes, ``None`` where empty) and turns them into the bundle a pack
of those rows would give. Columns of the schema the frame leaves out are empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reserva.io.bundles import Policies, Products, Table, table_bundle


def _ids(frame: pd.DataFrame | None, column: str) -> np.ndarray:
    if frame is None or column not in frame:
        return np.zeros(0, dtype=object)
    return np.array(sorted(set(frame[column].dropna().astype(str))), dtype=object)


def table_of(name: str, frame: pd.DataFrame, products: pd.DataFrame | None = None) -> Table:
    """The bundle of table ``name`` holding the rows of ``frame``; its ``product_id`` cells are
    coded into the product ids of ``products`` (in their order), its member and account ids
    into their sorted distinct values."""
    refs = {
        "product_id": np.zeros(0, dtype=object) if products is None
        else products["product_id"].astype(str).to_numpy(dtype=object),
        "member_id": _ids(frame, "member_id"),
        "account_id": _ids(frame, "account_id"),
    }
    return table_bundle(name, frame, refs)


def policy_bundles(policies: pd.DataFrame, products: pd.DataFrame) -> tuple[Policies, Products]:
    """The ``policies`` and ``products`` bundles of two frames (the products in frame order)."""
    return table_of("policies", policies, products), table_of("products", products, products)
