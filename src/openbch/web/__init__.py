"""The web interface: server-rendered pages to find and read biosafety information, in six languages.

Views call the same Python services as the API (never the API over HTTP); templates only display
what the views prepared. Every page is a URL that works without JavaScript; htmx only enhances.
"""
