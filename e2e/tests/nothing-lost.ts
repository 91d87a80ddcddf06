import { expect, type APIRequestContext, type BrowserContext, type Page } from "@playwright/test";
import { BANK, OPERATOR_TOKEN } from "../playwright.config";
import { fundedBuyer, onlyPurse, ShopPage } from "./shop-page";

// What the nothing-lost stories read from the wallet page: her balance as
// the bank itself answers it, and her money table, in minor units.

/** What the bank's answer to her statement request says, in minor units:
 * her balance and how many purses it charged her for. */
export type BankStatement = { balance: number; mints: number; refunds: number[] };

/** Presses "Check with the bank" on her wallet page and reads the bank's
 * own JSON answer to the signed statement request the page sends
 * (`POST /v1/statements`): integers, not the page's text. */
export async function bankStatement(page: Page): Promise<BankStatement> {
  const answer = page.waitForResponse(
    (r) => new URL(r.url()).pathname === "/v1/statements" && r.request().method() === "POST",
  );
  await page.getByTestId("refresh").click();
  const reply = await answer;
  expect(reply.status(), "the bank answered her statement request").toBe(200);
  const body = (await reply.json()) as { balance_minor: number; lines?: { kind: string; amount_minor: number }[] };
  const lines = body.lines ?? [];
  return {
    balance: body.balance_minor,
    mints: lines.filter((l) => l.kind === "mint").length,
    refunds: lines.filter((l) => l.kind === "refund").map((l) => l.amount_minor),
  };
}

/** Her balance at the bank in minor units (see {@link bankStatement}). */
export async function bankBalance(page: Page): Promise<number> {
  return (await bankStatement(page)).balance;
}

export type Money = {
  spendable: number;
  pending: number;
  spent: number;
  refunding: number;
  refunded: number;
  expired: number;
};

/** The USD row of her money table ("Where your money is"): each state's
 * `data-minor`. */
export async function money(page: Page): Promise<Money> {
  const row = page.locator('[data-testid="money-row"][data-currency="USD"]');
  await expect(row).toHaveCount(1);
  const cell = async (state: keyof Money) => Number(await row.getByTestId(`money-${state}`).getAttribute("data-minor"));
  return {
    spendable: await cell("spendable"),
    pending: await cell("pending"),
    spent: await cell("spent"),
    refunding: await cell("refunding"),
    refunded: await cell("refunded"),
    expired: await cell("expired"),
  };
}

/** Moves the bank's clock `secs` ahead of the system's (0 puts it back).
 * The e2e bank is built with `--features test-clock` (`./test` does). */
export async function setBankClockAhead(request: APIRequestContext, secs: number) {
  const answer = await request.put(`${BANK}/v1/test/clock`, {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    data: { ahead_secs: secs },
  });
  expect(answer.status(), "the bank is built with test-clock (cargo build -p bank-server --features test-clock)").toBe(200);
}

/** Makes the page's clock (`Date.now`, what the wallet reads) run `ms`
 * ahead from its next load on. */
export async function setPageClockAhead(page: Page, ms: number) {
  await page.addInitScript((ahead) => {
    const real = Date.now.bind(Date);
    Date.now = () => real() + ahead;
  }, ms);
}

/** A funded buyer who bought a purse of 20 one-cent coins through the
 * newspaper and paid one of them for article-1: 19 cents spendable, her
 * wallet page reloaded. */
export async function paidOnce(page: Page, context: BrowserContext, request: APIRequestContext, funded: number, key: string) {
  const { wallet, account } = await fundedBuyer(page, request, funded, key);
  const herald = new ShopPage(await context.newPage());
  await herald.open();
  const popup = await herald.clickPay("article-1");
  await popup.buyPurse("0.20", 1);
  await popup.pay();
  await herald.expectUnlocked("article-1");
  await wallet.page.reload();
  return { wallet, account, herald, purse: await onlyPurse(page) };
}
