import { expect, type Locator, type Page } from "@playwright/test";

/** The wallet's Pending section: payments whose answer was lost and refunds
 * waiting for the bank, with her decisions. */
export class PendingSection {
  constructor(readonly page: Page) {}

  payments() {
    return this.page.getByTestId("pending-list").getByTestId("pending-item");
  }

  refunds() {
    return this.page.getByTestId("pending-list").getByTestId("pending-refund");
  }

  /** The only pending payment. */
  async onlyPayment(): Promise<PendingPayment> {
    await expect(this.payments()).toHaveCount(1);
    return new PendingPayment(this.payments().first());
  }

  /** Nothing is waiting. */
  async expectEmpty() {
    await expect(this.payments()).toHaveCount(0);
    await expect(this.refunds()).toHaveCount(0);
    await expect(this.page.getByTestId("pending-none")).toBeVisible();
  }
}

/** One payment left pending. */
export class PendingPayment {
  constructor(readonly item: Locator) {}

  /** `till` (in person), `shop` (a web page) or `unknown`. */
  route() {
    return this.item.getAttribute("data-route");
  }

  amount() {
    return this.item.getByTestId("pending-amount");
  }

  to() {
    return this.item.getByTestId("pending-to");
  }

  when() {
    return this.item.getByTestId("pending-when");
  }

  happened() {
    return this.item.getByTestId("pending-happened");
  }

  toDo() {
    return this.item.getByTestId("pending-to-do");
  }

  warning() {
    return this.item.getByTestId("pending-warning");
  }

  confirmation() {
    return this.item.getByTestId("pending-confirmation");
  }

  /** "The till took it" (or the shop's): asks to confirm if not a till. */
  async taken() {
    await this.item.getByTestId("pending-taken").click();
  }

  /** "The till did not take it" (or the shop's). */
  async notTaken() {
    await this.item.getByTestId("pending-not-taken").click();
  }

  async confirm() {
    await this.item.getByTestId("pending-confirm").click();
  }

  async cancel() {
    await this.item.getByTestId("pending-cancel").click();
  }
}
