"""Firms (cabinets), dossiers (companies), users, roles, permissions and the audit log."""
