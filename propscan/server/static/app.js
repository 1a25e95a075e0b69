/* propscan page: sends the text, file or URL to the API and shows the saved analysis. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function setBusy(busy, message) {
    document.querySelectorAll("#input button").forEach(function (b) { b.disabled = busy; });
    $("status").textContent = message || "";
  }

  function showError(message) {
    var box = $("error");
    box.textContent = message;
    box.hidden = !message;
  }

  /* The "Also find" checkboxes: claims and targets are extra models, so the API runs them only
     when asked; the page asks by default. */
  function extras() {
    return { claims: $("opt-claims").checked, targets: $("opt-targets").checked, voice: $("opt-voice").checked };
  }

  function jsonBody(source) {
    var x = extras();
    source.claims = x.claims;
    source.targets = x.targets;
    source.voice = x.voice;
    return JSON.stringify(source);
  }

  async function send(url, options) {
    showError("");
    setBusy(true, "Analysing\u2026");
    try {
      var response = await fetch(url, options);
      var data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      if (!response.ok) {
        var msg = data && data.error && data.error.message ? data.error.message : "the server answered " + response.status;
        setBusy(false, "");
        showError("Could not analyse: " + msg);
        return;
      }
      window.Propscan.show(data);
      if (data.permalink) { history.pushState({ id: data.id }, "", data.permalink); }
      var claims = (data.analysis.claims || []).length;
      setBusy(false, "Done: " + data.analysis.spans.length + " spans" +
              (data.options && data.options.claims ? " and " + claims + (claims === 1 ? " claim" : " claims") : "") +
              " found. The result follows.");
      $("result").focus();
    } catch (e) {
      setBusy(false, "");
      showError("Could not reach the server: " + e.message);
    }
  }

  function init() {
    $("form-text").addEventListener("submit", function (e) {
      e.preventDefault();
      send("/api/v1/analyses", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: jsonBody({ text: $("text-input").value })
      });
    });
    $("form-file").addEventListener("submit", function (e) {
      e.preventDefault();
      var input = $("file-input");
      if (!input.files.length) { showError("Choose a file first."); return; }
      var form = new FormData();
      form.append("file", input.files[0]);
      var x = extras();
      form.append("claims", String(x.claims));
      form.append("targets", String(x.targets));
      form.append("voice", String(x.voice));
      send("/api/v1/analyses/upload", { method: "POST", body: form });
    });
    $("form-url").addEventListener("submit", function (e) {
      e.preventDefault();
      send("/api/v1/analyses", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: jsonBody({ url: $("url-input").value })
      });
    });
    window.addEventListener("popstate", function () { window.location.reload(); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
