/**
 * The script inlined in the HTML report: the offline address search ("who reaches 0x...?").
 * It reads the reach table embedded as JSON (`#vcm-reach`) and answers both questions an
 * address can mean: which endpoints reach this physical address, and what this address (IOVA,
 * VA or bus address) reaches for each endpoint. Results are built with textContent only.
 */
export const REPORT_SCRIPT = `(function () {
  "use strict";
  var rows = JSON.parse(document.getElementById("vcm-reach").textContent).map(function (r) {
    return { e: r.e, via: r.via, t: r.t, a: BigInt(r.a), p: BigInt(r.p), s: BigInt(r.s), r: r.r, m: r.m, b: r.b };
  });
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-address");
  var out = document.getElementById("search-results");
  function hex(x) {
    var d = x.toString(16), g = [];
    for (var end = d.length; end > 0; end -= 4) g.unshift(d.slice(Math.max(0, end - 4), end));
    return "0x" + g.join("_");
  }
  function parse(text) {
    var t = text.trim().replace(/_/g, "").toLowerCase();
    if (!/^(0x[0-9a-f]+|[0-9]+)$/.test(t)) return null;
    var n = BigInt(t);
    return n < (1n << 64n) ? n : null;
  }
  function item(list, endpoint, text) {
    var li = document.createElement("li");
    li.setAttribute("data-endpoint", endpoint);
    var b = document.createElement("strong");
    b.textContent = endpoint;
    li.appendChild(b);
    li.appendChild(document.createTextNode(" " + text));
    list.appendChild(li);
  }
  function heading(text) {
    var h = document.createElement("h3");
    h.textContent = text;
    out.appendChild(h);
    var ul = document.createElement("ul");
    out.appendChild(ul);
    return ul;
  }
  function search() {
    out.textContent = "";
    var x = parse(input.value);
    if (x === null) {
      out.textContent = "Type an address such as 0x8000_0000 or 4096.";
      return;
    }
    var byPa = rows.filter(function (r) { return x >= r.p && x < r.p + r.s; });
    var byAddr = rows.filter(function (r) { return x >= r.a && x < r.a + r.s; });
    if (byPa.length === 0 && byAddr.length === 0) {
      out.textContent = "No endpoint reaches " + hex(x) + ", and no endpoint uses it as an address.";
      return;
    }
    if (byPa.length > 0) {
      var ul = heading("Physical address " + hex(x) + " is reached by");
      byPa.forEach(function (r) {
        var at = r.a + (x - r.p);
        item(ul, r.e, "at " + hex(at) + " (" + (r.via === "table" ? "table " + r.t : r.via === "identity" ? "identity domain " + r.t : "bus address, no MMU") + ", " + r.r + ") in " + r.m + (r.b ? " / " + r.b : ""));
      });
    }
    if (byAddr.length > 0) {
      var ul2 = heading("Address " + hex(x) + " used by an endpoint reaches");
      byAddr.forEach(function (r) {
        item(ul2, r.e, "pa " + hex(r.p + (x - r.a)) + " (" + r.m + (r.b ? " / " + r.b : "") + ", " + r.r + ", " + (r.via === "table" ? "table " + r.t : r.via) + ")");
      });
    }
  }
  form.addEventListener("submit", function (ev) { ev.preventDefault(); search(); });
})();
`;
