// The profile's "More" menu: a portal [role=menu] toggled by either More button.
(() => {
  "use strict";
  const cfg = window.__SANDBOX__;
  const menu = document.querySelector("." + cfg.hooks.menu);
  document.addEventListener("click", (event) => {
    const more = event.target.closest("." + cfg.hooks.more);
    if (more) {
      const open = menu.hidden;
      menu.hidden = !open;
      for (const button of document.querySelectorAll("." + cfg.hooks.more)) {
        button.setAttribute("aria-expanded", String(open && button === more));
      }
      return;
    }
    if (!menu.hidden && !menu.contains(event.target)) menu.hidden = true;
  });
})();
