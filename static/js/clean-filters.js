// Optional: the filter form leaves the fields that filter nothing out of the address (an
// empty box, a yes/no select on "any"), so that a list's address carries only the filters in
// use. The server redirects any other address with such parameters to the clean one, so the
// form works without this script.
(function () {
  function filtersNothing(field) {
    if (field.tagName === "SELECT") {
      if (field.multiple) { return field.selectedOptions.length === 0; }
      // A yes/no filter's "any" is its first option, sent as "unknown".
      return field.value === "" || (field.selectedIndex === 0 && field.value === "unknown");
    }
    if (field.type === "checkbox" || field.type === "radio") { return false; }
    return field.value === "";
  }
  document.querySelectorAll("form.filters-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (field) {
        if (field.disabled || !filtersNothing(field)) { return; }
        field.disabled = true;
        // Enabled again once the form is sent, for a page the back button restores.
        window.setTimeout(function () { field.disabled = false; }, 0);
      });
    });
  });
})();
