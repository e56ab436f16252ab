"""Schools, change requests, audit and access logs, API tokens."""

urlpatterns: list = []
