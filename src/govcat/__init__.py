"""govcat: a metadata catalog for government data, on a knowledge graph.

It implements the Shandong Measures for E-Government and Government Data (Order No. 329).
"""

__version__ = "0.1.0"
