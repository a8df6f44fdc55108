"""WSGI entry point: the only global app."""

from community import create_app

app = create_app()
