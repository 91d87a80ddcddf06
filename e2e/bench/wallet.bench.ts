import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { BENCH_BANK, BENCH_OPERATOR_TOKEN, BENCH_SHOP, BENCH_SHOP_OPERATOR_TOKEN } from "../playwright.bench.config";
import { PayPopup } from "../tests/shop-page";
import { median, quantile, report } from "./report";

// The buyer's wallet in headless Chromium against a real bank and a real
// seller server (playwright.bench.config.ts starts both, debug builds, fresh
// SQLite files). Figures only: nothing here is a timing goal.
//
// Every time is taken inside the pages, never by Playwright's polling:
// - approve → receipt: a capture-phase `click` listener on the wallet popup's
//   document stamps the click on `pay-approve`; a capture-phase listener for
//   the `paid` event (fired by <halfpenny-pay>, bubbling and composed) on the
//   shop page's document stamps the receipt. Both stamps are
//   `performance.timeOrigin + performance.now()`, the same machine clock in
//   both windows, and reach the test through an exposed binding (how long
//   the binding takes does not count). Between the two: the wallet marks the
//   half pending in IndexedDB, posts the payment to the button, the button
//   posts it to the shop server, whose till accepts it and stores it, and the
//   button reads the receipt and fires `paid`.
// - key generation: a capture-phase `click` listener stamps the click on
//   `create-identity`; a MutationObserver stamps the first moment
//   `account-id` is in the page and visible. This includes registering the
//   new account at the bank (one HTTP round trip), as a buyer sees it.

const PAYMENTS = Number(process.env.HALFPENNY_BENCH_PAYMENTS ?? 200);
const KEYGEN_RUNS = Number(process.env.HALFPENNY_BENCH_KEYGEN_RUNS ?? 5);
const ITEM = "article-1"; // USD 0.01 in the demo newspaper

type Mark = { name: string; t: number; page: string };

/** Installs the in-page stamps in every page of the context, popups included. */
async function instrument(context: BrowserContext, marks: Mark[]) {
  await context.exposeBinding("halfpennyBenchMark", (source, name: string, t: number) => {
    marks.push({ name, t, page: source.page.url() });
  });
  await context.addInitScript(() => {
    const stamp = () => performance.timeOrigin + performance.now();
    const w = window as unknown as { halfpennyBenchMark: (name: string, t: number) => void };
    document.addEventListener(
      "click",
      (e) => {
        const t = stamp();
        const target = e.target as Element | null;
        if (target?.closest?.('[data-testid="pay-approve"]')) void w.halfpennyBenchMark("approve", t);
      },
      true,
    );
    document.addEventListener(
      "paid",
      () => {
        const t = stamp();
        void w.halfpennyBenchMark("paid", t);
      },
      true,
    );
  });
}

async function clickPay(shop: Page): Promise<PayPopup> {
  const popup = shop.waitForEvent("popup");
  await shop.getByTestId(ITEM).getByTestId("pay-button").click();
  const wallet = await popup;
  await wallet.waitForURL(/\/wallet\/#pay$/);
  return new PayPopup(wallet);
}

async function waitFor(marks: Mark[], name: string, after: number): Promise<Mark> {
  for (let i = 0; i < 6000; i++) {
    const m = marks.slice(after).find((x) => x.name === name);
    if (m) return m;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no '${name}' mark within a minute`);
}

test("wallet: approve to the seller's receipt, one-cent payments", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: BENCH_BANK });
  const marks: Mark[] = [];
  await instrument(context, marks);

  // A buyer with an account funded with USD 5.00.
  const walletPage = await context.newPage();
  await walletPage.goto("/wallet/");
  await walletPage.getByTestId("create-identity").click();
  const account = (await walletPage.getByTestId("account-id").textContent()) ?? "";
  expect(account).not.toBe("");
  const funded = await context.request.post(`${BENCH_BANK}/v1/operator/fund`, {
    headers: { authorization: `Bearer ${BENCH_OPERATOR_TOKEN}` },
    data: { account, amount_minor: Math.max(500, PAYMENTS + 100), currency: "USD", idempotency_key: "bench-wallet" },
  });
  expect(funded.status()).toBe(200);

  const shop = await context.newPage();
  await shop.goto(`${BENCH_SHOP}/`);
  const times: number[] = [];
  for (let i = 0; i < PAYMENTS; i++) {
    if (i > 0) {
      // Forget the access code and show the article again, locked.
      await shop.evaluate((item) => localStorage.removeItem(`halfpenny-access:${item}`), ITEM);
      await shop.reload();
    }
    await expect(shop.getByTestId(ITEM).getByTestId("pay-button")).toBeVisible();
    const popup = await clickPay(shop);
    if (i === 0) {
      // One purse of all the one-cent coins the run spends (2.00 for 200).
      await popup.buyPurse((PAYMENTS / 100).toFixed(2), 1);
    }
    const from = marks.length;
    await popup.pay(); // approve, then the popup closes itself
    const approve = await waitFor(marks, "approve", from);
    const paid = await waitFor(marks, "paid", from);
    await expect(shop.getByTestId(ITEM).getByTestId("article-body")).toBeVisible();
    times.push(paid.t - approve.t);
  }
  // The run checks its own output: the seller's one purse has every half
  // spent, one per payment, none left and none refused. (Takings alone would
  // not do: the shop redeems what it took on a schedule, during the run.)
  const summary = await context.request.get(`${BENCH_SHOP}/shop/v1/operator/summary`, {
    headers: { authorization: `Bearer ${BENCH_SHOP_OPERATOR_TOKEN}` },
  });
  expect(summary.status()).toBe(200);
  const seller = await summary.json();
  expect(seller.purses).toMatchObject([{ currency: "USD", unspent_minor: 0, halves_left: 0, spent: PAYMENTS }]);
  expect(seller.refused).toEqual([]);
  const sorted = [...times].sort((a, b) => a - b);
  report({
    figure: "wallet_approve_to_receipt",
    checked: `the seller's purse of ${PAYMENTS} one-cent halves has all ${PAYMENTS} spent, none left, and the shop refused no payment`,
    payments: times.length,
    median_ms: median(times),
    p99_ms: quantile(sorted, 0.99),
    min_ms: sorted[0],
    max_ms: sorted[sorted.length - 1],
    first_ms: times[0],
    target_ms: 50,
  });
  await context.close();
});

test("wallet: key generation and registration", async ({ browser }) => {
  const times: number[] = [];
  for (let i = 0; i < KEYGEN_RUNS; i++) {
    // A fresh context each time: no IndexedDB, no identity.
    const context = await browser.newContext({ baseURL: BENCH_BANK });
    const page = await context.newPage();
    await page.goto("/wallet/");
    const create = page.getByTestId("create-identity");
    await expect(create).toBeEnabled();
    await page.evaluate(() => {
      const stamps: { clicked?: number; shown?: number } = {};
      (window as unknown as { halfpennyKeygen: typeof stamps }).halfpennyKeygen = stamps;
      document.addEventListener(
        "click",
        (e) => {
          if ((e.target as Element | null)?.closest?.('[data-testid="create-identity"]') && stamps.clicked === undefined) {
            stamps.clicked = performance.now();
          }
        },
        true,
      );
      const seen = () => {
        if (stamps.clicked === undefined || stamps.shown !== undefined) return;
        const el = document.querySelector('[data-testid="account-id"]');
        if (el && el.checkVisibility()) stamps.shown = performance.now();
      };
      new MutationObserver(seen).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await create.click();
    await expect(page.getByTestId("account-id")).toBeVisible();
    const ms = await page.evaluate(() => {
      const s = (window as unknown as { halfpennyKeygen: { clicked?: number; shown?: number } }).halfpennyKeygen;
      return s.clicked !== undefined && s.shown !== undefined ? s.shown - s.clicked : NaN;
    });
    expect(Number.isFinite(ms)).toBe(true);
    times.push(ms);
    await context.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  report({
    figure: "wallet_keygen",
    runs: times.length,
    median_ms: median(times),
    min_ms: sorted[0],
    max_ms: sorted[sorted.length - 1],
  });
});
