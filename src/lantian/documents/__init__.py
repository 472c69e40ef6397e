"""documents — the one document service every letter, notice and bulletin uses (docs/architecture.md "Layers").

Editable .docx templates (``templates/``, overridable in ``WORKSPACE/templates/``), Chinese fonts
resolved per machine (:mod:`.fonts`), GB/T 9704 layout (:mod:`.documents`), PDF through
LibreOffice when installed (:mod:`.pdf`), and the letters built on them (:mod:`.letters`).
"""
from .content import Heading, OfficialDocument, PageBreak, Paragraph, Table, cn_date, cn_number
from .documents import render_docx, template_path
from .fonts import font_map
from .pdf import pdf_unavailable, to_pdf

__all__ = ["Heading", "OfficialDocument", "PageBreak", "Paragraph", "Table", "cn_date", "cn_number",
           "render_docx", "template_path", "font_map", "pdf_unavailable", "to_pdf"]
