import { expect, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cargoTarget } from "../servers";

/** The seller's till page, as a kiosk keeper uses it. */
export class TillPage {
  constructor(readonly page: Page) {}

  async open(bank: string) {
    await this.page.goto(`${bank}/till/`);
  }

  /** Makes the till's keys and registers it at the bank (the page's origin). */
  async create() {
    await this.page.getByTestId("till-create").click();
    await expect(this.page.getByTestId("till-seller-id")).toHaveText(/^[0-9a-f]{64}$/, { timeout: 90_000 });
  }

  async sellerId(): Promise<string> {
    return (await this.page.getByTestId("till-seller-id").textContent()) ?? "";
  }

  error() {
    return this.page.getByTestId("till-error");
  }

  /** Asks for payment; the request's text code (`hpr1.…`). */
  async offer(item: string, price: string): Promise<string> {
    const shown = this.page.getByTestId("till-payment-request");
    const before = (await shown.count()) > 0 ? await shown.inputValue() : "";
    await this.page.getByTestId("till-item").fill(item);
    await this.page.getByTestId("till-price").fill(price);
    await this.page.getByTestId("till-offer").click();
    await expect(shown).toHaveValue(/^hpr1\./);
    await expect(shown).not.toHaveValue(before);
    await expect(this.page.getByTestId("till-payment-request-qr").locator("svg")).toBeVisible();
    return shown.inputValue();
  }

  /** Forwards her purse request to the bank; her sealed purse (`hps1.…`). */
  async forward(purseRequest: string): Promise<string> {
    await this.page.getByTestId("till-purse-request").fill(purseRequest);
    await this.page.getByTestId("till-forward").click();
    const purse = this.page.getByTestId("till-buyer-purse");
    await expect(purse).toHaveValue(/^hps1\./);
    return purse.inputValue();
  }

  /** Pastes a payment and takes it; the receipt (`hpc1.…`). */
  async accept(payment: string): Promise<string> {
    await this.submit(payment);
    const receipt = this.page.getByTestId("till-receipt");
    await expect(receipt).toHaveValue(/^hpc1\./);
    await expect(this.page.getByTestId("till-refused")).toHaveCount(0);
    return receipt.inputValue();
  }

  /** Pastes a payment the till must refuse; the sentence it shows. */
  async refuse(payment: string) {
    await this.submit(payment);
    const refused = this.page.getByTestId("till-refused");
    await expect(refused).toBeVisible();
    await expect(this.page.getByTestId("till-receipt")).toHaveCount(0);
    return refused;
  }

  private async submit(payment: string) {
    await this.page.getByTestId("till-payment").fill(payment);
    // Typing a payment clears the last one's outcome.
    await expect(this.page.getByTestId("till-receipt")).toHaveCount(0);
    await expect(this.page.getByTestId("till-refused")).toHaveCount(0);
    await this.page.getByTestId("till-accept").click();
    await expect(this.page.getByTestId("till-receipt").or(this.page.getByTestId("till-refused"))).toBeVisible();
  }

  takings() {
    return this.page.getByTestId("till-takings");
  }

  /** Redeems the takings; the sentence saying what the bank credited. */
  async redeem() {
    await this.page.getByTestId("till-redeem").click();
    const result = this.page.getByTestId("till-redeem-result");
    await expect(result.or(this.error())).toBeVisible();
    await expect(this.error()).toHaveCount(0);
    return result;
  }
}

/** A bank of the test's own, which it can stop and start again on the same
 * data folder (Playwright's shared bank cannot be stopped). */
export class OwnBank {
  private child: ChildProcess | null = null;
  private readonly data = mkdtempSync(path.join(tmpdir(), "halfpenny-story-4-"));

  constructor(
    readonly port: number,
    readonly operatorToken: string,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    // Someone else's server on this port would answer the health check
    // below in place of ours.
    if (await this.answers()) throw new Error(`port ${this.port} is already in use`);
    const root = path.resolve(__dirname, "../..");
    const child = spawn(
      path.join(cargoTarget(), "debug/bank-server"),
      [
        "serve",
        "--listen", `127.0.0.1:${this.port}`,
        "--database", `sqlite://${this.data}/bank.db`,
        "--keys", path.join(this.data, "keys"),
        "--wallet-dir", path.join(root, "static/wallet"),
        "--till-dir", path.join(root, "static/till"),
      ],
      { env: { ...process.env, HALFPENNY_OPERATOR_TOKEN: this.operatorToken, RUST_LOG: "warn" }, stdio: ["ignore", "ignore", "inherit"] },
    );
    this.child = child;
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`the bank exited with ${child.exitCode}`);
      if (await this.answers()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the bank did not start in 30 seconds");
  }

  /** True when a bank answers on the port. */
  private async answers(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/v1/health`)).ok;
    } catch {
      return false; // nothing listening
    }
  }

  async stop() {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }

  /** Stops it for good and removes its data. */
  async dispose() {
    await this.stop();
    rmSync(this.data, { recursive: true, force: true });
  }

  operator() {
    return { authorization: `Bearer ${this.operatorToken}` };
  }
}
