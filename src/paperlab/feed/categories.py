"""arXiv's category codes (its taxonomy, as listed on arxiv.org/category_taxonomy), to reject a typo
before a pull asks arXiv for a category that does not exist."""

from __future__ import annotations

import difflib

from paperlab.errors import InvalidInput

_GROUPS = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS "
          "PF PL RO SC SD SE SI SY",
    "stat": "AP CO ME ML OT TH",
    "eess": "AS IV SP SY",
    "econ": "EM GN TH",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG SP ST",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "nlin": "AO CD CG PS SI",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph flu-dyn "
               "gen-ph geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
}
_ARCHIVES = "astro-ph cond-mat gr-qc hep-ex hep-lat hep-ph hep-th math-ph nucl-ex nucl-th quant-ph".split()

CATEGORIES = frozenset([f"{g}.{c}" for g, codes in _GROUPS.items() for c in codes.split()] + _ARCHIVES)


def check_categories(values: list[str]) -> list[str]:
    """The categories as arXiv spells them (cs.lg -> cs.LG), each known; an unknown one is an error
    naming the nearest codes."""
    by_lower = {c.lower(): c for c in CATEGORIES}
    out: list[str] = []
    for value in values:
        for part in value.replace(",", " ").split():
            code = by_lower.get(part.strip().lower())
            if code is None:
                near = difflib.get_close_matches(part, sorted(CATEGORIES), n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(near)}?" if near else "; see https://arxiv.org/category_taxonomy"
                raise InvalidInput(f"'{part}' is not an arXiv category{hint}")
            if code not in out:
                out.append(code)
    return out
