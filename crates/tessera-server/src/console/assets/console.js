// Tessera console: the template playground's live preview, minting and copying.
// Loaded from /console/static/console.js (CSP script-src 'self'); writes to the page with
// textContent only, so nothing a template or a user holds is ever parsed as HTML.
"use strict";
(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  var editor = document.getElementById("editor");
  if (!meta || !editor) return;
  var csrf = meta.getAttribute("content");
  var $ = function (id) { return document.getElementById(id); };

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    });
  }

  function errorText(j) {
    var e = j && j.errors && j.errors[0];
    return e ? (e.long_message || e.message) : "request failed";
  }

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

  function item(list, cls, parts) {
    var li = document.createElement("li");
    if (cls) li.className = cls;
    parts.forEach(function (p) {
      var node = p.tag ? document.createElement(p.tag) : document.createTextNode(p.text);
      if (p.tag) node.textContent = p.text;
      if (p.href) { node.href = p.href; node.rel = "noreferrer"; node.target = "_blank"; }
      li.appendChild(node);
    });
    list.appendChild(li);
    return li;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function when(secs) {
    var d = new Date(secs * 1000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }

  function render(p) {
    $("preview-status").textContent = "";
    $("size").textContent = p.size_bytes + " bytes signed · " + p.custom_claims_bytes + " bytes of template claims";
    $("consumers").textContent = p.consumers.length ? "Checked for: " + p.consumers.join(", ") : "";
    var lints = $("lints");
    clear(lints);
    if (!p.lints.length) item(lints, "ok", [{ text: "No findings." }]);
    p.lints.forEach(function (l) {
      var parts = [{ tag: "strong", text: l.severity + " " + l.code }];
      if (l.claim_path) parts.push({ text: " " }, { tag: "code", text: l.claim_path });
      parts.push({ text: ": " + l.message });
      if (l.documentation_url) parts.push({ text: " " }, { tag: "a", text: "docs", href: l.documentation_url });
      item(lints, l.severity, parts).setAttribute("data-code", l.code);
    });
    var c = p.claims, t = $("timeline");
    clear(t);
    item(t, "", [{ text: "nbf " + when(c.nbf) + " (iat − " + (c.iat - c.nbf) + " s)" }]);
    item(t, "", [{ text: "iat " + when(c.iat) }]);
    item(t, "", [{ text: "exp " + when(c.exp) + " (iat + " + (c.exp - c.iat) + " s)" }]);
    $("preview-header").textContent = JSON.stringify(p.header, null, 2);
    $("preview-claims").textContent = JSON.stringify(p.claims, null, 2);
  }

  var seq = 0;
  function refresh() {
    var mine = ++seq;
    var text = $("claims").value;
    try { JSON.parse(text); } catch (e) {
      $("preview-status").textContent = "claims is not valid JSON: " + e.message;
      return;
    }
    $("preview-status").textContent = "updating…";
    post("/console/api/preview", {
      claims: text,
      name: $("name").value,
      lifetime: $("lifetime").value,
      allowed_clock_skew: $("allowed_clock_skew").value,
      subject: $("subject").value,
      consumer: $("consumer").value
    }).then(function (r) {
      if (mine !== seq) return;
      if (r.ok) render(r.body); else $("preview-status").textContent = errorText(r.body);
    }).catch(function () { $("preview-status").textContent = "the server did not answer"; });
  }

  var timer = null;
  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 250); }
  editor.addEventListener("input", soon);
  editor.addEventListener("change", soon);

  var mint = $("mint-button");
  if (mint) {
    mint.addEventListener("click", function () {
      $("mint-status").textContent = "minting…";
      post("/console/api/mint", { session_id: $("mint-session").value, template: mint.getAttribute("data-template") })
        .then(function (r) {
          if (!r.ok) { $("mint-status").textContent = errorText(r.body); return; }
          $("mint-status").textContent = "minted " + r.body.jwt.length + " bytes";
          $("jwt").value = r.body.jwt;
          $("jwt-header").textContent = JSON.stringify(r.body.header, null, 2);
          $("jwt-claims").textContent = JSON.stringify(r.body.claims, null, 2);
        });
    });
    $("copy-button").addEventListener("click", function () {
      var jwt = $("jwt");
      jwt.select();
      var done = function () { $("mint-status").textContent = "copied"; };
      if (navigator.clipboard) navigator.clipboard.writeText(jwt.value).then(done, function () { document.execCommand("copy"); done(); });
      else { document.execCommand("copy"); done(); }
    });
  }
})();
