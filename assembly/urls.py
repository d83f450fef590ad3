from django.urls import path

from inventory import converters  # noqa: F401 - registers <id:...>

from . import views

app_name = "assembly"

urlpatterns = [
    path("orders/", views.order_list, name="order-list"),
    path("orders/new/", views.order_new, name="order-new"),
    path("orders/<id:pk>/", views.order_card, name="order-card"),
    path("orders/<id:pk>/header/", views.order_header_change, name="order-header-change"),
    path("orders/<id:pk>/lines/", views.line_add, name="line-add"),
    path("orders/<id:pk>/lines/<id:line_pk>/", views.line_change, name="line-change"),
    path("orders/<id:pk>/lines/<id:line_pk>/delete/", views.line_delete, name="line-delete"),
    path("orders/<id:pk>/release/", views.order_release, name="order-release"),
    path("orders/<id:pk>/reopen/", views.order_reopen, name="order-reopen"),
    path("orders/<id:pk>/post/", views.order_post, name="order-post"),
    path("orders/<id:pk>/delete/", views.order_delete, name="order-delete"),
    path("posted/", views.posted_list, name="posted-list"),
    path("posted/<id:pk>/", views.posted_card, name="posted-card"),
]
