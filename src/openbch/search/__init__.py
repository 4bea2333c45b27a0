"""The search index: tantivy, derived from published records, kept current from the change log."""
