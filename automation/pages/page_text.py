"""Page-side text reading the page objects share: the text a person sees, line by line.

`TEXT_JS` goes inside a page function and defines `isControl(el)`, `clippedAway(el)` (the
visually-hidden "sr-only" pattern) and `lines(root, {keepControls, skip, mark})`: the rendered
text of `root` line by line, without controls (unless `keepControls`), without the elements in
`skip`, with `MARK` standing where the element `mark` is. The including function defines
`unseen(el)`, what counts as not shown: the Sent rows leave `aria-hidden` decorations out; a
profile reads Ember's `aria-hidden` copy of a text, the one sighted people see.
"""

from __future__ import annotations

TEXT_JS = r"""
  const CONTROL_ROLES = new Set(['button', 'link', 'menuitem', 'switch', 'tab', 'checkbox', 'option']);
  const isControl = el => ['A', 'BUTTON', 'SELECT', 'INPUT', 'TEXTAREA', 'SUMMARY'].includes(el.tagName)
    || CONTROL_ROLES.has(el.getAttribute('role'));
  // Visually hidden (the "sr-only" pattern): taken out of the layout and clipped to nothing.
  const clippedAway = el => {
    const style = getComputedStyle(el);
    if (style.position !== 'absolute' && style.position !== 'fixed') return false;
    return /^rect\(0(px)?,? 0(px)?,? 0(px)?,? 0(px)?\)$/.test(style.clip)
      || style.clipPath === 'inset(50%)' || (el.offsetWidth <= 1 && el.offsetHeight <= 1);
  };
  const MARK = '\uE000';
  const lines = (root, { keepControls = false, skip = [], mark = null } = {}) => {
    const out = [];
    let current = '';
    const flush = () => {
      const text = current.replace(/\s+/g, ' ').trim();
      if (text) out.push(text);
      current = '';
    };
    const walk = node => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) { current += child.data; continue; }
        if (child.nodeType !== Node.ELEMENT_NODE || skip.includes(child)) continue;
        if (['TEMPLATE', 'SCRIPT', 'STYLE', 'svg'].includes(child.tagName)) continue;
        if (child.tagName === 'BR') { flush(); continue; }
        if (child === mark && !unseen(child)) { current += MARK; continue; }
        if ((!keepControls && isControl(child)) || unseen(child)) continue;
        const display = getComputedStyle(child).display;
        const block = !display.startsWith('inline') && display !== 'contents';
        if (block) flush();
        walk(child);
        if (block) flush();
      }
    };
    walk(root);
    flush();
    return out;
  };
"""
