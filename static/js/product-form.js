// Product form: the price label names the currency chosen ("Prix (€)", "Prix ($US)"…).
// The translated labels come from the server on the select (data-price-labels); without
// JavaScript the label is right once the form is saved. A file, not inline: the CSP allows
// only the site's own scripts.
"use strict";

document.querySelectorAll("select[data-price-labels]").forEach((select) => {
  const labels = JSON.parse(select.dataset.priceLabels);
  const label = document.querySelector(`label[for="${select.dataset.priceInput}"]`);
  if (!label) {
    return;
  }
  select.addEventListener("change", () => {
    if (labels[select.value]) {
      label.textContent = labels[select.value];
    }
  });
});
