"""Hand-made tables, each saying where its mappings come from, and the genetic-element definitions.

Tables the product has too are imported from it, not copied: the crop codes of method codes
(``openbch.interop.connectors.euginius``) and the event-name synonyms
(``openbch/interop/sources/_aliases.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

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
#: that no source pairs with an identifier directly: the product's own table (identity resolution
#: uses it too; ``event_name_sources`` there cites where each pairing comes from).
EVENT_SYNONYMS: dict[str, str] = json.loads(
    (resources.files("openbch.interop") / "sources" / "_aliases.json").read_text(encoding="utf-8")
)["event_names"]

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
