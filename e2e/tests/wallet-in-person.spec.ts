import { expect, test } from "@playwright/test";
import { InPersonWallet, ShopTill } from "./in-person";
import { fundedBuyer, onlyPurse, sellerSummary } from "./shop-page";

// Paying in person by codes: the wallet never talks to the seller; the
// buyer carries codes. The shop server's till stands in for the seller's
// device here (the off-line till console has its own story).
test("a buyer pays a till in person with text codes, and balances are exact", async ({ page, request }) => {
  const { wallet } = await fundedBuyer(page, request, 200, "in-person-1");
  const till = new ShopTill(request);
  const inPerson = new InPersonWallet(page);

  // The till shows a payment request; she pastes it.
  await inPerson.read(await till.offer("article-3"));
  await expect(page.getByTestId("pay-price")).toHaveText("USD 0.03");
  await expect(page.getByTestId("pay-shop")).toHaveText("a till in person");

  // No purse for this seller: she orders one by code, through the till.
  await page.getByTestId("purse-total").fill("0.50");
  await page.getByTestId("purse-buy").click();
  const order = await page.getByTestId("inperson-purse-request").inputValue();
  expect(order.startsWith("hpq1.")).toBe(true);
  await expect(page.getByTestId("inperson-purse-request-qr").locator("svg")).toBeVisible();
  const purse = await till.post("purses", { request: order });
  await page.getByTestId("inperson-purse").fill(purse.purse);
  await page.getByTestId("inperson-keep-purse").click();

  // She pays: the halves show as a code (and a QR); the till's receipt settles them.
  await page.getByTestId("pay-approve").click();
  const payment = await page.getByTestId("inperson-payment").inputValue();
  expect(payment.startsWith("hpp1.")).toBe(true);
  await expect(page.getByTestId("inperson-payment-qr").locator("svg")).toBeVisible();
  const taken = await till.post("payments", { payment });
  await page.getByTestId("inperson-receipt").fill(taken.receipt);
  await page.getByTestId("inperson-settle").click();
  await expect(page.getByTestId("pay-result")).toHaveText("Paid USD 0.03 for article-3.");
  await expect(page.getByTestId("purse-available")).toHaveText("USD 0.47");

  // A second payment the till never took: she releases it, nothing is lost.
  await inPerson.read(await till.offer("article-1"));
  await page.getByTestId("pay-approve").click();
  await expect(page.getByTestId("inperson-payment")).toBeVisible();
  await page.getByTestId("inperson-not-taken").click();
  await expect(page.getByTestId("error")).toContainText("kept nothing");
  await expect(page.getByTestId("purse-available")).toHaveText("USD 0.47");

  await page.reload();
  await expect(wallet.balance()).toHaveText("USD 1.50");
  const id = await onlyPurse(page);
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === id)).toMatchObject({ unspent_minor: 47, spent: 3 });
});
