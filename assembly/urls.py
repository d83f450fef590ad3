from django.urls import path

from . import views

app_name = "assembly"

urlpatterns = [
    path("orders/", views.order_list, name="order-list"),
    path("orders/new/", views.order_new, name="order-new"),
    path("orders/<int:pk>/", views.order_card, name="order-card"),
    path("orders/<int:pk>/header/", views.order_header_change, name="order-header-change"),
    path("orders/<int:pk>/lines/", views.line_add, name="line-add"),
    path("orders/<int:pk>/lines/<int:line_pk>/", views.line_change, name="line-change"),
    path("orders/<int:pk>/lines/<int:line_pk>/delete/", views.line_delete, name="line-delete"),
    path("orders/<int:pk>/release/", views.order_release, name="order-release"),
    path("orders/<int:pk>/reopen/", views.order_reopen, name="order-reopen"),
    path("orders/<int:pk>/post/", views.order_post, name="order-post"),
    path("orders/<int:pk>/delete/", views.order_delete, name="order-delete"),
    path("posted/", views.posted_list, name="posted-list"),
    path("posted/<int:pk>/", views.posted_card, name="posted-card"),
]
