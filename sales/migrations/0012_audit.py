"""R-AUD-1: posted documents record who posted them, and the Administrator role may view the Item
Registers in the Django admin, as it views the ledger there (a role changes by a new migration, see
`0011_roles`). `install_role_changes` is also what the test suite calls after a flush, after
`0011_roles.install_roles`."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ROLE_CHANGES = {"Administrator": [("inventory", "view_itemregister")]}


def install_role_changes(apps, using):
    """Give each role the permissions it gained here, adding to what it has (an administrator may have
    changed a group since): the new model's permissions are created first, as `0011_roles` does."""
    importlib.import_module("sales.migrations.0011_roles").create_all_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ROLE_CHANGES.items():
        permissions = [
            Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in wanted
        ]
        for group in Group.objects.using(using).filter(name=name):  # none if it has been deleted
            group.permissions.add(*permissions)


def grant(apps, schema_editor):
    install_role_changes(apps, schema_editor.connection.alias)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    using = schema_editor.connection.alias
    for name, wanted in ROLE_CHANGES.items():
        for app_label, codename in wanted:
            permissions = Permission.objects.using(using).filter(
                content_type__app_label=app_label, codename=codename
            )
            for group in Group.objects.using(using).filter(name=name):
                group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0011_roles"),
        ("inventory", "0010_audit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="salesinvoiceheader",
            name="posted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="posted_sales_invoices",
                to=settings.AUTH_USER_MODEL,
                verbose_name="User ID",
            ),
        ),
        migrations.AddField(
            model_name="salesshipmentheader",
            name="posted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="posted_sales_shipments",
                to=settings.AUTH_USER_MODEL,
                verbose_name="User ID",
            ),
        ),
        migrations.RunPython(grant, revoke),
    ]
