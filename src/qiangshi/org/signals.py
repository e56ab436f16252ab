"""Signals for the layers above: `org` may not import them."""

from django.dispatch import Signal

# Sent (inside the transaction) when a school moves to another district; `school` is the
# saved school. The teachers app refreshes the area of the school's teachers.
school_moved = Signal()
