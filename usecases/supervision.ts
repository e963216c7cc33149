/**
 * 效能监督: the warning level of every case (domain/warning-level.ts), kept
 * with the case, and the alerts for the supervisors — a case that turns
 * YELLOW or RED, a 差评 follow-up past a deadline — put in the alert outbox
 * once per subject and level (store/supervision.ts), then sent to the
 * operator's webhook.
 *
 * These run in the background (delivery/supervision.ts) as the gateway
 * itself: the actor is {@link SYSTEM}.
 *
 * @module
 */
import { DECIDED } from '../domain/application-status.ts';
import { overdueStep } from '../domain/follow-up.ts';
import { warningLevel, type WarningLevel } from '../domain/warning-level.ts';
import { UpstreamError } from '../lib/errors.ts';
import type { BackoffOptions } from '../store/outbox.ts';
import type { Queryable } from '../store/database.ts';
import {
  claimDueAlerts,
  currentWarningCounts,
  enqueueAlert,
  openFollowUps,
  pendingAlertCount,
  recordAlertFailure,
  recordAlertSent,
  recordWarningLevel,
  warningCandidates,
  type WarningCandidate,
} from '../store/supervision.ts';

/** The gateway acting on its own, in the background. */
export const SYSTEM = { kind: 'system' } as const;
export type SystemActor = typeof SYSTEM;

/** The topic's lead department (the registry's `leadDepartment`), or null for a topic it no longer lists. */
export type LeadDepartmentOf = (topicCode: string) => Promise<string | null>;

export interface WarningDeps {
  db: Queryable;
  leadDepartmentOf: LeadDepartmentOf;
  /** CASE_WARNING_YELLOW_AT: the share of the working time from which on a case is YELLOW. */
  yellowAt: number;
}

/** What one evaluation pass did. */
export interface WarningPass {
  evaluated: number;
  /** Cases whose stored level changed. */
  changed: number;
  /** Alerts put in the outbox (a level already alerted is not alerted again). */
  alerts: number;
}

const PAGE = 500;
const isAlerted = (level: WarningLevel): level is 'YELLOW' | 'RED' => level !== 'NONE';

/**
 * Evaluates the level of every case whose level is not final at `now` and
 * stores it; a decided case is evaluated once more at its `decidedAt` and
 * then keeps that level. An undecided case that reaches YELLOW or RED gets
 * one alert per level, naming its department and the topic's lead
 * department; a case that jumps from NONE to RED gets the RED one.
 */
export async function evaluateWarnings(deps: WarningDeps, _actor: SystemActor, request: { now: Date }): Promise<WarningPass> {
  const pass: WarningPass = { evaluated: 0, changed: 0, alerts: 0 };
  const leads = new Map<string, Promise<string | null>>();
  const leadOf = (topicCode: string) => {
    if (!leads.has(topicCode)) leads.set(topicCode, deps.leadDepartmentOf(topicCode));
    return leads.get(topicCode)!;
  };
  let afterId = '';
  for (;;) {
    const page = await warningCandidates(deps.db, { afterId, limit: PAGE });
    for (const c of page) {
      pass.evaluated += 1;
      const decided = DECIDED.has(c.status);
      const level = warningLevel(
        { status: c.status, receivedAt: iso(c.receivedAt), dueAt: iso(c.dueAt), decidedAt: iso(c.decidedAt) },
        request.now,
        { yellowAt: deps.yellowAt },
      );
      if (await recordWarningLevel(deps.db, c.caseId, { level, final: decided, status: c.status })) pass.changed += 1;
      if (!decided && isAlerted(level) && level !== c.warningLevel) {
        if (await enqueueAlert(deps.db, caseAlert(c, level, await leadOf(c.topicCode), request.now))) pass.alerts += 1;
      }
    }
    if (page.length < PAGE) return pass;
    afterId = page.at(-1)!.caseId;
  }
}

const iso = (at: Date | null) => (at ? at.toISOString() : null);

function caseAlert(c: WarningCandidate, level: 'YELLOW' | 'RED', leadDepartment: string | null, now: Date) {
  const subject = `case:${c.caseId}`;
  const id = `${subject}:${level}`;
  return {
    id,
    subject,
    level,
    now,
    payload: {
      id,
      kind: 'CASE_WARNING',
      level,
      caseId: c.caseId,
      applicationId: c.applicationId,
      topicCode: c.topicCode,
      matterCode: c.matterCode,
      department: c.departmentCode,
      leadDepartment,
      receivedAt: iso(c.receivedAt),
      dueAt: iso(c.dueAt),
      raisedAt: now.toISOString(),
    },
  };
}

/**
 * Puts one alert in the outbox for each follow-up and step past its
 * deadline at `now` (CONTACT_OVERDUE: not contacted in time; CLOSE_OVERDUE:
 * neither rectified nor explained in time), naming the lead department.
 * @returns how many alerts were added.
 */
export async function alertOverdueFollowUps(deps: { db: Queryable }, _actor: SystemActor, request: { now: Date }): Promise<number> {
  let added = 0;
  for (const followUp of await openFollowUps(deps.db)) {
    const step = overdueStep(followUp, request.now);
    if (!step) continue;
    const level = `${step}_OVERDUE`;
    const subject = `follow-up:${followUp.applicationId}`;
    const id = `${subject}:${level}`;
    const added1 = await enqueueAlert(deps.db, {
      id,
      subject,
      level,
      now: request.now,
      payload: {
        id,
        kind: 'FOLLOW_UP_OVERDUE',
        level,
        applicationId: followUp.applicationId,
        topicCode: followUp.topicCode,
        department: followUp.leadDepartment,
        leadDepartment: followUp.leadDepartment,
        status: followUp.status,
        dueAt: (step === 'CONTACT' ? followUp.contactDueAt : followUp.closeDueAt).toISOString(),
        raisedAt: request.now.toISOString(),
      },
    });
    if (added1) added += 1;
  }
  return added;
}

/** The receiver of the alerts (connectors/alert-webhook: `AlertWebhookClient` fits). */
export interface AlertReceiver {
  send(alertId: string, body: Record<string, unknown>): Promise<void>;
}

export interface AlertSendDeps {
  db: Queryable;
  receiver: AlertReceiver;
}

export interface AlertSendRequest {
  /** The worker holding the leases. */
  workerId: string;
  now: Date;
  /** Most alerts per batch. */
  limit: number;
  /** Milliseconds an alert is reserved for this worker. */
  leaseMs: number;
  backoff: BackoffOptions;
}

/** What one batch of sending did. */
export interface AlertSendSummary {
  sent: number;
  /** Retried later: the receiver was down, slow or refused. */
  failed: number;
}

/**
 * Sends the due alerts of the outbox, one at a time, oldest first. An
 * alert is done once the receiver answered 2xx; any failure (down, too slow,
 * an error status) leaves it in the outbox for a retry after a backoff, with
 * the same `Idempotency-Key`: nothing is lost, and a receiver that stored an
 * alert whose answer got lost can tell the repetition.
 */
export async function sendDueAlerts(deps: AlertSendDeps, _actor: SystemActor, request: AlertSendRequest): Promise<AlertSendSummary> {
  const summary: AlertSendSummary = { sent: 0, failed: 0 };
  const claimed = await claimDueAlerts(deps.db, request.workerId, { limit: request.limit, leaseMs: request.leaseMs, now: request.now });
  for (const alert of claimed) {
    try {
      await deps.receiver.send(alert.id, alert.payload);
      if (await recordAlertSent(deps.db, alert.id, { workerId: request.workerId, now: new Date() })) summary.sent += 1;
    } catch (error) {
      const described = error instanceof UpstreamError ? `${error.code}: ${error.message}` : String(error);
      await recordAlertFailure(deps.db, alert.id, { workerId: request.workerId, now: request.now, error: described, backoff: request.backoff });
      summary.failed += 1;
    }
  }
  return summary;
}

/** The figures behind the supervision gauges. */
export interface SupervisionFigures {
  /** Undecided cases at YELLOW or RED, by level, department and the topic's lead department. */
  warnings: { level: WarningLevel; department: string; leadDepartment: string; count: number }[];
  /** Alerts not sent yet. */
  pendingAlerts: number;
  /** Follow-ups past a deadline now, by step and lead department. */
  overdueFollowUps: { step: 'CONTACT' | 'CLOSE'; leadDepartment: string; count: number }[];
}

/** The current figures for the gauges (a topic the registry no longer lists counts under lead department `unknown`). */
export async function supervisionFigures(
  deps: { db: Queryable; leadDepartmentOf: LeadDepartmentOf },
  _actor: SystemActor,
  request: { now: Date },
): Promise<SupervisionFigures> {
  const [counts, pendingAlerts, followUps] = await Promise.all([currentWarningCounts(deps.db), pendingAlertCount(deps.db), openFollowUps(deps.db)]);
  const warnings = new Map<string, SupervisionFigures['warnings'][number]>();
  for (const c of counts) {
    const leadDepartment = (await deps.leadDepartmentOf(c.topicCode)) ?? 'unknown';
    const key = `${c.level}|${c.departmentCode}|${leadDepartment}`;
    const entry = warnings.get(key) ?? { level: c.level, department: c.departmentCode, leadDepartment, count: 0 };
    entry.count += c.count;
    warnings.set(key, entry);
  }
  const overdue = new Map<string, SupervisionFigures['overdueFollowUps'][number]>();
  for (const f of followUps) {
    const step = overdueStep(f, request.now);
    if (!step) continue;
    const key = `${step}|${f.leadDepartment}`;
    const entry = overdue.get(key) ?? { step, leadDepartment: f.leadDepartment, count: 0 };
    entry.count += 1;
    overdue.set(key, entry);
  }
  return { warnings: [...warnings.values()], pendingAlerts, overdueFollowUps: [...overdue.values()] };
}
