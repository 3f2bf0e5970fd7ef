"""Notifications: render admin-edited templates, build emails, and hand them to a transport."""

from __future__ import annotations
