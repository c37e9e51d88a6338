"""What the tests share: projects laid out and built (:mod:`.project`), EPUBCheck in one Java process
(:mod:`.epub`), and a vertical PDF measured from the PDF alone (:mod:`.pdfcheck`).

Test modules import from here, never from one another or from ``conftest``.
"""
