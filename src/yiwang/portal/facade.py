"""The portal's public surface for other modules: plug pages and tasks into the web shell."""

from yiwang.portal.forms import BootstrapForm
from yiwang.portal.registry import (
    NavEntry,
    TaskItem,
    register_nav,
    register_programme_link,
    register_task_provider,
)

__all__ = [
    "BootstrapForm",
    "NavEntry",
    "TaskItem",
    "register_nav",
    "register_programme_link",
    "register_task_provider",
]
