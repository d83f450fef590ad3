"""Assembly orders in the Django admin: read-only. Orders change only through the assembly order pages,
whose services keep the rules (R-ASM-*, R-SYNC-2); posted assembly orders are history (R-ASM-2)."""

from django.contrib import admin

from inventory.admin import PostedRecordAdmin

from .models import AssemblyHeader, AssemblyLine, PostedAssemblyHeader, PostedAssemblyLine


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AssemblyLineInline(ReadOnlyInline):
    model = AssemblyLine
    fields = (
        "line_no",
        "item",
        "description",
        "quantity_per",
        "quantity",
        "quantity_to_consume",
        "consumed_quantity",
        "location",
        "bin",
        "due_date",
    )


@admin.register(AssemblyHeader)
class AssemblyHeaderAdmin(PostedRecordAdmin):
    list_display = (
        "no",
        "item",
        "description",
        "location",
        "quantity",
        "assembled_quantity",
        "due_date",
        "status",
    )
    list_filter = ("status", "location")
    list_select_related = ("item", "location")
    search_fields = ("no", "item__no")
    inlines = [AssemblyLineInline]


class PostedAssemblyLineInline(ReadOnlyInline):
    model = PostedAssemblyLine
    fields = ("line_no", "item", "description", "quantity_per", "quantity", "location")


@admin.register(PostedAssemblyHeader)
class PostedAssemblyHeaderAdmin(PostedRecordAdmin):
    list_display = ("no", "order_no", "item", "location", "quantity", "posting_date", "assemble_to_order")
    list_filter = ("assemble_to_order", "location")
    list_select_related = ("item", "location")
    search_fields = ("no", "order_no", "item__no")
    date_hierarchy = "posting_date"
    inlines = [PostedAssemblyLineInline]
