from django.urls import path

from . import pick_views, shipment_views, views

app_name = "sales"

urlpatterns = [
    path("orders/", views.order_list, name="order-list"),
    path("orders/new/", views.order_new, name="order-new"),
    path("orders/<int:pk>/", views.order_card, name="order-card"),
    path("orders/<int:pk>/header/", views.header_change, name="header-change"),
    path("orders/<int:pk>/lines/", views.line_add, name="line-add"),
    path("orders/<int:pk>/lines/<int:line_pk>/", views.line_row, name="line-row"),
    path("orders/<int:pk>/lines/<int:line_pk>/delete/", views.line_delete, name="line-delete"),
    path("orders/<int:pk>/lines/<int:line_pk>/factbox/", views.line_factbox, name="line-factbox"),
    path(
        "orders/<int:pk>/lines/<int:line_pk>/factbox/<slug:figure>/",
        views.factbox_drilldown,
        name="factbox-drilldown",
    ),
    path("orders/<int:pk>/lines/<int:line_pk>/use-available/", views.use_available, name="use-available"),
    path("orders/<int:pk>/lines/<int:line_pk>/reservation/", views.reservation_dialog, name="reservation"),
    path(
        "orders/<int:pk>/lines/<int:line_pk>/reservation/<slug:action>/",
        views.reservation_action,
        name="reservation-action",
    ),
    path("orders/<int:pk>/release/", views.order_release, name="order-release"),
    path("orders/<int:pk>/reopen/", views.order_reopen, name="order-reopen"),
    path("orders/<int:pk>/post/", shipment_views.order_post, name="order-post"),
    path("orders/<int:pk>/post/preview/", shipment_views.order_post_preview, name="order-post-preview"),
    path("orders/<int:pk>/create-pick/", pick_views.order_create_pick, name="order-create-pick"),
    path("picks/", pick_views.pick_list, name="pick-list"),
    path("picks/<int:pk>/", pick_views.pick_card, name="pick-card"),
    path("picks/<int:pk>/lines/", pick_views.pick_lines, name="pick-lines"),
    path("picks/<int:pk>/autofill/", pick_views.pick_autofill, name="pick-autofill"),
    path("picks/<int:pk>/delete/", pick_views.pick_delete, name="pick-delete"),
    path("picks/<int:pk>/post/", pick_views.pick_post, name="pick-post"),
    path("shipments/", shipment_views.shipment_list, name="shipment-list"),
    path("shipments/<int:pk>/", shipment_views.shipment_card, name="shipment-card"),
]
