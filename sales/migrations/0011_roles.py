"""R-ROLE-1: the four roles as groups, with their permissions.

The definition is frozen here, as a migration's should be: a later change of a role is a new
migration. It lives in sales, the app that stands on inventory and assembly, because the roles use
permissions of all three. Permissions are normally created after `migrate` (post_migrate); they are
created here first so that a fresh database gets its groups in the same run. `install_roles` is also
what the test suite calls after a transactional test has flushed the database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def _model(app_label, model, actions):
    return [(app_label, f"{action}_{model}") for action in actions]


EDIT = ("add", "change", "delete")
ALL = ("add", "change", "delete", "view")

ROLES = {
    "Sales Order Processor": [
        *_model("sales", "salesheader", ("add", "change")),
        *_model("sales", "salesline", EDIT),
        ("sales", "release_sales_order"),
        ("sales", "post_sales_order"),
        ("sales", "undo_shipment"),
        *_model("inventory", "reservation", ("add", "delete")),
        *_model("sales", "columnchoice", ("add", "change")),
    ],
    "Warehouse Worker": [
        ("sales", "add_inventorypickheader"),
        ("sales", "change_inventorypickline"),
        ("sales", "delete_inventorypickheader"),
        ("sales", "post_inventory_pick"),
        *_model("inventory", "itemjournalline", ALL),
        ("inventory", "post_item_journal"),
    ],
    "Assembly Manager": [
        *_model("assembly", "assemblyheader", EDIT),
        *_model("assembly", "assemblyline", EDIT),
        ("assembly", "release_assembly_order"),
        ("assembly", "post_assembly_order"),
    ],
    # Master data and the setup in the Django admin (the user also needs is_staff to open it), and
    # the records the admin shows read-only.
    "Administrator": [
        *_model("inventory", "item", ALL),
        *_model("inventory", "bomcomponent", ALL),
        *_model("inventory", "location", ALL),
        *_model("inventory", "bin", ALL),
        *_model("inventory", "postingsetup", ALL),
        *_model("inventory", "noseries", ALL),
        *_model("sales", "customer", ALL),
        ("inventory", "view_itemledgerentry"),
        ("inventory", "view_itemapplicationentry"),
        ("assembly", "view_assemblyheader"),
        ("assembly", "view_assemblyline"),
        ("assembly", "view_postedassemblyheader"),
        ("assembly", "view_postedassemblyline"),
    ],
}


def create_all_permissions(apps, using):
    """Create the permissions of every model of `apps` that do not exist yet (as post_migrate would)."""
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None  # a migration state's AppConfigStub
        if stub:
            app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            if stub:
                app_config.models_module = None


def install_roles(apps, using):
    """Create the permissions that do not exist yet, then each role's group with exactly its
    permissions. Fails on a permission that does not exist (a typo here must not pass silently)."""
    create_all_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ROLES.items():
        permissions = []
        for app_label, codename in wanted:
            permissions.append(
                Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename)
            )
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(permissions)


def create_roles(apps, schema_editor):
    install_roles(apps, schema_editor.connection.alias)


def delete_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("inventory", "0009_action_permissions"),
        ("assembly", "0006_action_permissions"),
        ("sales", "0010_action_permissions"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
