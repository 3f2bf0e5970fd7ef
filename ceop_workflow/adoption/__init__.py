"""Adopting ceop-workflow next to what a team already uses: spreadsheets in and out, calendar
feeds, backups, health checks and metrics."""
