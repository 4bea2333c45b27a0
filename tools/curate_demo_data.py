"""Curate openbch's demo data from the public datasets in ``../shared/data``.

Run from the repository root::

    .venv/bin/python tools/curate_demo_data.py [--shared ../shared] [--out DIR]

The product never reads ``shared/`` at run time: this dev-time script reads the upstream files,
cleans and links them, and writes the load files of ``src/openbch/demo/data/`` (format:
``docs/record-format.md`` §4, record types §5) plus ``CURATION_REPORT.md``, which lists every
upstream row that did not become a record and every identifier spelling that was corrected.
``ATTRIBUTION.md`` beside the output is written by hand and left alone.

The output is deterministic (records sorted by key, JSON keys sorted, ``ensure_ascii=False``,
``\\n`` line endings), so re-running the script over unchanged inputs gives identical bytes; a
test re-runs it and compares.

Stages (each a function below, in this order):

1. read the sources (``read_sources``);
2. resolve LMO identifiers: the BCH registry's spellings, corrections, event names
   (``UidRegistry``, ``EventIndex``);
3. organisms (``curate_organisms``), genetic elements (``curate_elements``), LMOs
   (``curate_lmos``), Canada's authorities and decisions (``curate_authorities``,
   ``curate_decisions``), detection methods (``curate_detection_methods``);
4. write the files and the report (``write_outputs``).

Standard library only, plus ``openbch.identifiers.oecd`` from this repository so that the demo
data compares identifiers exactly as the product does.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from openbch.identifiers.oecd import check as check_uid  # noqa: E402
from openbch.identifiers.oecd import compact_key, split_stack  # noqa: E402

DEFAULT_SHARED = REPO.parent / "shared"
DEFAULT_OUT = REPO / "src" / "openbch" / "demo" / "data"
VOCABULARY_DIR = REPO / "src" / "openbch" / "vocabularies" / "data"

# Upstream files, relative to shared/data.
LMO_CSV = "ebi-agri-hackathon-2019/lmo.csv"
ISAAA_CSV = "ebi-agri-hackathon-2019/isaaa.csv"
BIOTRACK_CSV = "ebi-agri-hackathon-2019/biotrack.csv"
CFIA_CSV = "cfia-pnt/cfia_pnt_unconfined_release.csv"
PRIMERS_TSV = "redgene-euginius/euginius_primers.tsv"
ELEMENTS_TSV = "redgene-euginius/element_summary.tsv"
CRL_TSV = "redgene-euginius/crl_amplicons_raw.tsv"

# Output files, in load order (docs/record-format.md §4: manifest.json lists them).
OUTPUT_FILES = (
    "organisms.jsonl",
    "genetic-elements.jsonl",
    "lmos.jsonl",
    "authorities.jsonl",
    "decisions.jsonl",
    "detection-methods.jsonl",
)
REPORT_FILE = "CURATION_REPORT.md"
ATTRIBUTION_FILE = "ATTRIBUTION.md"

SCBD = "SCBD"
CANADA = "CA"

# ---------------------------------------------------------------------------------------------
# Hand-made tables.  Each says where its mappings come from.
# ---------------------------------------------------------------------------------------------

#: Scientific names as the sources write them → the normalised binomial (no authority).
#: ISAAA appends authorities ("Zea mays L.") and uses two older names; BioTrack writes the hybrid sign.
SCIENTIFIC_NAME_FIXES = {
    "Malus x Domestica": "Malus domestica",  # ISAAA col 5; nothospecies written without the sign
    "Lycopersicon esculentum": "Solanum lycopersicum",  # ISAAA col 5, older synonym of the BCH's name
    "Saccharum sp": "Saccharum sp.",  # ISAAA col 5 (BCH writes "Saccharum sp.")
    "Rosa x hybrida": "Rosa hybrida",  # BioTrack col 5 (BCH writes "Rosa hybrida")
}

#: The English crop word used in LMO names, by organism (the BCH names LMOs like "YieldGard™ maize",
#: "InVigor™ canola", "Roundup Ready™ soybean": lmo.csv col 4 of stacks).
CROP_WORDS = {
    "Agrostis stolonifera": "creeping bentgrass",
    "Ananas comosus": "pineapple",
    "Beta vulgaris": "sugar beet",
    "Brassica napus": "canola",
    "Brassica rapa": "canola",
    "Capsicum annuum": "sweet pepper",
    "Carica papaya": "papaya",
    "Carthamus tinctorius": "safflower",
    "Cichorium intybus": "chicory",
    "Citrus aurantium": "sour orange",
    "Cucumis melo": "melon",
    "Cucurbita pepo": "squash",
    "Dianthus caryophyllus": "carnation",
    "Eucalyptus sp.": "eucalyptus",
    "Glycine max": "soybean",
    "Gossypium hirsutum": "cotton",
    "Linum usitatissimum": "flax",
    "Malus domestica": "apple",
    "Medicago sativa": "alfalfa",
    "Nicotiana tabacum": "tobacco",
    "Oryza sativa": "rice",
    "Phaseolus vulgaris": "bean",
    "Pisum sativum": "pea",
    "Populus sp.": "poplar",
    "Prunus domestica": "plum",
    "Rosa hybrida": "rose",
    "Saccharum sp.": "sugarcane",
    "Solanum lycopersicum": "tomato",
    "Solanum melongena": "eggplant",
    "Solanum tuberosum": "potato",
    "Triticum aestivum": "wheat",
    "Vigna unguiculata": "cowpea",
    "Zea mays": "maize",
}

#: CFIA crop names (cfia_pnt_unconfined_release.csv, column ``crop``) of LMO rows → organism.
CFIA_CROPS = {
    "Alfalfa": "Medicago sativa",
    "Apple": "Malus domestica",
    "Canola": "Brassica napus",  # except rows whose event designation starts "(B. rapa)"
    "Corn": "Zea mays",
    "Flax": "Linum usitatissimum",
    "Potato": "Solanum tuberosum",
    "Soybean": "Glycine max",
    "Sugar Beet": "Beta vulgaris",
    "Tomato": "Solanum lycopersicum",
}

#: Taxa of EUginius taxon-specific methods that are crops but are not the recipient of any LMO in
#: the data: an organism record is created for them so that the method can link to it.
EXTRA_CROP_TAXA = ("Pisum sativum",)

#: Two-letter crop codes of EURL/EUginius method codes (QT-EVE-ZM-020: ZM = Zea mays), used only
#: to choose between LMOs when an event name is ambiguous.
METHOD_CODE_CROPS = {
    "BN": "Brassica napus",
    "BV": "Beta vulgaris",
    "CP": "Carica papaya",
    "DC": "Dianthus caryophyllus",
    "GH": "Gossypium hirsutum",
    "GM": "Glycine max",
    "MS": "Medicago sativa",
    "OS": "Oryza sativa",
    "ST": "Solanum tuberosum",
    "TA": "Triticum aestivum",
    "ZM": "Zea mays",
}

#: Crop words that EUginius appends to event names in construct-specific target lists
#: ("BT10 potato", "Bt10 maize", "B tomato"): stripped, and used to choose the crop.
EVENT_NAME_CROP_SUFFIXES = {
    "maize": "Zea mays",
    "potato": "Solanum tuberosum",
    "tomato": "Solanum lycopersicum",
}

#: CFIA's two identifier typos, documented in shared/data/cfia-pnt/SOURCE.md and
#: oecd-uid-oracle/SOURCE.md (the check digit flags them; the BCH record has the canonical one).
CFIA_UID_CORRECTIONS = {
    # CFIA's two typos documented in cfia-pnt/SOURCE.md and oecd-uid-oracle/SOURCE.md:
    "DP-061067-7": (
        "DP-Ø61Ø61-7",
        "CFIA typo documented in cfia-pnt/SOURCE.md: the check digit does not verify; event 61061 is "
        "DP-Ø61Ø61-7 in the BCH registry",
    ),
    "MON-95379-1": (
        "MON-95379-3",
        "CFIA typo documented in cfia-pnt/SOURCE.md: the check digit does not verify (computes 3)",
    ),
    # A zero dropped (cfia-pnt/SOURCE.md lists the spelling among the messy ones):
    "MON-0073-7": (
        "MON-ØØØ73-7",
        "a zero is missing (8 characters); event GT73 (RT73) is MON-ØØØ73-7 in the BCH registry and ISAAA",
    ),
}

#: CFIA identifiers that the CSV's parsed column missed although the published text has them.
CFIA_UNPARSED_UIDS = {
    # row "DP202216": published as "DP2Ø2216-6" (dash missing); the check digit verifies (33 → 6).
    "DP2Ø2216-6": "DP-2Ø2216-6",
}

#: Event names (as EUginius, ISAAA or CFIA write them) → the LMO's registered identifier, for names
#: that no source pairs with an identifier directly.  Sources of each pairing in the comments.
EVENT_SYNONYMS = {
    "DAS1507": "DAS-Ø15Ø7-1",  # TC1507 (ISAAA col 1/2); EURL calls the event DAS1507
    "1507": "DAS-Ø15Ø7-1",  # BioTrack col 1 "1507, 59122"
    "DAS59122": "DAS-59122-7",  # ISAAA "59122"
    "DAS59132": "DAS-59132-8",  # BCH registry DAS-59132-8 (event 59132)
    "DP32316": "DP-Ø32316-8",  # BCH registry DP-Ø32316-8 (event 32316)
    "DP51291": "DP-Ø51291-2",  # CFIA "DP-051291-2"
    "DAS1131": "DAS-Ø1131-3",  # CFIA "DAS-01131-3"
    "VCO1981": "VCO-Ø1981-5",  # ISAAA/CFIA "VCO-01981-5"
    "RT73": "MON-ØØØ73-7",  # ISAAA "GT73 (RT73)"
    "ATBT04-06": "NMK-89761-6",  # ISAAA "ATBT04-6" (EUginius pads the line number)
    "BT6": "NMK-89812-3",  # ISAAA "BT06 " (potato), EUginius "BT6 potato"
    "Verdeca HB4": "IND-ØØ41Ø-5",  # ISAAA event "HB4", trade name "Verdeca HB4 Soybean"
    "Falcon GS 40/90": "ACS-BNØ1Ø-4",  # BCH name "Falcon™ rapeseed" (lmo.csv col 4/5)
    "Liberator": "ACS-BNØØ9-3",  # BCH name "Liberator™ canola" (lmo.csv col 4/5)
    "27531": "SHD-27531-4",  # BCH registry SHD-27531-4: the UID's event part is 27531
    "HCR-1": "ACS-BNØØ8-2",  # CFIA row "(B. rapa) HCR-1", UID ACS-BN008-2 (T45 in B. rapa)
}

#: Genetic elements.  One entry per element; ``aliases`` are every spelling that names it in the
#: sources: BCH registry names (lmo.csv col 7), ISAAA gene names (isaaa.csv col 7), RedGene
#: element ids (element_summary.tsv "FASTA header ID") and EUginius target ids
#: (euginius_primers.tsv target_name of element-specific methods).  A BCH name that the registry
#: uses for different genes in different LMOs (e.g. "Phosphinothricin N-acetyltransferase gene"
#: for both bar and pat) stays its own generic element; it is merged with a specific element only
#: when every LMO using it carries that element (e.g. "5-enolpyruvylshikimate-3-phosphate synthase
#: gene" is used only by events with CP4 EPSPS).


@dataclass(frozen=True)
class ElementDef:
    slug: str
    name: str
    abbreviation: str
    family: str
    aliases: tuple[str, ...] = ()


def _e(slug: str, name: str, abbreviation: str, family: str, *aliases: str) -> ElementDef:
    return ElementDef(slug, name, abbreviation, family, aliases)


PCS = "protein-coding-sequence"
MARKER = "selectable-marker"
REPORTER = "reporter-gene"
RNA = "rna-coding-sequence"

ELEMENTS: tuple[ElementDef, ...] = (
    # --- promoters, enhancers ------------------------------------------------------------------
    _e(
        "p-35s-camv",
        "Cauliflower mosaic virus 35S promoter",
        "P-35S",
        "promoter",
        "P-35S-CaMV",
        "CaMV 35S promoter",
        "P-Cauliflower mosaic virus",
    ),
    _e(
        "p-e35s-camv",
        "Cauliflower mosaic virus enhanced (double) 35S promoter",
        "P-e35S",
        "promoter",
        "P-e35S-CaMV",
        "CaMV 35S enhanced (double)",
    ),
    _e("e-35s-camv", "Cauliflower mosaic virus 35S enhancer", "E-35S", "enhancer", "E-35S-CaMV"),
    _e("p-scp1", "Synthetic scp1 promoter", "P-scp1", "promoter", "P-scp1-SYNTH"),
    _e("p-fmv", "Figwort mosaic virus 34S promoter", "P-FMV", "promoter", "P-FMV", "FMV 35S promoter", "P-34S FMV"),
    _e("e-fmv", "Figwort mosaic virus enhancer", "E-FMV", "enhancer", "E-FMV"),
    _e(
        "p-nos",
        "Nopaline synthase promoter",
        "P-nos",
        "promoter",
        "P-nos",
        "NOS promoter",
        "P-nos-subregion",
        "NOS promoter (subregion)",
        "P-nos-RHIRD",
    ),
    _e("p-ocs", "Octopine synthase promoter", "P-ocs", "promoter", "P-ocs", "OCS promoter"),
    _e(
        "p-ssuara",
        "Arabidopsis thaliana RuBisCO small subunit (SSuAra) promoter",
        "P-SSuAra",
        "promoter",
        "P-SSuAra",
        "SSuAra promoter",
        "P-rbcS-ARATH",
    ),
    _e("p-ta29", "Tobacco TA29 promoter", "P-TA29", "promoter", "P-TA29", "TA29 promoter", "P-ta29-TOBAC"),
    _e(
        "p-ubi1-maize",
        "Maize ubiquitin 1 promoter",
        "P-Ubi1",
        "promoter",
        "P-Ubi1-maize",
        "Maize Ubi1 promoter",
        "P-ubi1-MAIZE",
    ),
    _e(
        "p-act1-rice",
        "Rice actin 1 gene promoter",
        "P-Act1",
        "promoter",
        "Rice actin 1 gene promoter",
        "P-Act1-rice",
        "Rice actin Act1 promoter",
        "P-act1-ORYSA",
    ),
    _e("p-csvmv", "Cassava vein mosaic virus promoter", "P-CsVMV", "promoter", "P-CsVMV", "CsVMV promoter"),
    _e("p-mtl-maize", "Maize MTL/PLD3 promoter", "P-MTL", "promoter", "P-MTL-maize", "Maize MTL/PLD3 promoter"),
    _e("p-pcubi", "Parsley ubiquitin promoter", "P-PcUbi", "promoter", "P-PcUbi", "PcUbi promoter"),
    _e("p-ef1a", "Elongation factor EF-1alpha promoter", "P-EF1a", "promoter", "Elongation factor EF-1alpha promoter"),
    _e(
        "p-r1",
        "Alpha-glucan water dikinase R1 gene promoter",
        "P-R1",
        "promoter",
        "Alpha-glucan water dikinase R1 gene promoter",
        "R1",
    ),
    _e("p-phl", "Phosphorylase-L gene promoter", "P-PhL", "promoter", "Phosphorylase-L gene promoter", "PhL"),
    # --- leaders (5'-UTR) ------------------------------------------------------------------------
    _e("l-amv", "5' Untranslated Leader of AMV RNA4", "L-AMV", "five-prime-utr", "5' Untranslated Leader of AMV RNA4"),
    _e(
        "l-cab",
        "5' untranslated leader of chlorophyll a/b-binding protein",
        "L-Cab",
        "five-prime-utr",
        "5' untranslated leader of chlorophyll a/b-binding protein",
        "5' untranslated leader from chlorophyll a/b-binding protein",
    ),
    _e("l-5e1", "5'e1 Leader", "L-5'e1", "five-prime-utr", "5'e1 Leader"),
    _e("l-act8", "Actin 8 Leader sequence", "L-Act8", "five-prime-utr", "Actin 8 Leader sequence"),
    _e(
        "l-ef1a", "Elongation factor EF-1alpha Leader", "L-EF1a", "five-prime-utr", "Elongation factor EF-1alpha Leader"
    ),
    _e(
        "l-hsp70",
        "HSP 70 5' untranslated leader sequence",
        "L-Hsp70",
        "five-prime-utr",
        "HSP 70 5' untranslated leader sequence",
    ),
    _e("l-hsp17-9", "HSP17.9 Leader Sequence", "L-Hsp17.9", "five-prime-utr", "HSP17.9 Leader Sequence"),
    _e("l-omega", "Omega 5' untranslated leader", "L-Omega", "five-prime-utr", "Omega 5' untranslated leader"),
    _e(
        "l-fatb",
        "Palmitoyl acyl carrier protein thioesterase 5'UTR",
        "L-FATB",
        "five-prime-utr",
        "Palmitoyl acyl carrier protein thioesterase 5'UTR",
    ),
    _e("l-act1-rice", "Rice actin 1, leader sequence", "L-Act1", "five-prime-utr", "Rice actin 1, leader sequence"),
    _e("l-rbcs", "RuBisCO small subunit gene 5'UTR", "L-rbcS", "five-prime-utr", "RuBisCO small subunit gene 5'UTR"),
    _e("l-tev", "TEV 5' Untranslated Region", "L-TEV", "five-prime-utr", "TEV 5' Untranslated Region"),
    _e("l-ubi", "Ubiquitin 5' Untranslated Region", "L-Ubi", "five-prime-utr", "Ubiquitin 5' Untranslated Region"),
    # --- introns -------------------------------------------------------------------------------
    _e("i-act8", "Actin 8 Intron 1", "I-Act8", "intron", "Actin 8 Intron 1"),
    _e("i-adh1-1", "Alcohol Dehydrogenase 1, intron 1", "I-Adh1-1", "intron", "Alcohol Dehydrogenase 1, intron 1"),
    _e("i-adh1-2", "Alcohol Dehydrogenase 1, intron 2", "I-Adh1-2", "intron", "Alcohol Dehydrogenase 1, intron 2"),
    _e("i-adh1-6", "Alcohol Dehydrogenase 1, intron 6", "I-Adh1-6", "intron", "Alcohol Dehydrogenase 1, intron 6"),
    _e("i-cat1", "Catalase 1 intron", "I-Cat1", "intron", "Catalase 1 intron"),
    _e("i-dfr", "Dihydroflavonol-4-reductase intron", "I-DFR", "intron", "Dihydroflavonol-4-reductase intron"),
    _e("i-ef1a", "Elongation factor EF-1alpha Intron 1", "I-EF1a", "intron", "Elongation factor EF-1alpha Intron 1"),
    _e("i-h3", "Histone H3 Gene II intron 1", "I-H3", "intron", "Histone H3 Gene II intron 1"),
    _e("i-hsp70", "Hsp70 intron", "I-Hsp70", "intron", "Hsp70 intron", "hsp70-intron", "hsp70 intron"),
    _e(
        "i-ls1",
        "Light-inducible tissue-specific LS1 intron 2",
        "I-LS1",
        "intron",
        "Light-inducible tissue-specific LS1 intron 2",
    ),
    _e(
        "i-pepc9",
        "Phosphoenolpyruvate carboxylase, intron 9",
        "I-PEPC9",
        "intron",
        "Phosphoenolpyruvate carboxylase, intron 9",
    ),
    _e(
        "i-ppdk3",
        "Pyruvate orthophosphate dikinase, Intron 3",
        "I-PPDK3",
        "intron",
        "Pyruvate orthophosphate dikinase, Intron 3",
    ),
    _e("i-act1-rice", "Rice actin 1, intron", "I-Act1", "intron", "Rice actin 1, intron", "I-actin"),
    _e("i-ubi1", "Ubiquitin Intron 1", "I-Ubi1", "intron", "Ubiquitin Intron 1"),
    _e("i-pmb4", "pMB4 intervening sequence", "IVS-pMB4", "intron", "pMB4 intervening sequence"),
    # --- terminators ---------------------------------------------------------------------------
    _e(
        "t-nos",
        "Nopaline synthase terminator",
        "T-nos",
        "terminator",
        "T-nos",
        "NOS terminator",
        "T-nos-subregion",
        "NOS terminator (subregion)",
        "T-nos-RHIRD",
        "Nopaline Synthase Gene Terminator",
    ),
    _e(
        "t-ocs",
        "Octopine synthase terminator",
        "T-ocs",
        "terminator",
        "T-ocs",
        "OCS terminator",
        "T-ocs-subregion",
        "OCS terminator (subregion)",
        "T-ocs-RHIRD",
    ),
    _e(
        "t-35s-camv",
        "Cauliflower mosaic virus 35S terminator",
        "T-35S",
        "terminator",
        "T-35S-CaMV",
        "CaMV 35S terminator",
        "T-Cauliflower mosaic virus",
    ),
    _e(
        "t-35s-pcambia",
        "pCAMBIA 35S terminator",
        "T-35S-pCAMBIA",
        "terminator",
        "T-35S-pCAMBIA",
        "pCambia 35S terminator",
    ),
    _e("t-e9", "Pea rbcS E9 terminator", "T-E9", "terminator", "T-E9", "E9 terminator", "T-rbcS_E9-PEA"),
    _e(
        "t-g7",
        "Agrobacterium tumefaciens gene 7 terminator",
        "T-g7",
        "terminator",
        "T-g7",
        "g7 terminator",
        "T-transcript 7",
        "T-orf23-RHIRD",
    ),
    _e(
        "t-pinii",
        "Potato proteinase inhibitor II terminator",
        "T-pinII",
        "terminator",
        "T-PinII",
        "T-pinII",
        "Pinll terminator",
        "Pinll terminator (potato PI-II)",
    ),
    _e("t-orf25", "ORF25 PolyA Terminator sequence", "T-ORF25", "terminator", "ORF25 PolyA Terminator sequence"),
    _e("t-barstar", "Barstar gene terminator", "T-barstar", "terminator", "Barstar gene terminator"),
    _e("t-barnase", "Barnase 3' Untranslated region", "T-barnase", "terminator", "Barnase 3' Untranslated region"),
    # --- targeting sequences -------------------------------------------------------------------
    _e(
        "ctp2",
        "Chloroplast transit peptide 2",
        "CTP2",
        "transit-peptide",
        "Chloroplast transit peptide 2",
        "CTP2",
        "CTP2 transit peptide",
    ),
    _e(
        "ctp4",
        "Chloroplast Transit Peptide 4",
        "CTP4",
        "transit-peptide",
        "Chloroplast Transit Peptide 4",
        "CTP4",
        "CTP4 transit peptide",
    ),
    _e(
        "ctp-ahas",
        "AHAS Chloroplast Transit Peptide",
        "CTP-AHAS",
        "transit-peptide",
        "AHAS Chloroplast Transit Peptide",
    ),
    _e("tp-bt1", "Brittle-1 gene Transit Peptide", "TP-Bt1", "transit-peptide", "Brittle-1 gene Transit Peptide"),
    _e(
        "ctp-dhdps",
        "Dihydrodipicolinate synthase chloroplast targeting sequence",
        "CTP-DHDPS",
        "transit-peptide",
        "Dihydrodipicolinate synthase chloroplast targeting sequence",
    ),
    _e("otp", "Optimized Transit Peptide", "OTP", "transit-peptide", "Optimized Transit Peptide"),
    _e("tp-rbcs", "rbcS Transit Peptide", "TP-rbcS", "transit-peptide", "rbcS Transit Peptide"),
    _e(
        "ts-ssu",
        "Transit peptide and first intron of Rubisco SSU",
        "TS-SSU-CTP",
        "transit-peptide",
        "Transit peptide and first intron of Rubisco SSU",
    ),
    _e("sekdel", "SEKDEL ER retention signal", "SEKDEL", "retention-signal", "SEKDEL ER retention signal"),
    # --- other non-coding ----------------------------------------------------------------------
    _e("lb-tdna", "T-DNA left border", "LB", "t-dna-border", "LB-TDNA", "T-DNA LB (left border)"),
    _e("rb-tdna", "T-DNA right border", "RB", "t-dna-border", "RB-TDNA", "T-DNA RB (right border)"),
    _e(
        "ti-nos-flank",
        "Nopaline-type Ti plasmid sequence flanking the T-DNA",
        "Ti-nos-flank",
        "other-non-coding",
        "V-Flanking Ti-nos-RHIRD",
    ),
    _e(
        "ti-ocs-flank",
        "Octopine-type Ti plasmid sequence flanking the T-DNA",
        "Ti-ocs-flank",
        "other-non-coding",
        "V-Flanking Ti-ocs-RHIRD",
    ),
    _e("loxp", "loxP recombination site", "loxP", "recombination-site", "loxP recombination site"),
    _e("ori-puc", "pUC origin of replication", "ori-pUC", "origin-of-replication", "pUC origin of replication"),
    _e("transcribed-element", "transcribed element", "transcribed element", "other-non-coding", "transcribed element"),
    _e(
        "sgrna-scaffold",
        "sgRNA scaffold (generic)",
        "sgRNA scaffold",
        RNA,
        "sgRNA_scaffold_generic",
        "sgRNA scaffold (generic)",
    ),
    # --- marker and reporter genes ---------------------------------------------------------------
    _e(
        "nptii",
        "Neomycin Phosphotransferase II",
        "nptII",
        MARKER,
        "Neomycin Phosphotransferase II",
        "nptII",
        "CS-nptII-ECOLX",
        "V-nptII-ECOLX",
    ),
    _e(
        "hpt",
        "Hygromycin B phosphotransferase gene",
        "hpt",
        MARKER,
        "Hygromycin B phosphotransferase gene",
        "hpt",
        "hpt (hph)",
        "hph",
        "aph4 (hpt)",
    ),
    _e("aada", "Aminoglycoside adenyltransferase", "aadA", MARKER, "aadA"),
    _e("cat", "Chloramphenicol acetyltransferase", "cat", MARKER, "V-chloramphenicol acetyl transferase"),
    _e("bla", "Beta-lactamase", "bla", MARKER, "bla"),
    _e(
        "pmi",
        "Phosphomannose Isomerase gene",
        "pmi",
        MARKER,
        "Phosphomannose Isomerase gene",
        "pmi",
        "PMI",
        "PMI (phosphomannose isomerase / manA)",
    ),
    _e(
        "gus",
        "Beta-Glucuronidase coding sequence",
        "uidA",
        REPORTER,
        "Beta-Glucuronidase coding sequence",
        "gus",
        "gus (uidA)",
        "uidA",
    ),
    _e(
        "dsred2",
        "DsRed2 Fluorescent Protein",
        "DsRed2",
        REPORTER,
        "DsRed2 Fluorescent Protein",
        "dsRed2",
        "CS-DsRed2 fluorescent protein",
    ),
    # --- herbicide tolerance -------------------------------------------------------------------
    _e(
        "cp4-epsps",
        "5-enolpyruvylshikimate-3-phosphate synthase gene (CP4 EPSPS)",
        "cp4 epsps",
        PCS,
        "5-enolpyruvylshikimate-3-phosphate synthase gene",
        "cp4-epsps",
        "cp4 epsps",
        "cp4 epsps (aroA:CP4)",
        "CS-CP4epsps-RHIRD",
    ),
    _e(
        "epsps",
        "5-enolpyruvylshikimate-3-phosphate synthase",
        "epsps",
        PCS,
        "5-enolpyruvylshikimate-3-phosphate synthase",
    ),
    _e(
        "2mepsps",
        "Double-mutant maize 5-enolpyruvylshikimate-3-phosphate synthase (2mEPSPS)",
        "2mepsps",
        PCS,
        "2mepsps",
        "2mEPSPS",
        "2mEPSPS (maize double-mutant)",
        "mepsps",
    ),
    _e(
        "gox",
        "Glyphosate oxidoreductase gene",
        "goxv247",
        PCS,
        "Glyphosate oxidoreductase gene",
        "gox",
        "GOX (glyphosate oxidase)",
        "goxv247",
    ),
    _e(
        "gat",
        "Glyphosate-N-Acteyltransferase gene",
        "gat",
        PCS,
        "Glyphosate-N-Acteyltransferase gene",
        "gat4601",
        "gat4621",
    ),
    _e("pat-bar", "Phosphinothricin N-acetyltransferase gene", "PAT", PCS, "Phosphinothricin N-acetyltransferase gene"),
    _e("pat", "Phosphinothricin acetyltransferase (pat)", "pat", PCS, "pat", "CS-pat-STRVR", "pat (syn)"),
    _e("bar", "Phosphinothricin acetyltransferase (bar)", "bar", PCS, "bar", "CS-bar-STRHY"),
    # The BCH name is used for aad-12 (DAS-444Ø6-6, DAS-68416-4) and for aad-1 (stacks with DAS-4Ø278-9).
    _e("aad", "Aryloxyalkanoate dioxygenase gene", "aad", PCS, "Aryloxyalkanoate dioxygenase gene"),
    _e("aad-12", "Aryloxyalkanoate dioxygenase 12 (aad-12)", "aad-12", PCS, "aad-12"),
    _e("aad-1", "Aryloxyalkanoate dioxygenase 1 (aad-1)", "aad-1", PCS, "aad-1"),
    _e("dmo", "Dicamba monooxygenase gene", "dmo", PCS, "Dicamba monooxygenase gene", "dmo"),
    _e(
        "hppd-pf-w336",
        "4-Hydroxyphenylpyruvate dioxygenase gene",
        "hppdPF W336",
        PCS,
        "4-Hydroxyphenylpyruvate dioxygenase gene",
        "hppdPF W336",
    ),
    _e("avhppd-03", "avhppd-03 gene", "avhppd-03", PCS, "avhppd-03 gene", "avhppd-03"),
    _e(
        "ahas",
        "Acetohydroxy acid synthase gene",
        "ahas",
        PCS,
        "Acetohydroxy acid synthase gene",
        "Acetohydroxy acid Synthase gene",
    ),
    _e(
        "ahas-chimeric",
        "Acetohydroxy acid synthase gene (Chimeric)",
        "ahas (chimeric)",
        PCS,
        "Acetohydroxy acid synthase gene (Chimeric)",
    ),
    _e("bxn", "Bromoxynil-specific nitrilase", "bxn", PCS, "Bromoxynil-specific nitrilase", "bxn"),
    _e("gm-hra", "Modified soybean acetolactate synthase (gm-hra)", "gm-hra", PCS, "gm-hra"),
    _e("zm-hra", "Modified maize acetolactate synthase (zm-hra)", "zm-hra", PCS, "zm-hra"),
    _e("csr1-2", "Arabidopsis thaliana acetohydroxyacid synthase large subunit (csr1-2)", "csr1-2", PCS, "csr1-2"),
    # --- insect resistance ---------------------------------------------------------------------
    _e("cry1ab", "Cry1Ab", "cry1Ab", PCS, "Cry1Ab", "cry1Ab", "cry1Ab (truncated)", "CS-cry1Ab-BACTU"),
    _e("cry1ac", "Cry1Ac", "cry1Ac", PCS, "Cry1Ac", "cry1Ac", "CS-cry1Ac-BACTU"),
    _e(
        "cry1ab-ac",
        "Cry1Ab/Cry1Ac fusion (synthetic, truncated)",
        "cry1Ab-Ac",
        PCS,
        "cry1Ab-Ac",
        "CS-cry1Ab_1Ac_tr-SYNTH",
    ),
    _e("cry1f", "Cry1F", "cry1F", PCS, "Cry1F", "cry1F", "cry1Fa2", "mocry1F", "CS-cry1F_tr-BACTA"),
    _e("cry1a-105", "Cry1A.105", "cry1A.105", PCS, "Cry1A.105", "cry1A.105", "CS-cry1A_105-SYNTH"),
    _e("cry1c", "Cry1C", "cry1C", PCS, "cry1C"),
    _e("cry2ab2", "Cry2Ab2", "cry2Ab2", PCS, "Cry2Ab2", "cry2Ab2", "cry2Ab2 (crystal protein)", "CS-cry2Ab2-BACTK"),
    _e("cry2ae", "Cry2Ae", "cry2Ae", PCS, "Cry2Ae", "cry2Ae"),
    _e("cry34ab1", "Cry34Ab1", "cry34Ab1", PCS, "Cry34Ab1", "cry34Ab1", "cry34Ab1 (crystal protein)"),
    _e("cry35ab1", "Cry35Ab1", "cry35Ab1", PCS, "Cry35Ab1", "cry35Ab1", "cry35Ab1 (crystal protein)"),
    _e("cry3a", "Cry3A", "cry3A", PCS, "Cry3A", "cry3A", "CS-cry3A-BACTT"),
    _e("mcry3a", "mCry3A", "mcry3A", PCS, "mCry3A", "mcry3A", "CS-mcry3A-SYNTH"),
    _e("cry3bb1", "Cry3Bb1", "cry3Bb1", PCS, "Cry3Bb1", "cry3Bb1", "CS-cry3Bb1-BACUK"),
    _e("cry9c", "Cry9C", "cry9C", PCS, "Cry9C", "cry9C"),
    _e("ecry3-1ab", "eCry3.1Ab", "ecry3.1Ab", PCS, "eCry3.1Ab", "ecry3.1Ab"),
    _e("mcry51aa2", "mCry51Aa2", "mCry51Aa2", PCS, "mCry51Aa2"),
    _e(
        "vip3a", "Vegetative insecticidal protein 3A", "vip3A(a)", PCS, "Vegetative insecticidal protein 3A", "vip3A(a)"
    ),
    _e(
        "vip3aa20",
        "Vegetative insecticidal protein 3Aa20",
        "vip3Aa20",
        PCS,
        "Vegetative insecticidal protein 3Aa20",
        "vip3Aa20",
        "vip3Aa",
        "vip3Aa (vegetative insecticidal protein)",
        "CS-vip3Aa20-BACTU",
    ),
    _e("pinii", "Proteinase inhibitor II gene", "pinII", PCS, "Proteinase inhibitor II gene"),
    _e("dvsnf7", "Snf7 coding sequence", "DvSnf7", RNA, "Snf7 coding sequence", "dvsnf7"),
    # --- pollination control -------------------------------------------------------------------
    _e("barnase", "Barnase", "barnase", PCS, "Barnase", "barnase", "CS-barnase"),
    _e("barstar", "Barstar", "barstar", PCS, "Barstar", "barstar", "CS-barstar"),
    _e("dam", "DNA Adenine Methylase gene", "dam", PCS, "DNA Adenine Methylase gene", "dam"),
    _e("ms45", "Ms45 gene", "ms45", PCS, "Ms45 gene", "ms45"),
    _e("zm-aa1", "Maize α-Amylase Gene", "zm-aa1", PCS, "Maize α-Amylase Gene", "zm-aa1"),
    # --- virus resistance ----------------------------------------------------------------------
    _e("cmv-cp", "CMV coat protein", "cmv_cp", PCS, "CMV coat protein", "cmv_cp"),
    _e("prsv-cp", "PRSV coat protein", "prsv_cp", PCS, "PRSV coat protein", "prsv_cp"),
    _e("pvy-cp", "PVY coat protein", "pvy_cp", PCS, "PVY coat protein", "pvy_cp"),
    _e("wmv-cp", "WMV-2 coat protein", "wmv_cp", PCS, "WMV-2 coat protein", "wmv_cp"),
    _e("zymv-cp", "ZYMV coat protein", "zymv_cp", PCS, "ZYMV coat protein", "zymv_cp"),
    _e("plrv-rep", "PLRV Replicase gene", "plrv_orf1/orf2", PCS, "PLRV Replicase gene"),
    _e("ppv-cp", "Plum pox virus coat protein", "ppv_cp", PCS, "ppv_cp"),
    _e("ac1", "Bean golden mosaic virus AC1 (replication protein) sequence", "ac1", RNA, "ac1 (sense and antisense)"),
    # --- quality traits ------------------------------------------------------------------------
    _e(
        "acc-synthase",
        "1-aminocyclopropane-1-carboxylic acid synthase gene",
        "acc",
        PCS,
        "1-aminocyclopropane-1-carboxylic acid synthase gene",
        "1-amino-cyclopropane -1-carboxylic acid synthase gene",
    ),
    _e(
        "acc-deaminase",
        "1-amino-cyclopropane-1-carboxylic acid deaminase",
        "accd",
        PCS,
        "1-amino-cyclopropane-1-carboxylic acid deaminase",
        "accd",
    ),
    _e("5at", "Anthocyanin 5-acyltransferase gene", "5AT", PCS, "Anthocyanin 5-acyltransferase gene"),
    _e("asn1", "Asparagine synthetase-1 gene", "asn1", RNA, "Asparagine synthetase-1 gene", "asn1"),
    _e("ppo5", "Polyphenol oxidase 5 gene", "ppo5", RNA, "Polyphenol oxidase 5 gene", "ppo5"),
    _e("vinv", "Vacuolar invertase gene", "vInv", RNA, "Vacuolar invertase gene"),
    _e(
        "pgas-ppo",
        "PPO Suppression Transgene",
        "PGAS PPO",
        RNA,
        "PPO Suppression Transgene",
        "PGAS PPO suppression gene",
    ),
    _e(
        "ccomt",
        "Caffeoyl CoA 3-O-methyltransferase gene",
        "ccomt",
        RNA,
        "Caffeoyl CoA 3-O-methyltransferase gene",
        "ccomt (inverted repeat)",
    ),
    _e("cytb5", "Cytochrome b5", "cytb5", PCS, "Cytochrome b5"),
    _e("dhdps", "Dihydrodipicolinate synthase", "cordapA", PCS, "Dihydrodipicolinate synthase", "cordapA"),
    _e("dfr", "Dihydroflavonol-4-reductase", "dfr", PCS, "Dihydroflavonol-4-reductase"),
    _e(
        "f3-5-h",
        "Flavonoid 3', 5'-hydroxylase gene",
        "F3'5'H",
        PCS,
        "Flavonoid 3', 5' hydroxylase gene",
        "Flavonoid 3', 5'-hydroxylase gene",
        "Flavonoid 3’, 5’-hydroxylase gene",
    ),
    _e("fad2", "delta(12)-fatty acid dehydrogenase", "fad2", PCS, "delta(12)-fatty acid dehydrogenase"),
    _e("d6d", "Delta-6-desaturase", "Pj.D6D", PCS, "Delta-6-desaturase"),
    _e("fad3", "delta-15 desaturase gene", "Nc.Fad3", PCS, "delta-15 desaturase gene"),
    _e("te", "Thioesterase", "te", PCS, "Thioesterase", "te"),
    _e("gbss", "Granule-bound starch synthase gene", "gbss", PCS, "Granule-bound starch synthase gene"),
    _e("pg", "Polygalacturonase gene", "pg", PCS, "Polygalacturonase gene", "pg (sense or antisense)"),
    _e("crti", "Phytoene Desaturase gene", "crtI", PCS, "Phytoene Desaturase gene"),
    _e("psy1", "Phytoene Synthase 1 gene", "psy1", PCS, "Phytoene Synthase 1 gene"),
    _e("psy", "Phytoene synthase gene", "psy", PCS, "Phytoene synthase gene"),
    _e("lcyb", "Lycopene beta cyclase gene", "lcyb", PCS, "Lycopene beta cyclase gene"),
    _e("lcye", "Lycopene epsilon-cyclase gene", "lcye", PCS, "Lycopene epsilon-cyclase gene"),
    _e("amy797e", "amy797E alpha amylase", "amy797E", PCS, "amy797E alpha amylase", "amy797E"),
    _e("phya", "Phytase (phyA)", "phyA", PCS, "phyA"),
    # DHA canola (NS-B5ØØ27-4): the seven genes of the omega-3 (DHA) pathway, ISAAA names.
    _e("lackl-d12d", "Delta-12 desaturase (Lachancea kluyveri)", "Lackl-delta12D", PCS, "Lackl-delta12D"),
    _e("micpu-d6d", "Delta-6 desaturase (Micromonas pusilla)", "Micpu-delta-6D", PCS, "Micpu-delta-6D"),
    _e("pavsa-d4d", "Delta-4 desaturase (Pavlova salina)", "Pavsa-delta-4D", PCS, "Pavsa-delta-4D"),
    _e("pavsa-d5d", "Delta-5 desaturase (Pavlova salina)", "Pavsa-delta-5D", PCS, "Pavsa-delta-5D"),
    _e("picpa-w3d", "Omega-3 desaturase (Pichia pastoris)", "Picpa-omega-3D", PCS, "Picpa-omega-3D"),
    _e("pyrco-d5e", "Delta-5 elongase (Pyramimonas cordata)", "Pyrco-delta-5E", PCS, "Pyrco-delta-5E"),
    _e("pyrco-d6e", "Delta-6 elongase (Pyramimonas cordata)", "Pyrco-delta-6E", PCS, "Pyrco-delta-6E"),
    _e("nos", "Nopaline Synthase Gene", "nos", PCS, "Nopaline Synthase Gene", "nos", "CS-nos-RHIRD"),
    # --- stress tolerance, yield, disease resistance -------------------------------------------
    _e("cspb", "Cold shock protein gene", "cspB", PCS, "Cold shock protein gene", "cspB"),
    _e("athb17", "HB17 transcription factor gene", "athb17", PCS, "HB17 transcription factor gene", "athb17"),
    _e("bbx32", "B-BOX32 gene", "bbx32", PCS, "B-BOX32 gene", "bbx32"),
    _e("hahb-4", "Homeodomain-leucine zipper 4 gene", "Hahb-4", PCS, "Homeodomain-leucine zipper 4 gene", "Hahb-4"),
    _e(
        "rpi-vnt1",
        "Phytophthora infestans Resistance gene 1",
        "Rpi-vnt1",
        PCS,
        "Phytophthora infestans Resistance gene 1",
        "Rpi-vnt1",
    ),
    _e("defensin", "Defensin coding sequence", "defensin", PCS, "Defensin coding sequence"),
    _e("defensin-gene", "Defensin gene coding sequence", "defensin", PCS, "Defensin gene coding sequence"),
    _e("lysozyme", "Lysozyme coding sequence", "lysozyme", PCS, "Lysozyme coding sequence"),
    _e("peroxidase", "Peroxidase coding sequence", "peroxidase", PCS, "Peroxidase coding sequence"),
    _e("hemagglutinin", "Hemagglutinin gene", "HA", PCS, "Hemagglutinin gene"),
    # --- genome editing and other RedGene elements ---------------------------------------------
    _e(
        "spcas9",
        "Streptococcus pyogenes Cas9 (plant codon-optimised)",
        "SpCas9",
        PCS,
        "SpCas9",
        "SpCas9 (plant codon-optimized)",
    ),
    _e(
        "atyucca6",
        "Arabidopsis YUCCA6 flavin monooxygenase",
        "AtYUCCA6",
        PCS,
        "AtYUCCA6",
        "AtYUCCA6 (flavin monooxygenase)",
    ),
    _e(
        "ugt72e3",
        "Arabidopsis UDP-glycosyltransferase UGT72E3",
        "UGT72E3",
        PCS,
        "UGT72E3",
        "UGT72E3 (UDP-glycosyltransferase)",
    ),
)

#: ISAAA gene cells (isaaa.csv col 7) in which the scraper glued several gene names together,
#: for the LMOs whose genes come from ISAAA → the names they consist of.
ISAAA_GENE_SPLITS: dict[str, tuple[str, ...]] = {
    "cry3Bb1dvsnf7": ("cry3Bb1", "dvsnf7"),
    "PhLR1": ("PhL", "R1"),  # Innate potatoes: promoter fragments of the PhL and R1 genes
    "Lackl-delta12DMicpu-delta-6DPavsa-delta-4DPavsa-delta-5DPicpa-omega-3DPyrco-delta-5EPyrco-delta-6E": (
        "Lackl-delta12D",
        "Micpu-delta-6D",
        "Pavsa-delta-4D",
        "Pavsa-delta-5D",
        "Picpa-omega-3D",
        "Pyrco-delta-5E",
        "Pyrco-delta-6E",
    ),
}

#: Crop words in the BCH's LMO names ("Liberator™ canola", "Falcon™ rapeseed") → organism, the last
#: resort for an LMO whose recipient organism no source names.
NAME_CROPS = {
    "canola": "Brassica napus",
    "rapeseed": "Brassica napus",
    "maize": "Zea mays",
    "soybean": "Glycine max",
    "cotton": "Gossypium hirsutum",
    "potato": "Solanum tuberosum",
    "carnation": "Dianthus caryophyllus",
}

#: CFIA trait texts (column ``traits``) that name several traits at once → the terms of
#: lmo-traits.json they stand for.  Single-trait texts are aliases in the vocabulary itself.
CFIA_COMBINED_TRAITS: dict[str, tuple[str, ...]] = {
    "Colorado Potato Beetle resistance / Potato Leafroll virus resistance": ("coleoptera", "viruses"),
    "Colorado Potato Beetle resistance / Potato virus Y resistance": ("coleoptera", "viruses"),
    "Corn rootworm and lepidopteran resistance": ("coleoptera", "lepidoptera"),
    "Dicamba and glufosinate ammonium tolerance": ("dicamba-tolerance", "glufosinate-tolerance"),
    "European Corn Borer resistance / glyphosate tolerance": ("lepidoptera", "glyphosate-tolerance"),
    "European Corn Borer resistance/ glufosinate ammonium tolerance": ("lepidoptera", "glufosinate-tolerance"),
    "Glufosinate, 2,4-D and glyphosate tolerance": ("glufosinate-tolerance", "2-4-d-tolerance", "glyphosate-tolerance"),
    "Glufosinate, glyphosate & dicamba tolerance": (
        "glufosinate-tolerance",
        "glyphosate-tolerance",
        "dicamba-tolerance",
    ),
    "Glyphosate and glufosinate ammonium tolerance": ("glyphosate-tolerance", "glufosinate-tolerance"),
    "Imidazolinone and sulfonylurea tolerance": ("imidazolinone-tolerance", "sulfonylurea-tolerance"),
    "Imidazolinone tolerance, Synthesis of EPA (eicosapentaenoic acid) and DHA (docosahexaenoic acid)": (
        "imidazolinone-tolerance",
        "modified-oil-fatty-acid",
    ),
    "Increased ear biomass potential / glufosinate ammonium tolerance": ("increased-yield", "glufosinate-tolerance"),
    "Increased yield; Drought tolerance; Glufosinate ammonium tolerance": (
        "increased-yield",
        "drought-tolerance",
        "glufosinate-tolerance",
    ),
    "Lepidopteran resistance / glufosinate - ammonium tolerance": ("lepidoptera", "glufosinate-tolerance"),
    "Lepidopteran resistance / glufosinate tolerance": ("lepidoptera", "glufosinate-tolerance"),
    "Lepidopteran resistance / glyphosate tolerance": ("lepidoptera", "glyphosate-tolerance"),
    "Male sterility / fertility restoration / glufosinate ammonium tolerance": (
        "male-sterility",
        "fertility-restoration",
        "glufosinate-tolerance",
    ),
    "Male sterility / glufosinate ammonium tolerance": ("male-sterility", "glufosinate-tolerance"),
    "Modified fatty acid profile and glufosinate ammonium tolerance": (
        "modified-oil-fatty-acid",
        "glufosinate-tolerance",
    ),
    "Modified fatty acid profile and glyphosate tolerance": ("modified-oil-fatty-acid", "glyphosate-tolerance"),
    "Reduced levels of reducing sugars, asparagine and black spot bruise": (
        "reduced-reducing-sugars",
        "reduced-asparagine",
        "reduced-black-spot-bruising",
    ),
    "Reduced levels of reducing sugars, asparagine, black spot bruise and late blight resistance": (
        "reduced-reducing-sugars",
        "reduced-asparagine",
        "reduced-black-spot-bruising",
        "oomycetes",
    ),
    "Reduced levels of reducing sugars, reduced black spot, late blight resistance and potato virus Y resistance": (
        "reduced-reducing-sugars",
        "reduced-black-spot-bruising",
        "oomycetes",
        "viruses",
    ),
    "Resistance to Western and Northern Corn rootworms and to European corn borer / tolerance to glufosinate "
    "ammonium herbicide": ("coleoptera", "lepidoptera", "glufosinate-tolerance"),
    "Resistance to corn rootworm / Tolerance to glufosinate ammonium herbicide": (
        "coleoptera",
        "glufosinate-tolerance",
    ),
    "Resistance to western and northern corn rootworms / Tolerance to glufosinate ammonium herbicide": (
        "coleoptera",
        "glufosinate-tolerance",
    ),
    "Tolerance to 2,4-D and 'fop' herbicides": ("2-4-d-tolerance", "accase-inhibitor-tolerance"),
    "Tolerance to 2,4-D and glufosinate ammonium": ("2-4-d-tolerance", "glufosinate-tolerance"),
    "Tolerance to glufosinate 2,4-D, dicamba,and glyphosate herbicides": (
        "glufosinate-tolerance",
        "2-4-d-tolerance",
        "dicamba-tolerance",
        "glyphosate-tolerance",
    ),
    "Tolerance to glufosinate ammonium, dicamba, 2,4-D, and mesotrione herbicides": (
        "glufosinate-tolerance",
        "dicamba-tolerance",
        "2-4-d-tolerance",
        "hppd-inhibitor-tolerance",
    ),
    "Tolerance to glyphosate and isoxaflutole": ("glyphosate-tolerance", "hppd-inhibitor-tolerance"),
    "Tolerance to glyphosate herbicide and tolerance to ALS-inhibiting herbicides": (
        "glyphosate-tolerance",
        "als-inhibitor-tolerance",
    ),
    "Tolerance to herbicides that inhibit HPPD (isoxaflutole); Resistance to soybean cyst nematode": (
        "hppd-inhibitor-tolerance",
        "nematodes",
    ),
    "Tolerance to herbicides that inhibit HPPD (isoxaflutole, mesotrione), and to glufosinate ammonium": (
        "hppd-inhibitor-tolerance",
        "glufosinate-tolerance",
    ),
    "Tolerance to imidizolinone and sulfonylurea herbicides": ("imidazolinone-tolerance", "sulfonylurea-tolerance"),
    "Western and Northern Corn Rootworm resistance/ Glyphosate tolerance": ("coleoptera", "glyphosate-tolerance"),
    "Western and Northern Corn Rootworms resistance/ Glufosinate-ammonium tolerance": (
        "coleoptera",
        "glufosinate-tolerance",
    ),
    "Western and Northern Corn Rootworms resistance/ Glyphosate tolerance": ("coleoptera", "glyphosate-tolerance"),
    "Tolerance to glyphosate and glufosinate": ("glyphosate-tolerance", "glufosinate-tolerance"),  # BioTrack
}

#: Canada's two competent national authorities for plants with novel traits (facts from their
#: public web sites; no contact person, telephone or e-mail is invented).
AUTHORITIES: dict[str, dict[str, Any]] = {
    "cna/ca/cfia": {
        "name": {"en": "Canadian Food Inspection Agency", "fr": "Agence canadienne d'inspection des aliments"},
        "acronym": "CFIA",
        "city": {"en": "Ottawa"},
        "websites": [{"url": "https://inspection.canada.ca", "name": "CFIA"}],
        "responsibilities": {
            "en": "Environmental release (unconfined release) of plants with novel traits and safety "
            "assessment of novel livestock feeds.",
            "fr": "Dissémination dans l'environnement (dissémination en milieu ouvert) des végétaux à "
            "caractères nouveaux et évaluation de l'innocuité des aliments nouveaux du bétail.",
        },
        "functions": [{"identifier": "intentional-introduction"}, {"identifier": "food-feed-processing"}],
        "cpbOrganismTypes": [{"identifier": "plants"}],
    },
    "cna/ca/health-canada": {
        "name": {"en": "Health Canada", "fr": "Santé Canada"},
        "city": {"en": "Ottawa"},
        "websites": [{"url": "https://www.canada.ca/en/health-canada.html", "name": "Health Canada"}],
        "responsibilities": {
            "en": "Safety assessment of novel foods, including foods derived from plants with novel traits.",
            "fr": "Évaluation de l'innocuité des aliments nouveaux, y compris les aliments issus de végétaux "
            "à caractères nouveaux.",
        },
        "functions": [{"identifier": "food-feed-processing"}],
    },
}

CFIA_NON_LMO_REASON = (
    "CFIA classifies it as non-LMO (not a living modified organism under the Protocol): no LMO record to link"
)

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_DATE_IN_TEXT = re.compile(
    r"(January|February|March|April|May|June|July|August|September|October|November|December)\s*"
    r"(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
)
_DECISION_DOCUMENT = re.compile(r"DD\d{2,4}-\d+(?: Suppl\.)?")
_IUPAC = re.compile(r"^[ACGTURYSWKMBDHVN]+$")
_REFERENCE_HINT = re.compile(r"ISO|et al|GMOMETHODS|Official Collection|BVL|GenTG|LFGB|\b(19|20)\d{2}\b")


def norm_space(text: str) -> str:
    """Collapse every run of whitespace (including no-break spaces) to one space; strip."""
    return " ".join(text.split())


def norm_label(text: str) -> str:
    """Comparison form of a label: lower case, straight quotes, single spaces."""
    return norm_space(text.replace("’", "'").replace("‘", "'")).lower()


def slugify(text: str) -> str:
    """Lower-case ASCII slug: ``Zea mays`` → ``zea-mays``, ``MON-ØØ81Ø-6`` → ``mon-00810-6``."""
    text = text.replace("Ø", "0").replace("ø", "0")
    text = re.sub(r"[™®©]", "", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def name_key(text: str) -> str:
    """Comparison key of an event name: upper case, ``Ø`` → 0, letters and digits only."""
    return re.sub(r"[^A-Z0-9]", "", text.upper().replace("Ø", "0"))


def uid_code(text: str) -> str | None:
    """The compact 9-character code of a single identifier, or None if it is not shaped like one."""
    compact = compact_key(text)
    if len(split_stack(text)) == 1 and len(compact) == 9 and compact[-1].isdigit():
        return compact
    return None


def unique(items: Iterable[Any]) -> list[Any]:
    """Items in first-seen order without repeats."""
    seen: set[Any] = set()
    out = []
    for item in items:
        marker = json.dumps(item, sort_keys=True) if isinstance(item, dict) else item
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out


def ref(key: str) -> dict[str, str]:
    return {"key": key}


def term(identifier: str) -> dict[str, str]:
    return {"identifier": identifier}


def en(text: str) -> dict[str, str]:
    return {"en": text}


def parse_long_date(text: str) -> str | None:
    """``July 28, 2005`` / ``October 3rd, 2023`` / ``September 2 2021`` → ISO date, or None."""
    match = _DATE_IN_TEXT.search(text)
    if not match:
        return None
    month, day, year = match.groups()
    return dt.date(int(year), _MONTHS[month.lower()], int(day)).isoformat()


def read_delimited(path: Path, delimiter: str, header: bool) -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV/TSV with the physical line number on which each row starts (1-based)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        start = 1
        first = True
        for row in reader:
            line = start
            start = reader.line_num + 1
            if first and header:
                first = False
                continue
            first = False
            yield line, row


def read_dicts(path: Path, delimiter: str) -> list[tuple[int, dict[str, str]]]:
    rows = list(read_delimited(path, delimiter, header=False))
    names = rows[0][1]
    return [(line, dict(zip(names, values, strict=True))) for line, values in rows[1:]]


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


@dataclass
class Report:
    """What CURATION_REPORT.md says: skipped rows, corrections, notes, unlinked records."""

    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # file, rows, reason
    corrections: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)  # (from, to, why) → where
    notes: list[str] = field(default_factory=list)
    unlinked_methods: list[tuple[str, str, str]] = field(default_factory=list)  # code, type, target
    linking: list[str] = field(default_factory=list)

    def skip(self, file: str, rows: str | int, reason: str) -> None:
        self.skipped.append((file, str(rows), reason))

    def correct(self, spelling: str, corrected: str, why: str, where: str) -> None:
        self.corrections.setdefault((spelling, corrected, why), set()).add(where)


def compress_rows(lines: Iterable[int]) -> str:
    """``[3, 4, 5, 9]`` → ``3–5, 9``."""
    runs: list[list[int]] = []
    for number in sorted(set(lines)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


# ---------------------------------------------------------------------------------------------
# Stage 1: sources and vocabularies
# ---------------------------------------------------------------------------------------------


@dataclass
class Sources:
    lmo: list[tuple[int, list[str]]]
    isaaa: list[tuple[int, list[str]]]
    biotrack: list[tuple[int, list[str]]]
    cfia: list[tuple[int, dict[str, str]]]
    primers: list[tuple[int, dict[str, str]]]
    elements: list[tuple[int, dict[str, str]]]
    crl: list[tuple[int, dict[str, str]]]


def read_sources(shared: Path) -> Sources:
    """Stage 1: read every upstream file (the three hackathon CSVs have no header row)."""
    data = shared / "data"
    return Sources(
        lmo=list(read_delimited(data / LMO_CSV, ",", header=False)),
        isaaa=list(read_delimited(data / ISAAA_CSV, ",", header=False)),
        biotrack=list(read_delimited(data / BIOTRACK_CSV, ",", header=False)),
        cfia=read_dicts(data / CFIA_CSV, ","),
        primers=read_dicts(data / PRIMERS_TSV, "\t"),
        elements=read_dicts(data / ELEMENTS_TSV, "\t"),
        crl=read_dicts(data / CRL_TSV, "\t"),
    )


@dataclass
class Vocabularies:
    """The term ids of the vocabularies this script writes into records."""

    trait_lookup: dict[str, str]
    trait_order: dict[str, int]
    trait_broader: dict[str, str | None]
    element_families: set[str]

    def trait(self, label: str) -> str | None:
        return self.trait_lookup.get(norm_label(label))

    def ancestors(self, term_id: str) -> set[str]:
        found: set[str] = set()
        current = self.trait_broader.get(term_id)
        while current and current not in found:
            found.add(current)
            current = self.trait_broader.get(current)
        return found

    def most_specific(self, term_ids: Iterable[str]) -> list[str]:
        """Drop every term that is broader than another one in the set; vocabulary order."""
        ids = set(term_ids)
        covered = set().union(*(self.ancestors(t) for t in ids)) if ids else set()
        return sorted(ids - covered, key=lambda t: self.trait_order[t])


def read_vocabularies(folder: Path) -> Vocabularies:
    traits = json.loads((folder / "lmo-traits.json").read_text(encoding="utf-8"))
    lookup: dict[str, str] = {}
    for raw in traits["terms"]:
        for text in (*raw["label"].values(), *raw.get("aliases", ())):
            lookup.setdefault(norm_label(text), raw["id"])
    families = json.loads((folder / "element-categories.json").read_text(encoding="utf-8"))
    return Vocabularies(
        trait_lookup=lookup,
        trait_order={raw["id"]: index for index, raw in enumerate(traits["terms"])},
        trait_broader={raw["id"]: raw.get("broader") for raw in traits["terms"]},
        element_families={raw["id"] for raw in families["terms"]},
    )


def trait_terms(label: str, vocabularies: Vocabularies) -> tuple[str, ...] | None:
    """The lmo-traits terms a source trait label stands for (None when it is unknown)."""
    found = vocabularies.trait(label)
    if found:
        return (found,)
    for text, terms in CFIA_COMBINED_TRAITS.items():
        if norm_label(text) == norm_label(label):
            return terms
    return None


def normalise_scientific_name(text: str) -> str:
    """``Zea mays L.`` → ``Zea mays``; fixes of SCIENTIFIC_NAME_FIXES; genus capitalised."""
    text = norm_space(text)
    text = re.sub(r"\s+L\.?$", "", text)
    text = SCIENTIFIC_NAME_FIXES.get(text, text)
    words = text.split(" ")
    return " ".join([words[0].capitalize(), *(w.lower() for w in words[1:])])


# ---------------------------------------------------------------------------------------------
# Stage 2: identifiers and event names
# ---------------------------------------------------------------------------------------------


@dataclass
class UidRegistry:
    """The BCH registry's identifiers (lmo.csv col 2) and how other spellings resolve to them.

    ``registered`` maps a compact key (stacks: sorted component keys joined by ``+``) to the
    spelling the BCH registered.  Spellings from other sources resolve by compact key; a single
    identifier whose first eight characters match exactly one registered identifier but whose
    check digit differs (ISAAA's known typos) resolves to the registered one, and the correction
    is reported.  Anything else keeps its canonical spelling (``Ø`` for zeros, dashes).
    """

    registered: dict[str, str] = field(default_factory=dict)
    first_row: dict[str, int] = field(default_factory=dict)
    by_first_eight: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, spelling: str, row: int) -> str:
        key = compact_key(spelling)
        if key not in self.registered:
            self.registered[key] = spelling
            self.first_row[key] = row
            code = uid_code(spelling)
            if code:
                self.by_first_eight[code[:8]].add(key)
        return key

    def resolve(self, spelling: str, report: Report, where: str) -> tuple[str, str] | None:
        """(compact key, spelling to use) for one identifier or stack; None if not an identifier."""
        spelling = norm_space(spelling.replace("–", "-"))
        key = compact_key(spelling)
        if key in self.registered:
            return key, self.registered[key]
        parts = split_stack(spelling)
        if len(parts) > 1:
            resolved = [self.resolve(part, report, where) for part in parts]
            if any(item is None for item in resolved):
                return None
            keys = sorted(item[0] for item in resolved if item)
            return "+".join(keys), " x ".join(item[1] for item in resolved if item)
        code = uid_code(spelling)
        if code is None:
            return None
        candidates = self.by_first_eight.get(code[:8], set())
        if len(candidates) == 1:
            (target,) = candidates
            report.correct(
                spelling,
                self.registered[target],
                "check digit differs from the BCH registry's identifier with the same first "
                "eight characters; the registered one is used",
                where,
            )
            return target, self.registered[target]
        canonical = check_uid(spelling).canonical or spelling
        if canonical != spelling:
            report.correct(
                spelling,
                canonical,
                "not in the BCH registry: recorded in the canonical spelling "
                "(AAA-EEEEE-V, Ø for zeros as the BCH writes them)",
                where,
            )
        return code, canonical


@dataclass
class EventIndex:
    """Event names → LMO identities (compact keys, or ``cfia:<slug>`` for LMOs without UID)."""

    names: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))  # key → (id, crop)

    def add(self, name: str, identity: str, crop: str) -> None:
        key = name_key(name)
        if key:
            self.names[key].add((identity, crop))

    def lookup(self, name: str, crop: str | None, known_codes: Iterable[str]) -> tuple[set[str], str]:
        """Identities for an event name, and how they were found ('' when not found)."""
        text = norm_space(name)
        words = text.split(" ")
        if len(words) > 1 and words[-1].lower() in EVENT_NAME_CROP_SUFFIXES:
            crop = EVENT_NAME_CROP_SUFFIXES[words[-1].lower()]
            text = " ".join(words[:-1])
        hits = self.names.get(name_key(text), set())
        if crop and len({identity for identity, _ in hits}) > 1:
            hits = {hit for hit in hits if hit[1] == crop}
        identities = {identity for identity, hit_crop in hits if crop is None or hit_crop in (crop, "")}
        if identities:
            return identities, "name"
        # An event name that is an identifier without its check digit (EUginius "DAS68416").
        key = name_key(text)
        if len(key) == 8:
            matches = {code for code in known_codes if code[:8] == key}
            if len(matches) == 1:
                return matches, "identifier without check digit"
        return set(), ""


def event_name_variants(text: str) -> list[str]:
    """Names one source field gives to one event: ``GT73 (RT73)`` → GT73, RT73;
    ``MS1 (B91-4)`` → MS1, B91-4; ``Event 26`` → Event 26, 26; ``FG72 (FGØ72-2, FGØ72-3)`` → …"""
    text = norm_space(text)
    if not text:
        return []
    pieces = [text]
    inside = re.findall(r"\(([^)]*)\)", text)
    outside = norm_space(re.sub(r"\([^)]*\)", " ", text))
    pieces.append(outside)
    for group in inside:
        pieces.extend(part.strip() for part in group.split(","))
    variants = []
    for piece in pieces:
        if not piece:
            continue
        variants.append(piece)
        stripped = re.sub(r"^(Events?|Lines?|Cornline)\s+", "", piece, flags=re.IGNORECASE)
        if stripped != piece:
            variants.append(stripped)
    return unique(v for v in variants if name_key(v))


# ---------------------------------------------------------------------------------------------
# Stage 3: records
# ---------------------------------------------------------------------------------------------


@dataclass
class Record:
    key: str
    type: str
    owner: str
    body: dict[str, Any]
    source: dict[str, Any] | None = None

    def line(self) -> str:
        payload: dict[str, Any] = {"key": self.key, "type": self.type, "owner": self.owner}
        if self.source:
            payload["source"] = self.source
        payload["body"] = sort_deep(self.body)
        return json.dumps(payload, ensure_ascii=False)


def sort_deep(value: Any) -> Any:
    """Dict keys sorted at every level (list order is meaningful and kept)."""
    if isinstance(value, dict):
        return {k: sort_deep(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_deep(item) for item in value]
    return value


@dataclass
class OrganismInfo:
    scientific_name: str
    common_names: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    sources: list[tuple[str, int]] = field(default_factory=list)


def organism_key(scientific_name: str) -> str:
    return f"organism/{slugify(scientific_name)}"


def add_common_names(info: OrganismInfo, names: Iterable[str]) -> None:
    for name in names:
        name = norm_space(name)
        if not name:
            continue
        if re.fullmatch(r"[A-Z]{5}", name):  # "MAIZE", "SOYBN": species codes in BCH name lists
            if name not in info.codes:
                info.codes.append(name)
            continue
        if name.lower() not in (n.lower() for n in info.common_names):
            info.common_names.append(name)


def is_stack(spelling: str) -> bool:
    return len(split_stack(spelling)) > 1


def collect_organisms(sources: Sources) -> dict[str, OrganismInfo]:
    """Every recipient organism named by the sources: lmo.csv single events (col 4 common names,
    col 5 scientific name), ISAAA (col 4, col 5), CFIA LMO rows (crop) and crop taxa of EUginius."""
    organisms: dict[str, OrganismInfo] = {}

    def get(name: str, file: str, row: int) -> OrganismInfo:
        sci = normalise_scientific_name(name)
        info = organisms.setdefault(sci, OrganismInfo(sci))
        info.sources.append((file, row))
        return info

    for row, cols in sources.lmo:
        if not is_stack(cols[1]) and cols[1] != "Proteqflu-Te" and not uid_code(cols[4]):
            add_common_names(get(cols[4], LMO_CSV, row), cols[3].split(","))
    for row, cols in sources.isaaa:
        add_common_names(get(cols[4], ISAAA_CSV, row), [cols[3]])
    for row, record in sources.cfia:
        if record["lmo_status"] == "LMO":
            add_common_names(get(cfia_organism(record), CFIA_CSV, row), [record["crop"]])
    for sci in EXTRA_CROP_TAXA:
        organisms.setdefault(sci, OrganismInfo(sci))
    return organisms


def cfia_organism(record: dict[str, str]) -> str:
    if record["event_designation"].startswith("(B. rapa)"):
        return "Brassica rapa"
    return CFIA_CROPS[record["crop"]]


def curate_organisms(organisms: dict[str, OrganismInfo]) -> list[Record]:
    """ORGA records: scientific name, common names (BCH first), kingdom, genus, species, type."""
    records = []
    for sci, info in organisms.items():
        words = sci.split(" ")
        body: dict[str, Any] = {
            "scientificName": sci,
            "kingdom": "Plantae",
            "genus": words[0],
            "organismType": term("plants"),
        }
        if len(words) > 1 and not words[1].endswith("."):
            body["species"] = sci
        if info.common_names:
            body["commonNames"] = [en(name) for name in info.common_names]
        if info.codes:
            body["relevantInformation"] = en(
                "The BCH lists the code " + ", ".join(info.codes) + " among the common names of this organism."
            )
        source = {"file": info.sources[0][0], "row": info.sources[0][1]} if info.sources else None
        records.append(Record(organism_key(sci), "ORGA", SCBD, body, source))
    return records


@dataclass
class ElementIndex:
    by_alias: dict[str, ElementDef]
    seen_spellings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    used: set[str] = field(default_factory=set)

    def find(self, spelling: str) -> ElementDef | None:
        element = self.by_alias.get(norm_label(spelling))
        if element:
            self.used.add(element.slug)
            if norm_space(spelling) not in self.seen_spellings[element.slug]:
                self.seen_spellings[element.slug].append(norm_space(spelling))
        return element


def element_index() -> ElementIndex:
    by_alias: dict[str, ElementDef] = {}
    for element in ELEMENTS:
        for alias in (element.name, *element.aliases):
            existing = by_alias.setdefault(norm_label(alias), element)
            if existing is not element:
                raise ValueError(f"alias {alias!r} names both {existing.slug} and {element.slug}")
    return ElementIndex(by_alias)


def gene_key(element: ElementDef) -> str:
    return f"gene/{element.slug}"


def curate_elements(
    sources: Sources, elements: ElementIndex, vocabularies: Vocabularies, report: Report
) -> list[Record]:
    """GENE records for every element used by an LMO, a method or the RedGene element table."""
    accessions: dict[str, tuple[str, str, int]] = {}
    for row, item in sources.elements:
        element = elements.find(item["FASTA header ID"])
        if element is None:
            report.skip(ELEMENTS_TSV, row, f"element {item['FASTA header ID']!r} is not in the alias table")
            continue
        elements.find(item["Element name"])
        accession = item["GenBank accession"].strip()
        organism = item["Source organism"].replace("_", " ").strip()
        if accession and accession != "curated" and element.slug not in accessions:
            accessions[element.slug] = (accession, organism, row)
        elif element.slug not in accessions:
            accessions.setdefault(f"organism:{element.slug}", (accession, organism, row))
    records = []
    for element in ELEMENTS:
        if element.slug not in elements.used:
            continue
        if element.family not in vocabularies.element_families:
            raise ValueError(f"{element.slug}: family {element.family!r} is not in element-categories.json")
        body: dict[str, Any] = {
            "name": en(element.name),
            "abbreviation": element.abbreviation,
            "family": term(element.family),
        }
        synonyms = [
            s
            for s in elements.seen_spellings[element.slug]
            if norm_label(s) not in (norm_label(element.name), norm_label(element.abbreviation))
        ]
        if synonyms:
            body["synonymNames"] = unique(synonyms)
        found = accessions.get(element.slug) or accessions.get(f"organism:{element.slug}")
        source = None
        if found:
            accession, organism, row = found
            if accession and accession != "curated":
                body["genbankAccession"] = accession
            if organism:
                body["relevantInformation"] = en(f"Source organism as given by the RedGene element table: {organism}.")
            source = {"file": ELEMENTS_TSV, "row": row}
        records.append(Record(gene_key(element), "GENE", SCBD, body, source))
    return records


@dataclass
class LmoData:
    """Everything the sources say about one LMO, gathered before its record is written."""

    identity: str  # compact key, or "cfia:<slug>" for an LMO without identifier
    uid: str | None
    origin: str  # file that defines it: lmo.csv, isaaa.csv, CFIA
    source_row: int
    components: list[str] = field(default_factory=list)  # compact keys of a stack's components
    component_spellings: list[str] = field(default_factory=list)
    organisms: list[str] = field(default_factory=list)  # lmo.csv col 5 (single events)
    isaaa_organisms: list[str] = field(default_factory=list)  # isaaa.csv col 5
    cfia_organisms: list[str] = field(default_factory=list)  # CFIA crop
    related_spellings: list[str] = field(default_factory=list)  # lmo.csv col 5 when it is an LMO
    bch_names: Counter[str] = field(default_factory=Counter)
    parent_spellings: list[str] = field(default_factory=list)  # lmo.csv col 5 of stack rows
    event_names: Counter[str] = field(default_factory=Counter)  # ISAAA col 1
    biotrack_names: Counter[str] = field(default_factory=Counter)
    cfia_names: list[str] = field(default_factory=list)
    trade_names: list[str] = field(default_factory=list)  # ISAAA col 6
    biotrack_trade_names: list[str] = field(default_factory=list)
    genes: list[str] = field(default_factory=list)  # element slugs, registry order
    isaaa_genes: list[str] = field(default_factory=list)
    bch_traits: set[str] = field(default_factory=set)  # lmo.csv col 3
    xref_traits: set[str] = field(default_factory=set)  # ISAAA and BioTrack col 3
    cfia_traits: set[str] = field(default_factory=set)
    isaaa_rows: list[int] = field(default_factory=list)
    biotrack_rows: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        if self.uid:
            return f"lmo/{self.uid}"
        return "lmo/" + self.identity.replace(":", "/")


@dataclass
class LmoWorld:
    """The LMO identities known to the sources and the indexes that resolve names to them."""

    registry: UidRegistry
    data: dict[str, LmoData]  # every identity any source describes (not all become records)
    bch: list[str]  # identities of the BCH registry (lmo.csv), in file order
    events: EventIndex
    cfia_rows: dict[int, list[str]]  # CFIA row → identities of its LMOs


PENDING = "pending"  # origin of a stack component until a file describing it is read
_NOT_A_TRADE_NAME = {"not available", "n/a", ""}


def split_trade_names(text: str) -> list[str]:
    """ISAAA col 6: ``YieldGard™, MaizeGard™ `` → two names; ``BARI Bt Begun-1, -2, -3 and -4`` stays one."""
    text = norm_space(text)
    if text.lower() in _NOT_A_TRADE_NAME:
        return []
    parts = [part.strip() for part in text.split(",")]
    if any(part.startswith("-") or not part for part in parts):
        return [text]
    return parts


def is_event_list(text: str, event: str) -> bool:
    """BioTrack col 6 holds component event names for stacks (``TC1507 x DAS-59122-7 x …``)."""
    return bool(re.search(r"\sx\s|[0-9]x[A-Z]", text) or name_key(text) == name_key(event) or uid_code(text))


def gather_lmos(sources: Sources, vocabularies: Vocabularies, elements: ElementIndex, report: Report) -> LmoWorld:
    """Stage 2: read what lmo.csv (BCH), ISAAA, BioTrack and CFIA say about each identifier.

    lmo.csv defines the registered spellings; the other files are matched to them by compact key.
    """
    registry = UidRegistry()
    data: dict[str, LmoData] = {}
    bch: list[str] = []
    spellings: dict[str, set[str]] = defaultdict(set)

    def entry(identity: str, uid: str | None, origin: str, row: int) -> LmoData:
        """The data of one identity; the first file that describes it (after lmo.csv) is its origin."""
        if identity not in data:
            data[identity] = LmoData(identity, uid, origin, row)
        item = data[identity]
        if item.origin == PENDING and origin != PENDING:
            item.origin, item.source_row = origin, row
        return item

    # --- the BCH registry ------------------------------------------------------------------------
    skipped_vaccine = []
    for row, cols in sources.lmo:
        spelling = norm_space(cols[1])
        if spelling == "Proteqflu-Te":
            skipped_vaccine.append(row)
            elements.find(cols[6])  # its genetic element is still curated (every lmo.csv element is)
            continue
        key = registry.add(spelling, row)
        spellings[key].add(spelling)
        item = entry(key, registry.registered[key], LMO_CSV, row)
        if key not in bch:
            bch.append(key)
        label = cols[2]
        terms = trait_terms(label, vocabularies)
        if terms is None:
            report.notes.append(f"{LMO_CSV} row {row}: trait {label!r} has no term")
        else:
            item.bch_traits.update(terms)
        element = elements.find(cols[6])
        if element is None:
            report.notes.append(f"{LMO_CSV} row {row}: genetic element {cols[6]!r} is not in the alias table")
        elif element.slug not in item.genes:
            item.genes.append(element.slug)
        if is_stack(spelling):
            if cols[4] and cols[4] not in item.parent_spellings:
                item.parent_spellings.append(cols[4])
        elif uid_code(cols[4]):
            # The scraper wrote a related LMO (BCH "Related LMO(s)") into col 4/5 of this single event,
            # not its recipient organism: the organism comes from ISAAA/CFIA instead.
            if cols[4] not in item.related_spellings:
                item.related_spellings.append(cols[4])
        else:
            sci = normalise_scientific_name(cols[4])
            if sci not in item.organisms:
                item.organisms.append(sci)
    if skipped_vaccine:
        report.skip(
            LMO_CSV,
            compress_rows(skipped_vaccine),
            "Proteqflu-Te (equine influenza vaccine): its identifier is not an OECD unique identifier and "
            "its recipient organism is given only as the product name 'Proteqflu', so no organism record "
            "can be linked without inventing one",
        )
    for key, written in spellings.items():
        if len(written) > 1:
            report.notes.append(
                "The BCH registry has several records for the same stack "
                + " and ".join(f"`{n}`" for n in sorted(written))
                + f"; they are one LMO here (`{registry.registered[key]}`, the first in lmo.csv)."
            )

    # Stack components: their spelling in the BCH's stack identifiers is registered too (after the
    # single events, so that a single event's own record wins).
    for key in list(bch):
        for part in split_stack(data[key].uid or "") if is_stack(data[key].uid or "") else []:
            if uid_code(part) and check_uid(part).check_digit_ok and compact_key(part) not in registry.registered:
                registry.add(norm_space(part), data[key].source_row)
    # Stack components and the BCH names of parental LMOs (lmo.csv col 4/5 of stack rows).
    for key in list(bch):
        item = data[key]
        if not is_stack(item.uid or ""):
            continue
        for part in split_stack(item.uid or ""):
            resolved = registry.resolve(part, report, f"{LMO_CSV} stack {item.uid}")
            if resolved is None:
                report.notes.append(f"{LMO_CSV}: stack component {part!r} of {item.uid} is not an identifier")
                continue
            part_key, part_spelling = resolved
            item.components.append(part_key)
            item.component_spellings.append(part_spelling)
            entry(part_key, part_spelling, PENDING, item.source_row)
    for row, cols in sources.lmo:
        if not cols[3] or not (is_stack(norm_space(cols[1])) or uid_code(cols[4])):
            continue
        parent = registry.resolve(cols[4], report, f"{LMO_CSV} row {row} (col 5)")
        if parent is None:
            continue
        parent_item = data.get(parent[0])
        if parent_item is not None:
            parent_item.bch_names[norm_space(cols[3])] += 1

    # --- ISAAA and BioTrack ----------------------------------------------------------------------
    events = EventIndex()
    unresolved: dict[str, dict[str, list[int]]] = {ISAAA_CSV: defaultdict(list), BIOTRACK_CSV: defaultdict(list)}
    for file, rows in ((ISAAA_CSV, sources.isaaa), (BIOTRACK_CSV, sources.biotrack)):
        for row, cols in rows:
            resolved = registry.resolve(cols[1], report, f"{file} row {row}")
            if resolved is None:
                unresolved[file][norm_space(cols[1]) or "(empty)"].append(row)
                continue
            key, spelling = resolved
            item = entry(key, spelling, file, row)
            if file == ISAAA_CSV:
                item.isaaa_rows.append(row)
                if cols[0].strip():
                    item.event_names[norm_space(cols[0])] += 1
                for name in split_trade_names(cols[5]):
                    if name not in item.trade_names:
                        item.trade_names.append(name)
                if not is_stack(spelling):
                    sci = normalise_scientific_name(cols[4])
                    if sci not in item.isaaa_organisms:
                        item.isaaa_organisms.append(sci)
                    if cols[6].strip() and cols[6].strip() not in item.isaaa_genes:
                        item.isaaa_genes.append(cols[6].strip())
                    for variant in event_name_variants(cols[0]):
                        events.add(variant, key, sci)
            else:
                item.biotrack_rows.append(row)
                event = norm_space(cols[0])
                if event and "," not in event and not is_stack(spelling):
                    item.biotrack_names[event] += 1
                    events.add(event, key, "")
                trade = norm_space(cols[5])
                if trade and not is_event_list(trade, event) and trade not in item.biotrack_trade_names:
                    item.biotrack_trade_names.append(trade)
            terms = trait_terms(cols[2], vocabularies)
            if terms is None:
                report.notes.append(f"{file} row {row}: trait {cols[2]!r} has no term")
            else:
                item.xref_traits.update(terms)
    for file, groups in unresolved.items():
        for text, lines in sorted(groups.items()):
            report.skip(
                file,
                compress_rows(lines),
                f"identifier {text!r} is not an OECD unique identifier: no LMO record can be keyed on it",
            )

    # --- CFIA -----------------------------------------------------------------------------------------
    cfia_rows: dict[int, list[str]] = {}
    for row, record in sources.cfia:
        if record["lmo_status"] != "LMO":
            continue
        where = f"{CFIA_CSV} row {row}"
        identities = []
        organism = cfia_organism(record)
        uids = [u.strip() for u in record["oecd_unique_identifiers"].split(";") if u.strip()]
        if not uids and record["oecd_unique_identifiers_as_published"] in CFIA_UNPARSED_UIDS:
            published = record["oecd_unique_identifiers_as_published"]
            uids = [CFIA_UNPARSED_UIDS[published]]
            report.correct(
                published,
                uids[0],
                "CFIA's published identifier lacks the first dash (the parsed "
                "column of the CSV is empty); the check digit verifies",
                where,
            )
        for uid in uids:
            if uid in CFIA_UID_CORRECTIONS:
                corrected, why = CFIA_UID_CORRECTIONS[uid]
                report.correct(uid, corrected, why, where)
                uid = corrected
            resolved = registry.resolve(uid, report, where)
            if resolved is None:
                report.notes.append(f"{where}: {uid!r} is not an identifier")
                continue
            key, spelling = resolved
            if key in registry.registered and spelling != uid:
                report.correct(
                    uid,
                    spelling,
                    "same identifier as the BCH registry's (equal compact key); the registered spelling is recorded",
                    where,
                )
            entry(key, spelling, CFIA_CSV, row)
            identities.append(key)
        names = cfia_event_names(record["event_designation"])
        if not identities:
            for name in names:
                identity = f"cfia:{slugify(name)}"
                item = entry(identity, None, CFIA_CSV, row)
                item.cfia_names.append(name)
                identities.append(identity)
            report.notes.append(
                f"{where} ({record['event_designation']}): CFIA publishes no unique identifier "
                f"({record['oecd_unique_identifiers_as_published']!r}); one LMO record without identifier "
                f"is created per event ({', '.join(names)})"
            )
        for identity, name in cfia_name_pairs(record, identities, names):
            data[identity].cfia_names.append(name)
            events.add(name, identity, organism)
            for variant in event_name_variants(name):
                events.add(variant, identity, organism)
        terms = trait_terms(record["traits"], vocabularies)
        if terms is None:
            report.notes.append(f"{where}: trait {record['traits']!r} has no term")
        for identity in identities:
            item = data[identity]
            if organism not in item.cfia_organisms:
                item.cfia_organisms.append(organism)
            item.cfia_traits.update(terms or ())
        cfia_rows[row] = unique(identities)

    for item in data.values():
        if item.origin == PENDING:  # a stack component that no other file describes
            item.origin = LMO_CSV
    for name, uid in EVENT_SYNONYMS.items():
        resolved = registry.resolve(uid, report, "EVENT_SYNONYMS")
        if resolved:
            events.add(name, resolved[0], "")
    return LmoWorld(registry, data, bch, events, cfia_rows)


def cfia_event_names(designation: str) -> list[str]:
    """Event names in a CFIA designation: ``Events J101 and J163`` → J101, J163;
    ``Innate™ lines: GEN1-F10, GEN1-E12`` → GEN1-F10, GEN1-E12; ``(B. rapa) HCR-1`` → HCR-1."""
    text = norm_space(designation)
    text = re.sub(r"^\(B\. rapa\)\s*", "", text)
    text = re.sub(r"\(derived from[^)]*\)", "", text)
    segments = re.split(r";", text)
    names: list[str] = []
    for segment in segments:
        if ":" in segment:
            segment = segment.split(":", 1)[1]
        segment = re.sub(r"\([^)]*x[^)]*\)", "", segment)  # "(MS1xRF1, MS1xRF2)": stacks, not events
        for part in re.split(r",|\band\b", segment):
            part = re.sub(r"^(Events?|Lines?|Cornline)\s+", "", part.strip(), flags=re.IGNORECASE).strip()
            if part:
                names.append(part)
    return unique(names)


def cfia_name_pairs(record: dict[str, str], identities: list[str], names: list[str]) -> list[tuple[str, str]]:
    """(identity, event name) pairs a CFIA row states: ``J101: MON-00101-8; J163:MON-00163-7``, or
    one name for one identifier, or equally long lists in the same order."""
    published = record["oecd_unique_identifiers_as_published"]
    if ":" in published and len(identities) > 1:
        pairs = []
        for chunk in published.split(";"):
            if ":" in chunk:
                name, uid = chunk.split(":", 1)
                code = uid_code(uid.strip())
                for identity in identities:
                    if code and identity == code:
                        pairs.append((identity, name.strip()))
        return pairs
    if len(identities) == len(names):
        return list(zip(identities, names, strict=True))
    return []


# ---------------------------------------------------------------------------------------------
# Detection-method linking (needed before the LMO records: it decides which LMOs are curated)
# ---------------------------------------------------------------------------------------------


@dataclass
class MethodLinks:
    lmos: list[str] = field(default_factory=list)  # identities
    elements: list[str] = field(default_factory=list)  # element slugs
    organisms: list[str] = field(default_factory=list)  # scientific names
    unresolved: list[str] = field(default_factory=list)
    how: list[str] = field(default_factory=list)


def link_methods(
    sources: Sources, world: LmoWorld, elements: ElementIndex, organisms: dict[str, OrganismInfo]
) -> dict[str, MethodLinks]:
    """Resolve each EUginius method's target to LMO identities, genetic elements or organisms."""
    known_codes = sorted(k for k in world.data if not k.startswith("cfia:") and "+" not in k)
    links: dict[str, MethodLinks] = {}
    for _row, method in sources.primers:
        found = MethodLinks()
        scope = method["target_scope"]
        target = norm_space(method["target_name"])
        if scope == "event-specific":
            code_crop = (
                METHOD_CODE_CROPS.get(method["method_code"].split("-")[2])
                if method["method_code"].count("-") >= 3
                else None
            )
            identities, how = world.events.lookup(target, code_crop, known_codes)
            if len(identities) == 1:
                found.lmos.extend(sorted(identities))
                found.how.append(how)
            else:
                found.unresolved.append(target if not identities else f"{target} (ambiguous)")
        elif scope == "construct-specific":
            for name in (part.strip() for part in target.split(",")):
                identities, how = world.events.lookup(name, None, known_codes)
                if len(identities) == 1:
                    found.lmos.extend(sorted(identities))
                    found.how.append(how)
                else:
                    found.unresolved.append(name if not identities else f"{name} (ambiguous)")
        elif scope == "element-specific":
            for name in (part.strip() for part in target.split(",")):
                element = elements.find(name)
                if element:
                    found.elements.append(element.slug)
                else:
                    found.unresolved.append(name)
        elif scope == "taxon-specific":
            sci = normalise_scientific_name(target)
            if sci in organisms:
                found.organisms.append(sci)
            else:
                found.unresolved.append(target)
        found.lmos = unique(found.lmos)
        found.elements = unique(found.elements)
        links[method["method_code"]] = found
    return links


# ---------------------------------------------------------------------------------------------
# LMO records
# ---------------------------------------------------------------------------------------------


def curate_lmos(
    world: LmoWorld,
    needed: set[str],
    elements: ElementIndex,
    vocabularies: Vocabularies,
    report: Report,
) -> list[Record]:
    """LMO records for the BCH registry's identifiers and for every other identity ``needed``
    (stack components, Canadian decisions, detection-method targets)."""
    data = world.data
    records = []
    for identity in sorted(needed):
        item = data[identity]
        stack = bool(item.components)
        body: dict[str, Any] = {}
        body["transformationEvent"] = transformation_event(item, data)
        if item.uid:
            # as registered, even where not of the nine-character form (DP-32138-1): the
            # validator warns about the form, and the identifier still resolves by compact key
            body["hasUniqueIdentification"] = True
            body["uniqueIdentification"] = item.uid
        else:
            body["hasUniqueIdentification"] = False
        trade_names = item.trade_names or item.biotrack_trade_names
        if trade_names:
            body["tradeNames"] = trade_names
        organisms = lmo_organisms(item, data)
        if not organisms and not stack:
            organisms, how = related_organisms(item, world)
            if organisms:
                report.notes.append(f"{item.key}: no source names its recipient organism; {organisms[0]} is {how}")
        parents = stack_parents(item, world, report) if stack else []
        recipients = [ref(data[p].key) for p in parents] + [ref(organism_key(o)) for o in organisms]
        if recipients:
            body["recipientOrganisms"] = recipients
        else:
            report.notes.append(f"{item.key}: no recipient organism in the sources")
        body["identity"] = en(lmo_identity(item, data, organisms))
        genes = list(item.genes)
        if item.origin != LMO_CSV:
            for text in (name for cell in item.isaaa_genes for name in ISAAA_GENE_SPLITS.get(cell, (cell,))):
                element = elements.find(text)
                if element is None:
                    report.notes.append(f"{item.key}: ISAAA gene {text!r} is not in the alias table; left out")
                elif element.slug not in genes:
                    genes.append(element.slug)
        if genes:
            body["genes"] = [ref(f"gene/{slug}") for slug in genes]
        traits = lmo_traits(item, vocabularies)
        if traits:
            body["traits"] = [term(t) for t in vocabularies.most_specific(traits)]
        if stack:
            body["techniqueUsed"] = [term("cross-breeding")]
        related = [world.registry.resolve(s, Report(), "") for s in item.related_spellings]
        linked = unique(data[r[0]].key for r in related if r and r[0] in needed and r[0] != identity)
        if linked:
            body["linkedModifiedOrganisms"] = [ref(key) for key in linked]
        source_file = item.origin
        records.append(Record(item.key, "LMO", SCBD, body, {"file": source_file, "row": item.source_row}))
    return records


def lmo_traits(item: LmoData, vocabularies: Vocabularies) -> set[str]:
    """The BCH's traits, refined by ISAAA/BioTrack terms that are narrower than one of them (BCH
    "Insects" + ISAAA "Lepidopteran insect resistance" → lepidoptera; ISAAA terms the BCH does not
    support are not taken: ISAAA lists the transformation plasmid's markers, e.g. glyphosate
    tolerance for MON810).  Without BCH traits: ISAAA/BioTrack, else CFIA."""
    if item.bch_traits:
        refined = {t for t in item.xref_traits if (vocabularies.ancestors(t) | {t}) & item.bch_traits}
        return item.bch_traits | refined
    return set(item.xref_traits) or set(item.cfia_traits)


def transformation_event(item: LmoData, data: dict[str, LmoData]) -> str:
    """ISAAA col 1, else BioTrack col 1, else CFIA's event name, else the identifier; stacks: the
    components' event names joined with `` × ``."""
    if item.components:
        return " × ".join(transformation_event(data[c], data) for c in item.components)
    for names in (item.event_names, item.biotrack_names):
        if names:
            return sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    if item.cfia_names:
        return item.cfia_names[0]
    return item.uid or item.identity


def lmo_organisms(item: LmoData, data: dict[str, LmoData]) -> list[str]:
    if item.components:
        found: list[str] = []
        for component in item.components:
            found.extend(lmo_organisms(data[component], data))
        for parent in item.parent_spellings:
            sci = normalise_scientific_name(parent)
            if sci in CROP_WORDS:
                found.append(sci)
        return unique(found)
    for found in (item.organisms, item.isaaa_organisms, item.cfia_organisms):
        if found:
            return found[:1]
    return []


def related_organisms(item: LmoData, world: LmoWorld) -> tuple[list[str], str]:
    """For a single event whose organism no source names: the organism of the related LMOs lmo.csv
    gives for it (followed transitively; related LMOs are of the same crop throughout the data),
    else the crop word of its BCH name ("Liberator™ canola").  Returns (organisms, how)."""
    queue = list(item.related_spellings)
    visited: set[str] = set()
    while queue:
        resolved = world.registry.resolve(queue.pop(0), Report(), "")
        related = world.data.get(resolved[0]) if resolved else None
        if related is None or related.identity in visited or related.components:
            continue
        visited.add(related.identity)
        found = lmo_organisms(related, world.data)
        if found:
            return found, f"taken from the related LMO {related.uid} that lmo.csv gives for it"
        queue.extend(related.related_spellings)
    for name in sorted(item.bch_names):
        for word, organism in NAME_CROPS.items():
            if re.search(rf"\b{word}\b", name, flags=re.IGNORECASE):
                return [organism], f"inferred from the crop word of its BCH name {name!r}"
    return [], ""


def lmo_identity(item: LmoData, data: dict[str, LmoData], organisms: list[str]) -> str:
    """The BCH's own name when lmo.csv gives one (col 4 of stack rows), else
    "<trade name or event name> <crop>", e.g. "Enlist™ Maize", "MON87411 maize"."""
    if item.bch_names:
        return sorted(item.bch_names.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    crop = CROP_WORDS.get(organisms[0], "") if organisms else ""
    base = (item.trade_names or item.biotrack_trade_names or [transformation_event(item, data)])[0]
    if crop and crop.lower() not in base.lower():
        return f"{base} {crop}"
    return base


def stack_parents(item: LmoData, world: LmoWorld, report: Report) -> list[str]:
    """Parental LMOs of a stack: the parental stack(s) lmo.csv names in col 5 when they are part
    of this stack, then every component not covered by them."""
    components = set(item.components)
    parents: list[str] = []
    covered: set[str] = set()
    for spelling in item.parent_spellings:
        resolved = world.registry.resolve(spelling, Report(), "")
        if resolved is None:
            continue  # a scientific name (col 5 of a stack row can hold the organism)
        key = resolved[0]
        parent = world.data.get(key)
        if parent is None or not parent.components:
            continue
        if set(parent.components) < components:
            parents.append(key)
            covered |= set(parent.components)
        else:
            report.notes.append(
                f"{LMO_CSV}: col 5 of stack {item.uid} holds {parent.uid}, which is not part of it (a related "
                "LMO rather than a parent); the stack's components are its parental LMOs"
            )
    parents.extend(c for c in item.components if c not in covered)
    return unique(parents)


# ---------------------------------------------------------------------------------------------
# Canada: authorities and decisions
# ---------------------------------------------------------------------------------------------


def curate_authorities() -> list[Record]:
    """CNA records of the CFIA and Health Canada (owner CA)."""
    records = []
    for key, fields in AUTHORITIES.items():
        body = {"government": term("ca"), "country": term("ca"), **fields}
        records.append(Record(key, "CNA", CANADA, body))
    return records


@dataclass
class Outcome:
    """What one CFIA feed or food text says."""

    approved: bool
    date: str | None = None
    reference: str | None = None
    reason: str = ""


def parse_cfia_decision(text: str) -> Outcome:
    """``Yes (July 28, 2005) DD2005-53`` → approved on 2005-07-28, DD2005-53;
    ``Not assessed for livestock feed`` → no decision; several dates → not parsed (reason)."""
    text = norm_space(text)
    lower = text.lower()
    if not text:
        return Outcome(False, reason="empty field")
    if lower.startswith("not assessed"):
        return Outcome(False, reason="not assessed by CFIA/Health Canada: no decision")
    if lower.startswith("not considered novel"):
        return Outcome(False, reason="not considered novel: no pre-market decision was required")
    dates = unique(dt.date(int(y), _MONTHS[m.lower()], int(d)).isoformat() for m, d, y in _DATE_IN_TEXT.findall(text))
    if not dates:
        return Outcome(False, reason="no decision date could be read")
    if len(dates) > 1:
        return Outcome(
            False,
            reason=f"several decision dates ({', '.join(dates)}) for different lines in one "
            "field; not split automatically",
        )
    if not (lower.startswith("yes") or _DATE_IN_TEXT.match(text)):
        return Outcome(False, reason="the text does not say the decision was positive")
    reference = _DECISION_DOCUMENT.search(text)
    return Outcome(True, dates[0], reference.group(0) if reference else None)


def curate_decisions(sources: Sources, world: LmoWorld, report: Report) -> list[Record]:
    """DEC records (owner CA): per CFIA LMO row, the environmental release (8.1), feed (8.2) and
    food (8.2) decisions it records."""
    records: list[Record] = []
    used_slugs: Counter[str] = Counter()
    for row, record in sources.cfia:
        if record["lmo_status"] != "LMO":
            report.skip(CFIA_CSV, row, f"{record['crop']} {record['event_designation']}: {CFIA_NON_LMO_REASON}")
            continue
        identities = world.cfia_rows.get(row, [])
        organisms = [ref(world.data[i].key) for i in identities]
        event = norm_space(record["event_designation"])
        slug = slugify(event)
        used_slugs[slug] += 1
        if used_slugs[slug] > 1:
            slug = f"{slug}-{slugify(record['crop'])}"
        heading = f"{event} ({record['crop']})"
        applicant = norm_space(record["applicant"]).rstrip(".")
        info = f"Applicant: {applicant}. Trait(s) as published by CFIA: {norm_space(record['traits'])}."
        common = {
            "government": term("ca"),
            "isAmendment": False,
            "expires": False,
            "modifiedOrganisms": organisms,
            "decisionResult": term("approval"),
        }
        document = record["decision_document"].strip()
        env_title = f"{heading}: unconfined environmental release in Canada"
        if document:
            env_title += f" – {document}"
        env = {
            **common,
            "decisionTypes": [term("8.1"), term("8.1-domestic")],
            "date": record["unconfined_release_date"],
            "title": en(env_title),
            "authorities": [ref("cna/ca/cfia")],
            "relevantInformation": en(info),
        }
        if document:
            env["referenceNumber"] = document
        records.append(Record(f"dec/ca/{slug}/env", "DEC", CANADA, env, {"file": CFIA_CSV, "row": row}))
        for use, column, authority, what in (
            ("feed", "livestock_feed", "cna/ca/cfia", "livestock feed"),
            ("food", "food", "cna/ca/health-canada", "novel food"),
        ):
            text = norm_space(record[column])
            outcome = parse_cfia_decision(text)
            if not outcome.approved:
                report.skip(CFIA_CSV, row, f"{event}: {column} {text!r}: {outcome.reason}")
                continue
            if not text.lower().startswith("yes"):
                report.notes.append(
                    f"{CFIA_CSV} row {row} ({event}): {column} {text!r} gives only a date; "
                    "read as a positive decision on that date"
                )
            rest = norm_space(_DECISION_DOCUMENT.sub("", _DATE_IN_TEXT.sub("", text)))
            rest = norm_space(re.sub(r"^(Yes\*?,?)|[()]", " ", rest))
            if rest:
                report.notes.append(
                    f"{CFIA_CSV} row {row} ({event}): {column} decision created from {text!r}; the text adds "
                    f"{rest!r}, kept verbatim in relevantInformation (the decision links every LMO of the row)"
                )
            title = f"{heading}: {what} approval in Canada"
            if outcome.reference:
                title += f" – {outcome.reference}"
            body = {
                **common,
                "decisionTypes": [term("8.2"), term("8.2-domestic-use")],
                "uses": [term(use)],
                "date": outcome.date,
                "title": en(title),
                "authorities": [ref(authority)],
                "relevantInformation": en(f"{info} Decision as published: {text}"),
            }
            if outcome.reference:
                body["referenceNumber"] = outcome.reference
            records.append(Record(f"dec/ca/{slug}/{use}", "DEC", CANADA, body, {"file": CFIA_CSV, "row": row}))
    return records


# ---------------------------------------------------------------------------------------------
# Detection methods
# ---------------------------------------------------------------------------------------------


def clean_description(text: str) -> str:
    """EUginius descriptions break lines around italic words (``of\\nZea mays\\n(Debode…``): join
    those with spaces, keep a line break only after a full stop or colon."""
    lines = [norm_space(line) for line in text.replace("\r", "").split("\n")]
    out = ""
    for line in lines:
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith((".", ":")):
            out += "\n" + line
        else:
            out += " " + line
    out = re.sub(r"\(\s+", "(", out)
    return re.sub(r"\s+\)", ")", out)


def method_reference(description: str) -> str | None:
    """The publication or standard a description cites: the last parenthesised group that looks like
    a reference (ISO, 'et al', GMOMETHODS…) in its first paragraph, else in a later one; paragraphs
    about copy numbers ("Estimated number of target copies … (Jacchia et al. 2018)") do not count."""
    paragraphs = [p for p in description.split("\n") if not p.startswith("Estimated number of target copies")]
    for scope in (paragraphs[:1], paragraphs[1:]):
        groups = [g for g in re.findall(r"\(([^()]*)\)", "\n".join(scope)) if _REFERENCE_HINT.search(g)]
        if groups:
            return str(groups[-1]).strip().rstrip(".")
    return None


def method_title(description: str, code: str) -> str:
    """First sentence of the description without trailing reference parentheses."""
    first = description.split("\n")[0].strip()
    first = re.split(r"(?<=\.)\s", first)[0].rstrip(".").strip()
    while True:
        match = re.search(r"\s*\(([^()]*)\)\s*$", first)
        if not match or not _REFERENCE_HINT.search(match.group(1)):
            break
        first = first[: match.start()].rstrip()
    return first or code


def curate_detection_methods(
    sources: Sources,
    links: dict[str, MethodLinks],
    world: LmoWorld,
    elements: ElementIndex,
    report: Report,
) -> list[Record]:
    """DM records from EUginius (all 288 rows), linked to LMOs, elements and organisms."""
    records = []
    for row, method in sources.primers:
        code = method["method_code"].strip()
        description = clean_description(method["description"])
        body: dict[str, Any] = {
            "methodCode": code,
            "title": en(method_title(description, code)),
            "methodType": term(method["target_scope"]),
            "targetName": norm_space(method["target_name"]),
            "forwardPrimerName": method["forward_primer_name"].strip(),
            "forwardPrimer": method["forward_primer_seq"].strip().upper(),
            "reversePrimerName": method["reverse_primer_name"].strip(),
            "reversePrimer": method["reverse_primer_seq"].strip().upper(),
            "sourceDatabase": "EUginius",
            "sourceUrl": {"url": method["source_url"].strip()},
        }
        if code.startswith("QT-"):
            body["methodFormat"] = term("quantitative-pcr")
        elif code.startswith("QL-"):
            body["methodFormat"] = term("qualitative-pcr")
        probe = method["probe_seq"].strip().upper()
        if probe:
            body["probe"] = probe
            if method["probe_name"].strip():
                body["probeName"] = method["probe_name"].strip()
        elif method["probe_name"].strip():
            report.notes.append(
                f"{PRIMERS_TSV} row {row} ({code}): probe name {method['probe_name']!r} "
                "without a probe sequence (scraper artefact); left out"
            )
        size = method["amplicon_size"].strip()
        if size.isdigit():
            body["ampliconSize"] = int(size)
        elif size:
            report.notes.append(f"{PRIMERS_TSV} row {row} ({code}): amplicon size {size!r} is not a number")
        amplicon = method["amplicon_seq"].strip().upper()
        if amplicon and _IUPAC.match(amplicon):
            body["amplicon"] = amplicon
        elif amplicon:
            report.notes.append(f"{PRIMERS_TSV} row {row} ({code}): amplicon has non-IUPAC characters; left out")
        if description:
            body["description"] = en(description)
        reference = method_reference(description)
        if reference:
            body["methodReference"] = reference
        for field_name in ("forwardPrimer", "reversePrimer", "probe"):
            if field_name in body and not _IUPAC.match(body[field_name]):
                raise ValueError(f"{code}: {field_name} is not an IUPAC sequence")
        found = links[method["method_code"]]
        if found.lmos:
            body["targetLmos"] = [ref(world.data[i].key) for i in found.lmos]
        if found.elements:
            body["targetElements"] = [ref(f"gene/{slug}") for slug in found.elements]
        if found.organisms:
            body["targetOrganisms"] = [ref(organism_key(sci)) for sci in found.organisms]
        if not (found.lmos or found.elements or found.organisms):
            report.unlinked_methods.append((code, method["target_scope"], norm_space(method["target_name"])))
        elif found.unresolved and method["target_scope"] == "construct-specific":
            report.linking.append(
                f"`{code}` (construct-specific): {len(found.lmos)} LMO(s) linked; event names not resolved: "
                + ", ".join(found.unresolved)
            )
        records.append(Record(f"dm/{code}", "DM", SCBD, body, {"file": PRIMERS_TSV, "row": row}))
    return records


def report_crl(sources: Sources, methods: list[Record], report: Report) -> None:
    """crl_amplicons_raw.tsv has amplicons but no primers, which DM records require."""
    codes = {r.body["methodCode"] for r in methods}
    present = [row for row, item in sources.crl if item["method_id"].strip() in codes]
    absent = [(row, item["method_id"].strip()) for row, item in sources.crl if item["method_id"].strip() not in codes]
    if present:
        report.skip(CRL_TSV, compress_rows(present), "method code already present from EUginius")
    for row, code in absent:
        report.skip(
            CRL_TSV,
            row,
            f"{code}: the file gives no primers (forwardPrimer and reversePrimer are "
            "required), so no detection-method record is created",
        )


# ---------------------------------------------------------------------------------------------
# Stage 4: output
# ---------------------------------------------------------------------------------------------


def report_unused_cross_references(world: LmoWorld, needed: set[str], report: Report) -> None:
    """ISAAA/BioTrack rows whose identifier is neither in the BCH registry nor needed for a link."""
    reason = (
        "{uid}: not in the BCH registry (lmo.csv) and not needed by any decision, stack or detection "
        "method of the demo data"
    )
    for identity, item in sorted(world.data.items()):
        if identity in needed:
            continue
        if item.isaaa_rows:
            report.skip(ISAAA_CSV, compress_rows(item.isaaa_rows), reason.format(uid=item.uid))
        if item.biotrack_rows:
            report.skip(BIOTRACK_CSV, compress_rows(item.biotrack_rows), reason.format(uid=item.uid))


def render_report(
    records: dict[str, list[Record]],
    world: LmoWorld,
    needed: set[str],
    links: dict[str, MethodLinks],
    sources: Sources,
    report: Report,
) -> str:
    out: list[str] = []
    add = out.append
    add("# Curation report of the demo data")
    add("")
    add(
        "Generated by `tools/curate_demo_data.py` from `shared/data` (see `ATTRIBUTION.md`). "
        "Do not edit: re-run the script."
    )
    add("")
    add("## Records")
    add("")
    add("| file | records |")
    add("|---|---|")
    for name in OUTPUT_FILES:
        add(f"| `{name}` | {len(records[name])} |")
    add("")
    lmos = records["lmos.jsonl"]
    with_uid = [r for r in lmos if r.body.get("hasUniqueIdentification")]
    stacks = [r for r in lmos if r.body.get("techniqueUsed")]
    by_origin = Counter(r.source["file"] for r in lmos if r.source)
    add(
        f"LMOs: {len(lmos)} ({len(with_uid)} with a unique identifier, {len(lmos) - len(with_uid)} without; "
        f"{len(stacks)} stacks). Defined by: "
        + ", ".join(f"{file} {count}" for file, count in sorted(by_origin.items()))
        + "."
    )
    add("")
    add(
        "LMOs not in the BCH registry were added because a stack, a Canadian decision or a detection method "
        "needs them; their data come from ISAAA (event name, trade names, traits, genes, crop) or, when "
        "ISAAA does not know them, from CFIA (event name, traits, crop). CFIA publishes no genetic elements, "
        "and `genes` is mandatory at publish, so an LMO known only to CFIA is left out (listed below with its "
        "row) together with the decisions that would name only it; decisions that also name other LMOs keep "
        "those and say in `relevantInformation` which events they also cover."
    )
    add("")
    no_genes = sorted(r.key for r in lmos if not r.body.get("genes"))
    if no_genes:
        add(f"LMOs written without genetic elements ({len(no_genes)}): " + ", ".join(f"`{k}`" for k in no_genes) + ".")
        add("")
    decisions = records["decisions.jsonl"]
    kinds = Counter(r.key.rsplit("/", 1)[1] for r in decisions)
    add(
        f"Canadian decisions: {len(decisions)} — environment {kinds['env']}, feed {kinds['feed']}, "
        f"food {kinds['food']}."
    )
    add("")
    add("## Detection-method links")
    add("")
    scopes: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records["detection-methods.jsonl"]:
        body = record.body
        linked = any(body.get(name) for name in ("targetLmos", "targetElements", "targetOrganisms"))
        resolved = bool(links[body["methodCode"]].lmos)
        counts = scopes[body["methodType"]["identifier"]]
        counts["linked" if linked else "unlinked"] += 1
        if resolved and not body.get("targetLmos"):
            counts["dropped"] += 1
    add("| method type | linked | not linked | of which: event resolved, but its LMO is left out |")
    add("|---|---|---|---|")
    for scope in sorted(scopes):
        counts = scopes[scope]
        add(f"| {scope} | {counts['linked']} | {counts['unlinked']} | {counts['dropped']} |")
    add("")
    how = Counter(h for found in links.values() for h in found.how)
    add(
        "Event names were resolved through ISAAA col 1 ↔ 2, BioTrack col 1 ↔ 2, CFIA event designations, the "
        "hand-made synonym table of the script (" + str(how["name"]) + " name matches in all) and, for "
        f"{how['identifier without check digit']}, by reading the name as an identifier without its check digit "
        "(EUginius `DAS68416` = `DAS-68416-4`)."
    )
    add("")
    if report.unlinked_methods:
        add(f"### Methods loaded without any link ({len(report.unlinked_methods)})")
        add("")
        add("| method code | type | target as published |")
        add("|---|---|---|")
        for code, scope, target in sorted(report.unlinked_methods):
            add(f"| `{code}` | {scope} | {md(target)} |")
        add("")
    if report.linking:
        add("### Construct-specific methods: event names not resolved")
        add("")
        for line in sorted(report.linking):
            add(f"* {line}")
        add("")
    add("## Source rows not turned into records")
    add("")
    add(
        "Rows of `lmo.csv` are exploded (one per LMO × trait × element): all rows of an identifier make one "
        "record. ISAAA and BioTrack rows are cross-references; the ones listed here are those whose "
        "identifier did not become a record."
    )
    add("")
    add("| file | row(s) | reason |")
    add("|---|---|---|")
    for file, rows, reason in sorted(report.skipped, key=lambda s: (s[0], first_number(s[1]), s[2])):
        add(f"| `{file}` | {rows} | {md(reason)} |")
    add("")
    add("## Identifier spellings corrected")
    add("")
    add("| as written | recorded as | why | where |")
    add("|---|---|---|---|")
    for (spelling, corrected, why), where in sorted(report.corrections.items()):
        add(f"| `{spelling}` | `{corrected}` | {md(why)} | {md(describe_places(where))} |")
    add("")
    if report.notes:
        add("## Other notes")
        add("")
        for note in sorted(set(report.notes)):
            add(f"* {md(note)}")
        add("")
    return "\n".join(out)


def describe_places(places: set[str]) -> str:
    """``{"a.csv row 3", "a.csv row 4", "b"}`` → ``a.csv rows 3–4; b``."""
    rows: dict[str, list[int]] = defaultdict(list)
    other: list[str] = []
    for place in places:
        match = re.fullmatch(r"(.*) row (\d+)", place)
        if match:
            rows[match.group(1)].append(int(match.group(2)))
        else:
            other.append(place)
    parts = [
        f"{file} row{'s' if len(set(numbers)) > 1 else ''} {compress_rows(numbers)}"
        for file, numbers in sorted(rows.items())
    ]
    return "; ".join(parts + sorted(other))


def first_number(text: str) -> int:
    match = re.match(r"\d+", text)
    return int(match.group(0)) if match else 0


def md(text: str) -> str:
    """Escape a table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def write_outputs(out: Path, records: dict[str, list[Record]], report_text: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_FILES:
        lines = [record.line() for record in sorted(records[name], key=lambda r: r.key)]
        (out / name).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    manifest = {"files": list(OUTPUT_FILES), "attribution": ATTRIBUTION_FILE}
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )
    (out / REPORT_FILE).write_text(report_text + "\n", encoding="utf-8", newline="\n")


def drop_lmos_without_genes(records: dict[str, list[Record]], report: Report) -> None:
    """Leave out LMOs that no source gives genetic elements for (only with --exclude-lmos-without-genes:
    ``genes`` is recommended, not mandatory), and every reference to them; a decision left without
    any LMO goes too."""
    lmos = records["lmos.jsonl"]
    dropped = {r.key: r for r in lmos if not r.body.get("genes")}
    if not dropped:
        return
    records["lmos.jsonl"] = [r for r in lmos if r.key not in dropped]
    for record in dropped.values():
        source = record.source or {}
        report.skip(
            str(source.get("file", "")),
            str(source.get("row", "")),
            f"{record.key} ({record.body['transformationEvent']}): no source gives its genetic elements "
            "(--exclude-lmos-without-genes): LMO record left out",
        )
    for record in records["lmos.jsonl"]:
        for name in ("recipientOrganisms", "linkedModifiedOrganisms"):
            if name in record.body:
                record.body[name] = [v for v in record.body[name] if v["key"] not in dropped]
                if not record.body[name]:
                    del record.body[name]
    kept = []
    for record in records["decisions.jsonl"]:
        organisms = record.body["modifiedOrganisms"]
        missing = [dropped[v["key"]] for v in organisms if v["key"] in dropped]
        remaining = [v for v in organisms if v["key"] not in dropped]
        source = record.source or {}
        if not remaining:
            report.skip(
                str(source.get("file", "")),
                str(source.get("row", "")),
                f"{record.key}: decision on {', '.join(m.key for m in missing)} only, whose LMO record is "
                "left out (no genetic elements): decision left out",
            )
            continue
        if missing:
            record.body["modifiedOrganisms"] = remaining
            names = ", ".join(
                f"{m.body['transformationEvent']}"
                + (f" ({m.body['uniqueIdentification']})" if m.body.get("uniqueIdentification") else "")
                for m in missing
            )
            record.body["relevantInformation"]["en"] += (
                f" The decision also covers {names}, for which the demo data has no LMO record."
            )
            report.notes.append(
                f"{record.key}: not linked to {', '.join(m.key for m in missing)} (LMO record left "
                "out: no genetic elements)"
            )
        kept.append(record)
    records["decisions.jsonl"] = kept
    for record in records["detection-methods.jsonl"]:
        targets = record.body.get("targetLmos")
        if not targets:
            continue
        remaining = [v for v in targets if v["key"] not in dropped]
        if len(remaining) != len(targets):
            report.notes.append(
                f"dm/{record.body['methodCode']}: not linked to "
                + ", ".join(v["key"] for v in targets if v["key"] in dropped)
                + " (LMO record left out: no genetic elements)"
            )
        if remaining:
            record.body["targetLmos"] = remaining
        else:
            del record.body["targetLmos"]
            if not (record.body.get("targetElements") or record.body.get("targetOrganisms")):
                report.unlinked_methods.append(
                    (record.body["methodCode"], record.body["methodType"]["identifier"], record.body["targetName"])
                )


def curate(
    shared: Path,
    out: Path,
    vocabulary_dir: Path = VOCABULARY_DIR,
    *,
    include_lmos_without_genes: bool = True,
) -> dict[str, list[Record]]:
    """Run every stage; returns the records by output file."""
    report = Report()
    sources = read_sources(shared)
    vocabularies = read_vocabularies(vocabulary_dir)
    elements = element_index()
    world = gather_lmos(sources, vocabularies, elements, report)
    organisms = collect_organisms(sources)
    links = link_methods(sources, world, elements, organisms)

    needed = set(world.bch)
    for identity in world.bch:
        needed.update(world.data[identity].components)
    for identities in world.cfia_rows.values():
        needed.update(identities)
    for found in links.values():
        needed.update(found.lmos)
    for identity in list(needed):
        needed.update(world.data[identity].components)

    lmos = curate_lmos(world, needed, elements, vocabularies, report)
    methods = curate_detection_methods(sources, links, world, elements, report)
    genes = curate_elements(sources, elements, vocabularies, report)
    records = {
        "organisms.jsonl": curate_organisms(organisms),
        "genetic-elements.jsonl": genes,
        "lmos.jsonl": lmos,
        "authorities.jsonl": curate_authorities(),
        "decisions.jsonl": curate_decisions(sources, world, report),
        "detection-methods.jsonl": methods,
    }
    if not include_lmos_without_genes:
        drop_lmos_without_genes(records, report)
    report_crl(sources, methods, report)
    report_unused_cross_references(world, needed, report)
    keys = Counter(r.key for rs in records.values() for r in rs)
    duplicates = [k for k, n in keys.items() if n > 1]
    if duplicates:
        raise ValueError(f"duplicate keys: {duplicates[:5]}")
    write_outputs(out, records, render_report(records, world, needed, links, sources, report))
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared folder holding data/ (default: ../shared beside the repository)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: the package's demo data)"
    )
    parser.add_argument(
        "--exclude-lmos-without-genes",
        action="store_true",
        help="leave out the LMOs that no source gives genetic elements for (and the decisions naming only them)",
    )
    args = parser.parse_args(argv)
    records = curate(args.shared.resolve(), args.out, include_lmos_without_genes=not args.exclude_lmos_without_genes)
    for name in OUTPUT_FILES:
        print(f"{name}: {len(records[name])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
