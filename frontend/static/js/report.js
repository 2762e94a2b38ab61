/* The phone report form: an optional photo (with the place, only if the person ticks the box and the
   browser allows it), then the report itself, both through the API. Everything shown is set as text. */
(function () {
  "use strict";
  var kit = window.pmkit;
  var config = kit.config("pm-report-config");
  var form = document.getElementById("pm-report-form");
  if (!form || !config) {
    return;
  }
  var result = document.getElementById("pm-report-result");
  var base = "/api/projects/" + encodeURIComponent(config.slug);

  function say(text, bad) {
    result.textContent = text;
    result.className = bad ? "pm-error" : "pm-ok";
  }

  function place() {
    if (!document.getElementById("pm-report-locate").checked || !navigator.geolocation) {
      return Promise.resolve(null);
    }
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(
        function (pos) { resolve(pos.coords); },
        function () { resolve(null); },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  }

  function uploadPhoto() {
    var input = document.getElementById("pm-report-photo");
    if (!input.files || !input.files.length) {
      return Promise.resolve([]);
    }
    say(config.words.uploading, false);
    return place().then(function (coords) {
      var data = new FormData();
      data.append("photo", input.files[0]);
      if (coords) {
        data.append("lon", String(coords.longitude));
        data.append("lat", String(coords.latitude));
        data.append("accuracy_m", String(coords.accuracy));
      }
      return kit.send("POST", base + "/photos", data).then(function (res) {
        if (!res.ok) {
          throw new Error(kit.submitFailureText(res));
        }
        return [res.data.id];
      });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = document.getElementById("pm-report-submit");
    button.disabled = true;
    uploadPhoto()
      .then(function (photoIds) {
        var f = form.elements;
        var body = {
          month: f.month.value,
          invested_cny_10k: f.invested_cny_10k.value || "0",
          progress_pct: f.progress_pct.value || "0",
          milestones: f.milestones.value,
          work_done: f.work_done.value,
          problems: f.problems.value,
          coordination: f.coordination.value,
          photo_ids: photoIds,
        };
        if (f.correction_reason.value.trim()) {
          body.correction_reason = f.correction_reason.value;
        }
        return kit.send("POST", base + "/progress", body);
      })
      .then(function (res) {
        if (!res.ok) {
          // A broken server or no connection in the page's words; the form keeps what was typed.
          throw new Error(kit.submitFailureText(res));
        }
        say(kit.format(config.words.sent, res.data), false);
        form.setAttribute("data-filed", String(res.data.id));
      })
      .catch(function (err) {
        say(err.message, true);
      })
      .then(function () {
        button.disabled = false;
      });
  });
})();
