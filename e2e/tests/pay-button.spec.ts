import { expect, test } from "@playwright/test";
import { fundedBuyer, PayPopup, ShopPage } from "./shop-page";

// What a shop expects of <halfpenny-pay> on its own pages: its look follows
// the page's CSS (custom properties and ::part), a reader who uses only the
// keyboard can pay with it, and the page's other scripts neither break it
// nor fool it.

/** A shop page's other scripts, run before the page's own. */
function otherScripts() {
  // A global under wasm-bindgen's usual name.
  (window as unknown as Record<string, unknown>).wasm_bindgen = "the page's own";
  // An analytics script that wraps fetch.
  const fetchBefore = window.fetch.bind(window);
  window.fetch = (...args: Parameters<typeof fetch>) => fetchBefore(...args);
  // A chat widget with its own custom element, posting its own messages on
  // the window, some of them shaped like the wallet's.
  customElements.define("chat-bubble", class extends HTMLElement {});
  setInterval(() => {
    window.postMessage({ halfpenny: 1, type: "payment", payment: "hp1.forged" }, "*");
    window.postMessage({ halfpenny: 1, type: "cancel", message: "not the wallet" }, "*");
    window.postMessage("chat: ping", "*");
  }, 50);
}

test("the pay button takes the page's style, is paid with the keyboard, and ignores the page's other scripts", async ({ page, context, request }) => {
  const { wallet } = await fundedBuyer(page, request, 100, "pay-button");
  const herald = new ShopPage(await context.newPage());
  await herald.page.addInitScript(otherScripts);
  await herald.open();
  await herald.expectLocked("article-1");

  // The shop's own look, through custom properties and ::part.
  await herald.page.addStyleTag({
    content: `halfpenny-pay { --halfpenny-accent: rgb(1, 2, 3); --halfpenny-radius: 0px; }
              halfpenny-pay::part(button) { text-transform: uppercase; }`,
  });
  const button = herald.article("article-1").getByTestId("pay-button");
  await expect(button).toHaveCSS("background-color", "rgb(1, 2, 3)");
  await expect(button).toHaveCSS("border-top-left-radius", "0px");
  await expect(button).toHaveCSS("text-transform", "uppercase");

  // The first stop of the Tab key is the first article's button; Enter pays.
  await herald.page.keyboard.press("Tab");
  await expect(button).toBeFocused();
  const opened = herald.page.waitForEvent("popup");
  await herald.page.keyboard.press("Enter");
  const popup = new PayPopup(await opened);
  await popup.page.waitForURL(/\/wallet\/#pay$/);
  await popup.expectAsk("USD 0.01", "article-1");
  await popup.buyPurse("0.05", 1);
  // The wallet window by keyboard too: its approve button, then Enter.
  await popup.ready();
  const closed = popup.page.waitForEvent("close");
  await popup.page.getByTestId("pay-approve").focus();
  await popup.page.keyboard.press("Enter");
  await closed;
  await herald.expectUnlocked("article-1");

  // The forged messages the page posted paid nothing and cancelled nothing:
  // one purse of 5 cents bought, one cent of it spent.
  await wallet.page.reload();
  await expect(wallet.balance()).toHaveText("USD 0.95");
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.04");
});
