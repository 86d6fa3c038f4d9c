"""The web application: a JSON API under /api/v1 and Spanish/English pages, over the same
services as the command line. Build it with :func:`escalera.web.app.create_app`."""
