"""What a border check tells the officer in words: the intended uses' labels and the next steps.

Every string is translated in the active language (the catalogue in ``openbch/customs/locale``),
so this is the module that changes when the wording does, and the only one a translator reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext, ngettext

from openbch.customs.verdicts import Verdict

__all__ = ["next_steps", "use_label"]


def use_label(use: str) -> str:
    """The intended use in words, in the active language."""
    labels = {
        "food": gettext("food"),
        "feed": gettext("feed"),
        "processing": gettext("processing"),
        "cultivation": gettext("cultivation or release into the environment"),
        "field-trial": gettext("field trial"),
        "contained-use": gettext("contained use"),
        "transit": gettext("transit"),
    }
    return labels.get(use, use)


def next_steps(
    verdict: Verdict, country_name: str, use: str, suggestions: Sequence[str], method_codes: Sequence[str]
) -> list[str]:
    """What to do with an identifier of this verdict, then the registered identifiers it may have
    meant (``suggestions``) and the event-specific detection methods that can confirm it."""
    what = {"country": country_name, "use": use_label(use)}
    steps = []
    if verdict == Verdict.AUTHORISED:
        steps.append(
            gettext(
                "%(country)s has authorised it for %(use)s: it may enter for that use. Check that the "
                "documents match the goods."
            )
            % what
        )
    elif verdict == Verdict.AUTHORISED_WITH_CONDITIONS:
        steps.append(
            gettext(
                "%(country)s has authorised it for %(use)s under conditions: read them below and check "
                "that the shipment meets them."
            )
            % what
        )
    elif verdict == Verdict.NOT_AUTHORISED:
        steps.append(
            gettext(
                "%(country)s has prohibited it for %(use)s: it may not enter. Hold the shipment and "
                "contact the competent national authority."
            )
            % what
        )
    elif verdict == Verdict.NO_DECISION:
        steps.append(
            gettext(
                "%(country)s: no decision authorises it for %(use)s. Hold the shipment and ask the "
                "competent national authority: an import without authorisation may be illegal (Article 25)."
            )
            % what
        )
    elif verdict == Verdict.IDENTIFIER_UNKNOWN:
        steps.append(
            gettext(
                "No LMO is registered under this identifier. Check the document for a typing error and "
                "ask the exporter; a laboratory can test a sample."
            )
        )
    else:
        steps.append(
            gettext(
                "The last digit (the verifier) does not fit the rest of the identifier: a typing error "
                "or a false identifier. Ask the exporter for a corrected document."
            )
        )
    if suggestions:
        steps.append(gettext("Registered with the same first characters: %(ids)s.") % {"ids": ", ".join(suggestions)})
    if method_codes:
        steps.append(
            ngettext(
                "A laboratory can confirm it with the event-specific method %(codes)s.",
                "A laboratory can confirm it with the event-specific methods %(codes)s.",
                len(method_codes),
            )
            % {"codes": ", ".join(method_codes[:4])}
        )
    return steps
