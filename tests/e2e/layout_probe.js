// The phone-layout rules, measured in the page (see phone.py).
// Every visible link counts as a tap target, a link inside a sentence too: WCAG 2.5.8 would
// exempt inline links, but here the link in a sentence is usually the next step (去逛逛,
// 换一位) and the people tapping it are on a cheap phone in the sun, so app.css gives
// every link a 44 x 44 box and this probe holds it to that. A radio or checkbox is measured
// by its label, which is what a thumb taps.
([minTarget, minText]) => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth}px > ${width}px`);
  }
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const label = (el) => (el.innerText || el.value || el.getAttribute('aria-label') || el.name || el.tagName).trim().slice(0, 30);
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]')) {
    if (!visible(el) || el.closest('[data-layout-exempt]')) continue;
    const r = el.getBoundingClientRect();
    const box = (el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels[0]
      ? el.labels[0].getBoundingClientRect() : r;
    if (Math.round(box.width) < minTarget || Math.round(box.height) < minTarget) {
      problems.push(`small target "${label(el)}": ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || seen.has(el) || !walker.currentNode.textContent.trim() || !visible(el)) continue;
    seen.add(el);
    if (el.closest('[data-layout-exempt], small, sub, sup, svg')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < minText) problems.push(`small text "${el.innerText.trim().slice(0, 30)}": ${size}px`);
  }
  return problems;
}
