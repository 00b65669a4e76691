// Offline search over the site's sharded JSON index (see govcat/site/search_index.py). No CDN, no server.
(function () {
  "use strict";
  var script = document.currentScript;
  var root = script.getAttribute("data-root");
  var prefix = script.getAttribute("data-prefix");
  var lang = script.getAttribute("data-lang");
  var none = script.getAttribute("data-none");
  var cache = {};
  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  var WORD = /[0-9a-z]+|[\u3400-\u9fff\uf900-\ufaff]+/g;

  function fnv1a(s) {
    var h = 0x811c9dc5;
    for (var ch of s) { h = (h ^ ch.codePointAt(0)) >>> 0; h = Math.imul(h, 16777619) >>> 0; }
    return h;
  }
  function tokens(text) {
    var out = new Set(), runs = text.toLowerCase().match(WORD) || [];
    runs.forEach(function (run) {
      var chars = Array.from(run);
      if (CJK.test(chars[0])) {
        if (chars.length === 1) out.add(run);
        for (var i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
      } else out.add(run);
    });
    return Array.from(out);
  }
  function get(name) {
    if (!cache[name]) cache[name] = fetch(root + "search/" + name).then(function (r) { return r.json(); });
    return cache[name];
  }
  function search(q) {
    var toks = tokens(q);
    if (!toks.length) return Promise.resolve([]);
    return get("meta.json").then(function (meta) {
      return Promise.all(toks.map(function (t) { return get("idx-" + (fnv1a(t) % meta.shards) + ".json"); }))
        .then(function (shards) {
          var score = new Map();
          shards.forEach(function (shard, k) {
            var deltas = shard[toks[k]] || [], id = 0;
            deltas.forEach(function (d) { id += d; score.set(id, (score.get(id) || 0) + 1); });
          });
          var need = Math.max(1, Math.ceil(toks.length * 0.75));
          var hits = Array.from(score.entries()).filter(function (e) { return e[1] >= need; })
            .sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; }).slice(0, 100);
          var names = Array.from(new Set(hits.map(function (h) { return Math.floor(h[0] / meta.docsPerShard); })));
          return Promise.all(names.map(function (n) { return get("docs-" + n + ".json"); })).then(function (docShards) {
            var byName = {};
            names.forEach(function (n, i) { byName[n] = docShards[i]; });
            return hits.map(function (h) { return byName[Math.floor(h[0] / meta.docsPerShard)][h[0] % meta.docsPerShard]; });
          });
        });
    });
  }
  function show(results) {
    var list = document.getElementById("search-results"), status = document.getElementById("search-status");
    list.textContent = "";
    status.textContent = results.length ? String(results.length) : none;
    results.forEach(function (d) {
      var li = document.createElement("li"), h = document.createElement("h3"), a = document.createElement("a"), p = document.createElement("p");
      li.className = "card";
      a.href = root + prefix + "dataset/" + d[0] + ".html";
      a.textContent = (lang === "en" && d[2]) ? d[2] : d[1];
      if (!(lang === "en" && d[2])) a.lang = "zh";
      p.className = "meta";
      p.textContent = ((lang === "en" && d[4]) ? d[4] : d[3]) + " · " + d[6];
      h.appendChild(a); li.appendChild(h); li.appendChild(p); list.appendChild(li);
    });
  }
  var form = document.getElementById("search-form"), input = document.getElementById("q");
  function run() {
    var q = input.value.trim();
    history.replaceState(null, "", "?q=" + encodeURIComponent(q));
    search(q).then(show);
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(); }
})();
