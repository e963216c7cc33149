/** SQL fixtures of applications and cases, written straight into the tables of 002_applications.sql. */
import type { CaseStatus } from '../../domain/application-status.ts';
import type { Queryable } from '../../store/database.ts';

export interface ApplicationFixture {
  id: string;
  applicant?: string;
  applicantName?: string;
  topicCode: string;
  topicName?: string;
  region: string;
  materialsBefore?: number;
  materialsToSubmit?: number;
  legalDaysTotal?: number;
  committedDays?: number;
  /** ISO 8601. */
  submittedAt: string;
}

export async function insertApplication(db: Queryable, a: ApplicationFixture): Promise<void> {
  await db.query(
    `INSERT INTO applications (id, applicant, applicant_kind, applicant_name, topic_code, topic_name, topic_version, region,
       answers, form, delivery_method, idempotency_key, materials_before, materials_to_submit, legal_days_total,
       committed_days, submitted_at, updated_at)
     VALUES ($1, $2, 'PERSON', $3, $4, $5, 1, $6, '{}'::jsonb, '{}'::jsonb, 'ONLINE', $1, $7, $8, $9, $10, $11, $11)`,
    [
      a.id,
      a.applicant ?? '440514199001011234',
      a.applicantName ?? '张三',
      a.topicCode,
      a.topicName ?? a.topicCode,
      a.region,
      a.materialsBefore ?? 0,
      a.materialsToSubmit ?? 0,
      a.legalDaysTotal ?? 0,
      a.committedDays ?? 0,
      new Date(a.submittedAt),
    ],
  );
}

export interface CaseFixture {
  applicationId: string;
  matterCode: string;
  departmentCode: string;
  status: CaseStatus;
  dueAt?: string | null;
  decidedAt?: string | null;
  receivedAt?: string | null;
}

let caseNumber = 0;

/** @returns the case's id. */
export async function insertCase(db: Queryable, c: CaseFixture): Promise<string> {
  caseNumber++;
  await db.query(
    `INSERT INTO cases (id, application_id, position, matter_code, matter_name, department_code, depends_on,
       status, due_at, decided_at, received_at)
     VALUES ($1, $2, $3, $4, $4, $5, '{}', $6, $7, $8, $9)`,
    [
      `CASE-${caseNumber}`,
      c.applicationId,
      caseNumber,
      c.matterCode,
      c.departmentCode,
      c.status,
      c.dueAt ? new Date(c.dueAt) : null,
      c.decidedAt ? new Date(c.decidedAt) : null,
      c.receivedAt ? new Date(c.receivedAt) : null,
    ],
  );
  return `CASE-${caseNumber}`;
}
