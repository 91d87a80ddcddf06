import { expect, test, type Request } from "@playwright/test";
import { BANK, SHOP } from "../playwright.config";
import { fundedBuyer, onlyPurse, sellerSummary, ShopPage } from "./shop-page";

/** A request as the test keeps it: where it went, and from which page. */
type Seen = { method: string; url: string };

test("paying from a purse she holds makes no request to the bank: only the shop hears of it", async ({
  page,
  context,
  request,
}) => {
  const { wallet } = await fundedBuyer(page, request, 500, "privacy-count");
  const herald = new ShopPage(await context.newPage());
  await herald.open();

  // Her first payment buys the purse (through the shop: the shop calls the bank, she does not).
  const first = await herald.clickPay("article-1");
  await first.expectAsk("USD 0.01", "article-1");
  await first.buyPurse("1.00", 1);
  await first.pay();
  await herald.expectUnlocked("article-1");

  // From here on she pays from the purse she holds. Every request of every
  // page of her browser is kept: the newspaper, her wallet tab, the popup.
  const seen: Seen[] = [];
  const keep = (r: Request) => seen.push({ method: r.method(), url: r.url() });
  context.on("request", keep);
  for (const [item, price] of [
    ["article-2", "USD 0.02"],
    ["article-3", "USD 0.03"],
  ]) {
    const popup = await herald.clickPay(item);
    await popup.expectAsk(price, item);
    await popup.pay();
    await herald.expectUnlocked(item);
  }
  context.off("request", keep);

  // Not one request to the bank's API while she paid twice.
  expect(seen.filter((r) => r.url.startsWith(`${BANK}/v1/`))).toEqual([]);
  // From the bank's origin, only the wallet page's own files (a service
  // worker will serve those from her device; until then they are fetched).
  expect(seen.filter((r) => r.url.startsWith(BANK) && !r.url.startsWith(`${BANK}/wallet/`))).toEqual([]);
  // Everything else went to the shop, and to no one else.
  expect(seen.filter((r) => !r.url.startsWith(BANK) && !r.url.startsWith(SHOP))).toEqual([]);
  // The payments themselves did go to the shop.
  expect(seen.filter((r) => r.method === "POST" && r.url.startsWith(`${SHOP}/shop/v1/payments`)).length).toBeGreaterThanOrEqual(2);

  // And the money is exact: the bank still holds USD 4.00 of hers; the purse
  // paid 1 + 2 + 3 cents in 1-cent halves.
  await wallet.page.reload();
  await expect(wallet.balance()).toHaveText("USD 4.00");
  await expect(wallet.available()).toHaveText("USD 0.94");
  const purse = await onlyPurse(wallet.page);
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({
    unspent_minor: 94,
    spent: 6,
  });
});
