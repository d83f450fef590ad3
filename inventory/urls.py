from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("item-journal/", views.item_journal, name="item-journal"),
    path("item-ledger-entries/", views.ledger_entries, name="ledger-entries"),
]
