/* "Read this page in English": offered when the browser prefers the page's other language.
   The server never looks at Accept-Language (a URL always returns the same page, for any
   cache), so the browser decides here; closing the hint keeps it closed on later pages. */
(function () {
  "use strict";

  var DISMISSED = "language-hint-dismissed";

  function dismissed() {
    try {
      return window.localStorage.getItem(DISMISSED) === "1";
    } catch (error) {
      return false; // storage refused (private mode, settings): the hint just comes back
    }
  }

  function show(hint) {
    var wanted = hint.getAttribute("lang");
    var preferred = (navigator.languages && navigator.languages[0]) || navigator.language || "";
    if (!wanted || preferred.toLowerCase().split("-")[0] !== wanted || dismissed()) {
      return;
    }
    hint.hidden = false;
    var close = hint.querySelector("[data-language-hint-close]");
    if (close) {
      close.addEventListener("click", function () {
        hint.hidden = true;
        try {
          window.localStorage.setItem(DISMISSED, "1");
        } catch (error) {
          // nothing to remember it in: it is closed for this page
        }
      });
    }
  }

  var hint = document.querySelector("[data-language-hint]");
  if (hint) {
    show(hint);
  }
})();
