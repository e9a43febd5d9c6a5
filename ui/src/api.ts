// The workbench talks to the spur server it was served by, through its
// HTTP API (/v1, docs/server.md) and nothing else. The token is kept in
// session storage: gone with the tab, never in a URL.

export type Role = "sender" | "receiver";
export type UserRole = "analyst" | "supervisor" | "admin" | "auditor" | "ingest";
export type AlertStatus = "new" | "in_case" | "cleared";
export type CaseStatus = "open" | "investigating" | "escalated" | "closed" | "reported";
export type Disposition = "undetermined" | "suspicious" | "not_suspicious" | "false_positive";
export type ReportStatus = "draft" | "approved" | "filed";

export interface Me {
  name: string;
  role: UserRole;
}

export interface Indicator {
  code: string;
  contribution: number;
  reason: string;
  parties: string[];
}

export interface Alert {
  id: number;
  subject: string;
  role: Role;
  score: number;
  country: string;
  status: AlertStatus;
  case_id: number | null;
  indicators: Indicator[];
  context: string[];
  transactions: string[];
  payments: number;
  first_seen: number;
  last_seen: number;
  created_at: number;
  updated_at: number;
  cleared_at: number | null;
}

export interface Payment {
  txn_id: string;
  timestamp: number;
  amount: number;
  currency: string;
  sender_id: string;
  sender_name: string;
  sender_country: string;
  receiver_id: string;
  receiver_name: string;
  receiver_country: string;
  channel: string;
  message: string;
  /** The hour the sender's clock showed (spur's one offset per country). */
  sender_local_hour: number;
}

export interface Counterparty {
  id: string;
  name: string;
  country: string;
  payments: number;
  totals: Record<string, number>;
  first: number;
  last: number;
}

export interface NetworkParty {
  id: string;
  name: string;
  country: string;
  hops: number;
  alerts: { id: number; role: Role; score: number; status: AlertStatus }[];
}

export interface NetworkLink {
  sender: string;
  receiver: string;
  payments: number;
  totals: Record<string, number>;
  first: number;
  last: number;
}

export interface Party {
  id: string;
  role: Role | null;
  facts: {
    name: string;
    country: string;
    payments_sent: number;
    payments_received: number;
    sent: Record<string, number>;
    received: Record<string, number>;
    first: number | null;
    last: number | null;
  };
  alerts: Alert[];
  payments: Payment[];
  counterparties: Counterparty[];
  network: { parties: NetworkParty[]; links: NetworkLink[]; truncated: boolean };
}

export interface Note {
  id: number;
  author: string;
  at: number;
  text: string;
}

export interface Case {
  id: number;
  status: CaseStatus;
  disposition: Disposition;
  assignee: string | null;
  close_reason: string | null;
  opened_by: string;
  created_at: number;
  updated_at: number;
  alerts: number[];
  notes: Note[];
}

export interface Report {
  id: number;
  case_id: number;
  profile: string;
  author: string;
  authors: string[];
  entity_reference: string | null;
  corrects: number | null;
  fiu_ref_number: string | null;
  reason: string;
  action: string;
  all_evidence: boolean;
  status: ReportStatus;
  approved_by: string | null;
  created_at: number;
  updated_at: number;
  approved_at: number | null;
  filed_at: number | null;
  xml_bytes: number;
}

export interface AlertDetail {
  alert: Alert;
  /** The evidence payments the store holds, in time order. */
  payments: Payment[];
  /** Evidence txn ids whose details the store does not hold. */
  missing: string[];
  counterparties: Counterparty[];
}

export interface CaseDetail {
  case: Case;
  alerts: Alert[];
  reports: Report[];
}

export interface DayCount {
  day: string;
  count: number;
  usd: number;
}

export interface Stats {
  payments: number;
  payments_by_day: DayCount[];
  corridors: { from: string; to: string; payments: number; usd: number }[];
  amounts: { from_usd: number; to_usd: number | null; payments: number }[];
  unconverted: number;
  show_price_usd: [number, number];
  alerts_by_day: DayCount[];
  funnel: {
    alerts: number;
    alerts_in_cases: number;
    cases: number;
    reports_filed: number;
    median_hours_to_report: number | null;
    filed_within_deadline: number;
  };
  report_within_days: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** An answer other than 2xx, as the server's one error table says it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "spur.token";

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(t: string | null): void {
  if (t === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, t);
}

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, q?: Query): string {
  if (!q) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

async function call(method: string, path: string, body?: unknown, t = token()): Promise<Response> {
  const headers: Record<string, string> = {};
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  if (!r.ok) {
    let code = "http_" + r.status;
    let message = r.statusText;
    try {
      const e = await r.json();
      code = e.code ?? code;
      message = e.message ?? message;
    } catch {
      // Not the server's error body (a proxy's page): keep the status line.
    }
    throw new ApiError(r.status, code, message);
  }
  return r;
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await call(method, path, body)).json() as Promise<T>;
}

export const api = {
  /** Who a token belongs to: the sign-in check. */
  me: async (t: string): Promise<Me> => (await call("GET", "/v1/me", undefined, t)).json(),
  alerts: (q: Query) => json<Page<Alert>>("GET", withQuery("/v1/alerts", q)),
  alert: (id: number) => json<AlertDetail>("GET", `/v1/alerts/${id}`),
  party: (id: string, role?: Role) =>
    json<Party>("GET", withQuery(`/v1/parties/${encodeURIComponent(id)}`, { role })),
  cases: (q: Query) => json<Page<Case>>("GET", withQuery("/v1/cases", q)),
  case: (id: number) => json<CaseDetail>("GET", `/v1/cases/${id}`),
  openCase: (alert: number) => json<Case>("POST", "/v1/cases", { alert }),
  addAlert: (c: number, alert: number) => json<Case>("POST", `/v1/cases/${c}/alerts`, { alert }),
  assign: (c: number, assignee: string) => json<Case>("PUT", `/v1/cases/${c}/assignee`, { assignee }),
  note: (c: number, text: string) => json<Case>("POST", `/v1/cases/${c}/notes`, { text }),
  status: (c: number, status: CaseStatus) => json<Case>("PUT", `/v1/cases/${c}/status`, { status }),
  disposition: (c: number, disposition: Disposition) =>
    json<Case>("PUT", `/v1/cases/${c}/disposition`, { disposition }),
  close: (c: number, reason: string) => json<Case>("POST", `/v1/cases/${c}/close`, { reason }),
  stats: () => json<Stats>("GET", "/v1/stats"),
  reports: (q: Query) => json<Page<Report>>("GET", withQuery("/v1/reports", q)),
  draft: (c: number, fiu: string, reason?: string) =>
    json<{ report: Report; warnings: string[] }>("POST", "/v1/reports", {
      case: c,
      fiu,
      reason: reason || undefined,
    }),
  approve: (r: number) => json<Report>("POST", `/v1/reports/${r}/approve`),
  file: (r: number) => json<Report>("POST", `/v1/reports/${r}/file`),
  xml: async (r: number): Promise<string> => (await call("GET", `/v1/reports/${r}/xml`)).text(),
};
