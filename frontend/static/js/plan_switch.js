/**
 * The plan switcher (frontend/templates/_plan_switch.html): choosing a plan reloads the page in it at
 * once, with every other query parameter kept (the server wrote each option's URL). Without this
 * script the form's button does the same.
 */
(function (root) {
  "use strict";

  var select = root.document.getElementById("pm-plan-select");
  if (!select) {
    return;
  }
  select.addEventListener("change", function () {
    var url = select.options[select.selectedIndex].getAttribute("data-url");
    if (url) {
      root.location.assign(url);
    }
  });
})(window);
