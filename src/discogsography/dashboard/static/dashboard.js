// The dashboard page: polls /api/state and redraws. Text only goes in through textContent.
"use strict";

let updates = 0;

function el(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children || []) {
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function count(value) {
  return value === null || value === undefined ? "–" : Number(value).toLocaleString("en-US");
}

function rate(value, unit) {
  if (value === null || value === undefined) return "–";
  const digits = Math.abs(value) >= 100 ? 0 : 1;
  const shown = value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return (value > 0 ? "+" : "") + shown + " " + unit + "/s";
}

function badge(text, key) {
  return el("span", { class: "badge " + String(text), "data-key": key }, [text]);
}

function cell(text, key, classes) {
  return el("td", { "data-key": key, class: classes }, [text]);
}

function bytes(value) {
  if (value === null || value === undefined) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let size = value, unit = 0;
  while (size >= 1000 && unit < units.length - 1) { size /= 1000; unit += 1; }
  return (unit === 0 ? String(size) : size.toFixed(1)) + " " + units[unit];
}

function show(id, text) {
  const node = document.getElementById(id);
  node.textContent = text || "";
  node.hidden = !text;
}

function renderServices(services) {
  const cards = services.map((service) => {
    const key = "service." + service.name;
    const rows = [];
    const add = (label, value, name) => {
      rows.push(el("dt", {}, [label]), el("dd", { "data-key": key + "." + name }, [value]));
    };
    add("url", service.url, "url");
    if (!service.up) add("reason", service.reason || "no answer", "reason");
    if (service.http_status !== null) add("HTTP", String(service.http_status), "http_status");
    if (service.broker_node) add("RabbitMQ node", service.broker_node, "broker_node");
    for (const [name, value] of Object.entries(service.details)) {
      add(name.replaceAll("_", " "), value === null ? "–" : String(value), name);
    }
    add("metrics", service.metrics ? "served" : "not served", "metrics");
    for (const [error, total] of Object.entries(service.errors_by_kind)) {
      add("errors: " + error, count(total), "errors_total." + error);
    }
    return el("div", { class: "card", "data-service": service.name }, [
      el("h3", {}, [service.name, badge(service.status, key + ".status")]),
      el("dl", {}, rows),
    ]);
  });
  document.getElementById("services").replaceChildren(...cards);
}

function renderQueues(queues) {
  document.getElementById("queue-prefix").textContent = queues.prefix ? "prefix " + queues.prefix : "";
  show("queue-error", queues.error ? "broker: " + queues.error : "");
  const rows = queues.rows.map((queue) => {
    const key = "queue." + queue.name;
    const dlq = queue.role !== "queue";
    const messages = queue.exists ? count(queue.messages) : "not declared";
    return el("tr", { class: dlq ? "dlq" : "" }, [
      cell(queue.name + (dlq ? " (dead letters)" : ""), key + ".name"),
      cell(messages, key + ".messages", "num" + (dlq && queue.messages ? " has-messages" : "")),
      cell(rate(queue.messages_rate, "msg"), key + ".messages_rate", "num"),
      cell(count(queue.consumers), key + ".consumers", "num"),
      cell(dlq ? "" : count(queue.published), key + ".published", "num"),
      cell(dlq ? "" : rate(queue.in_rate, "rec"), key + ".in_rate", "num"),
      cell(dlq ? "" : count(queue.stored), key + ".stored", "num"),
      cell(dlq ? "" : rate(queue.out_rate, "rec"), key + ".out_rate", "num"),
    ]);
  });
  document.getElementById("queues").replaceChildren(...rows);
}

function renderFiles(files) {
  document.getElementById("files-source").textContent =
    files.source ? "from the " + files.source + (files.path ? " " + files.path : "") : "no state marker yet";
  const summary = [];
  if (files.version) summary.push("version " + files.version);
  if (files.overall_status) summary.push("overall " + files.overall_status);
  if (files.current_file) summary.push("current file " + files.current_file);
  document.getElementById("files-summary").textContent = summary.join(" · ");
  show("files-error", files.error);
  const rows = files.rows.map((file) => {
    const key = "file." + file.file;
    return el("tr", {}, [
      cell(file.file, key + ".file"),
      el("td", {}, [badge(file.download_status || "–", key + ".download_status")]),
      cell(bytes(file.bytes_downloaded), key + ".bytes_downloaded", "num"),
      el("td", {}, [badge(file.status || "–", key + ".status")]),
      cell(file.mode || "–", key + ".mode"),
      cell(count(file.records_extracted), key + ".records_extracted", "num"),
      cell(count(file.messages_published), key + ".messages_published", "num"),
      cell(count(file.records_skipped), key + ".records_skipped", "num"),
      cell(file.completion_sent ? "yes" : "no", key + ".completion_sent"),
    ]);
  });
  document.getElementById("files").replaceChildren(...rows);
}

function renderTables(tables) {
  document.getElementById("tables-database").textContent = tables.database;
  show("tables-error", tables.error ? "PostgreSQL: " + tables.error : "");
  const rows = tables.rows.map((table) => {
    const key = "table." + table.table;
    return el("tr", {}, [
      cell(table.table, key + ".table"),
      cell(count(table.rows), key + ".rows", "num"),
      cell(rate(table.rows_rate, "rows"), key + ".rows_rate", "num"),
      cell(count(table.estimate), key + ".estimate", "num"),
    ]);
  });
  document.getElementById("tables").replaceChildren(...rows);
}

function renderErrors(errors) {
  document.querySelector('[data-key="errors.count"]').textContent = String(errors.length);
  const rows = errors.map((error, index) => el("tr", { "data-key": "errors." + index }, [
    el("td", {}, [error.timestamp || "now"]),
    el("td", {}, [error.service]),
    el("td", {}, [error.level || ""]),
    el("td", {}, [error.event || ""]),
    el("td", { class: "error-text" }, [error.error || ""]),
  ]));
  if (!rows.length) rows.push(el("tr", {}, [el("td", { colspan: "5", class: "muted" }, ["none"])]));
  document.getElementById("errors").replaceChildren(...rows);
}

function setLink(text) {
  const link = document.getElementById("link");
  link.textContent = text;
  link.className = "badge " + text;
}

async function refresh() {
  let state;
  try {
    const response = await fetch("/api/state", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    state = await response.json();
  } catch (error) {
    setLink("lost");
    setTimeout(refresh, 2000);
    return;
  }
  renderServices(state.services);
  renderQueues(state.queues);
  renderFiles(state.files);
  renderTables(state.tables);
  renderErrors(state.errors);
  updates += 1;
  const time = document.querySelector('[data-key="generated_at"]');
  time.setAttribute("datetime", state.generated_at);
  time.textContent = state.generated_at.slice(0, 19).replace("T", " ") + " UTC";
  document.querySelector('[data-key="updates"]').textContent = String(updates);
  setLink("live");
  setTimeout(refresh, Math.max(500, state.interval_seconds * 1000));
}

refresh();
