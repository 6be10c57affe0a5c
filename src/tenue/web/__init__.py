"""Server-rendered pages (Django templates + htmx). Views are thin: permission, selector, render."""
