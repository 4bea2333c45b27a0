"""Demo data of openbch: load files curated from public datasets (see data/ATTRIBUTION.md)."""
