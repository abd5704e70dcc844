# src/facets/relational/relational.mk -- (filled in by its module's owner)
