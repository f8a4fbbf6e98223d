(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  if (table) {
    var heads = table.tHead.rows[0].cells;
    var key = function (row, i, numeric) {
      var cell = row.cells[i];
      var v = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
      if (!numeric) { return v.toLowerCase(); }
      var n = parseFloat(v);
      return isNaN(n) ? -Infinity : n;
    };
    Array.prototype.forEach.call(heads, function (th, i) {
      if (th.classList.contains("nosort")) { return; }
      th.addEventListener("click", function () {
        var numeric = th.getAttribute("data-type") === "number";
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a, i, numeric), y = key(b, i, numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * dir;
        });
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  // Printed reports show every finding's explanation.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
