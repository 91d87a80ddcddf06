// The demo newspaper: each article asks the shop server for itself; a 402
// answer shows the price and a pay button, a 200 answer shows the text.
// Access codes for paid articles are kept in this browser only.

const keyFor = (item) => `halfpenny-access:${item}`;

function text(tag, content, testid) {
  const el = document.createElement(tag);
  el.textContent = content;
  if (testid) el.dataset.testid = testid;
  return el;
}

async function show(card) {
  const item = card.dataset.item;
  const access = localStorage.getItem(keyFor(item));
  const headers = access ? { Authorization: `Halfpenny ${access}` } : {};
  let answer;
  try {
    answer = await fetch(`/articles/${encodeURIComponent(item)}`, { headers });
  } catch {
    card.replaceChildren(text("p", "The newspaper cannot be reached right now.", "article-error"));
    return;
  }
  const body = await answer.json().catch(() => ({}));
  if (answer.status === 200) {
    const paragraphs = String(body.body || "").split("\n\n").map((p) => text("p", p));
    const content = document.createElement("div");
    content.dataset.testid = "article-body";
    content.replaceChildren(...paragraphs);
    card.replaceChildren(text("h2", body.title || item), content);
    return;
  }
  if (answer.status !== 402) {
    localStorage.removeItem(keyFor(item));
    const message = body.error && body.error.message ? body.error.message : "This article is not available.";
    card.replaceChildren(text("p", message, "article-error"));
    return;
  }
  if (access) localStorage.removeItem(keyFor(item));
  const title = text("h2", body.title || item);
  const teaser = text("p", body.requires ? `For readers who can prove ${body.requires}.` : "Pay to read the whole article.");
  const button = document.createElement("halfpenny-pay");
  button.setAttribute("item", item);
  button.setAttribute("price", String(body.price_minor));
  button.setAttribute("currency", body.currency);
  const status = text("p", "", "article-status");
  status.setAttribute("role", "status");
  button.addEventListener("paid", (e) => {
    localStorage.setItem(keyFor(item), e.detail.access);
    show(card);
  });
  button.addEventListener("failed", (e) => {
    status.textContent = e.detail.message;
  });
  card.replaceChildren(title, teaser, button, status);
}

for (const card of document.querySelectorAll("article[data-item]")) show(card);
