from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Assemble-to-Order: Administration"
admin.site.site_title = "ATO administration"
admin.site.index_title = "Master data"

# R-ROLE-1: a refusal (ours or the admin's) is a page with the reason, or the reason in #alerts for htmx.
handler403 = "inventory.permissions.permission_denied"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="sales:order-list"), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sales/", include("sales.urls")),
    path("assembly/", include("assembly.urls")),
    path("inventory/", include("inventory.urls")),
    path("admin/", admin.site.urls),
]
