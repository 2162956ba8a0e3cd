/*
 * Programme assistant chat widget.
 *
 * Embed on any page:
 *   <script src="https://HOST/widget.js" data-programme="PROGRAMME-ID"
 *           data-title="Ask about this programme" defer></script>
 *
 * Optional attributes: data-color="#1d5fa8" (accent colour), data-open="true" (open at load).
 * The widget talks to the server the script came from (POST /api/chat/stream); that server must
 * list the page's origin in ASSISTANT_CORS_ORIGINS. The conversation lives in sessionStorage, so
 * it survives a reload in the same tab and nowhere else. Text from answers and documents is only
 * ever set with textContent. No external resources are loaded.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__programmeAssistantWidget) return;
  window.__programmeAssistantWidget = true;

  var apiBase = new URL(".", script.src);
  var programme = (script.getAttribute("data-programme") || "").trim() || null;
  var title = (script.getAttribute("data-title") || "").trim() || "Ask about this programme";
  var colorAttr = (script.getAttribute("data-color") || "").trim();
  var accent = /^#[0-9a-fA-F]{3,8}$/.test(colorAttr) ? colorAttr : "#1d5fa8";
  var openAtLoad = script.getAttribute("data-open") === "true";
  var storageKey = "programme-assistant:" + apiBase.href + ":" + (programme || "*");
  var HISTORY_SENT = 20;

  var CSS = [
    ":host { all: initial; }",
    "* { box-sizing: border-box; }",
    ".root { --accent: " + accent + "; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1c2430; }",
    ".launcher { position: fixed; right: 24px; bottom: 24px; z-index: 2147483000; display: flex; align-items: center; gap: 8px;",
    "  border: 0; border-radius: 999px; padding: 14px 20px; background: var(--accent); color: #fff; font: inherit; font-weight: 600;",
    "  box-shadow: 0 6px 24px rgba(16, 24, 40, .25); cursor: pointer; }",
    ".launcher:hover { filter: brightness(1.08); }",
    ".launcher svg { width: 20px; height: 20px; fill: currentColor; }",
    ":focus-visible { outline: 3px solid #f5b400; outline-offset: 2px; }",
    ".panel { position: fixed; right: 24px; bottom: 24px; z-index: 2147483001; width: 420px; height: 640px;",
    "  max-width: calc(100vw - 32px); max-height: calc(100vh - 48px); display: flex; flex-direction: column;",
    "  background: #fff; border-radius: 16px; overflow: hidden; box-shadow: 0 12px 48px rgba(16, 24, 40, .3); }",
    ".panel[hidden], .launcher[hidden] { display: none; }",
    "header { display: flex; align-items: center; gap: 8px; padding: 14px 16px; background: var(--accent); color: #fff; }",
    "header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 650; }",
    "header button { border: 0; background: transparent; color: #fff; font: inherit; cursor: pointer; border-radius: 8px; padding: 4px 8px; }",
    "header button:hover { background: rgba(255, 255, 255, .18); }",
    ".close { font-size: 22px; line-height: 1; }",
    ".log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 12px; background: #f6f8fb; }",
    ".msg { max-width: 88%; padding: 10px 14px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".user { align-self: flex-end; background: var(--accent); color: #fff; border-bottom-right-radius: 4px; }",
    ".assistant { align-self: flex-start; background: #fff; border: 1px solid #e1e6ee; border-bottom-left-radius: 4px; }",
    ".error { border-color: #e8b4b4; background: #fff5f5; color: #8a1c1c; }",
    ".typing::after { content: '\u2026'; animation: blink 1s steps(2) infinite; }",
    "@keyframes blink { 50% { opacity: 0; } }",
    ".sources { margin-top: 10px; padding-top: 8px; border-top: 1px solid #e1e6ee; white-space: normal; }",
    ".sources h3 { margin: 0 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #5a6474; }",
    ".sources ol { margin: 0; padding-left: 18px; }",
    ".sources li { margin: 0 0 8px; }",
    ".sources a { color: var(--accent); font-weight: 600; text-decoration: underline; }",
    ".sources .heading { color: #5a6474; font-size: 13px; }",
    ".sources blockquote { margin: 4px 0 0; padding: 4px 8px; border-left: 3px solid var(--accent); background: #f3f6fa;",
    "  color: #333d4a; font-size: 13px; white-space: pre-wrap; }",
    ".rate { display: flex; align-items: center; gap: 6px; margin-top: 8px; font-size: 13px; color: #5a6474; }",
    ".rate button { border: 1px solid #d5dbe5; background: #fff; border-radius: 8px; padding: 2px 8px; cursor: pointer; font: inherit; }",
    ".rate button[aria-pressed='true'] { background: var(--accent); border-color: var(--accent); color: #fff; }",
    ".rate { flex-wrap: wrap; } .rate-error { flex-basis: 100%; color: #8a1c1c; }",
    "form { display: flex; gap: 8px; padding: 12px; border-top: 1px solid #e1e6ee; background: #fff; }",
    "textarea { flex: 1; resize: none; height: 44px; max-height: 120px; padding: 10px 12px; border: 1px solid #c9d1dd; border-radius: 10px;",
    "  font: inherit; color: inherit; }",
    "textarea:focus { outline: 2px solid var(--accent); outline-offset: 0; border-color: transparent; }",
    ".send { border: 0; border-radius: 10px; padding: 0 16px; background: var(--accent); color: #fff; font: inherit; font-weight: 600; cursor: pointer; }",
    ".send:disabled { opacity: .55; cursor: default; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
    ".note { padding: 0 16px 10px; font-size: 12px; color: #5a6474; background: #fff; }",
    "@media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; max-height: 100vh; max-width: 100vw; border-radius: 0; } }"
  ].join("\n");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        node.setAttribute(name, attrs[name]);
      });
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeHref(url) {
    try {
      var parsed = new URL(String(url), apiBase);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ state (sessionStorage)

  function loadState() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(storageKey) || "null");
      if (saved && Array.isArray(saved.messages)) return saved;
    } catch (e) {
      /* storage unavailable or corrupted: start afresh */
    }
    return { messages: [], open: false };
  }

  var state = loadState();

  function saveState() {
    try {
      window.sessionStorage.setItem(storageKey, JSON.stringify(state));
    } catch (e) {
      /* private mode or full: the conversation just won't survive a reload */
    }
  }

  // ------------------------------------------------------------------ DOM

  var host = el("div", { id: "programme-assistant-widget" });
  var shadow = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.appendChild(el("style", null, CSS));
  }

  var root = el("div", { class: "root" });
  var launcher = el("button", {
    type: "button",
    class: "launcher",
    "aria-haspopup": "dialog",
    "aria-expanded": "false",
    "aria-controls": "pa-panel"
  });
  var SVG = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  var iconPath = document.createElementNS(SVG, "path");
  iconPath.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  icon.appendChild(iconPath);
  launcher.append(icon, el("span", null, title));

  var panel = el("section", { id: "pa-panel", class: "panel", role: "dialog", "aria-label": title });
  panel.hidden = true;
  var header = el("header");
  var heading = el("h2", { id: "pa-title" }, title);
  var resetButton = el("button", { type: "button", class: "reset", title: "Start a new conversation" }, "New chat");
  var closeButton = el("button", { type: "button", class: "close", "aria-label": "Close chat" }, "\u00d7");
  header.append(heading, resetButton, closeButton);

  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions text" });
  var form = el("form", { novalidate: "" });
  var inputId = "pa-input";
  var label = el("label", { for: inputId, class: "sr-only" }, "Your question");
  var input = el("textarea", { id: inputId, rows: "1", placeholder: "Ask a question\u2026", autocomplete: "off" });
  var send = el("button", { type: "submit", class: "send" }, "Send");
  form.append(label, input, send);
  var note = el("div", { class: "note" }, "Answers quote the programme's official documents. Check the linked source.");

  panel.append(header, log, form, note);
  root.append(launcher, panel);
  shadow.appendChild(root);

  // ------------------------------------------------------------------ rendering (textContent only)

  function renderSources(container, citations) {
    if (!Array.isArray(citations) || citations.length === 0) return;
    var box = el("div", { class: "sources" });
    box.appendChild(el("h3", null, "Sources"));
    var list = el("ol");
    citations.forEach(function (citation) {
      var item = el("li");
      var href = safeHref(citation.url);
      var name = citation.title || citation.source || "Document";
      var link = href
        ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, name)
        : el("strong", null, name);
      item.appendChild(link);
      var section = String(citation.heading || "").split(" > ").pop();
      if (section && section !== name) {
        item.appendChild(el("span", { class: "heading", title: String(citation.heading) }, " \u00b7 " + section));
      }
      if (citation.quote) item.appendChild(el("blockquote", null, citation.quote));
      list.appendChild(item);
    });
    box.appendChild(list);
    container.appendChild(box);
  }

  function renderRating(container, message) {
    if (!message.question) return;
    var group = el("div", { class: "rate", role: "group", "aria-label": "Was this answer helpful?" });
    var prompt = el("span", { "aria-hidden": "true" }, "Was this helpful?");
    group.appendChild(prompt);
    [["up", "Yes", "Helpful"], ["down", "No", "Not helpful"]].forEach(function (option) {
      var button = el("button", { type: "button", "aria-label": option[2], "aria-pressed": String(message.rating === option[0]) }, option[1]);
      button.addEventListener("click", function () {
        message.rating = option[0];
        saveState();
        Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) {
          b.setAttribute("aria-pressed", String(b === button));
        });
        sendFeedback(message, option[0], group);
      });
      group.appendChild(button);
    });
    container.appendChild(group);
  }

  function showVoteError(group, message, text) {
    message.rating = null;
    saveState();
    Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) {
      b.setAttribute("aria-pressed", "false");
    });
    var note = group.querySelector(".rate-error") || el("span", { class: "rate-error", role: "alert" });
    note.textContent = "Your vote was not saved. " + text;
    group.appendChild(note);
  }

  function bubble(role, text) {
    var node = el("div", { class: "msg " + role });
    var body = el("div", { class: "text" }, text);
    node.appendChild(body);
    log.appendChild(node);
    return { node: node, body: body };
  }

  function renderMessage(message) {
    var view = bubble(message.role, message.content);
    if (message.error) view.node.classList.add("error");
    if (message.role === "assistant") {
      renderSources(view.node, message.citations);
      renderRating(view.node, message);
    }
    return view;
  }

  function renderAll() {
    log.textContent = "";
    bubble("assistant", "Hello! Ask me about " + (programme ? "this programme" : "our programmes") +
      ": fees, admission, deadlines, courses.");
    state.messages.forEach(renderMessage);
    log.scrollTop = log.scrollHeight;
  }

  // ------------------------------------------------------------------ network

  function history() {
    return state.messages
      .filter(function (m) { return !m.error && m.content; })
      .slice(-HISTORY_SENT)
      .map(function (m) { return { role: m.role, content: m.content }; });
  }

  function parseEvent(block) {
    var event = "message";
    var data = [];
    block.split(/\r?\n/).forEach(function (line) {
      if (line.indexOf("event:") === 0) event = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
    });
    if (!data.length) return null;
    try {
      return { event: event, data: JSON.parse(data.join("\n")) };
    } catch (e) {
      return null;
    }
  }

  async function readError(response) {
    try {
      var body = await response.json();
      if (body && body.error && body.error.message) return String(body.error.message);
    } catch (e) {
      /* not JSON */
    }
    return "The assistant could not answer (HTTP " + response.status + "). Please try again.";
  }

  async function ask(question) {
    var past = history();
    var userMessage = { role: "user", content: question };
    state.messages.push(userMessage);
    saveState();
    var asked = renderMessage(userMessage);

    var answer = { role: "assistant", content: "", citations: [], question: question };
    var view = bubble("assistant", "");
    view.body.classList.add("typing");
    view.node.setAttribute("aria-busy", "true");
    log.scrollTop = log.scrollHeight;

    function fail(text) {
      answer.content = text;
      answer.error = true;
      delete answer.question;
      view.body.textContent = text;
      view.node.classList.add("error");
    }

    try {
      var response = await fetch(new URL("api/chat/stream", apiBase).href, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ message: question, history: past, programme: programme })
      });
      if (!response.ok || !response.body) {
        fail(await readError(response));
      } else {
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        var finished = false;
        while (!finished) {
          var chunk = await reader.read();
          if (chunk.done) break;
          buffer += decoder.decode(chunk.value, { stream: true });
          var blocks = buffer.split(/\r?\n\r?\n/);
          buffer = blocks.pop();
          for (var i = 0; i < blocks.length; i++) {
            var item = parseEvent(blocks[i]);
            if (!item) continue;
            if (item.event === "delta") {
              answer.content += item.data.text || "";
              view.body.textContent = answer.content;
            } else if (item.event === "answer") {
              answer.content = String(item.data.text || "");
              answer.citations = Array.isArray(item.data.citations) ? item.data.citations : [];
              view.body.textContent = answer.content;
            } else if (item.event === "error") {
              fail(String((item.data && item.data.message) || "The assistant could not answer."));
              finished = true;
            } else if (item.event === "done") {
              finished = true;
            }
            log.scrollTop = log.scrollHeight;
          }
        }
        if (!answer.content && !answer.error) fail("The answer was interrupted. Please try again.");
      }
    } catch (e) {
      fail("The assistant cannot be reached right now. Please try again later.");
    }
    view.body.classList.remove("typing");
    view.node.removeAttribute("aria-busy");
    if (!answer.error) {
      renderSources(view.node, answer.citations);
      renderRating(view.node, answer);
    }
    state.messages.push(answer);
    saveState();
    // Show the question at the top, so the answer is read from its start.
    log.scrollTop = asked.node.offsetTop - log.offsetTop - 12;
  }

  async function sendFeedback(message, rating, group) {
    var old = group.querySelector(".rate-error");
    if (old) old.remove();
    try {
      var response = await fetch(new URL("api/feedback", apiBase).href, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          rating: rating,
          question: message.question || "",
          answer: message.content || "",
          sources: (message.citations || []).map(function (c) { return String(c.source || ""); })
        })
      });
      if (!response.ok) showVoteError(group, message, await readError(response));
    } catch (e) {
      showVoteError(group, message, "The assistant cannot be reached right now.");
    }
  }

  // ------------------------------------------------------------------ behaviour

  var busy = false;

  function setOpen(open, focus) {
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    state.open = open;
    saveState();
    if (open) {
      log.scrollTop = log.scrollHeight;
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () { setOpen(true, true); });
  closeButton.addEventListener("click", function () { setOpen(false, true); });
  resetButton.addEventListener("click", function () {
    if (busy) return;
    state.messages = [];
    saveState();
    renderAll();
    input.focus();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setOpen(false, true);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (!question || busy) return;
    busy = true;
    send.disabled = true;
    input.value = "";
    try {
      await ask(question);
    } finally {
      busy = false;
      send.disabled = false;
      input.focus();
    }
  });

  function mount() {
    document.body.appendChild(host);
    renderAll();
    setOpen(state.open || openAtLoad, false);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
