"""Interoperability with external databases: harvest what they hold on LMOs, link it, never copy it.

A source (OECD BioTrack, ISAAA, the central BCH, EUginius, EURL-GMFF, CFIA …) is declared as data
in ``sources/``. Harvests run gather → fetch → import (``harvest.py``), keep every raw payload with
its hash, and store what they find as *external items* (``models.ExternalItem``), never as
clearing-house records. Each item is matched to a clearing-house record by identity resolution
(``resolve.py``); curators confirm or reject proposed matches (``services.py``). LMO pages show
the items per source (``profile.py``); laboratories screen with them (``screening.py``); partners
poll the decisions flagged for them (``outbound.py``).
"""
