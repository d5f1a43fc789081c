"""Application forms per basic item (申请表): definition checks and validation of filled forms.

Every form starts with the applicant's identity and contact (:data:`IDENTITY_FIELDS`; a field
with ``"for"`` applies to that applicant kind only), followed by the item's own fields from its
:class:`~yiwang.cases.models.FormDefinition` or, when it has none, :data:`DEFAULT_FIELDS`
(address and purpose). Validation returns the cleaned values or per-field errors
(``form.<name>``), all at once.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from yiwang.cases.choices import ApplicantKind, FieldType
from yiwang.cases.models import FormDefinition
from yiwang.core.validators import validate_id_number, validate_uscc

PERSON, LEGAL = ApplicantKind.PERSON, ApplicantKind.LEGAL_PERSON
DEFAULT_MAX = {FieldType.TEXT: 200, FieldType.TEXTAREA: 2000}
FIELD_KEYS = {"name", "label", "type", "required", "choices", "max_length", "help", "for"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")

IDENTITY_FIELDS: list[dict[str, Any]] = [
    {
        "name": "applicant_name",
        "label": "申请人",
        "type": "text",
        "required": True,
        "max_length": 200,
    },
    {
        "name": "id_number",
        "label": "居民身份证号码",
        "type": "id_number",
        "required": True,
        "for": PERSON,
    },
    {"name": "uscc", "label": "统一社会信用代码", "type": "uscc", "required": True, "for": LEGAL},
    {
        "name": "contact_name",
        "label": "经办人",
        "type": "text",
        "required": True,
        "max_length": 100,
        "for": LEGAL,
    },
    {"name": "phone", "label": "联系电话", "type": "phone", "required": True},
]
DEFAULT_FIELDS: list[dict[str, Any]] = [
    {"name": "address", "label": "联系地址", "type": "text", "required": True, "max_length": 300},
    {
        "name": "purpose",
        "label": "申请事由",
        "type": "textarea",
        "required": True,
        "max_length": 1000,
    },
    {"name": "email", "label": "电子邮箱", "type": "email", "required": False},
]
IDENTITY_NAMES = frozenset(f["name"] for f in IDENTITY_FIELDS)


def _err(field: str, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": message}


def definition_errors(fields: Any, material_conditions: Any = ()) -> list[dict]:
    """Problems of a form definition (admin, seed): names, types, choices, lengths."""
    errors: list[dict] = []
    if not isinstance(fields, list):
        return [_err("fields", "cases.form_definition", _("Fields must be a list."))]
    seen: set[str] = set()
    for i, spec in enumerate(fields):
        where = f"fields.{i}"
        if not isinstance(spec, dict):
            errors.append(_err(where, "cases.form_definition", _("Each field is an object.")))
            continue
        name = spec.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            errors.append(
                _err(
                    f"{where}.name",
                    "cases.form_definition",
                    _("A field name is lower-case letters, digits and _ (at most 40)."),
                )
            )
        elif name in seen or name in IDENTITY_NAMES:
            errors.append(
                _err(f"{where}.name", "cases.form_definition", _("This field name is taken."))
            )
        seen.add(name if isinstance(name, str) else "")
        if spec.get("type") not in FieldType.values:
            errors.append(_err(f"{where}.type", "cases.form_definition", _("Unknown field type.")))
        if not str(spec.get("label") or "").strip():
            errors.append(_err(f"{where}.label", "cases.form_definition", _("Give a label.")))
        unknown = set(spec) - FIELD_KEYS
        if unknown:
            errors.append(
                _err(
                    where,
                    "cases.form_definition",
                    _("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))},
                )
            )
        choices = spec.get("choices")
        if spec.get("type") == FieldType.CHOICE and (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and c for c in choices)
        ):
            errors.append(
                _err(
                    f"{where}.choices",
                    "cases.form_definition",
                    _("A choice field lists its choices."),
                )
            )
        max_length = spec.get("max_length")
        if max_length is not None and (
            isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1
        ):
            errors.append(
                _err(f"{where}.max_length", "cases.form_definition", _("A positive number."))
            )
    for i, rule in enumerate(material_conditions or ()):
        if not (
            isinstance(rule, dict)
            and isinstance(rule.get("material"), str)
            and rule.get("field") in seen
            and "equals" in rule
        ):
            errors.append(
                _err(
                    f"material_conditions.{i}",
                    "cases.form_definition",
                    _("A rule names a material, one of the form's fields and a value."),
                )
            )
    return errors


def definition_for(basic_codes: list[str]) -> tuple[list[dict], list[dict]]:
    """(fields, material conditions) of the form for one item or, for a bundle, the union of
    its items' forms (一表申请; a field name appears once), identity fields first."""
    rows = {
        d.basic_code: d
        for d in FormDefinition.objects.filter(basic_code__in=basic_codes, active=True)
    }
    fields: list[dict] = list(IDENTITY_FIELDS)
    names = set(IDENTITY_NAMES)
    conditions: list[dict] = []
    own = [rows[c] for c in basic_codes if c in rows]
    for spec in [f for d in own for f in d.fields] or DEFAULT_FIELDS:
        if spec["name"] not in names:
            names.add(spec["name"])
            fields.append(spec)
    for d in own:
        conditions += list(d.material_conditions or [])
    return fields, conditions


def _clean(spec: dict, raw: Any) -> Any:
    """The cleaned value of one field; raises ``ValidationError`` with the reason."""
    kind = spec["type"]
    if kind == FieldType.NUMBER:
        if isinstance(raw, bool):
            raise ValidationError(_("Give a number."))
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValidationError(_("Give a number.")) from None
        if not number.is_finite():
            raise ValidationError(_("Give a number."))
        return int(number) if number == number.to_integral_value() else float(number)
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise ValidationError(_("Give a text."))
    text = str(raw).strip()
    limit = spec.get("max_length") or DEFAULT_MAX.get(kind, 200)
    if len(text) > limit:
        raise ValidationError(_("At most %(n)d characters.") % {"n": limit})
    if kind == FieldType.DATE:
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(_("Give a date as YYYY-MM-DD.")) from None
    if kind == FieldType.CHOICE:
        if text not in spec.get("choices", []):
            raise ValidationError(
                _("Choose one of: %(choices)s.") % {"choices": "、".join(spec["choices"])}
            )
        return text
    if kind == FieldType.ID_NUMBER:
        return validate_id_number(text)
    if kind == FieldType.USCC:
        return validate_uscc(text)
    if kind == FieldType.PHONE:
        phone = text.replace(" ", "")
        if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
            raise ValidationError(
                _("Give a mobile number (11 digits) or a landline with its area code.")
            )
        return phone
    if kind == FieldType.EMAIL:
        validate_email(text)
        return text
    return text


def form_validate(
    fields: list[dict], data: Any, *, applicant_kind: str
) -> tuple[dict[str, Any], list[dict]]:
    """(cleaned values, per-field errors ``form.<name>``) of a filled form."""
    if not isinstance(data, dict):
        return {}, [_err("form", "cases.invalid_form", _("The form must be an object."))]
    applicable = [f for f in fields if f.get("for") in (None, applicant_kind)]
    known = {f["name"] for f in applicable}
    errors = [
        _err(f"form.{key}", "cases.unknown_field", _("This form has no such field."))
        for key in data
        if key not in known
    ]
    cleaned: dict[str, Any] = {}
    for spec in applicable:
        name = spec["name"]
        raw = data.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.get("required"):
                errors.append(
                    _err(f"form.{name}", "cases.required", _("%(label)s is required.") % spec)
                )
            continue
        try:
            cleaned[name] = _clean(spec, raw)
        except ValidationError as exc:
            errors.append(_err(f"form.{name}", "cases.invalid_field", " ".join(exc.messages)))
    return cleaned, errors
