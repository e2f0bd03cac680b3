from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.outreach"
    label = "outreach"
