"""The HTTP side of govcat: SPARQL endpoints and the API."""
