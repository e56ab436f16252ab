/* Behaviour shared by every page, bound through data attributes so that the templates carry no
   inline script or event handler (Content-Security-Policy: script-src 'self'):

   - <form data-confirm="question">: asks before submitting;
   - <select data-autosubmit> / <input data-autosubmit>: submits its form when changed;
   - <button data-copy-target="ID">: copies the value of the element ID to the clipboard;
   - the teacher filter form leaves empty filters out of its htmx requests. */
"use strict";

document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

document.addEventListener("change", function (event) {
  const el = event.target;
  if (el instanceof HTMLElement && el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
});

document.addEventListener("click", function (event) {
  const button = event.target instanceof Element ? event.target.closest("[data-copy-target]") : null;
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (source && navigator.clipboard) navigator.clipboard.writeText(source.value);
});

document.addEventListener("htmx:configRequest", function (event) {
  if (event.detail.elt.id !== "teacher-filters") return;
  const params = event.detail.parameters;
  for (const key of Array.from(params.keys ? params.keys() : Object.keys(params))) {
    const value = params.get ? params.get(key) : params[key];
    if (value === "") { params.delete ? params.delete(key) : delete params[key]; }
  }
});

// <button data-print>: prints the page (no inline handlers: the CSP forbids them).
document.addEventListener("click", function (event) {
  const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (button) window.print();
});
