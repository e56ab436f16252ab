"""Login, dashboard, teachers (owned by the UI-core work)."""

urlpatterns: list = []
