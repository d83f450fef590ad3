"""The Django admin for customers (spec section 2)."""

from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("no", "name", "address", "location", "blocked")
    list_filter = ("blocked",)
    list_select_related = ("location",)
    search_fields = ("no", "name")
    autocomplete_fields = ("location",)
