from django.urls import path

from inventory import converters  # noqa: F401 - registers <id:...>

from . import views

app_name = "inventory"

urlpatterns = [
    path("item-journal/", views.item_journal, name="item-journal"),
    path("item-journal/lines/", views.journal_line_add, name="journal-line-add"),
    path("item-journal/lines/<id:pk>/", views.journal_line_change, name="journal-line-change"),
    path("item-journal/lines/<id:pk>/delete/", views.journal_line_delete, name="journal-line-delete"),
    path("item-journal/post/", views.journal_post, name="journal-post"),
    path("item-ledger-entries/", views.ledger_entries, name="ledger-entries"),
    path("item-registers/", views.item_registers, name="item-registers"),
    path("item-registers/<id:pk>/", views.item_register, name="item-register"),
]
