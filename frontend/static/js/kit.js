/*
 * planmap kit: the few helpers the editing, feedback and moderation scripts share.
 *
 * - `el` builds DOM nodes; text always goes in with textContent, never as HTML, so whatever a
 *   visitor or an official typed is shown as text;
 * - `send` makes a JSON (or FormData) request with the page's CSRF token (a logged-in browser's writes
 *   are refused without it) and never throws: it resolves to {status, ok, data}. When the server breaks
 *   (5xx) or cannot be reached (status 0, `offline`), `data` is `{detail: <the page's own words>}`, so a
 *   form shows a message in the reader's language and never the server's exception text or a stack;
 * - `errorText` turns FastAPI's error bodies (a string, a list of {loc, msg}, or {message})
 *   into one readable line;
 * - `load` shows a read's loading, empty and error states (with "try again") where its data goes.
 */
(function (root) {
  "use strict";

  var doc = root.document;

  /** Build an element: `text` goes in with textContent, `style` is an object of CSS properties, children are nodes. */
  function el(tag, attrs, children) {
    var node = doc.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (key === "text") {
        node.textContent = String(value);
      } else if (key === "className") {
        node.className = value;
      } else if (key === "style") {
        Object.keys(value).forEach(function (prop) {
          node.style.setProperty(prop, value[prop]);
        });
      } else {
        node.setAttribute(key, String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? doc.createTextNode(child) : child);
      }
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function csrfToken() {
    var meta = doc.querySelector('meta[name="pm-csrf"]');
    return meta ? meta.getAttribute("content") : null;
  }

  function send(method, url, body, extraHeaders) {
    var headers = { Accept: "application/json, application/geo+json" };
    var form = typeof FormData !== "undefined" && body instanceof FormData;
    if (body !== undefined && !form) {
      headers["Content-Type"] = "application/json";
    }
    var token = csrfToken();
    if (token) {
      headers["X-CSRF-Token"] = token;
    }
    Object.keys(extraHeaders || {}).forEach(function (key) {
      headers[key] = extraHeaders[key];
    });
    return fetch(url, {
      method: method,
      headers: headers,
      body: body === undefined || form ? body : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    }).then(
      function (res) {
        return res.text().then(function (text) {
          var data = null;
          try {
            data = text ? JSON.parse(text) : null;
          } catch (e) {
            data = text;
          }
          if (res.status >= 500) {
            // The server broke: what it wrote (an exception, a proxy's page) is not for the reader.
            return { status: res.status, ok: false, headers: res.headers, data: { detail: serverErrorText(res.status, method !== "GET") }, serverData: data };
          }
          return { status: res.status, ok: res.ok, headers: res.headers, data: data };
        });
      },
      function () {
        // Nothing answered (offline, the connection dropped): an answer like any other, in the page's words.
        return { status: 0, ok: false, offline: true, headers: new Headers(), data: { detail: method !== "GET" ? offlineText() : stateWords().state_offline || "offline" } };
      }
    );
  }

  /** "The server failed (HTTP 500)", in the page's language; for a write, with "try again, your input is kept". */
  function serverErrorText(status, write) {
    var words = stateWords();
    return format((write && words.state_write_server_error) || words.state_server_error || "HTTP {status}", { status: status });
  }

  /** "The server could not be reached; check the connection and try again", in the page's language. */
  function offlineText() {
    var words = stateWords();
    return words.state_offline_retry || words.state_offline || "offline";
  }

  /**
   * Why a write failed, for the reader: a refusal in the page's language where the server named it
   * (`refusalText`), else the server's reason; a broken server or no connection in the page's own words.
   */
  function submitFailureText(res, table, name) {
    if (!res || res.offline) {
      return offlineText();
    }
    if (res.status >= 500) {
      return serverErrorText(res.status, true);
    }
    return refusalText(res, table || {}, name);
  }

  function errorText(data) {
    var detail = data && data.detail !== undefined ? data.detail : data;
    if (typeof detail === "string") {
      return detail;
    }
    if (Array.isArray(detail)) {
      return detail
        .map(function (d) {
          var loc = (d.loc || []).filter(function (part) {
            return part !== "body";
          });
          return (loc.length ? loc.join(".") + ": " : "") + d.msg;
        })
        .join("; ");
    }
    if (detail && detail.message) {
      return detail.message;
    }
    return JSON.stringify(detail);
  }

  /**
   * A refusal in the reader's language. The server names a refusal by a stable code and its params
   * (headers X-Planmap-Error, X-Planmap-Error-Params); `table` holds the page's "error_<code>"
   * templates, and `name(key, value)` turns a param's value (a town's slug, a field) into words.
   * A refusal without a code, or one the table lacks: a 422 naming fields says which, in the reader's words;
   * anything else is shown as the server wrote it (errorText).
   */
  function refusalText(res, table, name) {
    var code = res.headers && res.headers.get ? res.headers.get("X-Planmap-Error") : null;
    var template = code ? table["error_" + code] : null;
    if (!template) {
      return invalidFieldsText(res, table) || errorText(res.data);
    }
    var params = {};
    try {
      params = JSON.parse(res.headers.get("X-Planmap-Error-Params") || "{}");
    } catch (e) {
      params = {};
    }
    var values = {};
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      var words = (Array.isArray(value) ? value : [value]).map(function (v) {
        return name ? name(key, v) : String(v);
      });
      values[key] = words.join(table.list_separator || ", ");
    });
    return format(template, values);
  }

  /**
   * A 422 that names only the fields (a body that does not fit its model: FastAPI's list of {loc, msg}),
   * in the reader's language: "please check: email address". Null for any other refusal.
   */
  function invalidFieldsText(res, table) {
    var detail = res.status === 422 && res.data ? res.data.detail : null;
    if (!Array.isArray(detail) || !detail.length) {
      return null;
    }
    var words = stateWords();
    var names = [];
    detail.forEach(function (d) {
      var loc = d.loc || [];
      var field = String(loc[loc.length - 1] === undefined ? "body" : loc[loc.length - 1]);
      var label = words["field_" + field] || table["field_" + field] || field;
      if (names.indexOf(label) < 0) {
        names.push(label);
      }
    });
    return words.state_invalid_fields ? format(words.state_invalid_fields, { fields: names.join(table.list_separator || listSeparator()) }) : null;
  }

  function listSeparator() {
    return /^zh/.test(doc.documentElement.lang || "") ? "、" : ", ";
  }

  function config(id) {
    var node = doc.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] !== undefined ? String(values[key]) : all;
    });
  }

  /** The page's words for loading, nothing found, failed and "try again" (base.html, in the page's language). */
  function stateWords() {
    return config("pm-state-words") || {};
  }

  /** Why a read failed, in words: the server's refusal and its status, or that the server was not reached. */
  function failureText(res, words) {
    if (!res || res.offline) {
      return words.state_offline || "offline";
    }
    if (res.status >= 500) {
      return serverErrorText(res.status);
    }
    var code = res.headers && res.headers.get ? res.headers.get("X-Planmap-Error") : null;
    if (code && words["error_" + code]) {
      return refusalText(res, words); // a refusal the server names: in the page's words
    }
    var why = res.data && typeof res.data === "object" ? errorText(res.data) : "";
    return (why && why !== "null" ? why + " " : "") + "(HTTP " + res.status + ")";
  }

  /**
   * A read with its three states shown where its data goes, so no fetch leaves a blank or a stale box:
   * `box` shows "loading…" while `request()` (a `send` promise) runs; when it fails, a readable error and a
   * "try again" button that runs it again; when `opts.isEmpty(data)`, `opts.empty` (or "nothing found");
   * else `opts.render(data, res)` (`res` for its headers, an ETag). `box` carries `data-pm-state` (loading, empty, error, done) for tests.
   */
  function load(box, request, opts) {
    var words = stateWords();
    var state = box.querySelector(":scope > .pm-state");
    if (!state) {
      state = el("div", { className: "pm-state", role: "status", "aria-live": "polite" });
      box.insertBefore(state, opts.before || null);
    }
    function show(kind, text, retry) {
      box.setAttribute("data-pm-state", kind);
      clear(state);
      state.hidden = !text;
      state.className = "pm-state pm-state-" + kind;
      if (text) {
        state.appendChild(el("span", { text: text }));
      }
      if (retry) {
        var again = el("button", { type: "button", className: "pm-state-retry", text: words.state_retry || "Try again" });
        again.addEventListener("click", function () {
          load(box, request, opts);
        });
        state.appendChild(doc.createTextNode(" "));
        state.appendChild(again);
      }
    }
    show("loading", opts.loading || words.state_loading || "…");
    function failed(res) {
      show("error", format(words.state_error || "{error}", { error: failureText(res, words) }), true);
      return null;
    }
    return request().then(
      function (res) {
        if (!res.ok) {
          return failed(res);
        }
        if (opts.isEmpty && opts.isEmpty(res.data)) {
          show("empty", opts.empty || words.state_empty);
          return null;
        }
        show("done", "");
        opts.render(res.data, res);
        return res.data;
      },
      function () {
        return failed(null);
      }
    );
  }

  root.pmkit = {
    el: el,
    clear: clear,
    csrfToken: csrfToken,
    send: send,
    errorText: errorText,
    refusalText: refusalText,
    config: config,
    format: format,
    load: load,
    stateWords: stateWords,
    failureText: failureText,
    submitFailureText: submitFailureText,
  };
})(window);
