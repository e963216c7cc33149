/**
 * Applications, their materials and cases (tables of
 * `002_applications.sql`): written in one transaction at submission, read
 * back for the applicant and for department staff.
 */
import type { CaseStatus } from '../domain/application-status.ts';
import { materialCounts } from '../domain/metrics.ts';
import type { WarningLevel } from '../domain/warning-level.ts';
import type { ApplicationChannel } from '../domain/channel.ts';
import type { DeliveryMethod, Provision } from '../domain/submission.ts';
import { toCase, type CaseRecord, type CaseRow } from './case-status.ts';
import type { Queryable } from './database.ts';

export type { CaseRecord };

export interface StoredExemption {
  reason: 'INTERNAL_RESULT' | 'E_CERTIFICATE' | 'DATA_SHARING' | 'GOVERNMENT_ISSUED';
  producedBy?: string;
  certificate?: { id: string; number: string; typeCode: string; typeName: string; validUntil: string | null };
}

export interface ApplicationRecord {
  id: string;
  applicant: string;
  applicantKind: 'PERSON' | 'ENTERPRISE';
  applicantName: string;
  topicCode: string;
  topicName: string;
  topicVersion: number;
  region: string;
  answers: Record<string, unknown>;
  form: Record<string, string | number | boolean>;
  deliveryMethod: DeliveryMethod;
  /** Where it was made (store/migrations/009: PC for those stored before the channel was kept). */
  channel: ApplicationChannel;
  idempotencyKey: string;
  /** SHA-256 of the canonical submission stored under the key (domain/idempotency.ts); null for applications stored before it was kept. */
  requestFingerprint: string | null;
  materialsBefore: number;
  materialsToSubmit: number;
  legalDaysTotal: number;
  committedDays: number;
  submittedAt: Date;
  updatedAt: Date;
}

export interface MaterialRecord {
  position: number;
  code: string;
  name: string;
  provision: Provision | null;
  exemption: StoredExemption | null;
  fileRefs: string[];
  requiredBy: string[];
}


export interface NewApplication {
  application: Omit<ApplicationRecord, 'submittedAt' | 'updatedAt'>;
  materials: MaterialRecord[];
  cases: Array<Pick<CaseRecord, 'id' | 'position' | 'matterCode' | 'matterName' | 'departmentCode' | 'dependsOn' | 'resultCertificateType' | 'formFields' | 'status'>>;
}

export interface Page<T> {
  items: Array<{ cursor: string; node: T }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

const APPLICATION_COLUMNS = `id, applicant, applicant_kind, applicant_name, topic_code, topic_name, topic_version, region,
  answers, form, delivery_method, idempotency_key, materials_before, materials_to_submit, legal_days_total,
  committed_days, submitted_at, updated_at, request_fingerprint, channel`;


type Row = Record<string, any>;

const toApplication = (r: Row): ApplicationRecord => ({
  id: r.id,
  applicant: r.applicant,
  applicantKind: r.applicant_kind,
  applicantName: r.applicant_name,
  topicCode: r.topic_code,
  topicName: r.topic_name,
  topicVersion: r.topic_version,
  region: r.region,
  answers: r.answers,
  form: r.form,
  deliveryMethod: r.delivery_method,
  idempotencyKey: r.idempotency_key,
  materialsBefore: r.materials_before,
  materialsToSubmit: r.materials_to_submit,
  legalDaysTotal: r.legal_days_total,
  committedDays: r.committed_days,
  submittedAt: r.submitted_at,
  updatedAt: r.updated_at,
  requestFingerprint: r.request_fingerprint ?? null,
  channel: r.channel,
});


/** Writes an application with its materials and cases; call inside a transaction. */
export async function insertApplication(tx: Queryable, next: NewApplication, now: Date): Promise<void> {
  const a = next.application;
  const counted = materialCounts(next.materials);
  await tx.query(
    `INSERT INTO applications (${APPLICATION_COLUMNS}, materials_needed, materials_exempt)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$17,$18,$19,$20,$21)`,
    [
      a.id, a.applicant, a.applicantKind, a.applicantName, a.topicCode, a.topicName, a.topicVersion, a.region,
      JSON.stringify(a.answers), JSON.stringify(a.form), a.deliveryMethod, a.idempotencyKey, a.materialsBefore,
      a.materialsToSubmit, a.legalDaysTotal, a.committedDays, now, a.requestFingerprint, a.channel,
      counted.needed, counted.exempt,
    ],
  );
  for (const m of next.materials) {
    await tx.query(
      `INSERT INTO application_materials (application_id, position, code, name, provision, exemption, file_refs, required_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [a.id, m.position, m.code, m.name, m.provision, m.exemption ? JSON.stringify(m.exemption) : null, m.fileRefs, m.requiredBy],
    );
  }
  // One statement for every case: the metrics counters (migration 016) then count them in one change per kind.
  if (next.cases.length === 0) return;
  const params: unknown[] = [];
  const rows = next.cases.map((c) => {
    const first = params.length + 1;
    params.push(
      c.id, a.id, c.position, c.matterCode, c.matterName, c.departmentCode, c.dependsOn, c.resultCertificateType,
      c.formFields, c.status, c.status === 'QUEUED' ? now : null, now,
    );
    return `(${Array.from({ length: 12 }, (_, i) => `$${first + i}`).join(',')})`;
  });
  await tx.query(
    `INSERT INTO cases (id, application_id, position, matter_code, matter_name, department_code, depends_on,
       result_certificate_type, form_fields, status, next_attempt_at, updated_at)
     VALUES ${rows.join(', ')}`,
    params,
  );
}

export async function findApplication(db: Queryable, id: string): Promise<ApplicationRecord | null> {
  const { rows } = await db.query(`SELECT ${APPLICATION_COLUMNS} FROM applications WHERE id = $1`, [id]);
  return rows[0] ? toApplication(rows[0]) : null;
}

/** Several applications by id at once; absent ids are simply missing from the map. */
export async function findApplications(db: Queryable, ids: readonly string[]): Promise<Map<string, ApplicationRecord>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query(`SELECT ${APPLICATION_COLUMNS} FROM applications WHERE id = ANY($1)`, [ids]);
  return new Map(rows.map((row) => [row.id as string, toApplication(row)]));
}

export async function findByIdempotencyKey(db: Queryable, applicant: string, key: string): Promise<ApplicationRecord | null> {
  const { rows } = await db.query(
    `SELECT ${APPLICATION_COLUMNS} FROM applications WHERE applicant = $1 AND idempotency_key = $2`,
    [applicant, key],
  );
  return rows[0] ? toApplication(rows[0]) : null;
}

/** Cases of several applications at once, in topic order. */
export async function casesOfApplications(db: Queryable, applicationIds: readonly string[]): Promise<Map<string, CaseRecord[]>> {
  const byApplication = new Map<string, CaseRecord[]>(applicationIds.map((id) => [id, []]));
  if (applicationIds.length === 0) return byApplication;
  const { rows } = await db.query<CaseRow>(
    `SELECT * FROM cases WHERE application_id = ANY($1) ORDER BY application_id, position`,
    [applicationIds],
  );
  for (const row of rows) byApplication.get(row.application_id)?.push(toCase(row));
  return byApplication;
}

export async function materialsOf(db: Queryable, applicationId: string): Promise<MaterialRecord[]> {
  return (await materialsOfApplications(db, [applicationId])).get(applicationId) ?? [];
}

/** The materials of each of `applicationIds`, in position order; an application without materials is absent. */
export async function materialsOfApplications(db: Queryable, applicationIds: readonly string[]): Promise<Map<string, MaterialRecord[]>> {
  const { rows } = await db.query<Row>(
    `SELECT application_id, position, code, name, provision, exemption, file_refs, required_by
       FROM application_materials WHERE application_id = ANY($1) ORDER BY application_id, position`,
    [applicationIds],
  );
  const byApplication = new Map<string, MaterialRecord[]>();
  for (const r of rows) {
    let list = byApplication.get(r.application_id);
    if (!list) byApplication.set(r.application_id, (list = []));
    list.push({
      position: r.position,
      code: r.code,
      name: r.name,
      provision: r.provision,
      exemption: r.exemption,
      fileRefs: r.file_refs,
      requiredBy: r.required_by,
    });
  }
  return byApplication;
}

/** Opaque page cursor over (time, id), newest first. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id]), 'utf8').toString('base64url');
}

/** The position in a cursor of a page of applications or cases, or null for text that is not one. */
function cursorPosition(cursor: string): { at: Date; id: string } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const [at, id] = parsed as unknown[];
  const date = new Date(String(at));
  return typeof id === 'string' && !Number.isNaN(date.getTime()) ? { at: date, id } : null;
}

/** Whether `cursor` is the endCursor of a page of applications or cases. */
export const isCursor = (cursor: string): boolean => cursorPosition(cursor) !== null;

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const position = cursorPosition(cursor);
  if (!position) throw new RangeError(`invalid cursor ${JSON.stringify(cursor)}: pass the endCursor of a previous page`);
  return position;
}

/** At most 100 items a page: a client cannot ask the database for everything at once. */
export const MAX_PAGE = 100;

function pageSize(first: number): number {
  if (!Number.isSafeInteger(first) || first < 0) throw new RangeError('first must be a non-negative whole number');
  return Math.min(first, MAX_PAGE);
}

/** An applicant's applications, newest first. */
export async function applicationsOf(
  db: Queryable,
  applicant: string,
  page: { first: number; after?: string | null },
): Promise<Page<ApplicationRecord>> {
  const limit = pageSize(page.first);
  const after = page.after ? decodeCursor(page.after) : null;
  const { rows } = await db.query(
    `SELECT ${APPLICATION_COLUMNS} FROM applications
      WHERE applicant = $1 AND ($2::timestamptz IS NULL OR (submitted_at, id) < ($2::timestamptz, $3::text))
      ORDER BY submitted_at DESC, id DESC LIMIT $4`,
    [applicant, after?.at ?? null, after?.id ?? '', limit + 1],
  );
  const items = rows.slice(0, limit).map(toApplication);
  return {
    items: items.map((node) => ({ cursor: encodeCursor(node.submittedAt, node.id), node })),
    hasNextPage: rows.length > limit,
    endCursor: items.length ? encodeCursor(items.at(-1)!.submittedAt, items.at(-1)!.id) : null,
  };
}

/** A department's cases, newest application first, optionally of one status and of one warning level. */
export async function casesOfDepartment(
  db: Queryable,
  departmentCode: string,
  page: { first: number; after?: string | null; status?: CaseStatus | null; warning?: WarningLevel | null },
): Promise<Page<CaseRecord & { submittedAt: Date }>> {
  const limit = pageSize(page.first);
  const after = page.after ? decodeCursor(page.after) : null;
  const { rows } = await db.query<CaseRow & { submitted_at: Date }>(
    // cases.submitted_at is the application's (migration 011): the page is read from one index, however deep.
    `SELECT c.* FROM cases c
      WHERE c.department_code = $1
        AND ($2::text IS NULL OR c.status = $2::text)
        AND ($3::timestamptz IS NULL OR (c.submitted_at, c.id) < ($3::timestamptz, $4::text))
        AND ($6::text IS NULL OR c.warning_level = $6::text)
      ORDER BY c.submitted_at DESC, c.id DESC LIMIT $5`,
    [departmentCode, page.status ?? null, after?.at ?? null, after?.id ?? '', limit + 1, page.warning ?? null],
  );
  const items = rows.slice(0, limit).map((r) => ({ ...toCase(r), submittedAt: r.submitted_at }));
  return {
    items: items.map((node) => ({ cursor: encodeCursor(node.submittedAt, node.id), node })),
    hasNextPage: rows.length > limit,
    endCursor: items.length ? encodeCursor(items.at(-1)!.submittedAt, items.at(-1)!.id) : null,
  };
}

export interface EvaluationRecord {
  applicationId: string;
  remoteId: string;
  topicCode: string;
  grade: number;
  comment: string | null;
  channel: string;
  evaluator: string;
  createdAt: Date;
}

export async function evaluationsOf(db: Queryable, applicationIds: readonly string[]): Promise<Map<string, EvaluationRecord>> {
  const found = new Map<string, EvaluationRecord>();
  if (applicationIds.length === 0) return found;
  const { rows } = await db.query<Row>(
    `SELECT application_id, remote_id, topic_code, grade, comment, channel, evaluator, created_at
       FROM evaluations WHERE application_id = ANY($1)`,
    [applicationIds],
  );
  for (const r of rows) {
    found.set(r.application_id, {
      applicationId: r.application_id,
      remoteId: r.remote_id,
      topicCode: r.topic_code,
      grade: r.grade,
      comment: r.comment,
      channel: r.channel,
      evaluator: r.evaluator,
      createdAt: r.created_at,
    });
  }
  return found;
}
