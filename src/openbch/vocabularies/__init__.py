"""Controlled vocabularies (the BCH thesaurus) as data files, and their lookup."""

from openbch.vocabularies.registry import Term, Vocabulary, get_vocabulary, vocabularies

__all__ = ["Term", "Vocabulary", "get_vocabulary", "vocabularies"]
