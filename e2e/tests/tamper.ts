import { expect } from "@playwright/test";

// What a modified page or a hand-made request does to protocol messages.

/** The text form of a message with its last byte changed. */
export function flipLastByte(text: string): string {
  const [prefix, rest] = [text.slice(0, 5), text.slice(5)];
  const bytes = Buffer.from(rest, "base64url");
  bytes[bytes.length - 1] ^= 0x5a;
  return prefix + bytes.toString("base64url");
}

/** The payment `payment` with its nonce replaced by the one in `request`. */
export function withNonceOf(payment: string, request: string): string {
  const bytes = (text: string, prefix: string) => {
    expect(text.startsWith(prefix)).toBe(true);
    return Buffer.from(text.slice(prefix.length), "base64url");
  };
  const p = bytes(payment, "hpp1.");
  const r = bytes(request, "hpr1.");
  // Payment: version, nonce (16 bytes), … PaymentRequest: version, seller (32), nonce (16), …
  r.copy(p, 1, 33, 49);
  return `hpp1.${p.toString("base64url")}`;
}

/** The payment `payment` made to claim it spends purse `of`'s halves
 * (its purse id replaced by the one in the payment `of`). */
export function withPurseOf(payment: string, of: string): string {
  const p = Buffer.from(payment.slice(5), "base64url");
  const o = Buffer.from(of.slice(5), "base64url");
  // Payment: version, nonce (16 bytes), purse id (16 bytes), items.
  o.copy(p, 17, 17, 33);
  return `hpp1.${p.toString("base64url")}`;
}
