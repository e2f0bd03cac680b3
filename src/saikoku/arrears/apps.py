from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "saikoku.arrears"
    label = "arrears"
    verbose_name = _("賦課・収納")
