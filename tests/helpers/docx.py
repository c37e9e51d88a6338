"""Word files for the import tests, written from their XML parts: ruby, 傍点, superscript and subscript,
strikethrough, comments, tracked changes, Title/Subtitle/Author paragraphs, quote and code styles, a definition
list, a table with merged cells and one with a header row, a table of contents, HYPERLINK fields."""

import zipfile

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' \
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def run(text, props=""):
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>' if props else \
        f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def para(content, style=None):
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}{content}</w:p>"


def ruby(base, reading):
    return (f'<w:r><w:ruby><w:rubyPr><w:rubyAlign w:val="distributeSpace"/></w:rubyPr>'
            f'<w:rt><w:r><w:t>{reading}</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>{base}</w:t></w:r></w:rubyBase>'
            f'</w:ruby></w:r>')


def cell(text, extra=""):
    return f"<w:tc><w:tcPr>{extra}</w:tcPr>{para(run(text))}</w:tc>"


def field_link(instr, text):
    return (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">{instr}</w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{run(text)}<w:r><w:fldChar w:fldCharType="end"/></w:r>')


STYLES = {"Title": "Title", "Subtitle": "Subtitle", "Abstract": "Abstract", "Quote": "Quote", "SourceCode": "Source Code",
          "DefinitionTerm": "Definition Term", "Definition": "Definition", "TOC1": "toc 1", "Heading2": "heading 2"}


def body():
    return "".join([
        para(run("北条の夏"), "Title"), para(run("ある一族の記録"), "Subtitle"), para(run("要旨の*一文*。"), "Abstract"),
        para(field_link('TOC \\o "1-3"', "目次の行……3"), "TOC1"),
        para(run("鎌倉の") + ruby("北", "ほう") + ruby("条", "じょう") + run("氏は") + ruby("執権", "しっけん")
             + run("を") + run("世襲", '<w:em w:val="dot"/>') + run("した。")),
        para(run("面積は12km") + run("2", '<w:vertAlign w:val="superscript"/>') + run("、CO")
             + run("2", '<w:vertAlign w:val="subscript"/>') + run("を出す。") + run("古い語", "<w:strike/>")
             + run("新しい語") + run("下線", '<w:u w:val="single"/>')),
        para('<w:commentRangeStart w:id="0"/>' + run("問題の一文") + '<w:commentRangeEnd w:id="0"/>'
             + '<w:r><w:commentReference w:id="0"/></w:r>' + run("は続く。")),
        para(run("変更") + '<w:ins w:id="1" w:author="校正者">' + run("を加えた") + "</w:ins>"
             + '<w:del w:id="2" w:author="校正者"><w:r><w:delText>消した語</w:delText></w:r></w:del>' + run("文。")),
        para(run("引用された一節。"), "Quote"),
        para(run("print(1)"), "SourceCode"), para(run("print(2)"), "SourceCode"),
        para(run("用語"), "DefinitionTerm"), para(run("その定義。"), "Definition"),
        para(field_link('HYPERLINK "https://example.com/a b" \\l "sec 2"', "外部の節") + run("と")
             + field_link('HYPERLINK \\l "_Toc1"', "内部の節") + run("を見よ。")),
        "<w:tbl><w:tr>" + cell("A", '<w:gridSpan w:val="2"/>') + "</w:tr><w:tr>" + cell("B") + cell("C")
        + "</w:tr></w:tbl>",
        '<w:tbl><w:tr><w:trPr><w:tblHeader/></w:trPr>' + cell("見出し1") + cell("見出し2") + "</w:tr><w:tr>"
        + cell("値1") + cell("値2") + "</w:tr></w:tbl>",
        para(run("終わりの段落。")),
    ])


def drawing(rid, name):
    """A picture in a run: the image of relationship ``rid``, described as ``name``."""
    return (f'<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
            f'<wp:extent cx="100" cy="100"/><wp:docPr id="1" name="{name}" descr="{name}"/>'
            '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:blipFill><a:blip r:embed="{rid}"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline>'
            "</w:drawing></w:r>")


def write_package(path, document, *, styles="", parts=(), media=(), title="", author=""):
    """A .docx of ``document`` (the w:body's XML), its styles, further parts (name such as ``footnotes`` or
    ``comments`` → its XML), its images (file name in word/media → (relationship id, content type, bytes)) and
    its properties."""
    ct = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {"styles": f"<w:styles {W}>{styles}</w:styles>", **dict(parts)}
    media = dict(media)
    overrides = "".join(f'<Override PartName="/word/{n}.xml" ContentType="{ct}.{n}+xml"/>' for n in parts)
    overrides += "".join(f'<Override PartName="/word/media/{n}" ContentType="{t}"/>' for n, (_, t, _) in media.items())
    relations = "".join(f'<Relationship Id="rId{i}" Type="{rel}/{n}" Target="{n}.xml"/>' for i, n in enumerate(parts))
    relations += "".join(f'<Relationship Id="{rid}" Type="{rel}/image" Target="media/{n}"/>'
                         for n, (rid, _, _) in media.items())
    xml = '<?xml version="1.0" encoding="UTF-8"?>'
    files = {
        "[Content_Types].xml": f'{xml}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{ct}.document.main+xml"/>{overrides}'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>",
        "_rels/.rels": f'{xml}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
        'Target="docProps/core.xml"/></Relationships>',
        "word/_rels/document.xml.rels": f'{xml}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships">{relations}</Relationships>',
        "word/document.xml": f"{xml}<w:document {W}><w:body>{document}</w:body></w:document>",
        "docProps/core.xml": f'{xml}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{title}</dc:title><dc:creator>{author}'
        '</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2024-02-10T10:00:00Z</dcterms:created>'
        "</cp:coreProperties>",
        **{f"word/{n}.xml": xml + data for n, data in parts.items()},
        **{f"word/media/{n}": data for n, (_, _, data) in media.items()},
    }
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)


def write_word(path, document_body=None, *, title="北条の夏", author="佐藤一郎"):
    """A .docx with ``document_body`` (the features above by default), its styles, a comment and properties."""
    styles = "".join(f'<w:style w:type="paragraph" w:styleId="{i}"><w:name w:val="{n}"/></w:style>'
                     for i, n in STYLES.items())
    comments = (f'<w:comments {W}><w:comment w:id="0" w:author="編集部"><w:p>{run("出典を確認")}</w:p>'
                "</w:comment></w:comments>")
    write_package(path, document_body or body(), styles=styles, parts={"comments": comments}, title=title,
                  author=author)
