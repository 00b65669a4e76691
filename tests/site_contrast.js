// Contrast of every visible text element of the page (WCAG 2 relative luminance), from getComputedStyle.
// Returns [{what, text, fg, bg, ratio}]. The background is the first non-transparent one among the element
// and its ancestors (blended over white when it is translucent); SVG text (drawn with fill) is left out.
() => {
  function rgba(s) {
    const m = s.match(/^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/);
    if (!m) throw new Error("cannot read colour " + s);
    let a = m[4] === undefined ? 1 : m[4].endsWith("%") ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return [parseFloat(m[1]), parseFloat(m[2]), parseFloat(m[3]), a];
  }
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const st = getComputedStyle(e);
      if (st.backgroundImage !== "none") throw new Error("background image on " + e.tagName + "." + e.className);
      const c = rgba(st.backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];  // the canvas
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  }
  function lum(c) {
    const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg, script, style, noscript")) continue;
    const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent.trim()).join(" ");
    if (!own) continue;
    const st = getComputedStyle(el), r = el.getBoundingClientRect();
    if (st.visibility !== "visible" || st.display === "none" || r.width === 0 || r.height === 0 || r.right <= 0 || r.bottom <= 0) continue;
    const bg = background(el), fg = over(rgba(st.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    out.push({ what: el.tagName.toLowerCase() + (el.className ? "." + el.className : ""), text: own.slice(0, 40),
               fg: st.color, bg: bg.slice(0, 3).map(Math.round).join(","), ratio: (hi + 0.05) / (lo + 0.05) });
  }
  return out;
}
