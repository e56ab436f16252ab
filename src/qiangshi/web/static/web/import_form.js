/* The import form: the layout and the school code apply to teachers only; the school code to the
   national layout only. The field ids come from the script element's data attributes. */
"use strict";

(function () {
  const ids = document.currentScript.dataset;
  const kind = document.getElementById(ids.kind);
  const layout = document.getElementById(ids.layout);
  const school = document.getElementById(ids.school);
  const options = document.getElementById("import-layout-options");
  const schoolOption = options && options.querySelector(".import-school-option");
  if (!kind || !layout || !school || !schoolOption) return;
  function sync() {
    const teachers = kind.value === "teachers";
    if (!teachers) layout.value = "template";
    const national = layout.value === "national";
    if (!national) school.value = "";
    options.hidden = !teachers;
    schoolOption.hidden = !national;
  }
  kind.addEventListener("change", sync);
  layout.addEventListener("change", sync);
  sync();
})();
