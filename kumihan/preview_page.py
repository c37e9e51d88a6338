"""The pages of ``kumihan serve``: the PDF's pages in right-to-left spreads, the EPUB in a vertical reading view.

Each page listens to the server's events: it shows a build error above the last good preview, and reloads
(keeping its place) when its edition has been rebuilt.
"""

from __future__ import annotations

import html
import io
import json
import posixpath
import zipfile

from lxml import etree

_OPF = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "o": "http://www.idpf.org/2007/opf"}

_STYLE = """
body { margin: 0; background: #5a5a5a; font-family: sans-serif; }
header { position: sticky; top: 0; z-index: 1; display: flex; gap: 16px; align-items: center;
         background: #222; color: #eee; padding: 6px 14px; font-size: 14px; }
header a { color: #ccc; } header a.here { color: #fff; font-weight: bold; text-decoration: none; }
#state { margin-left: auto; color: #bbb; font-size: 13px; }
#error { display: none; margin: 0; padding: 8px 14px; white-space: pre-wrap; font: 13px monospace;
         background: #fde8e8; color: #700; border-bottom: 2px solid #c00; }
.spreads { display: flex; flex-direction: column; align-items: center; gap: 28px; padding: 28px; }
.spread { display: flex; flex-direction: row-reverse; }  /* the first page of a spread is on the right */
.spread figure { margin: 0; text-align: center; color: #ddd; font-size: 12px; }
.spread img { display: block; background: #fff; box-shadow: 0 2px 10px #0008; }
.spread .blank { visibility: hidden; }
.empty { color: #eee; padding: 40px; }
#reader { display: block; width: 100%; height: calc(100vh - 40px); border: 0; background: #fff; }
select { max-width: 40vw; }
"""

_SCRIPT = """
const view = %(view)s, generation = %(generation)s;
const key = "kumihan-place:" + location.pathname;
const reader = document.getElementById("reader");
function place() {
  const w = reader ? reader.contentWindow : window;
  return JSON.stringify({x: w.scrollX, y: w.scrollY, doc: reader ? reader.dataset.doc : null});
}
function restore() {
  const saved = JSON.parse(sessionStorage.getItem(key) || "null");
  if (!saved) return;
  if (!reader) { window.scrollTo(saved.x, saved.y); return; }
  if (saved.doc && saved.doc !== reader.dataset.doc) { show(saved.doc); }
  reader.addEventListener("load", () => reader.contentWindow.scrollTo(saved.x, saved.y), {once: true});
}
function show(doc) {
  const select = document.getElementById("doc");
  if (![...select.options].some(o => o.value === doc)) return;
  select.value = doc; reader.dataset.doc = doc; reader.src = "/epub/file/" + doc + "?g=" + generation;
}
if (reader) {
  const select = document.getElementById("doc");
  select.addEventListener("change", () => show(select.value));
  for (const [id, step] of [["prev", -1], ["next", 1]]) {
    document.getElementById(id).addEventListener("click", () => {
      const i = select.selectedIndex + step;
      if (i >= 0 && i < select.options.length) show(select.options[i].value);
    });
  }
}
window.addEventListener("load", restore);
const events = new EventSource("/events?view=" + view);
events.addEventListener("status", (event) => {
  const s = JSON.parse(event.data);
  const error = document.getElementById("error");
  error.textContent = s.error || ""; error.style.display = s.error ? "block" : "none";
  document.getElementById("state").textContent = s.building.length ? "building " + s.building.join(" + ") + "…"
    : s.error ? "build failed: showing the last good build" : "build " + s.generation[view];
  if (s.generation[view] !== generation) { sessionStorage.setItem(key, place()); location.reload(); }
});
"""


def spine(epub: bytes) -> list[tuple[str, str, bool]]:
    """The EPUB's documents in reading order: (path in the zip, its title, whether the text begins there: its
    body is ``epub:type="bodymatter"``)."""
    with zipfile.ZipFile(io.BytesIO(epub)) as z:
        container = etree.fromstring(z.read("META-INF/container.xml"))
        opf_path = container.find(".//c:rootfile", _OPF).get("full-path")
        opf = etree.fromstring(z.read(opf_path))
        base = posixpath.dirname(opf_path)
        items = {item.get("id"): item for item in opf.iterfind(".//o:manifest/o:item", _OPF)}
        documents = []
        for ref in opf.iterfind(".//o:spine/o:itemref", _OPF):
            item = items[ref.get("idref")]
            path = posixpath.normpath(posixpath.join(base, item.get("href")))
            doc = etree.fromstring(z.read(path))
            title = doc.findtext(".//{http://www.w3.org/1999/xhtml}title") or path
            body = doc.find("{http://www.w3.org/1999/xhtml}body")
            kind = (body.get("{http://www.idpf.org/2007/ops}type") or "") if body is not None else ""
            documents.append((path, title.strip(), "bodymatter" in kind.split()))
        return documents


def _pdf_body(preview) -> tuple[str, str]:
    count, generation = preview.pages, preview.generation["pdf"]
    if not count:
        return "", '<p class="empty">No PDF yet: the first build is under way, or it failed (see above).</p>'
    width, height = preview.page_size
    # Page 1 is a left-hand page (右開き: odd pages on the left); then 2 on the right, 3 on the left, …
    spreads = [[None, 1]] + [[n, n + 1 if n + 1 <= count else None] for n in range(2, count + 1, 2)]
    out = []
    for spread in spreads:
        figures = []
        for n in spread:
            if n is None:
                figures.append(f'<figure class="blank"><div style="width:{width}px"></div></figure>')
            else:
                figures.append(f'<figure><img src="/pdf/page/{n}.png?g={generation}" width="{width}" '
                               f'height="{height}" loading="lazy" alt="page {n}"><figcaption>{n}</figcaption></figure>')
        out.append(f'<div class="spread">{"".join(figures)}</div>')
    return f"{count} pages", f'<main class="spreads">{"".join(out)}</main>'


def _epub_body(preview) -> tuple[str, str]:
    documents = preview.epub_spine()
    if not documents:
        return "", '<p class="empty">No EPUB yet: the first build is under way, or it failed (see above).</p>'
    # The view opens where the text begins (after the cover, the title page and the 目次).
    start = next((i for i, (_, _, body) in enumerate(documents) if body), 0)
    options = "".join(f'<option value="{html.escape(p)}"{" selected" if i == start else ""}>{html.escape(t)}</option>'
                      for i, (p, t, _) in enumerate(documents))
    first = html.escape(documents[start][0])
    return (f'<button id="prev">← previous</button><select id="doc">{options}</select>'
            f'<button id="next">next →</button>',
            f'<iframe id="reader" data-doc="{first}" title="the EPUB" '
            f'src="/epub/file/{first}?g={preview.generation["epub"]}"></iframe>')


def page(edition: str, preview) -> bytes:
    """The preview page of ``edition`` (``pdf`` or ``epub``) as HTML."""
    status = preview.status()
    tabs = "".join(f'<a href="/{e}"{" class=here" if e == edition else ""}>{e.upper()}</a>' for e in ("pdf", "epub"))
    controls, body = _pdf_body(preview) if edition == "pdf" else _epub_body(preview)
    script = _SCRIPT % {"view": json.dumps(edition), "generation": json.dumps(status["generation"][edition])}
    name = html.escape(preview.root.name)
    error = html.escape(status["error"] or "")
    return (f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{name} — kumihan serve</title>'
            f'<style>{_STYLE}</style></head><body>'
            f'<header><strong>{name}</strong>{tabs}{controls}<span id="state"></span></header>'
            f'<pre id="error"{" style=display:block" if error else ""}>{error}</pre>{body}'
            f'<script>{script}</script></body></html>').encode("utf-8")
