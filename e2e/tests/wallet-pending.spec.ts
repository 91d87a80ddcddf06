import { expect, test } from "@playwright/test";
import { InPersonWallet, ShopTill } from "./in-person";
import { PendingSection } from "./pending-page";
import { fundedBuyer, onlyPurse, sellerSummary, ShopPage } from "./shop-page";

// What a lost answer leaves pending, in the wallet's Pending section, and
// what she decides about it. A till in person cannot be asked again: she
// says whether it took the payment. A web shop is asked the next time she
// pays it; she may decide herself only behind a confirmation. The shop
// server's till stands in for the seller's device.

const WHEN = /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/;

test("an in-person payment left pending across a reload: the till did not take it, so exactly its value comes back", async ({ page, request }) => {
  const { wallet } = await fundedBuyer(page, request, 200, "pending-not-taken");
  const till = new ShopTill(request);
  const inPerson = new InPersonWallet(page);
  await inPerson.read(await till.offer("article-3"));
  await inPerson.buyPurse(till, "0.50");
  // She is shown the payment, and the page goes away before the till reads it.
  await inPerson.paymentCode();
  await page.reload();

  const pending = new PendingSection(page);
  const payment = await pending.onlyPayment();
  expect(await payment.route()).toBe("till");
  await expect(payment.amount()).toHaveText("USD 0.03");
  await expect(payment.to()).toHaveText("a till in person");
  await expect(payment.when()).toHaveText(WHEN);
  await expect(payment.happened()).toContainText("article-3");
  await expect(payment.warning()).toContainText("refused later as already spent");
  await expect(wallet.available()).toHaveText("USD 0.47");
  await expect(wallet.pending()).toHaveText("USD 0.03");
  await expect(wallet.spent()).toHaveText("USD 0.00");

  await payment.notTaken();
  await pending.expectEmpty();
  await expect(wallet.available()).toHaveText("USD 0.50");
  await expect(wallet.pending()).toHaveText("USD 0.00");
  await expect(wallet.spent()).toHaveText("USD 0.00");
  await expect(wallet.history().first()).toHaveText("Payment not taken; money back: USD 0.03");

  // The coins she took back are good: the till takes them for the same item.
  await inPerson.read(await till.offer("article-3"));
  const code = await inPerson.paymentCode();
  await inPerson.settle((await till.post("payments", { payment: code })).receipt);
  await expect(page.getByTestId("pay-result")).toHaveText("Paid USD 0.03 for article-3.");
  await expect(wallet.available()).toHaveText("USD 0.47");
  await expect(wallet.spent()).toHaveText("USD 0.03");
  await pending.expectEmpty();
  await expect(wallet.balance()).toHaveText("USD 1.50");
  const id = await onlyPurse(page);
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === id)).toMatchObject({ unspent_minor: 47, spent: 3 });
});

test("an in-person payment whose receipt was lost: the till took it, so it is spent", async ({ page, request }) => {
  const { wallet } = await fundedBuyer(page, request, 200, "pending-taken");
  const till = new ShopTill(request);
  const inPerson = new InPersonWallet(page);
  await inPerson.read(await till.offer("article-3"));
  await inPerson.buyPurse(till, "0.50");
  // The till takes it; its receipt never reaches the wallet.
  const code = await inPerson.paymentCode();
  await till.post("payments", { payment: code });
  await page.reload();

  const pending = new PendingSection(page);
  const payment = await pending.onlyPayment();
  expect(await payment.route()).toBe("till");
  await expect(payment.amount()).toHaveText("USD 0.03");
  await expect(wallet.available()).toHaveText("USD 0.47");
  await expect(wallet.pending()).toHaveText("USD 0.03");

  await payment.taken();
  await pending.expectEmpty();
  await expect(wallet.available()).toHaveText("USD 0.47");
  await expect(wallet.pending()).toHaveText("USD 0.00");
  await expect(wallet.spent()).toHaveText("USD 0.03");
  await expect(wallet.history().first()).toHaveText("Paid for article-3: USD 0.03");
  // Today's bar of the spending chart counts it.
  await expect(page.getByTestId("spending-bar").last()).toHaveAttribute("data-minor", "3");

  // Exactly what the till holds.
  await page.reload();
  await expect(wallet.spent()).toHaveText("USD 0.03");
  await expect(wallet.balance()).toHaveText("USD 1.50");
  const id = await onlyPurse(page);
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === id)).toMatchObject({ unspent_minor: 47, spent: 3 });
});

test("a web shop's lost answer: settled when she pays that shop next, or by her only after a confirmation", async ({ page, context, request }) => {
  const { wallet } = await fundedBuyer(page, request, 200, "pending-shop");
  const herald = new ShopPage(await context.newPage());
  await herald.open();
  const first = await herald.clickPay("article-1");
  await first.buyPurse("0.50", 1);
  await first.pay();
  await herald.expectUnlocked("article-1");

  // The shop's till never hears of the next payment: the answer is `unknown`.
  await herald.page.route("**/shop/v1/payments", (route) => route.abort());
  const second = await herald.clickPay("article-3");
  await second.approve();
  await expect(second.page.getByTestId("pay-result")).toContainText("The shop did not answer");
  await second.page.close();
  await herald.page.unroute("**/shop/v1/payments");

  await wallet.page.reload();
  const pending = new PendingSection(wallet.page);
  const payment = await pending.onlyPayment();
  expect(await payment.route()).toBe("shop");
  await expect(payment.amount()).toHaveText("USD 0.03");
  await expect(payment.to()).toHaveText("a shop's web page");
  await expect(payment.when()).toHaveText(WHEN);
  await expect(payment.toDo()).toContainText("the next time you pay this shop");
  await expect(wallet.available()).toHaveText("USD 0.46");
  await expect(wallet.pending()).toHaveText("USD 0.03");

  // Her decision waits for a confirmation; cancelled, nothing changes.
  await payment.notTaken();
  await expect(payment.confirmation()).toBeVisible();
  await expect(payment.warning()).toContainText("refused later as already spent");
  await payment.cancel();
  await expect(payment.confirmation()).toHaveCount(0);
  await expect(wallet.pending()).toHaveText("USD 0.03");

  await payment.notTaken();
  await payment.confirm();
  await pending.expectEmpty();
  await expect(wallet.available()).toHaveText("USD 0.49");
  await expect(wallet.pending()).toHaveText("USD 0.00");
  await expect(wallet.spent()).toHaveText("USD 0.01");

  // The shop takes those coins when she pays it again.
  const third = await herald.clickPay("article-3");
  await third.pay();
  await herald.expectUnlocked("article-3");
  await wallet.page.reload();
  await expect(wallet.available()).toHaveText("USD 0.46");
  await expect(wallet.spent()).toHaveText("USD 0.04");
  await pending.expectEmpty();
  const id = await onlyPurse(wallet.page);
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === id)).toMatchObject({ unspent_minor: 46, spent: 4 });
});
