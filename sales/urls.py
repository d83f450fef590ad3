from django.urls import path

from inventory import converters  # noqa: F401 - registers <id:...>

from . import navigate_views, pick_views, shipment_views, views

app_name = "sales"

urlpatterns = [
    path("orders/", views.order_list, name="order-list"),
    path("orders/new/", views.order_new, name="order-new"),
    path("orders/<id:pk>/", views.order_card, name="order-card"),
    path("orders/<id:pk>/header/", views.header_change, name="header-change"),
    path("orders/<id:pk>/lines/", views.line_add, name="line-add"),
    path("orders/<id:pk>/lines/<id:line_pk>/", views.line_row, name="line-row"),
    path("orders/<id:pk>/lines/<id:line_pk>/delete/", views.line_delete, name="line-delete"),
    path("orders/<id:pk>/lines/<id:line_pk>/factbox/", views.line_factbox, name="line-factbox"),
    path(
        "orders/<id:pk>/lines/<id:line_pk>/factbox/<slug:figure>/",
        views.factbox_drilldown,
        name="factbox-drilldown",
    ),
    path("orders/<id:pk>/lines/<id:line_pk>/use-available/", views.use_available, name="use-available"),
    path("orders/<id:pk>/lines/<id:line_pk>/reservation/", views.reservation_dialog, name="reservation"),
    path(
        "orders/<id:pk>/lines/<id:line_pk>/reservation/<slug:action>/",
        views.reservation_action,
        name="reservation-action",
    ),
    path("orders/<id:pk>/columns/", views.order_columns, name="order-columns"),
    path("orders/<id:pk>/release/", views.order_release, name="order-release"),
    path("orders/<id:pk>/reopen/", views.order_reopen, name="order-reopen"),
    path("orders/<id:pk>/post/", shipment_views.order_post, name="order-post"),
    path("orders/<id:pk>/post/preview/", shipment_views.order_post_preview, name="order-post-preview"),
    path("orders/<id:pk>/create-pick/", pick_views.order_create_pick, name="order-create-pick"),
    path("picks/", pick_views.pick_list, name="pick-list"),
    path("picks/<id:pk>/", pick_views.pick_card, name="pick-card"),
    path("picks/<id:pk>/lines/", pick_views.pick_lines, name="pick-lines"),
    path("picks/<id:pk>/autofill/", pick_views.pick_autofill, name="pick-autofill"),
    path("picks/<id:pk>/delete/", pick_views.pick_delete, name="pick-delete"),
    path("picks/<id:pk>/post/", pick_views.pick_post, name="pick-post"),
    path("shipments/", shipment_views.shipment_list, name="shipment-list"),
    path("shipments/<id:pk>/", shipment_views.shipment_card, name="shipment-card"),
    path(
        "shipments/<id:pk>/lines/<id:line_pk>/undo/",
        shipment_views.shipment_line_undo,
        name="shipment-line-undo",
    ),
    path("invoices/", shipment_views.invoice_list, name="invoice-list"),
    path("invoices/<id:pk>/", shipment_views.invoice_card, name="invoice-card"),
    path("find-entries/", navigate_views.find_entries, name="find-entries"),
    path("find-entries/<slug:group>/", navigate_views.find_entries_group, name="find-entries-group"),
]
