/* propscan viewer: renders a saved analysis from JSON with DOM APIs only.
   Article text is only ever put into the page with textContent / text nodes, never parsed as
   markup. Shared by the web page and the standalone report (so: no network, no eval). */
(function () {
  "use strict";

  var TECH = {};
  var ORDER = [];
  /* state.record is the record as the API gave it (exported as is); state.view is its analysis
     with offsets in UTF-16 units, the one the page renders. */
  var state = { record: null, view: null, threshold: 0, hidden: new Set(), currentClaim: null, authorOnly: false,
                claimOrder: "text" };
  var CLAIM_RULE = "Ranked by priority = check-worthiness score \u00d7 (1 + 0.25 \u00d7 the number of different " +
                   "techniques in the spans overlapping the claim, counting at most 4): a claim wrapped in persuasion " +
                   "ranks up to twice as high as the same claim stated plainly.";

  function $(id) { return document.getElementById(id); }

  function readJSON(id) {
    var node = $(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent || "null"); } catch (e) { return null; }
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function pct(x) { return Math.round(Number(x) * 100) + "%"; }
  function fixed(x) { return Number(x).toFixed(2); }

  function techniqueOf(label) {
    return TECH[label] || { label: label, name: label, abbreviation: "?", explanation: "", colour: "#dddddd" };
  }

  function loadTechniques() {
    var list = readJSON("propscan-techniques") || [];
    list.forEach(function (t) { TECH[t.label] = t; ORDER.push(t.label); });
  }

  /* The API counts offsets in code points (Python string indices); JavaScript strings count
     UTF-16 units, in which every character beyond U+FFFF (most emoji, flags, their skin-tone
     modifiers) takes two. So an emoji before a span would shift it by one: the offsets are
     converted once, on arrival, and everything below works in UTF-16 units. */
  function codePointToUnit(text) {
    var at = [0];
    for (var i = 0; i < text.length;) {
      var c = text.charCodeAt(i);
      var pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      i += pair ? 2 : 1;
      at.push(i);
    }
    return function (offset) { return at[Math.max(0, Math.min(at.length - 1, Number(offset) | 0))]; };
  }

  function inUnits(analysis) {
    var text = String(analysis.text || "");
    var unit = codePointToUnit(text);
    function convert(list) {
      return (list || []).map(function (x) { return Object.assign({}, x, { start: unit(x.start), end: unit(x.end) }); });
    }
    return Object.assign({}, analysis, { text: text, spans: convert(analysis.spans),
                                         sentences: convert(analysis.sentences), claims: convert(analysis.claims) });
  }

  /* Split [0, n) at every span boundary (and sentence boundary). Each segment knows every span
     covering it, so nested and overlapping spans are shown faithfully. */
  function segments(n, spans, extraCuts) {
    var cuts = new Set([0, n]);
    spans.forEach(function (s) { cuts.add(s.start); cuts.add(s.end); });
    (extraCuts || []).forEach(function (c) { if (c >= 0 && c <= n) { cuts.add(c); } });
    var points = Array.from(cuts).sort(function (a, b) { return a - b; });
    var byStart = spans.slice().sort(function (a, b) { return a.start - b.start; });
    var active = [];
    var next = 0;
    var out = [];
    for (var k = 0; k + 1 < points.length; k++) {
      var a = points[k], b = points[k + 1];
      if (a === b) { continue; }
      while (next < byStart.length && byStart[next].start <= a) { active.push(byStart[next]); next++; }
      active = active.filter(function (s) { return s.end > a; });
      out.push({ start: a, end: b, cover: active.filter(function (s) { return s.start <= a && s.end >= b; }) });
    }
    return out;
  }

  /* Give each span a layer (0, 1, 2...) so that spans sharing characters never share a layer;
     a span keeps its layer over its whole length, so its underline runs unbroken. */
  function assignLayers(spans) {
    var sorted = spans.slice().sort(function (a, b) { return a.start - b.start || b.end - a.end; });
    var ends = [];
    sorted.forEach(function (s) {
      var layer = 0;
      while (layer < ends.length && ends[layer] > s.start) { layer++; }
      ends[layer] = s.end;
      s.layer = layer;
    });
    return ends.length;
  }

  function visibleSpans() {
    var a = state.view;
    var n = a.text.length;
    var out = [];
    a.spans.forEach(function (s, i) {
      var start = Math.max(0, Math.min(n, s.start | 0)), end = Math.max(0, Math.min(n, s.end | 0));
      if (end <= start) { return; }
      if (Number(s.confidence) < state.threshold) { return; }
      if (state.hidden.has(s.technique)) { return; }
      if (state.authorOnly && s.voice === "quoted") { return; }
      out.push({ index: i, start: start, end: end, technique: s.technique, confidence: Number(s.confidence),
                 target: s.target || null });
    });
    return out;
  }

  /* Check-worthy claims with their ranges clamped to the text; empty ones dropped. */
  function claimRanges() {
    var a = state.view;
    var n = a.text.length;
    var out = [];
    (a.claims || []).forEach(function (c, i) {
      var start = Math.max(0, Math.min(n, c.start | 0)), end = Math.max(0, Math.min(n, c.end | 0));
      if (end > start) { out.push({ index: i, start: start, end: end }); }
    });
    return out;
  }

  function describe(span) {
    var t = techniqueOf(span.technique);
    return t.name + " (" + t.abbreviation + "), confidence " + pct(span.confidence);
  }

  function renderArticle(spans) {
    var a = state.view;
    var text = a.text;
    var container = $("article");
    var layers = assignLayers(spans);
    container.style.setProperty("--layers", String(layers));
    var sentences = a.sentences || [];
    var claims = claimRanges();
    var cuts = [];
    sentences.forEach(function (s) { cuts.push(s.start, s.end); });
    claims.forEach(function (c) { cuts.push(c.start, c.end); });
    var segs = segments(text.length, spans, cuts);
    var frag = document.createDocumentFragment();
    var si = 0;
    var sentenceNode = null;
    var claimNode = null, claimParent = null, claimIndex = -1;
    var anchored = new Set();
    segs.forEach(function (seg) {
      while (si < sentences.length && sentences[si].end <= seg.start) { si++; sentenceNode = null; }
      var inSentence = si < sentences.length && sentences[si].start <= seg.start && seg.end <= sentences[si].end;
      var claim = null;
      for (var ci = 0; ci < claims.length; ci++) {
        if (claims[ci].start <= seg.start && seg.end <= claims[ci].end) { claim = claims[ci]; break; }
      }
      var node = document.createTextNode(text.slice(seg.start, seg.end));
      var cover = seg.cover.slice().sort(function (x, y) { return x.layer - y.layer; });
      cover.forEach(function (span) {
        var t = techniqueOf(span.technique);
        var mark = make("mark", "hl");
        mark.dataset.span = String(span.index);
        mark.dataset.technique = span.technique;
        mark.dataset.layer = String(span.layer);
        mark.style.setProperty("--c", t.colour);
        mark.style.setProperty("--layer", String(span.layer));
        if (seg.start === span.start) {
          mark.classList.add("first");
          mark.dataset.abbr = t.abbreviation;
          mark.tabIndex = 0;
          mark.setAttribute("aria-describedby", "tooltip");
        }
        mark.appendChild(node);
        node = mark;
      });
      var parent = frag;
      if (inSentence) {
        if (!sentenceNode) {
          sentenceNode = make("span", "sentence");
          sentenceNode.dataset.sentence = String(si);
          frag.appendChild(sentenceNode);
        }
        parent = sentenceNode;
      }
      if (claim) {
        /* One element per claim (per sentence it touches): the anchor its list entry moves to. */
        if (!claimNode || claimIndex !== claim.index || claimParent !== parent) {
          claimNode = make("span", "claim");
          claimNode.dataset.claim = String(claim.index);
          if (!anchored.has(claim.index)) {
            anchored.add(claim.index);
            claimNode.id = "claim-" + claim.index;
            claimNode.tabIndex = -1;
            claimNode.setAttribute("aria-label", "Check-worthy claim " + (claim.index + 1));
          }
          if (state.currentClaim === claim.index) { claimNode.classList.add("current"); }
          claimIndex = claim.index;
          claimParent = parent;
          parent.appendChild(claimNode);
        }
        claimNode.appendChild(node);
      } else {
        claimNode = null;
        parent.appendChild(node);
      }
    });
    container.replaceChildren(frag);
  }

  function renderLegend(spans) {
    var counts = {};
    spans.forEach(function (s) { counts[s.technique] = (counts[s.technique] || 0) + 1; });
    var all = {};
    state.record.analysis.spans.forEach(function (s) {
      if (Number(s.confidence) >= state.threshold) { all[s.technique] = (all[s.technique] || 0) + 1; }
    });
    var labels = ORDER.slice();
    state.record.analysis.spans.forEach(function (s) { if (labels.indexOf(s.technique) < 0) { labels.push(s.technique); } });
    var list = $("legend-list");
    var focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.legend : null;
    list.replaceChildren();
    labels.forEach(function (label) {
      var t = techniqueOf(label);
      var li = make("li", "legend-item");
      var lab = make("label");
      var box = make("input");
      box.type = "checkbox";
      box.checked = !state.hidden.has(label);
      box.dataset.legend = label;
      box.addEventListener("change", function () {
        if (box.checked) { state.hidden.delete(label); } else { state.hidden.add(label); }
        update();
      });
      var swatch = make("span", "swatch", t.abbreviation);
      swatch.style.setProperty("--c", t.colour);
      var name = make("span", "legend-name", t.name);
      var n = all[label] || 0;
      var count = make("span", "count", String(n));
      count.setAttribute("aria-label", n === 1 ? "1 span" : n + " spans");
      lab.append(box, swatch, name, count);
      lab.title = t.explanation;
      if (!all[label]) { li.classList.add("empty"); }
      li.appendChild(lab);
      list.appendChild(li);
      if (focused === label) { box.focus(); }
    });
  }

  function renderSentences() {
    var list = $("sentence-list");
    list.replaceChildren();
    (state.view.sentences || []).forEach(function (s, i) {
      var li = make("li", "sentence-item");
      var button = make("button", "sentence-button");
      button.type = "button";
      button.dataset.sentence = String(i);
      var bar = make("span", "bar");
      bar.setAttribute("aria-hidden", "true");
      var fill = make("span", "fill");
      fill.style.setProperty("--v", String(Math.max(0, Math.min(1, Number(s.score)))));
      bar.appendChild(fill);
      var score = make("span", "sentence-score", fixed(s.score));
      var text = make("span", "sentence-text", (s.text || state.view.text.slice(s.start, s.end)).trim());
      button.append(bar, score, text);
      button.setAttribute("aria-label", "Sentence " + (i + 1) + ", score " + fixed(s.score) + ": " + text.textContent);
      button.addEventListener("click", function () { showSentence(i); });
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  function renderClaims() {
    var a = state.view;
    var opts = state.record.options || {};
    var list = $("claim-list");
    var claims = a.claims || [];
    list.replaceChildren();
    var order = claims.map(function (c, i) { return i; });
    if (state.claimOrder === "priority") {
      order.sort(function (x, y) { return (Number(claims[y].priority) || 0) - (Number(claims[x].priority) || 0) || x - y; });
    }
    $("claim-rule").textContent = CLAIM_RULE;
    $("claim-rule").hidden = state.claimOrder !== "priority";
    order.forEach(function (i) {
      var c = claims[i];
      var li = make("li", "claim-item");
      var button = make("button", "claim-button");
      button.type = "button";
      button.dataset.claim = String(i);
      var score = make("span", "claim-score", "score " + fixed(c.score));
      var text = make("span", "claim-text", String(c.text || a.text.slice(c.start, c.end)).trim());
      button.append(score, text);
      button.setAttribute("aria-label", "Claim " + (i + 1) + ", score " + fixed(c.score) + ": " + text.textContent);
      button.addEventListener("click", function () { showClaim(i); });
      li.appendChild(button);
      var facts = [];
      if (c.entities && c.entities.length) { facts.push("mentions " + c.entities.join(", ")); }
      if (c.numbers && c.numbers.length) { facts.push("numbers " + c.numbers.join(", ")); }
      if (c.dates && c.dates.length) { facts.push("dates " + c.dates.join(", ")); }
      if (c.techniques && c.techniques.length) {
        facts.push("wrapped in " + c.techniques.map(function (l) { return techniqueOf(l).name; }).join(", "));
      }
      if (state.claimOrder === "priority") { facts.push("priority " + fixed(c.priority || 0)); }
      if (facts.length) { li.appendChild(make("p", "claim-facts", facts.join(" \u00b7 "))); }
      list.appendChild(li);
    });
    $("claim-count").textContent = "(" + claims.length + ")";
    panelNote("claims-note", claims.length, opts.claims,
              "Sentences that state a fact worth checking, with the claims model's score (0 to 1). Activate one to find it in the article.",
              "No check-worthy claims were found.",
              "Claims were not looked for in this analysis (the \u201cFind check-worthy claims\u201d option was off).");
  }

  // The note under an optional panel: what it shows, that nothing was found, or that it was not asked for.
  function panelNote(id, found, asked, foundText, noneText, offText) {
    $(id).textContent = found ? foundText : (asked ? noneText : offText);
  }

  function showClaim(i) {
    state.currentClaim = i;
    document.querySelectorAll("#article .claim.current").forEach(function (n) { n.classList.remove("current"); });
    document.querySelectorAll('#article .claim[data-claim="' + i + '"]').forEach(function (n) { n.classList.add("current"); });
    document.querySelectorAll(".claim-button[aria-current]").forEach(function (n) { n.removeAttribute("aria-current"); });
    var button = document.querySelector('.claim-button[data-claim="' + i + '"]');
    if (button) { button.setAttribute("aria-current", "true"); }
    var node = $("claim-" + i);
    if (node) {
      if (node.scrollIntoView) { node.scrollIntoView({ block: "center" }); }
      node.focus({ preventScroll: true });
    }
  }

  function renderTargets() {
    var a = state.view;
    var opts = state.record.options || {};
    var summary = a.target_summary || a.targets || {};
    var list = $("target-summary");
    list.replaceChildren();
    var labels = ORDER.filter(function (l) { return summary[l] && summary[l].length; });
    Object.keys(summary).forEach(function (l) { if (labels.indexOf(l) < 0 && summary[l] && summary[l].length) { labels.push(l); } });
    labels.forEach(function (label) {
      var t = techniqueOf(label);
      var li = make("li", "target-item");
      var sw = make("span", "swatch", t.abbreviation);
      sw.style.setProperty("--c", t.colour);
      var who = summary[label].map(function (x) {
        var n = Number(x.spans) || 0;
        return x.target + " (" + (n === 1 ? "1 span" : n + " spans") + ")";
      }).join(", ");
      li.append(sw, make("span", "target-tech", " " + t.name + ": "), make("span", "target-who", who));
      list.appendChild(li);
    });
    panelNote("targets-note", labels.length, opts.targets,
              "Who or what the spans of each technique are aimed at, most often first.",
              "No targets were found.",
              "Targets were not looked for in this analysis (the \u201cFind who each technique targets\u201d option was off).");
  }

  function showSentence(i) {
    document.querySelectorAll(".sentence.current").forEach(function (n) { n.classList.remove("current"); });
    var node = document.querySelector('.sentence[data-sentence="' + i + '"]');
    if (node) {
      node.classList.add("current");
      if (node.scrollIntoView) { node.scrollIntoView({ block: "center" }); }
    }
  }

  function renderTable(spans) {
    var a = state.view;
    var body = $("span-table");
    body.replaceChildren();
    spans.slice().sort(function (x, y) { return x.start - y.start; }).forEach(function (s) {
      var t = techniqueOf(s.technique);
      var tr = make("tr");
      var th = make("td");
      var swatch = make("span", "swatch", t.abbreviation);
      swatch.style.setProperty("--c", t.colour);
      th.append(swatch, document.createTextNode(" " + t.name));
      var go = make("button", "linkish", a.text.slice(s.start, s.end));
      go.type = "button";
      go.addEventListener("click", function () {
        var m = document.querySelector('#article mark.first[data-span="' + s.index + '"]');
        if (m) { m.focus(); }
      });
      var td = make("td");
      td.appendChild(go);
      var given = state.record.analysis.spans[s.index];
      tr.append(th, make("td", null, pct(s.confidence)), make("td", null, given.start + "-" + given.end),
                make("td", null, s.target || "\u2014"), td);
      body.appendChild(tr);
    });
    $("span-count").textContent = String(spans.length);
  }

  /* Techniques summed per speaker, the author included (the voice layer). */
  function renderSpeakers() {
    var a = state.record.analysis;
    var rows = a.speaker_summary || [];
    var list = $("speaker-summary");
    if (!list) { return; }
    list.replaceChildren();
    rows.forEach(function (r) {
      var who = r.voice === "author" ? "The author" : (r.speaker || "Quoted, speaker not named");
      var techs = Object.keys(r.techniques).map(function (l) { return techniqueOf(l).name + " (" + r.techniques[l] + ")"; });
      var li = make("li", "speaker-item");
      li.append(make("strong", null, who), make("span", null, ": " + (r.spans === 1 ? "1 span" : r.spans + " spans") + " — " + techs.join(", ")));
      list.appendChild(li);
    });
    var opts = state.record.options || {};
    panelNote("speakers-note", rows.length, opts.voice,
              "Techniques in the author's own words and in the words the article quotes, per speaker.",
              "No spans to attribute.",
              "Voice was not looked for in this analysis (the \u201cTell the author's voice from quoted words\u201d option was off).");
  }

  function update() {
    var spans = visibleSpans();
    renderArticle(spans);
    renderLegend(spans);
    renderTable(spans);
    $("threshold-value").textContent = fixed(state.threshold);
    $("visible-count").textContent = spans.length + " of " + state.record.analysis.spans.length + " spans shown";
    hideTip();
  }

  /* -- tooltip: every span covering the hovered or focused point -------------------------------- */

  function coveringMarks(node) {
    var out = [];
    var article = $("article");
    while (node && node !== article) {
      if (node.tagName === "MARK" && node.classList.contains("hl")) { out.push(node); }
      node = node.parentNode;
    }
    return out;
  }

  function showTip(target) {
    var marks = coveringMarks(target);
    var tip = $("tooltip");
    if (!marks.length) { hideTip(); return; }
    var a = state.view;
    tip.replaceChildren();
    marks.forEach(function (m) {
      var s = a.spans[Number(m.dataset.span)];
      if (!s) { return; }
      var t = techniqueOf(s.technique);
      var entry = make("div", "tip-entry");
      var head = make("p", "tip-head");
      var sw = make("span", "swatch", t.abbreviation);
      sw.style.setProperty("--c", t.colour);
      head.append(sw, make("strong", null, " " + t.name), make("span", "tip-conf", " confidence " + pct(s.confidence)));
      entry.append(head);
      if (s.target) { entry.append(make("p", "tip-target", "aimed at: " + s.target)); }
      if (s.voice) {
        entry.append(make("p", "tip-voice", s.voice === "quoted"
          ? "quoted: " + (s.speaker ? "words of " + s.speaker : "speaker not named")
          : "the author's own words"));
      }
      entry.append(make("p", "tip-expl", t.explanation), make("p", "tip-quote", "\u201c" + a.text.slice(s.start, s.end) + "\u201d"));
      tip.appendChild(entry);
    });
    tip.hidden = false;
    var r = target.getBoundingClientRect();
    var top = r.bottom + 8;
    var left = Math.max(8, Math.min(r.left, window.innerWidth - tip.offsetWidth - 8));
    if (top + tip.offsetHeight > window.innerHeight - 8) { top = Math.max(8, r.top - tip.offsetHeight - 8); }
    tip.style.setProperty("top", top + "px");
    tip.style.setProperty("left", left + "px");
  }

  function hideTip() { var tip = $("tooltip"); if (tip) { tip.hidden = true; } }

  function bindTooltip() {
    var article = $("article");
    article.addEventListener("mouseover", function (e) {
      var m = e.target.closest ? e.target.closest("mark.hl") : null;
      if (m) { showTip(m); } else { hideTip(); }
    });
    article.addEventListener("mouseleave", hideTip);
    article.addEventListener("focusin", function (e) { showTip(e.target); });
    article.addEventListener("focusout", hideTip);
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") { hideTip(); } });
  }

  /* -- exports --------------------------------------------------------------------------------- */

  function download(name, type, content) {
    var url = URL.createObjectURL(new Blob([content], { type: type }));
    var link = make("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function show(record) {
    state.record = record;
    state.view = inUnits(record.analysis);
    state.hidden = new Set();
    var a = record.analysis;
    var opts = record.options || {};
    state.threshold = Number(opts.threshold) || 0;
    var slider = $("threshold");
    slider.min = String(state.threshold);
    slider.value = String(state.threshold);
    $("result").hidden = false;
    // the rule of propscan.domain.headline: the title, else the first line, 120 characters at most
    var firstLine = (a.text || "").trim().split("\n")[0].trim();
    $("result-title").textContent = ((a.title || "").trim() || firstLine).slice(0, 120);
    var meta = $("result-meta");
    meta.replaceChildren();
    var parts = [];
    if (record.url) {
      var link = make("a", null, record.url);
      if (/^https?:\/\//i.test(record.url)) { link.href = record.url; link.rel = "noopener noreferrer nofollow"; }
      meta.append(document.createTextNode("Source: "), link, document.createTextNode(" \u00b7 "));
    }
    parts.push(a.spans.length + " spans");
    parts.push((a.sentences || []).length + " sentences");
    parts.push("model " + a.model_version);
    if (record.created_at) { parts.push("analysed " + record.created_at); }
    meta.append(document.createTextNode(parts.join(" \u00b7 ")));
    $("article-score").textContent = fixed(a.score);
    $("article-score-fill").style.setProperty("--v", String(Math.max(0, Math.min(1, Number(a.score)))));
    var meter = $("article-score-meter");
    meter.setAttribute("aria-valuenow", String(a.score));
    meter.setAttribute("aria-valuetext", fixed(a.score));
    var permaRow = $("permalink-row"), exportHtml = $("export-html");
    if (record.id && permaRow && window.location.protocol.indexOf("http") === 0) {
      var perma = $("permalink");
      perma.href = "/a/" + encodeURIComponent(record.id);
      perma.textContent = window.location.origin + "/a/" + record.id;
      permaRow.hidden = false;
      exportHtml.href = "/api/v1/analyses/" + encodeURIComponent(record.id) + "/report.html?download=true";
      exportHtml.hidden = false;
    } else if (permaRow) {
      permaRow.hidden = true;
      exportHtml.hidden = true;
    }
    state.currentClaim = null;
    renderSentences();
    renderClaims();
    renderTargets();
    renderSpeakers();
    update();
  }

  function init() {
    loadTechniques();
    bindTooltip();
    $("author-only").addEventListener("change", function (e) { state.authorOnly = e.target.checked; update(); });
    $("claim-order").addEventListener("change", function (e) { state.claimOrder = e.target.value; renderClaims(); });
    $("threshold").addEventListener("input", function (e) {
      state.threshold = Number(e.target.value) || 0;
      if (state.record) { update(); }
    });
    $("legend-all").addEventListener("click", function () { state.hidden.clear(); update(); });
    $("legend-none").addEventListener("click", function () {
      state.record.analysis.spans.forEach(function (s) { state.hidden.add(s.technique); });
      ORDER.forEach(function (l) { state.hidden.add(l); });
      update();
    });
    $("export-json").addEventListener("click", function () {
      var name = "propscan-" + (state.record.id || "analysis") + ".json";
      download(name, "application/json", JSON.stringify(state.record, null, 2));
    });
    var copy = $("copy-permalink");
    if (copy) {
      copy.addEventListener("click", function () {
        var text = $("permalink").textContent;
        if (navigator.clipboard) { navigator.clipboard.writeText(text).catch(function () {}); }
        copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = "Copy link"; }, 1500);
      });
    }
    var data = readJSON("propscan-data");
    if (data && data.analysis) { show(data); }
  }

  window.Propscan = { show: show, showClaim: showClaim, segments: segments, assignLayers: assignLayers, state: state };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
