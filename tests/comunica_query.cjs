// Runs one SPARQL SELECT with Comunica's QueryEngine (@comunica/query-sparql 4, found through NODE_PATH) and
// prints its bindings as JSON lines: {"var": {"type", "value", "lang"?, "datatype"?}}.
// Input on stdin: {"query": "...", "sources": ["sparql@http://...", {"type": "serialized", ...}]}.
"use strict";
const { QueryEngine } = require("@comunica/query-sparql");

function term(t) {
  const out = { type: t.termType, value: t.value };
  if (t.termType === "Literal") {
    // sparqljson-parse 3 hands {language, direction} to Comunica 4's older rdf-data-factory, which then keeps
    // the language tag inside `datatype`; read it from either place so that the tag the endpoint sent is kept.
    const lang = t.language || (t.datatype && t.datatype.language);
    if (lang) out.lang = lang;
    else out.datatype = t.datatype.value;
  }
  return out;
}

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const { query, sources } = JSON.parse(Buffer.concat(chunks).toString("utf-8"));
  const context = {
    sources: sources.map((s) => {
      if (typeof s !== "string") return s;
      const at = s.indexOf("@");
      return at > 0 ? { type: s.slice(0, at), value: s.slice(at + 1) } : s;
    }),
  };
  const engine = new QueryEngine();
  const bindings = await (await engine.queryBindings(query, context)).toArray();
  for (const b of bindings) {
    const row = {};
    for (const [v, t] of b) row[v.value] = term(t);
    process.stdout.write(JSON.stringify(row) + "\n");
  }
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + "\n");
  process.exit(1);
});
