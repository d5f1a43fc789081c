"""Coordinates → district/functional area and street names (point in polygon, stdlib only).

The boundaries in ``data/zhuhai_boundaries.json`` are **simplified approximations** of 珠海市
drawn for the demo, not survey data (see the file's ``description``). They are loaded once per
process. Functional areas (横琴, 高新区, 高栏港, 万山) are tested before the districts they are
carved out of; a street polygon names its district in ``parent``.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BOUNDARY_FILE", "Location", "locate", "point_in_polygon"]

BOUNDARY_FILE = Path(__file__).resolve().parent / "data" / "zhuhai_boundaries.json"
_LEVEL_ORDER = {"area": 0, "district": 1}


@dataclass(frozen=True, slots=True)
class Location:
    """Names of the district (or functional area) and street containing a point, if any."""

    district: str | None
    street: str | None


@dataclass(frozen=True, slots=True)
class _Shape:
    name: str
    level: str
    parent: str | None
    rings: tuple[tuple[tuple[float, float], ...], ...]  # outer ring first, then holes
    bbox: tuple[float, float, float, float]  # min lng, min lat, max lng, max lat

    def contains(self, lng: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= lng <= x1 and y0 <= lat <= y1):
            return False
        outer, *holes = self.rings
        return point_in_polygon(lng, lat, outer) and not any(
            point_in_polygon(lng, lat, hole) for hole in holes
        )


def point_in_polygon(x: float, y: float, ring) -> bool:
    """Ray casting (even-odd rule) for one ring of ``(x, y)`` vertices."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


_lock = threading.Lock()
_shapes: list[_Shape] | None = None


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"unsupported geometry {geometry['type']!r}")


def _load(path: Path = BOUNDARY_FILE) -> list[_Shape]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    shapes = []
    for feature in doc["features"]:
        props = feature["properties"]
        for polygon in _polygons(feature["geometry"]):
            rings = tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)
            xs = [p[0] for p in rings[0]]
            ys = [p[1] for p in rings[0]]
            shapes.append(
                _Shape(
                    name=props["name"],
                    level=props["level"],
                    parent=props.get("parent"),
                    rings=rings,
                    bbox=(min(xs), min(ys), max(xs), max(ys)),
                )
            )
    return shapes


def shapes() -> list[_Shape]:
    global _shapes
    if _shapes is None:
        with _lock:
            if _shapes is None:
                _shapes = _load()
    return _shapes


def locate(lat, lng) -> Location:
    """The district/functional area and street containing ``(lat, lng)``; names are ``None``
    outside every polygon (the sea, another city) or for unusable input."""
    try:
        y, x = float(lat), float(lng)
    except (TypeError, ValueError):
        return Location(None, None)
    if not (math.isfinite(x) and math.isfinite(y)):
        return Location(None, None)
    district = street = None
    street_parent = None
    for shape in sorted(
        (s for s in shapes() if s.level in _LEVEL_ORDER), key=lambda s: _LEVEL_ORDER[s.level]
    ):
        if shape.contains(x, y):
            district = shape.name
            break
    for shape in shapes():
        if shape.level == "street" and shape.contains(x, y):
            street, street_parent = shape.name, shape.parent
            break
    if street is not None and district is not None and street_parent not in (None, district):
        street = None  # an approximate street edge crossing an area boundary: trust the area
    if district is None and street_parent is not None:
        district = street_parent
    return Location(district, street)
