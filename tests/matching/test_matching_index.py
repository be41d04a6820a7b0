"""The fast index's own machinery: columns, popcount, incremental updates, purity."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import scoring
from matching._columns import Columns, popcount, popcount_lut
from matching.availability import WEEKENDS
from matching.index import NeedIndex, OrganisationIndex, VolunteerIndex
from tests.matching.matching_helpers import (
    NOW,
    TZ,
    ids,
    need,
    needs_st,
    north,
    organisation,
    organisations_st,
    volunteer,
    volunteers_st,
)

MATCHING = Path(__file__).resolve().parents[2] / "matching"


def test_popcount_fallback_matches_numpy() -> None:
    masks = np.arange(0, 1 << 16, 7, dtype=np.uint16)
    expected = [bin(int(m)).count("1") for m in masks]
    assert popcount_lut(masks).tolist() == expected
    assert popcount(masks).tolist() == expected


def test_columns_grow_and_swap_remove() -> None:
    cols = Columns([("id", np.int64), ("v", np.float64)])
    assert cols.extend([]) == 0
    for i in range(40):
        assert cols.extend([(i, i / 2)]) == i
    assert len(cols) == 40
    assert cols["v"][-1] == 19.5
    assert cols.swap_remove(3) == 39
    assert cols["id"][3] == 39 and len(cols) == 39
    assert cols.swap_remove(38) is None
    assert cols["id"].tolist()[-1] == 37
    cols.add_column("w", np.int32, range(38))
    cols.extend([(100, 1.0)], ["id", "v"])
    cols.set("w", 38, 7)
    assert cols.get("w", 38) == 7 and cols.names == ("id", "v", "w")
    assert cols.nbytes() >= 39 * (8 + 8 + 4)


def test_build_keeps_the_last_snapshot_per_id() -> None:
    index = VolunteerIndex.build([volunteer(1, paused=True), volunteer(1)])
    assert len(index) == 1 and 1 in index and index.get(1) == volunteer(1)
    assert ids(index.rank_volunteers_for(need(), now=NOW, tz=TZ)) == [1]


def test_volunteer_upsert_and_remove_without_rebuild() -> None:
    index = VolunteerIndex.build([volunteer(1), volunteer(2), volunteer(3)])
    n = need(9)
    index.upsert(volunteer(2, lat=north(50.0)))  # moved away
    index.upsert(volunteer(4, notified={9}))  # new, already told
    assert ids(index.rank_volunteers_for(n, now=NOW, tz=TZ)) == [1, 3]
    index.upsert(volunteer(4))  # history cleared again: exclusion index follows
    assert index.remove(1) is True
    assert index.remove(1) is False
    assert ids(index.rank_volunteers_for(n, now=NOW, tz=TZ)) == [3, 4]
    index.upsert(volunteer(3, declined={9}))
    assert ids(index.rank_volunteers_for(n, now=NOW, tz=TZ)) == [4]
    assert sorted(i for i in range(6) if i in index) == [2, 3, 4]


def test_need_upsert_refreshes_cached_slots() -> None:
    index = NeedIndex.build([need(1), need(2)], tz=TZ)
    saturday = need(2).starts_at + timedelta(days=4)  # type: ignore[operator]
    weekend_volunteer = volunteer(availability=WEEKENDS)
    assert index.rank_needs_for(weekend_volunteer, now=NOW, tz=TZ) == []
    index.upsert(need(2, starts_at=saturday, ends_at=saturday + timedelta(hours=1)))
    assert ids(index.rank_needs_for(weekend_volunteer, now=NOW, tz=TZ)) == [2]
    index.upsert(need(2, starts_at=saturday, ends_at=None, taken=3))  # now full
    index.upsert(need(3, starts_at=saturday, ends_at=None))
    assert ids(index.rank_needs_for(weekend_volunteer, now=NOW, tz=TZ)) == [3]
    assert index.remove(3) and index.get(3) is None
    assert index.rank_needs_for(weekend_volunteer, now=NOW, tz=TZ) == []


def test_organisation_upsert_and_remove() -> None:
    index = OrganisationIndex.build([organisation(1), organisation(2, lat=north(3))])
    index.upsert(organisation(3, interests={"sport"}, lat=north(4)))
    assert index.remove(1) and index.get(1) is None and index.get(3) is not None
    assert ids(index.rank_organisations_for(volunteer(interests={"sport"}))) == [3, 2]


def test_empty_indexes() -> None:
    assert VolunteerIndex.build([]).rank_volunteers_for(need(), now=NOW, tz=TZ) == []
    assert NeedIndex.build([]).rank_needs_for(volunteer(), now=NOW, tz=TZ) == []
    assert OrganisationIndex.build([]).rank_organisations_for(volunteer()) == []


operations = st.lists(st.tuples(st.booleans(), st.integers(1, 12)), max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations, st.data())
def test_incremental_updates_equal_a_fresh_reference(
    ops: list[tuple[bool, int]], data: st.DataObject
) -> None:
    """Random upserts/removes on all three indexes; results must equal the reference
    over the surviving snapshots, i.e. the bookkeeping (rows, exclusions, cached
    slot columns) never goes stale."""
    volunteers: dict[int, Any] = {}
    needs: dict[int, Any] = {}
    orgs: dict[int, Any] = {}
    v_index, n_index = VolunteerIndex.build([]), NeedIndex.build([], tz=TZ)
    o_index = OrganisationIndex.build([])
    for upsert, id in ops:
        for store, index, strategy in (
            (volunteers, v_index, volunteers_st),
            (needs, n_index, needs_st),
            (orgs, o_index, organisations_st),
        ):
            if upsert:
                store[id] = data.draw(strategy(id))
                index.upsert(store[id])
            else:
                assert index.remove(id) == (store.pop(id, None) is not None)
    probe_need = data.draw(needs_st(5))
    assert v_index.rank_volunteers_for(probe_need, now=NOW, tz=TZ) == scoring.rank_volunteers_for(
        probe_need, list(volunteers.values()), now=NOW, tz=TZ
    )
    probe = data.draw(volunteers_st(99))
    for mode in ("regular", "now"):
        assert n_index.rank_needs_for(probe, now=NOW, tz=TZ, mode=mode) == scoring.rank_needs_for(
            probe, list(needs.values()), now=NOW, tz=TZ, mode=mode
        )
    assert o_index.rank_organisations_for(probe) == scoring.rank_organisations_for(
        probe, list(orgs.values())
    )


def test_snapshots_are_immutable_values() -> None:
    v = volunteer()
    with pytest.raises(AttributeError):
        v.paused = True  # type: ignore[misc]
    assert replace(v, paused=True).paused and not v.paused
    assert need(capacity=3, taken=1).spots_left == 2
    assert need(starts_at=None).ongoing


FORBIDDEN = {"telegram", "nio", "bot", "dialogs", "storage", "sqlalchemy", "sqlmodel", "aiohttp"}
FORBIDDEN_IO = {"socket", "sqlite3", "urllib", "http", "requests", "asyncpg", "aiosqlite"}
FORBIDDEN_CALLS = {"open", "input", "print"}


@pytest.mark.parametrize("path", sorted(MATCHING.glob("*.py")), ids=lambda p: p.name)
def test_matching_modules_are_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots = {(node.module or "").split(".")[0]}
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno}"
            continue
        else:
            continue
        assert not roots & (FORBIDDEN | FORBIDDEN_IO), f"{path.name}:{node.lineno} {roots}"
