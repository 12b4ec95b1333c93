/*! Parley embed script. Usage on a customer's page:
 *   <script src="https://PARLEY_HOST/embed.js" data-organization-id="ORG_ID" async></script>
 * Optional: data-position="left"; data-project-id="PROJECT_ID" (one of the organization's
 * websites, with its own settings). API: Parley('open' | 'close' | 'toggle' | 'destroy'),
 * Parley('onUnreadCountChange', fn) (fn(count) now and on every change of the replies the
 * visitor has not seen, for hosts that draw their own launcher, as Intercom's),
 * and Parley('identify', {userId, userHash, email, name} or {token}) for a visitor the
 * site's own backend signed (identity verification: the widget then skips its form),
 * callable before this script loads with the one-line stub
 *   window.Parley=window.Parley||function(){(Parley.q=Parley.q||[]).push(arguments)};
 * The widget's iframe is created on first open, so nothing heavy loads before that; for a
 * visitor who has chatted (a flag in this site's localStorage, no personal data) it loads
 * hidden once the page is idle, so a reply sent while they browse shows on the launcher.
 * Messages with the iframe are versioned objects sent to its exact origin and accepted only
 * from that origin and that window; the host's own onmessage is never replaced.
 */
(function () {
  "use strict";
  var started = window.performance && performance.now();
  var VERSION = 1;
  var script = document.currentScript ||
    document.querySelector("script[data-organization-id][src*='embed.js']");
  if (!script || (window.Parley && window.Parley.loaded)) return;
  var org = script.getAttribute("data-organization-id") || "";
  var project = script.getAttribute("data-project-id");
  var projectQuery = project ? "projectId=" + encodeURIComponent(project) : "";
  var left = script.getAttribute("data-position") === "left";
  var origin = new URL(script.src, location.href).origin;
  var queue = (window.Parley && window.Parley.q) || [];
  var root, button, panel, frame, badge, bubble, open = false, ready = false;
  // Replies the visitor has not seen (from the widget), the newest one's preview, whether
  // the organization shows previews, and the host's listeners.
  var unread = 0, preview = null, showPreview = true, unreadListeners = [];
  var ENGAGED_KEY = "parley:engaged:" + org;
  // Identity from Parley('identify'): kept in memory only, handed to the widget by
  // postMessage (never in the iframe URL).
  var identity = null;

  var CHAT_ICON = '<svg width="26" height="26" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>';
  var CLOSE_ICON = '<svg width="24" height="24" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M18 6 6 18M6 6l12 12"/></svg>';
  var side = left ? "left" : "right";
  var CSS =
    "#parley-launcher{position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;background:#2563eb;color:#fff;box-shadow:0 6px 20px rgba(0,0,0,.2);cursor:pointer;display:flex;align-items:center;justify-content:center;padding:0}" +
    "#parley-launcher:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}" +
    "#parley-panel{position:fixed;bottom:88px;" + side + ":20px;z-index:2147483000;width:380px;height:600px;max-height:calc(100vh - 108px);border-radius:14px;overflow:hidden;box-shadow:0 12px 40px rgba(0,0,0,.25);background:#fff;display:none}" +
    "#parley-panel.parley-open{display:block}" +
    "#parley-badge{position:absolute;top:-4px;" + (left ? "left" : "right") + ":-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;background:#dc2626;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center}" +
    "#parley-preview{position:fixed;bottom:88px;" + side + ":20px;z-index:2147483000;max-width:280px;padding:10px 14px;border:0;border-radius:12px;background:#fff;color:#111827;box-shadow:0 6px 24px rgba(0,0,0,.18);font:14px/1.4 system-ui,sans-serif;text-align:left;cursor:pointer}" +
    "#parley-preview strong{display:block;font-size:12px;color:#374151}" +
    "#parley-panel iframe{width:100%;height:100%;border:0;display:block}" +
    "@media (max-width:480px){#parley-panel{top:0;left:0;right:0;bottom:0;width:100%;height:100%;max-height:none;border-radius:0}" +
    "#parley-root.parley-is-open #parley-launcher{display:none}}";

  function post(type, extra) {
    if (!frame || !frame.contentWindow) return;
    var message = { source: "parley-host", version: VERSION, type: type };
    for (var k in extra || {}) message[k] = extra[k];
    frame.contentWindow.postMessage(message, origin);
  }

  function onMessage(event) {
    if (!frame || event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.source !== "parley-widget" || data.version !== VERSION) return;
    if (data.type === "ready") {
      ready = true;
      post("context", { pageUrl: location.href, referrer: document.referrer });
      if (identity) post("identify", { identity: identity });
      if (open) post("opened");
    } else if (data.type === "close") {
      setOpen(false);
    } else if (data.type === "unread" && typeof data.count === "number") {
      var changed = data.count !== unread;
      unread = data.count;
      preview = data.preview && typeof data.preview.text === "string" ? data.preview : null;
      showBadge();
      if (changed) notifyUnread();
    } else if (data.type === "engaged") {
      try {
        if (data.engaged) localStorage.setItem(ENGAGED_KEY, "1");
        else localStorage.removeItem(ENGAGED_KEY);
      } catch (e) {}
    }
  }

  // The badge and the preview show while the widget is closed (text only: never HTML).
  function showBadge() {
    if (!button) return;
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.style.display = unread > 0 && !open ? "" : "none";
    var label = open ? "Close support chat" : "Open support chat";
    if (unread > 0 && !open) label += " (" + unread + " unread)";
    button.setAttribute("aria-label", label);
    var shown = unread > 0 && !open && showPreview && preview;
    bubble.style.display = shown ? "" : "none";
    if (shown) {
      bubble.textContent = "";
      var who = document.createElement("strong");
      who.textContent = preview.author || "";
      bubble.appendChild(who);
      bubble.appendChild(document.createTextNode(preview.text));
    }
  }

  function notifyUnread() {
    for (var i = 0; i < unreadListeners.length; i++) {
      try { unreadListeners[i](unread); } catch (e) { if (window.console) console.error(e); }
    }
  }

  function ensureFrame() {
    if (frame) return;
    frame = document.createElement("iframe");
    frame.title = "Support chat";
    // No credential here: the session lives in the widget's own storage.
    frame.src = origin + "/widget?organizationId=" + encodeURIComponent(org) +
      (projectQuery ? "&" + projectQuery : "") +
      "&hostOrigin=" + encodeURIComponent(location.origin) +
      // Only a flag: the widget waits for the identity message before showing its form.
      (identity ? "&identified=1" : "");
    panel.appendChild(frame);
  }

  function setOpen(value) {
    if (!root) return;
    open = value;
    if (open) ensureFrame();
    panel.className = open ? "parley-open" : "";
    root.className = open ? "parley-is-open" : "";
    button.innerHTML = open ? CLOSE_ICON : CHAT_ICON;
    button.setAttribute("aria-expanded", String(open));
    button.appendChild(badge);
    showBadge();
    if (ready) post(open ? "opened" : "closed");
  }

  function mount() {
    root = document.createElement("div");
    root.id = "parley-root";
    var style = document.createElement("style");
    style.textContent = CSS;
    button = document.createElement("button");
    button.id = "parley-launcher";
    button.type = "button";
    button.addEventListener("click", function () {
      if (!open && !frame && window.performance && performance.mark) performance.mark("parley:launcher-click");
      setOpen(!open);
    });
    panel = document.createElement("div");
    panel.id = "parley-panel";
    badge = document.createElement("span");
    badge.id = "parley-badge";
    badge.setAttribute("aria-hidden", "true");
    bubble = document.createElement("button");
    bubble.id = "parley-preview";
    bubble.type = "button";
    bubble.addEventListener("click", function () { setOpen(true); });
    root.appendChild(style);
    root.appendChild(panel);
    root.appendChild(bubble);
    root.appendChild(button);
    document.body.appendChild(root);
    window.addEventListener("message", onMessage);
    setOpen(false);
  }

  function destroy() {
    if (!root) return;
    window.removeEventListener("message", onMessage);
    root.parentNode.removeChild(root);
    root = button = panel = frame = badge = bubble = null;
    open = ready = false;
  }

  var commands = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    toggle: function () { setOpen(!open); },
    destroy: destroy,
    onUnreadCountChange: function (fn) {
      if (typeof fn !== "function") return;
      unreadListeners.push(fn);
      try { fn(unread); } catch (e) { if (window.console) console.error(e); }
    },
    identify: function (data) {
      if (!data || typeof data !== "object") return;
      identity = {};
      ["userId", "userHash", "email", "name", "token"].forEach(function (k) {
        if (typeof data[k] === "string") identity[k] = data[k];
      });
      if (ready) post("identify", { identity: identity });
    }
  };

  function Parley(command, argument) {
    var run = commands[command];
    if (run) run(argument);
    else if (window.console) console.warn("Parley: unknown command", command);
  }
  Parley.loaded = true;
  window.Parley = Parley;

  // The organization's public settings: launcher color, and the sites allowed to embed it
  // (the widget page itself refuses other sites with frame-ancestors; this just keeps the
  // launcher off them too).
  function configure() {
    if (!window.fetch) return;
    fetch(origin + "/api/widget/organizations/" + encodeURIComponent(org) + (projectQuery ? "?" + projectQuery : ""),
      { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (config) {
        if (!config || !button) return;
        var allowed = config.allowedOrigins || [];
        if (allowed.length && allowed.indexOf(location.origin) < 0) {
          if (window.console) console.warn("Parley: this site is not allowed to embed the widget");
          destroy();
          return;
        }
        if (/^#[0-9a-f]{6}$/i.test(config.accentColor || "")) button.style.background = config.accentColor;
        showPreview = config.unreadPreview !== false;
        showBadge();
      })
      .catch(function () {});
  }

  // A visitor who has chatted: load the widget hidden once the page is idle, so replies
  // reach the launcher's badge on this page too.
  function preload() {
    var engaged = false;
    try { engaged = localStorage.getItem(ENGAGED_KEY) === "1"; } catch (e) {}
    if (!engaged) return;
    var load = function () { if (root) ensureFrame(); };
    if (window.requestIdleCallback) requestIdleCallback(load, { timeout: 3000 });
    else setTimeout(load, 1000);
  }

  function start() {
    var begin = window.performance && performance.now();
    mount();
    configure();
    for (var i = 0; i < queue.length; i++) Parley.apply(null, queue[i]);
    preload();
    measure("parley:embed-start", begin);
  }
  // User Timing entries of this script's own main-thread work (`cargo xtask bench`).
  function measure(name, from) {
    if (from === undefined || !performance.measure) return;
    try { performance.measure(name, { start: from, end: performance.now() }); } catch (e) {}
  }
  measure("parley:embed-eval", started);
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
