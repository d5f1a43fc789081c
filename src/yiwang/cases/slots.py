"""Material slots: what an applicant uploads for an item or a bundle, and which are required.

A slot is one row of the item's materials table (申请材料) that the applicant submits
(``source: applicant``; materials obtained by data sharing are never asked for). Codes are
stable per published version: ``M03`` is the item's third material. A bundle (一件事) has its
shared materials first (``S01`` …, uploaded once for all items), then each item's own
(``I2-M03``: the second item's third material); a material whose name was already asked for —
shared or by an earlier item — is not asked again (材料只交一次).

A conditional material (``required: false`` with a ``condition``) is required when the condition
applies: the applicant lists its code or name in ``conditions``, or the form definition's rule
(``material_conditions``) matches a form value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Slot:
    code: str
    name: str
    required: bool
    condition: str = ""
    item_index: int | None = None  # bundle: the item (1-based) owning it; None: shared/single
    shared: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "required": self.required,
            "condition": self.condition,
            "shared": self.shared,
        }


def _uploadable(material: Mapping[str, Any]) -> bool:
    return material.get("source", "applicant") != "government"


def item_slots(materials: Iterable[Mapping[str, Any]]) -> list[Slot]:
    return [
        Slot(f"M{i:02d}", m["name"], bool(m.get("required")), m.get("condition") or "")
        for i, m in enumerate(materials, start=1)
        if _uploadable(m)
    ]


def bundle_slots(
    shared: Iterable[Mapping[str, Any]], items: list[Iterable[Mapping[str, Any]]]
) -> list[Slot]:
    slots: list[Slot] = []
    taken: dict[str, int] = {}
    for i, m in enumerate(shared, start=1):
        if _uploadable(m):
            taken[m["name"]] = len(slots)
            slots.append(
                Slot(f"S{i:02d}", m["name"], bool(m.get("required", True)), "", None, True)
            )
    for k, materials in enumerate(items, start=1):
        for i, m in enumerate(materials, start=1):
            if not _uploadable(m):
                continue
            required = bool(m.get("required"))
            if m["name"] in taken:
                index = taken[m["name"]]
                old = slots[index]
                if required and not old.required:
                    slots[index] = Slot(old.code, old.name, True, "", old.item_index, old.shared)
                continue
            taken[m["name"]] = len(slots)
            slots.append(Slot(f"I{k}-M{i:02d}", m["name"], required, m.get("condition") or "", k))
    return slots


def required_codes(
    slots: list[Slot],
    *,
    declared: Iterable[str],
    form: Mapping[str, Any],
    rules: Iterable[Mapping[str, Any]],
) -> set[str]:
    """Codes of the slots that must have a file for this application."""
    declared = set(declared)
    by_rule = {
        r["material"] for r in rules if str(form.get(r.get("field"), "")) == str(r.get("equals"))
    }
    return {
        s.code
        for s in slots
        if s.required
        or (s.condition and (s.code in declared or s.name in declared or s.name in by_rule))
    }
