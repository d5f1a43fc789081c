from django.urls import path

from yiwang.policy import urls_consult, urls_desk, urls_push, urls_stats
from yiwang.policy.views import documents, items, public, rules

app_name = "policy"

urlpatterns = [
    # officers
    path("", documents.documents, name="documents"),
    path("documents/new/", documents.document_create, name="document_create"),
    path("documents/<int:pk>/", documents.document_detail, name="document"),
    path("documents/<int:pk>/edit/", documents.document_edit, name="document_edit"),
    path("documents/<int:pk>/publish/", documents.document_publish, name="document_publish"),
    path("documents/<int:pk>/withdraw/", documents.document_withdraw, name="document_withdraw"),
    path("documents/<int:pk>/delete/", documents.document_delete, name="document_delete"),
    path("documents/<int:pk>/attachments/", documents.attachment_add, name="attachment_add"),
    path("documents/<int:pk>/items/new/", items.item_create, name="item_create"),
    path("attachments/<int:pk>/", documents.attachment_download, name="attachment"),
    path("attachments/<int:pk>/remove/", documents.attachment_remove, name="attachment_remove"),
    path("manage/items/<int:pk>/", items.item_detail, name="item"),
    path("manage/items/<int:pk>/edit/", items.item_edit, name="item_edit"),
    path("manage/items/<int:pk>/publish/", items.item_publish, name="item_publish"),
    path("manage/items/<int:pk>/withdraw/", items.item_withdraw, name="item_withdraw"),
    path("manage/items/<int:pk>/revise/", items.item_revise, name="item_revise"),
    path("manage/items/<int:pk>/delete/", items.item_delete, name="item_delete"),
    path("manage/items/<int:pk>/faqs/", items.faq_add, name="faq_add"),
    path("faqs/<int:pk>/delete/", items.faq_delete, name="faq_delete"),
    path("rules/preview/", rules.rule_preview, name="rule_preview"),
    # the public and enterprises
    path("items/", public.public_items, name="public_items"),
    path("items/<int:pk>/", public.public_item, name="public_item"),
    path("items/<int:pk>/explain/", items.item_explain, name="explain"),
    path("calculator/", public.calculator, name="calculator"),
]

# the precise push, the enterprise service desk (inbox, grants, applications), consultation
# and requests, statistics
urlpatterns += urls_push.urlpatterns + urls_desk.urlpatterns + urls_consult.urlpatterns
urlpatterns += urls_stats.urlpatterns
