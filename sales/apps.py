from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save


class SalesConfig(AppConfig):
    """Customers, sales orders and the assemble-to-order link; stands on inventory and assembly."""

    name = "sales"
    verbose_name = "Sales"

    def ready(self) -> None:
        from .line_rows import remember_choice_at_login
        from .models import SalesLine
        from .signals import create_linked_assembly_order_on_save

        post_save.connect(
            create_linked_assembly_order_on_save,
            sender=SalesLine,
            dispatch_uid="sales.create_linked_assembly_order_on_save",
        )
        user_logged_in.connect(remember_choice_at_login, dispatch_uid="sales.remember_choice_at_login")
