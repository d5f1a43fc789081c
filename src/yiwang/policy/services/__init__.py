"""Writes of the policy app; every public function takes ``actor`` and is audited."""

from yiwang.policy.services.documents import (
    attachment_add,
    attachment_remove,
    document_create,
    document_delete,
    document_publish,
    document_update,
    document_withdraw,
)
from yiwang.policy.services.faqs import faq_create, faq_delete, faq_update
from yiwang.policy.services.items import (
    item_create,
    item_delete,
    item_publish,
    item_revise,
    item_update,
    item_withdraw,
    rule_resolve,
    unverifiable_fields,
)

__all__ = [
    "attachment_add",
    "attachment_remove",
    "document_create",
    "document_delete",
    "document_publish",
    "document_update",
    "document_withdraw",
    "faq_create",
    "faq_delete",
    "faq_update",
    "item_create",
    "item_delete",
    "item_publish",
    "item_revise",
    "item_update",
    "item_withdraw",
    "rule_resolve",
    "unverifiable_fields",
]
