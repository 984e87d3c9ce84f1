// The pages' own behaviour, kept out of the HTML so that the Content-Security-Policy can refuse
// every inline script.
(function () {
  "use strict";

  // The language switch in the top bar takes effect as soon as a language is chosen.
  // So does a list's filter (a bar of choices above the list) as soon as a choice is made.
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (event.target.id === "kc-language-select" || (form && form.dataset.autosubmit)) {
      form.submit();
    }
  });

  // While someone types into a field with a length limit, show how many characters are used:
  // "120 / 2000". The limit itself comes from the form (maxlength); the server checks it again.

  function limitOf(field) {
    var holder = field.closest("[maxlength]");
    var limit = holder ? parseInt(holder.getAttribute("maxlength"), 10) : NaN;
    return isNaN(limit) ? null : { holder: holder, limit: limit };
  }

  function counterAfter(holder) {
    var next = holder.nextElementSibling;
    if (next && next.classList.contains("kc-count")) {
      return next;
    }
    var counter = document.createElement("span");
    counter.className = "kc-count";
    counter.setAttribute("aria-live", "polite");
    holder.insertAdjacentElement("afterend", counter);
    return counter;
  }

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLTextAreaElement || field instanceof HTMLInputElement)) {
      return;
    }
    var found = limitOf(field);
    if (!found) {
      return;
    }
    var used = field.value.length;
    var counter = counterAfter(found.holder);
    counter.textContent = used + " / " + found.limit;
    counter.classList.toggle("kc-count--full", used >= found.limit);
  });
})();
