/* Hotline workbench pages: live SLA countdowns and the keyboard-first intake screen.
 * Everything here is an enhancement: the server renders the countdown text and the forms post
 * without JavaScript. */
(function () {
  "use strict";

  // --- countdowns: elements with data-deadline (ISO 8601) ---------------------------------
  function formats() {
    var el = document.getElementById("yw-countdown-fmt");
    return el ? el.dataset : null;
  }

  function renderCountdowns() {
    var f = formats();
    if (!f) return;
    var now = Date.now();
    document.querySelectorAll(".yw-countdown[data-deadline]").forEach(function (el) {
      var at = Date.parse(el.dataset.deadline);
      if (isNaN(at)) return;
      var s = Math.floor((at - now) / 1000);
      var over = s < 0;
      s = Math.abs(s);
      var span = f.span
        .replace("{d}", Math.floor(s / 86400))
        .replace("{h}", Math.floor((s % 86400) / 3600))
        .replace("{m}", Math.floor((s % 3600) / 60));
      el.textContent = (over ? f.over : f.left).replace("{span}", span);
      if (over) el.classList.add("text-danger", "fw-semibold");
    });
  }

  // --- intake screen -------------------------------------------------------------------------
  function setupIntake(form) {
    var hidden = document.getElementById("id_dispatch_unit_id");
    var label = document.getElementById("confirmed-unit");
    var kind = form.querySelector("[name=requester_kind]");
    var enterprise = document.getElementById("enterprise-fields");
    var emergency = form.querySelector("[name=emergency]");
    var transfer = document.getElementById("transfer-field");

    function toggle() {
      if (kind && enterprise) enterprise.hidden = kind.value !== "enterprise";
      if (emergency && transfer) transfer.hidden = !emergency.checked;
    }

    function mark() {
      var chosen = hidden ? hidden.value : "";
      document.querySelectorAll(".yw-suggestion").forEach(function (b) {
        var on = chosen !== "" && b.dataset.unitId === chosen;
        b.classList.toggle("active", on);
        b.setAttribute("aria-pressed", on ? "true" : "false");
        if (on && label) label.textContent = "✓ " + b.dataset.unitName;
      });
      if (label && !chosen) label.textContent = "";
    }

    function confirmUnit(button) {
      if (!hidden) return;
      hidden.value = hidden.value === button.dataset.unitId ? "" : button.dataset.unitId;
      mark();
    }

    document.addEventListener("click", function (e) {
      var b = e.target.closest(".yw-suggestion");
      if (b) {
        e.preventDefault();
        confirmUnit(b);
      }
    });
    document.addEventListener("keydown", function (e) {
      var submit = (e.altKey && e.code === "KeyS") || (e.ctrlKey && e.key === "Enter");
      if (submit) {
        e.preventDefault();
        if (form.requestSubmit) form.requestSubmit();
        else form.submit();
        return;
      }
      if (e.altKey && e.code === "Digit1") {
        e.preventDefault();
        var top = document.querySelector(".yw-suggestion");
        if (top) confirmUnit(top);
      }
    });
    if (kind) kind.addEventListener("change", toggle);
    if (emergency) emergency.addEventListener("change", toggle);
    document.body.addEventListener("htmx:afterSwap", mark);
    toggle();
    mark();
  }

  function init() {
    renderCountdowns();
    setInterval(renderCountdowns, 30000);
    document.body.addEventListener("htmx:afterSwap", renderCountdowns);
    var form = document.getElementById("intake-form");
    if (form) setupIntake(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
