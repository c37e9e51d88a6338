"""Fonts that both editions use: the PDF sets its text in them, the EPUB draws its cover with them.

- :mod:`.find` — an installed face found by family name through fontconfig;
- :mod:`.vertical` — the font derived for vertical setting (upright glyphs pre-turned, tate-chu-yoko, kerning);
- :mod:`.emphasis` — the emphasis mark (圏点) drawn from a face as an SVG tile.

Nothing here imports WeasyPrint or pydyf, so that an EPUB build never loads them.
"""
