from django.apps import AppConfig


class BalanceConfig(AppConfig):
    name = "qiangshi.balance"
    label = "balance"
