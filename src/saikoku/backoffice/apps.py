from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "saikoku.backoffice"
    label = "backoffice"
    verbose_name = _("事務処理")

    def ready(self) -> None:
        from saikoku.backoffice.work import created_an_open_task_for
        from saikoku.core.permissions import register_work_source

        register_work_source(created_an_open_task_for)
