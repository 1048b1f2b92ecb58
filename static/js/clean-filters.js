// Optional: the filter form leaves its empty fields out of the address, so that a list's
// address carries only the filters in use (the server also redirects an address with empty
// parameters to the clean one). The form works without it.
(function () {
  document.querySelectorAll("form.filters-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select, textarea").forEach(function (field) {
        if (!field.name || field.disabled) { return; }
        var empty = field.tagName === "SELECT" && field.multiple
          ? field.selectedOptions.length === 0
          : field.value === "";
        if (empty) {
          field.disabled = true;
          // Enabled again for the back button, which may restore the page as it was.
          window.setTimeout(function () { field.disabled = false; }, 0);
        }
      });
    });
  });
})();
