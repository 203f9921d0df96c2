// Withdraw behaviour of the Sent page (E4, E3 and E2 renderings) and of the profile's Pending control.
// Like LinkedIn's React client it ignores synthetic clicks (el.click()) and keyboard activation of
// the withdraw control: only a real pointer click (trusted, detail > 0) opens the confirmation.
(() => {
  "use strict";
  const cfg = window.__SANDBOX__;
  const hook = (name) => "." + cfg.hooks[name];
  const main = document.querySelector("main");
  const list = document.querySelector(hook("list"));
  const toasts = document.querySelector(hook("toasts"));
  let count = cfg.count;
  let cursor = cfg.cursor;
  let hasMore = cfg.hasMore;
  let loading = false;

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    // A session that ended meanwhile: the action was answered with the sign-in wall, so go there.
    if (response.redirected) {
      location.href = response.url;
      throw new Error("signed out");
    }
    return response;
  }

  async function loadMore() {
    if (loading || !hasMore) return;
    loading = true;
    try {
      const response = await post(cfg.paginationUrl, { cursor });
      if (!response.ok) return;
      const html = await response.text();
      const next = response.headers.get("x-sandbox-cursor");
      hasMore = response.headers.get("x-sandbox-has-more") === "true";
      if (next) cursor = Number(next);
      list.insertAdjacentHTML("beforeend", html);
    } finally {
      loading = false;
      syncLoadMoreButton();
    }
    if (cfg.infiniteScroll) maybeLoad();
  }

  function nearBottom() {
    return main.scrollTop + main.clientHeight >= main.scrollHeight - 300;
  }

  function maybeLoad() {
    if (nearBottom()) loadMore();
  }

  function syncLoadMoreButton() {
    const button = document.querySelector(hook("load_more"));
    if (button) button.hidden = !hasMore;
  }

  function showToast(html) {
    toasts.innerHTML = html;
  }

  function rowOf(control) {
    return control.closest("[componentkey^='auto-component-'], li[data-componentkey]");
  }

  function keyOf(row) {
    return row.getAttribute("componentkey") || row.getAttribute("data-componentkey");
  }

  function removeRow(key) {
    for (const row of document.querySelectorAll(`[componentkey="${key}"], [data-componentkey="${key}"]`)) {
      if (!list.contains(row)) continue;
      const gap = row.nextElementSibling;
      if (gap && gap.matches(hook("row_gap"))) gap.remove();
      row.remove();
    }
  }

  // On a profile, Pending turns into the cooldown's Connect button (no custom-invite link).
  function showBlockedConnect(key) {
    const blocked = document.querySelector(hook("blocked_template"));
    for (const holder of document.querySelectorAll(`[componentkey="${key}"]`)) {
      holder.replaceWith(blocked.content.cloneNode(true));
    }
  }

  function close(dialog) {
    if (typeof dialog.close === "function") dialog.close();
    (dialog.closest("[data-sandbox-overlay]") || dialog).remove();
  }

  async function openDialog(row) {
    const key = keyOf(row);
    const response = await post(cfg.dialogUrl, { componentkey: key, surface: cfg.mode });
    if (!response.ok) return;
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    const dialog = holder.firstElementChild;
    // The server decides whom the dialog is about (normally the row's member).
    const named = dialog.querySelector("[componentkey^='auto-component-'], [data-componentkey]");
    const namedKey = named ? keyOf(named) : key;
    document.body.append(dialog);
    const modal = dialog.matches("dialog") ? dialog : dialog.querySelector("[role=alertdialog]");
    if (dialog.matches("dialog")) dialog.showModal();
    dialog.addEventListener("close", () => dialog.remove());
    modal.addEventListener("click", async (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.matches(hook("cancel")) || button.matches(hook("dismiss"))) {
        close(modal);
        return;
      }
      if (!button.matches(hook("confirm")) || !event.isTrusted) return;
      const result = await post(cfg.withdrawUrl, { componentkey: namedKey, count, surface: cfg.mode });
      const outcome = await result.json();
      if (outcome.status === "ignored") return; // the confirm-does-nothing fault
      close(modal);
      if (outcome.status === "withdrawn" && list) {
        count = outcome.count;
        removeRow(namedKey);
        for (const pill of document.querySelectorAll(hook("pill"))) pill.textContent = outcome.pill;
      } else if (outcome.status === "withdrawn") {
        showBlockedConnect(namedKey);
      }
      showToast(outcome.toast);
    });
  }

  document.addEventListener("click", (event) => {
    const control = event.target.closest(hook("withdraw"));
    if (control && (!list || list.contains(control))) {
      event.preventDefault();
      if (!event.isTrusted || event.detail === 0) return;
      openDialog(rowOf(control));
      return;
    }
    const more = event.target.closest(hook("note_more"));
    if (more) {
      // The note's box is in the same row; a cut note keeps its full text in a <template>.
      const row = rowOf(more) || more.parentElement;
      const box = row.querySelector("[data-testid='expandable-text-box'], .invitation-card__custom-message");
      if (box) {
        const full = box.querySelector("template");
        if (full) box.textContent = full.content.textContent;
        box.style.webkitLineClamp = "unset";
      }
      more.remove();
      return;
    }
    const loadButton = event.target.closest(hook("load_more"));
    if (loadButton) {
      loadMore();
      return;
    }
    const toastDismiss = event.target.closest(hook("toast_dismiss"));
    if (toastDismiss) toasts.innerHTML = "";
  });

  if (list && cfg.infiniteScroll) {
    main.addEventListener("scroll", maybeLoad, { passive: true });
    maybeLoad();
  }
  syncLoadMoreButton();
})();
