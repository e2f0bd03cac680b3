from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "saikoku.interchange"
    label = "interchange"
    verbose_name = _("区とのデータ授受")
