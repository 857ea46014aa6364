// The HTTP API as the portal uses it: bearer token, one error shape, paging.

const TOKEN_KEY = "smechain.token";

/** A refusal from the API: {status, code, field, message} (docs/api.md, "Errors"). */
export class ApiError extends Error {
  constructor({ status = 0, code = "error", field = null, message = "", tx_hash = null } = {}) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.field = field || fieldOfMessage(message);
    this.txHash = tx_hash;
  }
}

/** Ledger messages name their field first ("amounts: sum 5 is not …"); use it when none is given. */
export function fieldOfMessage(message) {
  const m = /^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*):\s/.exec(message || "");
  return m ? m[1] : null;
}

let unauthorisedHandler = () => {};

export function onUnauthorised(handler) {
  unauthorisedHandler = handler;
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function url(path, query) {
  const u = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, String(v));
  }
  return u.pathname + u.search;
}

/** Call the API; answers the decoded JSON body or throws an ApiError. */
export async function request(method, path, { query, body, form, auth = true, token = getToken() } = {}) {
  const headers = { Accept: "application/json" };
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (form) {
    payload = form; // FormData: the browser sets the multipart boundary
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url(path, query), { method, headers, body: payload });
  } catch (err) {
    throw new ApiError({ status: 0, code: "network", message: String(err.message || err) });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: { status: response.status, code: "bad_response", message: text.slice(0, 200) } };
    }
  }
  if (!response.ok) {
    const err = (data && data.error) || {};
    if (response.status === 401 && auth && path !== "/v1/auth/login") unauthorisedHandler();
    throw new ApiError({
      status: err.status || response.status,
      code: err.code || "http_" + response.status,
      field: err.field,
      message: err.message || (data && typeof data.detail === "string" ? data.detail : response.statusText),
      tx_hash: err.tx_hash,
    });
  }
  return data;
}

export const get = (path, query) => request("GET", path, { query });
export const post = (path, body, query) => request("POST", path, { body: body ?? {}, query });
export const patch = (path, body) => request("PATCH", path, { body });
export const del = (path) => request("DELETE", path);

/** A custodial transaction: the peer signs for the caller and waits for the block. */
export async function submit(contract, action, args) {
  const result = await post(`/v1/contracts/${contract}/${action}`, args, { wait: "true" });
  return checkTx(result);
}

/** A TxResult whose receipt failed is an error too (its hash is on the chain). */
export function checkTx(result) {
  const tx = result && result.tx_hash !== undefined ? result : result && result.result;
  if (tx && tx.ok === false) {
    throw new ApiError({ status: 409, code: tx.code, message: tx.message, tx_hash: tx.tx_hash });
  }
  return result;
}

/** The tx hash of a TxResult or of an answer that carries one. */
export function txHashOf(result) {
  if (!result) return "";
  return result.tx_hash || (result.result && result.result.tx_hash) ||
    (result.tx && result.tx.tx_hash) || "";
}

/** A list answer {items, total, offset, limit}; a bare array is paged here. */
export function page(data, offset = 0, limit = 50) {
  if (Array.isArray(data)) return { items: data.slice(offset, offset + limit), total: data.length, offset, limit };
  return {
    items: (data && data.items) || [],
    total: (data && data.total) ?? 0,
    offset: (data && data.offset) ?? offset,
    limit: (data && data.limit) ?? limit,
  };
}
