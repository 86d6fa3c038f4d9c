/* escalera: keep an assessment form on the device while the connection is unreliable.
 *
 * - Every change saves the form to localStorage, keyed by firm and stage; loading the form
 *   restores the draft of that firm and stage.
 * - Submitting while offline (navigator.onLine false, or the request fails) queues the
 *   submission (the same fields, CSRF token included) and sends it with fetch when the
 *   `online` event fires. window.escaleraOffline.flush() forces a retry.
 * - #sync-status says where things stand.
 * Without this script the form is a plain HTML form and works the same when online.
 */
(function () {
  "use strict";
  var PREFIX = "escalera:assessment:";
  var QUEUE = "escalera:queue";
  var form = document.querySelector("form[data-offline]");
  var status = document.getElementById("sync-status");
  var words = {};
  try {
    words = JSON.parse((document.getElementById("offline-messages") || {}).textContent || "{}");
  } catch (e) { words = {}; }

  function say(key) {
    if (status) {
      status.textContent = words[key] || key;
      status.setAttribute("data-state", key);
    }
  }

  function field(name) {
    if (!form) { return ""; }
    var el = form.elements.namedItem(name);
    return el && "value" in el ? String(el.value || "") : "";
  }

  function draftKey() {
    return PREFIX + (field("firm") || "-") + ":" + (field("stage") || "-");
  }

  function fieldsOf(data) {
    var out = [];
    data.forEach(function (value, name) {
      if (typeof value === "string") { out.push([name, value]); }
    });
    return out;
  }

  function readQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }

  function writeQueue(items) {
    try { localStorage.setItem(QUEUE, JSON.stringify(items)); } catch (e) { /* full */ }
  }

  var currentKey = null;

  function save() {
    if (!form) { return; }
    var key = draftKey();
    if (key !== currentKey) {
      // The firm (or stage) changed: bring back that firm's draft before saving over it.
      currentKey = key;
      restore();
    }
    var entries = fieldsOf(new FormData(form)).filter(function (pair) {
      return pair[0] !== "csrf_token" && pair[0] !== "submission_key";
    });
    try {
      localStorage.setItem(draftKey(), JSON.stringify({ at: Date.now(), fields: entries }));
      say("saved");
    } catch (e) { /* storage full or disabled: the form still works online */ }
  }

  function restore() {
    if (!form) { return; }
    var raw = null;
    try { raw = localStorage.getItem(draftKey()); } catch (e) { raw = null; }
    if (!raw) { return; }
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    (draft.fields || []).forEach(function (pair) {
      var name = pair[0], value = pair[1];
      if (name === "csrf_token" || name === "stage" || name === "firm") { return; }
      var nodes = form.querySelectorAll("[name='" + name.replace(/'/g, "\\'") + "']");
      Array.prototype.forEach.call(nodes, function (el) {
        if (el.type === "radio" || el.type === "checkbox") {
          el.checked = el.value === value;
        } else if (!el.value || el.getAttribute("aria-invalid") !== "true") {
          el.value = value;
        }
      });
    });
    say("saved");
  }

  function forget(fields) {
    var firm = "", stage = "";
    fields.forEach(function (pair) {
      if (pair[0] === "firm") { firm = pair[1]; }
      if (pair[0] === "stage") { stage = pair[1]; }
    });
    try { localStorage.removeItem(PREFIX + (firm || "-") + ":" + (stage || "-")); } catch (e) { /* */ }
  }

  function currentToken() {
    var meta = document.querySelector("meta[name='csrf-token']");
    return meta ? meta.getAttribute("content") : "";
  }

  function send(item) {
    // The page's own token: after signing in again the queued one belongs to an old session.
    var token = currentToken();
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrf_token" && token ? token : pair[1]);
    });
    return fetch(item.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "text/html" }
    });
  }

  var flushing = false;

  function flush() {
    var queue = readQueue();
    if (!queue.length || flushing) { return Promise.resolve(queue.length); }
    if (navigator.onLine === false) { say("offline"); return Promise.resolve(queue.length); }
    flushing = true;
    say("sending");
    var item = queue[0];
    return send(item).then(function (response) {
      flushing = false;
      if (response.ok && new URL(response.url).pathname === "/login") {
        say("login");  // the session expired: keep the submission until the user signs in
        return readQueue().length;
      }
      queue = readQueue().slice(1);
      writeQueue(queue);
      if (response.ok) {
        forget(item.fields);
        say("sent");
        if (response.redirected && form) { window.location.assign(response.url); }
        return flush();
      }
      say("refused");
      return response.text().then(function (html) {
        if (form) { document.open(); document.write(html); document.close(); }
        return queue.length;
      });
    }, function () {
      flushing = false;
      say("offline");
      return readQueue().length;
    });
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function onSubmit(event) {
    var submitter = event.submitter || null;
    // One key per submission: the server creates nothing new when a retry repeats it.
    var keyField = form.elements.namedItem("submission_key");
    if (keyField && "value" in keyField) { keyField.value = newKey(); }
    var data;
    try { data = submitter ? new FormData(form, submitter) : new FormData(form); }
    catch (e) { data = new FormData(form); }
    var fields = fieldsOf(data);
    if (submitter && submitter.name && !data.has(submitter.name)) {
      fields.push([submitter.name, submitter.value]);
    }
    var item = { action: form.getAttribute("action") || window.location.pathname,
                 fields: fields, at: Date.now() };
    if (navigator.onLine === false) {
      event.preventDefault();
      save();
      var queue = readQueue(); queue.push(item); writeQueue(queue);
      say("offline");
      return;
    }
    // Online: send with fetch so that a dropped connection keeps the submission.
    event.preventDefault();
    save();
    var pending = readQueue(); pending.push(item); writeQueue(pending);
    flush();
  }

  window.escaleraOffline = {
    flush: flush,
    save: save,
    queued: function () { return readQueue().length; },
    clear: function () { writeQueue([]); }
  };

  window.addEventListener("online", function () { flush(); });
  // A server that could not be reached while the device was online fires no event: retry.
  window.setInterval(function () { if (readQueue().length) { flush(); } }, 30000);
  window.addEventListener("offline", function () { if (readQueue().length) { say("offline"); } });

  if (form) {
    currentKey = draftKey();
    restore();
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", onSubmit);
  }
  if (readQueue().length) {
    if (navigator.onLine === false) { say("offline"); } else { flush(); }
  }
}());
