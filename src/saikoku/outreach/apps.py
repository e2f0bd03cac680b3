from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "saikoku.outreach"
    label = "outreach"
    verbose_name = _("架電・接触")

    def ready(self) -> None:
        from saikoku.core.permissions import register_work_source
        from saikoku.interchange.hooks import register_after_import
        from saikoku.outreach.hooks import after_package_import
        from saikoku.outreach.work import has_outreach_work_for

        register_work_source(has_outreach_work_for)
        register_after_import(after_package_import)
