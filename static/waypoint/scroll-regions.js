// A table wider than its box scrolls sideways inside it (on a phone, most tables do). A box
// that scrolls must be reachable from the keyboard (WCAG 2.1.1), or a keyboard user cannot see
// its hidden columns: while it overflows it gets a tab stop (and a wrapper, the table's name
// as a region); when it fits again they go. Without this script Chromium still lets the
// keyboard scroll the box; nothing else depends on it.
(function () {
  "use strict";
  var MARK = "data-scroll-region";

  function nameOf(box) {
    var caption = box.querySelector("caption");
    var section = box.closest("[aria-labelledby]");
    var heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
    var source = caption || heading;
    return source ? source.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function update() {
    document.querySelectorAll(".table-wrap, .table").forEach(function (box) {
      var overflows = box.scrollWidth > box.clientWidth + 1;
      if (overflows && !box.hasAttribute("tabindex")) {
        box.setAttribute(MARK, "");
        box.setAttribute("tabindex", "0");
        // A table keeps its own role; a wrapper becomes a named region.
        if (box.tagName !== "TABLE") {
          var name = nameOf(box);
          box.setAttribute("role", "region");
          if (name) {
            box.setAttribute("aria-label", name);
          }
        }
      } else if (!overflows && box.hasAttribute(MARK)) {
        box.removeAttribute(MARK);
        box.removeAttribute("tabindex");
        if (box.tagName !== "TABLE") {
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
      }
    });
  }

  var pending = false;
  function later() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        update();
      });
    }
  }

  update();
  window.addEventListener("resize", later);
})();
