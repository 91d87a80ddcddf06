import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { BANK, OPERATOR_TOKEN, SHOP, SHOP_OPERATOR_TOKEN } from "../playwright.config";
import { WalletPage } from "./wallet-page";

/** The demo newspaper, as a reader uses it. */
export class ShopPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.goto(`${SHOP}/`);
  }

  article(item: string) {
    return this.page.getByTestId(item);
  }

  /** Clicks an article's pay button; the wallet popup it opens. */
  async clickPay(item: string): Promise<PayPopup> {
    const popup = this.page.waitForEvent("popup");
    await this.article(item).getByTestId("pay-button").click();
    const wallet = await popup;
    await wallet.waitForURL(/\/wallet\/#pay$/);
    return new PayPopup(wallet);
  }

  async expectUnlocked(item: string) {
    await expect(this.article(item).getByTestId("article-body")).toBeVisible();
  }

  async expectLocked(item: string) {
    await expect(this.article(item).getByTestId("pay-button")).toBeVisible();
    await expect(this.article(item).getByTestId("article-body")).toHaveCount(0);
  }

  status(item: string) {
    return this.article(item).getByTestId("article-status");
  }

  /** Forgets every access code this browser kept and shows the page again: every article locked. */
  async forgetAccess() {
    await this.page.evaluate(() => localStorage.clear());
    await this.page.reload();
  }
}

/** The wallet window a pay button opened. */
export class PayPopup {
  constructor(readonly page: Page) {}

  async expectAsk(price: string, item: string) {
    await expect(this.page.getByTestId("pay-price")).toHaveText(price);
    await expect(this.page.getByTestId("pay-item")).toHaveText(item);
    await expect(this.page.getByTestId("pay-shop")).toHaveText(SHOP);
  }

  /** Orders a purse of `total` in coins of `coinMinor` minor units. */
  async orderPurse(total: string, coinMinor: number) {
    await this.page.getByTestId("purse-total").fill(total);
    await this.page.getByTestId("purse-coin").selectOption(String(coinMinor));
    await this.page.getByTestId("purse-buy").click();
  }

  /** Buys a purse and waits until it is in the wallet. */
  async buyPurse(total: string, coinMinor: number) {
    await this.orderPurse(total, coinMinor);
    await expect(this.page.getByTestId("buy-purse")).toHaveCount(0);
  }

  error() {
    return this.page.getByTestId("error");
  }

  /** Waits until the wallet can pay (it has checked its purses). */
  async ready() {
    await expect(this.page.getByTestId("pay-approve")).toBeEnabled();
  }

  async approve() {
    await this.ready();
    await this.page.getByTestId("pay-approve").click();
  }

  /** Lets the shop take up to `amount` (decimal, `0.05`) without asking, on approval. */
  async allow(amount: string) {
    await this.page.getByTestId("allowance-set").check();
    await this.page.getByTestId("allowance-amount").fill(amount);
  }

  /** Sees the wallet pay from her allowance, with no click, and close by itself. */
  async paidAutomatically() {
    const closed = this.page.isClosed() ? Promise.resolve() : this.page.waitForEvent("close").then(() => undefined);
    await Promise.all([
      expect(this.page.getByTestId("pay-result")).toContainText("Paid automatically from your allowance for this shop"),
      closed,
    ]);
  }

  /** Approves, sees the wallet say it paid, and waits for it to close. */
  async pay() {
    const closed = this.page.waitForEvent("close");
    await this.approve();
    await closed;
  }
}

/** A buyer with a funded wallet open in her own tab. */
export async function fundedBuyer(page: Page, request: APIRequestContext, minor: number, key: string) {
  const wallet = new WalletPage(page);
  await wallet.open();
  await wallet.create();
  const account = await wallet.accountId();
  const funded = await request.post(`${BANK}/v1/operator/fund`, {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    data: { account, amount_minor: minor, currency: "USD", idempotency_key: key },
  });
  expect(funded.status()).toBe(200);
  return { wallet, account };
}

/** The operator records a verified date of birth for an account. */
export async function verifyBirthDate(request: APIRequestContext, account: string, date: string) {
  const answer = await request.post(`${BANK}/v1/operator/attributes`, {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    data: { account, date_of_birth: date },
  });
  expect(answer.status()).toBe(204);
}

/** The bank's whole books (operator view). */
export async function bankTotals(request: APIRequestContext) {
  const answer = await request.get(`${BANK}/v1/operator/totals`, {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
  });
  expect(answer.status()).toBe(200);
  return answer.json();
}

/** The seller's desk (operator view of the shop server). */
export async function sellerSummary(request: APIRequestContext) {
  const answer = await request.get(`${SHOP}/shop/v1/operator/summary`, {
    headers: { authorization: `Bearer ${SHOP_OPERATOR_TOKEN}` },
  });
  expect(answer.status()).toBe(200);
  return answer.json();
}

/** The id of the only purse in the wallet page. */
export async function onlyPurse(page: Page) {
  const purse = page.getByTestId("purse");
  await expect(purse).toHaveCount(1);
  return (await purse.getAttribute("data-purse")) ?? "";
}
