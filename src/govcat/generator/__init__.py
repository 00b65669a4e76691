"""A synthetic Shandong province in the national submission template, for tests and benchmarks at scale
(``govcat generate``): the province's, the 16 cities' and their counties' departments, each with a
catalog as a CSV folder, the organisation registry that lists them, and a manifest of the deliberate
violations (about 2% of the resources) that checking should find.

Modules: ``tables`` (the lists in ``data/`` and the bundled registries), ``organisations`` (who publishes,
and how much), ``resources`` (conforming resources and their data items), ``violations`` (the deliberate
ones), ``province`` (writing it all out).
"""

from govcat.generator.province import DEFAULT_AS_OF, Summary, generate

__all__ = ["DEFAULT_AS_OF", "Summary", "generate"]
