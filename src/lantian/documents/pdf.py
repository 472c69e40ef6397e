"""PDF from .docx with LibreOffice headless (Debian: ``libreoffice-writer-nogui``).

PDF is a convenience beside the .docx offices exchange: :func:`to_pdf` never fails its caller.
When LibreOffice is missing, or a conversion fails or times out, it returns None and logs why;
:func:`pdf_unavailable` gives the reason up front (for a page or a CLI message).
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger("lantian.documents")

TIMEOUT = 120  # seconds; ~1.7 s a document on a 2-core machine, the first start longer
INSTALL_HINT = "install LibreOffice (Debian: apt-get install libreoffice-writer-nogui)"


def soffice() -> str | None:
    """The LibreOffice executable ($LANTIAN_SOFFICE, else soffice/libreoffice on PATH)."""
    forced = os.environ.get("LANTIAN_SOFFICE")
    if forced:
        return forced if Path(forced).is_file() else shutil.which(forced)
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_unavailable() -> str | None:
    """Why PDF cannot be made here (None when it can)."""
    if soffice() is None:
        return f"no PDF: LibreOffice (soffice) is not installed — {INSTALL_HINT}"
    return None


def to_pdf(docx: Path, out: Path | None = None, *, timeout: float = TIMEOUT) -> Path | None:
    """Convert ``docx`` to PDF (beside it, or to ``out``); None, with the reason logged, if it cannot.

    Each call uses its own LibreOffice profile (``-env:UserInstallation``) in a temporary folder,
    so conversions can run side by side and never touch a user's profile.
    """
    docx = Path(docx)
    exe = soffice()
    if exe is None:
        log.warning("%s (for %s)", pdf_unavailable(), docx)
        return None
    if not docx.is_file():
        log.warning("no PDF: %s does not exist", docx)
        return None
    target = Path(out) if out is not None else docx.with_suffix(".pdf")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lantian-soffice-") as tmp:
        tmp = Path(tmp)
        cmd = [exe, f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(tmp / "out"),
               str(docx.resolve())]
        env = dict(os.environ, HOME=str(tmp), SAL_USE_VCLPLUGIN="svp")
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        except subprocess.TimeoutExpired:
            log.warning("no PDF: LibreOffice did not finish converting %s within %s s", docx, timeout)
            return None
        except OSError as exc:
            log.warning("no PDF: cannot run %s: %s", exe, exc)
            return None
        made = tmp / "out" / f"{docx.stem}.pdf"
        if done.returncode != 0 or not made.is_file():
            log.warning("no PDF: LibreOffice failed on %s (exit %s): %s", docx, done.returncode,
                        (done.stderr or done.stdout).strip()[-500:])
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(made), target)
    log.info("PDF %s in %.1f s", target, time.perf_counter() - started)
    return target
