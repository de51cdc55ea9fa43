"""PyMuPDF, imported without the optional packages it loads and paperlab never calls.

PyMuPDF 2 depends on pymupdf-layout and pymupdf4llm and imports both on `import pymupdf`:
`pymupdf.layout` builds three ONNX Runtime sessions for `Page.get_layout()` (about 1 s) and
pymupdf4llm, for `to_markdown`, loads onnxruntime and tabulate (0.15 s). paperlab calls neither
(nor `find_tables`, get_layout's other user), so both imports are skipped; an `import` of either
later in the same process still works.
"""

from __future__ import annotations

import sys
from types import ModuleType

_SKIPPED = ("pymupdf.layout", "pymupdf4llm")


def load() -> ModuleType:
    if "pymupdf" not in sys.modules:
        blocked = [name for name in _SKIPPED if name not in sys.modules]
        for name in blocked:
            sys.modules[name] = None  # type: ignore[assignment]  # `import name` raises ImportError
        try:
            import pymupdf
        finally:
            for name in blocked:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]
        # MuPDF prints each repair of a damaged file to stderr; paperlab says once what it means
        pymupdf.TOOLS.mupdf_display_errors(False)
        pymupdf.TOOLS.mupdf_display_warnings(False)
        return pymupdf
    import pymupdf

    return pymupdf
