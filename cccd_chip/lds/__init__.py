"""The Logical Data Structure (ICAO 9303-10): one module per file, each with ``parse`` and ``build``.

See docs/lds.md. ``registry`` maps names, DG numbers, FIDs, SFIs and tags to
modules; ``inspect.describe`` renders any file for display; ``cms`` is the
SignedData code shared by EF.SOD, EF.CardSecurity and CSCA master lists.
"""
