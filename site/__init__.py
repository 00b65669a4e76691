"""The static open-data site (DCAT for harvesters, HTML for citizens)."""
