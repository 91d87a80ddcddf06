import { expect, type Page } from "@playwright/test";

/** The wallet page, as a person uses it. */
export class WalletPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.goto("/wallet/");
  }

  async create() {
    await this.page.getByTestId("create-identity").click();
    await expect(this.page.getByTestId("account-id")).toBeVisible();
  }

  async accountId(): Promise<string> {
    return (await this.page.getByTestId("account-id").textContent()) ?? "";
  }

  balance() {
    return this.page.getByTestId("bank-balance");
  }

  error() {
    return this.page.getByTestId("error");
  }

  /** The only purse's money she can spend, set aside, and spent. */
  available() {
    return this.page.getByTestId("purse-available");
  }

  pending() {
    return this.page.getByTestId("purse-pending");
  }

  spent() {
    return this.page.getByTestId("purse-spent");
  }

  /** Her history, newest first. */
  history() {
    return this.page.getByTestId("history-list").locator("li");
  }

  /** What is left of the allowance she gives the only purse's seller. */
  allowance() {
    return this.page.getByTestId("purse-allowance");
  }

  /** Opens the allowance form of the only purse's seller, types a new
   * allowance (decimal, `0.10`) and sets it. */
  async changeAllowance(amount: string) {
    await this.page.getByTestId("allowance-change").click();
    await this.retypeAllowance(amount);
  }

  /** In the open allowance form (after a mistake, say): types an allowance and sets it. */
  async retypeAllowance(amount: string) {
    await this.page.getByTestId("allowance-new").fill(amount);
    await this.page.getByTestId("allowance-save").click();
  }

  /** Removes the allowance: the shop must ask her every time. */
  async removeAllowance() {
    await this.page.getByTestId("allowance-change").click();
    await this.page.getByTestId("allowance-remove").click();
  }

  /** Saves a backup as the file `to`. */
  async backup(passphrase: string, to: string) {
    await this.page.getByTestId("backup-passphrase").fill(passphrase);
    const download = this.page.waitForEvent("download");
    await this.page.getByTestId("backup-save").click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("halfpenny-wallet.backup");
    await file.saveAs(to);
  }

  async restore(path: string, passphrase: string) {
    await this.page.getByTestId("restore-file").setInputFiles(path);
    await this.page.getByTestId("restore-passphrase").fill(passphrase);
    await this.page.getByTestId("restore-submit").click();
  }
}
