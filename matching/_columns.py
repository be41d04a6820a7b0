"""Building blocks of the numpy indexes: growable columns, popcount, exact distances,
ordering and the id/row bookkeeping every index shares.

Kept apart from ``matching.index`` so each index class reads as "filters, then
score", and so the low-level pieces (popcount fallback, swap-remove) are tested on
their own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from matching.geo import UnitVector, chord2_to_km, unit_vector
from matching.taxonomy import INTERESTS, SKILLS, interests_of_mask, skills_of_mask

MASK_DTYPE = np.uint16
if max(len(INTERESTS), len(SKILLS)) > 16:  # pragma: no cover - guards a taxonomy change
    raise RuntimeError("taxonomy outgrew uint16 bitmasks; widen MASK_DTYPE")

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_POPCOUNT_LUT = np.array([bin(i).count("1") for i in range(1 << 16)], dtype=np.uint8)


def popcount_lut(masks: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Set bits per 16-bit mask via a 64 KiB table (numpy < 2.0 has no bitwise_count)."""
    return _POPCOUNT_LUT[masks.astype(np.uint16, copy=False)]


if hasattr(np, "bitwise_count"):

    def popcount(masks: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
        """Set bits per mask (hardware popcount on numpy >= 2.0)."""
        return np.bitwise_count(masks)

else:  # pragma: no cover - exercised on numpy 1.x only
    popcount = popcount_lut


def share(numerator: npt.NDArray[Any], denominator: npt.NDArray[Any], empty: float) -> FloatArray:
    """numerator / denominator as float64, ``empty`` where the denominator is 0.

    Small integers convert to float64 exactly, so each quotient is the same correctly
    rounded double that Python's ``int / int`` gives in the reference.
    """
    num = numerator.astype(np.float64)
    den = denominator.astype(np.float64)
    safe = np.where(den > 0, den, 1.0)
    return np.where(den > 0, num / safe, empty)


def lon_gap_deg(lon: FloatArray, lon0: float) -> FloatArray:
    """Absolute longitude difference in degrees, wrapped into [0, 180]."""
    return np.abs((lon - lon0 + 180.0) % 360.0 - 180.0)


def exact_km(x: FloatArray, y: FloatArray, z: FloatArray, point: UnitVector) -> FloatArray:
    """Great-circle km from ``point`` to each row, bit-identical to ``geo.point_distance_km``.

    The squared chord uses the same +, -, * sequence as ``geo.chord2``; the final
    arcsine is done by the very same Python function on the (few) prefiltered rows,
    because numpy's SIMD arcsine may differ from libm in the last bit.
    """
    dx = x - point[0]
    dy = y - point[1]
    dz = z - point[2]
    c2 = dx * dx + dy * dy + dz * dz
    return np.array([chord2_to_km(c) for c in c2.tolist()], dtype=np.float64)


class Columns:
    """Struct of numpy arrays with amortised O(1) append and O(1) swap-remove.

    Row order is meaningless (removal moves the last row into the hole), so indexes
    keep an id -> row dict and always sort results by (score, distance, id).
    """

    def __init__(self, spec: Sequence[tuple[str, npt.DTypeLike]]) -> None:
        self._names = tuple(name for name, _ in spec)
        self._data = {name: np.zeros(0, dtype=dtype) for name, dtype in spec}
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self._data[name][: self.n]

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    def nbytes(self) -> int:
        return sum(arr.nbytes for arr in self._data.values())

    def _reserve(self, size: int) -> None:
        capacity = len(self._data[self._names[0]])
        if size <= capacity:
            return
        capacity = size if self.n == 0 else max(size, capacity * 2)
        for name, arr in self._data.items():
            grown = np.zeros(capacity, dtype=arr.dtype)
            grown[: self.n] = arr[: self.n]
            self._data[name] = grown

    def add_column(self, name: str, dtype: npt.DTypeLike, values: Iterable[Any]) -> None:
        """Attach a derived column (e.g. slot masks for one time zone) to existing rows."""
        column = np.zeros(len(self._data[self._names[0]]), dtype=dtype)
        column[: self.n] = np.fromiter(values, dtype=dtype, count=self.n)
        self._data[name] = column
        self._names = (*self._names, name)

    def extend(self, rows: Sequence[tuple[Any, ...]], names: Sequence[str] | None = None) -> int:
        """Append rows given as tuples in ``names`` order; returns the first new row."""
        names = self._names if names is None else names
        first = self.n
        if not rows:
            return first
        self._reserve(self.n + len(rows))
        # One C-level conversion of all tuples; transposing in Python would allocate a
        # container per column and trigger the garbage collector on large builds.
        table = np.array(rows, dtype=[(name, self._data[name].dtype) for name in names])
        for name in names:
            self._data[name][first : first + len(rows)] = table[name]
        self.n += len(rows)
        return first

    def set_row(
        self, row: int, values: tuple[Any, ...], names: Sequence[str] | None = None
    ) -> None:
        for name, value in zip(self._names if names is None else names, values, strict=True):
            self._data[name][row] = value

    def get(self, name: str, row: int) -> Any:
        return self._data[name][row]

    def set(self, name: str, row: int, value: Any) -> None:
        self._data[name][row] = value

    def swap_remove(self, row: int) -> int | None:
        """Delete ``row`` by moving the last row into it; returns the moved row's old index."""
        last = self.n - 1
        moved = None
        if row != last:
            for arr in self._data.values():
                arr[row] = arr[last]
            moved = last
        self.n = last
        return moved


interests_of = functools.lru_cache(maxsize=1 << 12)(interests_of_mask)
"""Interest ids of a mask, cached: result rows share few distinct overlaps."""
skills_of = functools.lru_cache(maxsize=1 << 12)(skills_of_mask)


def geo_row(lat: float, lon: float) -> tuple[float, float, float, float, float]:
    """lat, lon and the unit vector, computed by the same Python code as the reference."""
    x, y, z = unit_vector(lat, lon)
    return (lat, lon, x, y, z)


def rows_of(ids: Iterable[int], row_of: dict[int, int]) -> IntArray:
    """Rows of the given ids that are indexed (unknown ids are simply not there)."""
    return np.fromiter((row_of[i] for i in ids if i in row_of), dtype=np.int64)


def without(rows: IntArray, excluded: IntArray) -> BoolArray:
    """Mask over ``rows``: True where the row is not in ``excluded``."""
    if excluded.size == 0:
        return np.ones(rows.size, dtype=bool)
    return ~np.isin(rows, excluded)


def order(score: FloatArray, distance: FloatArray, ids: IntArray, limit: int | None) -> IntArray:
    """Positions in the reference order (score desc, distance asc, id asc), cut to limit."""
    positions = np.lexsort((ids, distance, -score))
    return positions if limit is None else positions[: max(0, limit)]


class BaseIndex:
    """Shared bookkeeping of the indexes: columns, id -> row, and the latest snapshots
    (kept by reference, so they cost a dict slot, for recomputing derived columns)."""

    _SPEC: tuple[tuple[str, npt.DTypeLike], ...] = ()

    def __init__(self) -> None:
        self._cols = Columns(self._SPEC)
        self._spec_names = tuple(name for name, _ in self._SPEC)
        self._row_of: dict[int, int] = {}
        self._snapshots: dict[int, Any] = {}

    def __len__(self) -> int:
        return self._cols.n

    def __contains__(self, id: object) -> bool:
        return id in self._row_of

    def nbytes(self) -> int:
        """Bytes held by the numpy columns (the bench measures the whole build too)."""
        return self._cols.nbytes()

    def _row(self, snapshot: Any) -> tuple[Any, ...]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _bulk_load(self, snapshots: Iterable[Any]) -> None:
        latest = {s.id: s for s in snapshots}
        self._snapshots = latest
        self._cols.extend([self._row(s) for s in latest.values()], self._spec_names)
        self._row_of = {id: row for row, id in enumerate(latest)}

    def _upsert_row(self, snapshot: Any) -> int:
        row = self._row_of.get(snapshot.id)
        if row is None:
            row = self._cols.extend([self._row(snapshot)], self._spec_names)
            self._row_of[snapshot.id] = row
        else:
            self._cols.set_row(row, self._row(snapshot), self._spec_names)
        self._snapshots[snapshot.id] = snapshot
        return row

    def _remove_row(self, id: int) -> bool:
        row = self._row_of.pop(id, None)
        if row is None:
            return False
        del self._snapshots[id]
        if self._cols.swap_remove(row) is not None:
            self._row_of[int(self._cols.get("id", row))] = row
        return True
