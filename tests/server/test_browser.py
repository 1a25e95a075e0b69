"""End-to-end in real headless Chromium against a real server on loopback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.server.conftest import HOSTILE, new_context

ARTICLE = (Path(__file__).resolve().parents[2] / "examples" / "article.txt").read_text(encoding="utf-8")

XSS_PROBE = ("() => [window.__xss, document.querySelectorAll('#article img, #article script, #article a, #article div, #article b').length"
             " + document.images.length]")
"""[what the hostile text set, elements it made]: [None, 0] when it stayed text. The page has no
image of its own, so with no <img> anywhere no onerror handler is left to fire later, and the
check needs no wait."""


def spans_in_page(page) -> list[dict]:
    return page.evaluate("() => window.Propscan.state.record.analysis.spans")


def text_of_span(page, index: int) -> str:
    """The characters the page shows inside span `index`, in order, over all its segments."""
    return page.evaluate(
        """(i) => {
            const out = [];
            const walker = document.createTreeWalker(document.getElementById('article'), NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const n = walker.currentNode;
                let p = n.parentNode, inside = false;
                while (p && p.id !== 'article') { if (p.dataset && p.dataset.span === String(i)) inside = true; p = p.parentNode; }
                if (inside) out.push(n.data);
            }
            return out.join('');
        }""", index)


def test_pasted_article_comes_back_highlighted_with_a_permalink(page, artifacts):
    page.goto("/")
    page.get_by_label("Paste the article text").fill(ARTICLE)
    page.get_by_role("button", name="Analyse text").click()
    page.wait_for_selector("#result:not([hidden])")
    page.wait_for_url(re.compile(r"/a/[A-Za-z0-9_-]+$"))
    spans = spans_in_page(page)
    assert page.locator("#article").text_content() == ARTICLE
    assert page.locator("#article mark.hl.first").count() == len(spans)
    for i, s in enumerate(spans):
        assert text_of_span(page, i) == ARTICLE[s["start"]:s["end"]]
    assert page.locator("#sentence-list li").count() == len(page.evaluate(
        "() => window.Propscan.state.record.analysis.sentences"))
    assert re.fullmatch(r"\d\.\d\d", page.locator("#article-score").text_content())
    assert "Done" in page.locator("#status").text_content()
    page.screenshot(path=str(artifacts / "server-pasted-article.png"), full_page=True)
    # the permalink opens the same analysis in a fresh page
    permalink = page.url
    other = page.context.new_page()
    other.goto(permalink)
    other.wait_for_selector("#result:not([hidden])")
    assert other.locator("#article").text_content() == ARTICLE
    assert other.locator("#article mark.hl.first").count() == len(spans)
    assert page.problems == []


def test_nested_and_overlapping_spans_are_shown_faithfully(page, hostile_record, artifacts):
    page.goto(hostile_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    spans = hostile_record["analysis"]["spans"]
    assert page.locator("#article").text_content() == HOSTILE
    for i, s in enumerate(spans):
        assert text_of_span(page, i) == s["text"]
        first = page.locator(f'#article mark.first[data-span="{i}"]')
        assert first.count() == 1
        # colour is never the only cue: each span starts with its visible abbreviation
        abbr = first.evaluate("m => getComputedStyle(m, '::before').content")
        assert abbr.strip('"') == first.get_attribute("data-abbr") != ""
    # the characters inside both the nested span and its outer span sit in two marks at once
    nested = next(i for i, s in enumerate(spans) if s["technique"] == "Name_Calling,Labeling")
    depth = page.evaluate(
        """(i) => { const m = document.querySelector('#article mark.first[data-span="' + i + '"]');
                    const t = document.createTreeWalker(m, NodeFilter.SHOW_TEXT); t.nextNode();
                    let d = 0;
                    for (let p = t.currentNode.parentNode; p && p.id !== 'article'; p = p.parentNode) if (p.tagName === 'MARK') d++;
                    return d; }""", nested)
    assert depth >= 2
    # overlapping spans never share an underline layer
    layers = page.evaluate("() => Object.fromEntries([...document.querySelectorAll('#article mark')].map(m => [m.dataset.span, m.dataset.layer]))")
    outer = next(i for i, s in enumerate(spans) if s["technique"] == "Loaded_Language")
    doubt = next(i for i, s in enumerate(spans) if s["technique"] == "Doubt")
    assert len({layers[str(outer)], layers[str(nested)], layers[str(doubt)]}) == 3
    page.screenshot(path=str(artifacts / "server-nested-spans.png"), full_page=True)
    assert page.problems == []


def test_hostile_article_text_never_runs_and_shows_as_text(page, hostile_record):
    page.goto(hostile_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    assert page.evaluate(XSS_PROBE) == [None, 0]
    assert page.locator("#article").text_content() == HOSTILE
    assert "<script>" in page.locator("#result-title").text_content()
    assert page.title().startswith('<script>window.__xss="title"</script>')
    # the javascript: source URL is shown as text, not as a link target
    assert page.locator("#result-meta a").get_attribute("href") is None
    page.locator("#result-meta a").click()
    page.locator('#article mark.first[data-abbr="FEAR"]').hover()
    assert "<img" in page.locator("#tooltip").text_content()
    assert page.evaluate(XSS_PROBE) == [None, 0]
    assert page.problems == []


def test_hostile_text_pasted_in_the_form_stays_text(page):
    page.goto("/")
    page.get_by_label("Paste the article text").fill(HOSTILE)
    page.get_by_role("button", name="Analyse text").click()
    page.wait_for_selector("#result:not([hidden])")
    assert page.evaluate(XSS_PROBE) == [None, 0]
    assert page.locator("#article").text_content() == HOSTILE
    assert page.problems == []


def test_hovering_or_focusing_a_span_shows_technique_confidence_and_explanation(page, hostile_record):
    page.goto(hostile_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    tip = page.locator("#tooltip")
    assert tip.is_hidden()
    page.locator('#article mark.first[data-abbr="BW"]').hover()
    assert tip.is_visible()
    text = tip.text_content()
    assert "Black-and-white fallacy" in text and "80%" in text and "Presenting only two options" in text
    # keyboard: Tab reaches the spans, focus shows the tooltip, Escape hides it
    page.mouse.move(0, 0)
    page.locator("#legend-none").focus()
    page.locator("#legend-all").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('#article mark.first')"):
            break
    else:
        pytest.fail("Tab never reached a highlighted span")
    assert tip.is_visible()
    assert page.evaluate("() => document.activeElement.getAttribute('aria-describedby')") == "tooltip"
    assert "confidence" in tip.text_content()
    page.keyboard.press("Escape")
    assert tip.is_hidden()
    assert page.problems == []


def test_legend_counts_and_toggles_techniques(page, hostile_record):
    page.goto(hostile_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    total = len(hostile_record["analysis"]["spans"])
    box = page.get_by_role("checkbox", name=re.compile("Doubt"))
    assert page.locator("#legend-list li").count() == 14
    assert page.locator("#article mark.first").count() == total
    assert page.locator("label", has=box).locator(".count").text_content() == "1"
    box.uncheck()
    assert page.locator('#article mark[data-technique="Doubt"]').count() == 0
    assert page.locator("#article mark.first").count() == total - 1
    assert page.locator("#article").text_content() == HOSTILE
    box.check()
    assert page.locator('#article mark[data-technique="Doubt"]').count() > 0
    page.locator("#legend-none").click()
    assert page.locator("#article mark").count() == 0
    page.locator("#legend-all").click()
    assert page.locator("#article mark.first").count() == total
    assert page.problems == []


def test_confidence_slider_filters_live(page, hostile_record):
    page.goto(hostile_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    spans = hostile_record["analysis"]["spans"]
    slider = page.locator("#threshold")
    for value in (0.0, 0.55, 0.85, 1.0):
        slider.fill(str(value))
        expected = sum(1 for s in spans if s["confidence"] >= value)
        assert page.locator("#article mark.first").count() == expected, value
        assert page.locator("#threshold-value").text_content() == f"{value:.2f}"
        shown = sum(int(c) for c in page.locator("#legend-list .count").all_text_contents())
        assert shown == expected
    # keyboard works on the slider too
    slider.fill("0")
    slider.focus()
    page.keyboard.press("End")
    assert page.locator("#threshold-value").text_content() == "1.00"
    assert page.problems == []


def test_sentence_bars_and_article_score_are_shown(page, hostile_record):
    page.goto(hostile_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    sentences = hostile_record["analysis"]["sentences"]
    items = page.locator("#sentence-list button")
    assert items.count() == len(sentences)
    for i, s in enumerate(sentences):
        assert f"score {s['score']:.2f}" in items.nth(i).get_attribute("aria-label")
        width = items.nth(i).locator(".fill").evaluate("e => e.getBoundingClientRect().width / e.parentNode.getBoundingClientRect().width")
        assert abs(width - s["score"]) < 0.05
    assert page.locator("#article-score").text_content() == "0.61"
    items.nth(1).click()
    assert page.locator('.sentence.current[data-sentence="1"]').count() == 1
    assert page.problems == []


def test_json_export_and_offline_html_report(page, hostile_record, browser, tmp_path, artifacts):
    page.goto(hostile_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    with page.expect_download() as dl:
        page.locator("#export-json").click()
    exported = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert exported["id"] == hostile_record["id"]
    assert exported["analysis"]["text"] == HOSTILE
    with page.expect_download() as dl:
        page.locator("#export-html").click()
    report = tmp_path / "report.html"
    report.write_bytes(Path(dl.value.path()).read_bytes())
    # open the report from disk with every network request refused: it must work offline
    context = new_context(browser)
    requested: list[str] = []
    context.route("**/*", lambda route: (requested.append(route.request.url),
                                         route.continue_() if route.request.url.startswith("file:")
                                         else route.abort()))
    offline = context.new_page()
    errors: list[str] = []
    offline.on("pageerror", lambda e: errors.append(str(e)))
    offline.on("dialog", lambda d: (errors.append(d.message), d.dismiss()))
    offline.goto(report.as_uri())
    offline.wait_for_selector("#result:not([hidden])")
    assert offline.locator("#article").text_content() == HOSTILE
    assert offline.locator("#article mark.first").count() == len(hostile_record["analysis"]["spans"])
    offline.locator('#article mark.first[data-abbr="LL"]').hover()
    assert "Loaded language" in offline.locator("#tooltip").text_content()
    offline.locator("#threshold").fill("0.95")
    assert offline.locator("#article mark.first").count() == 0
    assert offline.evaluate(XSS_PROBE) == [None, 0]
    assert [u for u in requested if not u.startswith("file:")] == []
    offline.screenshot(path=str(artifacts / "server-offline-report.png"), full_page=True)
    assert errors == []
    context.close()
    assert page.problems == []


def test_upload_and_error_messages(page, tmp_path):
    page.goto("/")
    f = tmp_path / "article.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    page.locator("#file-input").set_input_files(str(f))
    page.get_by_role("button", name="Analyse file").click()
    page.wait_for_selector("#result:not([hidden])")
    assert page.locator("#article").text_content() == ARTICLE
    # a refused URL shows its message in an alert, and the page stays usable
    page.goto("/")
    page.get_by_label("Fetch an article from a web address").fill("http://127.0.0.1:9/secret")
    page.get_by_role("button", name="Fetch and analyse").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "loopback" in alert.text_content()
    assert page.locator("#result").is_hidden()
    assert page.get_by_role("button", name="Analyse text").is_enabled()


def test_page_loads_nothing_from_outside_the_server(page, live_server, hostile_record):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/")
    page.goto(hostile_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    page.goto("/docs")
    assert requested and all(u.startswith(live_server.url + "/") for u in requested), requested
    assert page.problems == []


def test_controls_have_accessible_names_and_spans_are_reachable_by_keyboard(page, hostile_record):
    page.goto(hostile_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    tree = page.locator("main").aria_snapshot()
    for expected in ('textbox "Paste the article text"', 'button "Analyse text"', 'button "Analyse file"',
                     'textbox "Fetch an article from a web address"', 'slider "Minimum confidence',
                     'checkbox "LL Loaded language', 'button "Download JSON"', 'link "Download HTML report"',
                     'button "Sentence 1, score 0.20', 'heading "Article"', 'meter "Article score"'):
        assert expected in tree, expected
    # every span's first segment is in the tab order and described by the tooltip
    firsts = page.locator("#article mark.first")
    assert firsts.count() == len(hostile_record["analysis"]["spans"])
    for i in range(firsts.count()):
        m = firsts.nth(i)
        assert m.get_attribute("tabindex") == "0" and m.get_attribute("aria-describedby") == "tooltip"
    # the span table lets a keyboard user jump to a span
    page.locator("details.span-list summary").click()
    page.locator("#span-table button").first.press("Enter")
    assert page.evaluate("() => document.activeElement.matches('#article mark.first')")
    assert page.locator("#tooltip").is_visible()
    assert page.problems == []


# -- check-worthy claims and technique targets ---------------------------------------------------

def test_claims_panel_scrolls_to_the_claim_and_the_targets_panel_lists_the_most_targeted(page, artifacts):
    page.goto("/")
    claims_box = page.get_by_role("checkbox", name="Find check-worthy claims")
    targets_box = page.get_by_role("checkbox", name="Find who each technique targets")
    assert claims_box.is_checked() and targets_box.is_checked()
    page.get_by_label("Paste the article text").fill(ARTICLE)
    page.get_by_role("button", name="Analyse text").click()
    page.wait_for_selector("#result:not([hidden])")
    page.wait_for_url(re.compile(r"/a/[A-Za-z0-9_-]+$"))
    record = page.evaluate("() => window.Propscan.state.record")
    assert record["options"]["claims"] is True and record["options"]["targets"] is True
    claims = record["analysis"]["claims"]
    assert len(claims) >= 3
    buttons = page.locator("#claim-list button")
    assert buttons.count() == len(claims)
    assert page.locator("#claim-count").text_content() == f"({len(claims)})"
    for i, c in enumerate(claims):
        # the score is written out, not only shown by colour
        assert f"score {c['score']:.2f}" in buttons.nth(i).text_content()
        assert buttons.nth(i).get_attribute("aria-label").startswith(f"Claim {i + 1}, score {c['score']:.2f}: ")
        # each claim's range is one element in the article, holding exactly the claim's text
        assert page.locator(f"#claim-{i}").text_content() == c["text"] == ARTICLE[c["start"]:c["end"]]
    assert page.locator("#article").text_content() == ARTICLE   # the anchors add no text
    # clicking a claim focuses and highlights its sentence in the article
    last = len(claims) - 1
    page.evaluate("() => window.scrollTo(0, 0)")
    buttons.nth(last).click()
    focused = page.evaluate("() => [document.activeElement.id, document.activeElement.textContent, "
                            "document.activeElement.classList.contains('current')]")
    assert focused == [f"claim-{last}", claims[last]["text"], True]
    assert page.locator("#article .claim.current").text_content() == claims[last]["text"]
    assert page.locator(f"#claim-{last}").evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }")
    outline = page.locator(f"#claim-{last}").evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"   # highlighted by an outline, not by colour alone
    # keyboard: Enter on another claim moves focus to that claim, and only it is highlighted
    buttons.nth(0).focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "claim-0"
    assert page.evaluate("() => document.activeElement.textContent") == claims[0]["text"]
    assert page.locator("#article .claim.current").count() == 1
    assert buttons.nth(0).get_attribute("aria-current") == "true"
    # the most targeted, per technique, with counts in words (a hand-made record below checks
    # the tooltips and a summary known to be non-empty)
    summary = page.locator("#target-summary")
    assert summary.locator("li").count() == len(record["analysis"]["target_summary"])
    for technique, top in record["analysis"]["target_summary"].items():
        item = summary.locator("li", has_text=next(t["name"] for t in page.evaluate(
            "() => JSON.parse(document.getElementById('propscan-techniques').textContent)") if t["label"] == technique))
        for x in top:
            assert f"{x['target']} ({x['spans']} span" in item.text_content()
    tree = page.locator("main").aria_snapshot()
    for expected in ('checkbox "Find check-worthy claims"', 'checkbox "Find who each technique targets"',
                     'heading "Check-worthy claims', 'heading "Most targeted"', 'button "Claim 1, score'):
        assert expected in tree, expected
    page.screenshot(path=str(artifacts / "server-claims-targets.png"), full_page=True)
    # the permalink shows the same claims and targets in a fresh page
    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_selector("#result:not([hidden])")
    assert other.locator("#claim-list button").count() == len(claims)
    assert other.locator("#target-summary li").count() == len(record["analysis"]["target_summary"])
    assert page.problems == []


TARGETED = "Senator Ana Ruiz is a shameless traitor. The storm last night was a total disaster."


@pytest.fixture(scope="module")
def targeted_record(live_app):
    """A hand-made analysis, stored directly: one span aimed at someone and one, apart from it,
    aimed at no one, so the tooltip of each is known whatever today's models find."""
    from propscan.domain import Analysis, Sentence, Span

    def span(fragment, technique, target):
        start = TARGETED.index(fragment)
        return Span(start, start + len(fragment), technique, 0.7, fragment, target=target)

    spans = [span("shameless traitor", "Name_Calling,Labeling", "Ana Ruiz"),
             span("a total disaster", "Exaggeration,Minimisation", None)]
    cut = TARGETED.index(" The storm")
    sentences = [Sentence(0, cut, 0.6, TARGETED[:cut]), Sentence(cut + 1, len(TARGETED), 0.4, TARGETED[cut + 1:])]
    analysis = Analysis("targeted", TARGETED, spans, sentences, 0.5, "hand-made",
                        technique_counts={s.technique: 1 for s in spans})
    rec = live_app.state.propscan.store.save(analysis, source="text",
                                             options={"threshold": 0.0, "techniques": None, "targets": True})
    return rec.to_dict()


def test_tooltips_name_the_target_of_a_targeted_span_and_nothing_for_an_untargeted_one(page, targeted_record):
    page.goto(targeted_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    spans = targeted_record["analysis"]["spans"]
    [aimed] = [i for i, s in enumerate(spans) if s["target"]]
    [unaimed] = [i for i, s in enumerate(spans) if not s["target"]]
    tip = page.locator("#tooltip")
    page.locator(f'#article mark.first[data-span="{aimed}"]').hover()
    assert tip.is_visible() and "aimed at: Ana Ruiz" in tip.text_content()
    page.mouse.move(0, 0)
    page.locator(f'#article mark.first[data-span="{unaimed}"]').hover()
    # the tooltip now shows the second span alone (the spans do not overlap)
    assert tip.is_visible() and "a total disaster" in tip.text_content()
    assert "aimed at" not in tip.text_content() and "Ana Ruiz" not in tip.text_content()
    # the summary names the one target of its technique, with its count in words
    assert page.locator("#target-summary li").count() == 1
    assert "Ana Ruiz (1 span)" in page.locator("#target-summary li").text_content()
    assert page.problems == []


def test_unchecked_options_analyse_without_claims_or_targets(page):
    page.goto("/")
    page.get_by_role("checkbox", name="Find check-worthy claims").uncheck()
    page.get_by_role("checkbox", name="Find who each technique targets").uncheck()
    page.get_by_label("Paste the article text").fill(ARTICLE)
    page.get_by_role("button", name="Analyse text").click()
    page.wait_for_selector("#result:not([hidden])")
    record = page.evaluate("() => window.Propscan.state.record")
    assert record["options"]["claims"] is False and record["options"]["targets"] is False
    assert record["analysis"]["claims"] == [] and record["analysis"]["target_summary"] == {}
    assert page.locator("#claim-list li").count() == 0 and page.locator("#article .claim").count() == 0
    assert "not looked for" in page.locator("#claims-note").text_content()
    assert "not looked for" in page.locator("#targets-note").text_content()
    page.locator("#article mark.first").first.hover()
    assert "aimed at" not in page.locator("#tooltip").text_content()
    assert page.problems == []


def open_offline_report(page, browser, path, record_id):
    """The record's offline report saved to `path` and opened from disk in a context that can
    reach nothing else: (context, page, page errors seen)."""
    path.write_text(page.request.get(f"/api/v1/analyses/{record_id}/report.html").text(), encoding="utf-8")
    context = new_context(browser)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    offline = context.new_page()
    errors: list[str] = []
    offline.on("pageerror", lambda e: errors.append(str(e)))
    offline.goto(path.as_uri())
    offline.wait_for_selector("#result:not([hidden])")
    return context, offline, errors


def test_offline_report_lists_the_claims(page, browser, tmp_path):
    rec = page.request.post("/api/v1/analyses", data={"text": ARTICLE, "claims": True, "targets": True}).json()
    context, offline, errors = open_offline_report(page, browser, tmp_path / "claims-report.html", rec["id"])
    claims = rec["analysis"]["claims"]
    assert claims and offline.locator("#claim-list button").count() == len(claims)
    offline.locator("#claim-list button").nth(1).press("Enter")
    assert offline.evaluate("() => document.activeElement.textContent") == claims[1]["text"]
    assert errors == []
    context.close()


# -- offsets are code points; the page slices UTF-16 ---------------------------------------------

EMOJI = ("\U0001F44D\U0001F3FD Start \U0001F1FA\U0001F1F8\U0001F1EC\U0001F1E7 the \U0001F469\u200d\U0001F4BB "
         "corrupt \U0001F642 elite betrayed us.\n"
         "Between \U0001F468\u200d\U0001F469\u200d\U0001F467 spans: \U0001F3F3\ufe0f\u200d\U0001F308 they are "
         "traitors \U0001F642\U0001F642 and liars!\n"
         "The plan costs 5 \U0001F1FA\U0001F1F8 billion dollars, said \U0001F9D1\U0001F3FF\u200d\U0001F680 Ann.")


@pytest.fixture(scope="module")
def emoji_record(live_app):
    """Emoji (skin tones, flags, ZWJ sequences) before, inside and between spans, sentences and
    a claim; one span even ends inside a ZWJ sequence, at a code-point boundary."""
    from propscan.domain import Analysis, Claim, Sentence, Span

    text = EMOJI

    def span(start: int, end: int, technique: str, confidence: float) -> Span:
        return Span(start, end, technique, confidence, text[start:end])

    a = text.index("\U0001F1FA")                       # starts on a flag
    b = text.index("corrupt")
    c = text.index("elite betrayed us") + len("elite betrayed us")
    d = text.index("traitors")
    e = text.index("liars") + len("liars")
    f = text.index("\U0001F468") + 1                   # ends inside the family ZWJ sequence
    spans = [span(a, c, "Loaded_Language", 0.9), span(b, b + len("corrupt \U0001F642 elite"), "Name_Calling,Labeling", 0.7),
             span(d, e, "Doubt", 0.6), span(text.index("Between"), f, "Repetition", 0.5),
             span(text.index("billion"), len(text) - 1, "Exaggeration,Minimisation", 0.8)]
    sentences, start = [], 0
    for line in text.split("\n"):
        sentences.append(Sentence(start, start + len(line), 0.5, ""))   # no text: the page slices
        start += len(line) + 1
    last = sentences[-1]
    claims = [Claim(text[last.start:last.end], last.start, last.end, 0.9, numbers=["5"])]
    analysis = Analysis("emoji", text, sorted(spans), sentences, 0.5, "hand-made", "Emoji", {}, claims)
    rec = live_app.state.propscan.store.save(analysis, source="text", options={"threshold": 0.0, "claims": True})
    return rec.to_dict()


def _check_emoji_page(pg, record) -> None:
    text = record["analysis"]["text"]
    spans = record["analysis"]["spans"]
    assert pg.locator("#article").text_content() == text
    for i, s in enumerate(spans):
        assert text_of_span(pg, i) == text[s["start"]:s["end"]], s
        pg.locator(f'#article mark.first[data-span="{i}"]').hover()
        assert "\u201c" + text[s["start"]:s["end"]] + "\u201d" in pg.locator("#tooltip").text_content()
    for i, s in enumerate(record["analysis"]["sentences"]):
        assert pg.locator(f'#article .sentence[data-sentence="{i}"]').text_content() == text[s["start"]:s["end"]]
        assert pg.locator(".sentence-text").nth(i).text_content() == text[s["start"]:s["end"]].strip()
    c = record["analysis"]["claims"][0]
    assert pg.locator("#claim-0").text_content() == text[c["start"]:c["end"]]


def test_highlights_sentences_and_claims_stay_on_their_characters_after_emoji(page, emoji_record, browser, tmp_path):
    page.goto(emoji_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    _check_emoji_page(page, emoji_record)
    # the span table shows each span's text and the API's offsets (code points)
    text, spans = EMOJI, emoji_record["analysis"]["spans"]
    page.locator("details.span-list summary").click()
    rows = {r.locator("button").text_content(): r.locator("td").nth(2).text_content()
            for r in page.locator("#span-table tr").all()}
    assert rows == {text[s["start"]:s["end"]]: f"{s['start']}-{s['end']}" for s in spans}
    # the record itself (what Download JSON exports) keeps the API's offsets
    kept = page.evaluate("() => window.Propscan.state.record.analysis.spans.map(s => [s.start, s.end])")
    assert kept == [[s["start"], s["end"]] for s in spans]
    # the offline report renders the same
    context, offline, errors = open_offline_report(page, browser, tmp_path / "emoji-report.html", emoji_record["id"])
    _check_emoji_page(offline, emoji_record)
    assert errors == []
    context.close()


# -- voice and speaker, what to check first ----------------------------------------------------

@pytest.fixture(scope="module")
def voiced_record(live_app):
    """Spans on the voice test article, given their voice by the real voice layer, and two
    claims, the second wrapped in two techniques."""
    from propscan.domain import Analysis, Claim, Span
    from propscan.targets import load_nlp
    from propscan.voice import enrich_voice

    text = (Path(__file__).resolve().parents[1] / "data" / "voice_article.txt").read_text(encoding="utf-8")

    def span(phrase, technique):
        s = text.index(phrase)
        return Span(s, s + len(phrase), technique, 0.9, phrase)

    spans = [span("reckless gamble", "Loaded_Language"), span("monument to vanity", "Loaded_Language"),
             span("fearmongers", "Name_Calling,Labeling"), span("is a fool", "Name_Calling,Labeling")]
    first, second = text.index("The council's"), text.index("Anyone who")
    claims = [Claim(text[first:text.index("\n", first)], first, text.index("\n", first), 0.6, techniques=[]),
              Claim(text[second:text.index("\n", second)], second, text.index("\n", second), 0.5,
                    techniques=["Name_Calling,Labeling", "Loaded_Language"])]
    analysis = enrich_voice(Analysis("voice", text, spans, [], 0.5, "test", None,
                                     {"Loaded_Language": 2, "Name_Calling,Labeling": 2}, claims), load_nlp()(text))
    rec = live_app.state.propscan.store.save(analysis, source="text", url=None,
                                             options={"threshold": 0.0, "techniques": None, "claims": True,
                                                      "voice": True})
    return rec.to_dict()


def test_tooltips_speaker_panel_and_the_authors_voice_filter(page, voiced_record):
    page.goto(voiced_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    spans = voiced_record["analysis"]["spans"]
    quoted = [i for i, s in enumerate(spans) if s["voice"] == "quoted"]
    author = [i for i, s in enumerate(spans) if s["voice"] == "author"]
    assert quoted and author
    page.locator(f'#article mark.first[data-span="{quoted[0]}"]').hover()
    assert "quoted: words of " + spans[quoted[0]]["speaker"] in page.locator("#tooltip").text_content()
    page.locator(f'#article mark.first[data-span="{author[0]}"]').hover()
    assert "the author's own words" in page.locator("#tooltip").text_content()
    panel = page.locator("#speaker-summary").text_content()
    assert "The author" in panel and spans[quoted[0]]["speaker"] in panel
    page.get_by_label("Author's voice only (hide quoted words)").check()
    shown = {int(m.get_attribute("data-span")) for m in page.locator("#article mark.first").all()}
    assert shown == set(author)
    page.get_by_label("Author's voice only (hide quoted words)").uncheck()
    assert page.locator("#article mark.first").count() == len(spans)
    assert page.problems == []


def test_claims_can_be_ranked_by_what_to_check_first_with_the_rule_shown(page, voiced_record):
    page.goto(voiced_record["permalink"])
    page.wait_for_selector("#result:not([hidden])")
    texts = lambda: [t.strip() for t in page.locator("#claim-list .claim-text").all_text_contents()]
    claims = voiced_record["analysis"]["claims"]
    assert texts() == [c["text"] for c in claims]
    assert page.locator("#claim-rule").is_hidden()
    page.select_option("#claim-order", "priority")
    assert texts() == [c["text"] for c in sorted(claims, key=lambda c: -c["priority"])]
    assert texts()[0].startswith("Anyone who")   # 0.5 x 1.5 beats 0.6 x 1
    assert page.locator("#claim-rule").is_visible() and "priority" in page.locator("#claim-rule").text_content()
    assert "wrapped in" in page.locator("#claim-list").text_content()
    assert page.problems == []
