/* The side cart, on top of the <details> that already opens and closes it without JavaScript:
   a close button, Esc, a click outside, and focus that follows the panel (into it when it
   opens, back to the toggle when it closes). */
(function () {
  "use strict";

  function enhance(cart) {
    var toggle = cart.querySelector("summary");
    var panel = cart.querySelector(".side-cart-panel");
    var closeButton = cart.querySelector("[data-side-cart-close]");
    if (!toggle || !panel) {
      return;
    }

    function close(returnFocus) {
      if (!cart.open) {
        return;
      }
      var focusWasInside = cart.contains(document.activeElement);
      cart.open = false;
      // After a click elsewhere the focus stays where that click put it; otherwise the toggle
      // gets it back, so a keyboard user is not left on an element that just disappeared.
      if (returnFocus || focusWasInside || document.activeElement === document.body) {
        toggle.focus({ preventScroll: true });
      }
    }

    if (closeButton) {
      closeButton.hidden = false;
      closeButton.addEventListener("click", function () {
        close(true);
      });
    }

    cart.addEventListener("toggle", function () {
      if (cart.open && !panel.contains(document.activeElement)) {
        panel.focus({ preventScroll: true });
      }
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && cart.open) {
        event.preventDefault();
        close(true);
      }
    });

    document.addEventListener("click", function (event) {
      if (cart.open && !cart.contains(event.target)) {
        close(false);
      }
    });
  }

  function start() {
    var cart = document.getElementById("side-cart");
    if (cart) {
      enhance(cart);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
