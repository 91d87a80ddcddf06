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
