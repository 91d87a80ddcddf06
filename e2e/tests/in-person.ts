import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { SHOP } from "../playwright.config";

/** The shop server's till, called directly: it stands in for a seller's device. */
export class ShopTill {
  constructor(readonly request: APIRequestContext) {}

  async post(path: string, data: object) {
    const answer = await this.request.post(`${SHOP}/shop/v1/${path}`, { data });
    expect(answer.status()).toBe(200);
    return answer.json();
  }

  /** A payment request code (`hpr1.…`) for an item. */
  async offer(item: string): Promise<string> {
    return (await this.post("offers", { item })).request;
  }
}

/** The wallet page's "pay a till in person" section. */
export class InPersonWallet {
  constructor(readonly page: Page) {}

  async read(request: string) {
    await this.page.getByTestId("inperson-request").fill(request);
    await this.page.getByTestId("inperson-read").click();
  }

  /** Orders a purse by code and keeps what the till hands back. */
  async buyPurse(till: ShopTill, total: string) {
    await this.page.getByTestId("purse-total").fill(total);
    await this.page.getByTestId("purse-buy").click();
    const order = await this.page.getByTestId("inperson-purse-request").inputValue();
    const purse = await till.post("purses", { request: order });
    await this.page.getByTestId("inperson-purse").fill(purse.purse);
    await this.page.getByTestId("inperson-keep-purse").click();
    await expect(this.page.getByTestId("pay-approve")).toBeEnabled();
  }

  /** Approves; the payment code (`hpp1.…`), not yet given to the till. */
  async paymentCode(): Promise<string> {
    await this.page.getByTestId("pay-approve").click();
    const code = await this.page.getByTestId("inperson-payment").inputValue();
    expect(code.startsWith("hpp1.")).toBe(true);
    return code;
  }

  async settle(receipt: string) {
    await this.page.getByTestId("inperson-receipt").fill(receipt);
    await this.page.getByTestId("inperson-settle").click();
  }
}
