from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "saikoku.people"
    label = "people"
    verbose_name = _("住民・納付義務者")

    def ready(self) -> None:
        from saikoku.interchange.hooks import register_after_import
        from saikoku.people.search_index import after_package_import

        # The search index follows every import, in its transaction (search_index.py).
        register_after_import(after_package_import)
