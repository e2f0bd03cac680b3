from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "saikoku.inbound"
    label = "inbound"
    verbose_name = _("受電対応")

    def ready(self) -> None:
        from saikoku.core.permissions import register_work_source
        from saikoku.inbound.selectors import answered_a_call_from

        # The payer whose call an operator answered is in that operator's own work:
        # the guidance panel's "if paid on …" goes through the payer page's view.
        register_work_source(answered_a_call_from)
