// Optional: a "select all" box for the bulk update. The page works without it.
(function () {
  var all = document.getElementById("select-all");
  var form = document.getElementById("bulk-form");
  if (!all || !form) { return; }
  var boxes = form.querySelectorAll('input[type="checkbox"][name="bulk-commitments"]');
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      all.checked = checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    });
  });
})();
