"""Books the tests build: an edition in two parts with front and back matter, openings, 台割 and 柱."""

EDITION_ARTICLES = {"a1.md": ("米韓同盟の百年", "山田太郎", 6), "a2.md": ("日米の連携", "佐藤花子", 3),
            "a3.md": ("台湾海峡", None, 9), "b1.md": ("商店街の記憶", "鈴木一郎", 4),
            "b2.md": ("祭りの夜", "田中二郎", 2), "b3.md": ("町の未来", "高橋三郎", 5)}

EDITION_TOML = """[book]
title = "試験の論集"
publisher = "試験社"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000012"
front = ["hashigaki.md"]
back = ["atogaki.md"]

[output]
pdf = "book.pdf"
epub = "book.epub"

[[parts]]
title = "第一部　外交"
articles = ["a1.md", "a2.md", "a3.md"]

[[parts]]
title = "第二部　町"
articles = ["b1.md", "b2.md", "b3.md"]
opening = "any"

[page]
opening = "odd"
page_multiple = 8
running_head = "spread"
"""


def edition_files() -> dict[str, str]:
    """The edition's articles, front and back matter: file name → text."""
    out = {}
    for name, (title, author, n) in EDITION_ARTICLES.items():
        para = f"{title}について述べる本文の段落である。" * 8
        out[name] = (f"---\ntitle: {title}\ndate: 2024-01-01\nauthor: {author or 'null'}\n---\n\n"
                     + "\n\n".join([para] * n) + "\n\n注の例[^1]。\n\n[^1]: 注。\n")
    out["hashigaki.md"] = "---\ntitle: はしがき\ndate: 2024-01-01\nauthor: 編者\n---\n\n本書は六つの論考を収める。\n"
    out["atogaki.md"] = "---\ntitle: あとがき\ndate: 2024-01-01\nauthor: 編者\n---\n\n刊行に際して。\n"
    return out


SMALL_TOML = """[book]
title = "小さな論集"
publisher = "試験社"
identifier = "urn:uuid:00000000-0000-4000-8000-000000000023"

[output]
pdf = "book.pdf"
epub = "book.epub"

[page]
page_multiple = 4
"""


def small_files(count: int = 3, paragraphs: int = 4) -> dict[str, str]:
    """A book of ``count`` short articles (two or three pages each), each with a note and a link to the next."""
    out = {}
    for n in range(1, count + 1):
        para = f"第{n}の論考について述べる本文の段落である。町の本屋は記憶を残す。" * 6
        out[f"s{n}.md"] = (f"---\ntitle: 論考その{n}\ndate: 2024-01-01\nauthor: 筆者{n}\n---\n\n"
                           + "\n\n".join([para] * (paragraphs + n)) + f"\n\n[次の論考](#s{n % count + 1})と注[^1]。\n\n"
                           "[^1]: 注の本文。\n")
    return out
