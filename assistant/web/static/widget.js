/*
 * Programme assistant chat widget.
 *
 * Embed on any page:
 *   <script src="https://HOST/widget.js" data-programme="PROGRAMME-ID"
 *           data-title="Ask about this programme" defer></script>
 *
 * Optional attributes: data-color="#1d5fa8" (accent colour), data-open="true" (open at load),
 * data-timeout="20" (seconds without any answer before the widget gives up and offers a retry).
 * The widget talks to the server the script came from (POST /api/chat/stream); that server must
 * list the page's origin in ASSISTANT_CORS_ORIGINS. The conversation lives in sessionStorage, so
 * it survives a reload in the same tab and nowhere else. Answers render a small Markdown subset
 * (paragraphs, line breaks, lists, bold, http(s) links) built node by node: text from answers
 * and documents is only ever set with textContent, never parsed as HTML. No external resources
 * are loaded.
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
  var timeoutAttr = parseFloat(script.getAttribute("data-timeout") || "");
  var TIMEOUT_MS = (timeoutAttr > 0 ? timeoutAttr : 20) * 1000;

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
    "  max-width: calc(100vw - 32px); max-height: calc(100vh - 48px); max-height: calc(100dvh - 48px); display: flex; flex-direction: column;",
    "  background: #fff; border-radius: 16px; overflow: hidden; box-shadow: 0 12px 48px rgba(16, 24, 40, .3); }",
    ".panel[hidden], .launcher[hidden] { display: none; }",
    "header { display: flex; align-items: center; gap: 8px; padding: 14px 16px; background: var(--accent); color: #fff; }",
    "header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 650; }",
    "header button { border: 0; background: transparent; color: #fff; font: inherit; cursor: pointer; border-radius: 8px; padding: 4px 8px; min-height: 44px; min-width: 44px; }",
    "header button:hover { background: rgba(255, 255, 255, .18); }",
    ".close { font-size: 22px; line-height: 1; }",
    ".log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 12px; background: #f6f8fb; }",
    ".msg { max-width: 88%; padding: 10px 14px; border-radius: 14px; overflow-wrap: anywhere; }",
    ".user .text { white-space: pre-wrap; }",
    ".text p { margin: 0 0 8px; } .text p:last-child { margin-bottom: 0; }",
    ".text ul, .text ol { margin: 4px 0 8px; padding-left: 20px; } .text li { margin: 2px 0; }",
    ".text a { color: var(--accent); text-decoration: underline; }",
    ".actions { display: flex; gap: 8px; margin-top: 8px; }",
    ".actions button, .comment button { border: 1px solid currentColor; background: #fff; color: #1c2430; border-radius: 8px; min-height: 36px; padding: 0 12px; font: inherit; cursor: pointer; }",
    ".comment { display: flex; flex-direction: column; gap: 6px; margin-top: 8px; }",
    ".comment textarea { height: 60px; }",
    ".comment .row { display: flex; gap: 8px; }",
    ".user { align-self: flex-end; background: var(--accent); color: #fff; border-bottom-right-radius: 4px; }",
    ".assistant { align-self: flex-start; background: #fff; border: 1px solid #e1e6ee; border-bottom-left-radius: 4px; }",
    ".error { border-color: #e8b4b4; background: #fff5f5; color: #8a1c1c; }",
    ".typing::after { content: '\u2026'; animation: blink 1s steps(2) infinite; }",
    "@keyframes blink { 50% { opacity: 0; } }",
    ".sources { margin-top: 10px; padding-top: 8px; border-top: 1px solid #e1e6ee; white-space: normal; }",
    ".sources h3 { margin: 0 0 6px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #4a5565; }",
    ".sources ol { margin: 0; padding-left: 18px; }",
    ".sources li { margin: 0 0 8px; }",
    ".sources a { color: var(--accent); font-weight: 600; text-decoration: underline; }",
    ".sources .heading { color: #4a5565; font-size: 14px; }",
    ".sources blockquote { margin: 4px 0 0; padding: 4px 8px; border-left: 3px solid var(--accent); background: #f3f6fa;",
    "  color: #333d4a; font-size: 14px; white-space: pre-wrap; }",
    ".rate { display: flex; align-items: center; gap: 6px; margin-top: 8px; font-size: 14px; color: #4a5565; }",
    ".rate button { border: 1px solid #8a94a6; background: #fff; color: #1c2430; border-radius: 8px; min-height: 36px; min-width: 44px; padding: 2px 10px; cursor: pointer; font: inherit; }",
    ".rate button[aria-pressed='true'] { background: var(--accent); border-color: var(--accent); color: #fff; }",
    ".rate { flex-wrap: wrap; } .rate-error { flex-basis: 100%; color: #8a1c1c; }",
    "form { display: flex; gap: 8px; padding: 12px; border-top: 1px solid #e1e6ee; background: #fff; }",
    "textarea { flex: 1; resize: none; height: 44px; max-height: 120px; padding: 10px 12px; border: 1px solid #c9d1dd; border-radius: 10px;",
    "  font: inherit; color: inherit; }",
    "textarea:focus { outline: 2px solid var(--accent); outline-offset: 0; border-color: transparent; }",
    ".send, .cancel { border: 0; border-radius: 10px; padding: 0 16px; min-height: 44px; background: var(--accent); color: #fff; font: inherit; font-weight: 600; cursor: pointer; }",
    ".cancel { background: #fff; color: #8a1c1c; border: 1px solid #8a1c1c; }",
    ".send[hidden], .cancel[hidden] { display: none; }",
    ".sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
    ".note { padding: 0 16px 10px; font-size: 13px; color: #4a5565; background: #fff; }",
    "@media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; max-height: 100vh; max-width: 100vw; border-radius: 0; }",
    "  @supports (height: 100dvh) { .panel { height: 100dvh; max-height: 100dvh; } } }"
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
  var cancel = el("button", { type: "button", class: "cancel" }, "Cancel");
  cancel.hidden = true;
  form.append(label, input, send, cancel);
  var note = el("div", { class: "note" }, "Answers quote the programme's official documents. Check the linked source.");

  panel.append(header, log, form, note);
  root.append(launcher, panel);
  shadow.appendChild(root);

  // ------------------------------------------------------------------ rendering (textContent only)

  var INLINE = /\*\*([^*\n]+)\*\*|\[([^\]\n]+)\]\(([^()\s]+)\)/g;
  var BULLET = /^\s*[-*\u2022]\s+(.*)$/;
  var NUMBERED = /^\s*\d{1,3}[.)]\s+(.*)$/;

  // **bold** and [text](http(s) link); everything else, HTML included, stays text.
  function appendInline(parent, text) {
    var last = 0;
    var match;
    INLINE.lastIndex = 0;
    while ((match = INLINE.exec(text)) !== null) {
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (match[1] !== undefined) {
        parent.appendChild(el("strong", null, match[1]));
      } else {
        var href = safeHref(match[3]);
        parent.appendChild(href
          ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, match[2])
          : document.createTextNode(match[0]));
      }
      last = INLINE.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // Paragraphs (a single line break stays a line break), "- " and "1. " lists.
  function renderMarkdown(container, text) {
    container.textContent = "";
    var list = null;
    var paragraph = null;
    String(text || "").split(/\r?\n/).forEach(function (line) {
      var bullet = BULLET.exec(line);
      var numbered = bullet ? null : NUMBERED.exec(line);
      if (bullet || numbered) {
        var tag = bullet ? "ul" : "ol";
        if (!list || list.tagName.toLowerCase() !== tag) {
          list = el(tag);
          container.appendChild(list);
        }
        var item = el("li");
        appendInline(item, (bullet || numbered)[1]);
        list.appendChild(item);
        paragraph = null;
      } else if (!line.trim()) {
        list = null;
        paragraph = null;
      } else {
        list = null;
        if (paragraph) paragraph.appendChild(el("br"));
        else {
          paragraph = el("p");
          container.appendChild(paragraph);
        }
        appendInline(paragraph, line);
      }
    });
  }

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
    var comment = null;
    [["up", "Yes", "Helpful"], ["down", "No", "Not helpful"]].forEach(function (option) {
      var button = el("button", { type: "button", "aria-label": option[2], "aria-pressed": String(message.rating === option[0]) }, option[1]);
      button.addEventListener("click", function () {
        if (message.rating === option[0]) return;
        message.rating = option[0];
        saveState();
        Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) {
          b.setAttribute("aria-pressed", String(b === button));
        });
        if (comment) {
          comment.remove();
          comment = null;
        }
        // The vote is stored at the click; after a thumbs down, a comment may follow.
        var stored = sendFeedback(message, option[0], group);
        if (option[0] === "down") comment = renderComment(container, stored, group);
      });
      group.appendChild(button);
    });
    container.appendChild(group);
  }

  // A thumbs down (already stored) asks what was wrong; the comment is added to the stored vote.
  function renderComment(container, stored, group) {
    var box = el("div", { class: "comment" });
    var id = "pa-comment-" + Math.random().toString(36).slice(2);
    var prompt = el("label", { for: id }, "What was wrong? (optional)");
    var text = el("textarea", { id: id, maxlength: "2000", rows: "2" });
    var row = el("div", { class: "row" });
    var submit = el("button", { type: "button" }, "Send comment");
    row.appendChild(submit);
    box.append(prompt, text, row);
    submit.addEventListener("click", async function () {
      submit.disabled = true;
      var vote = await stored;
      if (vote && (await sendComment(vote, text.value.trim(), group))) {
        box.replaceWith(el("p", { class: "thanks", role: "status" }, "Thank you for the feedback."));
      } else if (!vote) {
        box.remove();
      } else {
        submit.disabled = false;
      }
    });
    container.appendChild(box);
    text.focus();
    return box;
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
    var body = el("div", { class: "text" });
    if (role === "assistant") renderMarkdown(body, text);
    else body.textContent = text;
    node.appendChild(body);
    log.appendChild(node);
    return { node: node, body: body };
  }

  function renderRetry(container, question) {
    var actions = el("div", { class: "actions" });
    var retry = el("button", { type: "button", class: "retry" }, "Retry");
    retry.addEventListener("click", function () { retryQuestion(question); });
    actions.appendChild(retry);
    container.appendChild(actions);
  }

  function renderMessage(message, index) {
    var view = bubble(message.role, message.content);
    if (message.error) {
      view.node.classList.add("error");
      var asked = state.messages[index - 1];
      var last = index === state.messages.length - 1;
      if (last && asked && asked.role === "user") renderRetry(view.node, asked.content);
    }
    if (message.role === "assistant" && !message.error) {
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

  function newConversationId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID().replace(/-/g, "");
    }
    return (Date.now().toString(36) + Math.random().toString(36).slice(2)).slice(0, 32);
  }

  if (!state.conversationId) state.conversationId = newConversationId();

  // Earlier questions and answers, without a failed question and its error.
  function history() {
    var kept = [];
    state.messages.forEach(function (m, i) {
      var next = state.messages[i + 1];
      if (m.error || !m.content) return;
      if (m.role === "user" && next && next.error) return;
      kept.push({ role: m.role, content: m.content });
    });
    return kept.slice(-HISTORY_SENT);
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

  var current = null; // the request in flight: { controller, reason }
  var generation = 0; // bumped by "New chat": an older request's answer is dropped

  var TIMED_OUT = "No answer after " + Math.round(TIMEOUT_MS / 1000) +
    " seconds: the assistant is busy or unreachable. Your question is back in the box: press Retry or Send to try again.";
  var CANCELLED = "Cancelled. Your question is back in the box: press Retry or Send to ask it again.";

  async function ask(question) {
    var mine = generation;
    var past = history();
    var userMessage = { role: "user", content: question };
    state.messages.push(userMessage);
    saveState();
    var asked = renderMessage(userMessage, state.messages.length - 1);

    var answer = { role: "assistant", content: "", citations: [], question: question, programme: programme };
    var view = bubble("assistant", "");
    view.body.classList.add("typing");
    view.node.setAttribute("aria-busy", "true");
    log.scrollTop = log.scrollHeight;

    var request = { controller: new AbortController(), reason: null };
    current = request;
    var timer = null;
    function arm() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        request.reason = "timeout";
        request.controller.abort();
      }, TIMEOUT_MS);
    }

    function fail(text) {
      answer.content = text;
      answer.error = true;
      delete answer.question;
      view.body.textContent = text;
      view.node.classList.add("error");
    }

    try {
      arm();
      var response = await fetch(new URL("api/chat/stream", apiBase).href, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ message: question, history: past, programme: programme }),
        signal: request.controller.signal
      });
      if (!response.ok || !response.body) {
        fail(await readError(response));
      } else {
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        var finished = false;
        while (!finished) {
          arm(); // the time limit is for silence: a long answer that keeps coming is not cut
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
              renderMarkdown(view.body, answer.content);
            } else if (item.event === "answer") {
              answer.content = String(item.data.text || "");
              answer.citations = Array.isArray(item.data.citations) ? item.data.citations : [];
              answer.programme = item.data.programme || programme;
              renderMarkdown(view.body, answer.content);
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
      if (request.reason === "timeout") fail(TIMED_OUT);
      else if (request.reason === "cancel") fail(CANCELLED);
      else if (request.reason !== "reset") fail("The assistant cannot be reached right now. Please try again later.");
    }
    clearTimeout(timer);
    if (current === request) current = null;
    if (mine !== generation) return; // "New chat" was pressed meanwhile: this answer is gone
    view.body.classList.remove("typing");
    view.node.removeAttribute("aria-busy");
    state.messages.push(answer);
    saveState();
    if (answer.error) {
      if (!input.value.trim()) input.value = question; // the question is not lost
      renderRetry(view.node, question);
    } else {
      renderSources(view.node, answer.citations);
      renderRating(view.node, answer);
    }
    // Show the question at the top, so the answer is read from its start.
    log.scrollTop = asked.node.offsetTop - log.offsetTop - 12;
  }

  // Resolves to the stored vote ({id, key}) or null; when it was not stored, the rating says so
  // and is undone.
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
          comment: "",
          question: message.question || "",
          answer: message.content || "",
          sources: (message.citations || []).map(function (c) { return String(c.source || ""); }),
          programme: message.programme || programme,
          conversation_id: state.conversationId
        })
      });
      if (response.ok) return await response.json();
      showVoteError(group, message, await readError(response));
    } catch (e) {
      showVoteError(group, message, "The assistant cannot be reached right now.");
    }
    return null;
  }

  // Resolves to whether the comment was added to the stored vote (the vote itself stays).
  async function sendComment(vote, comment, group) {
    var old = group.querySelector(".rate-error");
    if (old) old.remove();
    var problem;
    try {
      var response = await fetch(new URL("api/feedback/" + vote.id, apiBase).href, {
        method: "PATCH",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ key: vote.key, comment: comment })
      });
      if (response.ok) return true;
      problem = await readError(response);
    } catch (e) {
      problem = "The assistant cannot be reached right now.";
    }
    var note = el("span", { class: "rate-error", role: "alert" });
    note.textContent = "Your comment was not sent (your vote is saved). " + problem;
    group.appendChild(note);
    return false;
  }

  // ------------------------------------------------------------------ behaviour

  var busy = false;

  function setBusy(value) {
    busy = value;
    send.hidden = value;
    cancel.hidden = !value;
  }

  async function submitQuestion(question) {
    if (!question || busy) return;
    var mine = generation;
    setBusy(true);
    if (input.value.trim() === question) input.value = "";
    try {
      await ask(question);
    } finally {
      if (mine === generation) {
        setBusy(false);
        input.focus();
      }
    }
  }

  // Ask a failed question again: the failed attempt leaves the conversation.
  function retryQuestion(question) {
    if (busy) return;
    var last = state.messages[state.messages.length - 1];
    var before = state.messages[state.messages.length - 2];
    if (last && last.error && before && before.role === "user" && before.content === question) {
      state.messages.splice(-2, 2);
      saveState();
      renderAll();
    }
    if (input.value.trim() === question) input.value = "";
    submitQuestion(question);
  }

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
  cancel.addEventListener("click", function () {
    if (current) {
      current.reason = "cancel";
      current.controller.abort();
    }
  });
  resetButton.addEventListener("click", function () {
    generation += 1;
    if (current) {
      current.reason = "reset";
      current.controller.abort();
      current = null;
    }
    setBusy(false);
    state.messages = [];
    state.conversationId = newConversationId();
    saveState();
    renderAll();
    input.value = "";
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
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    var last = state.messages[state.messages.length - 1];
    var before = state.messages[state.messages.length - 2];
    if (last && last.error && before && before.content === question) retryQuestion(question);
    else submitQuestion(question);
  });

  function mount() {
    document.body.appendChild(host);
    renderAll();
    setOpen(state.open || openAtLoad, false);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
