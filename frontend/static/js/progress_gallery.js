/* The project page's progress: the months in force with cumulative investment and progress, and the
   approved photos as a dated before/after gallery; read from the API, every value set as text. */
(function () {
  "use strict";
  var kit = window.pmkit;
  var box = document.getElementById("pm-progress");
  if (!box) {
    return;
  }
  var slug = box.getAttribute("data-slug");
  var en = box.getAttribute("data-lang") === "en";
  var base = "/api/projects/" + encodeURIComponent(slug);
  Promise.all([kit.send("GET", base + "/progress"), kit.send("GET", base + "/photos")]).then(function (answers) {
    var progress = answers[0].ok ? answers[0].data.months : [];
    var photos = answers[1].ok ? answers[1].data : [];
    if (!progress.length && !photos.length) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    var latest = progress[progress.length - 1];
    if (latest) {
      box.appendChild(kit.el("p", { id: "pm-progress-latest", text:
        (en ? "Progress " : "形象进度 ") + latest.progress_pct + "% · " + latest.month +
        (en ? " · invested to date " : " · 累计完成投资 ") + latest.cumulative_cny_10k + (en ? " (10k CNY)" : " 万元") }));
    }
    var gallery = kit.el("ol", { className: "pm-gallery", id: "pm-gallery" });
    photos.forEach(function (photo) {
      // Staff also see photos no report shows yet (a supervision answer's, one still to be filed): say so.
      var month = photo.month || photo.filed_month || (en ? "not in a monthly report" : "未附于月报");
      var img = kit.el("img", { src: photo.thumbnail, alt: photo.caption || month, loading: "lazy" });
      var link = kit.el("a", { href: photo.url }, [img]);
      gallery.appendChild(kit.el("li", { "data-month": photo.month }, [
        link, kit.el("span", { className: "pm-gallery-date", text: month + (photo.caption ? " · " + photo.caption : "") }),
      ]));
    });
    box.appendChild(gallery);
  });
})();
