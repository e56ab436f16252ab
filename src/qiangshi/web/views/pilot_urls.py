"""Pilot office pages (issue 18)."""

from django.urls import path

from . import pilot

urlpatterns = [
    path("pilot/", pilot.pilot_indicators, name="pilot_indicators"),
]
