import { expect, test, type Page } from "@playwright/test";
import { OPERATOR_TOKEN, TILL_BANK_PORT } from "../playwright.config";
import { withNonceOf } from "./tamper";
import { OwnBank, TillPage } from "./till-page";
import { WalletPage } from "./wallet-page";

// This story stops its bank, so it runs one of its own.
const bank = new OwnBank(TILL_BANK_PORT, OPERATOR_TOKEN);

test.beforeAll(async () => {
  await bank.start();
});

test.afterAll(async () => {
  await bank.dispose();
});

/** The wallet reads the till's payment request, as pasted by the buyer. */
async function readRequest(wallet: Page, request: string) {
  await wallet.getByTestId("inperson-request").fill(request);
  await wallet.getByTestId("inperson-read").click();
}

/** She approves the payment on show; its code (`hpp1.…`). */
async function approve(wallet: Page): Promise<string> {
  await expect(wallet.getByTestId("pay-approve")).toBeEnabled();
  await wallet.getByTestId("pay-approve").click();
  const payment = wallet.getByTestId("inperson-payment");
  await expect(payment).toHaveValue(/^hpp1\./);
  return payment.inputValue();
}

/** She pastes the till's receipt back into her wallet. */
async function settle(wallet: Page, receipt: string) {
  await wallet.getByTestId("inperson-receipt").fill(receipt);
  await wallet.getByTestId("inperson-settle").click();
  await expect(wallet.getByTestId("inperson-payment")).toHaveCount(0);
}

test("4. a till in the seller's browser takes payments by code with the bank down, refuses a replay, and redeems once", async ({ browser }) => {
  test.setTimeout(300_000);
  // The seller's till and the buyer's wallet: two people, two browsers.
  const seller = await browser.newContext();
  const buyer = await browser.newContext();
  const till = new TillPage(await seller.newPage());
  await till.open(bank.url);
  await expect(till.page.getByTestId("till-bank-url")).toHaveValue(bank.url);
  await till.create();

  const wallet = new WalletPage(await buyer.newPage());
  await wallet.page.goto(`${bank.url}/wallet/`);
  await wallet.create();
  const funded = await buyer.request.post(`${bank.url}/v1/operator/fund`, {
    headers: bank.operator(),
    data: { account: await wallet.accountId(), amount_minor: 100, currency: "USD", idempotency_key: "story-4" },
  });
  expect(funded.status()).toBe(200);

  // The till asks for two cents; she has no purse for it yet, and orders
  // one by code; the till forwards it (the bank is up) and hands hers back.
  const first = await till.offer("newspaper", "0.02");
  await readRequest(wallet.page, first);
  await expect(wallet.page.getByTestId("pay-price")).toHaveText("USD 0.02");
  await expect(wallet.page.getByTestId("pay-item")).toHaveText("newspaper");
  await wallet.page.getByTestId("purse-total").fill("0.10");
  await wallet.page.getByTestId("purse-coin").selectOption("1");
  await wallet.page.getByTestId("purse-buy").click();
  const order = wallet.page.getByTestId("inperson-purse-request");
  await expect(order).toHaveValue(/^hpq1\./);
  const herPurse = await till.forward(await order.inputValue());
  await wallet.page.getByTestId("inperson-purse").fill(herPurse);
  await wallet.page.getByTestId("inperson-keep-purse").click();
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.10");

  // The bank goes down. Everything from here to the redemption is off-line.
  await bank.stop();
  expect(await fetch(`${bank.url}/v1/health`).then(() => "up", () => "down")).toBe("down");

  const firstPayment = await approve(wallet.page);
  const firstReceipt = await till.accept(firstPayment);
  await settle(wallet.page, firstReceipt);
  for (const [item, price] of [["coffee", "0.01"], ["parking", "0.03"]]) {
    await readRequest(wallet.page, await till.offer(item, price));
    await expect(wallet.page.getByTestId("pay-price")).toHaveText(`USD ${price}`);
    await settle(wallet.page, await till.accept(await approve(wallet.page)));
  }
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.04");
  await expect(till.takings()).toHaveText("USD 0.06");

  // The first payment's halves under a new request: refused, nothing taken.
  const fresh = await till.offer("newspaper", "0.02");
  const refused = await till.refuse(withNonceOf(firstPayment, fresh));
  // Two 1-cent halves: both named, and handed to her as a `refused` message.
  await expect(refused).toHaveText(/^Halves #\d+ and #\d+ were already spent\.$/);
  const back = JSON.parse(await till.page.getByTestId("till-refusal").inputValue());
  expect(back).toMatchObject({ halfpenny: 1, type: "refused", code: "double_spend" });
  expect(back.spent).toEqual(
    [...(await till.page.getByTestId("till-refused").innerText()).matchAll(/#(\d+)/g)].map((m) => Number(m[1])),
  );
  await expect(till.page.getByTestId("till-refused-list")).toContainText("already spent");
  // The very same code again: the first receipt, nothing taken twice.
  expect(await till.accept(firstPayment)).toBe(firstReceipt);
  await expect(till.takings()).toHaveText("USD 0.06");

  // The bank is back: the takings are credited once.
  await bank.start();
  await expect(await till.redeem()).toHaveText("The bank credited USD 0.06.");
  await expect(till.takings()).toHaveText("USD 0.00");
  await expect(await till.redeem()).toHaveText("Nothing to redeem: the bank credited USD 0.00.");

  const totals = await buyer.request.get(`${bank.url}/v1/operator/totals`, { headers: bank.operator() });
  expect(totals.status()).toBe(200);
  expect((await totals.json()).sum_of_balances.USD).toBe(0);

  await seller.close();
  await buyer.close();
});
