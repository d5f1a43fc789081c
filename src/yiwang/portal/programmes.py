"""The city's "one network" programmes shown as entry cards on the public home page."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from yiwang.portal.registry import programme_url


@dataclass(frozen=True)
class Programme:
    key: str
    title: str
    description: str
    audience: str


PROGRAMMES: tuple[Programme, ...] = (
    Programme(
        "services",
        _("One-stop government services"),
        _(
            "Look up every government service item, apply online and follow your application "
            "until it is done."
        ),
        _("Citizens and enterprises"),
    ),
    Programme(
        "hotline",
        _("12345 direct request line"),
        _(
            "Report a problem or make a request; it goes straight to the responsible department "
            "and is answered within a set number of working days."
        ),
        _("Citizens and enterprises"),
    ),
    Programme(
        "enterprise",
        _("Direct government–enterprise channel"),
        _(
            "Policies pushed precisely to the enterprises that qualify, benefits granted without "
            "an application, and answers to enterprise questions."
        ),
        _("Enterprises"),
    ),
    Programme(
        "datahub",
        _("Shared government data"),
        _(
            "The catalogue of government data resources, sharing approvals between departments "
            "and open data."
        ),
        _("Departments and the public"),
    ),
    Programme(
        "cityops",
        _("Unified city operations"),
        _("City indicators, dashboards and alerts that link the city and its districts."),
        _("Departments and leaders"),
    ),
)


@dataclass(frozen=True)
class ProgrammeCard:
    programme: Programme
    url: str | None


def programme_cards() -> list[ProgrammeCard]:
    """Every programme with a link only when its module has registered an existing page."""
    return [ProgrammeCard(p, programme_url(p.key)) for p in PROGRAMMES]
