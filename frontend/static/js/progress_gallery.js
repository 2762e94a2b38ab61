/* The project page's progress: the months in force with cumulative investment and progress, and the
   approved photos as a dated before/after gallery; read from the API, every value set as text. The
   section says while it loads, when there is no report yet, and when the read failed (with "try again"). */
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
  var content = kit.el("div", { id: "pm-progress-content" });
  box.appendChild(content);
  box.hidden = false;

  /** Both reads as one: failed if either failed (a gallery without its months would mislead). */
  function both() {
    return Promise.all([kit.send("GET", base + "/progress"), kit.send("GET", base + "/photos")]).then(function (answers) {
      var bad = answers[0].ok ? answers[1] : answers[0];
      if (!bad.ok) {
        return bad;
      }
      return { ok: true, status: 200, data: { months: answers[0].data.months || [], photos: answers[1].data || [] } };
    });
  }

  function render(data) {
    kit.clear(content);
    var latest = data.months[data.months.length - 1];
    if (latest) {
      content.appendChild(kit.el("p", { id: "pm-progress-latest", text:
        (en ? "Progress " : "形象进度 ") + latest.progress_pct + "% · " + latest.month +
        (en ? " · invested to date " : " · 累计完成投资 ") + latest.cumulative_cny_10k + (en ? " (10k CNY)" : " 万元") }));
    }
    var gallery = kit.el("ol", { className: "pm-gallery", id: "pm-gallery" });
    data.photos.forEach(function (photo) {
      // Staff also see photos no report shows yet (a supervision answer's, one still to be filed): say so.
      var month = photo.month || photo.filed_month || (en ? "not in a monthly report" : "未附于月报");
      // Not lazy: the few thumbnails sit below a long page, and a lazy one far below the fold stays 0×0 until scrolled.
      var img = kit.el("img", { src: photo.thumbnail, alt: photo.caption || month });
      var link = kit.el("a", { href: photo.url }, [img]);
      gallery.appendChild(kit.el("li", { "data-month": photo.month }, [
        link, kit.el("span", { className: "pm-gallery-date", text: month + (photo.caption ? " · " + photo.caption : "") }),
      ]));
    });
    content.appendChild(gallery);
  }

  kit.load(box, both, {
    before: content,
    empty: box.getAttribute("data-empty"),
    isEmpty: function (data) {
      return !data.months.length && !data.photos.length;
    },
    render: render,
  });
})();
