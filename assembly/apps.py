from django.apps import AppConfig


class AssemblyConfig(AppConfig):
    """Assembly orders and their posting; stands on inventory."""

    name = "assembly"
    verbose_name = "Assembly"
