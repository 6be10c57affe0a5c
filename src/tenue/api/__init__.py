"""The JSON API (django-ninja, OpenAPI at /api/docs): thin endpoints over the services."""
