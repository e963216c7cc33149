/**
 * Simulator of one department's approval system (部门业务审批系统).
 *
 * A case's history is a pure function of what happened to it (received,
 * supplemented, withdrawn) and of the simulated clock, recomputed on every
 * read, so no timer per case can outlive the sandbox:
 *
 *   RECEIVED ─step→ ACCEPTED ─step→ IN_REVIEW ─step→ APPROVED | REJECTED
 *
 * A case with DEFERRED (容缺) materials still outstanding when the review
 * ends goes to SUPPLEMENT_REQUIRED instead, and back to IN_REVIEW for one
 * more step once every one has been handed in. Events up to "now" are never
 * rewritten: supplements and withdrawals only add events from now on.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Certificate } from '../connectors/e-certificates/models.ts';
import type { CertificateType, Department, Matter } from '../connectors/matter-registry/models.ts';
import { addWorkingDays } from '../domain/working-days.ts';
import { requireBearer } from './access.ts';
import type { CertificateStore } from './e-certificates.ts';
import { HttpError, healthRoute, jsonReply, type Route, type SimRequest } from './http.ts';

export type CaseStatus = 'RECEIVED' | 'ACCEPTED' | 'IN_REVIEW' | 'SUPPLEMENT_REQUIRED' | 'APPROVED' | 'REJECTED' | 'WITHDRAWN';

/** The contract's Case. */
export interface CaseView {
  caseId: string;
  matterCode: string;
  applicationId: string;
  status: CaseStatus;
  statusReason: string | null;
  receivedAt: string;
  updatedAt: string;
  dueAt: string;
  decidedAt: string | null;
  requestedMaterials: string[];
  result: { certificateId: string | null; certificateNumber: string | null } | null;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
const MAX_CASE_IDS = 100;

/**
 * The deterministic rejection rule that gives demos a realistic REJECTED
 * case: premises smaller than this (form field business.areaSqm) are refused.
 */
const AREA_FIELD = 'business.areaSqm';
const MIN_AREA_SQM = 10;

const provisionSchema = z.enum(['UPLOADED', 'E_CERTIFICATE', 'DATA_SHARING', 'INTERNAL_RESULT', 'GOVERNMENT_ISSUED', 'DEFERRED']);

const materialRefSchema = z.object({
  code: z.string(),
  provision: provisionSchema,
  certificateId: z.string().nullable().optional(),
  fileRef: z.string().nullable().optional(),
});

const caseSubmissionSchema = z.object({
  matterCode: z.string(),
  applicationId: z.string(),
  applicant: z.object({ type: z.enum(['PERSON', 'ENTERPRISE']), id: z.string(), name: z.string() }),
  form: z.record(z.string(), z.unknown()),
  materials: z.array(materialRefSchema),
  prerequisiteResults: z.array(z.object({ matterCode: z.string(), certificateId: z.string() })).optional(),
  deliveryMethod: z.enum(['WINDOW', 'POST', 'ONLINE']).optional(),
});
type CaseSubmission = z.infer<typeof caseSubmissionSchema>;

const supplementSchema = z.object({ materials: z.array(materialRefSchema) });

interface Supplement {
  at: number;
  idempotencyKey: string;
  codes: ReadonlySet<string>;
}

/** What happened to a case; its history is derived from these facts. */
interface StoredCase {
  caseId: string;
  submission: CaseSubmission;
  matter: Matter;
  receivedAt: number;
  dueAt: number;
  /** Codes of the materials submitted as DEFERRED (容缺). */
  deferred: readonly string[];
  /** In the order they arrived, which is also time order. */
  supplements: Supplement[];
  withdrawnAt: number | null;
  rejectionReason: string | null;
  /** Issued the first time the case is seen APPROVED. */
  certificate: Certificate | null;
  /** How many history events the change feed has already reported. */
  reported: number;
}

interface CaseEvent {
  at: number;
  status: CaseStatus;
  statusReason: string | null;
  requestedMaterials: string[];
}

export interface ApprovalSettings {
  department: Department;
  /** The matters this department handles. */
  matters: readonly Matter[];
  certificateTypes: readonly CertificateType[];
  /** Where result certificates are issued. */
  certificates: CertificateStore;
  token: string;
  /** Milliseconds between two status changes of a case. */
  caseStepMs: number;
  now: () => number;
}

export class ApprovalSystem {
  readonly #settings: ApprovalSettings;
  readonly #matters: ReadonlyMap<string, Matter>;
  readonly #cases = new Map<string, StoredCase>();
  readonly #casesByKey = new Map<string, StoredCase>();

  constructor(settings: ApprovalSettings) {
    this.#settings = settings;
    this.#matters = new Map(settings.matters.map((matter) => [matter.code, matter]));
    settings.certificates.addSettler(() => this.#issueDueCertificates());
  }

  get departmentCode(): string {
    return this.#settings.department.code;
  }

  routes(): Route[] {
    return [
      healthRoute,
      { method: 'POST', path: '/api/v1/cases', handle: (request) => this.#submit(request) },
      { method: 'GET', path: '/api/v1/cases', handle: (request) => this.#read(request) },
      { method: 'POST', path: '/api/v1/cases/:caseId/supplements', handle: (request) => this.#supplement(request) },
      { method: 'POST', path: '/api/v1/cases/:caseId/withdrawal', handle: (request) => this.#withdraw(request) },
    ];
  }

  /**
   * Every change of every case since the previous call, oldest first, each
   * as the case looked right after it: the payloads of the
   * caseStatusChanged webhook. Receipt itself is not a change (the POST that
   * created the case already answered it).
   */
  takeChanges(): CaseView[] {
    const now = this.#settings.now();
    const changes: CaseView[] = [];
    for (const stored of this.#cases.values()) {
      const history = this.#historyUntil(stored, now);
      for (let count = stored.reported + 1; count <= history.length; count += 1) {
        changes.push(this.#view(stored, history.slice(0, count)));
      }
      stored.reported = Math.max(stored.reported, history.length);
    }
    return changes;
  }

  #submit(request: SimRequest) {
    requireBearer(request, this.#settings.token);
    const idempotencyKey = idempotencyKeyOf(request);
    const submission = request.body(caseSubmissionSchema);
    const existing = this.#casesByKey.get(idempotencyKey);
    if (existing) return jsonReply(200, this.#viewNow(existing));

    const matter = this.#matters.get(submission.matterCode);
    if (!matter) {
      throw new HttpError(422, 'MATTER_NOT_HANDLED', `${this.departmentCode} does not handle matter ${submission.matterCode}`);
    }
    const receivedAt = this.#settings.now();
    const stored: StoredCase = {
      caseId: `${this.departmentCode}-${chinaDate(receivedAt).replaceAll('-', '')}-${randomBytes(4).toString('hex').toUpperCase()}`,
      submission,
      matter,
      receivedAt,
      // Like a department's own system: the committed time limit in working days, holidays and 调休 counted.
      dueAt: addWorkingDays(new Date(receivedAt), matter.committedDays).getTime(),
      deferred: submission.materials.filter((material) => material.provision === 'DEFERRED').map((material) => material.code),
      supplements: [],
      withdrawnAt: null,
      rejectionReason: rejectionReasonOf(submission.form),
      certificate: null,
      reported: 1,
    };
    this.#cases.set(stored.caseId, stored);
    this.#casesByKey.set(idempotencyKey, stored);
    return jsonReply(201, this.#viewNow(stored));
  }

  #read(request: SimRequest) {
    requireBearer(request, this.#settings.token);
    const ids = (request.query.get('ids') ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    if (ids.length === 0) throw new HttpError(400, 'BAD_REQUEST', 'The ids parameter needs at least one case id');
    if (ids.length > MAX_CASE_IDS) throw new HttpError(400, 'BAD_REQUEST', `At most ${MAX_CASE_IDS} case ids per call, got ${ids.length}`);
    const items = [...new Set(ids)].flatMap((id) => {
      const stored = this.#cases.get(id);
      return stored ? [this.#viewNow(stored)] : [];
    });
    return jsonReply(200, { items });
  }

  #supplement(request: SimRequest) {
    requireBearer(request, this.#settings.token);
    const idempotencyKey = idempotencyKeyOf(request);
    const stored = this.#caseOf(request);
    const { materials } = request.body(supplementSchema);
    if (materials.some((material) => material.provision === 'DEFERRED')) {
      throw new HttpError(400, 'BAD_REQUEST', 'A supplement hands materials in; it cannot defer them');
    }
    if (stored.supplements.some((supplement) => supplement.idempotencyKey === idempotencyKey)) {
      return jsonReply(200, this.#viewNow(stored));
    }
    const now = this.#settings.now();
    const status = this.#historyUntil(stored, now).at(-1)?.status;
    const waiting =
      status === 'SUPPLEMENT_REQUIRED' ||
      (!isClosed(status) && missingMaterials(stored, (supplement) => supplement.at <= now).length > 0);
    if (!waiting) throw new HttpError(409, 'NOT_WAITING_FOR_MATERIALS', `Case ${stored.caseId} is not waiting for materials`);
    stored.supplements.push({ at: now, idempotencyKey, codes: new Set(materials.map((material) => material.code)) });
    return jsonReply(200, this.#viewNow(stored));
  }

  #withdraw(request: SimRequest) {
    requireBearer(request, this.#settings.token);
    const stored = this.#caseOf(request);
    const now = this.#settings.now();
    const status = this.#historyUntil(stored, now).at(-1)?.status;
    // A repeated withdrawal (a retry after a lost answer) gets the same answer.
    if (status === 'WITHDRAWN') return jsonReply(200, this.#viewNow(stored));
    if (isClosed(status)) throw new HttpError(409, 'ALREADY_DECIDED', `Case ${stored.caseId} is already decided (${status})`);
    stored.withdrawnAt = now;
    return jsonReply(200, this.#viewNow(stored));
  }

  #caseOf(request: SimRequest): StoredCase {
    const stored = this.#cases.get(request.params.caseId ?? '');
    if (!stored) throw new HttpError(404, 'CASE_NOT_FOUND', `No case with id ${request.params.caseId}`);
    return stored;
  }

  /** The case's whole history, future events included, given what has happened to it so far. */
  #history(stored: StoredCase): CaseEvent[] {
    const step = this.#settings.caseStepMs;
    const { receivedAt, matter } = stored;
    const events = [
      event(receivedAt, 'RECEIVED'),
      event(receivedAt + step, 'ACCEPTED'),
      event(receivedAt + 2 * step, 'IN_REVIEW'),
    ];
    const askedAt = receivedAt + 3 * step;
    let decisionAt: number | null = askedAt;
    let missing = missingMaterials(stored, (supplement) => supplement.at < askedAt);
    if (missing.length > 0) {
      events.push(supplementRequired(askedAt, missing, matter));
      decisionAt = null;
      for (const supplement of stored.supplements.filter(({ at }) => at >= askedAt)) {
        const stillMissing = missingMaterials(stored, (other) => other.at <= supplement.at);
        if (stillMissing.length === 0) {
          events.push(event(supplement.at, 'IN_REVIEW'));
          decisionAt = supplement.at + step;
          break;
        }
        if (stillMissing.length < missing.length) events.push(supplementRequired(supplement.at, stillMissing, matter));
        missing = stillMissing;
      }
    }
    if (decisionAt !== null) {
      events.push(
        stored.rejectionReason === null ? event(decisionAt, 'APPROVED') : event(decisionAt, 'REJECTED', stored.rejectionReason),
      );
    }
    const { withdrawnAt } = stored;
    if (withdrawnAt === null) return events;
    return [...events.filter(({ at }) => at <= withdrawnAt), event(withdrawnAt, 'WITHDRAWN', '申请人撤回申请')];
  }

  #historyUntil(stored: StoredCase, now: number): CaseEvent[] {
    return this.#history(stored).filter(({ at }) => at <= now);
  }

  #viewNow(stored: StoredCase): CaseView {
    return this.#view(stored, this.#historyUntil(stored, this.#settings.now()));
  }

  /** The case as it stood after the last of `history`'s events. */
  #view(stored: StoredCase, history: readonly CaseEvent[]): CaseView {
    const last = history.at(-1);
    if (!last) throw new Error(`Case ${stored.caseId} has no history yet`);
    const decision = history.find(({ status }) => status === 'APPROVED' || status === 'REJECTED');
    return {
      caseId: stored.caseId,
      matterCode: stored.matter.code,
      applicationId: stored.submission.applicationId,
      status: last.status,
      statusReason: last.statusReason,
      receivedAt: isoTime(stored.receivedAt),
      updatedAt: isoTime(last.at),
      dueAt: isoTime(stored.dueAt),
      decidedAt: decision ? isoTime(decision.at) : null,
      requestedMaterials: last.requestedMaterials,
      result: last.status === 'APPROVED' ? this.#resultOf(stored, last.at) : null,
    };
  }

  #resultOf(stored: StoredCase, approvedAt: number): NonNullable<CaseView['result']> {
    const typeCode = stored.matter.resultCertificateType;
    if (!typeCode) return { certificateId: null, certificateNumber: null };
    stored.certificate ??= this.#issueCertificate(stored, typeCode, approvedAt);
    return { certificateId: stored.certificate.id, certificateNumber: stored.certificate.number };
  }

  #issueCertificate(stored: StoredCase, typeCode: string, approvedAt: number): Certificate {
    const { department, certificateTypes, certificates } = this.#settings;
    const issuedAt = chinaDate(approvedAt);
    const serial = String(certificates.nextSerial()).padStart(6, '0');
    const certificate: Certificate = {
      id: `EC-${randomUUID()}`,
      typeCode,
      typeName: certificateTypes.find(({ code }) => code === typeCode)?.name ?? typeCode,
      // e.g. SPJY4405142025000001: type, issuing region, year, serial.
      number: `${typeCode.replace(/^CT-/, '')}${department.region}${issuedAt.slice(0, 4)}${serial}`,
      holderId: stored.submission.applicant.id,
      holderName: stored.submission.applicant.name,
      issuerDepartment: department.code,
      issuedAt,
      validFrom: issuedAt,
      validUntil: null,
      status: 'VALID',
    };
    certificates.add(certificate);
    return certificate;
  }

  /** Runs before every read of the certificate store, so approved cases' certificates are there. */
  #issueDueCertificates(): void {
    for (const stored of this.#cases.values()) {
      if (stored.certificate === null && stored.matter.resultCertificateType) this.#viewNow(stored);
    }
  }
}

function idempotencyKeyOf(request: SimRequest): string {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '') throw new HttpError(400, 'BAD_REQUEST', 'The Idempotency-Key header is required');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new HttpError(400, 'BAD_REQUEST', `The Idempotency-Key header is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return key;
}

function rejectionReasonOf(form: Record<string, unknown>): string | null {
  const raw = form[AREA_FIELD];
  const area = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  return area < MIN_AREA_SQM ? `经营场所面积${area}平方米，不足${MIN_AREA_SQM}平方米，不符合许可条件，不予许可` : null;
}

/** Deferred materials not handed in by the supplements `counted` selects, in submission order. */
function missingMaterials(stored: StoredCase, counted: (supplement: Supplement) => boolean): string[] {
  const handedIn = new Set(stored.supplements.filter(counted).flatMap((supplement) => [...supplement.codes]));
  return stored.deferred.filter((code) => !handedIn.has(code));
}

function isClosed(status: CaseStatus | undefined): boolean {
  return status === 'APPROVED' || status === 'REJECTED' || status === 'WITHDRAWN';
}

function event(at: number, status: CaseStatus, statusReason: string | null = null): CaseEvent {
  return { at, status, statusReason, requestedMaterials: [] };
}

function supplementRequired(at: number, missing: string[], matter: Matter): CaseEvent {
  const names = missing.map((code) => matter.materials.find((material) => material.code === code)?.name ?? code);
  return { at, status: 'SUPPLEMENT_REQUIRED', statusReason: `容缺受理，请补交：${names.join('、')}`, requestedMaterials: missing };
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The calendar date in China (UTC+8, no daylight saving), as certificates and case numbers use it. */
function chinaDate(ms: number): string {
  return new Date(ms + 8 * 60 * 60 * 1000).toISOString().slice(0, 10);
}
