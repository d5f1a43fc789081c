"""Write services of the catalogue (each ``<entity>_<verb>(*, actor, ...)``, audited)."""

from yiwang.catalog.services.basic import catalogue_import
from yiwang.catalog.services.versions import (
    implementation_create,
    implementation_withdraw,
    version_draft,
    version_publish,
    version_send_back,
    version_submit,
    version_update,
)

__all__ = [
    "catalogue_import",
    "implementation_create",
    "implementation_withdraw",
    "version_draft",
    "version_publish",
    "version_send_back",
    "version_submit",
    "version_update",
]
