from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.arrears"
    label = "arrears"
