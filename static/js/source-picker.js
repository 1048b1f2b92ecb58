// Optional: search-as-you-type for source inputs (input[data-source-search]). Without it the
// input still works: it takes a source's key or its exact title. With it, typing a few words
// of a title lists the matching sources with their full titles (an ARIA 1.2 combobox); choosing
// one puts its key in the input and shows its title below.
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-source-search]");
  var counter = 0;
  var lang = document.documentElement.lang || "fr";
  var texts = lang.indexOf("fr") === 0
    ? { none: "Aucune source trouvée", found: function (n) { return n + (n > 1 ? " sources trouvées" : " source trouvée") + ", flèches haut et bas pour choisir"; }, chosen: "Source choisie : " }
    : { none: "No source found", found: function (n) { return n + (n > 1 ? " sources found" : " source found") + ", up and down arrows to choose"; }, chosen: "Chosen source: " };

  function setup(input) {
    counter += 1;
    var url = input.getAttribute("data-source-search");
    var listId = "source-options-" + counter;
    var wrapper = document.createElement("div");
    wrapper.className = "source-picker";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "source-options";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    wrapper.appendChild(list);
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    wrapper.appendChild(status);
    var chosen = document.createElement("p");
    chosen.className = "small source-chosen";
    chosen.id = listId + "-chosen";
    wrapper.appendChild(chosen);
    var described = (input.getAttribute("aria-describedby") || "").trim();
    input.setAttribute("aria-describedby", (described ? described + " " : "") + chosen.id);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var results = [];
    var active = -1;
    var timer = null;
    var pending = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function choose(index) {
      var source = results[index];
      if (!source) { return; }
      input.value = source.key;
      chosen.textContent = texts.chosen + source.label;
      close();
    }
    function render() {
      list.textContent = "";
      results.forEach(function (source, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = source.label;
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(option);
      });
      status.textContent = results.length ? texts.found(results.length) : texts.none;
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }
    function search() {
      var query = input.value.trim();
      if (query.length < 2) { results = []; close(); return; }
      if (pending) { pending.abort(); }
      pending = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: pending ? pending.signal : undefined
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { results = data.results || []; render(); })
        .catch(function () { /* aborted or offline: the plain input still works */ });
    }
    input.addEventListener("input", function () {
      chosen.textContent = "";
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        if (event.key === "ArrowDown" && input.value.trim().length >= 2) { search(); event.preventDefault(); }
        return;
      }
      if (event.key === "ArrowDown") { highlight(Math.min(active + 1, results.length - 1)); event.preventDefault(); }
      else if (event.key === "ArrowUp") { highlight(Math.max(active - 1, 0)); event.preventDefault(); }
      else if (event.key === "Enter" && active >= 0) { choose(active); event.preventDefault(); }
      else if (event.key === "Escape") { close(); event.preventDefault(); }
    });
    input.addEventListener("blur", close);
  }
  inputs.forEach(setup);
})();
