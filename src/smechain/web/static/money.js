// Money is an integer count of minor units (fen). Shown as yuan; typed yuan become fen exactly.

const AMOUNT = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/;

/** 123456 → "1,234.56"; negative and very large (BigInt or string) amounts too. */
export function formatAmount(minor) {
  if (minor === null || minor === undefined || minor === "") return "";
  let n;
  try {
    n = BigInt(minor);
  } catch {
    return String(minor);
  }
  const sign = n < 0n ? "-" : "";
  if (n < 0n) n = -n;
  const whole = (n / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (n % 100n).toString().padStart(2, "0");
  return `${sign}${whole}.${cents}`;
}

/** "1,234.56 CNY"; the currency only when given. */
export function formatMoney(minor, currency) {
  const text = formatAmount(minor);
  return currency ? `${text} ${currency}` : text;
}

/**
 * Parse a yuan amount typed by a person into fen without floating point:
 * "1,234.5" → 123450. Answers {value} or {error: i18n key}.
 */
export function parseAmount(text) {
  const s = String(text ?? "").trim().replace(/^[¥￥]\s*/, "");
  if (!s) return { error: "err.required" };
  if (s.startsWith("-")) return { error: "err.positive" };
  const m = AMOUNT.exec(s);
  if (!m) return { error: "err.amount_format" };
  const fen = BigInt(m[1].replaceAll(",", "")) * 100n + BigInt((m[2] || "").padEnd(2, "0"));
  if (fen <= 0n) return { error: "err.positive" };
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) return { error: "err.too_large" };
  return { value: Number(fen) };
}

/** A percentage with up to two decimals, exactly, as basis points: "4.35" → 435. */
export function parseRateBp(text) {
  const s = String(text ?? "").trim().replace(/%$/, "").trim();
  if (!s) return { error: "err.required" };
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return { error: "err.rate_format" };
  const bp = Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
  if (bp > 10000) return { error: "err.rate_range" };
  return { value: bp };
}

/** 435 → "4.35%". */
export function formatRate(bp) {
  if (bp === null || bp === undefined) return "";
  const n = Number(bp);
  return `${Math.trunc(n / 100)}.${String(n % 100).padStart(2, "0")}%`;
}

/** Compact yuan for chart axes: 12345600 fen → "123,456"; keeps no fen. */
export function formatAxisYuan(minor) {
  const yuan = Math.round(Number(minor) / 100);
  return yuan.toLocaleString("en-US");
}
