/* The course website's own script (book/_config.yml: html_js_files).

   Sidebar buttons. pydata-sphinx-theme 0.17.1 and sphinx-book-theme 1.3.0 each wire only the
   FIRST .primary-toggle / .secondary-toggle on the page, which is the navbar copy that the book
   layout never shows; the buttons a reader sees (in the article header) do nothing: no menu on
   a phone, no contents on a phone, no collapsing sidebar on a desktop. A click on any other
   copy is passed on to the wired one, which does the right thing at every width. */
document.addEventListener("click", (event) => {
  for (const kind of ["primary-toggle", "secondary-toggle"]) {
    const button = event.target.closest ? event.target.closest("." + kind) : null;
    const wired = document.querySelector("." + kind);
    if (button && wired && button !== wired) {
      event.preventDefault();
      event.stopPropagation();
      wired.click();
      return;
    }
  }
}, true);

/* Display equations a little wider than the column are drawn a little smaller (zoom, down to
   75%) so that they fit; wider ones keep their size and scroll inside their own box
   (course.css). */
function fitEquations() {
  for (const eq of document.querySelectorAll('mjx-container[display="true"]')) {
    eq.style.zoom = "";
    const ratio = eq.clientWidth / eq.scrollWidth;
    if (ratio < 1 && ratio >= 0.75) {
      eq.style.zoom = String(Math.floor(ratio * 98) / 100);
    }
  }
}
window.addEventListener("load", () => {
  const startup = window.MathJax && window.MathJax.startup;
  if (startup && startup.promise) {
    startup.promise.then(fitEquations);
    let timer = null;
    window.addEventListener("resize", () => {
      clearTimeout(timer);
      timer = setTimeout(fitEquations, 200);
    });
  }
});
