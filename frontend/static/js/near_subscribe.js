/*
 * The near page's "follow the works around this place" form: email, a distance from a short list, and
 * the place the page already has (a town seat, a map click or the device's position, told by the map's
 * `planmap:near` event). One request to /api/subscriptions (double opt-in: only a confirmation mail is
 * sent). The address typed is never shown back: the answer is the same words whatever it was, and the
 * field is emptied once the request is accepted. Everything is set as text.
 */
(function () {
  "use strict";
  var kit = window.pmkit;
  var form = document.getElementById("pm-near-follow");
  var config = kit.config("pm-near-follow-config");
  if (!form || !config) {
    return;
  }
  var msg = config.messages;
  var section = document.getElementById("pm-near-subscribe");
  var placeText = document.getElementById("pm-near-follow-place");
  var result = document.getElementById("pm-near-follow-result");
  var button = document.getElementById("pm-near-follow-submit");
  var km = document.getElementById("pm-near-follow-km");
  var radius = document.getElementById("pm-near-radius");
  var place = null;

  /** Follow the distance searched on the map when the list offers it (the page's 50 km is beyond it). */
  function followSearchRadius() {
    var searched = radius ? String(parseFloat(radius.value) / 1000) : "";
    if (km.querySelector('option[value="' + searched + '"]')) {
      km.value = searched;
    }
  }

  document.addEventListener("planmap:near", function (event) {
    var chosen = event.detail.place;
    place = { lon: chosen[0], lat: chosen[1] };
    var town = document.getElementById("pm-near-town");
    var option = chosen[2] && town ? town.selectedOptions[0] : null;
    placeText.textContent = option
      ? kit.format(msg.near_follow_place_town, { town: option.textContent.trim() })
      : kit.format(msg.near_follow_place_point, { lon: place.lon.toFixed(4), lat: place.lat.toFixed(4) });
    followSearchRadius();
    section.setAttribute("data-ready", "yes");
    button.disabled = false;
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!place) {
      result.textContent = msg.near_follow_no_place;
      result.className = "pm-error";
      return;
    }
    var body = {
      email: form.elements.email.value,
      lang: config.lang,
      near: { lon: place.lon, lat: place.lat, radius_km: parseFloat(km.value) },
    };
    button.disabled = true;
    result.textContent = msg.near_follow_sending;
    result.className = "";
    kit.send("POST", "/api/subscriptions", body).then(function (res) {
      // A broken server or no connection in the page's words; the address typed stays for a retry.
      result.textContent = res.ok ? msg.near_follow_sent : kit.submitFailureText(res);
      result.className = res.ok ? "pm-ok" : "pm-error";
      if (res.ok) {
        form.elements.email.value = "";
      }
      form.setAttribute("data-sent", res.ok ? "yes" : "no");
      button.disabled = false;
    });
  });
})();
