"""Build the book without Quarto: an offline preview of the site, and README.md.

Usage:
  python tools/build_book.py                  # _docs/ (every page of the _quarto.yml sidebar) and README.md
  python tools/build_book.py --readme-only    # README.md only
  python tools/build_book.py --check-readme   # exit 1 when README.md is not what nbs/index.ipynb makes

The pages are the notebooks after nbdev's own processing (the `_proc/` step of `nbdev_docs`:
frontmatter, hidden cells removed, `show_doc` added for exported names), rendered from their saved
outputs in the order of the `_quarto.yml` sidebar. Everything a page needs is in `_docs/`: math is
rendered to MathML at build time, code is highlighted by Pygments, images are inlined; no page loads
anything from another host, so the site works when opened from disk.
"""
from __future__ import annotations
import argparse, html, json, os, re, shutil, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, PROC, DOCS = ROOT / 'nbs', ROOT / '_proc', ROOT / '_docs'

# ---------------------------------------------------------------- site structure

def sidebar(quarto_yml: Path = ROOT / '_quarto.yml') -> tuple[str, list]:
    "The site title and the sidebar as [(section or None, [page paths])], in reading order"
    import yaml
    cfg = yaml.safe_load(quarto_yml.read_text())
    site = cfg.get('website', {})
    groups, loose = [], []
    for item in site.get('sidebar', {}).get('contents', []):
        if isinstance(item, str): loose.append(item)
        elif isinstance(item, dict) and 'section' in item:
            if loose: groups.append((None, loose)); loose = []
            groups.append((item['section'], [c if isinstance(c, str) else c['href'] for c in item.get('contents', [])]))
        elif isinstance(item, dict) and 'href' in item: loose.append(item['href'])
    if loose: groups.append((None, loose))
    return site.get('title', 'pcm-literate'), groups

def html_name(page: str) -> str:
    "Site path of a notebook page, as nbdev names it for Quarto: lower case, numeric prefix dropped (01_physics.ipynb -> physics.html)"
    folder, _, name = page.rpartition('/')
    name = re.sub(r'^\d+[a-zA-Z0-9]*_', '', name.lower())
    return (folder + '/' if folder else '') + re.sub(r'\.(ipynb|qmd|md)$', '.html', name)

def settings() -> dict:
    "The [DEFAULT] section of settings.ini"
    import configparser
    cp = configparser.ConfigParser(); cp.read(ROOT / 'settings.ini')
    return dict(cp['DEFAULT'])

# ---------------------------------------------------------------- markdown and math

_TAG = re.compile(r'\\tag\{([^}]*)\}')

def math_html(tex: str, display: bool) -> str:
    "LaTeX to MathML (rendered by the browser, no script); an equation number from \\tag{n}"
    from latex2mathml.converter import convert
    tag = _TAG.search(tex)
    mathml = convert(_TAG.sub('', tex).strip(), display='block' if display else 'inline')
    if not display: return mathml
    num = f'<span class="eqno">({html.escape(tag.group(1))})</span>' if tag else ''
    return f'<div class="math-display">{mathml}{num}</div>'

_md = None
def markdown_renderer():
    "markdown-it with tables, $math$ and $$math$$"
    global _md
    if _md is None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.dollarmath import dollarmath_plugin
        md = MarkdownIt('commonmark', {'html': True}).enable('table').enable('strikethrough')
        md.use(dollarmath_plugin, allow_space=True, double_inline=True)
        md.add_render_rule('math_inline', lambda self, tokens, idx, options, env: math_html(tokens[idx].content, False))
        md.add_render_rule('math_inline_double', lambda self, tokens, idx, options, env: math_html(tokens[idx].content, True))
        md.add_render_rule('math_block', lambda self, tokens, idx, options, env: math_html(tokens[idx].content, True))
        md.add_render_rule('math_block_label', lambda self, tokens, idx, options, env: math_html(tokens[idx].content, True))
        _md = md
    return _md

_FENCE_OPEN = re.compile(r'^:::+\s*\{([^}]*)\}\s*$')
_FENCE_CLOSE = re.compile(r'^:::+\s*$')

def fenced_divs(src: str) -> str:
    "Quarto/pandoc fenced divs (::: {.callout-note collapse=\"true\"}) as HTML around markdown"
    out, stack = [], []
    for line in src.split('\n'):
        m = _FENCE_OPEN.match(line)
        if m:
            attrs = m.group(1)
            classes = re.findall(r'\.([\w-]+)', attrs)
            title = re.search(r'title="([^"]*)"', attrs)
            collapse = 'collapse="true"' in attrs
            callout = next((c for c in classes if c.startswith('callout-')), None)
            cls = ' '.join(['callout', callout] if callout else classes)
            if collapse:
                out += [f'<details class="{cls}"><summary>{html.escape(title.group(1) if title else "Details")}</summary>', '']
                stack.append('</details>')
            else:
                head = f'<div class="callout-title">{html.escape(title.group(1))}</div>' if title else ''
                out += [f'<div class="{cls}">{head}', '']
                stack.append('</div>')
        elif _FENCE_CLOSE.match(line) and stack: out += ['', stack.pop()]
        else: out.append(line)
    return '\n'.join(out + ['', *reversed(stack)])

def slug(text: str) -> str:
    "Heading id as pandoc makes it: tags dropped, lower case, only letters, digits, _ - . kept, spaces to hyphens"
    s = html.unescape(re.sub(r'<math.*?</math>|<[^>]+>', lambda m: '' if m.group(0).startswith('<math') else '', text, flags=re.S)).lower()
    s = re.sub(r'[^\w\s.-]', '', s)
    return re.sub(r'\s+', '-', s.strip()).strip('-') or 'section'

_LINK_ATTRS = re.compile(r'\[([^\]]+)\]\(([^)\s]+)\)\{[^}]*\}')

def render_markdown(src: str, toc: list | None = None) -> str:
    "Markdown (with math and fenced divs) to HTML; h2/h3 get ids and go into `toc`"
    # pandoc link attributes, e.g. nbdev's [source](url){target="_blank" ...}, become a plain link on the right
    src = _LINK_ATTRS.sub(lambda m: f'<a class="source-link" href="{html.escape(m.group(2))}">{m.group(1)}</a>', src)
    out = markdown_renderer().render(fenced_divs(src))
    def head(m):
        level, inner = m.group(1), m.group(2)
        hid = slug(inner)
        if toc is not None and level in '23': toc.append((int(level), hid, re.sub(r'</?a\b[^>]*>', '', inner)))
        return f'<h{level} id="{hid}">{inner}</h{level}>'
    out = re.sub(r'<h([1-6])>(.*?)</h\1>', head, out, flags=re.S)
    return re.sub(r'href="(?!https?:|#|mailto:)([^"]*?\.ipynb)(#[^"]*)?"', lambda m: f'href="{html_name(m.group(1))}{m.group(2) or ""}"', out)

# ---------------------------------------------------------------- code cells and outputs

_ANSI = re.compile(r'\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])')

def cell_options(src: str) -> tuple[dict, str]:
    "Quarto cell options (leading `#| key: value` lines) and the code without them"
    opts, lines = {}, src.split('\n')
    i = 0
    while i < len(lines) and lines[i].startswith('#|'):
        kv = lines[i][2:].split(':', 1)
        if len(kv) == 2: opts[kv[0].strip()] = kv[1].strip().strip('"\'')
        else: opts[kv[0].strip()] = 'true'
        i += 1
    return opts, '\n'.join(lines[i:]).strip('\n')

def highlight(code: str) -> str:
    from pygments import highlight as hl
    from pygments.lexers import PythonLexer
    from pygments.formatters import HtmlFormatter
    return hl(code, PythonLexer(), HtmlFormatter(cssclass='highlight'))

def _text(x) -> str: return ''.join(x) if isinstance(x, list) else x

_FENCED = re.compile(r'^```.*?^```', re.S | re.M)

def _unlink_code(md: str) -> str:
    "Markdown links that nbdev put inside fenced code (show_doc signatures) are literal text there: keep only the name"
    return _FENCED.sub(lambda m: re.sub(r'\[`?([^`\]]+)`?\]\([^)]*\)', r'\1', m.group(0)), md)

def render_output(out: dict, asis: bool, toc: list) -> str:
    "One saved output as HTML"
    kind = out.get('output_type')
    if kind == 'stream':
        return f'<pre class="output output-{out.get("name", "stdout")}">{html.escape(_ANSI.sub("", _text(out["text"])))}</pre>'
    if kind == 'error':
        return f'<pre class="output output-error">{html.escape(_ANSI.sub("", chr(10).join(out.get("traceback", []))))}</pre>'
    data = out.get('data', {})
    if 'application/vnd.jupyter.widget-view+json' in data and 'text/html' not in data:
        raise ValueError("a saved output is a live ipywidgets view with no static HTML; re-run the notebook with `make outputs`")
    if 'text/html' in data: return f'<div class="output output-html">{_text(data["text/html"])}</div>'
    if 'image/png' in data:
        return f'<div class="output output-image"><img alt="figure" src="data:image/png;base64,{_text(data["image/png"]).strip()}"></div>'
    if 'image/svg+xml' in data: return f'<div class="output output-image">{_text(data["image/svg+xml"])}</div>'
    if 'text/markdown' in data:
        return f'<div class="output output-markdown">{render_markdown(_unlink_code(_text(data["text/markdown"])), toc if asis else None)}</div>'
    if 'text/latex' in data: return f'<div class="output">{math_html(_text(data["text/latex"]).strip("$"), True)}</div>'
    if 'text/plain' in data: return f'<pre class="output output-text">{html.escape(_text(data["text/plain"]))}</pre>'
    return ''

def render_code_cell(cell: dict, toc: list, anchor: str | None = None) -> str:
    "A code cell: source (unless echo: false), folded when asked (exported source always), and its outputs (unless output: false)"
    opts, code = cell_options(_text(cell.get('source', '')))
    if opts.get('include') == 'false': return ''
    parts = []
    if code and opts.get('echo') != 'false':
        src = highlight(code)
        fold, summary = opts.get('code-fold'), opts.get('code-summary', 'Code')
        if fold in ('true', 'show'):
            is_open = fold == 'show' and summary != EXPORTED  # nbdev asks to show exported source; the page folds it
            src = f'<details class="code-fold"{" open" if is_open else ""}><summary>{html.escape(summary)}</summary>{src}</details>'
        parts.append(f'<div class="cell-input">{src}</div>')
    if opts.get('output') != 'false':
        parts += [render_output(o, opts.get('output') == 'asis', toc) for o in cell.get('outputs', [])]
    ident = f' id="{anchor}"' if anchor else ''
    return f'<div class="cell"{ident}>{"".join(parts)}</div>' if parts else ''

def frontmatter(nb: dict) -> dict:
    "The YAML frontmatter nbdev's processing puts in a raw first cell"
    import yaml
    for c in nb['cells']:
        src = _text(c.get('source', '')).strip()
        if c['cell_type'] == 'raw' and src.startswith('---'):
            return yaml.safe_load(src.strip('-').strip()) or {}
    return {}

EXPORTED = 'Exported source'

def _is_exported_source(cell: dict) -> bool:
    return cell['cell_type'] == 'code' and cell_options(_text(cell.get('source', '')))[0].get('code-summary') == EXPORTED

def _source_targets(cells: list) -> dict:
    "For each show_doc cell, the index of the exported-source cell that follows it (nbdev puts the docs right before the source)"
    targets, pending = {}, []
    for i, c in enumerate(cells):
        if _is_exported_source(c):
            for j in pending: targets[j] = i
            pending = []
        elif c['cell_type'] == 'code' and '[source](' in json.dumps(c.get('outputs', [])): pending.append(i)
        elif c['cell_type'] == 'markdown' or _text(c.get('source', '')).strip(): pending = []
    return targets

_SOURCE_LINK = re.compile(r'\[source\]\([^)]*\)(\{[^}]*\})?')

def render_notebook(nb: dict) -> tuple[dict, str, list]:
    "(frontmatter, body HTML, table of contents) of a processed notebook; source links point at the source shown on the page"
    fm, toc, parts = frontmatter(nb), [], []
    cells = nb['cells']
    targets = _source_targets(cells)
    anchors = {i: f'src-{i}' for i in set(targets.values())}
    for i, c in enumerate(cells):
        if c['cell_type'] == 'markdown': parts.append(render_markdown(_text(c['source']), toc))
        elif c['cell_type'] == 'code':
            if any('[source](' in json.dumps(o) for o in c.get('outputs', [])):
                link = f'[source](#{anchors[targets[i]]}){{}}' if i in targets else ''  # no source on the page: no link
                c = json.loads(_SOURCE_LINK.sub(lambda m: link, json.dumps(c)))
            parts.append(render_code_cell(c, toc, anchors.get(i)))
    return fm, '\n'.join(p for p in parts if p), toc

# ---------------------------------------------------------------- pages

CSS = """
:root{--fg:#1f2328;--muted:#59636e;--accent:#2c5aa0;--line:#d8dee4;--code:#f6f8fa}
*{box-sizing:border-box}body{margin:0;font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg)}
header.site{padding:.6rem 1.2rem;background:var(--accent);color:#fff}header.site a{color:#fff;text-decoration:none;font-weight:600}
.layout{display:grid;grid-template-columns:14rem minmax(0,1fr) 12rem;gap:2rem;max-width:100rem;margin:0 auto;padding:0 1rem}
nav.sidebar{position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto;padding:1rem 0;font-size:.93rem}
nav.sidebar .section{margin:1rem 0 .3rem;font-weight:600;color:var(--muted);text-transform:uppercase;font-size:.75rem;letter-spacing:.05em}
nav.sidebar a{display:block;padding:.2rem .5rem;color:var(--fg);text-decoration:none;border-left:2px solid transparent}
nav.sidebar a.active{border-left-color:var(--accent);color:var(--accent);font-weight:600}
nav.toc{position:sticky;top:0;align-self:start;padding:1rem 0;font-size:.85rem}nav.toc a{display:block;color:var(--muted);text-decoration:none;padding:.1rem 0}
nav.toc a.l3{padding-left:.8rem}
main{padding:1rem 0 4rem;min-width:0}main h1.title{margin-bottom:.2rem}p.description{font-size:1.2rem;color:var(--muted);font-style:italic;margin-top:0}
a{color:var(--accent)}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid var(--line);padding:.3rem .6rem;text-align:left}
pre{background:var(--code);padding:.7rem;overflow:auto;border-radius:4px;font-size:.85rem;line-height:1.45}
code{font-size:.88em}.cell{margin:1rem 0}.cell-input pre{margin:0}
pre.output{background:none;border-left:2px solid #e9967a;border-radius:0;margin:.2rem 0 0 .8rem}
.output-image img{max-width:100%;height:auto}.output-markdown{margin:.5rem 0}.output-markdown blockquote{margin:0;color:var(--muted)}
details.code-fold>summary{cursor:pointer;color:var(--muted);font-size:.85rem}
.math-display{display:flex;align-items:center;justify-content:center;gap:2rem;margin:1rem 0;overflow-x:auto;overflow-y:hidden;padding:.2rem 0}
a.source-link{float:right;font-size:.8rem}
.math-display .eqno{color:var(--muted)}math{font-size:1.05em}
.callout{border-left:4px solid var(--accent);background:#f3f6fb;padding:.5rem 1rem;margin:1rem 0;border-radius:3px}
.callout-warning{border-left-color:#d08700;background:#fff8e6}.callout-tip{border-left-color:#2a7e3b;background:#eef8f0}
.callout-title{font-weight:600}blockquote{border-left:3px solid var(--line);margin-left:0;padding-left:1rem}
footer{color:var(--muted);font-size:.8rem;border-top:1px solid var(--line);padding:1rem 0;margin-top:3rem}
@media (max-width:60rem){.layout{grid-template-columns:1fr}nav.sidebar,nav.toc{position:static;max-height:none}}
"""

def page_html(title: str, site_title: str, groups: list, current: str, fm: dict, body: str, toc: list) -> str:
    "A whole page, links relative so that it opens from disk"
    up = '../' * current.count('/')
    nav = []
    for section, pages in groups:
        if section: nav.append(f'<div class="section">{html.escape(section)}</div>')
        for p in pages:
            label = PAGE_TITLES.get(p, p)
            cls = ' class="active"' if p == current else ''
            nav.append(f'<a href="{up}{html_name(p)}"{cls}>{html.escape(label)}</a>')
    toc_html = "".join(f'<a class="l{lvl}" href="#{hid}">{text}</a>' for lvl, hid, text in toc)  # headings are HTML already (math included)
    desc = f'<p class="description">{markdown_renderer().renderInline(str(fm["description"]))}</p>' if fm.get('description') else ''
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – {html.escape(site_title)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="{up}site.css"></head>
<body><header class="site"><a href="{up}index.html">{html.escape(site_title)}</a></header>
<div class="layout"><nav class="sidebar" aria-label="chapters">{''.join(nav)}</nav>
<main><h1 class="title">{html.escape(title)}</h1>{desc}{body}
<footer>Built from the notebooks' saved outputs by tools/build_book.py (offline preview; with Quarto installed, <code>make book</code> uses <code>nbdev_docs</code>).</footer></main>
<nav class="toc" aria-label="on this page">{toc_html}</nav></div>
<script>{OPEN_TARGET_JS}</script></body></html>
"""

PAGE_TITLES: dict[str, str] = {}

# a link to folded source opens the fold
OPEN_TARGET_JS = ("(function(){function open(){var id=decodeURIComponent(location.hash.slice(1));var el=id&&document.getElementById(id);"
                  "if(!el)return;el.querySelectorAll('details').forEach(function(d){d.open=true});el.scrollIntoView()}"
                  "window.addEventListener('hashchange',open);open()})();")

# ---------------------------------------------------------------- links

_HREF = re.compile(r'href="([^"]*)"')

def relink_site(out: Path) -> int:
    """Point every link to the configured doc host at the page here (relative, so the site opens from disk) and drop
    links to the configured git host (the project is not published there); returns the number of links changed"""
    cfg = settings()
    doc_base = cfg['doc_host'].rstrip('/') + '/' + cfg.get('doc_baseurl', '').strip('/') + '/'
    git_base = cfg['git_url'].rstrip('/') + '/'
    pages = {p.relative_to(out).as_posix(): p for p in out.rglob('*.html')}
    ids = {name: set(re.findall(r'\sid="([^"]+)"', p.read_text())) for name, p in pages.items()}
    changed = 0
    for name, path in pages.items():
        up = '../' * name.count('/')
        def fix(m):
            nonlocal changed
            url = html.unescape(m.group(1))
            if url.startswith(git_base): changed += 1; return 'data-dropped-href=""'
            if not url.startswith(doc_base): return m.group(0)
            target, _, frag = url[len(doc_base):].partition('#')
            if target not in pages: raise ValueError(f"{name}: a link points at {url}, but there is no page {target}")
            while frag and frag not in ids[target]: frag = frag.rpartition('.')[0]  # a method's docs: fall back to its class
            changed += 1
            return f'href="{up}{target}{"#" + frag if frag else ""}"'
        text = _HREF.sub(fix, path.read_text())
        text = re.sub(r'<a class="source-link" data-dropped-href="">source</a>', '', text)
        path.write_text(text)
    return changed

def process_notebooks() -> Path:
    "Run nbdev's docs processing (no Quarto needed for this step) into _proc/"
    cwd = os.getcwd(); os.chdir(ROOT)
    try:
        from nbdev.quarto import refresh_quarto_yml
        from nbdev.serve import proc_nbs
        import nbdev.doclinks
        refresh_quarto_yml()
        nbdev.doclinks._build_modidx()
        return proc_nbs(str(NBS), n_workers=min(2, os.cpu_count() or 1), force=True)  # its mtime cache keeps stale pages
    finally: os.chdir(cwd)

def build_site(out: Path = DOCS) -> Path:
    "Render every sidebar page from _proc/ into `out`; returns the home page"
    proc = process_notebooks()
    site_title, groups = sidebar()
    pages = [p for _, ps in groups for p in ps]
    if len(set(pages)) != len(pages): raise ValueError(f"a page is listed twice in the _quarto.yml sidebar: {pages}")
    rendered = {}
    for p in pages:
        src = proc / p
        if not src.exists(): raise FileNotFoundError(f"_quarto.yml lists {p}, but nbs/{p} does not exist")
        fm, body, toc = render_notebook(json.loads(src.read_text()))
        if fm.get('output-file') and fm['output-file'] != html_name(p).rpartition('/')[2]:
            raise ValueError(f"{p}: nbdev names its page {fm['output-file']}, the builder {html_name(p)}")
        PAGE_TITLES[p] = fm.get('title', Path(p).stem)
        rendered[p] = (fm, body, toc)
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    from pygments.formatters import HtmlFormatter
    (out / 'site.css').write_text(CSS + HtmlFormatter(style='default').get_style_defs('.highlight'))
    for p, (fm, body, toc) in rendered.items():
        dest = out / html_name(p)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(page_html(PAGE_TITLES[p], site_title, groups, p, fm, body, toc))
    relink_site(out)
    return out / 'index.html'

# ---------------------------------------------------------------- README

def readme_text(nb_path: Path = NBS / 'index.ipynb') -> str:
    "README.md from the home page notebook: its markdown, its visible code and their text outputs"
    nb = json.loads(nb_path.read_text())
    parts = ['<!-- Generated from nbs/index.ipynb by tools/build_book.py: edit the notebook, not this file. -->']
    first = True
    for c in nb['cells']:
        src = _text(c.get('source', ''))
        if c['cell_type'] == 'markdown':
            if first:  # nbdev's title cell: "# Title" then "> description"
                first = False
            src = re.sub(r'\]\((?!https?:|#)([^)]+?\.ipynb)(#[^)]*)?\)', lambda m: f'](nbs/{m.group(1)}{m.group(2) or ""})', src)
            parts.append(src.strip())
        elif c['cell_type'] == 'code':
            opts, code = cell_options(src)
            if 'hide' in opts or 'export' in opts or 'exporti' in opts or opts.get('echo') == 'false' or not code: continue
            parts.append(f'```python\n{code}\n```')
            texts = [_text(o['text']) for o in c.get('outputs', []) if o.get('output_type') == 'stream']
            texts += [_text(o['data']['text/plain']) for o in c.get('outputs', []) if 'data' in o and set(o['data']) == {'text/plain'}]
            if texts: parts.append('```\n' + ''.join(texts).rstrip('\n') + '\n```')
    return '\n\n'.join(parts) + '\n'

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--readme-only', action='store_true', help='write README.md only')
    ap.add_argument('--check-readme', action='store_true', help='exit 1 when README.md is out of date')
    ap.add_argument('--out', type=Path, default=DOCS, help='output folder of the site (default _docs)')
    ap.add_argument('--relink', type=Path, default=None, help='only relink an already built site (e.g. Quarto\'s _docs)')
    args = ap.parse_args(argv)
    if args.relink: print(f"{relink_site(args.relink)} links relinked", file=sys.stderr); return 0
    readme = ROOT / 'README.md'
    if args.check_readme:
        if readme.read_text() != readme_text():
            print("README.md is not what nbs/index.ipynb makes: run `python tools/build_book.py --readme-only`", file=sys.stderr)
            return 1
        return 0
    readme.write_text(readme_text())
    if args.readme_only: return 0
    home = build_site(args.out)
    print(f"built {len(list(args.out.rglob('*.html')))} pages", file=sys.stderr)
    return 0

if __name__ == '__main__': sys.exit(main())
