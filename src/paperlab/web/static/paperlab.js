// paperlab's only script. A status or rating chosen in a table is saved at once (the form's own
// button does it without JavaScript); the reader scrolls to the highlighted passage.
document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  const mark = document.querySelector("rect.highlight");
  if (mark) {
    const img = document.querySelector(".page img");
    const scroll = () => mark.scrollIntoView({ block: "center" });
    if (img && !img.complete) img.addEventListener("load", scroll); else scroll();
  }
});
