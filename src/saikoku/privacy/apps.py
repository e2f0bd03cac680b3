from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.privacy"
    label = "privacy"
