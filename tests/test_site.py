"""Browser tests of the built book, in headless Chromium (Debian's chromium and chromium-driver).

The site is built the way `make book` builds it without Quarto, into a temporary folder, served on
127.0.0.1 and also opened from disk. Every page must load without console errors and without a
request to any host but the local one; every slider of every figure must change its figure; every
link must lead to a page and an anchor of the site or to a known real host; no page may show raw
markup (backticks, `G_max`-style symbols) in its text.
"""
import functools, html.parser, http.server, json, re, shutil, threading
from pathlib import Path
from urllib.parse import urlparse
import pytest
from conftest import ROOT

CHROMIUM, CHROMEDRIVER = shutil.which('chromium') or '/usr/bin/chromium', shutil.which('chromedriver') or '/usr/bin/chromedriver'

@pytest.fixture(scope='session')
def site(tmp_path_factory):
    "The built site: (folder, list of page paths in sidebar order)"
    import build_book
    out = tmp_path_factory.mktemp('site') / '_docs'
    build_book.build_site(out)
    _, groups = build_book.sidebar()
    return out, [build_book.html_name(p) for _, ps in groups for p in ps]

@pytest.fixture(scope='session')
def server(site):
    "Base URL of the site served on 127.0.0.1"
    handler = functools.partial(_QuietHandler, directory=str(site[0]))
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

@pytest.fixture(scope='session')
def browser(tmp_path_factory):
    "Headless Chromium through chromedriver, logging console messages and network requests"
    for exe in (CHROMIUM, CHROMEDRIVER):
        assert Path(exe).exists(), f"{exe} not found: install Debian's chromium and chromium-driver (see README)"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-size=1400,1000',
                 f'--user-data-dir={tmp_path_factory.mktemp("chromium-profile")}',
                 # nothing may leave the machine: a request to any other host fails here, and the log still shows it
                 '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1']:
        opts.add_argument(flag)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL', 'performance': 'ALL'})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.get('about:blank')
    yield driver
    driver.quit()

def _requests(driver) -> list[str]:
    "URLs the page requested since the last call"
    urls = []
    for entry in driver.get_log('performance'):
        msg = json.loads(entry['message'])['message']
        if msg.get('method') == 'Network.requestWillBeSent': urls.append(msg['params']['request']['url'])
    return urls

def _foreign(urls: list[str]) -> list[str]:
    "The URLs that go to a host other than this machine (chrome:// is the browser's own start page, not the network)"
    return [u for u in urls if urlparse(u).scheme not in ('data', 'file', 'about', 'blob', 'chrome')
            and urlparse(u).hostname not in ('127.0.0.1', 'localhost')]

def _load(driver, url):
    driver.get_log('performance'); driver.get_log('browser')
    driver.get(url)
    driver.execute_script("return document.readyState")

def test_every_page_loads_without_errors_or_foreign_requests(site, server, browser):
    folder, pages = site
    assert pages[0] == 'index.html' and (folder / 'index.html').exists()
    for page in pages:
        _load(browser, server + page)
        assert browser.find_element('css selector', 'h1.title').text.strip(), f"{page} has no title"
        errors = [e for e in browser.get_log('browser') if e['level'] in ('SEVERE', 'ERROR')]
        assert not errors, f"console errors on {page}: {errors}"
        requests = _requests(browser)
        assert server + page in requests
        assert not _foreign(requests), f"{page} requested other hosts: {_foreign(requests)}"

def test_sidebar_order_matches_quarto_yml(site, server, browser):
    folder, pages = site
    _load(browser, server + 'index.html')
    links = [urlparse(a.get_attribute('href')).path.lstrip('/') for a in browser.find_elements('css selector', 'nav.sidebar a')]
    assert links == pages

def _move_slider_and_watch(driver, how='keys'):
    "Move the first slider of the page (arrow keys, or a mouse drag); return (frame, label, value) before and after"
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    slider = driver.find_element('css selector', '.pcm-slider-figure input.psf-slider')
    img = driver.find_element('css selector', '.pcm-slider-figure img.psf-frame')
    label = driver.find_element('css selector', '.pcm-slider-figure output')
    state = lambda: (img.get_attribute('src'), label.text, slider.get_attribute('value'))
    before = state()
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", slider)
    if how == 'keys':
        driver.execute_script("arguments[0].focus()", slider)
        slider.send_keys(Keys.ARROW_RIGHT)
    else:  # grab the thumb where it is and drag it most of the way to the right end
        frac = int(before[2]) / int(slider.get_attribute('max'))
        width = slider.size['width']
        ActionChains(driver).move_to_element_with_offset(slider, int((frac - 0.5) * (width - 16)), 0).click_and_hold() \
            .move_by_offset(int(width * 0.3), 0).release().perform()
    return before, state()

def test_physics_slider_changes_the_figure(site, server, browser):
    _load(browser, server + 'physics.html')
    assert browser.find_element('css selector', '.pcm-slider-figure output').text == '1 day'  # the operating point
    before, after = _move_slider_and_watch(browser, 'keys')
    assert int(after[2]) == int(before[2]) + 1, (before[2], after[2])
    assert after[0] != before[0] and after[0].startswith('data:image/png;base64,')
    assert after[1] == '1 week', after[1]
    assert not [e for e in browser.get_log('browser') if e['level'] == 'SEVERE']
    assert not _foreign(_requests(browser))

def test_a_new_reader_from_disk(site, browser):
    "Open the home page from disk, follow the sidebar to the physics page, move the slider"
    folder, _ = site
    _load(browser, (folder / 'index.html').as_uri())
    link = [a for a in browser.find_elements('css selector', 'nav.sidebar a') if 'physics' in a.text.lower()]
    assert link, "no sidebar link to the physics chapter"
    link[0].click()
    assert browser.current_url.endswith('physics.html')
    before, after = _move_slider_and_watch(browser, 'drag')
    assert int(after[2]) > int(before[2]), (before[2], after[2])
    assert after[0] != before[0] and after[1] != before[1]
    assert not [e for e in browser.get_log('browser') if e['level'] == 'SEVERE']
    assert not _foreign(_requests(browser))

def test_math_is_rendered_without_scripts(site, server, browser):
    "Equations are MathML made at build time; no page carries a script from elsewhere"
    _load(browser, server + 'physics.html')
    assert len(browser.find_elements('css selector', 'math')) > 20
    srcs = [s.get_attribute('src') for s in browser.find_elements('css selector', 'script[src]')]
    assert srcs == []

def test_the_request_check_catches_a_foreign_request(tmp_path, browser):
    "Control: a page that loads an image from another host is caught (and the request goes nowhere)"
    page = tmp_path / 'bad.html'
    page.write_text('<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body><img src="https://example.org/x.png"></body></html>')
    _load(browser, page.as_uri())
    assert _foreign(_requests(browser)) == ['https://example.org/x.png']

def _sliders(driver):
    "(figure index, slider index, max) of every slider of every slider figure on the page"
    figs = driver.find_elements('css selector', '.pcm-slider-figure')
    return [(i, j, int(inp.get_attribute('max'))) for i, f in enumerate(figs) for j, inp in enumerate(f.find_elements('css selector', 'input.psf-slider'))]

def test_every_slider_of_every_figure_changes_its_frame(site, server, browser):
    "On every page, each slider of each figure moves one step, and the frame and the value shown change"
    from selenium.webdriver.common.keys import Keys
    folder, pages = site
    moved = 0
    for page in pages:
        _load(browser, server + page)
        for i, j, top in _sliders(browser):
            fig = browser.find_elements('css selector', '.pcm-slider-figure')[i]
            slider = fig.find_elements('css selector', 'input.psf-slider')[j]
            img, label = fig.find_element('css selector', 'img.psf-frame'), fig.find_elements('css selector', 'output')[j]
            before = (img.get_attribute('src'), label.text, int(slider.get_attribute('value')))
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", slider)
            slider.send_keys(Keys.ARROW_LEFT if before[2] == top else Keys.ARROW_RIGHT)
            after = (img.get_attribute('src'), label.text, int(slider.get_attribute('value')))
            assert abs(after[2] - before[2]) == 1, (page, i, j, before[2], after[2])
            assert after[0] != before[0] and after[1] != before[1], f"{page}: figure {i}, slider {j} did not change the frame or its label"
            moved += 1
        assert not [e for e in browser.get_log('browser') if e['level'] == 'SEVERE'], page
    assert moved >= 6, f"only {moved} sliders found on the site"

def test_source_links_open_the_folded_source(site, server, browser):
    "A 'source' link goes to the exported source on the same page and unfolds it"
    _load(browser, server + 'physics.html')
    link = browser.find_elements('css selector', 'a.source-link')[0]
    target = link.get_attribute('href').split('#')[1]
    fold = browser.find_element('css selector', f'#{target} details.code-fold')
    assert fold.get_attribute('open') is None  # exported source is folded
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link); link.click()
    from selenium.webdriver.support.ui import WebDriverWait  # the page unfolds on the hash change, an event after the click
    WebDriverWait(browser, 5).until(lambda _: fold.get_attribute('open') is not None)
    assert fold.get_attribute('open') is not None

KNOWN_HOSTS = {'doi.org', 'nbdev.fast.ai', 'arxiv.org', 'download.pytorch.org', 'www.cs.toronto.edu'}

def _ids_and_links(path: Path):
    text = path.read_text()
    return set(re.findall(r'\sid="([^"]+)"', text)), re.findall(r'\shref="([^"]*)"', text)

def bad_links(folder: Path, pages: list[str]) -> list[str]:
    "Links that lead to no page or anchor of the site, or to a host outside KNOWN_HOSTS"
    ids = {p: _ids_and_links(folder / p)[0] for p in pages}
    bad = []
    for page in pages:
        for href in _ids_and_links(folder / page)[1]:
            url = urlparse(href)
            if url.scheme in ('http', 'https'):
                if url.hostname not in KNOWN_HOSTS: bad.append(f"{page}: {href}")
                continue
            if url.scheme or href.startswith('data:') or href.endswith('site.css'): continue
            target = page if not url.path else str(Path(page).parent / url.path).replace('\\', '/')
            while re.search(r'(^|/)[^/.][^/]*/\.\./', target): target = re.sub(r'(^|/)[^/.][^/]*/\.\./', r'\1', target, count=1)
            target = target.removeprefix('./')
            if target not in ids: bad.append(f"{page}: {href} (no page {target})")
            elif url.fragment and url.fragment not in ids[target]: bad.append(f"{page}: {href} (no anchor #{url.fragment})")
    return bad

def test_every_link_leads_somewhere_real(site):
    "Relative links reach a page and an anchor of the site; absolute ones only known, real hosts (no github.io placeholder)"
    bad = bad_links(*site)
    assert not bad, "links that lead nowhere:\n" + '\n'.join(bad)

class _Text(html.parser.HTMLParser):
    "The text a reader sees in headings, prose, descriptions, slider labels and captions (not code, math or docstring outputs)"
    SKIP = {'code', 'pre', 'script', 'style', 'math', 'title'}
    VOID = {'img', 'br', 'hr', 'input', 'meta', 'link', 'source', 'wbr'}
    def __init__(self): super().__init__(); self.stack, self.parts = [], []
    def handle_starttag(self, tag, attrs):
        if tag in self.VOID: return
        cls = dict(attrs).get('class') or ''
        self.stack.append(tag in self.SKIP or 'output-markdown' in cls)  # show_doc outputs: Python signatures and docstrings
    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack: self.stack.pop()
    def handle_data(self, data):
        if not any(self.stack): self.parts.append(data)

def raw_markup(folder: Path, pages: list[str]) -> list[str]:
    "Backticks, dollar signs and G_max-style symbols in the text a reader sees"
    bad = []
    for page in pages:
        p = _Text(); p.feed((folder / page).read_text())
        text = ' '.join(p.parts)
        for m in re.finditer(r'`|\$|\b[A-Za-z]{1,2}_(?:max|W|in|out|T|P|s|read|inference|0)\b', text):
            bad.append(f"{page}: ...{text[max(0, m.start() - 40):m.end() + 20]!r}")
    return bad

def test_no_raw_markup_in_the_text(site):
    "Symbols like G_max, b_W, n_W and backticks are rendered, not shown literally"
    bad = raw_markup(*site)
    assert not bad, "raw markup in the page text:\n" + '\n'.join(bad[:30])

def test_the_link_and_markup_checks_catch_mistakes(tmp_path):
    "Control: a placeholder host, a missing page or anchor, a literal G_max heading and a backtick caption are all caught"
    (tmp_path / 'papers').mkdir()
    (tmp_path / 'a.html').write_text('<h2 id="x">The clip at G_max</h2><p class="psf-caption">move `n_W`</p>'
                                     '<a href="https://pcm-literate.github.io/pcm-literate/a.html">doc</a><a href="b.html">b</a><a href="#y">y</a>'
                                     '<pre><code>g_max = `fine in code`</code></pre>')
    (tmp_path / 'papers' / 'p.html').write_text('<a href="../a.html#x">ok</a><a href="../a.html#z">no anchor</a>')
    links = bad_links(tmp_path, ['a.html', 'papers/p.html'])
    assert [l.split(' ')[1] for l in links] == ['https://pcm-literate.github.io/pcm-literate/a.html', 'b.html', '#y', '../a.html#z'], links
    markup = raw_markup(tmp_path, ['a.html'])
    assert len(markup) == 4 and 'G_max' in markup[0], markup  # G_max, two backticks, n_W
