"""System checks of the core app: the encryption key must be the database's (see keys.py)."""

from django.core.checks import Error, register


@register()
def encryption_key_check(app_configs=None, **kwargs):
    from .keys import key_problem

    problem = key_problem()
    if problem:
        return [Error(problem, id="qiangshi.E001")]
    return []
