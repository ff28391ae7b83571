// Search and filters of the living documentation. Everything else on the site works without this file.
"use strict";
(function () {
  const box = document.getElementById("search");
  const differ = document.getElementById("filter-differ");
  const failing = document.getElementById("filter-failing");
  const noMatch = document.getElementById("no-match");
  const count = document.getElementById("search-count");
  const items = Array.from(document.querySelectorAll("[data-search]"));
  // Leaves are what a reader looks for (a scenario, a row, an operation); containers group them.
  const leaves = items.filter((item) => !item.querySelector("[data-search]"));
  const containers = items.filter((item) => !leaves.includes(item));

  const hasWords = (item, words) => words.every((word) => item.dataset.search.includes(word));
  const passesFilters = (item) =>
    !(differ && differ.checked && item.dataset.differ === "no") &&
    !(failing && failing.checked && item.dataset.failing === "no");

  function apply() {
    const words = box ? box.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
    const filtering = words.length > 0 || Boolean(differ && differ.checked) || Boolean(failing && failing.checked);
    let shown = 0;
    for (const leaf of leaves) {
      // A feature's name finds all its scenarios: a container around the leaf may hold the words.
      const named = hasWords(leaf, words) || containers.some((box_) => box_.contains(leaf) && hasWords(box_, words));
      leaf.hidden = filtering && !(named && passesFilters(leaf));
      if (!leaf.hidden) shown += 1;
    }
    for (const container of containers) {
      container.hidden = filtering && !leaves.some((leaf) => container.contains(leaf) && !leaf.hidden);
    }
    if (noMatch) noMatch.hidden = !filtering || shown > 0;
    if (count) count.textContent = filtering ? `${shown} shown` : "";
  }

  for (const control of [box, differ, failing]) {
    if (!control) continue;
    control.addEventListener("input", apply);
    control.addEventListener("change", apply);
    const hiddenParent = control.closest("[hidden]");
    if (hiddenParent) hiddenParent.hidden = false;
  }
  apply();
})();
